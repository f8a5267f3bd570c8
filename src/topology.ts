/**
 * `npm run topology`: the production topology on one machine. Temporal's own server v1.29.1 with
 * persistence and visibility on Postgres and several history shards (src/local/temporal-cluster.ts),
 * Temporal's UI server pointed at it, the product's HTTP service and sinks (src/product.ts without
 * an in-process worker), and two or more worker processes (src/worker.ts), each its own Node.js
 * process as on separate machines. The benchmark (`npm run bench`) and the topology test start the
 * same thing, and can put the dev server in the cluster's place to compare the two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres } from './local/embedded-postgres';
import { freeLoopbackPort } from './local/loopback';
import { resolveTemporalServerBinaries, startTemporalCluster, startTemporalUi } from './local/temporal-cluster';
import { resolveTemporalCli, startTemporalDevServer } from './local/temporal-dev-server';
import { LOCAL_CREDITORS_FILE, startProduct, type Product } from './product';
import { ensureLocalPayloadKeyFile, LOCAL_PAYLOAD_KEY_FILE } from './local/payload-keys';
import { parseEnv, type Env } from './schemas/config.schema';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from './workflows/definitions';

const LOCAL_WEBHOOK_BASE_URL = 'http://127.0.0.1:8027';

/** One `worker-stats` line of a worker process (src/worker.ts, WORKER_STATS_INTERVAL_MS). */
export interface WorkerStats {
  at: string;
  pid: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  cachedWorkflows: number;
  inFlightActivations: number;
  inFlightActivities: number;
  state: string;
}

export interface WorkerProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The latest stats line (with WORKER_STATS_INTERVAL_MS > 0). */
  stats: WorkerStats | null;
  exited: Promise<number | null>;
  /** SIGTERM (the SDK drains), then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

/** Starts `node dist/src/worker.js` with the given settings; its output goes to logFile. */
export function startWorkerProcess(name: string, env: Record<string, string>, logFile: string, onStats?: (stats: WorkerStats) => void): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'worker.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const handle: WorkerProcess = {
    name,
    pid: child.pid!,
    child,
    stats: null,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolvePromise, reject) => {
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('worker-stats ')) {
        handle.stats = JSON.parse(line.slice('worker-stats '.length)) as WorkerStats;
        onStats?.(handle.stats);
        if (!ready) {
          ready = true;
          resolvePromise(handle);
        }
      } else log.write(`${line}\n`);
    });
    void exited.then((code) => {
      if (!ready) reject(new Error(`worker ${name} exited (${code}) before it polled; see ${logFile}`));
    });
  });
}

