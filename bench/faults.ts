/**
 * `npm run faults`: the fault suite on real servers (the dev server, embedded Postgres, the SMTP,
 * Twilio and webhook sinks, worker processes), printing one table: for each fault, payments lost,
 * payments posted twice, messages sent twice (as the provider received them), contacts outside
 * the window, accounts stuck. Progress goes to stderr, the table to stdout and bench-results/.
 *
 *   npm run faults -- [--accounts 300] [--enroll 5000] [--only-enrollment]
 *
 * Faults: the worker killed with SIGKILL while letters (validation notices), emails, texts, orders
 * and ledger postings are in flight; Postgres stopped and started during a burst of postings; the
 * Temporal server restarted during a burst; SMTP 421/451/550 and Twilio 429/500/21610; payment
 * webhooks replayed, reordered, forged and stale; an enrollment killed half way and run again.
 * Not a test (the suite has the fast ones: test/delivery-faults.test.ts): nothing here is timed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Pool } from 'pg';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/local/embedded-postgres';
import { freeLoopbackPort } from '../src/local/loopback';
import type { Cadence } from '../src/domain/cadence';
import { parseCadence } from '../src/schemas/cadence.schema';
import { parseEnv, renderSettings } from '../src/schemas/config.schema';
import { startTopology, type Topology } from '../src/topology';
import type { AccountProfile } from '../src/domain/account';
import { acceptPlanUpdate, accountStateQuery } from '../src/workflows/definitions';
import { BENCH_CREDITOR, benchAccounts, enrollWithProgress, localMinuteAhead } from './scenarios';

const ROOT = join(__dirname, '..', '..');
const say = (line: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  fault: string;
  paymentsLost: number;
  postedTwice: number;
  sentTwice: number;
  outsideWindow: number;
  stuck: number;
  note: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Email at hh:mm, a text two minutes later, the credit department's order two minutes after that: three bursts, each one a kind of step. */
function faultCadence(name: string, at: (offsetMin: number) => string): Cadence {
  const disclosure = 'This communication is from a debt collector.';
  return parseCadence({
    name,
    version: 1,
    description: 'Fault suite: an email, a text and an order, each due in the same minute for every account.',
    steps: [
      { id: 'fault-email', after: '0d', atLocalTime: at(0), action: 'email', template: 'reminder' },
      { id: 'fault-sms', after: '0d', atLocalTime: at(2), action: 'sms', template: 'nudge' },
      { id: 'fault-order', after: '0d', atLocalTime: at(4), action: 'notify_credit_department', template: 'credit' },
    ],
    templates: {
      reminder: { en: { subject: 'Reminder: {{balance}} due on account {{accountId}}', text: `{{balance}} is past due on account {{accountId}}. Pay: {{paymentLink}}\n\n${disclosure}\n\nTo stop receiving email about this account, write to {{optOutEmail}}.` } },
      credit: { en: { subject: 'Account {{accountId}}: {{daysPastDue}} days past due', text: 'Account {{accountId}}, {{balance}} outstanding, {{daysPastDue}} days past due.' } },
      nudge: { en: { text: `{{balance}} past due on {{accountId}}: {{paymentLink}} ${disclosure} Reply STOP to opt out.` } },
    },
  });
}

/** Counts of one message kind, as the receiver saw them: keys received more than once. */
function twice(keys: string[]): number {
  const seen = new Map<string, number>();
  for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
  return [...seen.values()].filter((n) => n > 1).length;
}

async function sentCount(pool: Pool, step: string, prefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbound_messages WHERE step_id = $1 AND status = 'sent' AND account_key LIKE $2`, [step, `account/%/${prefix}-%`]);
  return rows[0]!.n;
}

async function ordersAcknowledged(pool: Pool, prefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalation_orders WHERE status = 'acknowledged' AND account_key LIKE $1`, [`account/%/${prefix}-%`]);
  return rows[0]!.n;
}

