/**
 * The letters owed outside the cadence (issue 14), engine rules without a server: the one
 * confirmation after a cease request (§1006.6(c)(2)), the notice of placement, and the response to
 * a dispute with the verification (itemized by the letter activity). Each goes through the gate,
 * by letter, and shows in the account's contacts and steps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountProfile } from '../src/domain/account';
import type { Cadence } from '../src/domain/cadence';
import { parseCadence } from '../src/schemas/cadence.schema';
import { account, START } from './helpers/engine-fixtures';
import { World } from './helpers/engine-world';

const cadence: Cadence = parseCadence({
  name: 'letters',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'text', action: 'sms', after: '3d', template: 's' },
    { id: 'disconnect', action: 'order_disconnection', after: '45d' },
    { id: 'place', action: 'place_account', after: '60d', template: 'p' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.' } },
    s: { en: { text: '{{balance}} due on {{accountId}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
    p: { en: { subject: 'Placement {{accountId}}', text: 'Account {{accountId}}: {{balance}}.' } },
  },
});
const emailsOnly: Cadence = parseCadence({
  name: 'emails',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'again', action: 'email', after: '5d', template: 't' },
  ],
  templates: { t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.' } } },
});

const world = (c: Cadence = cadence, overrides: Partial<AccountProfile> = {}) => new World(account(overrides), { start: START, cadence: c });
const letters = (w: World, stepId: string) => w.sent.filter((s) => s.effect.stepId === stepId);

describe('the confirmation after a cease request (§1006.6(c)(2))', () => {
  it('is mailed once, through the gate, naming the remedy the cadence still has; nothing else reaches the debtor after it', () => {
    const w = world();
    w.comply({ kind: 'cease_communication', via: 'letter' });
    const [confirmation, ...more] = letters(w, 'cease-confirmation');
    assert.ok(confirmation && more.length === 0);
    assert.equal(confirmation.effect.channel, 'letter');
    assert.equal(confirmation.effect.request.purpose, 'cease_confirmation');
    assert.deepEqual(confirmation.effect.purpose, { type: 'owed_letter', letterId: 'cease-confirmation' });
    assert.match(confirmation.effect.text, /We may disconnect your service, as we ordinarily do/);
    assert.ok(confirmation.effect.letter, 'a printed letter (kept as PDF by the letter activity)');
    // In the history: a sent contact and a step line.
    assert.equal(w.state.contacts.find((c) => c.stepId === 'cease-confirmation')?.status, 'sent');
    assert.equal(w.state.steps.find((s) => s.stepId === 'cease-confirmation')?.status, 'done');
    // A second request, a refusal to pay, the rest of the cadence: no other letter, email or text goes.
    const sentBefore = w.sent.length;
    w.comply({ kind: 'cease_communication', via: 'email' });
    w.comply({ kind: 'refusal_to_pay', via: 'phone' });
    w.advance({ days: 30 });
    assert.equal(w.sent.length, sentBefore);
    assert.equal(w.state.contacts.filter((c) => c.stepId === 'cease-confirmation').length, 1);
    assert.ok(w.state.contacts.some((c) => c.stepId === 'text' && c.status === 'suppressed' && c.rule === 'reg_f_1006_6_c_cease_communication'));
  });

  it('says collection is terminated when no remedy is left in the cadence', () => {
    const w = world(emailsOnly);
    w.comply({ kind: 'refusal_to_pay', via: 'letter' });
    const [confirmation] = letters(w, 'cease-confirmation');
    assert.match(confirmation!.effect.text, /We are terminating our collection efforts on this debt/);
  });

  it('the gate lets it through once: a second attempt (a replayed owed letter) is suppressed', () => {
    const w = world(emailsOnly);
    w.comply({ kind: 'cease_communication', via: 'letter' });
    // Owe it again by hand (as a bug or a carried state might): the gate refuses the second one.
    w.state.lettersOwed = [{ kind: 'cease_confirmation', id: 'cease-confirmation-2', owedSince: w.now() }];
    w.state.compliance.ceaseConfirmationOwed = true;
    w.comply({ kind: 'debtor_reply', channel: 'email', from: 'rule@example.test', text: 'ok' });
    const second = w.state.contacts.find((c) => c.stepId === 'cease-confirmation-2');
    assert.equal(second?.status, 'suppressed');
    assert.match(second!.reason!, /already sent/);
    assert.equal(w.state.steps.find((s) => s.stepId === 'cease-confirmation-2')?.status, 'suppressed');
  });
});

describe('the notice of placement', () => {
  it('is mailed to the debtor once the agency acknowledged the placement, naming it', () => {
    const w = world();
    w.advance({ days: 61 });
    assert.equal(w.state.stage, 'placed');
    const [notice, ...more] = letters(w, 'placement-notice');
    assert.ok(notice && more.length === 0);
    assert.equal(notice.effect.channel, 'letter');
    assert.equal(notice.effect.request.purpose, 'required_notice');
    assert.match(notice.effect.subject!, /placed with Ace Recovery LLC/);
    assert.match(notice.effect.text, /was placed with Ace Recovery LLC for collection/);
    assert.equal(w.state.steps.find((s) => s.stepId === 'placement-notice')?.status, 'done');
  });

  it('after a cease request it is kept as suppressed, not mailed (only the confirmation may go)', () => {
    const w = world();
    w.advance({ days: 10 });
    w.comply({ kind: 'cease_communication', via: 'letter' });
    w.advance({ days: 61 });
    assert.equal(letters(w, 'placement-notice').length, 0);
    const notice = w.state.contacts.find((c) => c.stepId === 'placement-notice');
    assert.equal(notice?.status, 'suppressed');
    assert.equal(notice?.rule, 'reg_f_1006_6_c_cease_communication');
  });
});

describe('the response to a dispute', () => {
  it('verification sent: the verification letter goes, asking the letter activity for the ledger itemization', () => {
    const w = world(cadence, { debts: [{ debtId: 'd1', description: 'Electricity, August', amountMinor: 500_00, dueDate: '2026-09-01' }] });
    w.comply({ kind: 'dispute', via: 'letter' });
    assert.equal(letters(w, 'dispute-verification-1').length, 0);
    w.advance({ days: 5 });
    w.comply({ kind: 'verification_sent' });
    const [verification] = letters(w, 'dispute-verification-1');
    assert.ok(verification);
    assert.equal(verification.effect.letter?.itemizeFrom, '2026-09-01');
    assert.equal(verification.effect.request.purpose, 'required_notice');
    assert.match(verification.effect.text, /This letter is the verification of the debt/);
    assert.match(verification.effect.text, /Electricity, August: \$500\.00/);
    assert.equal(w.state.steps.find((s) => s.stepId === 'dispute-verification-1')?.status, 'done');
    // A second dispute and its verification: a second letter.
    w.comply({ kind: 'dispute', via: 'phone' });
    w.comply({ kind: 'verification_sent' });
    assert.equal(letters(w, 'dispute-verification-2').length, 1);
  });

  it('no dispute on file: no verification letter', () => {
    const w = world();
    w.comply({ kind: 'verification_sent' });
    assert.equal(w.state.contacts.filter((c) => c.stepId.startsWith('dispute-verification')).length, 0);
  });
});
