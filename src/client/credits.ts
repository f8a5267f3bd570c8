/**
 * Held credit moved by an operator (src/starter.ts `apply-credit`, `refund-credit`): the ledger
 * posts it, then each account's running workflow is told by signal (idempotent by the application
 * or refund id), so its balance and credit held follow the ledger and a debt the credit paid ends
 * as paid. Running the same command again after a failure tells the workflows again and posts nothing.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createCreditApplications, type CreditApplicationResult } from '../adapters/credit-application';
import { accountKey } from '../domain/account';
import { CreditApplicationRefused, type CreditWorkflowFacts } from '../domain/credit-application';
import { firstIssue } from '../schemas/arrangement.schema';
import { creditApplicationRequestSchema } from '../schemas/credit-application.schema';
import { unknownCreditor, type CreditorDirectory } from '../schemas/creditors.schema';
import type { AccountReportingFacts } from '../domain/credit-reporting';
import { accountStateQuery, debtorPageQuery, creditAppliedSignal, creditRefundedSignal, type AccountStateView, type CreditApplied, type CreditRefunded } from '../workflows/definitions';
import { AccountError } from './accounts.client';

/** What each workflow was told: signalled, or not running (ended, or never enrolled: nothing to tell). */
export type Told = 'signalled' | 'not_running';

/** The ledger posted, but a workflow could not be told (Temporal unreachable): the same command again tells it. */
export class NotToldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotToldError';
  }
}

export interface CreditApplicationOutcome extends CreditApplicationResult {
  told: { source: Told; target: Told };
}

/**
 * Applies held credit from one account to another open debt of the same debtor and creditor, once
 * per application id. Refusals (CreditApplicationRefused, AccountError for malformed input) post nothing.
 */
export async function applyCredit(deps: { client: Client; pool: Pool; creditors: CreditorDirectory }, input: unknown, at: string): Promise<CreditApplicationOutcome> {
  const parsed = creditApplicationRequestSchema.safeParse(input);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw new AccountError('invalid_request', `${field}: ${message}`, field);
  }
  const { source, target, applicationId } = parsed.data;
  for (const [field, ref] of [['source', source], ['target', target]] as const) {
    const problem = unknownCreditor(deps.creditors, ref.creditorId);
    if (problem) throw new CreditApplicationRefused('unknown_creditor', field, problem);
  }
  const request = {
    creditorId: source.creditorId,
    applicationId,
    sourceAccountKey: accountKey(source.creditorId, source.accountId),
    targetAccountKey: accountKey(target.creditorId, target.accountId),
    amountMinor: parsed.data.amountMinor ?? null,
    reason: parsed.data.reason ?? 'held credit applied',
    at,
  };
  const applications = createCreditApplications(deps.pool);
  // A repeat needs no workflow facts: the first application stands (or the request is refused as a reuse of its id).
  const repeat = (await applications.find(request.creditorId, applicationId)) !== null;
  const workflows = repeat ? { source: null, target: null } : { source: await sourceFacts(deps.client, deps.pool, request.sourceAccountKey), target: await targetFacts(deps.client, request.targetAccountKey) };
  const result = await applications.apply({ ...request, workflows });
  const signal: CreditApplied = { applicationId, sourceAccountKey: result.sourceAccountKey, targetAccountKey: result.targetAccountKey, amountMinor: result.amountMinor, currency: result.currency, appliedAt: result.appliedAt };
  const toldTarget = await tell(deps.client, result.targetAccountKey, (h) => h.signal(creditAppliedSignal, signal), `application ${applicationId}`);
  const toldSource = await tell(deps.client, result.sourceAccountKey, (h) => h.signal(creditAppliedSignal, signal), `application ${applicationId}`);
  return { ...result, told: { source: toldSource, target: toldTarget } };
}

/** Tells the account's workflow of a refund the ledger posted (`refund-credit`), if it is running. */
export function tellOfRefund(client: Client, key: string, refund: CreditRefunded): Promise<Told> {
  return tell(client, key, (h) => h.signal(creditRefundedSignal, refund), `refund ${refund.refundId}`);
}

type Handle = ReturnType<Client['workflow']['getHandle']>;

async function tell(client: Client, key: string, send: (handle: Handle) => Promise<void>, what: string): Promise<Told> {
  const handle = client.workflow.getHandle(key);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return 'not_running';
    await send(handle);
    return 'signalled';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'not_running';
    throw new NotToldError(`${what} is posted in the ledger, but ${key}'s workflow was not told (${(error as Error).message}): run the same command again to tell it`);
  }
}

