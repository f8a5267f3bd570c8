/**
 * What the engine knows about one account, and what it is configured with. The state is plain
 * JSON (no Map, Set, Date or bigint): it is carried whole across continue-as-new and shown by
 * queries. Every time is an ISO instant that arrived with an event: the engine has no clock.
 */
import type { AllocationRule } from '../allocation';
import type { AccountReportingFacts } from '../credit-reporting';
import type { AccountProfile, ContactRecord, PaymentRecord, Stage, StageChange } from '../account';
import type { ArrangementRules } from '../arrangements';
import type { ChargeCap, ChargeRules, Suspension } from '../charges';
import type { ArrangementMessageKind } from '../arrangement-messages';
import type { AnswerTemplates } from '../answer-templates';
import type { Cadence, RenderSettings } from '../cadence';
import { delinquentFromMs } from '../schedule';
import type { ConsentRecord, RulePack } from '../contact-policy';
import type { LimitationOverrides } from '../statute-of-limitations';
import type {
  AdjustmentRecord,
  CallAttempt,
  ComplianceView,
  CreditMoveRecord,
  ExtensionRecord,
  InvalidContact,
  LedgerAdjustment,
  NextAction,
  PaymentReceived,
  PaymentReturned,
  PlanRecord,
  PromiseRecord,
  StepRecord,
} from './records';
import type { Effect } from './commands';
import type { OwedLetterKind } from '../owed-letters';
import type { SelfServiceState } from './self-service-state';
import { workDefaults, type WorkState } from './work-records';

/** What the account is configured with: the workflow's input, fixed for the account's life. */
export interface EngineConfig {
  accountKey: string;
  settings: RenderSettings;
  contactRules?: RulePack;
  arrangementRules: ArrangementRules;
  allocationRule?: AllocationRule;
  /** Days personal data is kept after collection ends for a deceased debtor (§1006.100). */
  retentionDays: number;
  notifyRepresentatives: boolean;
  /** The cadence named at enrollment; without it segmentation picks one when the account opens. */
  cadence: Cadence | null;
  /** The creditor's statute-of-limitations figures by USPS code (reviewed by counsel), over the table's. */
  limitationOverrides?: LimitationOverrides;
  /**
   * A message that threatens a remedy inside the validation period: held until the period has
   * ended (the default), or sent with the plain statement of the debtor's rights (§1006.38(b)).
   */
  remedyThreatsInValidationPeriod?: 'hold' | 'statement';
  /** The natural person a limited-content voicemail names (§1006.2(j)); without one no voicemail is left. */
  voicemailContactName?: string | null;
  /** Whether a plan the debtor accepted gets a disconnected service back on (as a payment in full does). */
  reconnectOnPlan?: boolean;
  /** Late fees and interest the contract allows, and the creditor's overrides of the state caps; absent: none. */
  charges?: { rules: ChargeRules; capOverrides?: Record<string, Partial<ChargeCap>> };
  /** The creditor's answer templates; absent: the cadence's, else the shipped ones. */
  answerTemplates?: AnswerTemplates;
  /**
   * Temporal's `patched()`, given by the workflow shell (absent in tests and queries: every change
   * applies). The engine asks it only where a change of behaviour makes a difference, so a run
   * recorded before the change replays as it ran (false), and every other run takes the change
   * (true, and a marker in its history the first time only).
   */
  patched?: (change: EngineChange) => boolean;
}

/**
 * Changes of behaviour a running account may meet mid-run, each a Temporal patch:
 * - `locating-one-per-third-party`: the same third party found twice by a trace is one candidate,
 *   asked once (before: each match was asked, the second with the same key).
 * - `locating-reply-identity`: a candidate's reply verifies it only when it affirms the debtor's
 *   identity (before: any reply did).
 * - `locating-late-third-party`: a reply from a third party asked for location information, after
 *   locating ended, is theirs, not the debtor's (before: the debtor's, answerable).
 * - `validation-period-local-date`: a dispute or a request for the original creditor is within the
 *   validation period by its date in the debtor's zone (before: the date of the instant as written,
 *   UTC for a 'Z' time, so one received in the evening west of UTC on the last day was late).
 * - `validation-notice-after-confirmations`: only a cadence step sent before the notice means the
 *   account began before notices existed (before: any contact did, so a confirmation or receipt
 *   sent while the account was current stopped the notice for good).
 * - `call-preferred-hours`: a call an operator places keeps to the debtor's preferred time of day
 *   (before: only the legal window applied to calls).
 * - `nyc-by-zip`: a New York address whose ZIP code is in New York City gets the city's rules
 *   whatever its city line says ("Flushing", "Astoria"); before, only nine names did.
 */
