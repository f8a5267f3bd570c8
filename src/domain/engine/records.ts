/**
 * The records an account keeps and shows: payments, arrangements, compliance facts, steps, the
 * state view. Plain JSON (they travel in workflow history and queries). The workflow's message
 * definitions (src/workflows/definitions.ts) re-export them for clients.
 */
import type { AccountProfile, ContactRecord, PaymentRecord, Stage, StageChange } from '../account';
import type { Money } from '../money';
import type { CreditApplicationRecord } from '../credit-application';
import type { ExtensionRequest, Instalment, PlanTerms, PromiseRequest } from '../arrangements';
import type { ClaimState, FurtherContact, LocatingState, OpenWorkItem, VisitState } from './work-records';

/** A payment as reported by a payment system; the ledger posts it once per paymentId. */
export interface PaymentReceived {
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt?: string;
  /** Where the money came from: the debtor's own page and a card on file get a receipt. */
  source?: PaymentSource;
}
export const PAYMENT_SOURCES = ['debtor_page', 'card_on_file', 'creditor'] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];

/**
 * A payment the processor declined: the debtor's own attempt on the page (recorded), or an
 * automatic payment from a card or bank account on file (`retry` names it: retried by the decline code).
 */
export interface PaymentFailed {
  paymentId: string;
  amountMinor: number;
  currency: string;
  /** The processor's decline code (Stripe's names: insufficient_funds, do_not_honor, lost_card…). */
  declineCode: string;
  message?: string;
  failedAt?: string;
  retry?: { paymentMethod: string };
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

/**
 * A credit held on one of the debtor's accounts applied to a debt on another (the same creditor's),
 * already posted on both ledgers by an operator's command. The same message goes to both accounts;
 * each finds its side by its key. Once per applicationId.
 */
export type CreditApplied = Pick<CreditApplicationRecord, 'applicationId' | 'sourceAccountKey' | 'targetAccountKey' | 'amountMinor' | 'currency' | 'appliedAt'>;

/** A credit the account held refunded to the debtor, already posted by an operator's command. Once per refundId. */
export interface CreditRefunded {
  refundId: string;
  amountMinor: number;
  currency: string;
  refundedAt: string;
}

/** Held credit that moved outside the workflow, as the account records it once the ledger's figures are read back. */
export interface CreditMoveRecord {
  /** `application/<applicationId>` or `refund/<refundId>`. */
  id: string;
  /**
   * applied_out: this account's credit paid another account's debt; applied_in: another account's
   * credit paid this one; misaddressed: an application naming neither this account (ignored).
   */
  kind: 'applied_out' | 'applied_in' | 'refunded' | 'misaddressed';
  /** The other account of an application. */
  otherAccountKey: string | null;
  amount: Money;
  /** When it was posted. */
  at: string;
  status: 'recorded' | 'ignored';
  reason: string | null;
  balanceAfterMinor: number | null;
  creditAfterMinor: number | null;
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
  /** Made by the debtor on their page: they get a confirmation. */
  via?: 'debtor_page';
}

export type PreferredChannel = 'email' | 'sms';
/** Local hours: morning 08-12, afternoon 12-17, evening 17-21 (inside the law's 08-21 window). */
export type TimeOfDay = 'morning' | 'afternoon' | 'evening';
export const TIME_OF_DAY_HOURS: Record<TimeOfDay, [number, number]> = { morning: [8, 12], afternoon: [12, 17], evening: [17, 21] };

export interface ContactPreferences {
  channel: PreferredChannel | null;
  timeOfDay: TimeOfDay | null;
}

/** A question the debtor wrote, waiting for a person (the text is kept in Postgres, debtor_questions). */
export interface DebtorQuestion {
  id: string;
  askedAt: string;
  status: 'open' | 'answered';
  answeredAt: string | null;
}

/** One attempt to collect a payment through the processor, as the account records it. */
export interface PaymentAttemptRecord {
  /** The failed automatic payment the retries are for (or the debtor's own attempt). */
  paymentId: string;
  attempt: number;
  at: string;
  kind: 'debtor' | 'automatic' | 'retry';
  status: 'declined' | 'succeeded' | 'not_retried' | 'failed';
  declineCode: string | null;
  detail: string;
}

/**
 * Facts that change what the law lets the product do: by signal from inbound systems (SMS STOP,
 * unsubscribe link, mail room) or from an operator. Each is recorded with the account.
 */
export type ComplianceEvent =
  | { kind: 'dispute'; receivedAt?: string; via: 'letter' | 'email' | 'phone' | 'sms' | 'portal' | 'operator' | 'debtor_page'; note?: string; scope?: 'all' | 'part'; amountMinor?: number }
  /** §1006.38(c): the debtor asks for the original creditor's name and address; within the period it holds collection as a dispute does. */
  | { kind: 'original_creditor_request'; receivedAt?: string; via: 'letter' | 'email' | 'phone' | 'debtor_page' | 'operator'; note?: string }
  /** Verification of a disputed debt was sent; `consumerDisagrees` when the consumer still disputes it after (credit reporting: XC instead of XH). */
  | { kind: 'verification_sent'; sentAt?: string; note?: string; consumerDisagrees?: boolean }
  | { kind: 'cease_communication'; receivedAt?: string; via: string; note?: string }
  | { kind: 'refusal_to_pay'; receivedAt?: string; via: string; note?: string }
  | { kind: 'attorney_representation'; attorney: string; contact?: string }
  | { kind: 'deceased'; dateOfDeath?: string; estateRepresentative?: Representative }
  | { kind: 'bankruptcy'; caseNumber: string; chapter?: number; filedOn?: string; trustee?: Representative }
  | { kind: 'opt_out'; channel: 'email' | 'sms' | 'call'; address: string; source: 'reply' | 'link' | 'operator' | 'debtor_page' }
  | { kind: 'opt_in'; channel: 'email' | 'sms'; address: string; source: 'reply' | 'form' | 'operator' | 'debtor_page' }
  /** A question the debtor wrote (on their page), kept for a person to answer. */
  | { kind: 'debtor_question'; questionId: string; text: string; via: 'debtor_page' | 'operator' }
  | { kind: 'question_answered'; questionId: string; note?: string }
  /** The debtor's preferred channel and time of day (null clears one); other times become inconvenient (§1006.6(b)(1)). */
  | { kind: 'contact_preferences'; channel?: PreferredChannel | null; timeOfDay?: TimeOfDay | null; via: 'debtor_page' | 'operator' }
  | { kind: 'telephone_conversation'; at?: string; note?: string }
  /** A free-text reply from the debtor, kept for an operator; it counts as an answer to the last step. */
  | { kind: 'debtor_reply'; channel: 'sms' | 'email'; from: string; text: string }
  /** An address that cannot be delivered to (bounce, undelivered SMS): the cadence falls back to another channel. */
  | { kind: 'contact_invalid'; channel: 'email' | 'sms'; address: string; reason: string; source: 'bounce' | 'status_callback' | 'operator' }
  /** SCRA: the debtor is on active military duty; no repossession while it lasts. */
  | { kind: 'active_military_duty'; active: boolean; note?: string }
  /** The post office returned a letter: the postal address (the account's when absent) cannot be written to. */
  | { kind: 'mail_returned'; address?: AccountProfile['address']; reason: string; source: 'post_office' | 'print_vendor' | 'operator' };
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
  /** Held credit applied to or from the debtor's other accounts, or refunded. */
  creditMoves?: CreditMoveRecord[];
  /** Addresses found undeliverable. */
  invalidContacts?: InvalidContact[];
  /** Locating (with each further contact of a third party and why it was allowed), a field visit, an insurance claim, and the work items open for people. */
  work?: { locating: LocatingState | null; returnedMail: string[]; furtherContacts: FurtherContact[]; visit: VisitState | null; claim: ClaimState | null; openItems: OpenWorkItem[] };
  /** Calls people asked to place ("dialling now"), with the gate's answer and what came of each. */
  callAttempts?: CallAttempt[];
  /** What the debtor did on their page and asked for: preferences, questions, payment attempts. */
  selfService?: SelfServiceView;
}

