/**
 * The worker against the Temporal CLI dev server that `npm start` runs, started by the product's
 * own launcher: visibility queries on search attributes, the command line, and a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { enrollAccount } from '../src/client/accounts.client';
import { resolveTemporalCli, startTemporalDevServer, type DevServer } from '../src/local/temporal-dev-server';
import { runCli, EXIT } from '../src/starter';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../src/workflows/definitions';
import { makeAccount, makeDaytimeAccount, settings, SHARED_DATA, standardCadence } from './helpers/fixtures';
import { createTestWorker, quietRuntime, startSinks, TEST_PAYLOAD_KEYS, type Sinks } from './helpers/stack';

const TASK_QUEUE = 'dunning-dev-test';
const freePort = () => new Promise<number>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); }); });

let scratch: string;
let server: DevServer;
let ports: { port: number; uiPort: number };
let sinks: Sinks;
let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let closeWorker: () => void;
let running: Promise<void>;

async function startServer() {
  server = await startTemporalDevServer({
    cliPath: await resolveTemporalCli(process.env.TEMPORAL_CLI_PATH),
    dbFile: join(scratch, 'temporal.db'),
    ...ports,
    namespace: 'default',
    searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
    logFile: join(scratch, 'server.log'),
  });
}

async function startWorker() {
  nativeConnection = await NativeConnection.connect({ address: server.address });
  ({ worker, close: closeWorker } = await createTestWorker(nativeConnection, 'default', sinks, TASK_QUEUE));
  running = worker.run();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: 'default', dataConverter: sinks.encryption.dataConverter });
}

async function stopWorker() {
  worker.shutdown();
  await running;
  closeWorker();
  await nativeConnection.close();
  await connection.close();
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function cli(args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runCli(args, (text) => { output += text; });
  return { code, output };
}

before(async () => {
  quietRuntime();
  scratch = mkdtempSync(join(tmpdir(), 'dunning-dev-'));
  ports = { port: await freePort(), uiPort: await freePort() };
  sinks = await startSinks();
  await startServer();
  await startWorker();
  Object.assign(process.env, { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, TEMPORAL_NAMESPACE: 'default', DATABASE_URL: sinks.databaseUrl, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS });
});

after(async () => {
  await stopWorker().catch(() => undefined);
  await server?.stop();
  await sinks?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('on the Temporal CLI dev server', () => {
  it('finds an enrolled account by a visibility query on its search attributes', async () => {
    // Real time here: the debtor lives where it is daytime, so the contact window lets the first notice out now.
    const account = makeDaytimeAccount({ creditorId: 'cred-visible', product: 'auto_loan', balanceMinor: 1500_00 });
    await enrollAccount(client, { account, cadence: standardCadence(), settings, taskQueue: TASK_QUEUE });
    const query = `DunningCreditorId = 'cred-visible' AND DunningProduct = 'auto_loan' AND DunningStage = 'reminding' AND DunningBalanceDue >= 100000`;
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, 'the account in visibility');
    assert.deepEqual(found, [`account/cred-visible/${account.accountId}`]);
    await eventually(async () => (sinks.smtp.messages().some((m) => m.to.includes(account.email!)) ? true : undefined), 'the first notice');
  });

  it('the command line dry run reports every bad row and enrolls nothing', async () => {
    const { code, output } = await cli(['enroll', join(SHARED_DATA, 'malformed-accounts.csv'), '--dry-run', '--json']);
    assert.equal(code, EXIT.rejectedRows);
    const report = JSON.parse(output);
    assert.equal(report.valid, 1);
    assert.deepEqual(report.rejected.map((r: { line: number; field: string }) => `${r.line}:${r.field}`), [
      '2:balance_cents', '3:email', '4:phone', '5:timezone', '6:balance_cents', '7:creditor_id', '8:due_date', '9:currency',
    ]);
    const count = await client.workflow.count(`DunningCreditorId = 'cred-metro-power'`);
    assert.equal(count.count, 0);
  });

  it('the command line enrolls good rows, rejects bad ones with line and field, and never enrolls twice', async () => {
    const portfolio = readFileSync(join(SHARED_DATA, 'portfolio', 'accounts.csv'), 'utf8').split('\n');
    const small = join(scratch, 'first-three.csv');
    writeFileSync(small, portfolio.slice(0, 4).join('\n') + '\n');
    const first = await cli(['enroll', small]);
    assert.equal(first.code, EXIT.ok, first.output);
    assert.match(first.output, /^3 enrolled, 0 already enrolled, 0 failed, 0 rejected/);

    const second = await cli(['enroll', join(SHARED_DATA, 'malformed-accounts.csv')]);
    assert.equal(second.code, EXIT.rejectedRows);
    assert.match(second.output, /^0 enrolled, 1 already enrolled, 0 failed, 8 rejected/);
    assert.match(second.output, /rejected line 6 \(ACC-BAD-0005\): balance_cents: must be whole minor units/);
    assert.match(second.output, /line 10: account\/cred-metro-power\/ACC-07-0000001 already enrolled; nothing started/);

    const again = await cli(['enroll', small, '--json']);
    assert.deepEqual(JSON.parse(again.output).results.map((r: { status: string }) => r.status), ['already_enrolled', 'already_enrolled', 'already_enrolled']);
  });

  it('the command line reports a payment and shows the account; bad input and unknown accounts fail clearly', async () => {
    const paid = await cli(['pay', 'cred-metro-power', 'ACC-07-0000001', 'PAY-CLI-1', '46012', 'USD']);
    assert.equal(paid.code, EXIT.ok, paid.output);
    const status = await eventually(async () => {
      const { output } = await cli(['status', 'cred-metro-power', 'ACC-07-0000001', '--json']);
      const state = JSON.parse(output);
      return state.stage === 'paid' ? state : undefined;
    }, 'the account to be paid');
    assert.equal(status.balance.amountMinor, 0);
    assert.equal(status.payments[0].paymentId, 'PAY-CLI-1');

    const decimal = await cli(['pay', 'cred-metro-power', 'ACC-07-0000002', 'PAY-CLI-2', '12.50', 'USD']);
    assert.equal(decimal.code, EXIT.usage);
    assert.match(decimal.output, /amountMinor: must be a whole number of minor units/);
    const unknown = await cli(['pay', 'cred-metro-power', 'NO-SUCH', 'PAY-CLI-3', '100', 'USD']);
    assert.equal(unknown.code, EXIT.account);
    assert.match(unknown.output, /no account cred-metro-power\/NO-SUCH is enrolled/);
    // A paid account stays open for returned payments: money that still arrives is kept as a credit, not refused.
    const late = await cli(['pay', 'cred-metro-power', 'ACC-07-0000001', 'PAY-CLI-4', '100', 'USD']);
    assert.equal(late.code, EXIT.ok, late.output);
    const credited = await eventually(async () => {
      const { output } = await cli(['status', 'cred-metro-power', 'ACC-07-0000001', '--json']);
      const state = JSON.parse(output);
      return state.creditBalance?.amountMinor === 100 ? state : undefined;
    }, 'the late payment to be held as a credit');
    assert.equal(credited.stage, 'paid');
    // An account an operator closed is finished: a payment for it is refused, not lost silently.
    assert.equal((await cli(['close', 'cred-metro-power', 'ACC-07-0000003', '--reason', 'sold to another agency'])).code, EXIT.ok);
    const closed = await eventually(async () => {
      const attempt = await cli(['pay', 'cred-metro-power', 'ACC-07-0000003', 'PAY-CLI-5', '100', 'USD']);
      return attempt.code === EXIT.account ? attempt : undefined;
    }, 'the closed account to refuse payments');
    assert.match(closed.output, /is completed; payment PAY-CLI-5 is kept as unapplied money for an operator/);
  });

  it('the command line records compliance events, refuses malformed ones, and exports the compliance report', async () => {
    const account = makeDaytimeAccount({ creditorId: 'cred-visible' });
    const from = new Date(Date.now() - 60_000).toISOString();
    await enrollAccount(client, { account, cadence: standardCadence(), settings, taskQueue: TASK_QUEUE });
    await eventually(async () => (sinks.smtp.messages().some((m) => m.to.includes(account.email!)) ? true : undefined), 'the first notice');
    const optOut = await cli(['event', account.creditorId, account.accountId, JSON.stringify({ kind: 'opt_out', channel: 'email', address: account.email, source: 'operator' })]);
    assert.equal(optOut.code, EXIT.ok, optOut.output);
    const state = await eventually(async () => {
      const { output } = await cli(['status', account.creditorId, account.accountId, '--json']);
      const parsed = JSON.parse(output);
      return parsed.compliance.optOuts.length === 1 ? parsed : undefined;
    }, 'the opt-out to be recorded');
    assert.deepEqual(state.compliance.optOuts, [{ channel: 'email', address: account.email }]);
    const bad = await cli(['event', account.creditorId, account.accountId, JSON.stringify({ kind: 'opt_out', channel: 'fax', address: '1', source: 'operator' })]);
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.output, /channel/);
    const report = await cli(['report', 'compliance', '--from', from, '--to', new Date(Date.now() + 60_000).toISOString(), '--creditor', 'cred-visible', '--csv']);
    assert.equal(report.code, EXIT.ok, report.output);
    assert.match(report.output, /^period_from,period_to,creditor_id,account_key,section,measure,rule,channel,count\r\n/);
    assert.match(report.output, /by_rule,allowed,allowed,email,[1-9]/);
  });

  it('keeps accounts across a restart of the server and the worker', async () => {
    const account = makeAccount({ creditorId: 'cred-restart' });
    await enrollAccount(client, { account, cadence: standardCadence(), settings, taskQueue: TASK_QUEUE });
    await stopWorker();
    await server.stop();
    await startServer();
    await startWorker();
    const description = await client.workflow.getHandle(`account/cred-restart/${account.accountId}`).describe();
    assert.equal(description.status.name, 'RUNNING');
    const again = await enrollAccount(client, { account, cadence: standardCadence(), settings, taskQueue: TASK_QUEUE });
    assert.equal(again.status, 'already_enrolled');
  });
});
