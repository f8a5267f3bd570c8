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
 *   node dist/src/starter.js report portfolio --from YYYY-MM-DD --to YYYY-MM-DD [--creditor id] [--format csv|html|json] [--out FILE]
 *   node dist/src/starter.js cadence validate <file.yaml|json>
 *   node dist/src/starter.js cadence save <file.yaml|json>        (DATABASE_URL, default: the embedded one)
 *   node dist/src/starter.js reverse <creditorId> <accountId> --payment-id P --return-id R --reason insufficient_funds
 *   node dist/src/starter.js promise <creditorId> <accountId> --amount 5000 --date YYYY-MM-DD --channel phone --taken-by NAME
 *   node dist/src/starter.js plan <creditorId> <accountId> --propose [--income N --expenses N --settlement N --start-date YYYY-MM-DD]
 *   node dist/src/starter.js plan <creditorId> <accountId> --frequency monthly [--income N --expenses N --instalment N --down-payment N --settlement N] --accepted-by NAME
 *   node dist/src/starter.js extend <creditorId> <accountId> --until YYYY-MM-DD --reason "…" --granted-by NAME [--approver NAME]
 *   node dist/src/starter.js dispute <creditorId> <accountId> --via phone [--note "…"]
 *   node dist/src/starter.js dial <creditorId> <accountId> --operator NAME [--phone +1…] [--task TASK_ID]   ("dialling now": allow, defer or suppress)
 *   node dist/src/starter.js call-outcome <creditorId> <accountId> <attemptId> no_answer|voicemail|wrong_number|conversation --operator NAME [--note "…"]
 *   node dist/src/starter.js history <creditorId> <accountId> [--json]                  (also DATABASE_URL: the ledger statement)
 *   node dist/src/starter.js unapplied [--creditor <id>] [--json]                        money that reached no account (DATABASE_URL)
 *   node dist/src/starter.js refund-credit <creditorId>/<accountId> <refundId> [--reason "…"]
 *   node dist/src/starter.js apply-credit <creditorId>/<sourceAccountId> <creditorId>/<targetAccountId> <applicationId> [--amount N] [--reason "…"]
 *   node dist/src/starter.js messages [--creditor <id> --account <id>] [--json]         what debtors wrote that a person must read (DATABASE_URL)
 *   node dist/src/starter.js apikey create --creditor <id> [--label "…"] | apikey revoke <keyId> | apikey list [--creditor <id>]
 *   node dist/src/starter.js operator-key create --operator NAME [--creditors <id>[,…]] | operator-key revoke <keyId> | operator-key list
 *   node dist/src/starter.js payload-keys rewrap
 *
 * Exit codes: 0 success; 1 bad usage, configuration or input value (including a promise, plan or
 * extension the creditor's rules refuse: the message names the field); 2 some input rows rejected
 * (the rest applied); 3 the account is unknown or closed; 4 Temporal could not be reached (for
 * refund-credit and apply-credit: the ledger posted, but a workflow was not told; for apply-credit
 * also: an account's workflow could not be asked for its facts, nothing posted; run it again).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { writeCreditReport } from './adapters/credit-report';
import { unclaimedCredits } from './adapters/unclaimed-credits';
import { refundHeldCredit } from './adapters/credit-refund';
import { applyCredit, NotToldError, tellOfRefund, WorkflowUnavailableError } from './client/credits';
import { CreditApplicationRefused } from './domain/credit-application';
import { validateMetro2File } from './domain/metro2/validate';
import { join } from 'node:path';
import { cadenceCreditorProblems, loadCreditorDirectory, unknownCreditor } from './schemas/creditors.schema';
import { Client, Connection } from '@temporalio/client';
import { AccountError, acceptPlan, accountState, controlAccount, dialNow, enrollAccounts, grantExtension, proposePlans, recordCallOutcome, recordPromise, reportComplianceEvent, reportPayment, reportPaymentReturn, type OperatorControl } from './client/accounts.client';
import { accountHistory } from './client/account-history';
import { createOperatorKeyRepository } from './adapters/operator-key.repository';
import { callsElsewhere, reportToDebtor } from './client/debtors';
import { createApiKeyRepository } from './adapters/api-key.repository';
import { createLedgerRepository, type StatementLine } from './adapters/ledger.repository';
import { complianceReport, complianceReportCsv } from './adapters/compliance-report';
import { portfolioReport } from './adapters/portfolio-report';
import { PORTFOLIO_FORMATS, renderPortfolioReport, type PortfolioFormat } from './adapters/portfolio-report-output';
import { accountKey } from './domain/account';
import { createCadenceRepository } from './adapters/cadence.repository';
import { createPool } from './adapters/postgres';
import { createUnappliedPayments, keepUnapplied } from './adapters/unapplied-payments.repository';
import { createDebtorMessageRepository } from './adapters/debtor-message.repository';
import { createPayloadEncryption } from './adapters/payload-encryption';
import { LOCAL_PAYLOAD_KEY_FILE } from './local/payload-keys';
import { operatorKeyCommand, payloadKeysCommand, type KeyCommandIo } from './keys-cli';
import { formatMoney } from './domain/money';
import { formatRowError, parseAccountsCsv } from './schemas/account-csv';
import { cadenceWarnings, loadCadenceFile } from './schemas/cadence.schema';
import { ConfigError, databaseTls, loadPayloadKeyring, parseEnv, renderSettings, type Env } from './schemas/config.schema';
import { controlCharacterProblem } from './schemas/text';
import { temporalConnectionOptions } from './temporal-connection';

export const EXIT = { ok: 0, usage: 1, rejectedRows: 2, account: 3, unavailable: 4 } as const;

class UsageError extends Error {}

interface Output {
  json: boolean;
  print(human: string, data: unknown): void;
}

/** The master keys of payload encryption: the configured ones, else `npm start`'s key file. */
function masterKeys(env: Env) {
  const keyring = loadPayloadKeyring(env, join(env.DUNNING_DATA_DIR, LOCAL_PAYLOAD_KEY_FILE));
  if (!keyring) throw new ConfigError([{ variable: 'PAYLOAD_KEYS', message: `no master keys: set PAYLOAD_KEYS or PAYLOAD_KEYS_FILE (\`npm start\` keeps its own in ${join(env.DUNNING_DATA_DIR, LOCAL_PAYLOAD_KEY_FILE)})` }]);
  return keyring.keys;
}

/** Runs a key command on its own pool (DATABASE_URL, default the embedded one). */
async function keyCommand(env: Env, out: Output, fn: (pool: ReturnType<typeof createPool>, io: KeyCommandIo) => Promise<void>): Promise<number> {
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    await fn(pool, { print: out.print, usage: (message) => new UsageError(message) });
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

async function connect(env: Env): Promise<{ client: Client; close(): Promise<void> }> {
  const address = env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_DEV_PORT}`;
  // Payloads are encrypted with data keys kept in Postgres.
  const keyring = { keys: masterKeys(env) };
  const pool = createPool(databaseUrl(env), 2, databaseTls(env));
  const encryption = await createPayloadEncryption({ pool, keyring: keyring.keys, namespace: env.TEMPORAL_NAMESPACE });
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(env, address), connectTimeout: '5s' });
  } catch (error) {
    await pool.end();
    const failure = new Error(`cannot reach Temporal at ${address} (is \`npm start\` running, or TEMPORAL_ADDRESS set?): ${(error as Error).message}`);
    (failure as Error & { exitCode: number }).exitCode = EXIT.unavailable;
    throw failure;
  }
  return {
    client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: encryption.dataConverter }),
    close: async () => {
      await connection.close();
      await encryption.close();
      await pool.end();
    },
  };
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
  const csv = parseAccountsCsv(readFileSync(file, 'utf8'));
  // Rows of a creditor the directory does not know are refused here, with their line, like any bad value.
  const directory = creditorDirectory(env);
  if (!directory) throw new UsageError('enroll needs the creditor directory to check each row\'s creditor: set CREDITORS_FILE');
  const unknown = csv.accounts.flatMap(({ line, account }) => {
    const problem = unknownCreditor(directory, account.creditorId);
    return problem ? [{ line, accountId: account.accountId, field: 'creditor_id', message: problem }] : [];
  });
  const parsed = { ...csv, accounts: csv.accounts.filter((a) => !unknown.some((u) => u.line === a.line)) };
  const rejected = [...csv.errors, ...unknown].sort((a, b) => a.line - b.line).map((e) => ({ ...e, text: formatRowError(e) }));
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
      creditors: directory,
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
    // Money for an account that ended or is unknown is kept for an operator (the database is opened only then).
    const keep = async (payment: Parameters<ReturnType<typeof keepUnapplied>>[0]) => {
      const pool = createPool(databaseUrl(env), 1);
      try {
        await keepUnapplied(pool, 'cli')(payment);
      } finally {
        await pool.end();
      }
    };
    await reportPayment(client, creditorId, accountId, { paymentId, amountMinor: Number(amount), currency }, keep);
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
  // The creditors whose segmentation uses the cadence must be able to run it (call steps need a contact person).
  const directory = creditorDirectory(env);
  const problems = directory ? cadenceCreditorProblems(cadence, directory) : [];
  if (problems.length > 0) throw new UsageError(`${file}: cadence ${cadence.name} v${cadence.version} ${verb === 'save' ? 'not saved' : 'cannot be used as the creditors stand'}:\n  ${problems.join('\n  ')}`);
  const warnings = cadenceWarnings(cadence);
  const notes = warnings.length > 0 ? `\n  note: ${warnings.join('\n  note: ')}` : '';
  if (verb === 'validate') {
    out.print(`${file}: cadence ${cadence.name} v${cadence.version} is valid (${cadence.steps.length} steps)${notes}`, { valid: true, name: cadence.name, version: cadence.version, warnings });
    return EXIT.ok;
  }
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    const { status } = await createCadenceRepository(pool).save(cadence, file);
    out.print(`cadence ${cadence.name} v${cadence.version} ${status}${notes}`, { name: cadence.name, version: cadence.version, status, warnings });
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
  // A fact of the person's (opt-out, cease, attorney, conversation) goes to their other accounts at the creditor too (DATABASE_URL finds them).
  const pool = createPool(databaseUrl(env), 1);
  try {
    return await withClient(env, async (client) => {
      const { kind, accounts } = await reportToDebtor({ client, pool }, creditorId, accountId, event);
      const others = accounts.filter((a) => a.via === 'same_debtor');
      const also = others.length > 0 ? `; the same debtor's other accounts: ${others.map((a) => `${a.accountKey.split('/')[2]} (${a.status})`).join(', ')}` : '';
      out.print(`${kind} recorded for ${creditorId}/${accountId}${also}`, { recorded: true, kind, accounts });
      return EXIT.ok;
    });
  } finally {
    await pool.end();
  }
}

