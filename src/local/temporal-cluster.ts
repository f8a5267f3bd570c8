/**
 * Temporal's own server (v1.29.1, built by scripts/ensure-temporal-server.sh) as a production
 * deployment runs it, on this machine: persistence and visibility on Postgres (the embedded one
 * or DATABASE_URL's server), schemas set up and updated by Temporal's SQL tool, several history
 * shards, the namespace registered with its retention, the product's search attributes added.
 * All four services (frontend, history, matching, worker) run in one process here; docs/deploy.md
 * says how they are split and scaled for real. Temporal's UI server can be pointed at it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Client as PgClient } from 'pg';
import { registerSearchAttributes } from '../client/search-attributes';
import { freeLoopbackPort } from './loopback';
import { waitForPort } from './temporal-dev-server';

const PROJECT_ROOT = join(__dirname, '..', '..', '..');

/** Finds or builds temporal-server, temporal-sql-tool and temporal-ui-server (scripts/ensure-temporal-server.sh). */
export async function resolveTemporalServerBinaries(): Promise<{ server: string; sqlTool: string; uiServer: string }> {
  const { stdout } = await promisify(execFile)('bash', [join(PROJECT_ROOT, 'scripts', 'ensure-temporal-server.sh')], { maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stderr?: string }) => {
      throw new Error(`Temporal server not available:\n${error.stderr ?? String(error)}`);
    },
  );
  const dir = stdout.trim().split('\n').pop()!;
  return { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool'), uiServer: join(dir, 'temporal-ui-server') };
}

export interface TemporalCluster {
  /** The frontend, host:port. */
  address: string;
  namespace: string;
  numHistoryShards: number;
  /** The Postgres databases holding Temporal's persistence and visibility. */
  databases: { persistence: string; visibility: string };
  /** Ends the server process (SIGTERM, then SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  binaries: { server: string; sqlTool: string };
  /** A Postgres server Temporal may create its two databases on (a superuser, or one with CREATEDB). */
  postgresUrl: string;
  /** Database names: `${prefix}` and `${prefix}_visibility` (default `temporal`). */
  databasePrefix?: string;
  /** Fixed once the databases exist (a cluster cannot change it later): 8 by default here; see docs/deploy.md. */
  numHistoryShards?: number;
  /** The frontend's gRPC port (default 7233); the other services take free ports. */
  frontendPort?: number;
  namespace: string;
  retentionDays?: number;
  /** Configuration, dynamic configuration and the server's log go here. */
  dataDir: string;
  /** Connections each Temporal process keeps to Postgres for persistence (default 20). */
  maxConns?: number;
  log?: (line: string) => void;
}

