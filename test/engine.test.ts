/**
 * The account engine's rules, one by one, without any server: `decide` driven through a pure
 * stand-in of the world (test/helpers/engine-world.ts). Expected times come from the product's
 * calendar functions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { account, NY, START } from './helpers/engine-fixtures';
import { addDays } from '../src/domain/arrangements';
import type { Cadence } from '../src/domain/cadence';
import { localDateTime, validationPeriodEnd } from '../src/domain/contact-policy';
import { changedVisibility, decide, fromCarried, initialState, visibility } from '../src/domain/engine';
import { spreadOffsetMs, zonedTimeToUtcMs } from '../src/domain/schedule';
import type { DialAnswer } from '../src/domain/engine';
import { callHistory } from '../src/domain/engine/contacts';
import type { CallOutcome, DialRequest } from '../src/domain/engine/records';
import { parseCadence } from '../src/schemas/cadence.schema';
import { World } from './helpers/engine-world';

const cadence: Cadence = parseCadence({
  name: 'rules',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'text', action: 'sms', after: '3d', template: 's' },
    { id: 'letter', action: 'letter', after: '7d', template: 'l' },
    { id: 'warning', action: 'email', after: '10d', template: 't', stage: 'escalated' },
    { id: 'disconnect', action: 'order_disconnection', after: '20d' },
    { id: 'close', action: 'close', after: '60d' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.' } },
    s: { en: { text: '{{balance}} due on {{accountId}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
    l: { en: { subject: 'Your account', text: 'Dear {{debtorName}}, {{balance}} is due.' } },
  },
});

const world = (overrides: Partial<AccountProfile> = {}, options: Partial<ConstructorParameters<typeof World>[1]> = {}) => new World(account(overrides), { start: START, cadence, ...options });
const sentIds = (w: World) => w.state.contacts.filter((c) => c.status === 'sent').map((c) => c.stepId);
const stepAt = (w: World, id: string) => w.state.contacts.find((c) => c.stepId === id)?.at;
/** A run recorded before the engine's changes: patched() answers false, and says what it was asked. */
const recordedRun = () => {
  const asked: string[] = [];
  return { asked, config: { patched: (change: string) => (asked.push(change), false) } };
};

describe('a new account', () => {
  it('opens the ledger, mails the validation notice first, then the first step, and waits for the next one', () => {
    const w = world();
    assert.deepEqual(sentIds(w), ['validation-notice', 'notice']);
    assert.equal(w.state.stage, 'reminding');
    assert.equal(w.state.compliance.validationNotice!.periodEnds, validationPeriodEnd('2026-11-02'));
    // The SMS is due 3 days after enrollment at the same local time.
    assert.equal(w.wakeAt, zonedTimeToUtcMs('2026-11-05', '10:00', NY));
    assert.equal(w.state.nextAction!.description, 'sms text');
  });

  it('runs the cadence in order and ends with the close step', () => {
    const w = world();
    w.advance({ days: 61 });
    assert.deepEqual(sentIds(w), ['validation-notice', 'notice', 'text', 'letter', 'warning']);
    assert.equal(w.orders.length, 1);
    assert.equal(w.state.stage, 'closed');
    assert.ok(w.completed);
  });

  it('holds a remedy until the day after the validation period, at 09:00 local', () => {
    const w = world();
    w.advance({ days: 30 });
    assert.equal(w.orders.length, 0, 'day 20 is inside the validation period');
    w.advance({ days: 15 });
    const allowedFrom = zonedTimeToUtcMs(addDays(validationPeriodEnd('2026-11-02'), 1), '09:00', NY);
    assert.equal(w.orders.length, 1);
    const ordered = w.state.steps.find((s) => s.stepId === 'disconnect')!;
    assert.equal(Date.parse(ordered.at), allowedFrom);
  });
});

describe('a step spread over part of the day', () => {
  it("waits for and sends the step at its local time plus the account's own offset", () => {
    const spread = parseCadence({ ...cadence, name: 'spread', steps: cadence.steps.map((step) => (step.id === 'text' ? { ...step, atLocalTime: '09:00', spread: '4h' } : step)) });
    const offsets = new Set<number>();
    for (const accountId of ['SPREAD-1', 'SPREAD-2', 'SPREAD-3', 'SPREAD-4']) {
      const w = world({ accountId }, { cadence: spread });
      const offset = spreadOffsetMs(accountKey(w.state.profile.creditorId, accountId), 4 * 3_600_000);
      offsets.add(offset);
      const due = zonedTimeToUtcMs('2026-11-05', '09:00', NY) + offset;
      assert.equal(w.wakeAt, due, accountId);
      assert.equal(w.state.nextAction!.at, new Date(due).toISOString());
      w.advance({ to: new Date(due - 60_000).toISOString() });
      assert.equal(stepAt(w, 'text'), undefined, `${accountId}: not a minute early`);
      w.advance({ ms: 60_000 });
      assert.equal(stepAt(w, 'text'), new Date(due).toISOString(), accountId);
    }
    assert.ok(offsets.size > 1, 'four accounts do not all land on the same minute');
  });
});

