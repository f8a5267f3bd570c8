/** Refunding a credit the product holds: one signed order, retried until acknowledged, posted once in the ledger; against Postgres and a webhook receiver. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT, runCli } from '../src/starter';
import { createCreditApplications } from '../src/adapters/credit-application';
import { refundHeldCredit } from '../src/adapters/credit-refund';
import { applyCredit, WorkflowUnavailableError } from '../src/client/credits';
import { QueryNotRegisteredError, type Client } from '@temporalio/client';
import { CreditApplicationRefused } from '../src/domain/credit-application';
import { debtorPageQuery } from '../src/workflows/definitions';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { startWebhookSink, type WebhookSink } from '../src/local/webhook-sink';
import { parseCreditorDirectory } from '../src/schemas/creditors.schema';
import { assertLedgerBalances, createTestDatabase } from './helpers/database';
import { TEST_PAYLOAD_KEYS } from './helpers/stack';

const SECRET = 'refund-secret-0123456789';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sink: WebhookSink;
before(async () => {
  db = await createTestDatabase();
  sink = await startWebhookSink({ secret: SECRET });
});
after(async () => {
  await sink?.close();
  await db?.drop();
});

const creditors = () =>
  parseCreditorDirectory({ creditors: [{ id: 'cred-refund', name: 'Refund Power', mailingAddress: ['1 Plaza'], creditDepartmentEmail: 'credit@refund.test', creditRefund: { webhookUrl: `${sink.baseUrl}/refunds`, secret: SECRET } }] });

async function overpaid(accountId: string, extraMinor: number): Promise<string> {
  const accountKey = `account/cred-refund/${accountId}`;
  const ledger = createLedgerRepository(db.pool);
  await ledger.openAccount({ accountKey, creditorId: 'cred-refund', accountId, currency: 'USD', openingBalanceMinor: 100_00, dueDate: '2026-10-01' });
  await ledger.postPayment({ accountKey, paymentId: `${accountId}-P1`, amountMinor: 100_00 + extraMinor, currency: 'USD', receivedAt: '2026-11-02T12:00:00Z' });
  return accountKey;
}

describe('refunding a held credit', () => {
  it('orders the refund once, retried while the receiver is down, and posts it once in the ledger', async () => {
    const key = await overpaid('R-1', 37_50);
    sink.failNext(2, 503);
    const deps = { pool: db.pool, creditors: creditors(), pauseMs: 10 };
    const result = await refundHeldCredit(deps, { accountKey: key, refundId: 'RF-1', at: '2026-12-01T10:00:00Z', reason: 'overpayment refunded' });
    assert.deepEqual([result.status, result.refundedMinor, result.currency], ['refunded', 37_50, 'USD']);
    const orders = sink.received().filter((r) => r.path === '/refunds' && !r.duplicate);
    assert.equal(orders.length, 1);
    assert.deepEqual(orders[0]!.payload, { type: 'credit_refund.ordered', idempotencyKey: `${key}/refund/RF-1`, creditorId: 'cred-refund', accountId: 'R-1', amountMinor: 37_50, currency: 'USD' });
    assert.equal((await createLedgerRepository(db.pool).snapshot(key)).creditMinor, 0);

    const again = await refundHeldCredit(deps, { accountKey: key, refundId: 'RF-1', at: '2026-12-02T10:00:00Z', reason: 'overpayment refunded' });
    assert.deepEqual([again.status, again.refundedMinor], ['already_refunded', 37_50]);
    assert.equal(sink.received().filter((r) => r.path === '/refunds' && !r.duplicate).length, 1);
    const posted = await db.pool.query(`SELECT kind, amount_minor::int AS amount FROM ledger_transactions WHERE account_key = $1 AND kind = 'refund'`, [key]);
    assert.deepEqual(posted.rows, [{ kind: 'refund', amount: 37_50 }]);
    const order = await db.pool.query(`SELECT kind, status FROM escalation_orders WHERE idempotency_key = $1`, [`${key}/refund/RF-1`]);
    assert.deepEqual(order.rows, [{ kind: 'credit_refund', status: 'acknowledged' }]);
    await assertLedgerBalances(db.pool);
  });

  it('refuses an account without credit, and a refund the receiver rejects is neither posted nor retried', async () => {
    const none = await overpaid('R-2', 0);
    await assert.rejects(refundHeldCredit({ pool: db.pool, creditors: creditors(), pauseMs: 10 }, { accountKey: none, refundId: 'RF-2', at: '2026-12-01T10:00:00Z', reason: 'x' }), /holds no credit/);
    const key = await overpaid('R-3', 5_00);
    sink.failNext(1, 422);
    await assert.rejects(refundHeldCredit({ pool: db.pool, creditors: creditors(), pauseMs: 10 }, { accountKey: key, refundId: 'RF-3', at: '2026-12-01T10:00:00Z', reason: 'x' }), /answered 422/);
    assert.equal((await createLedgerRepository(db.pool).snapshot(key)).creditMinor, 5_00);
  });

  it('the CLI refunds once per refund id; with Temporal out of reach it says the workflow was not told and exits 4', async () => {
    await overpaid('R-4', 12_00);
    const dir = mkdtempSync(join(tmpdir(), 'refund-'));
    const file = join(dir, 'creditors.json');
    writeFileSync(file, JSON.stringify({ creditors: [{ id: 'cred-refund', name: 'Refund Power', mailingAddress: ['1 Plaza'], creditDepartmentEmail: 'credit@refund.test', creditRefund: { webhookUrl: `${sink.baseUrl}/refunds`, secret: SECRET } }] }));
    const saved = { ...process.env };
    // Nothing listens on port 1: the refund is posted, the account's workflow cannot be told (test/credit-application.test.ts tells it).
    const ENV = { DATABASE_URL: db.url, CREDITORS_FILE: file, TEMPORAL_ADDRESS: '127.0.0.1:1', PAYLOAD_KEYS: TEST_PAYLOAD_KEYS };
    Object.assign(process.env, ENV);
    try {
      let out = '';
      assert.equal(await runCli(['refund-credit', 'cred-refund/R-4', 'RF-4'], (t) => (out += t)), EXIT.unavailable, out);
      assert.match(out, /^refunded: 1200 USD \(minor units\); the account's workflow was not told \(cannot reach Temporal at 127\.0\.0\.1:1 .*\): run refund-credit again with the same refund id to tell it\n$/);
      out = '';
      assert.equal(await runCli(['refund-credit', 'cred-refund/R-4', 'RF-4'], (t) => (out += t)), EXIT.unavailable, out);
      assert.match(out, /^already refunded: 1200 USD \(minor units\); the account's workflow was not told/);
      assert.equal((await createLedgerRepository(db.pool).snapshot('account/cred-refund/R-4')).creditMinor, 0);
      out = '';
      assert.equal(await runCli(['refund-credit', 'cred-refund/R-4'], (t) => (out += t)), 1);
      assert.match(out, /needs the account and a refund id/);
    } finally {
      for (const k of Object.keys(ENV)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  });
});

describe('a refund reserves the credit it orders (no credit paid out twice)', () => {
  const open = { stage: 'reminding' as const, disputePending: false, deceased: false, bankruptcy: false };
  async function debtorPair(id: string, extraMinor: number, targetMinor = 80_00): Promise<{ source: string; target: string }> {
    const source = await overpaid(`${id}-S`, extraMinor);
    const target = `account/cred-refund/${id}-T`;
    await createLedgerRepository(db.pool).openAccount({ accountKey: target, creditorId: 'cred-refund', accountId: `${id}-T`, currency: 'USD', openingBalanceMinor: targetMinor, dueDate: '2026-10-01' });
    for (const key of [source, target]) await db.pool.query(`INSERT INTO debtor_links (account_key, creditor_id, debtor_id) VALUES ($1, 'cred-refund', $2)`, [key, `D-${id}`]);
    return { source, target };
  }
  const application = (applicationId: string, pair: { source: string; target: string }, amountMinor: number | null = null) => ({
    creditorId: 'cred-refund',
    applicationId,
    sourceAccountKey: pair.source,
    targetAccountKey: pair.target,
    amountMinor,
    reason: 'test',
    at: '2026-12-01T10:00:00Z',
    workflows: { source: { ...open, stage: 'paid' as const }, target: open },
  });
  const refundsPosted = async (key: string) => (await db.pool.query<{ n: number }>(`SELECT COALESCE(SUM(amount_minor), 0)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'refund'`, [key])).rows[0]!.n;

  it('a refund ordered and not posted (the receiver down, or a crash after its answer): an application is refused or limited to what is left; the refund then completes once', async () => {
    const pair = await debtorPair('RS-1', 40_00);
    const deps = { pool: db.pool, creditors: creditors(), attempts: 1, pauseMs: 1 };
    sink.failNext(1, 503);
    await assert.rejects(refundHeldCredit(deps, { accountKey: pair.source, refundId: 'RF-R1', at: '2026-12-01T10:00:00Z', reason: 'x' }), /503/);
    const apps = createCreditApplications(db.pool);
    await assert.rejects(apps.apply(application('APP-R1', pair)), /amountMinor: nothing to apply: \$40\.00 of the \$40\.00 credit RS-1-S holds is ordered refunded \(a refund is pending\)/);
    await assert.rejects(apps.apply(application('APP-R1b', pair, 1)), /amountMinor: \$0\.01 is too much: .*a refund is pending/);
    const done = await refundHeldCredit(deps, { accountKey: pair.source, refundId: 'RF-R1', at: '2026-12-01T11:00:00Z', reason: 'x' });
    assert.deepEqual([done.status, done.refundedMinor], ['refunded', 40_00]);
    assert.equal((await createLedgerRepository(db.pool).snapshot(pair.source)).creditMinor, 0);

    // Acknowledged by the creditor, the process died before the posting: $30.00 of $50.00 is reserved.
    const other = await debtorPair('RS-2', 50_00);
    await db.pool.query(`INSERT INTO escalation_orders (idempotency_key, account_key, kind, destination, payload, status) VALUES ($1, $2, 'credit_refund', 'http://x', $3, 'acknowledged')`, [
      `${other.source}/refund/RF-R2`,
      other.source,
      JSON.stringify({ amountMinor: 30_00 }),
    ]);
    const applied = await apps.apply(application('APP-R2', other));
    assert.equal(applied.amountMinor, 20_00, 'only what the refund left');
    const again = await refundHeldCredit(deps, { accountKey: other.source, refundId: 'RF-R2', at: '2026-12-01T11:00:00Z', reason: 'x' });
    assert.deepEqual([again.status, again.refundedMinor], ['refunded', 30_00]);
    assert.equal((await createLedgerRepository(db.pool).snapshot(other.source)).creditMinor, 0);
    // A second refund id finds nothing available while another is pending or after all is refunded.
    await assert.rejects(refundHeldCredit(deps, { accountKey: other.source, refundId: 'RF-R2b', at: '2026-12-01T11:00:00Z', reason: 'x' }), /holds no credit to refund/);
    await assertLedgerBalances(db.pool);
  });

  it('a refund and an application of the same credit at the same moment: never more paid out than held, and the refund completes after', async () => {
    for (let round = 0; round < 6; round++) {
      const pair = await debtorPair(`RC-${round}`, 40_00);
      const deps = { pool: db.pool, creditors: creditors(), attempts: 1, pauseMs: 1 };
      const apps = createCreditApplications(db.pool);
      const [refund, applied] = await Promise.allSettled([
        refundHeldCredit(deps, { accountKey: pair.source, refundId: `RF-C${round}`, at: '2026-12-01T10:00:00Z', reason: 'x' }),
        apps.apply(application(`APP-C${round}`, pair)),
      ]);
      const appliedMinor = applied.status === 'fulfilled' ? applied.value.amountMinor : 0;
      const ordered = await db.pool.query<{ amount: number; status: string }>(`SELECT (payload->>'amountMinor')::int AS amount, status FROM escalation_orders WHERE account_key = $1`, [pair.source]);
      const orderedMinor = ordered.rows.reduce((sum, r) => sum + r.amount, 0);
      assert.ok(appliedMinor + orderedMinor <= 40_00, `round ${round}: applied ${appliedMinor} and ordered refunded ${orderedMinor} of 40.00 (${refund.status}, ${applied.status})`);
      assert.equal(appliedMinor + orderedMinor, 40_00, `round ${round}: one of them took the credit`);
      if (orderedMinor > 0) {
        const after = await refundHeldCredit(deps, { accountKey: pair.source, refundId: `RF-C${round}`, at: '2026-12-01T11:00:00Z', reason: 'x' });
        assert.equal(after.refundedMinor, orderedMinor);
      } else assert.equal(refund.status, 'rejected');
      assert.equal(await refundsPosted(pair.source), orderedMinor);
      assert.equal((await createLedgerRepository(db.pool).snapshot(pair.source)).creditMinor, 0);
    }
    await assertLedgerBalances(db.pool);
  });

  it('a refund the creditor refuses reserves nothing: the credit may be applied', async () => {
    const pair = await debtorPair('RS-3', 25_00);
    sink.failNext(1, 422);
    await assert.rejects(refundHeldCredit({ pool: db.pool, creditors: creditors(), pauseMs: 1 }, { accountKey: pair.source, refundId: 'RF-R3', at: '2026-12-01T10:00:00Z', reason: 'x' }), /answered 422/);
    assert.equal((await createCreditApplications(db.pool).apply(application('APP-R3', pair))).amountMinor, 25_00);
    await assert.rejects(refundHeldCredit({ pool: db.pool, creditors: creditors(), pauseMs: 1 }, { accountKey: pair.source, refundId: 'RF-R3', at: '2026-12-01T10:00:00Z', reason: 'x' }), /holds no credit to refund/);
  });
});

describe('apply-credit with a worker that does not answer', () => {
  it('a workflow that cannot be asked for its facts: nothing posted, WorkflowUnavailableError (the command line exits 4, try again)', async () => {
    const source = await overpaid('WU-S', 30_00);
    await createLedgerRepository(db.pool).openAccount({ accountKey: 'account/cred-refund/WU-T', creditorId: 'cred-refund', accountId: 'WU-T', currency: 'USD', openingBalanceMinor: 50_00, dueDate: '2026-10-01' });
    // Running workflows whose queries time out, as with the worker down.
    const client = { workflow: { getHandle: () => ({ describe: async () => ({ status: { name: 'RUNNING' } }), query: async () => Promise.reject(new Error('query timed out')) }) } } as unknown as Client;
    await assert.rejects(applyCredit({ client, pool: db.pool, creditors: creditors() }, { source: 'cred-refund/WU-S', target: 'cred-refund/WU-T', applicationId: 'APP-WU' }, '2026-12-01T10:00:00Z'), (error: unknown) => {
      assert.ok(error instanceof WorkflowUnavailableError, String(error));
      assert.match(error.message, /could not be asked for its stage and holds \(query timed out\); nothing was posted: try again/);
      return true;
    });
    assert.equal((await createLedgerRepository(db.pool).snapshot(source)).creditMinor, 30_00);
  });
  it("an account still on the earlier release's workflow (no handler for the credit signals) is refused: nothing posted", async () => {
    const source = await overpaid('LG-S', 30_00);
    await createLedgerRepository(db.pool).openAccount({ accountKey: 'account/cred-refund/LG-T', creditorId: 'cred-refund', accountId: 'LG-T', currency: 'USD', openingBalanceMinor: 50_00, dueDate: '2026-10-01' });
    // Both running; the target answers the state query (v2 has it) but not the debtor page's (only the current engine has it).
    const view = { stage: 'reminding', compliance: { dispute: null, flags: { deceased: false, bankruptcy: false } } };
    const client = {
      workflow: {
        getHandle: (key: string) => ({
          describe: async () => ({ status: { name: 'RUNNING' } }),
          query: async (definition: { name: string }) => {
            if (key.endsWith('/LG-T') && definition.name === debtorPageQuery.name) throw new QueryNotRegisteredError(`query not registered: ${definition.name}`, 0 as never);
            return definition.name === debtorPageQuery.name ? {} : view;
          },
        }),
      },
    } as unknown as Client;
    await assert.rejects(applyCredit({ client, pool: db.pool, creditors: creditors() }, { source: 'cred-refund/LG-S', target: 'cred-refund/LG-T', applicationId: 'APP-LG' }, '2026-12-01T10:00:00Z'), (error: unknown) => {
      assert.ok(error instanceof CreditApplicationRefused, String(error));
      assert.equal(error.code, 'legacy_engine');
      assert.equal(error.field, 'target');
      return true;
    });
    assert.equal((await createLedgerRepository(db.pool).snapshot(source)).creditMinor, 30_00);
    assert.equal((await createLedgerRepository(db.pool).snapshot('account/cred-refund/LG-T')).balanceMinor, 50_00);
  });
});
