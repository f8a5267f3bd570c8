import { randomBytes } from 'node:crypto';
/**
 * `npm run bench`: throughput, latency, memory and billable actions, each figure measured in the
 * same run beside its ceiling (a bare no-op workflow start, a bare signal, a bare Postgres insert),
 * on the dev server, on the production topology (Temporal server v1.29.1 on Postgres), or both.
 * Prints progress on stderr, a Markdown table on stdout, and writes JSON and Markdown to
 * bench-results/. Not a test: nothing here fails on a slow figure.
 *
 *   npm run bench -- [--temporal dev-server|cluster|both] [--workers 2] [--first-notice 1000,10000,50000]
 *                    [--burst 10000] [--webhook-seconds 20] [--no-actions] [--actions-only] [--out DIR]
 * Worker settings come from the environment (WORKER_MAX_CACHED_WORKFLOWS, …, README Tuning).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createCadenceRepository } from '../src/adapters/cadence.repository';
import { createFolderLetterGateway } from '../src/adapters/letters';
import { createPool, runMigrations } from '../src/adapters/postgres';
import { syncCadenceFiles } from '../src/client/cadences';
import { accountStartOptions, enrollAccount } from '../src/client/accounts.client';
import { registerSearchAttributes } from '../src/client/search-attributes';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { startEmbeddedPostgres } from '../src/local/embedded-postgres';
import { startSmtpSink } from '../src/local/smtp-sink';
import { startTwilioSink } from '../src/local/twilio-sink';
import { startWebhookSink } from '../src/local/webhook-sink';
import { freeLoopbackPort } from '../src/local/loopback';
import { LOCAL_CREDITORS_FILE } from '../src/product';
import { loadCadenceFile } from '../src/schemas/cadence.schema';
import type { Cadence } from '../src/domain/cadence';
import { parseEnv, renderSettings } from '../src/schemas/config.schema';
import { parseCreditorDirectory } from '../src/schemas/creditors.schema';
import { startTopology, type Topology, type WorkerStats } from '../src/topology';
import { createDunningWorker, workerTuning } from '../src/worker';
import { createPayloadEncryption } from '../src/adapters/payload-encryption';
import type { AccountProfile } from '../src/domain/account';
import { countActions, type ActionCount } from '../src/tools/history-cost';
import { benchNoop, benchSignalTarget, benchPing, benchDone } from './noop.workflows';
import {
  BENCH_CREDITOR,
  benchAccounts,
  burstCadence,
  closedLoop,
  enrollWithProgress,
  localMinuteAhead,
  percentile,
  rate,
  sentTimes,
  waitForSent,
} from './scenarios';
import { readFileSync } from 'node:fs';

const ROOT = join(__dirname, '..', '..');
const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Args {
  temporal: ('dev-server' | 'cluster')[];
  workers: number;
  firstNotice: number[];
  burst: number;
  webhookSeconds: number;
  actions: boolean;
  topologyPhases: boolean;
  /** Dev server with SQLite's default pragmas (to compare with WAL + synchronous=normal). */
  sqliteDefaults: boolean;
  /** Only the ceilings and enrollment's parts (a few minutes): to see what a start costs. */
  ceilingsOnly: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const temporal = value('temporal') ?? 'dev-server';
  return {
    temporal: temporal === 'both' ? ['dev-server', 'cluster'] : [temporal === 'cluster' ? 'cluster' : 'dev-server'],
    workers: Number(value('workers') ?? 2),
    firstNotice: (value('first-notice') ?? '1000,3000').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b),
    burst: Number(value('burst') ?? 1000),
    webhookSeconds: Number(value('webhook-seconds') ?? 20),
    actions: !argv.includes('--no-actions'),
    topologyPhases: !argv.includes('--actions-only'),
    sqliteDefaults: argv.includes('--sqlite-defaults'),
    ceilingsOnly: argv.includes('--ceilings-only'),
    out: value('out') ?? join(ROOT, 'bench-results'),
  };
}

type Row = { figure: string; value: string; ceiling: string; ratio: string; note?: string };

// ---------------------------------------------------------------- ceilings

/**
 * Waits until the no-op worker has finished every workflow started so far, so that one phase's
 * tail (its workflow tasks, run by the no-op worker inside this process) is not measured as the
 * next phase's cost.
 */