async function sqlTool(tool: string, db: { host: string; port: string; user: string; password: string }, database: string, args: string[]): Promise<void> {
  await promisify(execFile)(tool, ['--plugin', 'postgres12', '--endpoint', db.host, '--port', db.port, '--user', db.user, '--password', db.password, '--database', database, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stderr?: string; stdout?: string }) => {
    throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${(error.stderr || error.stdout || String(error)).trim()}`);
  });
}

/** Creates Temporal's two databases when missing and brings their schemas to the server's version with the SQL tool. */
export async function setUpTemporalSchemas(options: { sqlTool: string; postgresUrl: string; persistence: string; visibility: string }): Promise<void> {
  const url = new URL(options.postgresUrl);
  const db = { host: url.hostname, port: url.port || '5432', user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  const admin = new PgClient({ connectionString: options.postgresUrl });
  await admin.connect();
  const fresh: string[] = [];
  try {
    for (const name of [options.persistence, options.visibility]) {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
        fresh.push(name);
      }
    }
  } finally {
    await admin.end();
  }
  for (const [name, schema] of [[options.persistence, 'postgresql/v12/temporal'], [options.visibility, 'postgresql/v12/visibility']] as const) {
    // setup-schema -v 0.0 only creates the versioning tables; update-schema applies every versioned step (idempotent).
    if (fresh.includes(name)) await sqlTool(options.sqlTool, db, name, ['setup-schema', '-v', '0.0']);
    await sqlTool(options.sqlTool, db, name, ['update-schema', '--schema-name', schema]);
  }
}

function serverConfig(o: { url: URL; persistence: string; visibility: string; shards: number; maxConns: number; ports: Record<'frontend' | 'http' | 'history' | 'matching' | 'worker' | 'mFrontend' | 'mHistory' | 'mMatching' | 'mWorker' | 'metrics', number>; dynamicConfig: string }): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${o.url.hostname}:${o.url.port || '5432'}"
        connectProtocol: "tcp"
        user: ${JSON.stringify(decodeURIComponent(o.url.username))}
        password: ${JSON.stringify(decodeURIComponent(o.url.password))}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Written by src/local/temporal-cluster.ts; regenerated at every start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${o.shards}
  datastores:
    postgres-default:${store(o.persistence, o.maxConns)}
    postgres-visibility:${store(o.visibility, Math.max(2, Math.floor(o.maxConns / 4)))}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${o.ports.metrics}"
services:
  frontend:${service(o.ports.frontend, o.ports.mFrontend, o.ports.http)}
  matching:${service(o.ports.matching, o.ports.mMatching)}
  history:${service(o.ports.history, o.ports.mHistory)}
  worker:${service(o.ports.worker, o.ports.mWorker)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${o.ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: ${JSON.stringify(o.dynamicConfig)}
  pollInterval: "10s"
`;
}

/** Dynamic configuration: search attributes usable as soon as they are added (as the dev server does). */
const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
    constraints: {}
`;

export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const say = options.log ?? (() => undefined);
  const prefix = options.databasePrefix ?? 'temporal';
  const databases = { persistence: prefix, visibility: `${prefix}_visibility` };
  const shards = options.numHistoryShards ?? 8;
  await setUpTemporalSchemas({ sqlTool: options.binaries.sqlTool, postgresUrl: options.postgresUrl, ...databases });
  say(`Temporal schemas ready in databases ${databases.persistence} and ${databases.visibility}`);

  const configDir = join(options.dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamicConfig = join(configDir, 'dynamic.yaml');
  writeFileSync(dynamicConfig, DYNAMIC_CONFIG);
  const frontend = options.frontendPort ?? 7233;
  // Temporal keeps membership ports in a smallint column: every internal port is taken below 32768.
  const internal = () => freeLoopbackPort({ from: 20_000, to: 32_000 });
  const ports = {
    frontend,
    http: await internal(),
    history: await internal(),
    matching: await internal(),
    worker: await internal(),
    mFrontend: await internal(),
    mHistory: await internal(),
    mMatching: await internal(),
    mWorker: await internal(),
    metrics: await internal(),
  };
  writeFileSync(join(configDir, 'cluster.yaml'), serverConfig({ url: new URL(options.postgresUrl), ...databases, shards, maxConns: options.maxConns ?? 20, ports, dynamicConfig }));

  const logFile = join(options.dataDir, 'server.log');
  const server = spawnLogged(options.binaries.server, ['--root', options.dataDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], logFile, 15_000);
  const stop = server.stop;
  try {
    await waitForPort('127.0.0.1', frontend, 120_000, server.alive);
    const address = `127.0.0.1:${frontend}`;
    const connection = await Connection.connect({ address });
    try {
      await registerNamespace(connection, options.namespace, options.retentionDays ?? 30);
      const added = await registerSearchAttributes(connection, options.namespace);
      if (added.length > 0) say(`search attributes registered: ${added.join(', ')}`);
    } finally {
      await connection.close();
    }
    say(`Temporal server v1.29.1 at ${address}: ${shards} history shards, persistence and visibility on Postgres (log ${logFile})`);
    return { address, namespace: options.namespace, numHistoryShards: shards, databases, stop };
  } catch (error) {
    await stop();
    throw new Error(`Temporal server did not start (${(error as Error).message}); see ${logFile}`, { cause: error });
  }
}

/** A server process whose output goes to a log file, ended with the calling process, stopped with SIGTERM then SIGKILL. */
function spawnLogged(binary: string, args: string[], logFile: string, graceMs: number): { alive(): boolean; stop(): Promise<void> } {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
    process.off('exit', killOnExit);
  });
  return {
    alive: () => !exited,
    stop: () =>
      new Promise<void>((done) => {
        if (exited) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
      }),
  };
}

const GRPC_ALREADY_EXISTS = 6;

/** Registers the namespace (once) and waits until the frontend serves it. */
export async function registerNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`) });
      break;
    } catch (error) {
      if ((error as { code?: number }).code === GRPC_ALREADY_EXISTS) break;
      // The frontend answers before the history service has joined the ring: retry for a while.
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      await connection.workflowService.listOpenWorkflowExecutions({ namespace, maximumPageSize: 1 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface TemporalUi {
  url: string;
  stop(): Promise<void>;
}

/** Temporal's UI server (the same UI the dev server embeds) pointed at any frontend. */
export async function startTemporalUi(options: { uiServer: string; temporalAddress: string; port: number; namespace: string; dataDir: string }): Promise<TemporalUi> {
  const configDir = join(options.dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'cluster.yaml'),
    `temporalGrpcAddress: ${options.temporalAddress}\nhost: 127.0.0.1\nport: ${options.port}\nenableUi: true\ndefaultNamespace: ${JSON.stringify(options.namespace)}\nhideLogs: true\ncors:\n  cookieInsecure: true\n  unsafeAllowAllOrigins: true\n`,
  );
  const ui = spawnLogged(options.uiServer, ['--root', options.dataDir, '--config', 'config', '--env', 'cluster', 'start'], join(options.dataDir, 'ui-server.log'), 5_000);
  const stop = ui.stop;
  try {
    await waitForPort('127.0.0.1', options.port, 30_000, ui.alive);
  } catch (error) {
    await stop();
    throw new Error(`Temporal UI server did not start (${(error as Error).message}); see ${join(options.dataDir, 'ui-server.log')}`);
  }
  return { url: `http://127.0.0.1:${options.port}`, stop };
}
