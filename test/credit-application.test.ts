/**
 * Applying held credit to another open debt of the same debtor, on real servers (the time-skipping
 * Temporal server, Postgres, the sinks): one posting on both ledgers per application id, the
 * target's workflow settling as paid when the credit pays it in full, both workflows' figures
 * following the ledger, every refusal posting nothing; and a refund reaching the account's
 * workflow. The command line runs in-process (runCli) against the same servers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { createCreditApplications } from '../src/adapters/credit-application';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { AccountError, controlAccount, enrollAccount, reportComplianceEvent } from '../src/client/accounts.client';
import { accountHistory } from '../src/client/account-history';
import { applyCredit } from '../src/client/credits';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { CreditApplicationRefused } from '../src/domain/credit-application';
import { EXIT, runCli } from '../src/starter';
import type { accountWorkflow } from '../src/workflows/account.workflow';
import { accountStateQuery, paymentReceivedSignal, paymentReturnedSignal, type AccountStateView } from '../src/workflows/definitions';
import { assertLedgerBalances } from './helpers/database';
import { makeAccount, settings, standardCadence, testDate } from './helpers/fixtures';
import { startTimeSkippingStack, TEST_PAYLOAD_KEYS, WEBHOOK_SECRET, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
let creditorsFile: string;
const saved = { ...process.env };
const ENV = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL', 'PAYLOAD_KEYS', 'CREDITORS_FILE'];
before(async () => {
  stack = await startTimeSkippingStack();
  // The command line's creditor directory: cred-test, refunds ordered through the test's webhook sink.
  creditorsFile = join(mkdtempSync(join(tmpdir(), 'credit-application-')), 'creditors.json');
  writeFileSync(
    creditorsFile,
    JSON.stringify({ creditors: [{ id: 'cred-test', name: 'Test Creditor', mailingAddress: ['1 Test Way'], creditDepartmentEmail: 'credit@cred-test.example.test', creditRefund: { webhookUrl: `${stack.webhooks.baseUrl}/refunds`, secret: WEBHOOK_SECRET } }] }),
  );
  Object.assign(process.env, { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default', DATABASE_URL: stack.databaseUrl, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, CREDITORS_FILE: creditorsFile });
});
after(async () => {
  for (const name of ENV) if (saved[name] === undefined) delete process.env[name]; else process.env[name] = saved[name];
  await stack?.close();
});
afterEach(async () => {
  await assertLedgerBalances(stack.pool);
});

type Handle = ReturnType<TimeSkippingStack['client']['workflow']['getHandle']>;
const key = (a: AccountProfile) => accountKey(a.creditorId, a.accountId);
const ref = (a: AccountProfile) => `${a.creditorId}/${a.accountId}`;
const state = (a: AccountProfile): Promise<AccountStateView> => stack.client.workflow.getHandle(key(a)).query(accountStateQuery);
const ledger = () => createLedgerRepository(stack.pool);
const deps = () => ({ client: stack.client, pool: stack.pool, creditors: stack.creditors });
const at = async () => new Date(await stack.env.currentTimeMs()).toISOString();
const apply = async (request: Record<string, unknown>) => applyCredit(deps(), request, await at());

async function enroll(overrides: Partial<AccountProfile>): Promise<AccountProfile> {
  const account = makeAccount(overrides);
  const result = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue, creditors: stack.creditors });
  assert.equal(result.status, 'started');
  return account;
}
/** An account the debtor overpaid: paid, the rest held as credit. */
async function overpaid(debtorId: string | undefined, balanceMinor: number, paidMinor: number): Promise<AccountProfile> {
  const account = await enroll({ debtorId, balanceMinor });
  await stack.env.sleep('1 minute');
  await stack.client.workflow.getHandle<typeof accountWorkflow>(key(account)).signal(paymentReceivedSignal, { paymentId: `${account.accountId}-P`, amountMinor: paidMinor, currency: account.currency });
  await stack.env.sleep('1 minute');
  return account;
}

let debtors = 0;
/** A debtor's two accounts: one overpaid (paid, the rest held as credit), one still owing. */
async function debtorWithCredit(source: { balanceMinor: number; paidMinor: number }, target: Partial<AccountProfile>): Promise<{ debtorId: string; source: AccountProfile; target: AccountProfile }> {
  const debtorId = `D-${Date.now().toString(36)}-${++debtors}`;
  const overpaidAccount = await overpaid(debtorId, source.balanceMinor, source.paidMinor);
  const owing = await enroll({ debtorId, ...target });
  await stack.env.sleep('1 minute');
  return { debtorId, source: overpaidAccount, target: owing };
}