async function drained(client: Client, label: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const { count } = await client.workflow.count('TaskQueue = "bench-noop" AND ExecutionStatus = "Running"');
    if (count === 0) return;
    if (Date.now() - t0 > 180_000) {
      progress(`${label}: ${count} no-op workflows still running after 3 minutes; going on`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function bareStartRate(client: Client, runTag: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const n = 1000;
  const r = await closedLoop(n, 16, (i) => client.workflow.start(benchNoop, { taskQueue: 'bench-noop', workflowId: `bench-noop-${runTag}-${i}` }));
  return { perSecond: rate(r.latencies.length, r.ms), p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99) };
}

/**
 * Where enrollment's time goes, workers idle: no-op workflows started with what an account's start
 * sends: its encrypted input (sealed with the namespace's data key); then also its search attributes
 * and summaries; then all of it under an account-shaped workflow id, so the input is sealed with a
 * data key of the account's own, made and stored on the way as enrollment does. Beside the bare
 * start rate these say what the payload, the visibility records and the per-account key cost, apart
 * from the accounts' own work. Enrollment as the API and CSV import do it names no cadence (the
 * creditor's segmentation picks it when the account opens); the last part names one, as the CLI's
 * `--cadence` does, and carries the cadence's templates in the input.
 */
async function enrollmentParts(client: Client, runTag: string, options: Omit<Parameters<typeof accountStartOptions>[0], 'account' | 'cadence'>, named: Cadence) {
  const n = 1000;
  const accounts = benchAccounts(`PARTS${runTag.toUpperCase()}`, n);
  const parts: Record<string, { perSecond: number; p50: number; p99: number }> = {};
  for (const part of ['input', 'input+visibility', 'input+visibility+account key', 'named cadence'] as const) {
    const whole = part === 'input+visibility+account key' || part === 'named cadence';
    const r = await closedLoop(n, 16, (i) => {
      const start = accountStartOptions({ ...options, account: accounts[i]!, ...(part === 'named cadence' ? { cadence: named } : {}) });
      return client.workflow.start(benchNoop, {
        taskQueue: 'bench-noop',
        workflowId: whole ? `account/bench-${part === 'named cadence' ? 'named' : 'parts'}-${runTag}/${i}` : `bench-${part.replace(/\W+/g, '-')}-${runTag}-${i}`,
        args: start.args as unknown as [],
        ...(part !== 'input' ? { typedSearchAttributes: start.typedSearchAttributes, staticSummary: start.staticSummary, staticDetails: start.staticDetails } : {}),
      });
    });
    parts[part] = { perSecond: rate(r.latencies.length, r.ms), p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99) };
    await drained(client, part);
  }
  return parts;
}

async function bareSignal(client: Client, runTag: string): Promise<{ perSecond: number; p50: number; p99: number }> {
  const targets = await Promise.all(Array.from({ length: 16 }, (_, i) => client.workflow.start(benchSignalTarget, { taskQueue: 'bench-noop', workflowId: `bench-signal-${runTag}-${i}` })));
  const r = await closedLoop(1000, 16, (i) => targets[i % targets.length]!.signal(benchPing, i));
  await Promise.all(targets.map((t) => t.signal(benchDone)));
  return { perSecond: rate(r.latencies.length, r.ms), p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99) };
}

async function bareInsert(topology: Topology): Promise<{ perSecond: number; p50: number; p99: number }> {
  const pool = topology.product.pool;
  await pool.query('CREATE TABLE IF NOT EXISTS bench_inserts (id bigserial PRIMARY KEY, k text NOT NULL UNIQUE, at timestamptz NOT NULL DEFAULT now())');
  const tag = Date.now().toString(36);
  const r = await closedLoop(2000, 8, (i) => pool.query('INSERT INTO bench_inserts (k) VALUES ($1)', [`${tag}-${i}`]));
  return { perSecond: rate(r.latencies.length, r.ms), p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99) };
}

// ---------------------------------------------------------------- memory

interface MemorySample {
  t: number;
  workers: Record<string, WorkerStats>;
}

function memoryTotals(sample: MemorySample | undefined) {
  const stats = Object.values(sample?.workers ?? {});
  return { rss: stats.reduce((s, w) => s + w.rssBytes, 0), heap: stats.reduce((s, w) => s + w.heapUsedBytes, 0), cached: stats.reduce((s, w) => s + w.cachedWorkflows, 0) };
}

// ---------------------------------------------------------------- one topology