export interface SelfServiceView {
  preferences: ContactPreferences;
  questions: DebtorQuestion[];
  paymentAttempts: PaymentAttemptRecord[];
  /** A dispute of part of the debt: the amount disputed. */
  disputedAmountMinor: number | null;
  originalCreditorRequested: boolean;
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

/**
 * What the debtor's own page shows (the debtorPage query): the debt, the validation period, the
 * arrangement running, the contact details and preferences. Read by the HTTP service only after
 * the visitor has answered the verification question; never shown to operators' tools.
 */
export interface DebtorPageView {
  accountKey: string;
  creditorId: string;
  accountId: string;
  debtorName: string;
  language: AccountProfile['language'];
  product: AccountProfile['product'];
  email: string | null;
  phone: string | null;
  address: AccountProfile['address'];
  timezone: string;
  postalCode: string;
  stage: Stage;
  balance: Money;
  creditBalance: Money;
  dueDate: string;
  validationPeriodEnds: string | null;
  dispute: ComplianceView['dispute'];
  collectionStopped: boolean;
  smsConsent: boolean;
  optOuts: ComplianceView['optOuts'];
  activePromise: PromiseRecord | null;
  activePlan: PlanRecord | null;
  payments: PaymentRecord[];
  selfService: SelfServiceView;
}
