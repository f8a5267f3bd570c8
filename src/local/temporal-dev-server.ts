/**
 * Runs `temporal server start-dev` (the Temporal CLI's dev server with its UI) on a SQLite file
 * that survives restarts, with the product's search attributes registered.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const PROJECT_ROOT = join(__dirname, '..', '..', '..');

/** Finds or builds the CLI through scripts/ensure-temporal-cli.sh (PATH, TEMPORAL_CLI_PATH, cache, go install). */
export async function resolveTemporalCli(cliPath?: string): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(PROJECT_ROOT, 'scripts', 'ensure-temporal-cli.sh')], {
    env: { ...process.env, ...(cliPath ? { TEMPORAL_CLI_PATH: cliPath } : {}) },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stderr?: string }) => {
    throw new Error(`Temporal CLI not available:\n${error.stderr ?? String(error)}`);
  });
  return stdout.trim().split('\n').pop()!;
}

/** The dev server's SQLite settings (README, Tuning). */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function waitForPort(host: string, port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect({ host, port }, () => { socket.destroy(); done(true); });
      socket.on('error', () => done(false));
    });
    if (open) return;
    if (!isAlive()) throw new Error(`process exited before ${host}:${port} opened`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function spawnServer(cliPath: string, args: string[], logFile: string): { child: ChildProcess; exited: () => boolean } {
  const child: ChildProcess = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const killOnExit = () => child.kill('SIGTERM'); // never leave an orphaned server holding the ports
  process.once('exit', killOnExit);
  child.once('exit', () => { exited = true; process.off('exit', killOnExit); });
  return { child, exited: () => exited };
}

/** The last lines of a log file, for an error message (empty when it cannot be read). */
function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startTemporalDevServer(options: {
  cliPath: string;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  searchAttributes: string[];
  logFile: string;
  /** The UI's remote codec (--ui-codec-endpoint): the UI decrypts payloads through it. */
  uiCodecEndpoint?: string;
  /** Default SQLITE_PRAGMAS; [] for the dev server's own defaults (the bench compares both). */
  sqlitePragmas?: string[];
}): Promise<DevServer> {
  mkdirSync(dirname(resolve(options.dbFile)), { recursive: true });
  mkdirSync(dirname(resolve(options.logFile)), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', resolve(options.dbFile),
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--log-level', 'warn',
    // Write-ahead log and fewer fsyncs: readers stop blocking the single writer, and a commit no
    // longer waits for a disk flush (a crash of the machine may lose the last commits, never corrupt
    // the file). README, Tuning; `npm run bench -- --sqlite-defaults` runs without them to compare.
    ...(options.sqlitePragmas ?? SQLITE_PRAGMAS).flatMap((pragma) => ['--sqlite-pragma', pragma]),
    ...options.searchAttributes.flatMap((sa) => ['--search-attribute', sa]),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  // A server that exits before its port opens is started again, twice at most: a restart on the
  // same ports can lose a race with the previous process's sockets or with another process taking a
  // free port the server picks for itself (its HTTP and metrics ports). The error carries the log's tail.
  let server!: ReturnType<typeof spawnServer>;
  for (let attempt = 1; ; attempt++) {
    const started = (server = spawnServer(options.cliPath, args, options.logFile));
    try {
      await waitForPort('127.0.0.1', options.port, 60_000, () => !started.exited());
      await waitForPort('127.0.0.1', options.uiPort, 30_000, () => !started.exited());
      break;
    } catch (error) {
      started.child.kill('SIGKILL');
      if (started.exited() && attempt < 3) {
        await new Promise((r) => setTimeout(r, 2_000 * attempt));
        continue;
      }
      throw new Error(`Temporal dev server did not start (${(error as Error).message}); see ${options.logFile}:\n${logTail(options.logFile)}`);
    }
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: () =>
      new Promise((done) => {
        const { child } = server;
        if (server.exited()) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
