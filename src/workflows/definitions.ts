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

export const ACCOUNT_WORKFLOW_TYPE = 'accountWorkflow';

/** A payment as reported by a payment system; the ledger posts it once per paymentId. */
export interface PaymentReceived {
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt?: string;
}
export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');

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
