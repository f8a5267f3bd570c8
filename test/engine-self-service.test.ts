/**
 * What the debtor does on their own page, as the account engine applies it, without any server
 * (test/helpers/engine-world.ts): preferences, questions, a dispute of part of the debt, a request
 * for the original creditor, opt-outs and opt-ins, promises and plans from the page, each followed
 * by a confirmation; receipts for payments from the page; retries of a failed automatic payment
 * spaced by the decline code, within the creditor's limits and never while collection must stop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountProfile } from '../src/domain/account';
import { addDays } from '../src/domain/arrangements';
import type { Cadence } from '../src/domain/cadence';
import { classifyDecline, planCardRetry } from '../src/domain/card-retry';
import { localDateTime } from '../src/domain/contact-policy';
import { changedVisibility, debtorPageView, visibility } from '../src/domain/engine';
import { zonedTimeToUtcMs } from '../src/domain/schedule';
import { parseCadence } from '../src/schemas/cadence.schema';
import { World } from './helpers/engine-world';

const NY = 'America/New_York';
/** Monday 2 November 2026, 10:00 in New York. */
const START = new Date(zonedTimeToUtcMs('2026-11-02', '10:00', NY)).toISOString();
const DAY = 86_400_000;

const cadence: Cadence = parseCadence({
  name: 'page',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'text', action: 'sms', after: '3d', template: 's' },
    { id: 'reminder', action: 'email', after: '6d', template: 't' },
    { id: 'close', action: 'close', after: '90d' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Pay at {{paymentLink}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
    s: { en: { text: '{{balance}} due on {{accountId}}: {{paymentLink}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
  },
});

function account(overrides: Partial<AccountProfile> = {}): AccountProfile {
  return {
    accountId: 'P-1',
    creditorId: 'cred-page',
    product: 'utility',
    debtorName: 'Page Debtor',
    email: 'page@example.test',
    phone: '+12125550177',
    language: 'en',
    address: { line1: '1 Main St', city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' },
    timezone: NY,
    currency: 'USD',
    balanceMinor: 400_00,
    dueDate: '2026-09-01',
    consent: { email: true, sms: true },
    serviceId: null,
    collateralVin: null,
    insuranceClaimId: null,
    ...overrides,
  };
}

const world = (overrides: Partial<AccountProfile> = {}, options: Partial<ConstructorParameters<typeof World>[1]> = {}) => new World(account(overrides), { start: START, cadence, ...options });
const confirmations = (w: World) => w.sent.filter((s) => s.effect.stepId.startsWith('confirmation-'));
const sentStep = (w: World, id: string) => w.sent.find((s) => s.effect.stepId === id);

describe('contact preferences from the page', () => {
  it('a preferred channel: an email step goes by text, with the opt-out, and a confirmation says what was saved', () => {
    const w = world();
    w.comply({ kind: 'contact_preferences', channel: 'sms', via: 'debtor_page' });
    const confirmation = confirmations(w)[0]!;
    assert.equal(confirmation.effect.channel, 'sms', 'the confirmation goes by the preferred channel');
    assert.match(confirmation.effect.text, /text message, at any permitted time/);
    w.advance({ days: 7 });
    assert.equal(sentStep(w, 'reminder')!.effect.channel, 'sms');
    assert.match(sentStep(w, 'reminder')!.effect.text, /STOP/);
  });

  it('a preferred channel that cannot be used (no consent to texts) changes nothing', () => {
    const w = world({ consent: { email: true, sms: false } });
    w.comply({ kind: 'contact_preferences', channel: 'sms', via: 'debtor_page' });
    w.advance({ days: 7 });
    assert.equal(sentStep(w, 'reminder')!.effect.channel, 'email');
  });

  it('a preferred time of day: a step due at 10:00 waits for the evening (17:00 local); letters and the law\'s window are untouched', () => {
    const w = world();
    w.comply({ kind: 'contact_preferences', timeOfDay: 'evening', via: 'operator' });
    assert.equal(confirmations(w).length, 0, 'an operator\'s change sends no confirmation');
    w.advance({ days: 7 });
    const text = sentStep(w, 'text')!;
    assert.equal(localDateTime(text.at, NY).hour, 17);
    assert.equal(text.effect.rules.windowStartHour, 17);
    assert.equal(text.effect.rules.windowEndHour, 21);
  });
});

describe('questions for a person', () => {
  it('are kept open, counted where operators look (search attribute, details), confirmed, and closed when answered', () => {
    const w = world();
    const before = visibility(w.state, w.now());
    w.comply({ kind: 'debtor_question', questionId: 'q-1', text: 'Why is there a fee?', via: 'debtor_page' });
    assert.deepEqual(w.state.selfService!.questions.map((q) => [q.id, q.status]), [['q-1', 'open']]);
    const after = visibility(w.state, w.now());
    assert.equal(after.openQuestions, 1);
    assert.deepEqual(changedVisibility(before, after), { openQuestions: 1 });
    assert.match(confirmations(w)[0]!.effect.subject!, /We received your question/);
    w.comply({ kind: 'question_answered', questionId: 'q-1', note: 'called back' });
    assert.equal(w.state.selfService!.questions[0]!.status, 'answered');
    assert.equal(visibility(w.state, w.now()).openQuestions, 0);
  });

  it('an account that never had a question publishes exactly the search attributes it did before', () => {
    const w = world();
    const first = changedVisibility(null, visibility(w.state, w.now()))!;
    assert.equal('openQuestions' in first, false);
  });
});

describe('disputes and the original creditor from the page', () => {
  it('a dispute of part of the debt within the period holds collection; the confirmation asks for nothing', () => {
    const w = world();
    w.comply({ kind: 'dispute', via: 'debtor_page', scope: 'part', amountMinor: 150_00, note: 'the late fee' });
    assert.equal(w.state.compliance.dispute, 'pending_verification');
    assert.equal(w.state.selfService!.disputedAmountMinor, 150_00);
    const confirmation = confirmations(w)[0]!;
    assert.match(confirmation.effect.text, /dispute of \$150\.00/);
    assert.doesNotMatch(confirmation.effect.text, /pay\.example\.test|\$400/, 'no payment link, no amount due while collection is suspended');
    assert.equal(confirmation.effect.request.purpose, 'required_notice');
    w.advance({ days: 20 });
    assert.equal(sentStep(w, 'text'), undefined, 'no collection until verification');
    assert.equal(debtorPageView(w.state, w.config).selfService.disputedAmountMinor, 150_00);
  });

  it('a request for the original creditor within the period holds collection until verification is sent', () => {
    const w = world();
    w.comply({ kind: 'original_creditor_request', via: 'debtor_page' });
    assert.equal(w.state.compliance.dispute, 'pending_verification');
    assert.equal(w.state.selfService!.originalCreditorRequested, true);
    assert.match(confirmations(w)[0]!.effect.subject!, /We received your request/);
    w.advance({ days: 10 });
    assert.equal(sentStep(w, 'text'), undefined);
    w.comply({ kind: 'verification_sent', note: 'original creditor name and address mailed' });
    w.advance({ days: 4 }); // the text was due on day 3; the 10 days held move it
    assert.ok(sentStep(w, 'text'), 'collection resumes after the name and address were sent');
  });

  it('a request for the original creditor after the period is recorded and holds nothing', () => {
    const w = world();
    w.advance({ days: 50 });
    w.comply({ kind: 'original_creditor_request', via: 'letter' });
    assert.equal(w.state.compliance.dispute, 'none');
    assert.equal(confirmations(w).length, 0, 'only the page\'s requests are confirmed');
  });
});

describe('opting out and in from the page', () => {
  it('an SMS opt-out is confirmed by email (never by the text opted out of), and later texts are suppressed', () => {
    const w = world();
    w.comply({ kind: 'opt_out', channel: 'sms', address: '+12125550177', source: 'debtor_page' });
    const confirmation = confirmations(w)[0]!;
    assert.equal(confirmation.effect.channel, 'email');
    assert.match(confirmation.effect.text, /no longer contact you by text message/);
    w.advance({ days: 4 });
    assert.equal(w.state.contacts.find((c) => c.stepId === 'text')!.rule, 'reg_f_1006_6_e_opt_out');
  });

  it('an opt-in from the page gives consent to texts at that number', () => {
    const w = world({ consent: { email: true, sms: false } });
    w.comply({ kind: 'opt_in', channel: 'sms', address: '+12125550177', source: 'debtor_page' });
    w.advance({ days: 4 });
    assert.equal(sentStep(w, 'text')!.effect.channel, 'sms');
  });
});

describe('arrangements from the page', () => {
  it('a promise made on the page is confirmed with its amount and date; one taken by phone is not', () => {
    const w = world();
    const date = addDays('2026-11-02', 5);
    w.control({ kind: 'promise', request: { amountMinor: 100_00, date, channel: 'debtor_page', takenBy: 'the debtor (debtor page)' } });
    assert.match(confirmations(w)[0]!.effect.text, new RegExp(`promise to pay \\$100\\.00 by ${date}`));
    assert.match(confirmations(w)[0]!.effect.text, /pay\.example\.test\/cred-page\/P-1/, 'the link the worker signs');
    assert.equal(confirmations(w)[0]!.effect.paymentLink, 'https://pay.example.test/cred-page/P-1');
    const w2 = world();
    w2.control({ kind: 'promise', request: { amountMinor: 100_00, date, channel: 'phone', takenBy: 'ana' } });
    assert.equal(confirmations(w2).length, 0);
  });

  it('a plan accepted on the page is confirmed with its schedule', () => {
    const w = world();
    const plan = w.control({ kind: 'plan', request: { frequency: 'monthly', acceptedBy: 'the debtor (debtor page)', via: 'debtor_page', monthlyIncomeMinor: 300_000, monthlyExpensesMinor: 250_000 } }) as { schedule: { amountMinor: number }[] };
    assert.ok(plan.schedule.length > 1);
    assert.match(confirmations(w)[0]!.effect.text, new RegExp(`${plan.schedule.length} payments`));
  });

  it('new contact details from the page are confirmed at the new address', () => {
    const w = world();
    w.control({ kind: 'contact_details', request: { email: 'new@example.test', reason: 'changed on the debtor page', via: 'debtor_page' } });
    const confirmation = confirmations(w)[0]!;
    assert.equal(confirmation.effect.recipient, 'new@example.test');
    assert.match(confirmation.effect.text, /\(email\)/);
  });
});

describe('receipts', () => {
  it('a payment from the page gets a receipt, also when it pays the account in full; a creditor-reported one does not', () => {
    const w = world();
    w.pay({ paymentId: 'pi_1', amountMinor: 100_00, source: 'debtor_page' });
    w.pay({ paymentId: 'PAY-2', amountMinor: 50_00 });
    assert.equal(confirmations(w).length, 1);
    assert.match(confirmations(w)[0]!.effect.text, /payment of \$100\.00/);
    w.pay({ paymentId: 'pi_3', amountMinor: 250_00, source: 'debtor_page' });
    assert.equal(w.state.stage, 'paid');
    assert.equal(confirmations(w).length, 2, 'the receipt still goes once the account is paid');
    assert.deepEqual(w.state.selfService!.attempts.map((a) => [a.paymentId, a.status]), [['pi_1', 'succeeded'], ['pi_3', 'succeeded']]);
  });

  it('a receipt due at night waits for the window, and the account does not end before it goes', () => {
    const night = new Date(zonedTimeToUtcMs('2026-11-02', '23:00', NY)).toISOString();
    const w = new World(account({ balanceMinor: 100_00 }), { start: night, cadence, config: { arrangementRules: { ...new World(account(), { start: START, cadence }).config.arrangementRules, reopenWindowDays: 0 } } });
    w.pay({ paymentId: 'pi_n', amountMinor: 100_00, source: 'debtor_page' });
    assert.equal(confirmations(w).length, 0);
    assert.equal(w.completed, false);
    w.advance({ days: 1 });
    assert.equal(localDateTime(confirmations(w)[0]!.at, NY).hour, 8);
    assert.ok(w.completed);
  });
});

describe('retries of a failed automatic payment', () => {
  const failed = (code: string, overrides: object = {}) => ({ paymentId: 'auto-1', amountMinor: 120_00, currency: 'USD', declineCode: code, retry: { paymentMethod: 'pm_card_on_file' }, ...overrides });

  it('the decline codes: final ones are never retried, funds wait for a payday, passing faults an hour', () => {
    const table: [string, string][] = [
      ['lost_card', 'final'], ['stolen_card', 'final'], ['do_not_try_again', 'final'], ['revocation_of_authorization', 'final'], ['expired_card', 'final'],
      ['insufficient_funds', 'funds'], ['processing_error', 'soon'], ['try_again_later', 'soon'], ['do_not_honor', 'generic'], ['generic_decline', 'generic'], ['something_new', 'generic'],
    ];
    for (const [code, kind] of table) assert.equal(classifyDecline(code), kind, code);
    const base = { firstFailedAtMs: 0, declinedAtMs: 0, rules: { maxRetries: 3, withinDays: 14 } };
    assert.deepEqual(planCardRetry({ ...base, declineCode: 'insufficient_funds', retriesDone: 0 }), { retry: true, atMs: 3 * DAY, reason: 'insufficient_funds (not enough funds: wait for a payday)' });
    assert.equal((planCardRetry({ ...base, declineCode: 'processing_error', retriesDone: 0 }) as { atMs: number }).atMs, 3_600_000);
    assert.equal(planCardRetry({ ...base, declineCode: 'do_not_honor', retriesDone: 3 }).retry, false, 'the creditor\'s limit');
    assert.equal(planCardRetry({ ...base, declineCode: 'insufficient_funds', retriesDone: 2, declinedAtMs: 10 * DAY }).retry, false, 'past 14 days from the first failure');
  });

  it('insufficient funds: retried after 3 days, then 4, and the success is posted once with a receipt', () => {
    const w = world({}, { charges: [{ status: 'declined', declineCode: 'insufficient_funds' }, { status: 'succeeded' }] });
    w.message({ kind: 'payment_failed', failed: failed('insufficient_funds') });
    assert.equal(w.charges.length, 0);
    w.advance({ days: 3 });
    assert.equal(w.charges.length, 1);
    assert.equal(w.charges[0]!.input.attempt, 1);
    assert.equal(w.charges[0]!.input.idempotencyKey, 'account/cred-page/P-1/card-retry/auto-1/1');
    w.advance({ days: 3.9 });
    assert.equal(w.charges.length, 1, 'the second retry waits 4 days after the first');
    w.advance({ days: 0.2 });
    assert.equal(w.charges.length, 2);
    assert.equal(w.state.balanceMinor, 280_00);
    assert.deepEqual(w.state.payments.map((p) => p.paymentId), ['pi_retry_2']);
    assert.match(confirmations(w).at(-1)!.effect.text, /payment of \$120\.00/);
    assert.deepEqual(w.state.selfService!.attempts.map((a) => [a.kind, a.attempt, a.status, a.declineCode]), [
      ['automatic', 0, 'declined', 'insufficient_funds'],
      ['retry', 1, 'declined', 'insufficient_funds'],
      ['retry', 2, 'succeeded', null],
    ]);
  });

  it('a final decline is never retried, and it is recorded why', () => {
    const w = world();
    w.message({ kind: 'payment_failed', failed: failed('lost_card') });
    w.advance({ days: 20 });
    assert.equal(w.charges.length, 0);
    assert.match(w.state.selfService!.attempts.at(-1)!.detail, /lost_card is a decline the issuer will not reverse/);
  });

  it('no more retries than the creditor allows', () => {
    const w = world({}, { charges: [1, 2, 3, 4].map(() => ({ status: 'declined' as const, declineCode: 'do_not_honor' })), config: { arrangementRules: { ...new World(account(), { start: START, cadence }).config.arrangementRules, cardRetries: { maxRetries: 2, withinDays: 30 } } } });
    w.message({ kind: 'payment_failed', failed: failed('do_not_honor') });
    w.advance({ days: 30 });
    assert.equal(w.charges.length, 2);
    assert.match(w.state.selfService!.attempts.at(-1)!.detail, /2 retries made: the creditor allows 2/);
  });

  it('no retry while collection must not go on: a dispute pending verification, a bankruptcy', () => {
    for (const fact of [{ kind: 'dispute', via: 'letter' }, { kind: 'bankruptcy', caseNumber: '26-1' }] as const) {
      const w = world();
      w.message({ kind: 'payment_failed', failed: failed('insufficient_funds') });
      w.comply(fact);
      w.advance({ days: 5 });
      assert.equal(w.charges.length, 0, fact.kind);
      assert.match(w.state.selfService!.attempts.at(-1)!.detail, fact.kind === 'dispute' ? /reg_f_1006_38_dispute_pending/ : /bankruptcy_stay/);
    }
  });

  it('the debtor\'s own declined attempt on the page is recorded, never retried', () => {
    const w = world();
    w.message({ kind: 'payment_failed', failed: { paymentId: 'pi_page', amountMinor: 50_00, currency: 'USD', declineCode: 'insufficient_funds' } });
    w.advance({ days: 10 });
    assert.equal(w.charges.length, 0);
    assert.deepEqual(w.state.selfService!.attempts.map((a) => [a.kind, a.status]), [['debtor', 'declined']]);
  });
});
