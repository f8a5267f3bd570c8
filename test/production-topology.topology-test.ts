/**
 * The production topology (src/topology.ts): Temporal server v1.29.1 on Postgres with 8 history
 * shards and two worker processes. One worker is killed with SIGKILL while a burst of reminders is
 * being sent and payments are arriving through the signed webhook; every account still gets its
 * reminder once and every payment posts once.
 *
 * Not part of `npm test`: it needs Temporal's server built with Go (scripts/ensure-temporal-server.sh,
 * a few minutes the first time) and runs about four minutes in real time. Run it with
 * `npm run test:topology`.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client as PgClient } from 'pg';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { renderSettings, parseEnv } from '../src/schemas/config.schema';
import { startTopology, type Topology } from '../src/topology';
import { BENCH_CREDITOR, benchAccounts, burstCadence, enrollWithProgress, localMinuteAhead, sentCount, waitForSent } from '../bench/scenarios';
import { assertLedgerBalances, createTestDatabase } from './helpers/database';
import { quietRuntime } from './helpers/stack';

const ACCOUNTS = 120;
let topology: Topology;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
const say = (line: string) => process.stderr.write(`  [topology] ${line}\n`);

before(async () => {
  quietRuntime();
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'dunning-topology-test-'));
  topology = await startTopology({
    temporal: 'cluster',
    workers: 2,
    numHistoryShards: 8,
    dataDir,
    databaseUrl: database.url,
    env: parseEnv({ CADENCES_DIR: join(__dirname, '..', '..', 'cadences'), TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH, WORKER_MAX_CACHED_WORKFLOWS: '50' }),
    log: say,
  });
});

after(async () => {
  await topology?.stop();
  // Temporal's own databases on the suite's Postgres, then the product's.
  const admin = new PgClient({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  const name = new URL(database.url).pathname.slice(1);
  for (const db of [`temporal_${name}`, `temporal_${name}_visibility`]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function pay(accountId: string, paymentId: string, eventId: string): Promise<number> {
  const raw = JSON.stringify({ eventId, type: 'payment.succeeded', creditorId: BENCH_CREDITOR, accountId, payment: { paymentId, amountMinor: 100, currency: 'USD' } });
  const t = Math.floor(Date.now() / 1000);
  const response = await fetch(`${topology.product.apiUrl}/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'payment-signature': `t=${t},v1=${signPaymentWebhook(topology.product.settings.PAYMENT_WEBHOOK_SECRET, t, raw)}` },
    body: raw,
  });
  await response.arrayBuffer();
  return response.status;
}

test('a worker killed with SIGKILL during a burst of reminders: each reminder sent once, each payment posted once', { timeout: 600_000 }, async () => {
  const { product } = topology;
  const pool = product.pool;
  const zone = benchAccounts('PROBE', 1)[0]!.timezone;
  const due = localMinuteAhead(zone, 75_000);
  const prefix = 'TOPO';
  const accounts = benchAccounts(prefix, ACCOUNTS, { zone });
  const enrollment = await enrollWithProgress(product.client, accounts, {
    cadence: burstCadence('topology-burst', due.hhmm),
    settings: renderSettings(product.settings),
    taskQueue: product.settings.TEMPORAL_TASK_QUEUE,
    creditors: product.creditors,
    progress: say,
  });
  assert.equal(enrollment.started, ACCOUNTS, `enrollment failed: ${enrollment.firstError}`);
  const notices = await waitForSent(pool, 'validation-notice', prefix, ACCOUNTS, { stallSeconds: 60, progress: say });
  assert.equal(notices.count, ACCOUNTS, 'every account had its validation notice before the burst');
  say(`every account waits for its reminder at ${due.hhmm} ${zone}`);
  await new Promise((r) => setTimeout(r, Math.max(0, due.atMs - Date.now())));

  // Payments arrive through the webhook while the reminders go out; 20 of them twice (a processor's retry with a new event id).
  const payments = (async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ACCOUNTS; i++) statuses.push(await pay(accounts[i]!.accountId, `TOPO-PAY-${i}`, `evt-topo-${i}`));
    for (let i = 0; i < 20; i++) statuses.push(await pay(accounts[i]!.accountId, `TOPO-PAY-${i}`, `evt-topo-retry-${i}`));
    return statuses;
  })();

  // Kill worker-1 once the burst has started and it is busy.
  const victim = topology.workers[0]!;
  for (;;) {
    if ((await sentCount(pool, 'burst-reminder', prefix)) >= 5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  victim.child.kill('SIGKILL');
  await victim.exited;
  say('worker-1 killed with SIGKILL; worker-2 carries on');

  const statuses = await payments;
  assert.deepEqual([...new Set(statuses)], [202], 'every payment delivery was accepted');
  // An activity the dead worker held comes back after its start-to-close timeout (1 minute).
  const reminders = await waitForSent(pool, 'burst-reminder', prefix, ACCOUNTS, { stallSeconds: 150, progress: say });
  assert.equal(reminders.count, ACCOUNTS, 'every account got its reminder');

  // Each payment posted once: 120 payment transactions, one per payment id, and the ledger balances.
  const deadline = Date.now() + 120_000;
  let posted = 0;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'payment' AND idempotency_key LIKE 'payment/${BENCH_CREDITOR}/TOPO-PAY-%'`);
    posted = Number(rows[0]!.n);
    if (posted >= ACCOUNTS) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal(posted, ACCOUNTS, 'each payment posted exactly once');
  await assertLedgerBalances(pool);
  const { rows: balances } = await pool.query<{ account_key: string; due: string }>(
    `SELECT account_key, SUM(debit_minor) - SUM(credit_minor) AS due FROM ledger_entries WHERE ledger_account = 'receivable' AND account_key LIKE 'account/%/${prefix}-%' GROUP BY account_key`,
  );
  assert.equal(balances.length, ACCOUNTS);
  for (const b of balances) assert.equal(Number(b.due), 120_00 - 100, `${b.account_key}: one payment of 1.00 on 120.00`);

  // One message log row per account and step; at the SMTP sink, each account's reminder under one Message-ID.
  const { rows: logRows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbound_messages WHERE step_id = 'burst-reminder' AND account_key LIKE 'account/%/${prefix}-%'`);
  assert.equal(Number(logRows[0]!.n), ACCOUNTS);
  const sunk = product.sinks.smtp!.messages().filter((m) => m.subject.startsWith('Reminder:') && m.to.some((to) => to.includes(`${prefix.toLowerCase()}-`)));
  const byRecipient = new Map<string, Set<string>>();
  for (const m of sunk) for (const to of m.to) byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(m.messageId));
  assert.equal(byRecipient.size, ACCOUNTS, 'every debtor received the reminder');
  for (const [to, ids] of byRecipient) assert.equal(ids.size, 1, `${to} got reminders under ${ids.size} Message-IDs`);
  const copies = sunk.length - ACCOUNTS;
  say(`${sunk.length} reminder emails at the sink for ${ACCOUNTS} debtors (${copies} resent copies under the same Message-ID)`);
  // The one gap the README names: SMTP accepted a message, then the worker died before the commit.
  // Only an activity the killed worker was running at that moment can be sent twice (at most its activity slots).
  const slots = topology.product.settings.WORKER_MAX_CONCURRENT_ACTIVITIES;
  assert.ok(copies <= slots, `${copies} resent copies, more than the ${slots} activities worker-1 could have had in flight`);
});
