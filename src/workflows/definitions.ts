/**
 * Signals, queries and search attributes of the account workflow, shared by the workflow,
 * the client code and the tests. Workflow-safe: no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountProfile, ContactRecord, PaymentRecord, Stage, StageChange } from '../domain/account';
import type { Cadence, RenderSettings } from '../domain/cadence';
import type { RulePack } from '../domain/contact-policy';
import type { Money } from '../domain/money';
import type { ArrangementRules, BudgetRequest, ExtensionRequest, Instalment, PlanProposal, PlanRequest, PlanTerms, PromiseRequest } from '../domain/arrangements';
import type { AllocationRule } from '../domain/allocation';

export const ACCOUNT_WORKFLOW_TYPE = 'accountWorkflow';

/** A payment as reported by a payment system; the ledger posts it once per paymentId. */
export interface PaymentReceived {
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt?: string;
}
export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');

/** A payment that came back: insufficient funds, a chargeback, a check that bounced. */
export const RETURN_REASONS = ['insufficient_funds', 'chargeback', 'check_returned', 'account_closed', 'stopped_payment', 'other'] as const;
export interface PaymentReturned {
  paymentId: string;
  /** The processor's id of the return; the ledger reverses a payment once whatever the id. */
  returnId: string;
  reason: (typeof RETURN_REASONS)[number];
  returnedAt?: string;
}
export const paymentReturnedSignal = defineSignal<[PaymentReturned]>('paymentReturned');

/** A fee or interest the creditor charges, or a credit it grants; posted once per adjustmentId. */
export interface LedgerAdjustment {
  adjustmentId: string;
  kind: 'fee' | 'interest' | 'credit';
  amountMinor: number;
  currency: string;
  description: string;
}
export const ledgerAdjustmentSignal = defineSignal<[LedgerAdjustment]>('ledgerAdjustment');

// ---- arrangements ------------------------------------------------------------------------------
export interface PromiseRecord extends PromiseRequest {
  id: string;
  takenAt: string;
  status: 'open' | 'kept' | 'partial' | 'broken' | 'cancelled';
  /** Paid since the promise was taken (payments returned later do not count). */
  paidMinor: number;
  /** When the ledger is checked: the promised date plus the grace period. */
  checkAt: string;
  resolvedAt: string | null;
}

export interface WatchedInstalment extends Instalment {
  status: 'due' | 'paid' | 'late' | 'missed';
  remindedAt: string | null;
  noticeSentAt: string | null;
}

export interface PlanRecord {
  id: string;
  terms: PlanTerms;
  schedule: WatchedInstalment[];
  acceptedBy: string;
  acceptedAt: string;
  status: 'active' | 'completed' | 'defaulted' | 'cancelled';
  misses: number;
  paidMinor: number;
  resolvedAt: string | null;
}

export interface ExtensionRecord extends ExtensionRequest {
  id: string;
  days: number;
  grantedAt: string;
  status: 'active' | 'ended' | 'cancelled';
  endedAt: string | null;
}

export interface ArrangementsView {
  active: { kind: 'promise' | 'plan' | 'extension'; id: string } | null;
  promises: PromiseRecord[];
  plans: PlanRecord[];
  extensions: ExtensionRecord[];
}

/** Recorded by update (operators, the API: validated, answered with the promise) or by signal (inbound systems). */
export const recordPromiseUpdate = defineUpdate<PromiseRecord, [PromiseRequest]>('recordPromise');
export const promiseToPaySignal = defineSignal<[PromiseRequest]>('promiseToPay');
/** Plans the debtor's budget and the creditor's rules allow, one per frequency. */
export const planProposalsQuery = defineQuery<PlanProposal[], [BudgetRequest]>('planProposals');
export const acceptPlanUpdate = defineUpdate<PlanRecord, [PlanRequest]>('acceptPlan');
export const grantExtensionUpdate = defineUpdate<ExtensionRecord, [ExtensionRequest]>('grantExtension');

/** New contact details (a move, a new number); each needs a reason. */
export interface ContactDetailsChange {
  email?: string | null;
  phone?: string | null;
  address?: AccountProfile['address'];
  timezone?: string;
  reason: string;
  operator?: string;
}

/**
 * Facts that change what the law lets the product do: by signal from inbound systems (SMS STOP,
 * unsubscribe link, mail room) or from an operator. Each is recorded with the account.
 */