/** Polls count() until it reaches target or makes no progress for stallMs; calls atFraction once when count passes fraction × target. */
async function until(
  count: () => Promise<number>,
  target: number,
  label: string,
  options: { stallMs?: number; dueAtMs?: number; at?: { fraction: number; then: () => Promise<void> }[] } = {},
): Promise<number> {
  const pending = [...(options.at ?? [])].sort((a, b) => a.fraction - b.fraction);
  let last = -1;
  // Waiting for the due minute is not a stall.
  let lastChange = Math.max(Date.now(), options.dueAtMs ?? 0);
  let lastPrint = 0;
  for (;;) {
    const n = await count().catch(() => last);
    if (n !== last) {
      last = n;
      lastChange = Math.max(Date.now(), lastChange);
    }
    while (pending[0] && n >= pending[0].fraction * target) await pending.shift()!.then();
    if (n >= target) return n;
    if (Date.now() - lastChange > (options.stallMs ?? 150_000)) return n;
    if (Date.now() - lastPrint > 10_000) {
      lastPrint = Date.now();
      say(`${label}: ${n}/${target}`);
    }
    await sleep(200);
  }
}

/** Outbound emails and texts sent outside 08:00–21:00 in the account's zone. */
async function outsideWindow(pool: Pool, prefix: string, zoneOf: Map<string, string>): Promise<number> {
  const { rows } = await pool.query<{ account_key: string; sent_at: Date }>(
    `SELECT account_key, sent_at FROM outbound_messages WHERE status = 'sent' AND channel IN ('email', 'sms') AND account_key LIKE $1`,
    [`account/%/${prefix}-%`],
  );
  return rows.filter((r) => {
    const zone = zoneOf.get(r.account_key.split('/')[2]!) ?? 'UTC';
    const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(r.sent_at));
    return hour < 8 || hour >= 21;
  }).length;
}

async function killWorkers(topology: Topology, why: string): Promise<void> {
  const alive = topology.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  say(`SIGKILL ${alive.map((w) => w.name).join(', ')} (${why}); a new worker starts`);
  for (const w of alive) w.child.kill('SIGKILL');
  await Promise.all(alive.map((w) => w.exited));
  await topology.startWorker(`worker-after-${why.replace(/\W+/g, '-')}-${Date.now().toString(36)}`);
}

/** Posts payment webhooks as a processor does: retried on a refusal other than 4xx, until 2xx. */
function paymentSender(topology: Topology) {
  const secret = topology.product.settings.PAYMENT_WEBHOOK_SECRET;
  const url = `${topology.product.apiUrl}/webhooks/payments`;
  const post = async (event: object, options: { signatureSecret?: string; ageSeconds?: number } = {}) => {
    const raw = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': `t=${t},v1=${signPaymentWebhook(options.signatureSecret ?? secret, t, raw)}` }, body: raw });
    await response.arrayBuffer();
    return response.status;
  };
  const deliver = async (event: object) => {
    for (let attempt = 1; ; attempt++) {
      const status = await post(event).catch(() => 0);
      if (status >= 200 && status < 300) return status;
      if (status >= 400 && status < 500) return status;
      await sleep(Math.min(5000, 250 * attempt));
    }
  };
  return { post, deliver };
}

async function inBatches<T>(items: T[], concurrency: number, job: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await job(items[next++]!);
  }));
}