async function benchTopology(kind: 'dev-server' | 'cluster', args: Args) {
  const env = parseEnv({ ...process.env, DEMO: 'false' });
  const dataDir = mkdtempSync(join(tmpdir(), `dunning-bench-${kind}-`));
  const samples: MemorySample[] = [];
  let latest: MemorySample = { t: Date.now(), workers: {} };
  progress(`${kind}: starting (data in ${dataDir}) with ${args.workers} worker processes, cache ${env.WORKER_MAX_CACHED_WORKFLOWS} each`);
  const topology = await startTopology({
    temporal: kind,
    workers: args.workers,
    dataDir,
    env,
    sqlitePragmas: args.sqliteDefaults ? [] : undefined,
    // A full collection before each memory sample (src/worker.ts): the heap figures are retained memory.
    // BENCH_WORKER_NODE_OPTIONS adds Node options to the workers only (e.g. `--cpu-prof --cpu-prof-dir=DIR` for a profile).
    workerEnv: { NODE_OPTIONS: ['--expose-gc', process.env.BENCH_WORKER_NODE_OPTIONS].filter(Boolean).join(' '), WORKER_STATS_INTERVAL_MS: '3000' },
    log: (line) => progress(`${kind}: ${line}`),
    onWorkerStats: (name, stats) => {
      latest = { t: Date.now(), workers: { ...latest.workers, [name]: stats } };
    },
  });
  const sampler = setInterval(() => samples.push(latest), 1000);
  const client = topology.product.client;
  const pool = topology.product.pool;
  const rows: Row[] = [];
  const result: Record<string, unknown> = { kind, numHistoryShards: topology.temporal.numHistoryShards, workers: args.workers, tuning: workerTuning(env), databasePoolMax: env.DATABASE_POOL_MAX };
  const noopConnection = await NativeConnection.connect({ address: topology.temporal.address });
  // The product's client seals every payload: the no-op worker reads them with the same keys.
  const noopWorker = await Worker.create({ connection: noopConnection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: 'bench-noop', workflowsPath: require.resolve('./noop.workflows'), dataConverter: topology.product.encryption.dataConverter });
  const noopRunning = noopWorker.run();
  const runTag = Date.now().toString(36);
  try {
    progress(`${kind}: ceilings (1,000 bare starts, 1,000 bare signals, 2,000 bare inserts)`);
    const firstStart = await bareStartRate(client, runTag);
    await drained(client, kind);
    const signal = await bareSignal(client, runTag);
    await drained(client, kind);
    const insert = await bareInsert(topology);

    rows.push({ figure: 'bare signal (16 at a time)', value: `p50 ${signal.p50.toFixed(1)} ms, p99 ${signal.p99.toFixed(1)} ms`, ceiling: '—', ratio: '—', note: `${signal.perSecond}/s` });
    rows.push({ figure: 'bare Postgres insert (8 at a time)', value: `p50 ${insert.p50.toFixed(1)} ms, p99 ${insert.p99.toFixed(1)} ms`, ceiling: '—', ratio: '—', note: `${insert.perSecond}/s` });

    // Enrolled as the API and the CSV import do: no cadence named, the creditor's segmentation picks
    // one when the account opens (the bench creditor's is the standard cadence, as named before).
    const named = loadCadenceFile(join(ROOT, 'cadences', 'standard.json'));
    const enrollOptions = { settings: renderSettings(env), taskQueue: env.TEMPORAL_TASK_QUEUE, creditors: topology.product.creditors };
    progress(`${kind}: enrollment's parts, workers idle (3 × 1,000 no-op starts: an account's input; with its search attributes and summaries; under an account's own data key)`);
    const parts = await enrollmentParts(client, runTag, enrollOptions, named);
    result.enrollmentParts = parts;
    // Bare starts again, after the parts: the ceiling is the better of the two, so that a quieter
    // moment for the bare figure does not flatter or hurt the ratios measured between them.
    progress(`${kind}: 1,000 bare starts again`);
    const againStart = await bareStartRate(client, `${runTag}b`);
    await drained(client, kind);
    const start = againStart.perSecond > firstStart.perSecond ? againStart : firstStart;
    result.ceilings = { start, firstStart, againStart, signal, insert };
    rows.unshift({ figure: 'bare no-op workflow starts (16 at a time; the better of two runs)', value: `${start.perSecond}/s`, ceiling: '—', ratio: '1.00', note: `p50 ${start.p50.toFixed(1)} ms; runs ${firstStart.perSecond}/s and ${againStart.perSecond}/s` });
    rows.push({ figure: "no-op starts carrying an account's encrypted input", value: `${parts.input!.perSecond}/s`, ceiling: `${start.perSecond}/s bare starts`, ratio: (parts.input!.perSecond / start.perSecond).toFixed(2), note: `p50 ${parts.input!.p50.toFixed(1)} ms` });
    rows.push({ figure: '… and its search attributes and summaries', value: `${parts['input+visibility']!.perSecond}/s`, ceiling: `${start.perSecond}/s bare starts`, ratio: (parts['input+visibility']!.perSecond / start.perSecond).toFixed(2), note: `p50 ${parts['input+visibility']!.p50.toFixed(1)} ms` });
    const whole = parts['input+visibility+account key']!;
    rows.push({ figure: '… and sealed with a data key of the account\'s own (enrollment\'s whole start, workers idle)', value: `${whole.perSecond}/s`, ceiling: `${start.perSecond}/s bare starts`, ratio: (whole.perSecond / start.perSecond).toFixed(2), note: `p50 ${whole.p50.toFixed(1)} ms` });
    const withCadence = parts['named cadence']!;
    rows.push({ figure: '… with a cadence named at enrollment (CLI `--cadence`: its templates in the input)', value: `${withCadence.perSecond}/s`, ceiling: `${start.perSecond}/s bare starts`, ratio: (withCadence.perSecond / start.perSecond).toFixed(2), note: `p50 ${withCadence.p50.toFixed(1)} ms` });
    const baseline = memoryTotals(latest);
    result.memoryBaseline = baseline;
    if (args.ceilingsOnly) return { result, rows };

    // ---- enrollment and first notices, open accounts accumulating
    const firstNotice: Record<string, unknown>[] = [];
    let enrolled = 0;
    let firstT0 = 0;
    let cacheFull: { rss: number; heap: number; open: number } | null = null;
    const cap = env.WORKER_MAX_CACHED_WORKFLOWS * args.workers;
    for (const n of args.firstNotice) {
      const batch = benchAccounts('BENCH', n - enrolled, { from: enrolled });
      progress(`${kind}: enrolling ${batch.length} accounts (${enrolled} already open), waiting for ${n} first notices`);
      const t0 = Date.now();
      firstT0 ||= t0;
      const enrollment = await enrollWithProgress(client, batch, { ...enrollOptions, progress: (l) => progress(`${kind}: ${l}`) });
      const done = await waitForSent(pool, 'validation-notice', 'BENCH', n, { progress: (l) => progress(`${kind}: ${l}`) });
      const ms = done.at - t0;
      enrolled = n;
      const mem = memoryTotals(latest);
      if (!cacheFull && mem.cached >= 0.95 * cap) cacheFull = { rss: mem.rss, heap: mem.heap, open: n };
      firstNotice.push({ n, enrollment, reached: done.reached, count: done.count, seconds: ms / 1000, perSecond: rate(n - (n - batch.length), ms), sinceFirstEnrollmentSeconds: (done.at - firstT0) / 1000, memory: mem });
      rows.push({ figure: `enrollment of ${batch.length} accounts (${n - batch.length} open)`, value: `${enrollment.perSecond.toFixed(1)}/s`, ceiling: `${start.perSecond}/s bare starts`, ratio: (enrollment.perSecond / start.perSecond).toFixed(2), note: enrollment.failed ? `${enrollment.failed} failed: ${enrollment.firstError}` : undefined });
      rows.push({
        figure: `first notices, accounts ${n - batch.length + 1}–${n}`,
        value: `${rate(batch.length, ms)}/s, last after ${(ms / 1000).toFixed(0)} s${done.reached ? '' : ` (stalled at ${done.count})`}`,
        ceiling: `${start.perSecond}/s bare starts`,
        ratio: (rate(batch.length, ms) / start.perSecond).toFixed(2),
        note: `workers' RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, ${mem.cached} cached`,
      });
    }
    result.firstNotice = firstNotice;
    if (firstNotice.length > 1) {
      const firstRate = firstNotice[0]!.perSecond as number;
      const lastRate = firstNotice[firstNotice.length - 1]!.perSecond as number;
      rows.push({ figure: `first-notice rate at ${enrolled} open ÷ rate at ${args.firstNotice[0]}`, value: (lastRate / firstRate).toFixed(2), ceiling: 'target ≥ 0.8', ratio: '—' });
    }

    // ---- memory per cached and per open account
    const end = memoryTotals(latest);
    const perCached = end.cached > 0 ? (Math.min(end.rss, cacheFull?.rss ?? end.rss) - baseline.rss) / Math.min(end.cached, cap) : NaN;
    const perCachedHeap = end.cached > 0 ? (Math.min(end.heap, cacheFull?.heap ?? end.heap) - baseline.heap) / Math.min(end.cached, cap) : NaN;
    const perOpen = cacheFull && enrolled > cacheFull.open ? (end.rss - cacheFull.rss) / (enrolled - cacheFull.open) : NaN;
    const perOpenHeap = cacheFull && enrolled > cacheFull.open ? (end.heap - cacheFull.heap) / (enrolled - cacheFull.open) : NaN;
    result.memory = { baseline, end, cacheFull, perCachedBytes: perCached, perCachedHeapBytes: perCachedHeap, perOpenBeyondCacheBytes: perOpen, perOpenBeyondCacheHeapBytes: perOpenHeap, cap };
    rows.push({ figure: 'worker memory per cached account (RSS growth ÷ cached)', value: `${(perCached / 1024).toFixed(0)} KiB RSS, ${(perCachedHeap / 1024).toFixed(0)} KiB heap`, ceiling: `cache ${env.WORKER_MAX_CACHED_WORKFLOWS}/worker`, ratio: '—', note: `RSS ${(baseline.rss / 2 ** 20).toFixed(0)} → ${(end.rss / 2 ** 20).toFixed(0)} MiB over ${args.workers} workers` });
    rows.push({
      figure: 'worker memory per open account once the cache is full',
      value: Number.isNaN(perOpen) ? 'cache never filled (raise --first-notice or lower WORKER_MAX_CACHED_WORKFLOWS)' : `${(perOpen / 1024).toFixed(1)} KiB RSS, ${(perOpenHeap / 1024).toFixed(1)} KiB heap`,
      ceiling: 'bounded: ≈ 0',
      ratio: '—',
      note: cacheFull ? `from ${cacheFull.open} to ${enrolled} open accounts` : undefined,
    });

    // ---- a burst of reminders due in the same minute
    if (args.burst > 0) result.burst = await burst(kind, topology, args.burst, start.perSecond, firstNotice, rows);

    // ---- payment webhook → ledger, open loop
    if (args.webhookSeconds > 0) result.webhook = await webhookLoad(kind, topology, enrolled, args.webhookSeconds, signal, insert, rows);
  } finally {
    clearInterval(sampler);
    noopWorker.shutdown();
    await noopRunning.catch(() => undefined);
    await noopConnection.close();
    await topology.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { result, rows };
}

async function burst(kind: string, topology: Topology, n: number, bareStarts: number, firstNotice: Record<string, unknown>[], rows: Row[]) {
  const client = topology.product.client;
  const pool = topology.product.pool;
  const env = topology.product.settings;
  // All in one zone where it is daytime, so one local minute is one instant for every account.
  const zone = benchAccounts('PROBE', 1)[0]!.timezone;
  const noticeRate = Math.max(1, (firstNotice[0]?.perSecond as number | undefined) ?? 5);
  // Enrollment plus every first notice must be done before the minute falls due; the first batch's rate, with a margin.
  const leadMs = Math.max(90_000, (n / noticeRate) * 1200 + 60_000);
  const due = localMinuteAhead(zone, leadMs);
  if (due.localHour >= 20) progress(`${kind}: burst due at ${due.hhmm} ${zone}: close to the end of the contact window`);
  const prefix = `BURST${Date.now().toString(36).toUpperCase()}`;
  const cadence = burstCadence(`bench-burst-${prefix.toLowerCase()}`, due.hhmm);
  progress(`${kind}: burst: enrolling ${n} accounts in ${zone}, every reminder due at ${due.hhmm} local (${new Date(due.atMs).toISOString()})`);
  const accounts = benchAccounts(prefix, n, { zone });
  const enrollment = await enrollWithProgress(client, accounts, { cadence, settings: renderSettings(env), taskQueue: env.TEMPORAL_TASK_QUEUE, creditors: topology.product.creditors, progress: (l) => progress(`${kind}: burst ${l}`) });
  const noticesBefore = await waitForSent(pool, 'validation-notice', prefix, n, { stallSeconds: Math.max(5, (due.atMs - Date.now()) / 1000 - 5), progress: (l) => progress(`${kind}: burst ${l}`) });
  const wait = due.atMs - Date.now();
  if (wait > 0) {
    progress(`${kind}: burst: ${noticesBefore.count}/${n} first notices out; ${Math.round(wait / 1000)} s until the reminders fall due`);
    await new Promise((r) => setTimeout(r, wait));
  } else progress(`${kind}: burst: the due minute passed before every account was enrolled and noticed (${noticesBefore.count}/${n}); the burst mixes with enrollment`);
  const done = await waitForSent(pool, 'burst-reminder', prefix, n, { progress: (l) => progress(`${kind}: burst ${l}`), everyMs: 5000 });
  const times = await sentTimes(pool, 'burst-reminder', prefix);
  const delays = times.map((t) => (t - due.atMs) / 1000);
  const drainSeconds = Math.max(...delays);
  const perSecond = times.length / Math.max(drainSeconds, 0.001);
  const out = { n, zone, dueAt: new Date(due.atMs).toISOString(), enrollment, readyBeforeDue: noticesBefore.count, sent: times.length, reached: done.reached, drainSeconds, perSecond, p50DelaySeconds: percentile(delays, 50), p99DelaySeconds: percentile(delays, 99) };
  rows.push({
    figure: `burst: ${n} reminders due in the same minute`,
    value: `all sent ${drainSeconds.toFixed(0)} s after due (${perSecond.toFixed(1)}/s; p50 delay ${out.p50DelaySeconds.toFixed(0)} s)`,
    ceiling: `${bareStarts}/s bare starts`,
    ratio: (perSecond / bareStarts).toFixed(2),
    note: `${noticesBefore.count}/${n} waiting when due${done.reached ? '' : `; stalled at ${done.count}`}`,
  });
  return out;
}

async function webhookLoad(
  kind: string,
  topology: Topology,
  openAccounts: number,
  seconds: number,
  signal: { p50: number; p99: number },
  insert: { p50: number; p99: number },
  rows: Row[],
) {
  const pool = topology.product.pool;
  const secret = topology.product.settings.PAYMENT_WEBHOOK_SECRET;
  const url = `${topology.product.apiUrl}/webhooks/payments`;
  let seq = 0;
  const tag = Date.now().toString(36);
  const sentAt = new Map<string, number>();
  /** One signed payment; resolves with its id once the webhook answered 202 (anything else rejects). */
  const pay = async () => {
    const i = seq++;
    const accountId = `BENCH-${String((i % openAccounts) + 1).padStart(6, '0')}`;
    const paymentId = `BENCHPAY-${tag}-${i}`;
    const raw = JSON.stringify({ eventId: `evt-${tag}-${i}`, type: 'payment.succeeded', creditorId: BENCH_CREDITOR, accountId, payment: { paymentId, amountMinor: 1, currency: 'USD' } });
    const t = Math.floor(Date.now() / 1000);
    sentAt.set(paymentId, Date.now());
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': `t=${t},v1=${signPaymentWebhook(secret, t, raw)}` }, body: raw });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}`);
    return paymentId;
  };
  /**
   * The postings of these accepted payments (the webhook answered 202), waiting up to two minutes
   * for the last. `recorded_at` is the posting transaction's start (Postgres's now(), on this host):
   * early by one ledger transaction, a few milliseconds. The posting is a local activity inside the
   * account's workflow task; what follows its commit is that task's completion.
   */
  const postings = async (accepted: string[], what: string) => {
    const deadline = Date.now() + 120_000;
    let posted: { idempotency_key: string; recorded_at: Date }[] = [];
    for (;;) {
      ({ rows: posted } = await pool.query(`SELECT idempotency_key, recorded_at FROM ledger_transactions WHERE idempotency_key = ANY($1)`, [accepted.map((id) => `payment/${BENCH_CREDITOR}/${id}`)]));
      if (posted.length >= accepted.length) return { posted, complete: true };
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    progress(`${kind}: webhook: only ${posted.length} of ${accepted.length} accepted payments (${what}) were posted within two minutes`);
    return { posted, complete: false };
  };
  const ceiling = 2 * (signal.p99 + insert.p99);

  // The maximum: 16 at a time as fast as the webhook answers, then until the last of those payments
  // is posted. Two rates come of it: the webhook's own (202s per second) and the pipeline's
  // (payments posted per second, from the first request to the last posting), the rate the product
  // can sustain. The open-loop loads are fractions of the pipeline's: a fraction of the 202 rate
  // can be more than the postings keep up with, and then every figure grows with the run's length.
  // The open loop starts once the closed loop's postings are in, so their backlog is not its cost.
  progress(`${kind}: webhook: closed loop, 16 at a time, ${Math.min(seconds, 15)} s, for the maximum rate`);
  const acceptedInLoop: string[] = [];
  const loopStarted = Date.now();
  const max = await closedLoop(Number.MAX_SAFE_INTEGER, 16, async () => void acceptedInLoop.push(await pay()), Math.min(seconds, 15) * 1000);
  if (max.errors > 0) progress(`${kind}: webhook: ${max.errors} errors in the closed loop, first: ${max.firstError}`);
  const acceptRate = rate(max.latencies.length, max.ms);
  progress(`${kind}: webhook: ${acceptRate}/s answered 202; waiting for their postings`);
  const loop = await postings(acceptedInLoop, 'closed loop');
  const lastPosting = Math.max(loopStarted + 1, ...loop.posted.map((p) => p.recorded_at.getTime()));
  const pipelineRate = rate(loop.posted.length, lastPosting - loopStarted);
  const out: Record<string, unknown> = { acceptPerSecond: acceptRate, pipelinePerSecond: pipelineRate, closedLoopP99: percentile(max.latencies, 99), closedLoopPosted: loop.posted.length, closedLoopAccepted: acceptedInLoop.length };
  rows.push({
    figure: 'payment webhook maximum (closed loop, 16 at a time)',
    value: `${acceptRate}/s answered 202; ${pipelineRate}/s posted (first request to last posting)`,
    ceiling: '—',
    ratio: '—',
    note: `${loop.posted.length}/${acceptedInLoop.length} posted${loop.complete ? '' : ' within two minutes: the maximum is not measured'}${max.errors ? `, ${max.errors} errors` : ''}`,
  });
  if (!loop.complete || pipelineRate <= 0) return out;
  progress(`${kind}: webhook: ${loop.posted.length} posted, ${pipelineRate}/s from the first request to the last posting`);

  for (const load of [0.5, 0.9]) {
    const perSecond = pipelineRate * load;
    const total = Math.max(1, Math.round(perSecond * seconds));
    progress(`${kind}: webhook: open loop at ${perSecond.toFixed(1)}/s (${load * 100}% of the pipeline's maximum) for ${seconds} s`);
    const latencies: number[] = [];
    const accepted: string[] = [];
    let errors = 0;
    const t0 = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let k = 0; k < total; k++) {
      const at = t0 + (k / perSecond) * 1000;
      const delay = at - Date.now();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const started = performance.now();
      inFlight.push(
        pay().then(
          (id) => void (latencies.push(performance.now() - started), accepted.push(id)),
          () => void (errors += 1),
        ),
      );
    }
    await Promise.all(inFlight);
    // Ledger latency: from the request's send to the posting.
    const { posted, complete } = await postings(accepted, `${load * 100}% load`);
    const timed = posted.map((p) => {
      const sent = sentAt.get(p.idempotency_key.split('/').pop()!)!;
      return { sent, ms: p.recorded_at.getTime() - sent };
    });
    const ledger = timed.map((p) => p.ms);
    // A sustainable rate keeps the ledger latency level: the last third of the sends fares no worse than the first.
    const third = (from: number, to: number) => percentile(timed.filter((p) => p.sent >= t0 + from * seconds * 1000 && p.sent < t0 + to * seconds * 1000).map((p) => p.ms), 50);
    const result = { perSecond, sent: total, accepted: accepted.length, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99), posted: posted.length, ledgerP50: percentile(ledger, 50), ledgerP99: percentile(ledger, 99), ledgerP50FirstThird: third(0, 1 / 3), ledgerP50LastThird: third(2 / 3, 2) };
    out[`load${load * 100}`] = result;
    rows.push({
      figure: `payment webhook at ${load * 100}% of the pipeline's maximum (${perSecond.toFixed(1)}/s, open loop)`,
      value: `202 p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms; ledger p50 ${result.ledgerP50.toFixed(0)} ms, p99 ${result.ledgerP99.toFixed(0)} ms`,
      ceiling: `2×(bare signal p99 + bare insert p99) = ${ceiling.toFixed(0)} ms`,
      ratio: (result.p99 / ceiling).toFixed(2),
      note: `${result.posted}/${accepted.length} posted${complete ? '' : ' within two minutes'}${errors ? `, ${errors} errors` : ''}; ledger p50 ${result.ledgerP50FirstThird.toFixed(0)} ms in the first third of the sends, ${result.ledgerP50LastThird.toFixed(0)} ms in the last`,
    });
  }
  return out;
}

