/**
 * What the engine asks the workflow to do (commands) and what comes back (events). The engine
 * never performs a side effect: it names it, with everything the activity needs, and waits for its
 * result as an event. One effect is awaited at a time, so the account's story is a sequence.
 */
import type { AllocationRule } from '../allocation';
import type { AccountReportingFacts } from '../credit-reporting';
import type { AccountProfile, ContactRecord, DebtLine, Language, StageChange } from '../account';
import type { Cadence } from '../cadence';
import type { ContactChannel, ContactRequest, ContactRules } from '../contact-policy';
import type { ArrangementRules, BudgetRequest } from '../arrangements';
import type { ChargeCap, ChargeRules, DueCharge, Suspension } from '../charges';
import type { AccountOutcome, CallAttempt, CallOutcomeRequest, ComplianceEvent, ContactDetailsChange, CreditApplied, CreditRefunded, DialRequest, LedgerAdjustment, OperatorRequest, PaymentFailed, PaymentReceived, PaymentReturned } from './records';
import type { ExtensionRequest, PlanRequest, PromiseRequest } from '../arrangements';
import type { PostalAddress, WorkItemDraft, WorkOutcomeRequest } from './work-records';

/** A letter's envelope and page: to whom, where, and the figures printed on it. */
export interface LetterDetails {
  creditorId: string;
  debtorName: string;
  address: AccountProfile['address'];
  language: Language;
  balanceMinor: number;
  currency: string;
  dateIso: string;
  paymentLink: string;
  /** The letter prints the itemization from the ledger (§1006.34(c)(2)) from this itemization date's account due date (a dispute's verification). */
  itemizeFrom?: string;
}

/**
 * One contact with the debtor (or their representative): the gate decides with `request` and
 * `rules`, the decision is kept as proof, and only an allowed contact is sent — in one activity.
 */
export interface ContactEffect {
  kind: 'contact';
  id: string;
  /** What this contact is for, so its result lands in the right place. */
  purpose:
    | { type: 'step'; stepIndex: number; runKey: string; fallbackFrom: string | null }
    | { type: 'notice' }
    | { type: 'representative' }
    | { type: 'confirmation' }
    /** §1006.10: asking a trace candidate (a possible third party) how to reach the debtor. */
    | { type: 'location'; candidateId: string }
    /** An operator's answer to the debtor's question (a work item). */
    | { type: 'answer'; itemId: string }
    /** A letter owed outside the cadence (letters.ts): the cease confirmation, a placement notice, a dispute's verification. */
    | { type: 'owed_letter'; letterId: string };
  idempotencyKey: string;
  /** Key of the gate's decision in the proof table: one per attempt (a deferral and the later send are two). */
  decisionKey: string;
  accountKey: string;
  stepId: string;
  channel: 'email' | 'sms' | 'call' | 'letter';
  recipient: string | null;
  request: ContactRequest;
  rules: ContactRules;
  subject: string | null;
  text: string;
  html: string | null;
  /** Letters: how to print and mail it. */
  letter?: LetterDetails;
  /** Calls: the limited-content voicemail (§1006.2(j)). */
  voicemail?: string;
  /** A §1006.10 location inquiry is sent under this neutral business name, not the collector's. */
  senderName?: string;
  /** For the UI: what this is, without personal data. */
  summary: string;
  /** The account's {{paymentLink}} as rendered into the text: the worker replaces it with a signed link to the debtor's page. */
  paymentLink?: string;
}

export interface OrderEffect {
  kind: 'order';
  id: string;
  order: 'credit_department' | 'disconnection' | 'reconnection' | 'repossession' | 'placement';
  /** The cadence step that ordered it; -1 for a reconnection (ordered by the account's state, not a step). */
  stepIndex: number;
  input: {
    idempotencyKey: string;
    accountKey: string;
    creditorId: string;
    accountId: string;
    debtorName: string;
    balanceMinor: number;
    currency: string;
    subject?: string;
    text?: string;
    serviceId?: string;
    collateralVin?: string;
    address?: string[];
    account?: AccountProfile;
    contacts?: ContactRecord[];
    stageHistory?: StageChange[];
    openingBalanceMinor?: number;
  };
  summary: string;
}

