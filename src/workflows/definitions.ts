/**
 * Signals, queries and search attributes of the account workflow, shared by the workflow,
 * the client code and the tests. Workflow-safe: no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Cadence, RenderSettings } from '../domain/cadence';
import type { RulePack } from '../domain/contact-policy';
import type { ArrangementRules, BudgetRequest, ExtensionRequest, PlanProposal, PlanRequest, PromiseRequest } from '../domain/arrangements';
import type { AllocationRule } from '../domain/allocation';
import type { ChargeCap, ChargeRules } from '../domain/charges';
import type { AccountProfile } from '../domain/account';
import type { AnswerTemplates } from '../domain/answer-templates';
import type { WorkOutcomeRequest } from '../domain/engine/work-records';
import type { DialAnswer } from '../domain/engine/calls';
import type {
  AccountOutcome,
  AccountStateView,
  CallAttempt,
  CallOutcomeRequest,
  DialRequest,
  ComplianceEvent,
  ContactDetailsChange,
  CreditApplied,
  CreditRefunded,
  DebtorPageView,
  ExtensionRecord,
  LedgerAdjustment,
  OperatorRequest,
  PaymentFailed,
  PaymentReceived,
  PaymentReturned,
  PlanRecord,
  PromiseRecord,
} from '../domain/engine/records';

export * from '../domain/engine/records';

export const ACCOUNT_WORKFLOW_TYPE = 'accountWorkflow';

export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');

export const paymentReturnedSignal = defineSignal<[PaymentReturned]>('paymentReturned');

export const ledgerAdjustmentSignal = defineSignal<[LedgerAdjustment]>('ledgerAdjustment');

/** Held credit applied between two of the debtor's accounts (posted already by `apply-credit`): sent to both; once per application id. */
export const creditAppliedSignal = defineSignal<[CreditApplied]>('creditApplied');
/** Held credit refunded to the debtor (posted already by `refund-credit`); once per refund id. */
export const creditRefundedSignal = defineSignal<[CreditRefunded]>('creditRefunded');

// ---- arrangements ------------------------------------------------------------------------------
/** Recorded by update (operators, the API: validated, answered with the promise) or by signal (inbound systems). */
export const recordPromiseUpdate = defineUpdate<PromiseRecord, [PromiseRequest]>('recordPromise');
export const promiseToPaySignal = defineSignal<[PromiseRequest]>('promiseToPay');
/** Plans the debtor's budget and the creditor's rules allow, one per frequency. */
export const planProposalsQuery = defineQuery<PlanProposal[], [BudgetRequest]>('planProposals');
export const acceptPlanUpdate = defineUpdate<PlanRecord, [PlanRequest]>('acceptPlan');
export const grantExtensionUpdate = defineUpdate<ExtensionRecord, [ExtensionRequest]>('grantExtension');

export const complianceEventSignal = defineSignal<[ComplianceEvent]>('complianceEvent');

/** A payment the processor declined: recorded; an automatic payment from a method on file is retried by its decline code. */
export const paymentFailedSignal = defineSignal<[PaymentFailed]>('paymentFailed');
/** What the debtor's own page shows, once the visitor has answered the verification question. */
export const debtorPageQuery = defineQuery<DebtorPageView>('debtorPage');

export const accountStateQuery = defineQuery<AccountStateView>('accountState');

export interface AccountWorkflowInput {
  account: AccountProfile;
  /** The cadence to run; when absent the creditor's segmentation picks one at enrollment. */
  cadence?: Cadence;
  settings: RenderSettings;
  /** Continue as new past this many history events (Temporal's own suggestion applies too). */
  maxHistoryEvents?: number;
  /** Days personal data is kept after collection ends for a deceased debtor (Reg F 1006.100: 3 years). */
  retentionDays?: number;
  /** The creditor's own contact rules, stricter than the law's (never looser: the gate takes the stricter value). */
  contactRules?: RulePack;
  /** The creditor wants one notice sent to the estate or the trustee when collection stops for death or bankruptcy. */
  notifyRepresentatives?: boolean;
  /** The creditor's limits on promises, plans, settlements, extensions; defaults when absent. */
  arrangementRules?: ArrangementRules;
  /** How payments are spread over the account's debts (oldest first when absent). */
  allocationRule?: AllocationRule;
  /** The creditor's statute-of-limitations overrides by USPS code (years), over the shipped table. */
  limitationOverrides?: Record<string, number>;
  /** A remedy threatened inside the validation period: held until it ends (default), or sent with the statement of rights. */
  remedyThreatsInValidationPeriod?: 'hold' | 'statement';
  /** The creditor's contact person named in limited-content voicemails (§1006.2(j)). */
  voicemailContactName?: string;
  /** A plan the debtor accepts gets a disconnected service back on (the creditor's choice; a payment in full always does). */
  reconnectOnPlan?: boolean;
  /** Late fees and interest the creditor's contract allows (none when absent), and its overrides of the state caps. */
  charges?: { rules: ChargeRules; capOverrides?: Record<string, Partial<ChargeCap>> };
  /** The creditor's templates for answers to debtors' questions (the shipped ones when absent; a cadence's own come first). */
  answerTemplates?: AnswerTemplates;
  /**
   * The engine this run is on, said by its input: a run with `engine: 3` asks no `engine-v3` patch
   * (no marker and no TemporalChangeVersion upsert in its first task); one without asks Temporal.
   * This release reads the field; enrollment sets it only when ENGINE_SAID_BY_INPUT is true (see
   * there), continue-as-new also when the run it ends had it.
   */
  engine?: 3;
}

