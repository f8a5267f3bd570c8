/**
 * The REST API's account handlers. Each acts for the API key's creditor: the account is looked
 * up as account/<key's creditor>/<accountId>, so another creditor's account is simply unknown.
 * Bodies arrive parsed by the route's zod schema (routes.ts); the business rules stay in the
 * workflow, whose refusals come back as 422 naming the field.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { VerifiedKey } from '../adapters/api-key.repository';
import { createLedgerRepository, ledgerCurrencyOf } from '../adapters/ledger.repository';
import { keepUnapplied } from '../adapters/unapplied-payments.repository';
import { accountHistory } from '../client/account-history';
import { callsElsewhere, reportToDebtor } from '../client/debtors';
import {
  AccountError,
  acceptPlan,
  accountState,
  changeContactDetails,
  controlAccount,
  dialNow,
  enrollAccount,
  enrollAccounts,
  grantExtension,
  proposePlans,
  recordCallOutcome,
  recordPromise,
  reportComplianceEvent,
  reportPayment,
  reportAdjustment,
  reportPaymentReturn,
  type OperatorControl,
} from '../client/accounts.client';
import { accountKey, type AccountProfile } from '../domain/account';
import { parseAccountsCsv } from '../schemas/account-csv';
import { unknownCreditor } from '../schemas/creditors.schema';
import { accountJsonSchema } from '../schemas/account.schema';
import { callOutcomeSchema, dialRequestSchema } from '../schemas/call.schema';
import { contactDetailsChangeSchema } from '../schemas/arrangement.schema';
import { controlCharacterProblem } from '../schemas/text';
import { addressFitsChannel, complianceEventSchema } from '../schemas/compliance-event.schema';
import type { ComplianceEvent } from '../workflows/definitions';
import { accountErrorResponse, apiError, fieldErrors, invalidField, isUnavailable, temporalUnavailable, type ApiResponse, type RouteContext } from './http';
import type { ApiDeps } from './route';

/** The most rows one batch takes; larger portfolios go in several requests (or the CLI). */
export const MAX_BATCH_ROWS = 5_000;

// ---- request bodies ------------------------------------------------------------------------------
/** Who acts is the API key (operatorOf), never a name in the body: `operator` is refused as an unknown field. */
export const controlBodySchema = z
  .object({
    reason: z.string().trim().min(1, 'is required (it is kept in the account history)').max(500),
  })
  .strict();
export const contactDetailsChangeBodySchema = contactDetailsChangeSchema.omit({ operator: true, via: true }).strict();

/** A compliance event's own fields, without its kind (the route names it). */
function eventBody(kind: ComplianceEvent['kind']) {
  const option = complianceEventSchema.options.find((o) => o.shape.kind.value === kind)! as unknown as z.ZodObject<{ kind: z.ZodLiteral<string> }>;
  return option.omit({ kind: true }).strict();
}
export const disputeBodySchema = eventBody('dispute').extend({ via: z.enum(['letter', 'email', 'phone', 'sms', 'portal', 'operator']).default('portal') });
export const deceasedBodySchema = eventBody('deceased');
export const bankruptcyBodySchema = eventBody('bankruptcy');

export const batchJsonSchema = z
  .object({ accounts: z.array(z.unknown(), { error: 'must be an array of accounts' }).min(1, 'needs at least one account').max(MAX_BATCH_ROWS, `takes at most ${MAX_BATCH_ROWS} accounts; send several batches`) })
  .strict();

const budgetQueryNumbers = ['monthlyIncomeMinor', 'monthlyExpensesMinor', 'settlementAmountMinor'];

// ---- shared ---------------------------------------------------------------------------------------
const callerOf = (ctx: RouteContext) => {
  if (!ctx.caller) throw new Error('an account route ran without an authenticated caller');
  return ctx.caller;
};

/** The operator the account history names for what a key does: its label and id, from the credential, never from the request. */
export function operatorOf(key: VerifiedKey): string {
  const label = key.label.trim();
  // A label made before labels were checked may hold a line break: then the key id alone.
  return label && controlCharacterProblem(label) === null ? `${label} (API key ${key.keyId})` : `API key ${key.keyId}`;
}

/** "Unknown" for a workflow that never existed, "closed" for one that ended (signals and updates cannot tell). */
async function unknownOrClosed(client: Client, creditorId: string, accountId: string, error: AccountError): Promise<ApiResponse> {
  try {
    const description = await client.workflow.getHandle(accountKey(creditorId, accountId)).describe();
    if (description.status.name !== 'RUNNING')
      return apiError(409, 'account_closed', `account ${accountId} is ${description.status.name.toLowerCase()}; it takes no more requests`);
  } catch {
    // not found (or Temporal went away): the first answer stands
  }
  return apiError(404, 'unknown_account', error.message);
}