/** What the workflow shows is what the ledger derives. */
async function assertWorkflowMatchesLedger(account: AccountProfile): Promise<void> {
  const view = await state(account);
  const snapshot = await ledger().snapshot(key(account));
  assert.equal(view.balance.amountMinor, snapshot.balanceMinor, `${account.accountId}: workflow balance = ledger receivable`);
  assert.equal(view.creditBalance?.amountMinor ?? 0, snapshot.creditMinor, `${account.accountId}: workflow credit = ledger customer credit`);
}

async function applicationsPosted(): Promise<{ applications: number; transactions: number }> {
  const { rows } = await stack.pool.query<{ applications: number; transactions: number }>(
    `SELECT (SELECT count(*)::int FROM credit_applications) AS applications, (SELECT count(*)::int FROM ledger_transactions WHERE kind = 'credit_application') AS transactions`,
  );
  return rows[0]!;
}

async function refusedWith(work: Promise<unknown>, code: string, field: string, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof CreditApplicationRefused || error instanceof AccountError, String(error));
    assert.deepEqual([error.code, error.field], [code, field], error.message);
    assert.match(error.message, message);
    return true;
  });
}

async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runCli(args, (text) => (output += text));
  return { code, output };
}

describe('applying held credit to another debt of the same debtor', () => {
  it('posts once per application id on both ledgers; the target settles as paid and both workflows follow the ledger', async () => {
    await stack.run(async () => {
      const { source, target } = await debtorWithCredit(
        { balanceMinor: 100_00, paidMinor: 250_00 },
        { balanceMinor: 120_00, debts: [{ debtId: 'INV-OLD', description: 'Old invoice', amountMinor: 70_00, dueDate: testDate(-90) }, { debtId: 'INV-NEW', description: 'New invoice', amountMinor: 50_00, dueDate: testDate(-60) }] },
      );
      assert.deepEqual([(await state(source)).stage, (await state(source)).creditBalance?.amountMinor], ['paid', 150_00]);
      assert.notEqual((await state(target)).stage, 'paid');

      // No amount: all of the credit, up to the target's balance (120.00 of the 150.00).
      const first = await apply({ source: ref(source), target: ref(target), applicationId: 'APP-1', reason: 'debtor asked on the phone' });
      assert.deepEqual([first.status, first.amountMinor, first.currency, first.told], ['applied', 120_00, 'USD', { source: 'signalled', target: 'signalled' }]);
      assert.deepEqual(first.allocations, [{ debtId: 'INV-OLD', amountMinor: 70_00 }, { debtId: 'INV-NEW', amountMinor: 50_00 }], 'allocated like a payment: oldest first');
      assert.deepEqual([first.source.creditMinor, first.target.balanceMinor], [30_00, 0]);
      await stack.env.sleep('1 minute');

      const settled = await state(target);
      assert.equal(settled.stage, 'paid');
      assert.equal(settled.stageHistory.at(-1)!.reason, `balance cleared by credit held on ${source.accountId} applied (APP-1)`);
      assert.deepEqual(settled.payments.map((p) => [p.paymentId, p.amount.amountMinor, p.status]), [['credit:APP-1', 120_00, 'posted']]);
      assert.deepEqual(settled.creditMoves!.map((m) => [m.id, m.kind, m.status]), [['application/APP-1', 'applied_in', 'recorded']]);
      const gave = await state(source);
      assert.equal(gave.creditBalance!.amountMinor, 30_00);
      assert.equal(gave.stage, 'paid');
      assert.match(gave.steps!.at(-1)!.detail!, new RegExp(`^\\$120\\.00 of the credit held applied to ${target.accountId} \\(APP-1\\); credit held now \\$30\\.00$`));
      await assertWorkflowMatchesLedger(source);
      await assertWorkflowMatchesLedger(target);

      // Paid as by a payment: nothing more is sent.
      const contactsBefore = settled.contacts.length;
      await stack.env.sleep('10 days');
      assert.equal((await state(target)).contacts.length, contactsBefore);

      // The same id again: the first application, nothing posted, the workflows unchanged.
      const stepsBefore = [(await state(source)).steps!.length, (await state(target)).steps!.length];
      const again = await apply({ source: ref(source), target: ref(target), applicationId: 'APP-1' });
      assert.deepEqual([again.status, again.amountMinor, again.appliedAt], ['already_applied', 120_00, first.appliedAt]);
      await stack.env.sleep('1 minute');
      assert.deepEqual([(await state(source)).steps!.length, (await state(target)).steps!.length], stepsBefore);
      assert.deepEqual(await applicationsPosted(), { applications: 1, transactions: 2 });
      await refusedWith(apply({ source: ref(source), target: ref(target), applicationId: 'APP-1', amountMinor: 50_00 }), 'application_id_reused', 'applicationId', /APP-1 was already used for another application \(amountMinor 12000\)/);
      assert.deepEqual(await applicationsPosted(), { applications: 1, transactions: 2 });

      // Both accounts' histories show it: the target's statement, the source's credit held.
      const ledgerRepo = ledger();
      const targetHistory = await accountHistory(stack.client, (k, a) => ledgerRepo.statement(k, a), target.creditorId, target.accountId);
      // One line per debt paid (the statement lists a posting's debts by id).
      assert.deepEqual(targetHistory.statement.filter((l) => l.kind === 'credit_application').map((l) => [l.description, l.creditMinor]), [
        [`Credit applied from ${source.accountId} (APP-1)`, 50_00],
        [`Credit applied from ${source.accountId} (APP-1)`, 70_00],
      ]);
      assert.equal(targetHistory.statement.at(-1)!.balanceMinor, 0);
      const sourceHistory = await accountHistory(stack.client, (k, a) => ledgerRepo.statement(k, a), source.creditorId, source.accountId);
      assert.deepEqual(sourceHistory.heldCredit.map((l) => [l.kind, l.description, l.debitMinor, l.creditMinor, l.balanceMinor]), [
        ['payment', `Payment ${source.accountId}-P`, 0, 150_00, 150_00],
        ['credit_application', `Credit applied to ${target.accountId} (APP-1)`, 120_00, 0, 30_00],
      ]);
    });
  });

  it('two requests with the same id at the same moment post once', async () => {
    await stack.run(async () => {
      const { source, target } = await debtorWithCredit({ balanceMinor: 100_00, paidMinor: 140_00 }, { balanceMinor: 90_00 });
      const open = { stage: 'reminding' as const, disputePending: false, deceased: false, bankruptcy: false };
      const request = { creditorId: 'cred-test', applicationId: 'APP-RACE', sourceAccountKey: key(source), targetAccountKey: key(target), amountMinor: 25_00, reason: 'x', at: await at(), workflows: { source: { ...open, stage: 'paid' as const }, target: open } };
      const applications = createCreditApplications(stack.pool);
      const results = await Promise.all([applications.apply(request), applications.apply(request), applications.apply(request)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['already_applied', 'already_applied', 'applied']);
      const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE idempotency_key LIKE 'credit-application/cred-test/APP-RACE/%'`);
      assert.equal(rows[0].n, 2);
      assert.equal((await ledger().snapshot(key(source))).creditMinor, 15_00);
      assert.equal((await ledger().snapshot(key(target))).balanceMinor, 65_00);
    });
  });

  it('refuses, naming the field and posting nothing: unknown accounts or creditors, the same account, another creditor or debtor, another currency, bad amounts, nothing owed, a closed, disputed or purged target', async () => {
    await stack.run(async () => {
      const { debtorId, source, target } = await debtorWithCredit({ balanceMinor: 100_00, paidMinor: 250_00 }, { balanceMinor: 120_00 });
      const otherDebtor = await enroll({ debtorId: `${debtorId}-other`, balanceMinor: 120_00 });
      const noDebtorId = await enroll({ balanceMinor: 120_00 });
      const otherCreditor = await enroll({ debtorId, creditorId: 'cred-visible', balanceMinor: 120_00 });
      const inEuros = await enroll({ debtorId, currency: 'EUR', balanceMinor: 120_00 });
      const closed = await enroll({ debtorId, balanceMinor: 120_00 });
      const disputed = await enroll({ debtorId, balanceMinor: 120_00 });
      const purged = await enroll({ debtorId, balanceMinor: 120_00 });
      const paid = await overpaid(debtorId, 50_00, 50_00);
      await stack.env.sleep('1 minute');
      await controlAccount(stack.client, closed.creditorId, closed.accountId, 'close', { reason: 'creditor recalled the account' });
      await reportComplianceEvent(stack.client, disputed.creditorId, disputed.accountId, { kind: 'dispute', via: 'letter', note: 'not mine' });
      // The record a purge leaves (the purge itself comes years after a death).
      await stack.pool.query(`INSERT INTO personal_data_purges (account_key, reason, rows_redacted) VALUES ($1, 'debtor deceased; retention period over', 0)`, [key(purged)]);
      await stack.env.sleep('1 minute');
      assert.equal((await state(disputed)).compliance!.dispute, 'pending_verification');
      const before = await applicationsPosted();
      const from = ref(source);
      const cases: [Record<string, unknown>, string, string, RegExp][] = [
        [{ target: 'cred-test/NO-SUCH-ACCOUNT' }, 'unknown_account', 'target', /no such account/],
        [{ source: 'cred-test/NO-SUCH-ACCOUNT' }, 'unknown_account', 'source', /no such account/],
        [{ target: 'cred-nobody/X-1' }, 'unknown_creditor', 'target', /cred-nobody/],
        [{ target: 'not an account' }, 'invalid_request', 'target', /must be creditor\/account/],
        [{ target: from }, 'same_account', 'target', /the account the credit is held on/],
        [{ target: ref(otherCreditor) }, 'different_creditor', 'target', /creditor cred-visible, the credit to cred-test/],
        [{ target: ref(otherDebtor) }, 'different_debtor', 'target', /different debtors/],
        [{ target: ref(noDebtorId) }, 'different_debtor', 'target', new RegExp(`no debtor id for ${noDebtorId.accountId}`)],
        [{ target: ref(inEuros) }, 'currency_mismatch', 'target', /kept in EUR, the credit is in USD/],
        [{ amountMinor: 0 }, 'invalid_request', 'amountMinor', /greater than zero/],
        [{ amountMinor: 12.5 }, 'invalid_request', 'amountMinor', /whole minor units/],
        [{ amountMinor: 150_01, target: ref(target) }, 'credit_exceeded', 'amountMinor', /more than the \$150\.00 credit/],
        [{ amountMinor: 120_01 }, 'balance_exceeded', 'amountMinor', /more than the \$120\.00/],
        [{ target: ref(paid) }, 'nothing_owed', 'target', /no open balance/],
        [{ target: ref(closed) }, 'account_closed', 'target', /not open/],
        [{ target: ref(disputed) }, 'collection_held', 'target', /dispute/],
        [{ target: ref(purged) }, 'account_purged', 'target', /purged/],
        [{ source: ref(target), target: from }, 'no_credit_held', 'source', /holds no credit/],
      ];
      for (const [overrides, code, field, message] of cases) await refusedWith(apply({ source: from, target: ref(target), applicationId: `APP-${code}`, ...overrides }), code, field, message);
      assert.deepEqual(await applicationsPosted(), before, 'nothing posted');
      assert.equal((await ledger().snapshot(key(source))).creditMinor, 150_00);
      assert.equal((await ledger().snapshot(key(target))).balanceMinor, 120_00);
      await stack.env.sleep('1 minute');
      assert.equal((await state(source)).creditBalance!.amountMinor, 150_00);
      assert.ok(!(await state(target)).steps!.some((s) => s.action.startsWith('credit')), 'no workflow was told of anything');
    });
  });
});

describe('the source\'s facts, once its workflow has ended', () => {
  it('a paid source whose workflow completed is still asked: bankruptcy flagged refuses; a source with no workflow is read from its recorded facts, or refused', async () => {
    await stack.run(async () => {
      const { debtorId, source, target } = await debtorWithCredit({ balanceMinor: 100_00, paidMinor: 150_00 }, { balanceMinor: 80_00 });
      await reportComplianceEvent(stack.client, source.creditorId, source.accountId, { kind: 'bankruptcy', caseNumber: '26-20001', chapter: 7 });
      await stack.env.sleep('1 minute');
      const clean = await overpaid(debtorId, 100_00, 120_00);
      // Past the reopen window: both paid accounts' workflows complete.
      await stack.env.sleep('130 days');
      for (const account of [source, clean]) assert.notEqual((await stack.client.workflow.getHandle(key(account)).describe()).status.name, 'RUNNING');
      await refusedWith(apply({ source: ref(source), target: ref(target), applicationId: 'APP-BK' }), 'collection_held', 'source', /in bankruptcy \(the automatic stay forbids a setoff\)/);
      const applied = await apply({ source: ref(clean), target: ref(target), applicationId: 'APP-DONE' });
      assert.deepEqual([applied.amountMinor, applied.told.source], [20_00, 'not_running']);

      // An account Temporal does not know (past retention): what its engine recorded, else refused.
      const gone = { ...source, accountId: `${source.accountId}-GONE` };
      await ledger().openAccount({ accountKey: key(gone), creditorId: gone.creditorId, accountId: gone.accountId, currency: 'USD', openingBalanceMinor: 10_00, dueDate: testDate(-30) });
      await ledger().postPayment({ accountKey: key(gone), paymentId: `${gone.accountId}-P`, amountMinor: 30_00, currency: 'USD', receivedAt: await at() });
      await stack.pool.query(`INSERT INTO debtor_links (account_key, creditor_id, debtor_id) VALUES ($1, $2, $3)`, [key(gone), gone.creditorId, debtorId]);
      await refusedWith(apply({ source: ref(gone), target: ref(target), applicationId: 'APP-GONE' }), 'collection_held', 'source', /could not be read.*never applied on unknown facts/);
      const recorded = { stage: 'paid', dispute: null, deceasedAt: '2026-01-02T00:00:00Z', bankruptcy: null };
      await stack.pool.query(`INSERT INTO account_reporting (account_key, creditor_id, account_id, facts) VALUES ($1, $2, $3, $4)`, [key(gone), gone.creditorId, gone.accountId, JSON.stringify(recorded)]);
      await refusedWith(apply({ source: ref(gone), target: ref(target), applicationId: 'APP-GONE' }), 'collection_held', 'source', /deceased/);
      await stack.pool.query(`UPDATE account_reporting SET facts = $2 WHERE account_key = $1`, [key(gone), JSON.stringify({ ...recorded, deceasedAt: null })]);
      assert.equal((await apply({ source: ref(gone), target: ref(target), applicationId: 'APP-GONE' })).amountMinor, 20_00);
    });
  });
});

describe('a returned payment whose overpayment was applied or refunded', () => {
  /** The source's overpaying payment comes back: the credit it still holds is taken back, the rest is owed again there. */
  async function returnPayment(account: AccountProfile): Promise<void> {
    await stack.client.workflow.getHandle(key(account)).signal(paymentReturnedSignal, { paymentId: `${account.accountId}-P`, returnId: `RT-${account.accountId}`, reason: 'insufficient_funds' });
    await stack.env.sleep('1 minute');
  }
  async function assertOwedAgain(source: AccountProfile, owedMinor: number): Promise<void> {
    const snapshot = await ledger().snapshot(key(source));
    assert.equal(snapshot.creditMinor, 0, 'the held credit is never negative');
    assert.equal(snapshot.balanceMinor, owedMinor);
    assert.deepEqual(
      snapshot.debts.filter((d) => d.debtId.startsWith('returned-credit-')).map((d) => [d.debtId, d.outstandingMinor]),
      [[`returned-credit-${source.accountId}-P`, 50_00]],
    );
    await assertWorkflowMatchesLedger(source);
    const view = await state(source);
    assert.notEqual(view.stage, 'paid', 'reopened: money is owed again');
    assert.equal(view.payments.find((p) => p.paymentId === `${source.accountId}-P`)!.status, 'reversed');
  }

  it('applied to another account: the source owes the $100.00 again and the $50.00 applied, its credit is 0, the workflow follows the ledger', async () => {
    await stack.run(async () => {
      const { source, target } = await debtorWithCredit({ balanceMinor: 100_00, paidMinor: 150_00 }, { balanceMinor: 80_00 });
      const applied = await apply({ source: ref(source), target: ref(target), applicationId: 'APP-RET' });
      assert.equal(applied.amountMinor, 50_00);
      await stack.env.sleep('1 minute');
      await returnPayment(source);
      await assertOwedAgain(source, 150_00);
      assert.equal((await ledger().snapshot(key(target))).balanceMinor, 30_00, 'the target keeps the credit applied');
      await assertWorkflowMatchesLedger(target);
    });
  });

  it('refunded: the same, and a part still held is taken back from the credit', async () => {
    await stack.run(async () => {
      const account = await overpaid(undefined, 100_00, 150_00);
      assert.equal((await cli('refund-credit', ref(account), 'RF-RET')).code, EXIT.ok);
      await stack.env.sleep('1 minute');
      await returnPayment(account);
      await assertOwedAgain(account, 150_00);

      // Half applied, half still held: the held half is taken back, the applied half owed again.
      const { source, target } = await debtorWithCredit({ balanceMinor: 100_00, paidMinor: 200_00 }, { balanceMinor: 50_00 });
      assert.equal((await apply({ source: ref(source), target: ref(target), applicationId: 'APP-RET-2' })).amountMinor, 50_00);
      await stack.env.sleep('1 minute');
      await returnPayment(source);
      await assertOwedAgain(source, 150_00);
    });
  });
});

describe('the command line', () => {
  it('apply-credit applies once per id, prints both accounts\' figures, and exits 1 or 3 on a refusal', async () => {
    await stack.run(async () => {
      const { source, target } = await debtorWithCredit({ balanceMinor: 100_00, paidMinor: 180_00 }, { balanceMinor: 200_00 });
      const applied = await cli('apply-credit', ref(source), ref(target), 'APP-CLI', '--amount', '5000', '--reason', 'asked by letter');
      assert.equal(applied.code, EXIT.ok, applied.output);
      assert.match(applied.output, new RegExp(`^applied: \\$50\\.00 \\(5000 minor units\\) of the credit held on ${ref(source)} to ${ref(target)} \\(APP-CLI, .+\\)\\n  ${ref(source)}: credit held now \\$30\\.00 \\(workflow told\\)\\n  ${ref(target)}: balance now \\$150\\.00 \\(opening \\$50\\.00\\) \\(workflow told\\)\\n$`));
      const repeated = await cli('apply-credit', ref(source), ref(target), 'APP-CLI', '--json');
      assert.equal(repeated.code, EXIT.ok, repeated.output);
      assert.deepEqual((({ status, amountMinor }) => ({ status, amountMinor }))(JSON.parse(repeated.output)), { status: 'already_applied', amountMinor: 50_00 });
      const tooMuch = await cli('apply-credit', ref(source), ref(target), 'APP-CLI-2', '--amount', '3001', '--json');
      assert.equal(tooMuch.code, EXIT.usage);
      assert.deepEqual((({ code, field }) => ({ code, field }))(JSON.parse(tooMuch.output).error), { code: 'credit_exceeded', field: 'amountMinor' });
      const unknown = await cli('apply-credit', ref(source), 'cred-test/NOPE', 'APP-CLI-3');
      assert.deepEqual([unknown.code, unknown.output], [EXIT.account, 'error: target: no such account in the ledger\n']);
      const usage = await cli('apply-credit', ref(source));
      assert.equal(usage.code, EXIT.usage);
      assert.match(usage.output, /apply-credit needs the account holding the credit/);
      await stack.env.sleep('1 minute');
      assert.equal((await state(target)).balance.amountMinor, 150_00);
      await assertWorkflowMatchesLedger(source);
      await assertWorkflowMatchesLedger(target);
    });
  });

  it('refund-credit tells the account\'s workflow, whose credit held falls to the ledger\'s', async () => {
    await stack.run(async () => {
      const account = await overpaid(undefined, 100_00, 140_00);
      assert.equal((await state(account)).creditBalance!.amountMinor, 40_00);
      const refunded = await cli('refund-credit', ref(account), 'RF-1');
      assert.deepEqual([refunded.code, refunded.output], [EXIT.ok, "refunded: 4000 USD (minor units); the account's workflow was told\n"]);
      await stack.env.sleep('1 minute');
      const view = await state(account);
      assert.equal(view.creditBalance!.amountMinor, 0);
      assert.deepEqual(view.creditMoves!.map((m) => [m.id, m.kind, m.amount.amountMinor]), [['refund/RF-1', 'refunded', 40_00]]);
      await assertWorkflowMatchesLedger(account);
      const again = await cli('refund-credit', ref(account), 'RF-1');
      assert.deepEqual([again.code, again.output], [EXIT.ok, "already refunded: 4000 USD (minor units); the account's workflow was told\n"]);
      await stack.env.sleep('1 minute');
      assert.equal((await state(account)).creditMoves!.length, 1, 'told twice, recorded once');
    });
  });
});
