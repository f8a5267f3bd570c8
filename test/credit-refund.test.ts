/** Refunding a credit the product holds: one signed order, retried until acknowledged, posted once in the ledger; against Postgres and a webhook receiver. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT, runCli } from '../src/starter';
import { refundHeldCredit } from '../src/adapters/credit-refund';
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