export interface Topology {
  kind: 'cluster' | 'dev-server';
  product: Product;
  workers: WorkerProcess[];
  /** The settings every worker process got (to start another one the same way). */
  workerEnv: Record<string, string>;
  temporal: { address: string; uiUrl: string | null; numHistoryShards: number };
  postgresUrl: string;
  dataDir: string;
  startWorker(name: string, extraEnv?: Record<string, string>): Promise<WorkerProcess>;
  /** Dev server only: stops Temporal and starts it again on the same port and SQLite file (the fault suite). */
  restartTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  /** Temporal's server v1.29.1 on Postgres (default), or the CLI's dev server on SQLite. */
  temporal?: 'cluster' | 'dev-server';
  /** Worker processes (default 2). */
  workers?: number;
  /** History shards of a new cluster (default 8). */
  numHistoryShards?: number;
  /** Where everything keeps its data (default .data/topology). */
  dataDir?: string;
  /** An existing Postgres server (DATABASE_URL) instead of an embedded one; Temporal gets its own databases on it. */
  databaseUrl?: string;
  /** Loopback ports; 0 or absent: free ports (Temporal's frontend defaults to 7233, the UI to 8233, the API to 8080). */
  ports?: { temporal?: number; ui?: number; api?: number; postgres?: number };
  /** Settings of the product and its workers (WORKER_*, DATABASE_POOL_MAX, …); default: the process's environment. */
  env?: Env;
  /** Extra variables for the worker processes only (e.g. WORKER_STATS_INTERVAL_MS). */
  workerEnv?: Record<string, string>;
  /** Dev server only: its SQLite pragmas ([] for its defaults). */
  sqlitePragmas?: string[];
  demo?: boolean;
  log?: (line: string) => void;
  onWorkerStats?: (name: string, stats: WorkerStats) => void;
}

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const say = options.log ?? (() => undefined);
  const kind = options.temporal ?? 'cluster';
  const given = options.env ?? parseEnv();
  const dataDir = resolve(options.dataDir ?? join(given.DUNNING_DATA_DIR, 'topology'));
  // The product and every worker process share one keyring of payload encryption: this topology's
  // own key file (made once in its data folder) unless PAYLOAD_KEYS or PAYLOAD_KEYS_FILE name one.
  mkdirSync(dataDir, { recursive: true });
  const keyFile = join(dataDir, LOCAL_PAYLOAD_KEY_FILE);
  if (!given.PAYLOAD_KEYS && !given.PAYLOAD_KEYS_FILE) ensureLocalPayloadKeyFile(keyFile);
  const env: Env = given.PAYLOAD_KEYS || given.PAYLOAD_KEYS_FILE ? given : { ...given, PAYLOAD_KEYS_FILE: keyFile };
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const step of stops.reverse()) await Promise.resolve().then(step).catch((error) => say(`while stopping: ${(error as Error).message}`));
  };
  const port = async (wanted: number | undefined) => (wanted && wanted > 0 ? wanted : freeLoopbackPort());
  try {
    let postgresUrl = options.databaseUrl ?? env.DATABASE_URL;
    if (!postgresUrl) {
      const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: await port(options.ports?.postgres), database: 'dunning' });
      stops.push(db.stop);
      postgresUrl = db.url;
      say(`Postgres (embedded) at ${new URL(db.url).host}, data in ${db.dataDir}`);
    }
    const productDb = postgresUrl;
    const adminUrl = new URL(postgresUrl);
    adminUrl.pathname = '/postgres';

    let address: string;
    let uiUrl: string | null = null;
    let restartTemporal = async (): Promise<void> => {
      throw new Error('only the dev server can be restarted in place');
    };
    let numHistoryShards = 1;
    if (kind === 'cluster') {
      const binaries = await resolveTemporalServerBinaries();
      const cluster = await startTemporalCluster({
        binaries,
        postgresUrl: adminUrl.toString(),
        databasePrefix: `temporal_${new URL(productDb).pathname.slice(1).replace(/\W/g, '_')}`,
        numHistoryShards: options.numHistoryShards,
        frontendPort: await port(options.ports?.temporal),
        namespace: env.TEMPORAL_NAMESPACE,
        dataDir: join(dataDir, 'temporal'),
        log: say,
      });
      stops.push(cluster.stop);
      address = cluster.address;
      numHistoryShards = cluster.numHistoryShards;
      const ui = await startTemporalUi({ uiServer: binaries.uiServer, temporalAddress: address, port: await port(options.ports?.ui), namespace: env.TEMPORAL_NAMESPACE, dataDir: join(dataDir, 'ui') });
      stops.push(ui.stop);
      uiUrl = ui.url;
      say(`Temporal UI (ui-server v2.42.1) at ${ui.url}`);
    } else {
      const devServerOptions = {
        cliPath: await resolveTemporalCli(env.TEMPORAL_CLI_PATH),
        dbFile: join(dataDir, 'temporal-dev', 'temporal.db'),
        port: await port(options.ports?.temporal),
        uiPort: await port(options.ports?.ui),
        namespace: env.TEMPORAL_NAMESPACE,
        searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
        logFile: join(dataDir, 'temporal-dev', 'server.log'),
        sqlitePragmas: options.sqlitePragmas,
      };
      let server = await startTemporalDevServer(devServerOptions);
      stops.push(() => server.stop());
      restartTemporal = async () => {
        await server.stop();
        server = await startTemporalDevServer(devServerOptions);
      };
      address = server.address;
      uiUrl = server.uiUrl;
      say(`Temporal dev server at ${address} (SQLite, one history shard), UI at ${uiUrl}`);
    }

    const product = await startProduct({
      env: { ...env, TEMPORAL_ADDRESS: address },
      dataDir,
      databaseUrl: productDb,
      ports: {
        api: await port(options.ports?.api),
        smtpSink: await freeLoopbackPort(),
        smsSink: await freeLoopbackPort(),
        webhookSink: await freeLoopbackPort(),
        paymentSink: await freeLoopbackPort(),
        skipTraceSink: await freeLoopbackPort(),
        payerSink: await freeLoopbackPort(),
      },
      demo: options.demo ?? false,
      inProcessWorker: false,
      temporalUiUrl: uiUrl ?? undefined,
      log: say,
    });
    stops.push(product.stop);

    // The worker processes reach the same sinks and creditors' stand-in as the product does.
    const creditorsFile = join(dataDir, 'creditors.topology.json');
    if (!env.CREDITORS_FILE) writeFileSync(creditorsFile, readFileSync(LOCAL_CREDITORS_FILE, 'utf8').replaceAll(LOCAL_WEBHOOK_BASE_URL, product.sinks.webhooks!.baseUrl));
    const twilioSink = product.sinks.twilio;
    const workerEnv: Record<string, string> = {
      ...stringEnv(env),
      TEMPORAL_ADDRESS: address,
      DATABASE_URL: productDb,
      SMTP_URL: env.SMTP_URL ?? product.sinks.smtp!.url,
      CREDITORS_FILE: env.CREDITORS_FILE ?? creditorsFile,
      LETTERS_DIR: product.sinks.lettersDir,
      // Only an https base (a real deployment's) goes to the workers: they sign unsubscribe links and
      // ask Twilio for status callbacks with it, and refuse plain http outside the embedded local mode.
      ...(env.PUBLIC_BASE_URL?.startsWith('https://') ? { PUBLIC_BASE_URL: env.PUBLIC_BASE_URL } : {}),
      ...(env.PAYLOAD_KEYS_FILE ? { PAYLOAD_KEYS_FILE: env.PAYLOAD_KEYS_FILE } : {}),
      ...(twilioSink ? { TWILIO_ACCOUNT_SID: twilioSink.accountSid, TWILIO_AUTH_TOKEN: twilioSink.authToken, TWILIO_FROM: '+15005550006', TWILIO_API_BASE_URL: twilioSink.baseUrl } : {}),
      WORKER_STATS_INTERVAL_MS: '1000',
      ...options.workerEnv,
    };
    const workers: WorkerProcess[] = [];
    const startWorker = async (name: string, extraEnv: Record<string, string> = {}) => {
      const worker = await startWorkerProcess(name, { ...workerEnv, ...extraEnv }, join(dataDir, `${name}.log`), (stats) => options.onWorkerStats?.(name, stats));
      workers.push(worker);
      say(`worker process ${name} (pid ${worker.pid}) polling task queue "${env.TEMPORAL_TASK_QUEUE}"`);
      return worker;
    };
    stops.push(() => Promise.all(workers.map((w) => w.stop())).then(() => undefined));
    for (let i = 1; i <= (options.workers ?? 2); i++) await startWorker(`worker-${i}`);

    return {
      kind,
      product,
      workers,
      workerEnv,
      temporal: { address, uiUrl, numHistoryShards },
      postgresUrl: productDb,
      dataDir,
      startWorker,
      restartTemporal,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function stringEnv(env: Env): Record<string, string> {
  // Only the settings a worker reads that are not set per process below.
  const keys = ['TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'EMAIL_FROM', 'OPT_OUT_EMAIL', 'UNSUBSCRIBE_SECRET', 'CADENCES_DIR', 'DATABASE_POOL_MAX',
    'WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 'WORKER_WORKFLOW_TASK_POLLERS', 'WORKER_ACTIVITY_TASK_POLLERS'] as const;
  return Object.fromEntries(keys.map((k) => [k, String(env[k])]));
}

async function main(): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const say = (line: string) => console.log(`[topology] ${line}`);
  const env = parseEnv();
  const workers = Number(process.env.TOPOLOGY_WORKERS ?? 2);
  const startedAt = Date.now();
  const topology = await startTopology({
    temporal: process.env.TOPOLOGY_TEMPORAL === 'dev-server' ? 'dev-server' : 'cluster',
    workers,
    demo: env.DEMO,
    numHistoryShards: process.env.TEMPORAL_HISTORY_SHARDS ? Number(process.env.TEMPORAL_HISTORY_SHARDS) : undefined,
    env,
    ports: { temporal: env.TEMPORAL_DEV_PORT, ui: env.TEMPORAL_UI_PORT, api: env.API_PORT, postgres: env.EMBEDDED_POSTGRES_PORT + 1 },
    log: say,
  });
  say(`ready in ${Math.round((Date.now() - startedAt) / 100) / 10} s`);
  const ui = topology.product.uiWorkflowsUrl(`WorkflowType="accountWorkflow"`);
  if (ui) say(`Temporal UI: ${ui}`);
  say(`HTTP service at ${topology.product.apiUrl}; enroll with TEMPORAL_ADDRESS=${topology.temporal.address} DATABASE_URL=${topology.postgresUrl} node dist/src/starter.js enroll FILE`);
  say('Stop with Ctrl-C.');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  say('stopping: workers first, then the HTTP service, Temporal and Postgres');
  await topology.stop();
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