describe('the contact window', () => {
  it('defers a step due at night to 08:00 local, and sends it then', () => {
    const night = new Date(zonedTimeToUtcMs('2026-11-02', '23:30', NY)).toISOString();
    const w = new World(account(), { start: night, cadence });
    assert.deepEqual(sentIds(w), ['validation-notice'], 'letters are not timed; the email waits');
    assert.equal(w.wakeAt, zonedTimeToUtcMs('2026-11-03', '08:00', NY));
    w.advance({ to: new Date(zonedTimeToUtcMs('2026-11-03', '08:00', NY)).toISOString() });
    assert.equal(localDateTime(stepAt(w, 'notice')!, NY).hour, 8);
  });

  it('an SMS opt-out suppresses the SMS step, and email goes on', () => {
    const w = world();
    w.comply({ kind: 'opt_out', channel: 'sms', address: '+12125550123', source: 'reply' });
    w.advance({ days: 11 });
    const text = w.state.contacts.find((c) => c.stepId === 'text')!;
    assert.equal(text.status, 'suppressed');
    assert.equal(text.rule, 'reg_f_1006_6_e_opt_out');
    assert.equal(w.state.contacts.find((c) => c.stepId === 'warning')!.status, 'sent');
  });

  it('a bounced email falls back to SMS, with the opt-out text added', () => {
    const w = world();
    w.comply({ kind: 'contact_invalid', channel: 'email', address: 'rule@example.test', reason: 'hard bounce', source: 'bounce' });
    w.advance({ days: 11 });
    const warning = w.sent.find((s) => s.effect.stepId === 'warning')!;
    assert.equal(warning.effect.channel, 'sms');
    assert.match(warning.effect.text, /STOP/);
    assert.match(w.state.steps.find((s) => s.stepId === 'warning')!.detail!, /instead of email: rule@example.test is undeliverable/);
  });
});

describe('money', () => {
  it('a payment posts before the next step; paid ends the reminders and waits out the reopen window', () => {
    const w = world();
    w.advance({ days: 1 });
    w.pay({ paymentId: 'P1', amountMinor: 500_00 });
    assert.equal(w.state.stage, 'paid');
    assert.equal(w.state.nextAction!.description, 'close once no payment can come back');
    w.advance({ days: 30 });
    assert.deepEqual(sentIds(w), ['validation-notice', 'notice']);
    w.advance({ days: 100 });
    assert.ok(w.completed, 'the workflow completes after the reopen window (120 days)');
  });

  it('the same payment id twice posts once; a foreign currency is refused without reaching the ledger', () => {
    const w = world();
    w.pay({ paymentId: 'P1', amountMinor: 100_00 });
    w.pay({ paymentId: 'P1', amountMinor: 100_00 });
    w.pay({ paymentId: 'P2', amountMinor: 100_00, currency: 'EUR' });
    assert.deepEqual(w.state.payments.map((p) => [p.paymentId, p.status]), [['P1', 'posted'], ['P2', 'rejected']]);
    assert.equal(w.state.balanceMinor, 400_00);
  });

  it('a returned payment reopens a paid account where the cadence stood, the days paid not counting', () => {
    const w = world();
    w.pay({ paymentId: 'P1', amountMinor: 500_00 });
    w.advance({ days: 10 });
    w.returned({ paymentId: 'P1', returnId: 'R1', reason: 'insufficient_funds' });
    assert.equal(w.state.stage, 'reminding');
    assert.match(w.state.stageHistory.at(-1)!.reason, /^reopened: payment P1 returned: insufficient_funds/);
    assert.equal(w.state.clockShiftMs, 10 * 86_400_000);
  });

  it('an overpayment is held as a credit and reported', () => {
    const w = world();
    w.pay({ paymentId: 'P1', amountMinor: 600_00 });
    assert.equal(w.state.creditMinor, 100_00);
    assert.match(w.state.steps.find((s) => s.action === 'overpayment')!.detail!, /\$100\.00 of payment P1 beyond the balance is held as a credit/);
  });
});

describe('arrangements', () => {
  const promise = (w: World, days: number) => w.control({ kind: 'promise', request: { amountMinor: 200_00, date: addDays('2026-11-02', days), channel: 'phone', takenBy: 'ana' } });

  it('a broken promise resumes the cadence at a harder step, due at once', () => {
    const w = world();
    promise(w, 5);
    assert.equal(w.state.stage, 'promised');
    w.advance({ days: 10 }); // promise date + 3 days' grace, checked the next morning
    const record = w.state.promises[0]!;
    assert.equal(record.status, 'broken');
    assert.equal(Date.parse(record.resolvedAt!), zonedTimeToUtcMs(addDays('2026-11-02', 5 + 3 + 1), '09:00', NY));
    assert.deepEqual(w.state.steps.filter((s) => s.status === 'skipped').map((s) => s.stepId), ['text'], 'the SMS is skipped for the harder step');
    assert.equal(stepAt(w, 'letter'), record.resolvedAt);
  });

  it('a partly kept promise asks for the rest and resumes the cadence', () => {
    const w = world();
    promise(w, 5);
    w.pay({ paymentId: 'P1', amountMinor: 50_00 });
    w.advance({ days: 10 });
    assert.equal(w.state.promises[0]!.status, 'partial');
    const ask = w.sent.find((s) => s.effect.stepId.startsWith('promise_partial'))!;
    assert.match(ask.effect.text, /\$150\.00 of the amount you promised/);
  });

  it('a kept promise ends at the payment, and the promise is saved for reports each time it changes', () => {
    const w = world();
    promise(w, 5);
    w.pay({ paymentId: 'P1', amountMinor: 200_00 });
    assert.equal(w.state.promises[0]!.status, 'kept');
    assert.equal(w.state.stage, 'reminding');
    assert.deepEqual(w.saves.map((c) => c.kind === 'save_arrangement' && c.snapshot.status), ['open', 'kept']);
  });

  it('refuses a promise above the balance, naming the field, and changes nothing', () => {
    const w = world();
    const before = JSON.stringify(w.state);
    assert.throws(() => w.control({ kind: 'promise', request: { amountMinor: 900_00, date: '2026-11-05', channel: 'phone', takenBy: 'ana' } }), (e: Error & { field?: string }) => e.field === 'amountMinor');
    assert.equal(JSON.stringify(w.state), before);
  });

  it('a plan in default after two misses resumes collection and tells the debtor', () => {
    const w = world();
    w.control({ kind: 'plan', request: { frequency: 'weekly', instalmentMinor: 100_00, acceptedBy: 'ana' } });
    assert.equal(w.state.stage, 'on_plan');
    w.advance({ days: 40 });
    const plan = w.state.plans[0]!;
    assert.equal(plan.status, 'defaulted');
    assert.equal(plan.misses, 2);
    assert.ok(w.sent.some((s) => s.effect.stepId.startsWith('plan_default')));
  });
});