/** Payments that were answered 2xx but are in neither the ledger nor the unapplied payments; and those posted more than once. */
async function paymentOutcome(pool: Pool, paymentIds: string[]): Promise<{ lost: number; twice: number }> {
  const { rows } = await pool.query<{ payment_id: string; n: number }>(
    `SELECT payment_id, count(*)::int AS n FROM (
       SELECT external_id AS payment_id FROM ledger_transactions WHERE kind = 'payment' AND external_id = ANY($1)
       UNION ALL SELECT payment_id FROM unapplied_payments WHERE payment_id = ANY($1)) p GROUP BY payment_id`,
    [paymentIds],
  );
  const found = new Map(rows.map((r) => [r.payment_id, r.n]));
  return { lost: paymentIds.filter((id) => !found.has(id)).length, twice: rows.filter((r) => r.n > 1).length };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const n = arg('accounts', 300);
  const enrollRows = arg('enroll', 5000);
  const outDir = join(ROOT, 'bench-results');
  const dataDir = mkdtempSync(join(tmpdir(), 'dunning-faults-'));
  const rows: Row[] = [];
  const pgPort = await freeLoopbackPort();
  let db: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: pgPort, database: 'dunning' });
  const env = { ...parseEnv({ ...process.env, DEMO: 'false' }), DATABASE_URL: undefined };
  const topology = await startTopology({ temporal: 'dev-server', workers: 1, dataDir, databaseUrl: db.url, env, log: say });
  const pool = topology.product.pool;
  const { smtp, twilio, webhooks } = topology.product.sinks;
  const client = topology.product.client;
  const prefix = `F${Date.now().toString(36).toUpperCase()}`;
  const onlyEnrollment = process.argv.includes('--only-enrollment');
  try {
    if (!onlyEnrollment) await bursts();
    // ---- a CSV enrollment killed half way and run again
    if (enrollRows > 0) rows.push(await interruptedEnrollment(topology, enrollRows));
  } finally {
    say('stopping');
    await topology.stop();
    await db.stop();
  }

  async function bursts(): Promise<void> {
    // ---- enrollment, validation-notice letters with a kill, then an email, a text and an order burst with kills and provider faults
    const zone = benchAccounts('PROBE', 1)[0]!.timezone;
    const accounts = benchAccounts(prefix, n, { zone });
    const zoneOf = new Map(accounts.map((a) => [a.accountId, a.timezone]));
    const due = localMinuteAhead(zone, Math.max(120_000, n * 600));
    const at = (offsetMin: number) => {
      const [h, m] = due.hhmm.split(':').map(Number) as [number, number];
      const total = h * 60 + m + offsetMin;
      return `${String(Math.floor(total / 60) % 24).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
    };
    const cadence = faultCadence(`faults-${prefix.toLowerCase()}`, at);
    say(`enrolling ${n} accounts in ${zone}; email due ${at(0)}, text ${at(2)}, order ${at(4)} local`);
    const enrolled = await enrollWithProgress(client, accounts, { cadence, settings: renderSettings(topology.product.settings), taskQueue: topology.product.settings.TEMPORAL_TASK_QUEUE, creditors: topology.product.creditors, progress: say });
    const letters = await until(() => sentCount(pool, 'validation-notice', prefix), n, 'validation notices', { at: [{ fraction: 0.3, then: () => killWorkers(topology, 'letters in flight') }] });
    rows.push({ fault: 'worker SIGKILL while letters (validation notices) go out', paymentsLost: 0, postedTwice: 0, sentTwice: 0, outsideWindow: 0, stuck: n - letters, note: `${enrolled.started} enrolled; letters are files named by their idempotency key` });

    // The first nine deliveries of the burst fail, in this order; 421 and 451 are retried, 550 is final.
    smtp!.failNext(3, 421);
    smtp!.failNext(3, 451);
    smtp!.failNext(3, 550);
    const emailTarget = n - 3;
    const emails = await until(() => sentCount(pool, 'fault-email', prefix), emailTarget, 'emails', { dueAtMs: due.atMs, at: [{ fraction: 0.3, then: () => killWorkers(topology, 'emails in flight') }] });
    const emailIds = smtp!.messages().filter((m) => m.subject.includes(prefix)).map((m) => m.messageId);
    rows.push({ fault: 'worker SIGKILL while emails go out; SMTP 421 ×3, 451 ×3, 550 ×3', paymentsLost: 0, postedTwice: 0, sentTwice: twice(emailIds), outsideWindow: 0, stuck: Math.max(0, emailTarget - emails), note: `${emails} sent; 550 refuses 3 addresses for good (their step fails and the cadence goes on), 421/451 retried` });

    twilio!.failNext(3, 429);
    twilio!.failNext(3, 500);
    twilio!.failNext(2, 21610);
    const smsTarget = n - 2;
    const texts = await until(() => sentCount(pool, 'fault-sms', prefix), smsTarget, 'texts', { dueAtMs: due.atMs + 120_000, at: [{ fraction: 0.3, then: () => killWorkers(topology, 'texts in flight') }] });
    const smsKeys = twilio!.messages().filter((m) => m.body.includes(prefix)).map((m) => `${m.to}|${m.body}`);
    rows.push({ fault: 'worker SIGKILL while texts go out; Twilio 429 ×3, 500 ×3, 21610 ×2', paymentsLost: 0, postedTwice: 0, sentTwice: twice(smsKeys), outsideWindow: 0, stuck: Math.max(0, smsTarget - texts), note: `${texts} sent; 21610 keeps 2 numbers as opted out; a lost acceptance is looked up at Twilio before a resend` });

    const orders = await until(() => ordersAcknowledged(pool, prefix), n, 'orders', { dueAtMs: due.atMs + 240_000, at: [{ fraction: 0.4, then: () => killWorkers(topology, 'orders in flight') }] });
    const orderKeys = webhooks!.received().filter((w) => String(w.payload.accountId ?? '').startsWith(prefix)).map((w) => w.idempotencyKey);
    rows.push({ fault: 'worker SIGKILL while orders go to the creditor', paymentsLost: 0, postedTwice: 0, sentTwice: twice(orderKeys), outsideWindow: 0, stuck: n - orders, note: 'a repeated order carries the same Idempotency-Key (the receiver acknowledges it as a duplicate)' });
    const window = await outsideWindow(pool, prefix, zoneOf);
    for (const r of rows) r.outsideWindow = window;

    // ---- payments: kill during postings, Postgres restart, Temporal restart, replays
    const sender = paymentSender(topology);
    const payments = (round: string) =>
      accounts.map((a, i) => ({ eventId: `evt-${prefix}-${round}-${i}`, type: 'payment.succeeded', creditorId: BENCH_CREDITOR, accountId: a.accountId, payment: { paymentId: `${prefix}-${round}-${i}`, amountMinor: 1_00, currency: 'USD' } }));
    const postings = async (round: string, fault: string, midway: () => Promise<void>, note: string) => {
      const events = payments(round);
      const ids = events.map((e) => e.payment.paymentId);
      let done = 0;
      let faulted = false;
      await inBatches(events, 8, async (e) => {
        await sender.deliver(e);
        done += 1;
        if (!faulted && done >= events.length * 0.3) {
          faulted = true;
          await midway();
        }
      });
      const posted = await until(async () => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transactions WHERE external_id = ANY($1)`, [ids])).rows[0]!.n, ids.length, `postings (${round})`, { stallMs: 120_000 });
      const outcome = await paymentOutcome(pool, ids);
      rows.push({ fault, paymentsLost: outcome.lost, postedTwice: outcome.twice, sentTwice: 0, outsideWindow: 0, stuck: ids.length - posted, note });
    };
    await postings('kill', 'worker SIGKILL during a burst of ledger postings', () => killWorkers(topology, 'postings in flight'), `${n} payments, 8 at a time`);
    await postings('pg', 'Postgres stopped for 10 s and started during a burst of postings', async () => {
      say('stopping Postgres for 10 s');
      await db.stop();
      await sleep(10_000);
      db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: pgPort, database: 'dunning' });
      say('Postgres is back');
    }, 'the webhook answers 5xx while the database is down; the processor retries');
    await postings('temporal', 'Temporal dev server restarted during a burst of postings', async () => {
      say('restarting the Temporal dev server');
      await topology.restartTemporal();
      say('Temporal is back');
    }, 'the webhook answers 5xx while Temporal is down; the processor retries');

    // Plans: each account accepts a monthly plan, then its first instalment is paid while the worker is killed.
    say(`${n} accounts accept a monthly plan`);
    const instalments = new Map<string, number>();
    await inBatches(accounts, 8, async (a) => {
      const plan = await client.workflow.getHandle(`account/${BENCH_CREDITOR}/${a.accountId}`).executeUpdate(acceptPlanUpdate, { args: [{ frequency: 'monthly', acceptedBy: 'fault suite' }] });
      instalments.set(a.accountId, plan.schedule.find((i) => i.amountMinor > 0)!.amountMinor);
    });
    const planEvents = accounts.map((a, i) => ({ eventId: `evt-${prefix}-plan-${i}`, type: 'payment.succeeded', creditorId: BENCH_CREDITOR, accountId: a.accountId, payment: { paymentId: `${prefix}-plan-${i}`, amountMinor: instalments.get(a.accountId)!, currency: 'USD' } }));
    let planDone = 0;
    let planKilled = false;
    await inBatches(planEvents, 8, async (e) => {
      await sender.deliver(e);
      planDone += 1;
      if (!planKilled && planDone >= planEvents.length * 0.3) {
        planKilled = true;
        await killWorkers(topology, 'instalments in flight');
      }
    });
    const planIds = planEvents.map((e) => e.payment.paymentId);
    await until(async () => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transactions WHERE external_id = ANY($1)`, [planIds])).rows[0]!.n, planIds.length, 'instalment postings', { stallMs: 120_000 });
    const planOutcome = await paymentOutcome(pool, planIds);
    // Each plan counts its instalment once: paid exactly the instalment, still active.
    let planWrong = 0;
    await inBatches(accounts, 8, async (a) => {
      const view = await client.workflow.getHandle(`account/${BENCH_CREDITOR}/${a.accountId}`).query(accountStateQuery);
      const plan = view.arrangements?.plans.at(-1);
      if (!plan || plan.paidMinor !== instalments.get(a.accountId) || plan.status !== 'active') planWrong += 1;
    });
    rows.push({ fault: 'worker SIGKILL while plan instalments are paid', paymentsLost: planOutcome.lost, postedTwice: planOutcome.twice, sentTwice: 0, outsideWindow: 0, stuck: planWrong, note: `${n} monthly plans; each counts its first instalment once and stays active` });

    // Replayed (each event twice), reordered (shuffled), forged (wrong secret), stale (an hour old).
    const replay = payments('replay');
    const shuffled = [...replay, ...replay].map((e) => ({ e, k: Math.random() })).sort((a, b) => a.k - b.k).map((x) => x.e);
    await inBatches(shuffled, 8, (e) => sender.deliver(e));
    const forged = payments('forged');
    const forgedStatuses = await Promise.all(forged.slice(0, 20).map((e) => sender.post(e, { signatureSecret: 'not-the-secret' })));
    const stale = payments('stale');
    const staleStatuses = await Promise.all(stale.slice(0, 20).map((e) => sender.post(e, { ageSeconds: 3600 })));
    const replayIds = replay.map((e) => e.payment.paymentId);
    await until(async () => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transactions WHERE external_id = ANY($1)`, [replayIds])).rows[0]!.n, replayIds.length, 'replayed postings', { stallMs: 60_000 });
    const replayOutcome = await paymentOutcome(pool, replayIds);
    const intruders = await paymentOutcome(pool, [...forged.slice(0, 20), ...stale.slice(0, 20)].map((e) => e.payment.paymentId));
    rows.push({
      fault: 'payment webhooks replayed (each twice), reordered, forged (20), stale (20)',
      paymentsLost: replayOutcome.lost,
      postedTwice: replayOutcome.twice + (40 - intruders.lost),
      sentTwice: 0,
      outsideWindow: 0,
      stuck: 0,
      note: `forged answered ${[...new Set(forgedStatuses)].join('/')}, stale ${[...new Set(staleStatuses)].join('/')}; none posted`,
    });

  }
  const table = [
    '| fault | payments lost | posted twice | messages sent twice | contacts outside the window | accounts stuck | note |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.fault} | ${r.paymentsLost} | ${r.postedTwice} | ${r.sentTwice} | ${r.outsideWindow} | ${r.stuck} | ${r.note} |`),
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'faults.md'), `${table}\n`);
  writeFileSync(join(outDir, 'faults.json'), JSON.stringify({ at: new Date().toISOString(), accounts: n, rows }, null, 2));
  console.log(table);
}

