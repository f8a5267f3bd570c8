/**
 * The facts credit reporting reads, as the engine keeps them: derived from the account's state,
 * saved when one of them changed and only then (each save is a local activity the account pays
 * for), without any server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cadence } from '../src/domain/cadence';
import { parseCadence } from '../src/schemas/cadence.schema';
import { account, START } from './helpers/engine-fixtures';
import { World } from './helpers/engine-world';

const cadence: Cadence = parseCadence({
  name: 'reporting',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'text', action: 'sms', after: '3d', template: 's' },
    { id: 'again', action: 'email', after: '10d', template: 't' },
    { id: 'write-off', action: 'charge_off', after: '90d' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.' } },
    s: { en: { text: '{{balance}} due on {{accountId}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
  },
});
const world = () => new World(account(), { start: START, cadence });
const last = (w: World) => w.reportingSaves[w.reportingSaves.length - 1]!;

describe('the facts credit reporting reads', () => {
  it('a new account: kept once, after the ledger opened and the validation notice was mailed', () => {
    const w = world();
    assert.equal(w.reportingSaves.length, 1);
    assert.deepEqual(last(w), {
      accountKey: 'account/cred-rules/A-1',
      creditorId: 'cred-rules',
      accountId: 'A-1',
      product: 'utility',
      currency: 'USD',
      consumer: { name: 'Rule Debtor', address: { line1: '1 Main St', city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' }, phone: '+12125550123' },
      enrolledAt: START,
      stage: 'open',
      endedAt: null,
      closedAtConsumerRequest: false,
      dispute: null,
      deceasedAt: null,
      bankruptcy: null,
      firstConversationAt: null,
      firstMessageAt: START,
    });
  });

  it('steps, payments and the days passing change nothing credit reporting reads: no more saves', () => {
    const w = world();
    w.advance({ days: 5 });
    w.pay({ paymentId: 'P1', amountMinor: 100_00 });
    w.advance({ days: 10 });
    assert.equal(w.reportingSaves.length, 1);
  });

  it('a dispute, then its answer with the consumer disagreeing', () => {
    const w = world();
    w.advance({ days: 1 });
    w.comply({ kind: 'dispute', via: 'letter' });
    const disputedAt = w.now();
    assert.deepEqual(last(w).dispute, { disputedAt, resolvedAt: null, consumerDisagrees: false });
    w.advance({ days: 2 });
    w.comply({ kind: 'verification_sent', consumerDisagrees: true });
    assert.deepEqual(last(w).dispute, { disputedAt, resolvedAt: w.now(), consumerDisagrees: true });
    assert.equal(w.reportingSaves.length, 3);
  });

  it('paid: the stage and when', () => {
    const w = world();
    w.advance({ days: 2 });
    w.pay({ paymentId: 'P1', amountMinor: 500_00 });
    assert.equal(last(w).stage, 'paid');
    assert.equal(last(w).endedAt, w.now());
  });

  it('closed by an operator at the consumer’s request', () => {
    const w = world();
    w.control({ kind: 'close', request: { reason: 'asked to close', consumerRequested: true } });
    assert.deepEqual([last(w).stage, last(w).closedAtConsumerRequest], ['closed', true]);
  });

  it('closed by an operator for another reason is not at the consumer’s request', () => {
    const w = world();
    w.control({ kind: 'close', request: { reason: 'returned to the creditor' } });
    assert.deepEqual([last(w).stage, last(w).closedAtConsumerRequest], ['closed', false]);
  });

  it('a bankruptcy petition with its chapter; a charge-off', () => {
    const b = world();
    b.comply({ kind: 'bankruptcy', caseNumber: '26-1234', chapter: 7 });
    assert.deepEqual(last(b).bankruptcy, { at: b.now(), chapter: 7 });
    assert.equal(last(b).stage, 'closed');
    const c = world();
    c.advance({ days: 95 });
    assert.equal(last(c).stage, 'charged_off');
  });

  it('a death, then the purge after retention: nothing identifies the consumer any more', () => {
    const w = world();
    w.comply({ kind: 'deceased', dateOfDeath: '2026-11-01' });
    assert.equal(last(w).deceasedAt, w.now());
    w.advance({ days: 3 * 365 + 1 });
    assert.equal(last(w).consumer, null);
    assert.equal(last(w).deceasedAt !== null, true);
  });

  it('a conversation about the debt is the first one §1006.30(a) counts', () => {
    const w = world();
    w.advance({ days: 1 });
    w.comply({ kind: 'telephone_conversation' });
    assert.equal(last(w).firstConversationAt, w.now());
  });
});