describe('holds and operators', () => {
  it("a dispute's timeliness is read on the debtor's calendar: the evening of the last day is within, the next morning is not", () => {
    const LA = 'America/Los_Angeles';
    const west = () => world({ timezone: LA, address: { line1: '1 Ocean Ave', city: 'Santa Monica', region: 'CA', postalCode: '90401', country: 'US' } });
    const w = west();
    const periodEnds = w.state.compliance.validationNotice!.periodEnds;
    // 17:30 in Los Angeles on the last day is already the next day in UTC.
    const lastEvening = new Date(zonedTimeToUtcMs(periodEnds, '17:30', LA)).toISOString();
    assert.notEqual(lastEvening.slice(0, 10), periodEnds);
    w.comply({ kind: 'dispute', via: 'letter', receivedAt: lastEvening });
    assert.equal(w.state.compliance.dispute, 'pending_verification');
    // A run recorded before the change keeps reading the UTC date when it replays (patched() false).
    const before = recordedRun();
    const recorded = new World(account({ timezone: LA, address: { line1: '1 Ocean Ave', city: 'Santa Monica', region: 'CA', postalCode: '90401', country: 'US' } }), { start: START, cadence, config: before.config });
    recorded.comply({ kind: 'dispute', via: 'letter', receivedAt: new Date(zonedTimeToUtcMs(periodEnds, '10:00', LA)).toISOString() });
    assert.deepEqual(before.asked, [], 'a morning dispute reads the same either way: Temporal is not asked');
    recorded.comply({ kind: 'dispute', via: 'letter', receivedAt: lastEvening });
    assert.deepEqual(before.asked, ['validation-period-local-date']);
    assert.equal(recorded.state.compliance.dispute, 'pending_verification', 'the morning dispute was within');
    assert.equal(recorded.state.compliance.disputedOutsideValidationPeriod, true, 'the evening one read as late, as it did');
    const late = west();
    late.comply({ kind: 'dispute', via: 'letter', receivedAt: new Date(zonedTimeToUtcMs(addDays(periodEnds, 1), '08:00', LA)).toISOString() });
    assert.notEqual(late.state.compliance.dispute, 'pending_verification');
    assert.equal(late.state.compliance.disputedOutsideValidationPeriod, true);
  });

  it('a dispute within the period holds the cadence until verification; the held days move the rest', () => {
    const w = world();
    w.comply({ kind: 'dispute', via: 'letter' });
    w.advance({ days: 12 });
    assert.deepEqual(sentIds(w), ['validation-notice', 'notice']);
    assert.equal(w.state.nextAction!.description, 'waiting for dispute verification');
    w.comply({ kind: 'verification_sent' });
    w.advance({ days: 4 });
    // The SMS was due on day 3; 12 days held move it to day 15.
    assert.equal(Date.parse(stepAt(w, 'text')!), zonedTimeToUtcMs(addDays('2026-11-02', 15), '10:00', NY));
  });

  it('pause and resume: refused when they make no sense, and the clock stops while paused', () => {
    const w = world();
    assert.throws(() => w.control({ kind: 'resume', request: { reason: 'x' } }), /not paused/);
    w.control({ kind: 'pause', request: { reason: 'in hospital', operator: 'ana' } });
    assert.throws(() => w.control({ kind: 'pause', request: { reason: 'again' } }), /already paused/);
    w.advance({ days: 5 });
    assert.deepEqual(sentIds(w), ['validation-notice', 'notice']);
    w.control({ kind: 'resume', request: { reason: 'home' } });
    w.advance({ days: 3 });
    assert.equal(Date.parse(stepAt(w, 'text')!), zonedTimeToUtcMs(addDays('2026-11-02', 8), '10:00', NY));
    assert.equal(w.state.steps.find((s) => s.action === 'pause')!.detail, 'in hospital (by ana)');
  });

  it('a refused order is recorded and the account waits for an operator, escalated', () => {
    const w = world({}, { refuse: { order: 'order_refused: 422 unknown service' } });
    w.advance({ days: 50 });
    const step = w.state.steps.find((s) => s.stepId === 'disconnect')!;
    assert.equal(step.status, 'failed');
    assert.equal(w.state.stage, 'escalated');
  });

  it('an order nobody acknowledges is tried again later, with growing pauses, until it is: once', () => {
    const w = world({}, { failFirst: { order: 3 } });
    w.advance({ days: 45 });
    assert.equal(w.orders.length, 1, 'acknowledged once, after three failures');
    const done = w.state.steps.find((s) => s.stepId === 'disconnect')!;
    assert.equal(done.status, 'done');
    const firstTry = zonedTimeToUtcMs(addDays(validationPeriodEnd('2026-11-02'), 1), '09:00', NY);
    // Retried 1, 2 and 4 minutes after each failure.
    assert.equal(Date.parse(done.at), firstTry + (1 + 2 + 4) * 60_000);
    assert.equal(w.state.orderRetry, null);
  });

  it('a service disconnected by order is ordered back on once the debt is paid, and on a plan only if the creditor says so', () => {
    const w = world();
    w.advance({ days: 45 });
    assert.deepEqual(w.orders.map((o) => o.kind === 'order' && o.order), ['disconnection']);
    assert.equal(w.state.service?.status, 'disconnected');
    w.control({ kind: 'plan', request: { frequency: 'monthly', acceptedBy: 'ana' } });
    assert.equal(w.orders.length, 1, 'this creditor does not reconnect on a plan');
    w.pay({ paymentId: 'ALL', amountMinor: 500_00 });
    assert.deepEqual(w.orders.map((o) => o.kind === 'order' && o.order), ['disconnection', 'reconnection']);
    assert.equal(w.state.service?.status, 'reconnected');
    assert.match(w.state.stageHistory.at(-1)!.reason, /^service SVC-9 reconnected: the balance is paid/);

    const onPlan = world({}, { config: { reconnectOnPlan: true } });
    onPlan.advance({ days: 45 });
    onPlan.control({ kind: 'plan', request: { frequency: 'monthly', acceptedBy: 'ana' } });
    assert.deepEqual(onPlan.orders.map((o) => o.kind === 'order' && o.order), ['disconnection', 'reconnection']);
  });

  it('a deceased debtor: collection stops at once, personal data is purged after retention, the ledger facts stay', () => {
    const w = world();
    w.comply({ kind: 'deceased', dateOfDeath: '2026-11-01' });
    assert.equal(w.state.stage, 'closed');
    assert.ok(!w.completed);
    w.advance({ days: 3 * 365 + 1 });
    assert.ok(w.completed);
    const text = JSON.stringify(w.state);
    for (const personal of ['Rule Debtor', 'rule@example.test', '+12125550123', '1 Main St', 'Albany', '12207']) assert.ok(!text.includes(personal), `${personal} is gone`);
    assert.equal(w.state.balanceMinor, 500_00);
    assert.equal(w.state.compliance.personalDataPurged, true);
  });
});

