/**
 * The command line: enroll accounts from the standard CSV, report payments, read an account.
 *
 *   node dist/src/starter.js enroll <accounts.csv> [--cadence cadences/standard.json] [--dry-run] [--json]
 *   node dist/src/starter.js pay <creditorId> <accountId> <paymentId> <amountMinor> <currency> [--json]
 *   node dist/src/starter.js status <creditorId> <accountId> [--json]
 *   node dist/src/starter.js pause|resume|skip|repeat|close <creditorId> <accountId> --reason "…" [--operator name]
 *   node dist/src/starter.js move <creditorId> <accountId> <cadence> [--version N] --reason "…"
 *   node dist/src/starter.js event <creditorId> <accountId> '<json>'   e.g. '{"kind":"dispute","via":"letter"}'
 *   node dist/src/starter.js report compliance --from <ISO> --to <ISO> [--creditor id] [--account creditor/account] [--csv]
 *   node dist/src/starter.js cadence validate <file.yaml|json>
 *   node dist/src/starter.js cadence save <file.yaml|json>        (DATABASE_URL, default: the embedded one)
 *
 * Exit codes: 0 success; 1 bad usage or configuration; 2 some input rows rejected (the rest applied);
 * 3 the account is unknown or closed; 4 Temporal could not be reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCreditorDirectory } from './schemas/creditors.schema';
import { Client, Connection } from '@temporalio/client';
import { AccountError, accountState, controlAccount, enrollAccounts, reportComplianceEvent, reportPayment, type OperatorControl } from './client/accounts.client';
import { complianceReport, complianceReportCsv } from './adapters/compliance-report';
import { accountKey } from './domain/account';
import { createCadenceRepository } from './adapters/cadence.repository';
import { createPool } from './adapters/postgres';
import { formatMoney } from './domain/money';
import { formatRowError, parseAccountsCsv } from './schemas/account-csv';
import { loadCadenceFile } from './schemas/cadence.schema';
import { ConfigError, parseEnv, renderSettings, type Env } from './schemas/config.schema';
import { temporalConnectionOptions } from './temporal-connection';

export const EXIT = { ok: 0, usage: 1, rejectedRows: 2, account: 3, unavailable: 4 } as const;

class UsageError extends Error {}

interface Output {
  json: boolean;
  print(human: string, data: unknown): void;
}

async function connect(env: Env): Promise<{ client: Client; close(): Promise<void> }> {
  const address = env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_DEV_PORT}`;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(env, address), connectTimeout: '5s' });
  } catch (error) {
    const failure = new Error(`cannot reach Temporal at ${address} (is \`npm start\` running, or TEMPORAL_ADDRESS set?): ${(error as Error).message}`);
    (failure as Error & { exitCode: number }).exitCode = EXIT.unavailable;
    throw failure;
  }
  return { client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }), close: () => connection.close() };
}

/** Runs fn with a Temporal client and always closes the connection. */
async function withClient<T>(env: Env, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connect(env);
  try {
    return await fn(client);
  } finally {
    await close();
  }
}

async function enroll(args: string[], flags: Set<string>, options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('enroll needs the path of an accounts CSV file');
  // Without --cadence the creditor's segmentation picks the cadence when the workflow starts.
  const cadenceFile = options.get('cadence');
  const cadence = cadenceFile ? loadCadenceFile(cadenceFile) : undefined;
  const parsed = parseAccountsCsv(readFileSync(file, 'utf8'));
  const rejected = parsed.errors.map((e) => ({ ...e, text: formatRowError(e) }));
  if (flags.has('dry-run')) {
    out.print(
      [`${parsed.accounts.length} valid rows, ${rejected.length} errors (dry run: nothing enrolled)`, ...rejected.map((r) => `  rejected ${r.text}`)].join('\n'),
      { dryRun: true, valid: parsed.accounts.length, rejected },
    );
    return rejected.length > 0 ? EXIT.rejectedRows : EXIT.ok;
  }
  return withClient(env, async (client) => {
    const results = await enrollAccounts(client, parsed.accounts.map((a) => a.account), {
      cadence,
      settings: renderSettings(env),
      creditors: creditorDirectory(env),
      taskQueue: env.TEMPORAL_TASK_QUEUE,
    });
    const rows = results.map((r, i) => ({ line: parsed.accounts[i]!.line, ...r }));
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    out.print(
      [
        `${count('started')} enrolled, ${count('already_enrolled')} already enrolled, ${count('failed')} failed, ${rejected.length} rejected (cadence: ${cadence ? `${cadence.name} v${cadence.version}` : 'by segmentation'})`,
        ...rejected.map((r) => `  rejected ${r.text}`),
        ...rows.filter((r) => r.status === 'already_enrolled').map((r) => `  line ${r.line}: ${r.workflowId} already enrolled; nothing started`),
        ...rows.filter((r) => r.status === 'failed').map((r) => `  line ${r.line}: ${r.workflowId} failed: ${'error' in r ? r.error : ''}`),
      ].join('\n'),
      { cadence: cadence ? { name: cadence.name, version: cadence.version } : null, results: rows, rejected },
    );
    return rejected.length > 0 || count('failed') > 0 ? EXIT.rejectedRows : EXIT.ok;
  });
}