// ---------------------------------------------------------------- actions per 90-day account

const CADENCE_ACCOUNTS: Record<string, Partial<AccountProfile>> = {
  standard: { creditorId: 'cred-first-card', product: 'credit_card' },
  demo: { creditorId: 'cred-cloudly', product: 'saas' },
  utility: { creditorId: 'cred-metro-power', product: 'utility', serviceId: 'SVC-1' },
  'auto-loan': { creditorId: 'cred-swift-auto', product: 'auto_loan', collateralVin: '1HGCM82633A004352' },
  medical: { creditorId: 'cred-valley-clinic', product: 'medical', insuranceClaimId: 'CLM-1' },
};

/** History events by type (rows) per cadence (columns). */
function eventsByTypeTable(perCadence: Record<string, ActionCount>): string {
  const names = Object.keys(perCadence);
  const types = [...new Set(names.flatMap((n) => Object.keys(perCadence[n]!.eventsByType)))].sort();
  const lines = [`| event type | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`];
  for (const type of types) lines.push(`| ${type} | ${names.map((n) => perCadence[n]!.eventsByType[type] ?? 0).join(' | ')} |`);
  lines.push(`| **events** | ${names.map((n) => perCadence[n]!.events).join(' | ')} |`, `| **billable actions** | ${names.map((n) => perCadence[n]!.billableActions).join(' | ')} |`);
  return lines.join('\n');
}