describe('before the due date', () => {
  const early = parseCadence({
    name: 'early', version: 1,
    steps: [
      { id: 'courtesy-3', action: 'email', from: 'due_date', after: '-3d', template: 'c' },
      { id: 'courtesy-0', action: 'sms', from: 'due_date', after: '0d', template: 'cs' },
      { id: 'notice', action: 'email', after: '0d', template: 't' },
      { id: 'text', action: 'sms', after: '3d', template: 's' },
    ],
    templates: {
      c: { en: { subject: 'Your payment is due soon', text: '{{balance}} is due on {{dueDate}}. Reply STOP to opt out.' } },
      cs: { en: { text: '{{balance}} is due today. Reply STOP to opt out.' } },
      t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is past due. This is a debt collector. Reply STOP to opt out.' } },
      s: { en: { text: '{{balance}} past due. Reply STOP to opt out. This is a communication from a debt collector.' } },
    },
  });
  const dueDate = '2026-11-12'; // ten days after START
  const delinquent = zonedTimeToUtcMs(addDays(dueDate, 1), '09:00', NY);

  it('an account enrolled before its due date is current: courtesy reminders only, then collection from the first day past due', () => {
    const w = new World(account({ dueDate }), { start: START, cadence: early });
    assert.equal(w.state.stage, 'current');
    assert.deepEqual(sentIds(w), [], 'no validation notice, nothing collected before the due date');
    w.advance({ to: new Date(zonedTimeToUtcMs(addDays(dueDate, -3), '09:00', NY)).toISOString() });
    assert.deepEqual(sentIds(w), ['courtesy-3']);
    w.advance({ to: new Date(zonedTimeToUtcMs(dueDate, '09:00', NY)).toISOString() });
    assert.deepEqual(sentIds(w), ['courtesy-3', 'courtesy-0']);
    assert.equal(w.state.stage, 'current');
    w.advance({ to: new Date(delinquent).toISOString() });
    assert.deepEqual(sentIds(w), ['courtesy-3', 'courtesy-0', 'validation-notice', 'notice']);
    assert.equal(w.state.compliance.validationNotice!.periodEnds, validationPeriodEnd(addDays(dueDate, 1)));
    w.advance({ days: 4 });
    assert.equal(Date.parse(stepAt(w, 'text')!), zonedTimeToUtcMs(addDays(dueDate, 4), '09:00', NY), 'the collection clock starts at the first day past due');
    assert.deepEqual(w.state.stageHistory.map((c) => c.stage), ['current', 'notice', 'reminding']);
  });

  it('a confirmation the debtor asked for while the account was current does not stop the validation notice', () => {
    const preferences = (w: World) => w.comply({ kind: 'contact_preferences', channel: 'email', timeOfDay: null, via: 'debtor_page' });
    const w = new World(account({ dueDate }), { start: START, cadence: early });
    preferences(w);
    assert.deepEqual(sentIds(w), ['confirmation-preferences_changed'], 'the confirmation goes while current');
    w.advance({ to: new Date(delinquent).toISOString() });
    assert.deepEqual(sentIds(w), ['confirmation-preferences_changed', 'courtesy-3', 'courtesy-0', 'validation-notice', 'notice']);
    assert.equal(w.state.compliance.validationNotice!.periodEnds, validationPeriodEnd(addDays(dueDate, 1)));
    // A run recorded before the change (patched() false when it replays) keeps what it did: no notice after a confirmation.
    const asked: string[] = [];
    const recorded = new World(account({ dueDate }), { start: START, cadence: early, config: { patched: (change) => (asked.push(change), false) } });
    preferences(recorded);
    recorded.advance({ to: new Date(delinquent).toISOString() });
    assert.deepEqual(sentIds(recorded), ['confirmation-preferences_changed', 'courtesy-3', 'courtesy-0', 'notice']);
    assert.deepEqual([...new Set(asked)], ['validation-notice-after-confirmations']);
  });

  it('a payment before the due date stops the courtesy reminders at once', () => {
    const w = new World(account({ dueDate }), { start: START, cadence: early });
    w.advance({ to: new Date(zonedTimeToUtcMs(addDays(dueDate, -3), '09:00', NY)).toISOString() });
    w.pay({ paymentId: 'EARLY', amountMinor: 500_00 });
    w.advance({ days: 20 });
    assert.deepEqual(sentIds(w), ['courtesy-3']);
    assert.equal(w.state.stage, 'paid');
  });

  it('an account enrolled already past due skips the courtesy reminders', () => {
    const w = new World(account(), { start: START, cadence: early });
    assert.deepEqual(sentIds(w), ['validation-notice', 'notice']);
    assert.deepEqual(w.state.steps.filter((s) => s.status === 'skipped').map((s) => s.stepId), ['courtesy-3', 'courtesy-0']);
  });

  it('the cadence refuses a step before the due date counted from anything else, and collection language before it', () => {
    const base = { name: 'x', version: 1, templates: early.templates };
    assert.throws(() => parseCadence({ ...base, steps: [{ id: 'a', action: 'email', after: '-3d', template: 'c' }] }), /only a step counted from the due date can come before it/);
    assert.throws(() => parseCadence({ ...base, steps: [{ id: 'a', action: 'email', from: 'due_date', after: '-1d', template: 't' }] }), /must not use collection language \("(past due|debt collector)"\)/);
  });
});