/**
 * Whether enrollment and continue-as-new say the engine in the input. Two releases, because a
 * worker of a release that does not read the field runs `patched('engine-v3')` on a run that says
 * it: live, it records the marker (which the reading workers now match when they replay); replaying
 * a run that has none, it takes the earlier engine's branch and fails the run's tasks. So this
 * release (A) reads `engine: 3` and writes it only where a run already had it (continue-as-new);
 * release B sets this to true once no worker of a release before A polls anywhere (the README's
 * versioning policy). Rolling back from B goes to A; runs started with the field (B, and the
 * release of 2026-12-03 that wrote it early) cannot go to a worker that does not read it.
 */
export const ENGINE_SAID_BY_INPUT: boolean = false;

export const pauseAccountUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('pauseAccount');
export const resumeAccountUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('resumeAccount');
export const skipNextStepUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('skipNextStep');
export const repeatLastStepUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('repeatLastStep');
export const closeAccountUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('closeAccount');
/** Moves the account to a saved cadence (its newest version unless one is named); it starts from its first step. */
export const moveToCadenceUpdate = defineUpdate<AccountStateView, [OperatorRequest & { cadence: string; version?: number }]>('moveToCadence');
/** An operator's outcome of a work item from the work queue (answer, verification, visit outcome, trace confirmed…). */
export const recordWorkOutcomeUpdate = defineUpdate<unknown, [WorkOutcomeRequest]>('recordWorkOutcome');
export type { WorkOutcomeRequest };
export const changeContactDetailsUpdate = defineUpdate<AccountStateView, [ContactDetailsChange]>('changeContactDetails');
/** "Dialling now": the gate answers allow, defer or suppress for a call a person is placing; the attempt is recorded. */
export const placeCallUpdate = defineUpdate<DialAnswer, [DialRequest]>('placeCall');
/** What came of an allowed call: no answer, voicemail left, wrong number, conversation. */
export const recordCallOutcomeUpdate = defineUpdate<CallAttempt, [CallOutcomeRequest]>('recordCallOutcome');

export const searchAttributes = {
  creditorId: defineSearchAttributeKey('DunningCreditorId', SearchAttributeType.KEYWORD),
  accountId: defineSearchAttributeKey('DunningAccountId', SearchAttributeType.KEYWORD),
  product: defineSearchAttributeKey('DunningProduct', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('DunningStage', SearchAttributeType.KEYWORD),
  balanceDueMinor: defineSearchAttributeKey('DunningBalanceDue', SearchAttributeType.INT),
  currency: defineSearchAttributeKey('DunningCurrency', SearchAttributeType.KEYWORD),
  nextActionAt: defineSearchAttributeKey('DunningNextActionAt', SearchAttributeType.DATETIME),
  daysPastDue: defineSearchAttributeKey('DunningDaysPastDue', SearchAttributeType.INT),
  cadenceName: defineSearchAttributeKey('DunningCadence', SearchAttributeType.KEYWORD),
  cadenceVersion: defineSearchAttributeKey('DunningCadenceVersion', SearchAttributeType.INT),
  /** A question from the debtor's page waits for a person (Bool: the dev server's SQLite visibility allows only three Int attributes). */
  questionOpen: defineSearchAttributeKey('DunningQuestionOpen', SearchAttributeType.BOOL),
} as const;

/** "Name=Type" pairs, as `temporal server start-dev --search-attribute` and the operator CLI take them. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: string[] = Object.values(searchAttributes).map((key) => {
  const type = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.INT]: 'Int', [SearchAttributeType.DATETIME]: 'Datetime', [SearchAttributeType.BOOL]: 'Bool' }[
    key.type as string
  ];
  return `${key.name}=${type}`;
});