export type EngineChange =
  | 'locating-one-per-third-party'
  | 'locating-reply-identity'
  | 'locating-late-third-party'
  | 'validation-period-local-date'
  | 'validation-notice-after-confirmations'
  | 'call-preferred-hours'
  | 'nyc-by-zip';

/** Held credit an operator moved (credits.ts), before the ledger's figures are read back. */
export type PendingCreditMove = Pick<CreditMoveRecord, 'id' | 'kind' | 'otherAccountKey' | 'amount' | 'at'>;

/** A letter the account owes: what it is, its id (also its step id in the history), and the facts it was owed for. */
export interface OwedLetter {
  kind: OwedLetterKind;
  id: string;
  /** When the fact that owes it arrived (the cease request, the placement, the verification). */
  owedSince: string;
  /** A placement: with whom; a verification: when the dispute came. */
  placedWith?: string;
  disputedAt?: string | null;
}

/** The promise, plan or extension that holds the cadence now. */
export interface ActiveArrangement {
  kind: 'promise' | 'plan' | 'extension';
  id: string;
  /** Payments from this index on count towards it. */
  paymentsFrom: number;
  stageBefore: Stage;
}

/** What the law lets the product do with this account, from the facts recorded so far. */
export interface ComplianceState extends ComplianceView {
  /** Consent per address, oldest first: the enrollment's, then opt-ins and consents given with new details. */
  consents: ConsentRecord[];
  conversations: string[];
  /** When collection was suspended for a dispute; the cadence clock stops until verification. */
  disputeHeldAt: string | null;
  /** The confirmation after a cease request (§1006.6(c)(2)) has been owed: it is owed once for the account's life. */
  ceaseConfirmationOwed?: boolean;
}

/** A message about an arrangement on its way: email, else SMS, else a letter, each through the gate. */
export interface PendingNotice {
  kind: ArrangementMessageKind;
  id: string;
  values: { amount: string; date: string };
  /** Index into the channels tried in order (email, SMS, letter). */
  option: number;
  /** How many times the contact window deferred the current channel. */
  deferrals: number;
  /** Deferred by the gate: until when, by which rule, and whether a payment came meanwhile (then it is dropped, recorded). */
  deferred: { until: string; rule: string; overtaken: boolean } | null;
}