describe('the engine itself', () => {
  it('never changes the state it is given', () => {
    const state = initialState(account(), cadence, START);
    const copy = JSON.stringify(state);
    decide(state, { kind: 'started', at: START }, new World(account(), { start: START, cadence }).config);
    decide(state, { kind: 'payment_received', at: START, payment: { paymentId: 'P', amountMinor: 1, currency: 'USD' } }, new World(account(), { start: START, cadence }).config);
    assert.equal(JSON.stringify(state), copy);
  });

  it('a state carried across continue-as-new is the same state', () => {
    const w = world();
    w.advance({ days: 4 });
    const carried = fromCarried(JSON.parse(JSON.stringify(w.state)), account(), cadence, w.now());
    assert.deepEqual(carried, w.state);
  });

  it('upserts search attributes only when a visible value changed (days past due ride along)', () => {
    const w = world();
    const before = visibility(w.state, w.now());
    assert.equal(changedVisibility(before, visibility(w.state, new Date(w.nowMs + 3 * 86_400_000).toISOString())), null, 'only days past due moved');
    w.advance({ days: 4 });
    const changed = changedVisibility(before, visibility(w.state, w.now()));
    assert.deepEqual(Object.keys(changed!).sort(), ['daysPastDue', 'nextActionAt']);
  });
});

describe('threats of suit and of remedies (§1006.26(b), §1006.38(b))', () => {
  const threats = parseCadence({
    name: 'threats',
    version: 1,
    steps: [
      { id: 'notice', action: 'email', after: '0d', template: 't' },
      { id: 'warning', action: 'letter', after: '10d', template: 'w', threatensRemedy: true },
      { id: 'suit-letter', action: 'letter', after: '50d', template: 's', threatensSuit: true },
      { id: 'place', action: 'place_account', after: '60d', template: 'p', threatensSuit: true },
    ],
    templates: {
      t: { en: { subject: 'Account {{accountId}}', text: '{{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.' } },
      w: { en: { subject: 'Notice', text: 'Unless {{balance}} is paid, service may be disconnected.' } },
      s: { en: { subject: 'Notice', text: 'We may refer the account to an attorney and file suit.' } },
      p: { en: { subject: 'Placement {{accountId}}', text: 'Packet attached.' } },
    },
  });
  const letterAt = (w: World, id: string) => w.sent.find((s) => s.effect.stepId === id)?.at;
  const periodEnds = validationPeriodEnd('2026-11-02');
  const dayAfterPeriod = zonedTimeToUtcMs(addDays(periodEnds, 1), '09:00', NY);

  it('holds a message threatening a remedy until the validation period has ended, at 09:00 local the day after', () => {
    const w = world({}, { cadence: threats });
    w.advance({ days: 20 });
    assert.equal(letterAt(w, 'warning'), undefined, 'day 10 is inside the validation period');
    assert.equal(w.state.nextAction!.at, new Date(dayAfterPeriod).toISOString());
    w.advance({ days: 30 });
    assert.equal(Date.parse(letterAt(w, 'warning')!), dayAfterPeriod);
    assert.doesNotMatch(w.sent.find((s) => s.effect.stepId === 'warning')!.effect.text, /does not change the rights/);
  });

  it('or, where the creditor chose it, sends it on time with the plain statement of the debtor rights', () => {
    const w = world({}, { cadence: threats, config: { remedyThreatsInValidationPeriod: 'statement' } });
    w.advance({ days: 11 });
    const warning = w.sent.find((s) => s.effect.stepId === 'warning')!;
    assert.equal(Date.parse(warning.at), zonedTimeToUtcMs('2026-11-12', '10:00', NY));
    assert.match(warning.effect.text, new RegExp(`does not change the rights described in the validation notice we sent you on 2026-11-02\\. Until ${periodEnds} you may still dispute`));
    // After the period a threat goes out as written.
    w.advance({ days: 45 });
    assert.doesNotMatch(w.sent.find((s) => s.effect.stepId === 'suit-letter')!.effect.text, /does not change the rights/);
  });

  it('never threatens suit on a time-barred debt, and a placement that did not happen does not end the account as placed', () => {
    const w = world({ dueDate: '2015-03-01' }, { cadence: threats });
    w.advance({ days: 70 });
    assert.deepEqual(w.state.steps.map((s) => [s.stepId, s.status]), [['notice', 'done'], ['warning', 'done'], ['suit-letter', 'suppressed'], ['place', 'suppressed']]);
    assert.match(w.state.steps[2]!.detail!, /^reg_f_1006_26_b_time_barred: the debt is time-barred in NY since 2018-03-01/);
    assert.equal(w.orders.length, 0);
    assert.notEqual(w.state.stage, 'placed');
  });

  it("takes the creditor's statute-of-limitations figures over the table", () => {
    // Due 2021-06-01: New York's 3 years in the table make it time-barred; counsel's 6 years for this creditor do not.
    const table = world({ dueDate: '2021-06-01' }, { cadence: threats });
    table.advance({ days: 55 });
    assert.equal(table.state.steps.find((s) => s.stepId === 'suit-letter')!.status, 'suppressed');
    const reviewed = world({ dueDate: '2021-06-01' }, { cadence: threats, config: { limitationOverrides: { NY: 6 } } });
    reviewed.advance({ days: 55 });
    assert.equal(reviewed.state.steps.find((s) => s.stepId === 'suit-letter')!.status, 'done');
    assert.doesNotMatch(reviewed.sent.find((s) => s.effect.stepId === 'notice')!.effect.text, /will not sue you/);
    // And the other way: a shorter figure makes a debt the table keeps suable time-barred.
    const shorter = world({ dueDate: '2025-06-01' }, { cadence: threats, config: { limitationOverrides: { NY: 1 } } });
    shorter.advance({ days: 55 });
    assert.equal(shorter.state.steps.find((s) => s.stepId === 'suit-letter')!.status, 'suppressed');
  });
});