async function pay(args: string[], env: Env, out: Output): Promise<number> {
  const [creditorId, accountId, paymentId, amount, currency] = args;
  if (!creditorId || !accountId || !paymentId || !amount || !currency)
    throw new UsageError('pay needs <creditorId> <accountId> <paymentId> <amountMinor> <currency>');
  if (!/^\d+$/.test(amount)) throw new UsageError(`amountMinor: must be a whole number of minor units (cents), got "${amount}"`);
  return withClient(env, async (client) => {
    await reportPayment(client, creditorId, accountId, { paymentId, amountMinor: Number(amount), currency });
    out.print(`payment ${paymentId} of ${formatMoney({ amountMinor: Number(amount), currency })} reported to ${creditorId}/${accountId}`, { reported: true, paymentId });
    return EXIT.ok;
  });
}

async function status(args: string[], env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = args;
  if (!creditorId || !accountId) throw new UsageError('status needs <creditorId> <accountId>');
  return withClient(env, async (client) => {
    const state = await accountState(client, creditorId, accountId);
    out.print(
      [
        `${state.accountKey}: ${state.stage}, balance ${formatMoney(state.balance)} (cadence ${state.cadence.name} v${state.cadence.version})`,
        `next: ${state.nextAction ? `${state.nextAction.description} at ${state.nextAction.at}` : 'nothing scheduled'}`,
        ...state.contacts.map((c) => `  ${c.at} ${c.channel} ${c.stepId} ${c.status}${c.reason ? ` (${c.reason})` : ''}`),
        ...state.payments.map((p) => `  ${p.receivedAt} payment ${p.paymentId} ${formatMoney(p.amount)} ${p.status}${p.reason ? ` (${p.reason})` : ''}`),
      ].join('\n'),
      state,
    );
    return EXIT.ok;
  });
}

async function control(command: OperatorControl | 'move', args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId, cadence] = args;
  const reason = options.get('reason');
  if (!creditorId || !accountId) throw new UsageError(`${command} needs <creditorId> <accountId>`);
  if (!reason) throw new UsageError(`${command} needs --reason "…" (it is kept in the account's history)`);
  if (command === 'move' && !cadence) throw new UsageError('move needs the name of a saved cadence');
  const version = options.get('version');
  if (version !== undefined && !/^\d+$/.test(version)) throw new UsageError(`--version must be a whole number, got "${version}"`);
  return withClient(env, async (client) => {
    const state = await controlAccount(client, creditorId, accountId, command, { reason, operator: options.get('operator'), cadence, version: version ? Number(version) : undefined });
    out.print(`${state.accountKey}: ${state.stage} (cadence ${state.cadence.name} v${state.cadence.version})`, state);
    return EXIT.ok;
  });
}