/** The work for people and outside services (work-records.ts) is part of the state. */
export interface EngineState extends WorkState {
  engine: 3;
  /** Letters owed outside the cadence, oldest first (letters.ts); absent in states from before them. */
  lettersOwed?: OwedLetter[];
  /** Dispute verifications owed so far (each letter's id counts them). */
  lettersOwedCount?: number;
  profile: AccountProfile;
  cadence: Cadence | null;
  stage: Stage;
  stageBeforePause: Stage | null;
  pausedReason: string | null;
  pausedAt: string | null;
  /** Whole days the cadence clock was stopped by holds: every later step moves that much. */
  clockShiftMs: number;
  balanceMinor: number;
  /** Overpayments held as a credit for the debtor. */
  creditMinor: number;
  enrolledAt: string;
  cadenceStartedAt: string;
  ledgerOpened: boolean;
  nextStepIndex: number;
  /** A deferral by the contact-policy gate: the current step waits at least until then. */
  stepNotBefore: string | null;
  /** The current step is due at this time instead of its schedule (a harder step after a broken promise). */
  stepDueAt: string | null;
  /** Counts step executions, so a repeated step gets its own idempotency key. */
  stepRuns: number;
  lastStepAt: string | null;
  answeredSinceLastStep: boolean;
  pendingPayments: PaymentReceived[];
  pendingReturns: PaymentReturned[];
  pendingAdjustments: LedgerAdjustment[];
  /** Held credit moved outside the workflow (applied, refunded), waiting for the ledger's figures to be read back. */
  pendingCreditMoves: PendingCreditMove[];
  /** Held credit moved outside the workflow, once recorded (each id once). */
  creditMoves: CreditMoveRecord[];
  contacts: ContactRecord[];
  payments: PaymentRecord[];
  adjustments: AdjustmentRecord[];
  steps: StepRecord[];
  stageHistory: StageChange[];
  nextAction: NextAction | null;
  compliance: ComplianceState;
  arrangement: ActiveArrangement | null;
  promises: PromiseRecord[];
  plans: PlanRecord[];
  extensions: ExtensionRecord[];
  invalidContacts: InvalidContact[];
  /** Calls people asked to place ("dialling now") and what came of them. */
  callAttempts: CallAttempt[];
  /** When the account was paid or settled; it stays open for returned payments a while. */
  endedAt: string | null;
  stageBeforeEnd: Stage | null;
  /** Since when the cadence clock has been stopped by a hold (pause, dispute, arrangement); overlapping holds count once. */
  holdStartedAt: string | null;
  /** An arrangement message being sent. */
  notice: PendingNotice | null;
  /** After a death, personal data is purged at this time (the retention period after collection ended). */
  purgeAt: string | null;
  /** A utility service cut off by an order of this account, and whether it was ordered back on. */
  service: { serviceId: string; status: 'disconnected' | 'reconnected'; at: string; reconnectRetry?: { attempts: number; lastError: string; notBefore: string } } | null;
  /** The debtor's local date through which late fees and interest were charged (null: never yet). */
  chargesThrough: string | null;
  /** Days on which nothing is charged: a dispute awaiting verification, a plan being kept. */
  chargeSuspensions: Suspension[];
  /**
   * After the purge: the account's data keys were retired (a running workflow cannot lose the keys
   * of its own history); the run continues as new with the redacted state and the next run destroys
   * them, which reaches Temporal's copy of the earlier runs at once (crypto-shredding).
   */
  keysToDestroy: 'continue_first' | 'destroy' | null;
  /** An order the creditor's system did not acknowledge yet (it was down): retried with growing pauses until it is. */
  orderRetry: { stepIndex: number; attempts: number; lastError: string } | null;
  /** The effect whose result the engine waits for (one at a time); its id matches the result. */
  awaiting: Effect | null;
  /** Counts effects, so each gets a unique id. */
  effects: number;
  /** Collection is over: the workflow completes once nothing more can happen. */
  done: boolean;
  /** The debtor's own page (absent in states carried from before it: see selfServiceOf). */
  selfService?: SelfServiceState;
  /** What credit reporting needs beyond the rest of the state (absent in states from before it). */
  reporting?: ReportingState;
}

/** Facts for credit reporting that the rest of the state does not keep, and the facts last kept in Postgres. */
export interface ReportingState {
  saved: AccountReportingFacts | null;
  dispute: AccountReportingFacts['dispute'];
  bankruptcyChapter: number | null;
  closedAtConsumerRequest: boolean;
}

export function emptyCompliance(): ComplianceState {
  return {
    flags: { ceaseCommunication: false, refusedToPay: false, attorneyRepresented: false, deceased: false, bankruptcy: false },
    dispute: 'none',
    disputedOutsideValidationPeriod: false,
    validationNotice: null,
    activeMilitaryDuty: false,
    representative: null,
    optOuts: [],
    events: [],
    personalDataPurged: false,
    consents: [],
    conversations: [],
    disputeHeldAt: null,
  };
}

/** The consents the account was enrolled with, each tied to the address it was given for. */
export function enrollmentConsents(profile: AccountProfile, at: string): ConsentRecord[] {
  return [
    ...(profile.email ? [{ channel: 'email' as const, address: profile.email, consented: profile.consent.email, source: 'enrollment', at }] : []),
    ...(profile.phone ? [{ channel: 'sms' as const, address: profile.phone, consented: profile.consent.sms, source: 'enrollment', at }] : []),
  ];
}

export function initialState(profile: AccountProfile, cadence: Cadence | null, at: string): EngineState {
  const compliance = emptyCompliance();
  compliance.consents = enrollmentConsents(profile, at);
  // Enrolled before its due date: not delinquent yet. Courtesy reminders only; collection (and its clock) starts when it is past due.
  const delinquentFrom = delinquentFromMs(profile.dueDate, profile.timezone);
  const current = Date.parse(at) < delinquentFrom;
  const enrolled = cadence ? `enrolled on cadence ${cadence.name} v${cadence.version}` : 'enrolled';
  return {
    engine: 3,
    profile,
    cadence,
    stage: current ? 'current' : 'notice',
    stageBeforePause: null,
    pausedReason: null,
    pausedAt: null,
    clockShiftMs: 0,
    balanceMinor: profile.balanceMinor,
    creditMinor: 0,
    enrolledAt: at,
    cadenceStartedAt: current ? new Date(delinquentFrom).toISOString() : at,
    ledgerOpened: false,
    nextStepIndex: 0,
    stepNotBefore: null,
    stepDueAt: null,
    stepRuns: 0,
    lastStepAt: null,
    answeredSinceLastStep: false,
    pendingPayments: [],
    pendingReturns: [],
    pendingAdjustments: [],
    pendingCreditMoves: [],
    creditMoves: [],
    contacts: [],
    payments: [],
    adjustments: [],
    steps: [],
    stageHistory: [{ stage: current ? 'current' : 'notice', at, reason: current ? `${enrolled}; not past due until ${new Date(delinquentFrom).toISOString()}: courtesy reminders only` : enrolled }],
    nextAction: null,
    compliance,
    arrangement: null,
    promises: [],
    plans: [],
    extensions: [],
    invalidContacts: [],
    callAttempts: [],
    endedAt: null,
    stageBeforeEnd: null,
    holdStartedAt: null,
    notice: null,
    purgeAt: null,
    orderRetry: null,
    keysToDestroy: null,
    service: null,
    chargesThrough: null,
    chargeSuspensions: [],
    awaiting: null,
    effects: 0,
    done: false,
    ...workDefaults(),
  };
}

