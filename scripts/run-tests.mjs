// Runs the whole test suite: finds or builds the Temporal CLI and the time-skipping test server
// (cached outside the checkout), finds or installs Chromium for the browser tests, starts one embedded Postgres for the run unless DATABASE_URL is
// set, then runs node's test runner over dist/test/**/*.test.js.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ensure = (script) => execFileSync('bash', [join(root, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();

const env = { ...process.env };
env.TEMPORAL_TEST_SERVER_PATH = ensure('ensure-test-server.sh');
env.TEMPORAL_CLI_PATH = ensure('ensure-temporal-cli.sh');
// Chromium (browser tests) comes from the system's packages: installed once when missing and
// possible. When it cannot be, the rest of the suite still runs, and the browser tests fail with
// the script's message saying what to install (they are never skipped).
const chromium = spawnSync('bash', [join(root, 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (chromium.status === 0) env.CHROMIUM_PATH = chromium.stdout.trim().split('\n').pop();
else {
  env.CHROMIUM_UNAVAILABLE = chromium.stderr.trim();
  process.stderr.write(`${chromium.stderr}\n(the browser tests will fail for this reason; the others run)\n`);
}

const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

let database;
let scratch;
if (!env.TEST_DATABASE_URL) {
  if (env.DATABASE_URL) env.TEST_DATABASE_URL = env.DATABASE_URL;
  else {
    const { startEmbeddedPostgres } = require(join(root, 'dist/src/local/embedded-postgres.js'));
    scratch = mkdtempSync(join(tmpdir(), 'dunning-test-pg-'));
    chmodSync(scratch, 0o755); // as root, Postgres runs as its own user, which must reach the data folder
    database = await startEmbeddedPostgres({ dataDir: join(scratch, 'data'), port: await freePort(), database: 'dunning_test' });
    env.TEST_DATABASE_URL = database.url;
  }
}

const testDir = join(root, 'dist', 'test');
const files = [];
const walk = (dir) => readdirSync(dir).forEach((name) => { const p = join(dir, name); if (statSync(p).isDirectory()) walk(p); else if (name.endsWith('.test.js')) files.push(p); });
walk(testDir);
// --topology: the production-topology tests (*.topology-test.js: Temporal's server built with Go,
// minutes of real time) instead of the suite; `npm run test:topology`.
const topologySuite = process.argv.includes('--topology');
if (topologySuite) {
  files.length = 0;
  const walkTopology = (dir) => readdirSync(dir).forEach((name) => { const p = join(dir, name); if (statSync(p).isDirectory()) walkTopology(p); else if (name.endsWith('.topology-test.js')) files.push(p); });
  walkTopology(testDir);
  execFileSync('bash', [join(root, 'scripts', 'ensure-temporal-server.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
// Arguments: file name fragments to select files, and --flags passed to node's test runner.
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const runnerFlags = process.argv.slice(2).filter((a) => a.startsWith('--') && a !== '--topology');
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;

const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', `--test-timeout=${topologySuite ? 900000 : 180000}`, '--test-reporter=spec', ...runnerFlags, ...selected.sort()], { stdio: 'inherit', env, cwd: root });
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});
if (database) await database.stop();
if (scratch) rmSync(scratch, { recursive: true, force: true });
process.exit(code);
