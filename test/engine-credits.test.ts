/**
 * The account engine's side of held credit moved by an operator (src/domain/engine/credits.ts),
 * without any server: a credit applied to the account pays like money received (a balance it
 * clears ends the account as paid, a promise counts it), the account whose credit was applied or
 * refunded shows the credit the ledger holds now, and a repeated message changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays } from '../src/domain/arrangements';
import type { CreditApplied } from '../src/domain/engine/records';
import { account, START } from './helpers/engine-fixtures';
import { World } from './helpers/engine-world';
import { standardCadence } from './helpers/fixtures';

/** The shipped standard cadence: an email at once, an SMS on day 3, a final email on day 7. */
const cadence = standardCadence();

const SOURCE = 'account/cred-rules/A-0';
const TARGET = 'account/cred-rules/A-1';
const world = (accountId = 'A-1') => new World(account({ accountId }), { start: START, cadence });
const application = (applicationId: string, amountMinor: number, overrides: Partial<CreditApplied> = {}): CreditApplied => ({ applicationId, sourceAccountKey: SOURCE, targetAccountKey: TARGET, amountMinor, currency: 'USD', appliedAt: START, ...overrides });
const sent = (w: World) => w.state.contacts.filter((c) => c.status === 'sent').map((c) => c.stepId);

describe('credit applied to the account (the target)', () => {
  it('paying the balance in full ends the account as paid, like a payment, and no reminder follows', () => {
    const w = world();
    w.advance({ days: 1 });
    const before = sent(w);
    w.creditApplied(application('APP-1', 500_00));
    assert.equal(w.state.balanceMinor, 0);
    assert.equal(w.state.stage, 'paid');
    assert.equal(w.state.stageHistory.at(-1)!.reason, 'balance cleared by credit held on A-0 applied (APP-1)');
    assert.deepEqual(
      w.state.payments.map((p) => [p.paymentId, p.amount.amountMinor, p.status, p.creditFrom, p.balanceAfterMinor]),
      [['credit:APP-1', 500_00, 'posted', SOURCE, 0]],
    );
    assert.deepEqual(w.state.creditMoves.map((m) => [m.id, m.kind, m.status, m.balanceAfterMinor]), [['application/APP-1', 'applied_in', 'recorded', 0]]);
    assert.match(w.state.steps.find((s) => s.action === 'credit applied')!.detail!, /^\$500\.00 held for the debtor on A-0 applied to this account \(APP-1\); balance \$0\.00$/);
    w.advance({ days: 20 });
    assert.deepEqual(sent(w), before, 'no reminder after the credit paid the account');
  });

  it('a repeated message (also after continue-as-new) changes nothing', () => {
    const w = world();
    w.creditApplied(application('APP-2', 200_00));
    const once = JSON.stringify(w.state);
    w.creditApplied(application('APP-2', 200_00));
    assert.equal(JSON.stringify(w.state), once);
    w.continueAsNew();
    w.creditApplied(application('APP-2', 200_00));
    assert.equal(w.state.balanceMinor, 300_00);
    assert.equal(w.state.payments.length, 1);
    assert.equal(w.state.creditMoves.length, 1);
  });

  it('a part of the balance: the balance falls and the cadence goes on', () => {
    const w = world();
    w.advance({ days: 1 });
    w.creditApplied(application('APP-3', 120_00));
    assert.equal(w.state.balanceMinor, 380_00);
    assert.notEqual(w.state.stage, 'paid');
    w.advance({ days: 4 });
    assert.ok(sent(w).includes('reminder-sms'), 'the cadence goes on for the rest');
  });

  it('counts towards a promise to pay, which it keeps', () => {
    const w = world();
    w.control({ kind: 'promise', request: { amountMinor: 100_00, date: addDays('2026-11-02', 5), channel: 'phone', takenBy: 'ana' } });
    assert.equal(w.state.stage, 'promised');
    w.creditApplied(application('APP-4', 100_00));
    assert.equal(w.state.promises[0]!.status, 'kept');
    assert.equal(w.state.promises[0]!.paidMinor, 100_00);
  });

  it('cannot be returned like a payment', () => {
    const w = world();
    w.creditApplied(application('APP-5', 100_00));
    w.returned({ paymentId: 'credit:APP-5', returnId: 'R-1', reason: 'chargeback' });
    assert.equal(w.state.balanceMinor, 400_00);
    assert.equal(w.state.payments[0]!.status, 'posted');
    assert.match(w.state.steps.at(-1)!.detail!, /no payment credit:APP-5 was posted/);
  });

  it('a message for other accounts or in another currency is recorded as ignored, and the ledger is not asked', () => {
    const w = world();
    w.creditApplied(application('APP-6', 100_00, { targetAccountKey: 'account/cred-rules/A-9' }));
    w.creditApplied(application('APP-7', 100_00, { currency: 'EUR' }));
    assert.deepEqual(w.state.creditMoves.map((m) => [m.id, m.kind, m.status]), [['application/APP-6', 'misaddressed', 'ignored'], ['application/APP-7', 'applied_in', 'ignored']]);
    assert.match(w.state.creditMoves[1]!.reason!, /currency EUR does not match the account's USD/);
    assert.equal(w.state.payments.length, 0);
    assert.ok(!w.state.steps.some((s) => s.action === 'credit applied'));
  });
});

describe('credit applied elsewhere or refunded (the account that held it)', () => {
  /** An account overpaid by 150.00: paid, 150.00 held. */
  const overpaid = () => {
    const w = world('A-0');
    w.pay({ paymentId: 'P-1', amountMinor: 650_00 });
    assert.deepEqual([w.state.stage, w.state.creditMinor], ['paid', 150_00]);
    return w;
  };

  it('its credit held falls by what was applied, it stays paid, and a repeat changes nothing', () => {
    const w = overpaid();
    w.creditApplied(application('APP-8', 100_00));
    assert.deepEqual([w.state.creditMinor, w.state.balanceMinor, w.state.stage], [50_00, 0, 'paid']);
    assert.deepEqual(w.state.creditMoves.map((m) => [m.kind, m.otherAccountKey, m.creditAfterMinor]), [['applied_out', TARGET, 50_00]]);
    assert.match(w.state.steps.at(-1)!.detail!, /^\$100\.00 of the credit held applied to A-1 \(APP-8\); credit held now \$50\.00$/);
    assert.equal(w.state.payments.length, 1, 'credit applied elsewhere is no payment here');
    const once = JSON.stringify(w.state);
    w.creditApplied(application('APP-8', 100_00));
    assert.equal(JSON.stringify(w.state), once);
  });

  it('a refund: the credit held falls to what the ledger holds, once per refund id', () => {
    const w = overpaid();
    w.creditRefunded({ refundId: 'RF-1', amountMinor: 150_00, currency: 'USD', refundedAt: START });
    w.creditRefunded({ refundId: 'RF-1', amountMinor: 150_00, currency: 'USD', refundedAt: START });
    assert.equal(w.state.creditMinor, 0);
    assert.deepEqual(w.state.creditMoves.map((m) => [m.id, m.kind, m.status]), [['refund/RF-1', 'refunded', 'recorded']]);
    assert.equal(w.state.steps.filter((s) => s.action === 'credit refunded').length, 1);
  });
});
