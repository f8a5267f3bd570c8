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
  /** Verification of a disputed debt was sent; `consumerDisagrees` when the consumer still disputes it after (credit reporting: XC instead of XH). */
  | { kind: 'verification_sent'; sentAt?: string; note?: string; consumerDisagrees?: boolean }
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
}

/** Operator controls. Each needs a reason, which the stage history keeps. */
export interface OperatorRequest {
  reason: string;
  operator?: string;
  /** Closing only: the consumer asked for the account to be closed (credit reporting: XA). */
  consumerRequested?: boolean;
}

export interface AccountOutcome {
  stage: Stage;
  balance: Money;
  contactsSent: number;
}

/** A fee, interest or credit, with what became of it. */
export type AdjustmentRecord = LedgerAdjustment & { at: string; status: 'posted' | 'rejected'; reason: string | null };

/** An address found undeliverable (a bounce, an undelivered text). */
export interface InvalidContact {
  channel: 'email' | 'sms';
  address: string;
  reason: string;
  at: string;
}