export type ComplianceEvent =
  | { kind: 'dispute'; receivedAt?: string; via: 'letter' | 'email' | 'phone' | 'sms' | 'portal' | 'operator'; note?: string }
  | { kind: 'verification_sent'; sentAt?: string; note?: string }
  | { kind: 'cease_communication'; receivedAt?: string; via: string; note?: string }
  | { kind: 'refusal_to_pay'; receivedAt?: string; via: string; note?: string }
  | { kind: 'attorney_representation'; attorney: string; contact?: string }
  | { kind: 'deceased'; dateOfDeath?: string; estateRepresentative?: Representative }
  | { kind: 'bankruptcy'; caseNumber: string; chapter?: number; filedOn?: string; trustee?: Representative }
  | { kind: 'opt_out'; channel: 'email' | 'sms' | 'call'; address: string; source: 'reply' | 'link' | 'operator' }
  | { kind: 'opt_in'; channel: 'email' | 'sms'; address: string; source: 'reply' | 'form' | 'operator' }
  | { kind: 'telephone_conversation'; at?: string; note?: string }
  /** A free-text reply from the debtor, kept for an operator; it counts as an answer to the last step. */
  | { kind: 'debtor_reply'; channel: 'sms' | 'email'; from: string; text: string }
  /** An address that cannot be delivered to (bounce, undelivered SMS): the cadence falls back to another channel. */
  | { kind: 'contact_invalid'; channel: 'email' | 'sms'; address: string; reason: string; source: 'bounce' | 'status_callback' | 'operator' }
  /** SCRA: the debtor is on active military duty; no repossession while it lasts. */
  | { kind: 'active_military_duty'; active: boolean; note?: string };
/** The only person collection may still write to after a death (the estate) or a bankruptcy (the trustee). */
export interface Representative {
  name: string;
  address: AccountProfile['address'];
}

export const complianceEventSignal = defineSignal<[ComplianceEvent]>('complianceEvent');

export interface ComplianceView {
  flags: { ceaseCommunication: boolean; refusedToPay: boolean; attorneyRepresented: boolean; deceased: boolean; bankruptcy: boolean };
  dispute: 'none' | 'pending_verification' | 'verified';
  /** Disputes outside the validation period do not stop collection but are reported as disputed. */
  disputedOutsideValidationPeriod: boolean;
  validationNotice: { sentAt: string; periodEnds: string } | null;
  activeMilitaryDuty?: boolean;
  representative?: (Representative & { role: 'estate' | 'trustee'; notifiedAt: string | null }) | null;
  optOuts: { channel: 'email' | 'sms' | 'call' | 'voicemail' | 'letter'; address: string }[];
  events: { kind: string; at: string; detail: string }[];
  personalDataPurged: boolean;
}

export interface NextAction {
  description: string;
  at: string; // ISO
}

/** Everything a step did, contact or not, for the account's history. */
export interface StepRecord {
  stepId: string;
  action: string;
  label: string;
  at: string;
  status: 'done' | 'skipped' | 'suppressed' | 'failed';
  detail: string | null;
}

export interface AccountStateView {
  accountKey: string;
  creditorId: string;
  accountId: string;
  stage: Stage;
  balance: Money;
  cadence: { name: string; version: number };
  enrolledAt: string;
  nextAction: NextAction | null;
  contacts: ContactRecord[];
  payments: PaymentRecord[];
  stageHistory: StageChange[];
  /** Engine v2 only. */
  steps?: StepRecord[];
  compliance?: ComplianceView;
  pausedReason?: string | null;
  /** Held for the debtor: overpayments (engine v2). */
  creditBalance?: Money;
  arrangements?: ArrangementsView;
  /** Fees, interest and credits, with what became of each. */
  adjustments?: (LedgerAdjustment & { at: string; status: 'posted' | 'rejected'; reason: string | null })[];
  /** Addresses found undeliverable. */
  invalidContacts?: { channel: 'email' | 'sms'; address: string; reason: string; at: string }[];
}
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
}

/** Operator controls. Each needs a reason, which the stage history keeps. */
export interface OperatorRequest {
  reason: string;
  operator?: string;
}
export const pauseAccountUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('pauseAccount');
export const resumeAccountUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('resumeAccount');
export const skipNextStepUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('skipNextStep');
export const repeatLastStepUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('repeatLastStep');
export const closeAccountUpdate = defineUpdate<AccountStateView, [OperatorRequest]>('closeAccount');
/** Moves the account to a saved cadence (its newest version unless one is named); it starts from its first step. */
export const moveToCadenceUpdate = defineUpdate<AccountStateView, [OperatorRequest & { cadence: string; version?: number }]>('moveToCadence');
export const changeContactDetailsUpdate = defineUpdate<AccountStateView, [ContactDetailsChange]>('changeContactDetails');

export interface AccountOutcome {
  stage: Stage;
  balance: Money;
  contactsSent: number;
}

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
} as const;

/** "Name=Type" pairs, as `temporal server start-dev --search-attribute` and the operator CLI take them. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: string[] = Object.values(searchAttributes).map((key) => {
  const type = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.INT]: 'Int', [SearchAttributeType.DATETIME]: 'Datetime' }[
    key.type as string
  ];
  return `${key.name}=${type}`;
});
