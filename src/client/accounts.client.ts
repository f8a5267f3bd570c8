/** Client-side operations on accounts, shared by the command line, `npm start` and tests. */
import { QueryNotRegisteredError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { PlanProposal } from '../domain/arrangements';
import { budgetSchema, contactDetailsChangeSchema, extensionRequestSchema, firstIssue, ledgerAdjustmentSchema, paymentReturnSchema, planRequestSchema, promiseRequestSchema } from '../schemas/arrangement.schema';
import { accountKey, type AccountProfile } from '../domain/account';
import type { Cadence, RenderSettings } from '../domain/cadence';
import { formatMoney } from '../domain/money';
import { delinquentFromMs } from '../domain/schedule';
import { parseComplianceEvent } from '../schemas/compliance-event.schema';
import { paymentFailureSchema, paymentSchema } from '../schemas/payment.schema';
import type { UnappliedPayment } from '../adapters/unapplied-payments.repository';
import { arrangementRulesFor, cadenceCreditorProblems, unknownCreditor, type CreditorDirectory } from '../schemas/creditors.schema';
import {
  acceptPlanUpdate,
  accountStateQuery,
  changeContactDetailsUpdate,
  grantExtensionUpdate,
  paymentReturnedSignal,
  ledgerAdjustmentSignal,
  planProposalsQuery,
  recordPromiseUpdate,
  type ExtensionRecord,
  type PlanRecord,
  type PromiseRecord,
  closeAccountUpdate,
  ENGINE_SAID_BY_INPUT,
  complianceEventSignal,
  debtorPageQuery,
  paymentFailedSignal,
  type DebtorPageView,
  moveToCadenceUpdate,
  pauseAccountUpdate,
  paymentReceivedSignal,
  placeCallUpdate,
  recordCallOutcomeUpdate,
  repeatLastStepUpdate,
  resumeAccountUpdate,
  searchAttributes,
  skipNextStepUpdate,
  type AccountStateView,
  type CallAttempt,
  type CallElsewhere,
  type OperatorRequest,
} from '../workflows/definitions';
import type { DialAnswer } from '../domain/engine/calls';
import { callOutcomeSchema, dialRequestSchema } from '../schemas/call.schema';
import type { accountWorkflow } from '../workflows/account.workflow';

export type EnrollResult = { status: 'started' | 'already_enrolled'; workflowId: string };

type EnrollOptions = { account: AccountProfile; cadence?: Cadence; settings: RenderSettings; taskQueue: string; creditors?: CreditorDirectory };

/**
 * What starting an account's workflow sends to Temporal, after the checks that refuse it at the
 * edge: the workflow's input, its search attributes and its summaries. The bench starts no-op
 * workflows with the same options to tell what each part costs.
 */
export function accountStartOptions(options: EnrollOptions) {
  const { account, cadence } = options;
  const unknown = options.creditors ? unknownCreditor(options.creditors, account.creditorId) : null;
  if (unknown) throw new AccountError('unknown_creditor', `creditorId: ${unknown}`, 'creditorId');
  // A cadence named at enrollment ties it to the creditor as segmentation would: it must be able to run it.
  const creditor = options.creditors?.creditors.find((c) => c.id === account.creditorId);
  const problems = cadence && creditor ? cadenceCreditorProblems(cadence, [creditor]) : [];
  if (problems.length > 0) throw new AccountError('invalid_request', `cadence: ${problems.join('; ')}`, 'cadence');
  const balance = formatMoney({ amountMinor: account.balanceMinor, currency: account.currency });
  return {
    workflowId: accountKey(account.creditorId, account.accountId),
    taskQueue: options.taskQueue,
    args: [{ account, cadence, settings: options.settings, ...creditorPolicy(options.creditors, account.creditorId), ...(ENGINE_SAID_BY_INPUT ? { engine: 3 as const } : {}) }] as Parameters<typeof accountWorkflow>,
    typedSearchAttributes: [
      { key: searchAttributes.creditorId, value: account.creditorId },
      { key: searchAttributes.accountId, value: account.accountId },
      { key: searchAttributes.product, value: account.product },
      // Enrolled before its due date it is not delinquent yet (the engine says so too).
      { key: searchAttributes.stage, value: Date.now() < delinquentFromMs(account.dueDate, account.timezone) ? 'current' : 'notice' },
      { key: searchAttributes.balanceDueMinor, value: account.balanceMinor },
      { key: searchAttributes.currency, value: account.currency },
      ...(cadence ? [{ key: searchAttributes.cadenceName, value: cadence.name }, { key: searchAttributes.cadenceVersion, value: cadence.version }] : []),
    ],
    // No personal data here: summaries and details are readable by anyone who can read the namespace.
    staticSummary: `${account.creditorId} / ${account.accountId} · ${account.product} · ${balance} due ${account.dueDate}`,
    staticDetails: [
      `**Creditor** ${account.creditorId} · **Account** ${account.accountId}`,
      cadence ? `**Cadence** ${cadence.name} v${cadence.version} (chosen at enrollment)` : '**Cadence** chosen by the creditor\'s segmentation',
      `**Time zone** ${account.timezone} · **Language** ${account.language}`,
    ].join('\n\n'),
  };
}

export async function enrollAccount(client: Client, options: EnrollOptions): Promise<EnrollResult> {
  const start = accountStartOptions(options);
  try {
    await client.workflow.start<typeof accountWorkflow>('accountWorkflow', {
      ...start,
      // The workflow id is the enrollment's idempotency key: an account is enrolled once, ever.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
    return { status: 'started', workflowId: start.workflowId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { status: 'already_enrolled', workflowId: start.workflowId };
    throw error;
  }
}

/** What the creditor directory says about how its accounts are to be treated. */
function creditorPolicy(creditors: CreditorDirectory | undefined, creditorId: string) {
  const creditor = creditors?.creditors.find((c) => c.id === creditorId);
  return {
    contactRules: creditor?.contactRules,
    notifyRepresentatives: creditor?.notifyRepresentatives ?? false,
    arrangementRules: arrangementRulesFor(creditor),
    allocationRule: creditor?.allocationRule ?? 'oldest_first',
    ...(creditor?.limitationYears ? { limitationOverrides: creditor.limitationYears } : {}),
    remedyThreatsInValidationPeriod: creditor?.remedyThreatsInValidationPeriod ?? 'hold',
    ...(creditor?.contactPersonName ? { voicemailContactName: creditor.contactPersonName } : {}),
    reconnectOnPlan: creditor?.disconnection?.reconnectOnPlan ?? false,
    ...(creditor?.answerTemplates ? { answerTemplates: creditor.answerTemplates } : {}),
    ...(creditor?.charges && (creditor.charges.lateFee || creditor.charges.interest)
      ? { charges: { rules: { lateFee: creditor.charges.lateFee, interest: creditor.charges.interest }, capOverrides: creditor.charges.capOverrides } }
      : {}),
  };
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
  constructor(
    readonly code: 'unknown_account' | 'unknown_creditor' | 'account_closed' | 'invalid_payment' | 'invalid_event' | 'control_refused' | 'invalid_request' | 'arrangement_refused' | 'currency_mismatch',
    message: string,
    /** The field at fault, when one is. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw new AccountError('invalid_request', `${field}: ${message}`, field);
  }
  return parsed.data;
}

/** Runs an update; a refusal by the workflow's validator comes back naming the field at fault. */
async function runUpdate<Ret>(client: Client, creditorId: string, accountId: string, what: string, work: (handle: WorkflowHandle) => Promise<Ret>, refused: 'arrangement_refused' | 'control_refused' = 'arrangement_refused'): Promise<Ret> {
  const handle = client.workflow.getHandle(accountKey(creditorId, accountId));
  try {
    return await work(handle);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause as (Error & { details?: unknown[] }) | undefined;
      const field = (cause?.details?.[0] as { field?: string } | undefined)?.field ?? null;
      throw new AccountError(refused, `${what} refused: ${cause?.message ?? error.message}`, field);
    }
    throw error;
  }
}

export async function recordPromise(client: Client, creditorId: string, accountId: string, request: unknown): Promise<PromiseRecord> {
  const promise = parseOrThrow(promiseRequestSchema, request);
  return runUpdate(client, creditorId, accountId, 'promise', (h) => h.executeUpdate(recordPromiseUpdate, { args: [promise] }));
}

export async function proposePlans(client: Client, creditorId: string, accountId: string, budget: unknown): Promise<PlanProposal[]> {
  const parsed = parseOrThrow(budgetSchema, budget);
  try {
    return await client.workflow.getHandle(accountKey(creditorId, accountId)).query(planProposalsQuery, parsed);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    // A query handler's own refusal also arrives as QueryNotRegisteredError (gRPC INVALID_ARGUMENT): only "unknown queryType" means no such query.
    if (error instanceof QueryNotRegisteredError && /did not register a handler|unknown queryType/i.test(error.message)) throw new AccountError('account_closed', `account ${creditorId}/${accountId} cannot take a plan`);
    const message = (error as Error).message;
    throw new AccountError('arrangement_refused', `plan proposals refused: ${message}`, /^(\w+):/.exec(message)?.[1] ?? null);
  }
}

export async function acceptPlan(client: Client, creditorId: string, accountId: string, request: unknown): Promise<PlanRecord> {
  const plan = parseOrThrow(planRequestSchema, request);
  return runUpdate(client, creditorId, accountId, 'plan', (h) => h.executeUpdate(acceptPlanUpdate, { args: [plan] }));
}

export async function grantExtension(client: Client, creditorId: string, accountId: string, request: unknown): Promise<ExtensionRecord> {
  const extension = parseOrThrow(extensionRequestSchema, request);
  return runUpdate(client, creditorId, accountId, 'extension', (h) => h.executeUpdate(grantExtensionUpdate, { args: [extension] }));
}

/**
 * "Dialling now": asks the account's contact-policy gate whether a person may place this call
 * (allow, defer until a time, or suppress, with the rule), and records the attempt. A refusal
 * (no number, a number reported wrong, an ended account) comes back as control_refused.
 */
export async function dialNow(client: Client, creditorId: string, accountId: string, request: unknown, elsewhere: CallElsewhere[] = []): Promise<DialAnswer> {
  const parsed = parseOrThrow(dialRequestSchema, request);
  if (!parsed.operator) throw new AccountError('invalid_request', 'operator: is required (who is dialling)', 'operator');
  const dial = { ...parsed, operator: parsed.operator, ...(elsewhere.length > 0 ? { elsewhere } : {}) };
  return runUpdate(client, creditorId, accountId, 'dialling', (h) => h.executeUpdate(placeCallUpdate, { args: [dial] }), 'control_refused');
}

/** What came of an allowed call: it feeds the 7-in-7 rule and, for a conversation, the 7 days of silence after it. */
export async function recordCallOutcome(client: Client, creditorId: string, accountId: string, attemptId: string, request: unknown): Promise<CallAttempt> {
  const parsed = parseOrThrow(callOutcomeSchema, request);
  return runUpdate(client, creditorId, accountId, 'call outcome', (h) => h.executeUpdate(recordCallOutcomeUpdate, { args: [{ attemptId, ...parsed }] }), 'control_refused');
}

export async function changeContactDetails(client: Client, creditorId: string, accountId: string, request: unknown): Promise<AccountStateView> {
  const change = parseOrThrow(contactDetailsChangeSchema, request);
  return runUpdate(client, creditorId, accountId, 'contact change', (h) => h.executeUpdate(changeContactDetailsUpdate, { args: [change] }));
}

/**
 * The currency the ledger keeps an account in, or null while its workflow has not opened it there
 * yet (src/adapters/ledger.repository.ts, ledgerCurrency). An account's currency never changes.
 */
export type LedgerCurrency = (accountKey: string) => Promise<string | null>;

/**
 * Signals a money event to a running account: refused when the account is unknown or has ended
 * (nothing is silently dropped) or, for amounts, when the currency is not the account's (never
 * converted; the workflow and the ledger refuse it too). When the ledger already knows the account (`ledgerCurrency`),
 * the currency is checked there and the signal goes straight out: one Temporal call instead of a
 * describe and a signal. Temporal refuses a signal to an ended run, and only then is the run
 * described, to tell an ended account from one never enrolled.
 */
async function signalMoneyEvent<T>(
  client: Client,
  creditorId: string,
  accountId: string,
  event: { signal: SignalDefinition<[T]>; value: T; what: string; whenClosed: string; currency?: string },
  ledgerCurrency?: LedgerCurrency,
): Promise<void> {
  const handle = client.workflow.getHandle(accountKey(creditorId, accountId));
  const kept = ledgerCurrency ? await ledgerCurrency(accountKey(creditorId, accountId)) : null;
  // Another currency goes the long way too: an ended account keeps the money for an operator first.
  if (kept && (!event.currency || kept === event.currency)) {
    try {
      await handle.signal(event.signal, event.value);
      return;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // The run has ended: the describe below says so (or, in a race with continue-as-new, signals the new run).
    }
  }
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING')
      throw new AccountError('account_closed', `account ${creditorId}/${accountId} is ${description.status.name.toLowerCase()}; ${event.what} ${event.whenClosed}`);
    const accountCurrency = description.typedSearchAttributes.get(searchAttributes.currency);
    if (event.currency && accountCurrency && accountCurrency !== event.currency)
      throw new AccountError('currency_mismatch', `currency: ${event.what} is in ${event.currency}, but account ${creditorId}/${accountId} is kept in ${accountCurrency}`, 'currency');
    await handle.signal(event.signal, event.value);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    throw error;
  }
}

/** A fee, interest or a credit for the account's ledger; posted by its workflow once per adjustment id. */
export async function reportAdjustment(client: Client, creditorId: string, accountId: string, input: unknown, ledgerCurrency?: LedgerCurrency): Promise<void> {
  const parsed = parseOrThrow(ledgerAdjustmentSchema, input);
  await signalMoneyEvent(client, creditorId, accountId, { signal: ledgerAdjustmentSignal, value: parsed, what: `adjustment ${parsed.adjustmentId}`, whenClosed: 'was not recorded', currency: parsed.currency }, ledgerCurrency);
}

/** A returned payment: signalled to the account (open, or paid and still inside its reopen window). */
export async function reportPaymentReturn(client: Client, creditorId: string, accountId: string, input: unknown, ledgerCurrency?: LedgerCurrency): Promise<void> {
  const parsed = parseOrThrow(paymentReturnSchema, input);
  await signalMoneyEvent(client, creditorId, accountId, { signal: paymentReturnedSignal, value: parsed, what: `return ${parsed.returnId}`, whenClosed: 'must be handled by an operator' }, ledgerCurrency);
}

/** Where money that cannot reach an account is kept (src/adapters/unapplied-payments.repository.ts). */
export type UnappliedSink = (payment: Omit<UnappliedPayment, 'source'>) => Promise<void>;

/**
 * Validates a payment at the edge and signals the account's workflow. A valid payment for an
 * account that has ended or was never enrolled is still money received: with `keep` it is kept as
 * unapplied for an operator before the refusal is answered.
 */
export async function reportPayment(client: Client, creditorId: string, accountId: string, payment: unknown, keep?: UnappliedSink, ledgerCurrency?: LedgerCurrency): Promise<void> {
  const parsed = paymentSchema.safeParse(payment);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AccountError('invalid_payment', `${String(issue.path[0] ?? 'payment')}: ${issue.message}`, String(issue.path[0] ?? 'payment'));
  }
  const value = parsed.data;
  try {
    await signalMoneyEvent(client, creditorId, accountId, { signal: paymentReceivedSignal, value, what: `payment ${value.paymentId}`, whenClosed: keep ? 'is kept as unapplied money for an operator' : 'was not recorded', currency: value.currency }, ledgerCurrency);
  } catch (error) {
    if (keep && error instanceof AccountError && (error.code === 'account_closed' || error.code === 'unknown_account'))
      await keep({ creditorId, accountId, paymentId: value.paymentId, amountMinor: value.amountMinor, currency: value.currency, receivedAt: value.receivedAt ?? null, reason: `${error.code}: ${error.message}` });
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

/**
 * A payment the processor declined: the account records it, and retries an automatic payment from
 * a method on file (`retry`) by its decline code. Refused when the account has ended.
 */
export async function reportPaymentFailure(client: Client, creditorId: string, accountId: string, input: unknown, ledgerCurrency?: LedgerCurrency): Promise<void> {
  const parsed = parseOrThrow(paymentFailureSchema, input);
  await signalMoneyEvent(client, creditorId, accountId, { signal: paymentFailedSignal, value: parsed, what: `declined payment ${parsed.paymentId}`, whenClosed: 'was not recorded', currency: parsed.currency }, ledgerCurrency);
}

/** What the debtor's own page shows (only after the visitor answered the verification question). */
export async function debtorPage(client: Client, creditorId: string, accountId: string): Promise<DebtorPageView> {
  try {
    return await client.workflow.getHandle(accountKey(creditorId, accountId)).query(debtorPageQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new AccountError('unknown_account', `no account ${creditorId}/${accountId} is enrolled`);
    throw error;
  }
}