// ---- arrangements, returns, disputes, history, API keys --------------------------------------------
/** Options that take a value, beyond the ones every command shares. */
const ARRANGEMENT_OPTIONS = [
  '--label', '--payment-id', '--return-id', '--amount', '--date', '--channel', '--taken-by', '--frequency', '--income', '--expenses',
  '--instalment', '--down-payment', '--settlement', '--start-date', '--accepted-by', '--until', '--granted-by', '--approver', '--via', '--note',
  '--phone', '--task',
];

function accountArgs(command: string, args: string[]): [string, string] {
  const [creditorId, accountId] = args;
  if (!creditorId || !accountId) throw new UsageError(`${command} needs <creditorId> <accountId>`);
  return [creditorId, accountId];
}

function requiredOption(options: Map<string, string>, name: string, command: string): string {
  const value = options.get(name);
  if (!value) throw new UsageError(`${command} needs --${name}`);
  return value;
}

/** A whole number of minor units from --name, or undefined when absent. */
function minorOption(options: Map<string, string>, name: string): number | undefined {
  const value = options.get(name);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${name} must be a whole number of minor units (cents), got "${value}"`);
  return Number(value);
}

async function reverseCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('reverse', args);
  const returned = { paymentId: requiredOption(options, 'payment-id', 'reverse'), returnId: requiredOption(options, 'return-id', 'reverse'), reason: requiredOption(options, 'reason', 'reverse') };
  return withClient(env, async (client) => {
    await reportPaymentReturn(client, creditorId, accountId, returned);
    out.print(`return ${returned.returnId} of payment ${returned.paymentId} (${returned.reason}) reported to ${creditorId}/${accountId}; the ledger reverses the payment once`, { reported: true, ...returned });
    return EXIT.ok;
  });
}

async function promiseCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('promise', args);
  const amountMinor = minorOption(options, 'amount');
  if (amountMinor === undefined) throw new UsageError('promise needs --amount <minor units>');
  const request = {
    amountMinor,
    date: requiredOption(options, 'date', 'promise'),
    channel: requiredOption(options, 'channel', 'promise'),
    takenBy: requiredOption(options, 'taken-by', 'promise'),
  };
  return withClient(env, async (client) => {
    const promise = await recordPromise(client, creditorId, accountId, request);
    const { currency } = (await accountState(client, creditorId, accountId)).balance;
    out.print(
      `promise ${promise.id}: ${formatMoney({ amountMinor: promise.amountMinor, currency })} by ${promise.date} (${promise.channel}, taken by ${promise.takenBy}); checked against the ledger on ${promise.checkAt.slice(0, 10)}`,
      promise,
    );
    return EXIT.ok;
  });
}

async function planCommand(args: string[], flags: Set<string>, options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('plan', args);
  const budget = {
    monthlyIncomeMinor: minorOption(options, 'income'),
    monthlyExpensesMinor: minorOption(options, 'expenses'),
    settlementAmountMinor: minorOption(options, 'settlement'),
    startDate: options.get('start-date'),
  };
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return withClient(env, async (client) => {
    const { currency } = (await accountState(client, creditorId, accountId)).balance;
    const money = (amountMinor: number) => formatMoney({ amountMinor, currency });
    if (flags.has('propose')) {
      const proposals = await proposePlans(client, creditorId, accountId, defined(budget));
      out.print(
        proposals
          .map((p) =>
            p.feasible
              ? `${p.frequency}: ${p.schedule.length} payment(s) from ${p.startDate}, ${money(p.instalmentMinor)} each${p.downPaymentMinor > 0 ? ` after a down payment of ${money(p.downPaymentMinor)}` : ''}, total ${money(p.totalMinor)}${p.settlement ? ' (settlement)' : ''}`
              : `${p.frequency}: not possible: ${p.reason}`,
          )
          .join('\n'),
        { proposals },
      );
      return EXIT.ok;
    }
    const plan = await acceptPlan(client, creditorId, accountId, defined({
      ...budget,
      frequency: requiredOption(options, 'frequency', 'plan'),
      instalmentMinor: minorOption(options, 'instalment'),
      downPaymentMinor: minorOption(options, 'down-payment'),
      acceptedBy: requiredOption(options, 'accepted-by', 'plan'),
    }));
    out.print(
      [
        `plan ${plan.id} accepted by ${plan.acceptedBy}: ${plan.schedule.length} ${plan.terms.frequency} payment(s), total ${money(plan.terms.totalMinor)}${plan.terms.settlement ? ' (settlement)' : ''}`,
        ...plan.schedule.map((i) => `  ${i.number === 0 ? 'down payment' : `#${i.number}`} ${i.dueDate} ${money(i.amountMinor)}`),
      ].join('\n'),
      plan,
    );
    return EXIT.ok;
  });
}

async function extendCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('extend', args);
  const request = {
    newDueDate: requiredOption(options, 'until', 'extend'),
    reason: requiredOption(options, 'reason', 'extend'),
    grantedBy: requiredOption(options, 'granted-by', 'extend'),
    ...(options.has('approver') ? { approver: options.get('approver') } : {}),
  };
  return withClient(env, async (client) => {
    const extension = await grantExtension(client, creditorId, accountId, request);
    out.print(`extension ${extension.id}: due date moved to ${extension.newDueDate} (${extension.days} days), granted by ${extension.grantedBy}${extension.approver ? `, approved by ${extension.approver}` : ''}`, extension);
    return EXIT.ok;
  });
}

async function disputeCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('dispute', args);
  const event = { kind: 'dispute', via: requiredOption(options, 'via', 'dispute'), ...(options.get('note') ? { note: options.get('note') } : {}) };
  return withClient(env, async (client) => {
    await reportComplianceEvent(client, creditorId, accountId, event);
    out.print(`dispute (via ${event.via}) recorded for ${creditorId}/${accountId}; within the validation period collection stops until verification is sent`, { recorded: true });
    return EXIT.ok;
  });
}

/** "Dialling now": prints the gate's answer for the call about to be placed (exit 0 whatever it is: it is an answer, not a failure). */
async function dialCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('dial', args);
  const request = { operator: requiredOption(options, 'operator', 'dial'), ...(options.get('phone') ? { phone: options.get('phone') } : {}), ...(options.get('task') ? { taskId: options.get('task') } : {}) };
  const pool = createPool(databaseUrl(env), 1);
  try {
    return await withClient(env, async (client) => {
      // The same person's calls about the creditor's other accounts count against the caps too.
      const answer = await dialNow(client, creditorId, accountId, request, await callsElsewhere(pool, creditorId, accountId));
      const what =
        answer.decision === 'allow' ? `allow: call ${answer.phone} now` : answer.decision === 'defer' ? `defer: do not call before ${answer.until} (${answer.rule}: ${answer.reason})` : `suppress: do not call (${answer.rule}: ${answer.reason})`;
      out.print(`${what}; attempt ${answer.attemptId}${answer.decision === 'allow' ? ` (report its outcome: call-outcome ${creditorId} ${accountId} ${answer.attemptId} <outcome>)` : ''}`, answer);
      return EXIT.ok;
    });
  } finally {
    await pool.end();
  }
}

async function callOutcomeCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [creditorId, accountId, attemptId, outcome] = args;
  if (!creditorId || !accountId || !attemptId || !outcome) throw new UsageError('call-outcome needs <creditorId> <accountId> <attemptId> no_answer|voicemail|wrong_number|conversation');
  const request = { outcome, operator: requiredOption(options, 'operator', 'call-outcome'), ...(options.get('note') ? { note: options.get('note') } : {}) };
  return withClient(env, async (client) => {
    const attempt = await recordCallOutcome(client, creditorId, accountId, attemptId, request);
    out.print(`${attempt.id} to ${attempt.phone}: ${attempt.outcome} recorded`, attempt);
    return EXIT.ok;
  });
}

async function historyCommand(args: string[], env: Env, out: Output): Promise<number> {
  const [creditorId, accountId] = accountArgs('history', args);
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    const ledger = createLedgerRepository(pool);
    return await withClient(env, async (client) => {
      const history = await accountHistory(client, (key, account) => ledger.statement(key, account), creditorId, accountId);
      const money = (amountMinor: number) => formatMoney({ amountMinor, currency: history.balance.currency });
      const a = history.arrangements;
      const statementLine = (l: StatementLine) => `  ${l.date} ${l.description.padEnd(36)} ${l.debitMinor ? money(l.debitMinor).padStart(14) : ''.padStart(14)} ${l.creditMinor ? money(l.creditMinor).padStart(14) : ''.padStart(14)} ${money(l.balanceMinor).padStart(14)}`;
      out.print(
        [
          `${history.accountKey}: ${history.stage}, balance ${formatMoney(history.balance)} (cadence ${history.cadence.name} v${history.cadence.version}, enrolled ${history.enrolledAt})`,
          'stages:',
          ...history.stageHistory.map((s) => `  ${s.at} ${s.stage}: ${s.reason}`),
          ...(history.steps.length ? ['steps:', ...history.steps.map((s) => `  ${s.at} ${s.stepId} (${s.action}) ${s.status}${s.detail ? `: ${s.detail}` : ''}`)] : []),
          ...(history.contacts.length ? ['contacts:', ...history.contacts.map((c) => `  ${c.at} ${c.channel} ${c.stepId} ${c.status}${c.reason ? ` (${c.reason})` : ''}`)] : []),
          ...(history.payments.length ? ['payments:', ...history.payments.map((p) => `  ${p.receivedAt} ${p.paymentId} ${formatMoney(p.amount)} ${p.status}${p.reason ? ` (${p.reason})` : ''}`)] : []),
          ...(a && a.promises.length + a.plans.length + a.extensions.length > 0
            ? [
                'arrangements:',
                ...a.promises.map((p) => `  ${p.takenAt} promise ${p.id} ${money(p.amountMinor)} by ${p.date}: ${p.status}`),
                ...a.plans.map((p) => `  ${p.acceptedAt} plan ${p.id} ${p.schedule.length} ${p.terms.frequency} payment(s), total ${money(p.terms.totalMinor)}: ${p.status}`),
                ...a.extensions.map((e) => `  ${e.grantedAt} extension ${e.id} to ${e.newDueDate}: ${e.status}`),
              ]
            : []),
          'statement:',
          ...history.statement.map(statementLine),
          ...(history.heldCredit.length > 0 ? ['credit held for the debtor:', ...history.heldCredit.map(statementLine)] : []),
        ].join('\n'),
        history,
      );
      return EXIT.ok;
    });
  } finally {
    await pool.end();
  }
}

/** API keys of the REST API: shown once at creation, stored as a hash; DATABASE_URL (default: the embedded one). */
async function apikeyCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const [verb, keyId] = args;
  const usage = 'apikey create --creditor <id> [--label "…"] | apikey revoke <keyId> | apikey list [--creditor <id>]';
  if (verb !== 'create' && verb !== 'revoke' && verb !== 'list') throw new UsageError(usage);
  const creditorId = options.get('creditor');
  if (verb === 'create') {
    if (!creditorId) throw new UsageError(`apikey create needs --creditor <id>`);
    const directory = creditorDirectory(env);
    if (directory && !directory.creditors.some((c) => c.id === creditorId))
      throw new UsageError(`creditor ${creditorId} is not in the creditor directory (${directory.creditors.map((c) => c.id).join(', ')})`);
  }
  if (verb === 'revoke' && !keyId) throw new UsageError('apikey revoke needs the key id (the part after dk_)');
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    const keys = createApiKeyRepository(pool);
    if (verb === 'create') {
      const label = options.get('label');
      // The label names the operator in account histories: one line, bounded.
      const labelProblem = label === undefined ? null : label.length > 200 ? 'must be at most 200 characters' : controlCharacterProblem(label);
      if (labelProblem) throw new UsageError(`--label ${labelProblem}`);
      const created = await keys.create({ creditorId: creditorId!, label });
      out.print(
        `API key ${created.keyId} for ${created.creditorId}${created.label ? ` (${created.label})` : ''}:\n${created.key}\nIt is shown only now (only its hash is kept). Use it as: Authorization: Bearer ${created.key.slice(0, 18)}…`,
        created,
      );
      return EXIT.ok;
    }
    if (verb === 'list') {
      const list = await keys.list({ creditorId });
      out.print(list.map((k) => `${k.keyId} ${k.creditorId} ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'} ${k.label}`).join('\n') || 'no API keys', { keys: list });
      return EXIT.ok;
    }
    const outcome = await keys.revoke(keyId!);
    if (outcome === 'unknown') throw new UsageError(`no API key ${keyId}`);
    out.print(outcome === 'revoked' ? `API key ${keyId} revoked` : `API key ${keyId} was already revoked`, { keyId, status: outcome });
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