/** Runs work on the caller's account and maps the failures every account route shares. */
async function onAccount(deps: ApiDeps, ctx: RouteContext, work: (creditorId: string, accountId: string) => Promise<ApiResponse>): Promise<ApiResponse> {
  const { creditorId } = callerOf(ctx);
  const accountId = ctx.params.accountId!;
  try {
    return await work(creditorId, accountId);
  } catch (error) {
    if (error instanceof AccountError) {
      if (error.code === 'unknown_account') return unknownOrClosed(deps.client, creditorId, accountId, error);
      return accountErrorResponse(error);
    }
    if (isUnavailable(error)) return temporalUnavailable();
    throw error;
  }
}

function enrollmentOf(deps: ApiDeps) {
  if (!deps.enrollment) throw new Error('enrollment routes need ApiDeps.enrollment');
  return deps.enrollment;
}

// ---- enrollment -----------------------------------------------------------------------------------
export async function enrollOne(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const caller = callerOf(ctx);
  const account = ctx.body as AccountProfile;
  if (account.creditorId !== caller.creditorId)
    return apiError(403, 'creditor_mismatch', `creditorId: this API key acts for ${caller.creditorId}, not ${account.creditorId}`, 'creditorId');
  try {
    const result = await enrollAccount(deps.client, { account, ...enrollmentOf(deps) });
    return { status: result.status === 'started' ? 201 : 200, body: result };
  } catch (error) {
    if (isUnavailable(error)) return temporalUnavailable();
    if (error instanceof AccountError) return accountErrorResponse(error);
    throw error;
  }
}

type RowError = { field: string; code: 'invalid_field' | 'creditor_mismatch' | 'unknown_creditor'; message: string };
interface BatchRow {
  /** JSON: the 1-based position in `accounts`; CSV: the line in the file (the header is line 1). */
  ref: { row: number } | { line: number };
  accountId: string | null;
  account: AccountProfile | null;
  errors: RowError[];
}
export type BatchResult = ({ row: number } | { line: number }) & {
  accountId: string | null;
  status: 'started' | 'already_enrolled' | 'valid' | 'invalid' | 'failed';
  workflowId?: string;
  errors?: RowError[];
};

function rowsFromJson(accounts: unknown[], creditorId: string): BatchRow[] {
  const firstRowOf = new Map<string, number>();
  return accounts.map((input, i) => {
    const ref = { row: i + 1 };
    const rawId = typeof (input as { accountId?: unknown })?.accountId === 'string' ? (input as { accountId: string }).accountId : null;
    const parsed = accountJsonSchema.safeParse(input);
    if (!parsed.success) return { ref, accountId: rawId, account: null, errors: fieldErrors(parsed.error).map((e) => ({ ...e, code: 'invalid_field' as const })) };
    const account = parsed.data as AccountProfile;
    if (account.creditorId !== creditorId)
      return { ref, accountId: account.accountId, account: null, errors: [{ field: 'creditorId', code: 'creditor_mismatch', message: `this API key acts for ${creditorId}, not ${account.creditorId}` }] };
    const first = firstRowOf.get(account.accountId);
    if (first !== undefined) return { ref, accountId: account.accountId, account: null, errors: [{ field: 'accountId', code: 'invalid_field', message: `duplicate of row ${first}` }] };
    firstRowOf.set(account.accountId, ref.row);
    return { ref, accountId: account.accountId, account, errors: [] };
  });
}

function rowsFromCsv(text: string, creditorId: string): BatchRow[] | ApiResponse {
  const parsed = parseAccountsCsv(text);
  const fileError = parsed.errors.find((e) => e.field === '(header)' || e.field === '(file)');
  if (fileError) return apiError(400, 'invalid_csv', `line ${fileError.line}: ${fileError.message}`, fileError.field);
  const byLine = new Map<number, BatchRow>();
  for (const e of parsed.errors) {
    const row = byLine.get(e.line) ?? { ref: { line: e.line }, accountId: e.accountId, account: null, errors: [] };
    row.errors.push({ field: e.field, code: 'invalid_field', message: e.message });
    byLine.set(e.line, row);
  }
  for (const { line, account } of parsed.accounts) {
    const mismatch = account.creditorId !== creditorId;
    byLine.set(line, {
      ref: { line },
      accountId: account.accountId,
      account: mismatch ? null : account,
      errors: mismatch ? [{ field: 'creditor_id', code: 'creditor_mismatch', message: `this API key acts for ${creditorId}, not ${account.creditorId}` }] : [],
    });
  }
  return [...byLine.keys()].sort((a, b) => a - b).map((line) => byLine.get(line)!);
}

