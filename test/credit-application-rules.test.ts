/** The rules of applying held credit to another debt of the same debtor (src/domain/credit-application.ts), at their edges, without servers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreditApplicationRefused, decideCreditApplication, repeatOf, sameDebtor, type CreditAccountFacts, type CreditApplicationFacts, type CreditApplicationRecord } from '../src/domain/credit-application';

const facts = (accountId: string, overrides: Partial<CreditAccountFacts> = {}): CreditAccountFacts => ({
  accountKey: `account/cred-a/${accountId}`,
  accountId,
  creditorId: 'cred-a',
  currency: 'USD',
  balanceMinor: 0,
  creditMinor: 0,
  refundsPendingMinor: 0,
  debtorId: 'D-1',
  purged: false,
  ...overrides,
});
const open = { stage: 'reminding' as const, disputePending: false, deceased: false, bankruptcy: false };
const base = (overrides: Partial<CreditApplicationFacts> = {}): CreditApplicationFacts => ({
  source: facts('S', { creditMinor: 150_00 }),
  target: facts('T', { balanceMinor: 100_00 }),
  sourceWorkflow: { ...open, stage: 'paid' },
  targetWorkflow: open,
  requestedMinor: null,
  ...overrides,
});

function refused(input: CreditApplicationFacts, code: string, field: string, message: RegExp): void {
  assert.throws(
    () => decideCreditApplication(input),
    (error: unknown) => {
      assert.ok(error instanceof CreditApplicationRefused, String(error));
      assert.deepEqual([error.code, error.field], [code, field]);
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(`${field}: `), 'the message names the field');
      return true;
    },
  );
}

describe('how much is applied', () => {
  it('without an amount: all of the credit held, up to the target\'s balance', () => {
    assert.equal(decideCreditApplication(base()), 100_00, 'capped at the balance');
    assert.equal(decideCreditApplication(base({ target: facts('T', { balanceMinor: 400_00 }) })), 150_00, 'all of the credit');
  });
  it('an amount asked for, when both the credit and the balance cover it (edges included)', () => {
    assert.equal(decideCreditApplication(base({ requestedMinor: 1 })), 1);
    assert.equal(decideCreditApplication(base({ requestedMinor: 100_00 })), 100_00);
    assert.equal(decideCreditApplication(base({ target: facts('T', { balanceMinor: 400_00 }), requestedMinor: 150_00 })), 150_00);
  });
});

describe('refusals, each naming the field', () => {
  it('unknown accounts', () => {
    refused(base({ source: null }), 'unknown_account', 'source', /no such account/);
    refused(base({ target: null }), 'unknown_account', 'target', /no such account/);
  });
  it('the same account, another creditor, another debtor, another currency', () => {
    refused(base({ target: facts('S', { balanceMinor: 100_00 }) }), 'same_account', 'target', /the account the credit is held on/);
    refused(base({ target: facts('T', { balanceMinor: 100_00, creditorId: 'cred-b', accountKey: 'account/cred-b/T' }) }), 'different_creditor', 'target', /creditor cred-b, the credit to cred-a/);
    refused(base({ target: facts('T', { balanceMinor: 100_00, debtorId: 'D-2' }) }), 'different_debtor', 'target', /different debtors/);
    refused(base({ target: facts('T', { balanceMinor: 100_00, currency: 'EUR' }) }), 'currency_mismatch', 'target', /kept in EUR, the credit is in USD/);
  });
  it('a purged account on either side', () => {
    refused(base({ source: facts('S', { creditMinor: 150_00, purged: true, debtorId: null }) }), 'account_purged', 'source', /purged/);
    refused(base({ target: facts('T', { balanceMinor: 100_00, purged: true }) }), 'account_purged', 'target', /purged/);
  });
  it('amounts: not positive whole minor units, more than the credit, more than the balance', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) refused(base({ requestedMinor: bad }), 'invalid_amount', 'amountMinor', /positive whole number/);
    refused(base({ source: facts('S') }), 'no_credit_held', 'source', /holds no credit/);
    refused(base({ target: facts('T', { balanceMinor: 400_00 }), requestedMinor: 150_01 }), 'credit_exceeded', 'amountMinor', /\$150\.01 is more than the \$150\.00 credit S holds/);
    refused(base({ requestedMinor: 100_01 }), 'balance_exceeded', 'amountMinor', /\$100\.01 is more than the \$100\.00 T owes/);
  });
  it('credit ordered refunded and not yet posted is not applied: limited to what is left, refused when nothing is', () => {
    const pending = (refundsPendingMinor: number) => facts('S', { creditMinor: 150_00, refundsPendingMinor });
    assert.equal(decideCreditApplication(base({ source: pending(120_00) })), 30_00, 'what the refund left');
    assert.equal(decideCreditApplication(base({ source: pending(120_00), requestedMinor: 30_00 })), 30_00);
    refused(base({ source: pending(120_00), requestedMinor: 30_01 }), 'credit_exceeded', 'amountMinor', /\$30\.01 is too much: \$120\.00 of the \$150\.00 credit S holds is ordered refunded \(a refund is pending\)/);
    refused(base({ source: pending(150_00) }), 'credit_exceeded', 'amountMinor', /nothing to apply: .*a refund is pending/);
  });
  it('a target with nothing owed, closed, ended, disputed; a debtor deceased or in bankruptcy', () => {
    refused(base({ target: facts('T') }), 'nothing_owed', 'target', /no open balance/);
    refused(base({ targetWorkflow: null }), 'account_closed', 'target', /not open/);
    for (const stage of ['closed', 'placed', 'charged_off'] as const) refused(base({ targetWorkflow: { ...open, stage } }), 'account_closed', 'target', new RegExp(`T is ${stage}`));
    refused(base({ targetWorkflow: { ...open, disputePending: true } }), 'collection_held', 'target', /dispute/);
    refused(base({ targetWorkflow: { ...open, bankruptcy: true } }), 'account_closed', 'target', /bankruptcy/);
    refused(base({ sourceWorkflow: { ...open, stage: 'closed', deceased: true } }), 'collection_held', 'source', /deceased/);
  });
  it('the source\'s workflow may have ended: a credit is usually held on an account that was paid; its facts must still be known', () => {
    assert.equal(decideCreditApplication(base({ sourceWorkflow: { ...open, stage: 'paid' } })), 100_00);
    refused(base({ sourceWorkflow: { ...open, stage: 'paid', bankruptcy: true } }), 'collection_held', 'source', /bankruptcy/);
    refused(base({ sourceWorkflow: null }), 'collection_held', 'source', /S's facts \(a death, a bankruptcy\) could not be read.*never applied on unknown facts/);
  });
});

describe('the same debtor', () => {
  it('is the creditor\'s debtor id on both accounts, never a shared email or phone alone', () => {
    assert.deepEqual(sameDebtor({ accountId: 'S', debtorId: 'D-1' }, { accountId: 'T', debtorId: 'D-1' }), { same: true });
    const different = sameDebtor({ accountId: 'S', debtorId: 'D-1' }, { accountId: 'T', debtorId: 'D-2' });
    assert.equal(different.same, false);
    const unknown = sameDebtor({ accountId: 'S', debtorId: null }, { accountId: 'T', debtorId: 'D-1' });
    assert.ok(!unknown.same && /no debtor id for S/.test(unknown.why));
    refused(base({ source: facts('S', { creditMinor: 150_00, debtorId: null }), target: facts('T', { balanceMinor: 100_00, debtorId: null }) }), 'different_debtor', 'target', /no debtor id for S and T/);
  });
});

describe('the same application id again', () => {
  const first: CreditApplicationRecord = { creditorId: 'cred-a', applicationId: 'APP-1', sourceAccountKey: 'account/cred-a/S', targetAccountKey: 'account/cred-a/T', amountMinor: 100_00, currency: 'USD', appliedAt: '2026-12-01T10:00:00.000Z', reason: 'x' };
  it('returns the first application for the same accounts, with or without its amount', () => {
    assert.equal(repeatOf(first, { sourceAccountKey: first.sourceAccountKey, targetAccountKey: first.targetAccountKey, amountMinor: null }), first);
    assert.equal(repeatOf(first, { sourceAccountKey: first.sourceAccountKey, targetAccountKey: first.targetAccountKey, amountMinor: 100_00 }), first);
  });
  it('refuses other accounts or another amount under the same id', () => {
    for (const [request, names] of [
      [{ sourceAccountKey: 'account/cred-a/X', targetAccountKey: first.targetAccountKey, amountMinor: null }, /source account\/cred-a\/S/],
      [{ sourceAccountKey: first.sourceAccountKey, targetAccountKey: 'account/cred-a/X', amountMinor: null }, /target account\/cred-a\/T/],
      [{ sourceAccountKey: first.sourceAccountKey, targetAccountKey: first.targetAccountKey, amountMinor: 99_00 }, /amountMinor 10000/],
    ] as const)
      assert.throws(() => repeatOf(first, request), (error: unknown) => error instanceof CreditApplicationRefused && error.code === 'application_id_reused' && error.field === 'applicationId' && names.test(error.message));
  });
});