describe('the limited-content voicemail (§1006.2(j))', () => {
  const calls = parseCadence({
    name: 'calls', version: 1,
    steps: [{ id: 'call', action: 'call', after: '1d', template: 'c' }],
    templates: { c: { en: { text: 'Ask for {{debtorName}}; account {{accountId}}.' } } },
  });
  it("names the creditor's contact person, whom the debtor can call back", () => {
    const w = world({}, { cadence: calls, config: { voicemailContactName: 'Dana Whitfield' } });
    w.advance({ days: 2 });
    const call = w.sent.find((s) => s.effect.stepId === 'call')!;
    assert.equal(call.effect.voicemail, 'Hello, this message is for Rule Debtor. This is Dana Whitfield from Client Services. Please call us back at +1 555 555 0100. Thank you.');
  });

  it('without a contact person, leaves no voicemail and tells the caller so', () => {
    const w = world({}, { cadence: calls });
    w.advance({ days: 2 });
    const call = w.sent.find((s) => s.effect.stepId === 'call')!;
    assert.equal(call.effect.voicemail, undefined);
    assert.match(call.effect.text, /Leave no voicemail: no contact person is configured/);
  });

  it('refuses to move an account to a cadence with call steps when the creditor has no contact person', () => {
    const w = world();
    assert.throws(() => w.control({ kind: 'move', request: { reason: 'try calls', cadence: 'calls' }, cadence: calls }), /has call steps, and creditor cred-rules has no contactPersonName/);
    const named = world({}, { config: { voicemailContactName: 'Dana Whitfield' } });
    named.control({ kind: 'move', request: { reason: 'try calls', cadence: 'calls' }, cadence: calls });
    assert.equal(named.state.cadence!.name, 'calls');
  });
});