/**
 * Enrolls many accounts: each row is checked on its own and the good rows are enrolled even when
 * others are refused (as the command line does); the answer lists every row's outcome.
 */
export async function enrollBatch(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const { creditorId } = callerOf(ctx);
  const dryRunParam = ctx.url.searchParams.get('dryRun');
  if (dryRunParam !== null && dryRunParam !== 'true' && dryRunParam !== 'false') return apiError(400, 'invalid_field', 'dryRun: must be true or false', 'dryRun');
  const dryRun = dryRunParam === 'true';

  let rows: BatchRow[];
  if (/^text\/csv\b/i.test(ctx.headers['content-type'] ?? '')) {
    const fromCsv = rowsFromCsv(ctx.rawBody, creditorId);
    if (!Array.isArray(fromCsv)) return fromCsv;
    if (fromCsv.length > MAX_BATCH_ROWS) return apiError(413, 'too_many_rows', `the file has ${fromCsv.length} rows; a batch takes at most ${MAX_BATCH_ROWS}`);
    rows = fromCsv;
  } else {
    let json: unknown;
    try {
      json = JSON.parse(ctx.rawBody);
    } catch {
      return apiError(400, 'malformed_body', 'the body is not JSON');
    }
    const envelope = batchJsonSchema.safeParse(json);
    if (!envelope.success) return invalidField(envelope.error);
    rows = rowsFromJson(envelope.data.accounts, creditorId);
  }

  // A creditor missing from the directory: every row is refused, naming the field (nothing is started to stall later).
  const directory = enrollmentOf(deps).creditors;
  const unknown = directory ? unknownCreditor(directory, creditorId) : null;
  if (unknown)
    for (const row of rows)
      if (row.account) {
        row.account = null;
        row.errors.push({ field: 'line' in row.ref ? 'creditor_id' : 'creditorId', code: 'unknown_creditor', message: unknown });
      }
  const results: BatchResult[] = rows.map((r) => ({ ...r.ref, accountId: r.accountId, status: r.account ? 'valid' : 'invalid', ...(r.errors.length ? { errors: r.errors } : {}) }));
  const good = rows.flatMap((r, i) => (r.account ? [{ i, account: r.account }] : []));
  if (!dryRun && good.length > 0) {
    try {
      await deps.client.workflowService.getSystemInfo({}); // unreachable: one 503 rather than every row "failed"
    } catch (error) {
      if (isUnavailable(error)) return temporalUnavailable();
      throw error;
    }
    const enrolled = await enrollAccounts(deps.client, good.map((g) => g.account), enrollmentOf(deps));
    enrolled.forEach((outcome, j) => {
      const result = results[good[j]!.i]!;
      result.status = outcome.status;
      result.workflowId = outcome.workflowId;
      if (outcome.status === 'failed') result.errors = [{ field: '(row)', code: 'invalid_field', message: outcome.error }];
    });
  }
  const count = (status: BatchResult['status']) => results.filter((r) => r.status === status).length;
  return {
    status: 200,
    body: {
      dryRun,
      summary: { rows: results.length, started: count('started'), alreadyEnrolled: count('already_enrolled'), valid: count('valid'), invalid: count('invalid'), failed: count('failed') },
      results,
    },
  };
}

// ---- reading ----------------------------------------------------------------------------------------
export const getAccount = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => ({ status: 200, body: await accountState(deps.client, creditorId, accountId) }));

export const getHistory = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    const ledger = createLedgerRepository(deps.pool);
    return { status: 200, body: await accountHistory(deps.client, (key, account) => ledger.statement(key, account), creditorId, accountId) };
  });

// ---- arrangements ---------------------------------------------------------------------------------
export const postPromise = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => ({ status: 201, body: await recordPromise(deps.client, creditorId, accountId, ctx.body) }));

export const getPlanProposals = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    // Query strings are text: whole numbers become numbers, anything else reaches the schema as text and is refused there.
    const budget = Object.fromEntries([...ctx.url.searchParams].map(([name, value]) => [name, budgetQueryNumbers.includes(name) && /^-?\d{1,16}$/.test(value) ? Number(value) : value]));
    return { status: 200, body: { proposals: await proposePlans(deps.client, creditorId, accountId, budget) } };
  });

