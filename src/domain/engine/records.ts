/**
 * The records an account keeps and shows: payments, arrangements, compliance facts, steps, the
 * state view. Plain JSON (they travel in workflow history and queries). The workflow's message
 * definitions (src/workflows/definitions.ts) re-export them for clients.
 */
import type { AccountProfile, ContactRecord, PaymentRecord, Stage, StageChange } from '../account';
import type { Money } from '../money';
import type { ExtensionRequest, Instalment, PlanTerms, PromiseRequest } from '../arrangements';

/** A payment as reported by a payment system; the ledger posts it once per paymentId. */
export interface PaymentReceived {
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt?: string;
}

/** A payment that came back: insufficient funds, a chargeback, a check that bounced. */
export const RETURN_REASONS = ['insufficient_funds', 'chargeback', 'check_returned', 'account_closed', 'stopped_payment', 'other'] as const;
export interface PaymentReturned {
  paymentId: string;
  /** The processor's id of the return; the ledger reverses a payment once whatever the id. */
  returnId: string;
  reason: (typeof RETURN_REASONS)[number];
  returnedAt?: string;
}

/** A fee or interest the creditor charges, or a credit it grants; posted once per adjustmentId. */
export interface LedgerAdjustment {
  adjustmentId: string;
  kind: 'fee' | 'interest' | 'credit';
  amountMinor: number;
  currency: string;
  description: string;
}

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

/**
 * New contact details (a move, a new number); each needs a reason. A new number or email address
 * has no consent until it is given for it: `consent` records that the debtor gave it with the new
 * address (e.g. a number the debtor gave for the debt, for texts), and where that came from.
 */
export interface ContactDetailsChange {
  email?: string | null;
  phone?: string | null;
  consent?: { email?: boolean; sms?: boolean; source: string };
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

export interface ComplianceView {
  flags: { ceaseCommunication: boolean; refusedToPay: boolean; attorneyRepresented: boolean; deceased: boolean; bankruptcy: boolean };
  dispute: 'none' | 'pending_verification' | 'verified';
  /** Disputes outside the validation period do not stop collection but are reported as disputed. */
  disputedOutsideValidationPeriod: boolean;
  validationNotice: { sentAt: string; periodEnds: string } | null;
  activeMilitaryDuty?: boolean;
  representative?: (Representative & { role: 'estate' | 'trustee'; notifiedAt: string | null }) | null;
  optOuts: { channel: 'email' | 'sms' | 'call' | 'voicemail' | 'letter'; address: string }[];
  /** Consent per address, oldest first, with where it came from and when (engine v3). */
  consents?: { channel: 'email' | 'sms' | 'call' | 'voicemail' | 'letter'; address: string; consented: boolean; source?: string; at?: string }[];
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
  adjustments?: AdjustmentRecord[];
  /** Addresses found undeliverable. */
  invalidContacts?: InvalidContact[];
  /** Calls people asked to place ("dialling now"), with the gate's answer and what came of each. */
  callAttempts?: CallAttempt[];
}

/** Operator controls. Each needs a reason, which the stage history keeps. */
export interface OperatorRequest {
  reason: string;
  operator?: string;
}

export interface AccountOutcome {
  stage: Stage;
  balance: Money;
  contactsSent: number;
}

/** A fee, interest or credit, with what became of it. */
export type AdjustmentRecord = LedgerAdjustment & { at: string; status: 'posted' | 'rejected'; reason: string | null };

/** What came of a call a person placed (the 7-in-7 and 7-day rules count attempts and conversations, §1006.14(b)(2)). */
export const CALL_OUTCOMES = ['no_answer', 'voicemail', 'wrong_number', 'conversation'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** An attempt or a conversation with the same person about another of the creditor's accounts (for the person's call caps). */
export interface CallElsewhere {
  accountKey: string;
  at: string;
  kind: 'attempt' | 'conversation';
}

/** "Dialling now": a person is about to call the debtor and asks whether they may. */
export interface DialRequest {
  /** The number to dial; the account's number when absent. */
  phone?: string;
  /** The call task being worked, if any: its own creation then no longer counts as an attempt. */
  taskId?: string;
  operator: string;
  /** Calls with the same person on the creditor's other accounts, found by the caller's system (the API looks them up). */
  elsewhere?: CallElsewhere[];
}

/** One dial asked for: the gate's answer, and (once reported) what came of the call. */
export interface CallAttempt {
  id: string;
  phone: string;
  at: string;
  operator: string;
  taskId: string | null;
  decision: 'allow' | 'defer' | 'suppress';
  rule: string;
  reason: string | null;
  /** Deferred: the earliest time the call may be placed. */
  until: string | null;
  outcome: CallOutcome | null;
  outcomeAt: string | null;
  note: string | null;
}

export interface CallOutcomeRequest {
  attemptId: string;
  outcome: CallOutcome;
  note?: string;
  operator?: string;
}

/** An address found undeliverable (a bounce, an undelivered text), or a number found not to be the debtor's (a wrong number: calls and texts). */
export interface InvalidContact {
  channel: 'email' | 'sms' | 'call';
  address: string;
  reason: string;
  at: string;
}