describe('consent belongs to the number or address (TCPA)', () => {
  const texts = parseCadence({
    name: 'texts', version: 1,
    steps: [
      { id: 'e1', action: 'email', after: '0d', template: 't' },
      { id: 's1', action: 'sms', after: '2d', template: 's' },
      { id: 's2', action: 'sms', after: '4d', template: 's' },
      { id: 'e2', action: 'email', after: '6d', template: 't' },
    ],
    templates: { t: { en: { subject: 'Account {{accountId}}', text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } }, s: { en: { text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } } },
  });
  const contact = (w: World, id: string) => w.state.contacts.find((c) => c.stepId === id)!;

  it('a changed number has no SMS consent until it is given for that number; the consent says where it came from', () => {
    const w = world({}, { cadence: texts });
    w.control({ kind: 'contact_details', request: { phone: '+12125550999', reason: 'debtor moved' } });
    w.advance({ days: 3 });
    assert.equal(contact(w, 's1').status, 'suppressed');
    assert.equal(contact(w, 's1').rule, 'tcpa_consent');
    w.comply({ kind: 'opt_in', channel: 'sms', address: '+12125550999', source: 'form' });
    w.advance({ days: 2 });
    assert.equal(contact(w, 's2').status, 'sent');
    assert.equal(contact(w, 's2').recipient, '+12125550999');
    assert.deepEqual(w.state.compliance.consents.map((c) => [c.channel, c.address, c.consented, c.source]), [
      ['email', 'rule@example.test', true, 'enrollment'],
      ['sms', '+12125550123', true, 'enrollment'],
      ['sms', '+12125550999', true, 'form'],
    ]);
    assert.ok(w.state.compliance.consents.every((c) => typeof c.at === 'string'));
  });

  it('consent given with the new number counts for it', () => {
    const w = world({}, { cadence: texts });
    w.control({ kind: 'contact_details', request: { phone: '+12125550999', consent: { sms: true, source: 'debtor gave the number by phone' }, reason: 'new number' } });
    w.advance({ days: 3 });
    assert.equal(contact(w, 's1').status, 'sent');
    assert.equal(w.state.compliance.consents.at(-1)!.source, 'contact change: debtor gave the number by phone');
  });

  it('where a pack requires opt-in for email (New York City), a changed email address has none', () => {
    const nyc = { address: { line1: '1 Broadway', city: 'New York', region: 'NY', postalCode: '10004', country: 'US' } };
    const w = world(nyc, { cadence: texts });
    assert.equal(contact(w, 'e1').status, 'sent', 'the enrolled address has its opt-in');
    w.control({ kind: 'contact_details', request: { email: 'new@example.test', reason: 'new address' } });
    w.advance({ days: 7 });
    assert.equal(contact(w, 'e2').status, 'suppressed');
    assert.equal(contact(w, 'e2').rule, 'email_opt_in_consent');
  });

  it('New York City is found by the ZIP code too: Flushing, NY 11354 gets the city\'s email opt-in rule', () => {
    const flushing = { address: { line1: '1 Main St', city: 'Flushing', region: 'NY', postalCode: '11354', country: 'US' } };
    const changed = (w: World) => {
      w.control({ kind: 'contact_details', request: { email: 'new@example.test', reason: 'new address' } });
      w.advance({ days: 7 });
      return contact(w, 'e2');
    };
    const w = world(flushing, { cadence: texts });
    assert.equal(contact(w, 'e1').status, 'sent', 'the enrolled address has its opt-in');
    const e2 = changed(w);
    assert.deepEqual([e2.status, e2.rule], ['suppressed', 'email_opt_in_consent']);
    // Outside the city (Nassau County, 11550) and in a run recorded before the change (patched() false): the state's rules only.
    // Temporal is asked only where the ZIP code changes the answer.
    const nassau = recordedRun();
    const hempstead = world({ address: { line1: '1 Main St', city: 'Hempstead', region: 'NY', postalCode: '11550', country: 'US' } }, { cadence: texts, config: nassau.config });
    assert.equal(changed(hempstead).status, 'sent');
    assert.deepEqual(nassau.asked, []);
    const before = recordedRun();
    const recorded = world(flushing, { cadence: texts, config: before.config });
    assert.equal(changed(recorded).status, 'sent');
    assert.deepEqual([...new Set(before.asked)], ['nyc-by-zip']);
  });

  it('an earlier state without consent records gets the enrolled addresses\' consents, not the current ones', () => {
    const w = world({}, { cadence: texts });
    w.control({ kind: 'contact_details', request: { phone: '+12125550999', reason: 'debtor moved' } });
    const older = JSON.parse(JSON.stringify(w.state));
    older.compliance.consents = [];
    const carried = fromCarried(older, account(), texts, w.now());
    assert.deepEqual(carried.compliance.consents.map((c) => [c.address, c.source]), [['rule@example.test', 'enrollment'], ['+12125550123', 'enrollment']]);
  });
});