export const postPlan = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => ({ status: 201, body: await acceptPlan(deps.client, creditorId, accountId, ctx.body) }));

export const postExtension = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => ({ status: 201, body: await grantExtension(deps.client, creditorId, accountId, ctx.body) }));

export const postAddressChange = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => ({
    status: 200,
    body: await changeContactDetails(deps.client, creditorId, accountId, { ...(ctx.body as object), operator: operatorOf(callerOf(ctx)) }),
  }));

// ---- compliance facts --------------------------------------------------------------------------------
const postEvent = (kind: 'dispute' | 'deceased' | 'bankruptcy') => (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    await reportComplianceEvent(deps.client, creditorId, accountId, { ...(ctx.body as object), kind });
    return { status: 202, body: { accepted: true, kind } };
  });
export const ceaseBodySchema = eventBody('cease_communication');
export const attorneyBodySchema = eventBody('attorney_representation');
export const optOutBodySchema = eventBody('opt_out').superRefine((body, ctx) => addressFitsChannel(body as unknown as Parameters<typeof addressFitsChannel>[0], ctx));

/**
 * A fact of the person's (an opt-out, a cease request, attorney representation): applied to the
 * account and to every other account of the same debtor at the creditor; the answer lists them.
 */
const postPersonFact = (kind: 'cease_communication' | 'attorney_representation' | 'opt_out') => (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    const { accounts } = await reportToDebtor(deps, creditorId, accountId, { ...(ctx.body as object), kind });
    return { status: 202, body: { accepted: true, kind, accounts: accounts.map((a) => ({ accountId: a.accountKey.split('/')[2], status: a.status, via: a.via })) } };
  });
export const postCeaseRequest = postPersonFact('cease_communication');
export const postAttorney = postPersonFact('attorney_representation');
export const postOptOut = postPersonFact('opt_out');
export const postDispute = postEvent('dispute');
export const postDeath = postEvent('deceased');
export const postBankruptcy = postEvent('bankruptcy');

// ---- operator controls ---------------------------------------------------------------------------
/** The API key names the operator, so the history shows who acted and a caller cannot write someone else's name. */
export const postControl = (control: Extract<OperatorControl, 'pause' | 'resume' | 'close'>) => (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    const body = ctx.body as z.infer<typeof controlBodySchema>;
    const state = await controlAccount(deps.client, creditorId, accountId, control, { reason: body.reason, operator: operatorOf(callerOf(ctx)) });
    return { status: 200, body: state };
  });

// ---- calls a person places ----------------------------------------------------------------------------
/** "Dialling now": the gate's answer for a call about to be placed; the attempt is recorded. */
export const postDial = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    const body = ctx.body as z.infer<typeof dialRequestSchema>;
    // The same person's calls about the creditor's other accounts count against the caps too.
    const elsewhere = await callsElsewhere(deps.pool, creditorId, accountId);
    return { status: 200, body: await dialNow(deps.client, creditorId, accountId, { ...body, operator: body.operator ?? `api key ${callerOf(ctx).keyId}` }, elsewhere) };
  });

export const postCallOutcome = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    const body = ctx.body as z.infer<typeof callOutcomeSchema>;
    return { status: 200, body: await recordCallOutcome(deps.client, creditorId, accountId, ctx.params.attemptId!, { ...body, operator: body.operator ?? `api key ${callerOf(ctx).keyId}` }) };
  });

// ---- money -------------------------------------------------------------------------------------------
export const postPayment = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    await reportPayment(deps.client, creditorId, accountId, ctx.body, keepUnapplied(deps.pool, 'api'), ledgerCurrencyOf(deps.pool));
    return { status: 202, body: { accepted: true, paymentId: (ctx.body as { paymentId: string }).paymentId } };
  });

export const postAdjustment = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    await reportAdjustment(deps.client, creditorId, accountId, ctx.body, ledgerCurrencyOf(deps.pool));
    return { status: 202, body: { accepted: true, adjustmentId: (ctx.body as { adjustmentId: string }).adjustmentId } };
  });

export const postReturn = (deps: ApiDeps, ctx: RouteContext) =>
  onAccount(deps, ctx, async (creditorId, accountId) => {
    await reportPaymentReturn(deps.client, creditorId, accountId, ctx.body, ledgerCurrencyOf(deps.pool));
    return { status: 202, body: { accepted: true, returnId: (ctx.body as { returnId: string }).returnId } };
  });