async function actionsPerAccount(): Promise<{ perCadence: Record<string, ActionCount>; rows: Row[]; eventsTable: string }> {
  progress('actions: time-skipping test server, one account per shipped cadence for 90 simulated days (no payment)');
  const serverPath = execFileSync('bash', [join(ROOT, 'scripts', 'ensure-test-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const scratch = mkdtempSync(join(tmpdir(), 'dunning-bench-actions-'));
  const db = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg'), port: await freeLoopbackPort(), database: 'dunning' });
  const pool = createPool(db.url);
  const [smtp, twilio, webhooks] = await Promise.all([startSmtpSink({ directory: join(scratch, 'email') }), startTwilioSink({ directory: join(scratch, 'sms') }), startWebhookSink({ secret: 'local-creditor-webhook-secret' })]);
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: serverPath } } });
  try {
    await runMigrations(pool);
    await syncCadenceFiles(createCadenceRepository(pool), join(ROOT, 'cadences'));
    await registerSearchAttributes(env.connection, 'default');
    const creditors = parseCreditorDirectory(JSON.parse(readFileSync(LOCAL_CREDITORS_FILE, 'utf8').replaceAll('http://127.0.0.1:8027', webhooks.baseUrl)));
    const settings = parseEnv({});
    // A keyring of this run only: the payloads are encrypted as in production (the cost is the same).
    const encryption = await createPayloadEncryption({ pool, keyring: [{ id: 'bench', key: randomBytes(32) }], namespace: 'default' });
    const { worker, close } = await createDunningWorker({
      dataConverter: encryption.dataConverter,
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: 'bench-actions',
      pool,
      smtpUrl: smtp.url,
      emailFrom: settings.EMAIL_FROM,
      optOutEmail: settings.OPT_OUT_EMAIL,
      twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+15005550006', apiBaseUrl: twilio.baseUrl },
      creditors,
      letters: createFolderLetterGateway(join(scratch, 'letters')),
    });
    const perCadence: Record<string, ActionCount> = {};
    try {
      const started = await worker.runUntil(async () => {
        const handles: Record<string, { workflowId: string; runId: string }> = {};
        for (const [name, overrides] of Object.entries(CADENCE_ACCOUNTS)) {
          const cadence = loadCadenceFile(join(ROOT, 'cadences', name.endsWith('.json') ? name : `${name}${['standard', 'demo'].includes(name) ? '.json' : '.yaml'}`));
          const account = { ...benchAccounts(`ACT${name.toUpperCase().replace(/\W/g, '')}`, 1, {})[0]!, timezone: 'America/New_York', address: { line1: '1 Main St', city: 'Springfield', region: 'NY', postalCode: '12207', country: 'US' }, phone: '+12125551234', ...overrides };
          const r = await enrollAccount(env.client, { account, cadence, settings: renderSettings(settings), taskQueue: 'bench-actions', creditors });
          const description = await env.client.workflow.getHandle(r.workflowId).describe();
          handles[name] = { workflowId: r.workflowId, runId: description.runId };
        }
        await env.sleep('90 days');
        await env.sleep('1 second');
        return handles;
      });
      for (const [name, h] of Object.entries(started)) perCadence[name] = await countActions(env.client, h.workflowId, h.runId);
    } finally {
      close();
      await encryption.close();
    }
    const rows: Row[] = Object.entries(perCadence).map(([name, c]) => ({
      figure: `90-day account on cadence ${name}, no payment`,
      value: `${c.events} events, ${c.billableActions} billable actions`,
      ceiling: '—',
      ratio: '—',
      note: Object.entries(c.actionsByKind).map(([k, v]) => `${k} ${v}`).join(', ') + (c.runs > 1 ? `; ${c.runs} runs` : ''),
    }));
    return { perCadence, rows, eventsTable: eventsByTypeTable(perCadence) };
  } finally {
    await env.teardown();
    await Promise.all([smtp.close(), twilio.close(), webhooks.close()]);
    await pool.end();
    await db.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

function table(rows: Row[]): string {
  const lines = ['| figure | measured | ceiling (same run) | ratio | note |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.figure} | ${r.value} | ${r.ceiling} | ${r.ratio} | ${r.note ?? ''} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const args = parseArgs(process.argv.slice(2));
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, load: readFileSync('/proc/loadavg', 'utf8').trim() };
  progress(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.load}`);
  const report: Record<string, unknown> = { startedAt: new Date().toISOString(), machine, args };
  const sections: string[] = [];
  if (args.topologyPhases)
    for (const kind of args.temporal) {
      const { result, rows } = await benchTopology(kind, args);
      report[kind] = result;
      const title = kind === 'cluster' ? `Temporal server v1.29.1 on Postgres, ${result.numHistoryShards} history shards` : `Temporal CLI dev server (SQLite${args.sqliteDefaults ? ' with its default pragmas' : ', WAL, synchronous=normal'}), 1 history shard`;
      sections.push(`### ${title}, ${args.workers} worker processes\n\n${table(rows)}`);
      process.stdout.write(`\n${sections[sections.length - 1]}\n`);
    }
  if (args.actions) {
    const { perCadence, rows, eventsTable } = await actionsPerAccount();
    report.actions = perCadence;
    sections.push(`### Events and billable actions per account, 90 days\n\n${table(rows)}\n\n${eventsTable}`);
    process.stdout.write(`\n${sections[sections.length - 1]}\n`);
  }
  report.finishedAt = new Date().toISOString();
  mkdirSync(args.out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(args.out, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(args.out, `bench-${stamp}.md`), `Machine: ${machine.cpus} cores, ${machine.memoryGiB} GiB, ${machine.node}, load at start ${machine.load}\n\n${sections.join('\n\n')}\n`);
  progress(`written ${join(args.out, `bench-${stamp}.json`)} and .md`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