async function cadenceCommand(args: string[], env: Env, out: Output): Promise<number> {
  const [verb, file] = args;
  if ((verb !== 'validate' && verb !== 'save') || !file) throw new UsageError('cadence validate <file> | cadence save <file>');
  const cadence = loadCadenceFile(file); // throws with the step and field at fault
  if (verb === 'validate') {
    out.print(`${file}: cadence ${cadence.name} v${cadence.version} is valid (${cadence.steps.length} steps)`, { valid: true, name: cadence.name, version: cadence.version });
    return EXIT.ok;
  }
  const pool = createPool(databaseUrl(env), 1);
  try {
    const { status } = await createCadenceRepository(pool).save(cadence, file);
    out.print(`cadence ${cadence.name} v${cadence.version} ${status}`, { name: cadence.name, version: cadence.version, status });
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

async function eventCommand(args: string[], env: Env, out: Output): Promise<number> {
  const [creditorId, accountId, json] = args;
  if (!creditorId || !accountId || !json) throw new UsageError(`event needs <creditorId> <accountId> '<json>'`);
  let event: unknown;
  try {
    event = JSON.parse(json);
  } catch {
    throw new UsageError('the event must be JSON, e.g. \'{"kind":"dispute","via":"letter"}\'');
  }
  return withClient(env, async (client) => {
    await reportComplianceEvent(client, creditorId, accountId, event);
    out.print(`${(event as { kind: string }).kind} recorded for ${creditorId}/${accountId}`, { recorded: true });
    return EXIT.ok;
  });
}

/** The creditor directory, for each creditor's own contact rules; the local one unless CREDITORS_FILE names another. */
function creditorDirectory(env: Env) {
  const path = env.CREDITORS_FILE ?? join(__dirname, '..', '..', 'config', 'creditors.local.json');
  return env.CREDITORS_FILE || existsSync(path) ? loadCreditorDirectory(path) : undefined;
}

function databaseUrl(env: Env): string {
  return env.DATABASE_URL ?? `postgres://dunning:dunning-local@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/dunning`;
}

async function reportCommand(args: string[], flags: Set<string>, options: Map<string, string>, env: Env, write: (text: string) => void): Promise<number> {
  if (args[0] !== 'compliance') throw new UsageError('report compliance --from <ISO> --to <ISO> [--creditor id] [--account creditor/account] [--csv]');
  const from = options.get('from');
  const to = options.get('to');
  if (!from || !to) throw new UsageError('report compliance needs --from and --to (ISO date-times with a zone)');
  const account = options.get('account');
  const [accountCreditor, accountId] = account?.split('/') ?? [];
  const pool = createPool(databaseUrl(env), 1);
  try {
    const report = await complianceReport(pool, {
      from,
      to,
      creditorId: options.get('creditor'),
      accountKey: accountCreditor && accountId ? accountKey(accountCreditor, accountId) : undefined,
    });
    write(flags.has('csv') ? complianceReportCsv(report) : JSON.stringify(report, null, flags.has('json') ? 0 : 2) + '\n');
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

export async function runCli(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (['--cadence', '--reason', '--operator', '--version', '--from', '--to', '--creditor', '--account'].includes(arg)) options.set(arg.slice(2), argv[++i] ?? '');
    else if (arg.startsWith('--')) flags.add(arg.slice(2));
    else positional.push(arg);
  }
  const out: Output = {
    json: flags.has('json'),
    print: (human, data) => write(flags.has('json') ? JSON.stringify(data) + '\n' : human + '\n'),
  };
  const [command, ...args] = positional;
  try {
    const env = parseEnv();
    switch (command) {
      case 'enroll':
        return await enroll(args, flags, options, env, out);
      case 'pay':
        return await pay(args, env, out);
      case 'status':
        return await status(args, env, out);
      case 'pause':
      case 'resume':
      case 'skip':
      case 'repeat':
      case 'close':
      case 'move':
        return await control(command, args, options, env, out);
      case 'cadence':
        return await cadenceCommand(args, env, out);
      case 'event':
        return await eventCommand(args, env, out);
      case 'report':
        return await reportCommand(args, flags, options, env, write);
      default:
        throw new UsageError(`unknown command ${command ?? '(none)'}; commands: enroll, pay, status, pause, resume, skip, repeat, close, move, event, report, cadence`);
    }
  } catch (error) {
    const code =
      error instanceof UsageError || error instanceof ConfigError
        ? EXIT.usage
        : error instanceof AccountError
          ? ['invalid_payment', 'invalid_event', 'control_refused'].includes(error.code) ? EXIT.usage : EXIT.account
          : ((error as { exitCode?: number }).exitCode ?? EXIT.usage);
    const message = (error as Error).message;
    write(out.json ? JSON.stringify({ error: { code: (error as { code?: string }).code ?? 'error', message } }) + '\n' : `error: ${message}\n`);
    return code;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