export type Effect =
  | {
      kind: 'open_account';
      id: string;
      ledger: { accountKey: string; creditorId: string; accountId: string; currency: string; openingBalanceMinor: number; dueDate: string; debts?: DebtLine[]; allocationRule?: AllocationRule };
      /** Segmentation picks the cadence: the account's profile and the time it is chosen at. */
      selectCadence: { account: AccountProfile; nowIso: string } | null;
      /** Who the debtor is, for the person's other accounts at the creditor. */
      link?: DebtorLinkInput;
      summary: string;
    }
  | {
      kind: 'validation_notice';
      id: string;
      input: { idempotencyKey: string; accountKey: string; account: AccountProfile; dateIso: string; periodEnds: string; paymentLink: string; collectorName: string };
      summary: string;
    }
  | ContactEffect
  | { kind: 'post_payment'; id: string; input: { accountKey: string; paymentId: string; amountMinor: number; currency: string; receivedAt: string }; summary: string }
  | { kind: 'reverse_payment'; id: string; input: { accountKey: string; paymentId: string; returnId: string; reason: string; returnedAt: string; feeMinor: number }; summary: string }
  | { kind: 'post_adjustment'; id: string; input: { accountKey: string; adjustmentId: string; kind: LedgerAdjustment['kind']; amountMinor: number; currency: string; description: string; at: string }; summary: string }
  | { kind: 'write_off'; id: string; purpose: { type: 'charge_off'; stepIndex: number } | { type: 'settlement'; planId: string }; input: { accountKey: string; idempotencyKey: string; reason: string; at: string }; summary: string }
  /** The ledger's figures now: for a promise whose date is over (no purpose), or after held credit moved outside the workflow. */
  | { kind: 'ledger_snapshot'; id: string; purpose?: { type: 'credit_moved' }; input: { accountKey: string }; summary: string }
  | OrderEffect
  | { kind: 'purge'; id: string; input: { accountKey: string; reason: string }; summary: string }
  | { kind: 'destroy_keys'; id: string; input: { accountKey: string }; summary: string }
  | {
      kind: 'accrue_charges';
      id: string;
      input: { accountKey: string; currency: string; through: string; at: string; rules: ChargeRules; cap: ChargeCap; suspensions: Suspension[] };
      summary: string;
    }
  /** A retry of a failed automatic payment from the payment method on file, through the creditor's processor. */
  | { kind: 'charge_on_file'; id: string; input: ChargeOnFileInput; summary: string }
  | WorkEffect;

export interface ChargeOnFileInput {
  accountKey: string;
  creditorId: string;
  accountId: string;
  /** One charge per key, however often the activity runs. */
  idempotencyKey: string;
  /** The failed automatic payment this retries. */
  originalPaymentId: string;
  attempt: number;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
}

/** Effects of the work for people and outside services (work items, skip tracing, insurance claims). */
export type WorkEffect =
  | { kind: 'record_work_item'; id: string; input: { accountKey: string; creditorId: string; accountId: string; item: WorkItemDraft }; summary: string }
  | {
      kind: 'trace_request';
      id: string;
      input: { accountKey: string; creditorId: string; reference: string; subject: { name: string; addresses: PostalAddress[]; phones: string[]; emails: string[] } };
      summary: string;
    }
  | {
      kind: 'claim_status';
      id: string;
      purpose: { type: 'step'; stepIndex: number } | { type: 'follow_up' };
      input: ClaimStatusInput;
      summary: string;
    }
  | { kind: 'claim_appeal'; id: string; input: ClaimAppealInput; summary: string };

/** A 276 claim status inquiry, as the engine names it (the payer adapter builds the transaction). */
export interface ClaimStatusInput {
  accountKey: string;
  creditorId: string;
  reference: string;
  claimId: string;
  payerClaimControlNumber: string | null;
  patientName: string;
  serviceDate: string;
  chargeMinor: number;
  currency: string;
}

export interface ClaimAppealInput {
  accountKey: string;
  creditorId: string;
  accountId: string;
  idempotencyKey: string;
  claimId: string;
  payerName: string;
  payerClaimControlNumber: string | null;
  denial: { code: string; reason: string };
  billedMinor: number;
  currency: string;
  patientName: string;
  serviceDate: string;
  dateIso: string;
}

/** An arrangement's latest state for reports; kept without waiting for an answer. */
export interface ArrangementSnapshot {
  arrangementId: string;
  accountKey: string;
  creditorId: string;
  kind: 'promise' | 'plan' | 'extension';
  status: string;
  amountMinor: number | null;
  currency: string;
  dueDate: string | null;
  createdAt: string;
  resolvedAt: string | null;
  detail: Record<string, unknown>;
}

/** Who the account's debtor is, so the person's other accounts at the creditor can be found (a debtor id, email, phone). */
export interface DebtorLinkInput {
  accountKey: string;
  creditorId: string;
  debtorId: string | null;
  email: string | null;
  phone: string | null;
}

/** A call a person asked to place, for the work queue and the proof: the gate's decision (kept once) and the attempt as it stands. */
export interface CallAttemptSnapshot {
  accountKey: string;
  creditorId: string;
  attempt: CallAttempt;
  /** The gate's inputs, kept with its decision as proof (the first time the attempt is saved). */
  decision: { decisionKey: string; request: ContactRequest } | null;
}

export type Command =
  | Effect
  | { kind: 'save_arrangement'; snapshot: ArrangementSnapshot; summary: string }
  | { kind: 'save_call_attempt'; snapshot: CallAttemptSnapshot; summary: string }
  | { kind: 'save_debtor_link'; link: DebtorLinkInput; summary: string }
  /** What credit reporting needs to know of the account, kept when it changes (not waited on, like an arrangement's state). */
  | { kind: 'save_reporting_facts'; facts: AccountReportingFacts; summary: string }
  /** Nothing to do until then (null: until a message arrives). */
  | { kind: 'wait'; until: string | null }
  | { kind: 'continue_as_new' }
  | { kind: 'complete'; outcome: AccountOutcome };