/** `starter.js enroll` of a CSV, killed when half the rows are enrolled, then run again: every row once, one validation notice each. */
async function interruptedEnrollment(topology: Topology, count: number): Promise<Row> {
  const prefix = `E${Date.now().toString(36).toUpperCase()}`;
  const accounts = benchAccounts(prefix, count);
  const header = ['account_id', 'creditor_id', 'product', 'debtor_name', 'email', 'phone', 'language', 'address_line1', 'city', 'region', 'postal_code', 'country', 'timezone', 'currency', 'balance_cents', 'due_date', 'email_consent', 'sms_consent', 'service_id', 'collateral_vin', 'insurance_claim_id'];
  const line = (a: AccountProfile) => [a.accountId, a.creditorId, a.product, a.debtorName, a.email, a.phone, a.language, a.address.line1, a.address.city, a.address.region, a.address.postalCode, a.address.country, a.timezone, a.currency, a.balanceMinor, a.dueDate, 'true', 'true', a.serviceId, '', ''];
  const file = join(topology.dataDir, `${prefix}.csv`);
  // Plain CSV: the values have no commas or quotes, and an export's formula guard (a quote before
  // "+") would change the phone numbers an enrollment file carries.
  writeFileSync(file, [header, ...accounts.map(line)].map((cells) => cells.map((c) => String(c ?? '')).join(',')).join('\n') + '\n');
  const cliEnv = { ...process.env, ...topology.workerEnv, CADENCES_DIR: join(ROOT, 'cadences') };
  const run = (killAt?: number) =>
    new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'starter.js'), 'enroll', file, '--cadence', join(ROOT, 'cadences', 'standard.json')], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      const timer = killAt
        ? setInterval(async () => {
            const { rows } = await topology.product.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM debtor_accounts WHERE account_id LIKE $1`, [`${prefix}-%`]);
            if (rows[0]!.n >= killAt) {
              say(`enrollment: ${rows[0]!.n}/${count} rows in, SIGKILL the CLI`);
              child.kill('SIGKILL');
            }
          }, 500)
        : undefined;
      child.once('exit', (code) => {
        if (timer) clearInterval(timer);
        done(code);
      });
    });
  say(`enrollment of ${count} rows from a CSV, killed half way`);
  await run(Math.floor(count / 2));
  say('enrollment run again');
  const code = await run();
  const notices = await until(() => sentCount(topology.product.pool, 'validation-notice', prefix), count, 'validation notices of the re-run enrollment', { stallMs: 180_000 });
  const { rows } = await topology.product.pool.query<{ n: number; keys: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT account_key)::int AS keys FROM outbound_messages WHERE step_id = 'validation-notice' AND account_key LIKE $1`,
    [`account/%/${prefix}-%`],
  );
  const enrolled = (await topology.product.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM debtor_accounts WHERE account_id LIKE $1`, [`${prefix}-%`])).rows[0]!.n;
  return {
    fault: `enrollment of ${count} CSV rows killed half way (SIGKILL) and run again`,
    paymentsLost: 0,
    postedTwice: 0,
    sentTwice: rows[0]!.n - rows[0]!.keys,
    outsideWindow: 0,
    stuck: count - Math.min(notices, enrolled),
    note: `second run exited ${code}; ${enrolled} accounts, ${notices} validation notices`,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