/** An account's facts (stage, holds) could not be read from its workflow now (worker down, Temporal failing): nothing was posted; try again. */
export class WorkflowUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowUnavailableError';
  }
}

const unavailable = (key: string, error: unknown) =>
  new WorkflowUnavailableError(`${key}'s workflow could not be asked for its stage and holds (${(error as Error).message}); nothing was posted: try again when the worker is running`);

const factsOf = (view: AccountStateView): CreditWorkflowFacts => {
  const flags = view.compliance?.flags;
  return { stage: view.stage, disputePending: view.compliance?.dispute === 'pending_verification', deceased: flags?.deceased ?? false, bankruptcy: flags?.bankruptcy ?? false };
};

/**
 * A running workflow started before the current engine (the legacy v2 workflow, kept for replay)
 * has no handler for the credit signals: its balance would stay stale and it would go on dunning
 * a debt the ledger says is paid. Refused (nothing posted) until it has moved on to the current
 * engine; the debtor page's query, which only the current engine answers, tells them apart.
 */
async function refuseLegacyEngine(handle: Handle, key: string, field: 'source' | 'target'): Promise<void> {
  try {
    await handle.query(debtorPageQuery);
  } catch (error) {
    if (error instanceof QueryNotRegisteredError) throw new CreditApplicationRefused('legacy_engine', field, `${key} runs the workflow of an earlier release, which cannot take a credit's signal; apply the credit once it has continued as new on the current engine`);
    throw unavailable(key, error);
  }
}

/** The target's facts: it must be open, so null when its workflow is not running (ended, or never enrolled). */
async function targetFacts(client: Client, key: string): Promise<CreditWorkflowFacts | null> {
  const handle = client.workflow.getHandle(key);
  let running: boolean;
  try {
    running = (await handle.describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw unavailable(key, error);
  }
  if (!running) return null;
  let facts: CreditWorkflowFacts;
  try {
    facts = factsOf(await handle.query(accountStateQuery));
  } catch (error) {
    throw unavailable(key, error);
  }
  await refuseLegacyEngine(handle, key, 'target');
  return facts;
}

/**
 * The source's facts (a death, a bankruptcy), whether or not its workflow still runs: a credit is
 * usually held on an account that was paid. A closed workflow is queried too (the worker replays
 * it); one Temporal no longer keeps (past retention), or that cannot be queried, is read from what
 * its engine recorded for credit reporting (account_reporting: final once the workflow ended).
 * null when neither exists: the rules refuse rather than apply on unknown facts.
 */
async function sourceFacts(client: Client, pool: Pool, key: string): Promise<CreditWorkflowFacts | null> {
  const handle = client.workflow.getHandle(key);
  let running: boolean;
  try {
    running = (await handle.describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return recordedFacts(pool, key);
    throw unavailable(key, error);
  }
  try {
    const facts = factsOf(await handle.query(accountStateQuery));
    if (running) await refuseLegacyEngine(handle, key, 'source');
    return facts;
  } catch (error) {
    if (error instanceof CreditApplicationRefused) throw error;
    // A running workflow's recorded facts may lag behind it: ask again later instead.
    if (running) throw unavailable(key, error);
    const recorded = await recordedFacts(pool, key);
    if (recorded) return recorded;
    throw unavailable(key, error);
  }
}

/** What the account's engine last recorded for credit reporting (stage, dispute, death, bankruptcy), or null. */
async function recordedFacts(pool: Pool, key: string): Promise<CreditWorkflowFacts | null> {
  const { rows } = await pool.query<{ facts: Pick<AccountReportingFacts, 'stage' | 'dispute' | 'deceasedAt' | 'bankruptcy'> }>(`SELECT facts FROM account_reporting WHERE account_key = $1`, [key]);
  const facts = rows[0]?.facts;
  if (!facts) return null;
  // 'open' (recorded while the workflow ran) has no stage of its own: the source's stage is not a rule, its holds are.
  return { stage: facts.stage === 'open' ? 'reminding' : facts.stage, disputePending: !!facts.dispute && facts.dispute.resolvedAt === null, deceased: facts.deceasedAt !== null, bankruptcy: facts.bankruptcy !== null };
}
