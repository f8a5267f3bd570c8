/** Client-side operations on accounts, shared by the command line, `npm start` and tests. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { accountKey, type AccountProfile } from '../domain/account';
import type { Cadence, RenderSettings } from '../domain/cadence';
import { formatMoney } from '../domain/money';
import { parseComplianceEvent } from '../schemas/compliance-event.schema';
import { paymentSchema } from '../schemas/payment.schema';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import {
  accountStateQuery,
  closeAccountUpdate,
  complianceEventSignal,
  moveToCadenceUpdate,
  pauseAccountUpdate,
  paymentReceivedSignal,
  repeatLastStepUpdate,
  resumeAccountUpdate,
  searchAttributes,
  skipNextStepUpdate,
  type AccountStateView,
  type OperatorRequest,
} from '../workflows/definitions';
import type { accountWorkflow } from '../workflows/account.workflow';

export type EnrollResult = { status: 'started' | 'already_enrolled'; workflowId: string };

export async function enrollAccount(
  client: Client,
  options: { account: AccountProfile; cadence?: Cadence; settings: RenderSettings; taskQueue: string; creditors?: CreditorDirectory },
): Promise<EnrollResult> {
  const { account, cadence } = options;
  const workflowId = accountKey(account.creditorId, account.accountId);
  const balance = formatMoney({ amountMinor: account.balanceMinor, currency: account.currency });
  try {
    await client.workflow.start<typeof accountWorkflow>('accountWorkflow', {
      workflowId,
      taskQueue: options.taskQueue,
      args: [{ account, cadence, settings: options.settings, ...creditorPolicy(options.creditors, account.creditorId) }],
      // The workflow id is the enrollment's idempotency key: an account is enrolled once, ever.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: searchAttributes.creditorId, value: account.creditorId },
        { key: searchAttributes.accountId, value: account.accountId },
        { key: searchAttributes.product, value: account.product },
        { key: searchAttributes.stage, value: 'notice' },
        { key: searchAttributes.balanceDueMinor, value: account.balanceMinor },
        { key: searchAttributes.currency, value: account.currency },
        ...(cadence ? [{ key: searchAttributes.cadenceName, value: cadence.name }, { key: searchAttributes.cadenceVersion, value: cadence.version }] : []),
      ],
      staticSummary: `${account.debtorName} · ${account.product} · ${balance} due ${account.dueDate}`,
      staticDetails: [
        `**Creditor** ${account.creditorId} · **Account** ${account.accountId}`,
        cadence ? `**Cadence** ${cadence.name} v${cadence.version} (chosen at enrollment)` : '**Cadence** chosen by the creditor\'s segmentation',
        `**Time zone** ${account.timezone} · **Language** ${account.language}`,
      ].join('\n\n'),
    });
    return { status: 'started', workflowId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { status: 'already_enrolled', workflowId };
    throw error;
  }
}

/** What the creditor directory says about how its accounts are to be treated. */
function creditorPolicy(creditors: CreditorDirectory | undefined, creditorId: string) {
  const creditor = creditors?.creditors.find((c) => c.id === creditorId);
  return { contactRules: creditor?.contactRules, notifyRepresentatives: creditor?.notifyRepresentatives ?? false };
}

/** Enrolls many accounts, a bounded number at a time; one failure does not stop the rest. */
export async function enrollAccounts(
  client: Client,
  accounts: AccountProfile[],
  options: { cadence?: Cadence; settings: RenderSettings; taskQueue: string; concurrency?: number; creditors?: CreditorDirectory },
): Promise<(EnrollResult | { status: 'failed'; workflowId: string; error: string })[]> {
  const results: (EnrollResult | { status: 'failed'; workflowId: string; error: string })[] = new Array(accounts.length);
  let next = 0;
  const worker = async () => {
    while (next < accounts.length) {
      const i = next++;
      const account = accounts[i]!;
      try {
        results[i] = await enrollAccount(client, { ...options, account });
      } catch (error) {
        const cause = (error as Error & { cause?: Error }).cause;
        results[i] = { status: 'failed', workflowId: accountKey(account.creditorId, account.accountId), error: `${(error as Error).message}${cause ? `: ${cause.message}` : ''}` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, accounts.length) }, worker));
  return results;
}

export class AccountError extends Error {
  constructor(readonly code: 'unknown_account' | 'account_closed' | 'invalid_payment' | 'invalid_event' | 'control_refused', message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

/** Validates a payment at the edge and signals the account's workflow. */
export async function reportPayment(client: Client, creditorId: string, accountId: string, payment: unknown): Promise<void> {
  const parsed = paymentSchema.safeParse(payment);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AccountError('invalid_payment', `${String(issue.path[0] ?? 'payment')}: ${issue.message}`);
  }
  const handle = client.workflow.getHandle(accountKey(creditorId, accountId));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING')
      throw new AccountError('account_closed', `account ${creditorId}/${accountId} is ${description.status.name.toLowerCase()}; payment ${parsed.data.paymentId} was not recorded`);
    await handle.signal(paymentReceivedSignal, parsed.data);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    throw error;
  }
}

const CONTROLS = {
  pause: pauseAccountUpdate,
  resume: resumeAccountUpdate,
  skip: skipNextStepUpdate,
  repeat: repeatLastStepUpdate,
  close: closeAccountUpdate,
} as const;
export type OperatorControl = keyof typeof CONTROLS;

/** Sends an operator control; a refusal (validator) comes back as an AccountError naming why. */
export async function controlAccount(client: Client, creditorId: string, accountId: string, control: OperatorControl | 'move', request: OperatorRequest & { cadence?: string; version?: number }): Promise<AccountStateView> {
  const handle = client.workflow.getHandle(accountKey(creditorId, accountId));
  try {
    if (control === 'move') return await handle.executeUpdate(moveToCadenceUpdate, { args: [{ ...request, cadence: request.cadence ?? '' }] });
    return await handle.executeUpdate(CONTROLS[control], { args: [request] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    if (error instanceof WorkflowUpdateFailedError) throw new AccountError('control_refused', `${control} refused: ${error.cause?.message ?? error.message}`);
    throw error;
  }
}

/** Validates a compliance event at the edge and signals it; it holds before the account's next step. */
export async function reportComplianceEvent(client: Client, creditorId: string, accountId: string, event: unknown): Promise<void> {
  let parsed;
  try {
    parsed = parseComplianceEvent(event);
  } catch (error) {
    throw new AccountError('invalid_event', (error as Error).message);
  }
  try {
    await client.workflow.getHandle(accountKey(creditorId, accountId)).signal(complianceEventSignal, parsed);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no open account ${creditorId}/${accountId}`);
    throw error;
  }
}

export async function accountState(client: Client, creditorId: string, accountId: string): Promise<AccountStateView> {
  try {
    return await client.workflow.getHandle(accountKey(creditorId, accountId)).query(accountStateQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    throw error;
  }
}