describe('calls a person places: "dialling now" (§1006.6(b)(1), §1006.14(b)(2))', () => {
  const noCalls = parseCadence({ name: 'mail', version: 1, steps: [{ id: 'e1', action: 'email', after: '0d', template: 't' }], templates: { t: { en: { subject: 'Account {{accountId}}', text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } } } });
  const dial = (w: World, request: Partial<DialRequest> = {}) => w.control({ kind: 'dial', request: { operator: 'ana', ...request } }) as DialAnswer;
  const outcome = (w: World, attemptId: string, what: CallOutcome) => w.control({ kind: 'call_outcome', request: { attemptId, outcome: what, operator: 'ana' } });
  const at = (date: string, time: string) => new Date(zonedTimeToUtcMs(date, time, NY)).toISOString();

  it('a call dialled at 22:00 local is deferred to 08:00, the attempt recorded with the gate inputs as proof, and not counted', () => {
    const w = world({}, { cadence: noCalls });
    w.advance({ to: at('2026-11-02', '22:00') });
    const answer = dial(w);
    assert.deepEqual([answer.decision, answer.rule, answer.until], ['defer', 'reg_f_1006_6_b_1_i_time_of_day', at('2026-11-03', '08:00')]);
    assert.equal(answer.attemptId, 'call-1');
    const saved = w.saves.at(-1)!;
    assert.ok(saved.kind === 'save_call_attempt' && saved.snapshot.decision!.decisionKey === 'account/cred-rules/A-1/dial/call-1' && saved.snapshot.decision!.request.channel === 'call');
    assert.deepEqual(callHistory(w.state), []);
    assert.throws(() => outcome(w, 'call-1', 'no_answer'), /call-1 was not allowed \(defer/);
  });

  it("a call keeps to the debtor's preferred time of day: at 19:00 a morning debtor's call is deferred to 08:00", () => {
    const morning = (w: World) => w.comply({ kind: 'contact_preferences', channel: null, timeOfDay: 'morning', via: 'debtor_page' });
    const w = world({}, { cadence: noCalls });
    morning(w);
    w.advance({ to: at('2026-11-03', '19:00') });
    const answer = dial(w);
    assert.deepEqual([answer.decision, answer.until], ['defer', at('2026-11-04', '08:00')]);
    w.advance({ to: at('2026-11-04', '09:00') });
    assert.equal(dial(w).decision, 'allow', 'inside the morning');
    // A run recorded before the change keeps the legal window alone when it replays (patched() false).
    const before = recordedRun();
    const recorded = world({}, { cadence: noCalls, config: before.config });
    morning(recorded);
    recorded.advance({ to: at('2026-11-03', '10:00') });
    assert.equal(dial(recorded).decision, 'allow');
    assert.deepEqual(before.asked, [], 'inside the morning nothing differs, so Temporal is not asked');
    recorded.advance({ to: at('2026-11-03', '19:00') });
    assert.equal(dial(recorded).decision, 'allow');
    assert.deepEqual(before.asked, ['call-preferred-hours']);
  });

  it('allows 7 attempts in 7 days and defers the 8th until the first leaves the window', () => {
    const w = world({}, { cadence: noCalls });
    const first = w.now();
    for (let n = 0; n < 7; n++) {
      w.advance({ to: at(addDays('2026-11-02', Math.floor(n / 2)), n % 2 ? '15:00' : '10:30') });
      const answer = dial(w);
      assert.equal(answer.decision, 'allow', `attempt ${n + 1}`);
      outcome(w, answer.attemptId, n % 3 ? 'no_answer' : 'voicemail');
    }
    w.advance({ to: at('2026-11-06', '11:00') });
    const eighth = dial(w);
    assert.deepEqual([eighth.decision, eighth.rule], ['defer', 'reg_f_1006_14_b_2_call_frequency']);
    assert.equal(Date.parse(eighth.until!), Date.parse(at('2026-11-02', '10:30')) + 7 * 86_400_000);
    assert.ok(Date.parse(first) <= Date.parse(at('2026-11-02', '10:30')));
  });

  it('after a conversation, no call until the 7th day after it (the conversation day is day 1)', () => {
    const w = world({}, { cadence: noCalls });
    w.advance({ to: at('2026-11-03', '10:00') });
    outcome(w, dial(w).attemptId, 'conversation');
    assert.deepEqual(callHistory(w.state), [{ channel: 'call', at: at('2026-11-03', '10:00'), kind: 'conversation' }], 'one call, the conversation');
    w.advance({ to: at('2026-11-05', '10:00') });
    const next = dial(w);
    assert.deepEqual([next.decision, next.rule, next.until], ['defer', 'reg_f_1006_14_b_2_after_conversation', at('2026-11-10', '08:00')]);
  });

  it('a call task counts as one attempt until people report dialling it; then its dials count instead', () => {
    const calls = parseCadence({ name: 'call', version: 1, steps: [{ id: 'call', action: 'call', after: '0d', template: 'c' }], templates: { c: { en: { text: 'Call {{debtorName}}.' } } } });
    const w = world({}, { cadence: calls, config: { voicemailContactName: 'Dana Whitfield' } });
    const task = w.state.contacts.find((c) => c.stepId === 'call')!;
    assert.equal(callHistory(w.state).length, 1, 'the task, created');
    dial(w, { taskId: task.providerMessageId! });
    w.advance({ ms: 3_600_000 });
    dial(w, { taskId: task.providerMessageId! });
    assert.deepEqual(callHistory(w.state).map((h) => h.at), [w.state.callAttempts[0]!.at, w.state.callAttempts[1]!.at]);
  });

  it("the same person's calls about the creditor's other accounts count against the caps", () => {
    const w = world({}, { cadence: noCalls });
    w.advance({ to: at('2026-11-04', '12:00') });
    const elsewhere = Array.from({ length: 7 }, (_, n) => ({ accountKey: 'account/cred-rules/A-2', at: at('2026-11-03', `${10 + n}:00`), kind: 'attempt' as const }));
    const answer = dial(w, { elsewhere });
    assert.deepEqual([answer.decision, answer.rule], ['defer', 'reg_f_1006_14_b_2_call_frequency']);
  });

  it('a wrong number is not called or texted again, and a call step falls back to a letter', () => {
    const later = parseCadence({
      name: 'later', version: 1,
      steps: [{ id: 'sms', action: 'sms', after: '2d', template: 's' }, { id: 'call', action: 'call', after: '3d', template: 'c' }],
      templates: { s: { en: { text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } }, c: { en: { subject: 'Please call us', text: 'Please call us about account {{accountId}}.' } } },
    });
    const w = world({ email: null }, { cadence: later });
    outcome(w, dial(w).attemptId, 'wrong_number');
    assert.throws(() => dial(w), (error: Error) => /the number dialled was reported as a wrong number \(call-1/.test(error.message) && !error.message.includes('2125550123'));
    w.advance({ days: 4 });
    assert.deepEqual(w.state.contacts.filter((c) => c.stepId !== 'validation-notice').map((c) => [c.stepId, c.channel]), [['sms', 'letter'], ['call', 'letter']]);
    assert.deepEqual(w.state.invalidContacts.map((i) => i.channel), ['call', 'sms']);
  });

  it('refuses an outcome for an unknown attempt or one recorded already, and a dial on an ended account', () => {
    const w = world({}, { cadence: noCalls });
    assert.throws(() => outcome(w, 'call-9', 'no_answer'), /no call attempt call-9/);
    const { attemptId } = dial(w);
    outcome(w, attemptId, 'voicemail');
    assert.throws(() => outcome(w, attemptId, 'conversation'), /already recorded \(voicemail\)/);
    w.control({ kind: 'close', request: { reason: 'done' } });
    assert.throws(() => dial(w), /the account is closed/);
  });
});
