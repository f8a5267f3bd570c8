/**
 * Held credit moved by an operator (src/starter.ts `apply-credit`, `refund-credit`): the ledger
 * posts it, then each account's running workflow is told by signal (idempotent by the application
 * or refund id), so its balance and credit held follow the ledger and a debt the credit paid ends
 * as paid. Running the same command again after a failure tells the workflows again and posts nothing.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createCreditApplications, type CreditApplicationResult } from '../adapters/credit-application';
import { accountKey } from '../domain/account';
import { CreditApplicationRefused, type CreditWorkflowFacts } from '../domain/credit-application';
import { firstIssue } from '../schemas/arrangement.schema';
import { creditApplicationRequestSchema } from '../schemas/credit-application.schema';
import { unknownCreditor, type CreditorDirectory } from '../schemas/creditors.schema';
import { accountStateQuery, creditAppliedSignal, creditRefundedSignal, type CreditApplied, type CreditRefunded } from '../workflows/definitions';
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
  const workflows = repeat ? { source: null, target: null } : { source: await workflowFacts(deps.client, request.sourceAccountKey), target: await workflowFacts(deps.client, request.targetAccountKey) };
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

/** What a running account's workflow says of it (stage, holds); null when it has none running. */
async function workflowFacts(client: Client, key: string): Promise<CreditWorkflowFacts | null> {
  const handle = client.workflow.getHandle(key);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return null;
    const view = await handle.query(accountStateQuery);
    const flags = view.compliance?.flags;
    return { stage: view.stage, disputePending: view.compliance?.dispute === 'pending_verification', deceased: flags?.deceased ?? false, bankruptcy: flags?.bankruptcy ?? false };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}