/** The creditor directory, for each creditor's own contact rules; the local one unless CREDITORS_FILE names another. */
function creditorDirectory(env: Env) {
  const path = env.CREDITORS_FILE ?? join(__dirname, '..', '..', 'config', 'creditors.local.json');
  return env.CREDITORS_FILE || existsSync(path) ? loadCreditorDirectory(path) : undefined;
}

/** Money that arrived but reached no account (ended, unknown, or refused by the ledger), oldest first. */
async function unappliedCommand(options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const pool = createPool(databaseUrl(env), 1);
  try {
    const open = await createUnappliedPayments(pool).listOpen(options.get('creditor'));
    out.print(
      [`${open.length} unapplied payment(s)`, ...open.map((p) => `  ${p.recordedAt} ${p.creditorId}/${p.accountId} ${p.paymentId} ${formatMoney({ amountMinor: p.amountMinor, currency: p.currency })} (${p.source}): ${p.reason}`)].join('\n'),
      { unapplied: open },
    );
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

/**
 * What debtors wrote that a person must read, oldest first: free-text requests to stop (calls, all
 * contact), other replies, opt-out mail matching no account; with what the product already did.
 */
async function messagesCommand(options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const creditorId = options.get('creditor');
  const accountId = options.get('account');
  if ((creditorId === undefined) !== (accountId === undefined)) throw new UsageError('messages: --creditor and --account go together');
  const pool = createPool(databaseUrl(env), 1);
  try {
    const open = await createDebtorMessageRepository(pool).open(creditorId && accountId ? { accountKey: accountKey(creditorId, accountId) } : {});
    out.print(
      [
        `${open.length} open debtor message(s)`,
        ...open.map((m) => `  ${m.receivedAt} ${m.kind} by ${m.channel} from ${m.from} (${m.accountKeys.join(', ') || 'no account'})${m.applied ? ` [done: ${m.applied}]` : ''}: ${m.body.replace(/\s+/g, ' ').slice(0, 200)}`),
      ].join('\n'),
      { messages: open },
    );
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

function databaseUrl(env: Env): string {
  return env.DATABASE_URL ?? `postgres://dunning:dunning-local@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/dunning`;
}

/** Aging, collection rate, CEI, roll rates, promises kept and contacts; a text summary unless --format or --out says otherwise. */
async function portfolioReportCommand(flags: Set<string>, options: Map<string, string>, env: Env, write: (text: string) => void): Promise<number> {
  const usage = 'report portfolio --from YYYY-MM-DD --to YYYY-MM-DD [--creditor id] [--format csv|html|json] [--out FILE]';
  const from = options.get('from');
  const to = options.get('to');
  if (!from || !to) throw new UsageError(`report portfolio needs --from and --to (days, both included): ${usage}`);
  const file = options.get('out') || undefined;
  const named = options.get('format') ?? (flags.has('json') ? 'json' : flags.has('csv') ? 'csv' : undefined);
  const byExtension = file ? ({ csv: 'csv', html: 'html', htm: 'html', json: 'json' } as Record<string, PortfolioFormat>)[file.split('.').pop()!.toLowerCase()] : undefined;
  const format = (named ?? byExtension ?? 'text') as PortfolioFormat;
  if (!PORTFOLIO_FORMATS.includes(format)) throw new UsageError(`--format must be csv, html, json or text, got "${named}"`);
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    const report = await portfolioReport(pool, { from, to, creditorId: options.get('creditor') });
    const text = renderPortfolioReport(report, format);
    if (!file) write(text);
    else {
      writeFileSync(file, text);
      write(`portfolio report ${report.period.from} .. ${report.period.to} (${format}) written to ${file}\n`);
    }
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

/** `credit-report write --month YYYY-MM --creditor id [--out FILE]`, `credit-report validate FILE`: the Metro 2 furnishing file. */
async function creditReportCommand(args: string[], flags: Set<string>, options: Map<string, string>, env: Env, write: (text: string) => void): Promise<number> {
  const usage = 'credit-report write --month YYYY-MM --creditor id [--out FILE] | credit-report validate FILE';
  if (args[0] === 'validate') {
    if (!args[1]) throw new UsageError(`credit-report validate needs the file: ${usage}`);
    const { problems, summary } = validateMetro2File(readFileSync(args[1], 'latin1'));
    write(flags.has('json') ? JSON.stringify({ problems, summary }) + '\n' : problems.length ? problems.map((p) => `line ${p.line}, ${p.record}, ${p.field ?? '(record)'}: ${p.message}`).join('\n') + '\n' : `valid: ${JSON.stringify(summary)}\n`);
    return problems.length ? EXIT.rejectedRows : EXIT.ok;
  }
  if (args[0] !== 'write') throw new UsageError(usage);
  const month = options.get('month');
  const creditorId = options.get('creditor');
  if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError(`--month must be YYYY-MM, got "${month ?? ''}": ${usage}`);
  if (!creditorId) throw new UsageError(`--creditor is required: ${usage}`);
  const settings = creditorDirectory(env)?.creditors.find((c) => c.id === creditorId)?.creditReporting;
  if (!settings) throw new UsageError(`--creditor: creditor "${creditorId}" has no creditReporting settings in the creditor directory`);
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    const report = await writeCreditReport(pool, { creditorId, month, createdAt: new Date().toISOString(), settings });
    const file = options.get('out');
    const summary = `Metro 2 file ${report.fileId} for ${creditorId} ${month}: ${report.furnished.length} furnished, ${report.skipped.length} not furnished`;
    if (file) writeFileSync(file, report.text, 'latin1');
    else if (!flags.has('json')) write(report.text);
    write(flags.has('json') ? JSON.stringify({ fileId: report.fileId, furnished: report.furnished, skipped: report.skipped, out: file ?? null }) + '\n' : `${summary}${file ? ` written to ${file}` : ''}\n`);
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

/** `refund-credit creditor/account REFUND-ID [--reason text]`: refunds the credit the account holds, once per refund id, and tells the account's workflow. */
async function refundCreditCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const usage = 'refund-credit creditor/account REFUND-ID [--reason text]';
  const [creditor, account] = (args[0] ?? '').split('/');
  if (!creditor || !account || !args[1]) throw new UsageError(`refund-credit needs the account and a refund id: ${usage}`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(args[1])) throw new UsageError(`refund id must be 1–64 letters, digits, dot, dash or underscore, got "${args[1]}"`);
  const creditors = creditorDirectory(env);
  if (!creditors) throw new UsageError('refund-credit needs the creditor directory (CREDITORS_FILE)');
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  const key = accountKey(creditor, account);
  try {
    const result = await refundHeldCredit({ pool, creditors }, { accountKey: key, refundId: args[1], at: new Date().toISOString(), reason: options.get('reason') || 'credit refunded' });
    const done = `${result.status === 'refunded' ? 'refunded' : 'already refunded'}: ${result.refundedMinor} ${result.currency} (minor units)`;
    // The ledger has it; the account's workflow follows by signal (its credit held falls). Run again with the same id if it could not be told.
    try {
      const told = await withClient(env, (client) => tellOfRefund(client, key, { refundId: args[1]!, amountMinor: result.refundedMinor, currency: result.currency, refundedAt: result.refundedAt }));
      out.print(`${done}; ${told === 'signalled' ? "the account's workflow was told" : "the account's workflow is not running (nothing to tell)"}`, { ...result, told });
      return EXIT.ok;
    } catch (error) {
      out.print(`${done}; the account's workflow was not told (${(error as Error).message}): run refund-credit again with the same refund id to tell it`, { ...result, told: 'failed' });
      return EXIT.unavailable;
    }
  } finally {
    await pool.end();
  }
}

/**
 * `apply-credit creditor/SOURCE creditor/TARGET APPLICATION-ID [--amount MINOR] [--reason text]`:
 * applies the credit SOURCE holds to TARGET's open balance (the same debtor and creditor), once per
 * application id, and tells both accounts' workflows. Without --amount: all of the credit, up to the balance.
 */
async function applyCreditCommand(args: string[], options: Map<string, string>, env: Env, out: Output): Promise<number> {
  const usage = 'apply-credit creditor/SOURCE-ACCOUNT creditor/TARGET-ACCOUNT APPLICATION-ID [--amount MINOR] [--reason text]';
  const [source, target, applicationId] = args;
  if (!source || !target || !applicationId) throw new UsageError(`apply-credit needs the account holding the credit, the account to apply it to and an application id: ${usage}`);
  const creditors = creditorDirectory(env);
  if (!creditors) throw new UsageError('apply-credit needs the creditor directory (CREDITORS_FILE)');
  const request = { source, target, applicationId, amountMinor: minorOption(options, 'amount'), reason: options.get('reason') };
  const pool = createPool(databaseUrl(env), 2, databaseTls(env));
  try {
    return await withClient(env, async (client) => {
      const result = await applyCredit({ client, pool, creditors }, request, new Date().toISOString());
      const money = (amountMinor: number) => formatMoney({ amountMinor, currency: result.currency });
      const told = (what: string) => (what === 'signalled' ? 'told' : 'not running');
      out.print(
        [
          `${result.status === 'applied' ? 'applied' : 'already applied'}: ${money(result.amountMinor)} (${result.amountMinor} minor units) of the credit held on ${source} to ${target} (${applicationId}, ${result.appliedAt})`,
          `  ${source}: credit held now ${money(result.source.creditMinor)} (workflow ${told(result.told.source)})`,
          `  ${target}: balance now ${money(result.target.balanceMinor)}${result.allocations.length > 0 ? ` (${result.allocations.map((a) => `${a.debtId} ${money(a.amountMinor)}`).join(', ')})` : ''} (workflow ${told(result.told.target)})`,
        ].join('\n'),
        result,
      );
      return EXIT.ok;
    });
  } finally {
    await pool.end();
  }
}

/** `report unclaimed-credits --creditor id [--to ISO]`: the escheat report, one JSON line per credit held past the creditor's limit. */
async function unclaimedCreditsCommand(options: Map<string, string>, env: Env, write: (text: string) => void): Promise<number> {
  const creditorId = options.get('creditor');
  if (!creditorId) throw new UsageError('report unclaimed-credits needs --creditor: report unclaimed-credits --creditor id [--to ISO instant]');
  const creditor = creditorDirectory(env)?.creditors.find((c) => c.id === creditorId);
  if (!creditor) throw new UsageError(`--creditor: creditor "${creditorId}" is not in the creditor directory`);
  const asOf = options.get('to') || new Date().toISOString();
  if (Number.isNaN(Date.parse(asOf))) throw new UsageError(`--to must be an ISO instant, got "${asOf}"`);
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
  try {
    const credits = await unclaimedCredits(pool, { creditorId, asOf, afterDays: creditor.unclaimedCreditAfterDays });
    write(JSON.stringify({ creditorId, asOf, afterDays: creditor.unclaimedCreditAfterDays, credits }) + '\n');
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

async function reportCommand(args: string[], flags: Set<string>, options: Map<string, string>, env: Env, write: (text: string) => void): Promise<number> {
  if (args[0] === 'portfolio') return portfolioReportCommand(flags, options, env, write);
  if (args[0] === 'unclaimed-credits') return unclaimedCreditsCommand(options, env, write);
  if (args[0] !== 'compliance') throw new UsageError('report compliance --from <ISO> --to <ISO> [--creditor id] [--account creditor/account] [--csv] | report portfolio --from YYYY-MM-DD --to YYYY-MM-DD [--creditor id] [--format csv|html|json] [--out FILE]');
  const from = options.get('from');
  const to = options.get('to');
  if (!from || !to) throw new UsageError('report compliance needs --from and --to (ISO date-times with a zone)');
  const account = options.get('account');
  const [accountCreditor, accountId] = account?.split('/') ?? [];
  const pool = createPool(databaseUrl(env), 1, databaseTls(env));
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
    if (['--cadence', '--reason', '--operator', '--version', '--from', '--to', '--creditor', '--account', '--format', '--out', '--creditors', '--month'].includes(arg) || ARRANGEMENT_OPTIONS.includes(arg)) options.set(arg.slice(2), argv[++i] ?? '');
    else if (arg.startsWith('--')) flags.add(arg.slice(2));
    else positional.push(arg);
  }
  const out: Output = {
    json: flags.has('json'),
    print: (human, data) => write(flags.has('json') ? JSON.stringify(data) + '\n' : human + '\n'),
  };
  const [command, ...args] = positional;
  try {
    const env = parseEnv(process.env, 'cli');
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
      case 'reverse':
        return await reverseCommand(args, options, env, out);
      case 'promise':
        return await promiseCommand(args, options, env, out);
      case 'plan':
        return await planCommand(args, flags, options, env, out);
      case 'extend':
        return await extendCommand(args, options, env, out);
      case 'dispute':
        return await disputeCommand(args, options, env, out);
      case 'history':
        return await historyCommand(args, env, out);
      case 'dial':
        return await dialCommand(args, options, env, out);
      case 'call-outcome':
        return await callOutcomeCommand(args, options, env, out);
      case 'apikey':
        return await apikeyCommand(args, options, env, out);
      case 'operator-key':
        return await keyCommand(env, out, (pool, io) => operatorKeyCommand(args, options, pool, io, creditorDirectory(env)?.creditors.map((c) => c.id)));
      case 'payload-keys':
        return await keyCommand(env, out, (pool, io) => payloadKeysCommand(args, pool, masterKeys(env), io));
      case 'cadence':
        return await cadenceCommand(args, env, out);
      case 'event':
        return await eventCommand(args, env, out);
      case 'refund-credit':
        return await refundCreditCommand(args, options, env, out);
      case 'apply-credit':
        return await applyCreditCommand(args, options, env, out);
      case 'credit-report':
        return await creditReportCommand(args, flags, options, env, write);
      case 'report':
        return await reportCommand(args, flags, options, env, write);
      case 'unapplied':
        return await unappliedCommand(options, env, out);
      case 'messages':
        return await messagesCommand(options, env, out);
      default:
        throw new UsageError(`unknown command ${command ?? '(none)'}; commands: enroll, pay, status, pause, resume, skip, repeat, close, move, event, reverse, promise, plan, extend, dispute, dial, call-outcome, history, apikey, operator-key, payload-keys, report, cadence, unapplied, messages, refund-credit, apply-credit, credit-report`);
    }
  } catch (error) {
    const code =
      error instanceof UsageError || error instanceof ConfigError
        ? EXIT.usage
        : error instanceof AccountError || error instanceof CreditApplicationRefused
          ? ['unknown_account', 'account_closed'].includes(error.code) ? EXIT.account : EXIT.usage
          : error instanceof NotToldError || error instanceof WorkflowUnavailableError
            ? EXIT.unavailable
            : ((error as { exitCode?: number }).exitCode ?? EXIT.usage);
    const message = (error as Error).message;
    const field = error instanceof AccountError || error instanceof CreditApplicationRefused ? error.field : null;
    write(out.json ? JSON.stringify({ error: { code: (error as { code?: string }).code ?? 'error', message, ...(field ? { field } : {}) } }) + '\n' : `error: ${message}${field && !message.includes(`${field}:`) ? ` (field ${field})` : ''}\n`);
    return code;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