/** Records kept for reports and the work queue without waiting for an answer: carried out before anything else. */
export type SaveCommand = Extract<Command, { kind: 'save_arrangement' | 'save_call_attempt' | 'save_debtor_link' | 'save_reporting_facts' }>;
const SAVE_KINDS: ReadonlySet<string> = new Set(['save_arrangement', 'save_call_attempt', 'save_debtor_link', 'save_reporting_facts']);
export const isSave = (command: Command): command is SaveCommand => SAVE_KINDS.has(command.kind);

/** The results activities give back (what each effect kind resolves to). */
export interface EffectValues {
  open_account: { balanceMinor: number; cadence: Cadence | null; rule: number | null };
  validation_notice: { documentId: string };
  contact: { decision: { kind: 'allow' | 'defer' | 'suppress'; rule: string; reason: string | null; until: string | null }; reference: string | null };
  post_payment: { balanceMinor: number; creditMinor?: number; overpaymentMinor?: number };
  reverse_payment: { balanceMinor: number; creditMinor: number; feeMinor: number };
  post_adjustment: { balanceMinor: number; creditMinor: number };
  write_off: { balanceMinor: number; writtenOffMinor: number };
  ledger_snapshot: { balanceMinor: number; creditMinor: number };
  order: { destination: string; agencyName?: string };
  purge: unknown;
  charge_on_file: { status: 'succeeded' | 'declined' | 'processing'; paymentId: string; declineCode: string | null; message: string | null };
  record_work_item: { itemId: string };
  trace_request: { traceId: string | null; candidates: { kind: 'email' | 'phone' | 'address'; value: string; address?: PostalAddress; confidence: number }[] };
  /** The 277 answer: category (A, P, R, E, F…) and status code, amounts in minor units. */
  claim_status: { category: string; code: string; payerName: string | null; payerClaimControlNumber: string | null; billedMinor: number; paidMinor: number; denial: { code: string; reason: string } | null };
  claim_appeal: { documentId: string };
  destroy_keys: unknown;
  accrue_charges: { balanceMinor: number; creditMinor: number; posted: DueCharge[] };
}

/** An effect that did not succeed: `permanent` when retrying cannot help (a refusal, or retries exhausted). */
export interface EffectFailure {
  type: string | null;
  message: string;
  permanent: boolean;
}

/** Operator controls and arrangement requests, as updates bring them (already validated). */
export type Control =
  | { kind: 'pause'; request: OperatorRequest }
  | { kind: 'resume'; request: OperatorRequest }
  | { kind: 'skip'; request: OperatorRequest }
  | { kind: 'repeat'; request: OperatorRequest }
  | { kind: 'close'; request: OperatorRequest }
  /** The shell loads the named cadence before the move is applied. */
  | { kind: 'move'; request: OperatorRequest & { cadence: string; version?: number }; cadence?: Cadence }
  | { kind: 'contact_details'; request: ContactDetailsChange }
  | { kind: 'promise'; request: PromiseRequest }
  | { kind: 'plan'; request: PlanRequest }
  | { kind: 'extension'; request: ExtensionRequest }
  /** An operator's outcome of a work item (work-outcomes.ts). */
  | { kind: 'work_outcome'; request: WorkOutcomeRequest }
  /** A person is dialling now: the gate answers allow, defer or suppress, and the attempt is recorded. */
  | { kind: 'dial'; request: DialRequest }
  | { kind: 'call_outcome'; request: CallOutcomeRequest };

export type EngineEvent =
  /** The run began: a new account, or one continued as new. */
  | { kind: 'started'; at: string }
  /** Woken: the awaited time came, or a message changed something. `historyLong`: time to continue as new. */
  | { kind: 'tick'; at: string; historyLong?: boolean }
  | { kind: 'effect_done'; at: string; id: string; value: unknown; historyLong?: boolean }
  | { kind: 'effect_failed'; at: string; id: string; failure: EffectFailure; historyLong?: boolean }
  | { kind: 'payment_received'; at: string; payment: PaymentReceived }
  | { kind: 'payment_returned'; at: string; returned: PaymentReturned }
  | { kind: 'payment_failed'; at: string; failed: PaymentFailed }
  | { kind: 'adjustment'; at: string; adjustment: LedgerAdjustment }
  /** Held credit applied from or to this account by an operator (posted already); once per application id. */
  | { kind: 'credit_applied'; at: string; application: CreditApplied }
  /** Held credit refunded by an operator (posted already); once per refund id. */
  | { kind: 'credit_refunded'; at: string; refund: CreditRefunded }
  | { kind: 'compliance'; at: string; event: ComplianceEvent }
  /** A promise from an inbound system: a refused one is recorded, not thrown. */
  | { kind: 'promise_signal'; at: string; request: PromiseRequest }
  | { kind: 'control'; at: string; control: Control };

export type { ArrangementRules, BudgetRequest, ContactChannel };