/**
 * The state an account carried across continue-as-new from an earlier engine, completed with
 * what this engine adds (fields the earlier one did not have take their neutral value). An
 * effect the earlier run was waiting for is not carried: continue-as-new happens between effects.
 */
export function fromCarried(carried: Record<string, unknown> & { engine?: number }, profile: AccountProfile, cadence: Cadence | null, at: string): EngineState {
  const base = initialState(profile, cadence, at);
  if (carried.engine === 3) return completed(carried as unknown as EngineState, base, profile);
  if (carried.engine !== 2) {
    // The first engine: enrollment facts, payments and contacts; its cadence position carries over.
    const v1 = carried as unknown as { enrolledAt: string; nextStepIndex: number; balanceMinor: number; stage: Stage; ledgerOpened: boolean; pendingPayments: PaymentReceived[]; contacts: ContactRecord[]; payments: PaymentRecord[]; stageHistory: StageChange[] };
    return { ...base, compliance: { ...base.compliance, consents: enrollmentConsents(profile, v1.enrolledAt) }, enrolledAt: v1.enrolledAt, cadenceStartedAt: v1.enrolledAt, nextStepIndex: v1.nextStepIndex, stepRuns: v1.nextStepIndex, balanceMinor: v1.balanceMinor, stage: v1.stage, ledgerOpened: v1.ledgerOpened, pendingPayments: v1.pendingPayments, contacts: v1.contacts, payments: v1.payments, stageHistory: v1.stageHistory };
  }
  const v2 = carried as unknown as Partial<EngineState> & { compliance?: Partial<ComplianceState> };
  const merged = { ...base } as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(v2)) if (value !== undefined && name !== 'controlVersion' && name !== 'engine') merged[name] = value;
  const state = merged as unknown as EngineState;
  state.engine = 3;
  state.compliance = { ...emptyCompliance(), ...(v2.compliance ?? {}) } as ComplianceState;
  // The earlier engines tied enrollment consent to whatever number the account had; here it is the enrolled one's.
  state.compliance.consents = withEnrollmentConsents(state.compliance.consents, profile, state.enrolledAt);
  state.profile = v2.profile ?? profile;
  state.cadence = v2.cadence ?? cadence;
  if (v2.holdStartedAt === undefined) {
    const since = [state.stage === 'paused' ? state.pausedAt : null, state.compliance.dispute === 'pending_verification' ? state.compliance.disputeHeldAt : null]
      .filter((t): t is string => t !== null)
      .sort()[0];
    state.holdStartedAt = since ?? null;
  }
  state.awaiting = null;
  return state;
}

/** Enrollment consents first, unless the records have them already (`profile` is the account as enrolled: the workflow's input). */
function withEnrollmentConsents(consents: ConsentRecord[], profile: AccountProfile, at: string): ConsentRecord[] {
  return consents.some((c) => c.source === 'enrollment') ? consents : [...enrollmentConsents(profile, at), ...consents];
}

/**
 * A state this engine carried, from a build that knew fewer fields: the missing ones take their
 * neutral value (none is missing when the same build carried it, and the state is then unchanged).
 */
function completed(carried: EngineState, base: EngineState, profile: AccountProfile): EngineState {
  const state = { ...base, ...carried, compliance: { ...base.compliance, ...carried.compliance } };
  state.compliance.consents = withEnrollmentConsents(carried.compliance.consents ?? [], profile, carried.enrolledAt);
  return state;
}
