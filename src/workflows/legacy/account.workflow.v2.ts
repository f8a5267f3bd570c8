/**
 * FROZEN: the second engine, kept unchanged for accounts whose history started on it (their
 * first workflow task has the 'cadence-engine-v2' marker and not 'engine-v3'). New accounts run
 * the engine of src/domain/engine through src/workflows/account.workflow.ts; an account on this
 * code moves to the new engine when it continues as new. Do not edit: a change here breaks the
 * replay of running accounts (test/histories/v2-*). Delete it once no account started before the
 * engine-v3 marker is open (README, versioning policy).
 *
 * One workflow per delinquent account, for as long as the account lives. Deterministic: time
 * comes from the workflow clock, every side effect is an activity, state is plain JSON and is
 * carried whole across continue-as-new.
 *
 * Engine v2: cadence steps of every kind (contacts, waits, escalations, terminal steps), timed
 * in the debtor's zone, every debtor contact through the contact-policy gate, operator controls.
 * Accounts whose history predates the 'cadence-engine-v2' marker finish on the frozen v1 code.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setCurrentDetails,
  sleep,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  accountKey as makeAccountKey,
  daysPastDue,
  isEndStage,
  type ContactRecord,
  type EndStage,
  type PaymentRecord,
  type Stage,
  type StageChange,
} from '../../domain/account';
import {
  isDebtorContact,
  renderStepMessage,
  stepLabel,
  TERMINAL_ACTIONS,
  templateValues,
  unmetCondition,
  type Cadence,
  type CadenceStep,
} from '../../domain/cadence';
import { evaluateContact, localDateTime, rulesFor, validationPeriodEnd, type ChannelAddress, type ConsentRecord, type ContactChannel, type ContactRequest } from '../../domain/contact-policy';
import { formatMoney } from '../../domain/money';
import { shiftByLocalDays, stepDueAtMs, zonedTimeToUtcMs } from '../../domain/schedule';
import { limitedContentMessage } from '../../domain/voicemail';
import { candidateZones } from '../../domain/us-zones';
import { isTimeBarred, timeBarredDisclosure } from '../../domain/statute-of-limitations';
import {
  acceptPlanUpdate,
  accountStateQuery,
  changeContactDetailsUpdate,
  grantExtensionUpdate,
  paymentReturnedSignal,
  ledgerAdjustmentSignal,
  type LedgerAdjustment,
  planProposalsQuery,
  promiseToPaySignal,
  recordPromiseUpdate,
  type ExtensionRecord,
  type PaymentReturned,
  type PlanRecord,
  type PromiseRecord,
  type WatchedInstalment,
  closeAccountUpdate,
  complianceEventSignal,
  moveToCadenceUpdate,
  pauseAccountUpdate,
  paymentReceivedSignal,
  repeatLastStepUpdate,
  resumeAccountUpdate,
  searchAttributes,
  skipNextStepUpdate,
  type AccountOutcome,
  type AccountStateView,
  type AccountWorkflowInput,
  type ComplianceEvent,
  type ComplianceView,
  type NextAction,
  type OperatorRequest,
  type PaymentReceived,
  type StepRecord,
} from '../definitions';
import { accountWorkflowV1, type AccountStateV1 } from './account.workflow.v1';
import {
  addDays,
  addMonths,
  ArrangementError,
  DEFAULT_ARRANGEMENT_RULES,
  proposePlans,
  validateExtension,
  validatePlan,
  validatePromise,
  type PromiseRequest,
} from '../../domain/arrangements';
import { renderArrangementMessage, type ArrangementMessageKind } from '../../domain/arrangement-messages';
import type { AccountProfile } from '../../domain/account';

const ledger = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // A posting must never be dropped: retry until the database answers, except on permanent refusals.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Bounded: a flaky provider must not turn into a flood of retries.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
});

const orders = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // Orders to creditors' systems are retried until acknowledged (a refusal is permanent and recorded).
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

/** Everything the workflow knows; carried whole across continue-as-new. */
export interface AccountState {
  engine: 2;
  cadence: Cadence | null;
  stage: Stage;
  stageBeforePause: Stage | null;
  pausedReason: string | null;
  pausedAt: string | null;
  /** Whole days the cadence clock was stopped by pauses: every step moves that much later. */
  clockShiftMs: number;
  balanceMinor: number;
  enrolledAt: string;
  cadenceStartedAt: string;
  ledgerOpened: boolean;
  nextStepIndex: number;
  /** A deferral by the contact-policy gate: the current step waits at least until then. */
  stepNotBefore: string | null;
  /** Counts step executions, so a repeated step gets its own idempotency key. */
  stepRuns: number;
  lastStepAt: string | null;
  answeredSinceLastStep: boolean;
  pendingPayments: PaymentReceived[];
  contacts: ContactRecord[];
  payments: PaymentRecord[];
  steps: StepRecord[];
  stageHistory: StageChange[];
  nextAction: NextAction | null;
  /** Bumped by operator controls and compliance events so waits wake up and re-plan. */
  controlVersion: number;
  compliance: ComplianceState;
  // Added with arrangements; optional so runs carried from before keep working.
  /** The debtor's current contact details (changed by operators); enrollment's profile until then. */
  profile?: AccountProfile;
  /** Overpayments held as a credit for the debtor. */
  creditMinor?: number;
  pendingReturns?: PaymentReturned[];
  pendingAdjustments?: LedgerAdjustment[];
  adjustments?: NonNullable<AccountStateView['adjustments']>;
  arrangement?: ActiveArrangement | null;
  promises?: PromiseRecord[];
  plans?: PlanRecord[];
  extensions?: ExtensionRecord[];
  invalidContacts?: { channel: 'email' | 'sms'; address: string; reason: string; at: string }[];
  /** The current step is due at this time instead of its schedule (a harder step after a broken promise). */
  stepDueAt?: string | null;
  /** When the account was paid or settled; it stays open for returned payments a while. */
  endedAt?: string | null;
  stageBeforeEnd?: Stage | null;
  /**
   * Since when the cadence clock has been stopped by any hold (a pause, a dispute awaiting
   * verification, an arrangement); overlapping holds count once.
   */
  holdStartedAt?: string | null;
}

/** The promise, plan or extension that holds the cadence now. */
interface ActiveArrangement {
  kind: 'promise' | 'plan' | 'extension';
  id: string;
  /** Payments from this index on count towards it. */
  paymentsFrom: number;
  stageBefore: Stage;
}

/** What the law lets the product do with this account, from the facts recorded so far. */
export interface ComplianceState extends ComplianceView {
  /** Consents given after enrollment (opt-ins); enrollment consents come from the account. */
  consents: ConsentRecord[];
  conversations: string[];
  /** When collection was suspended for a dispute; the cadence clock stops until verification. */
  disputeHeldAt: string | null;
}

function emptyCompliance(): ComplianceState {
  return {
    flags: { ceaseCommunication: false, refusedToPay: false, attorneyRepresented: false, deceased: false, bankruptcy: false },
    dispute: 'none',
    disputedOutsideValidationPeriod: false,
    validationNotice: null,
    optOuts: [],
    events: [],
    personalDataPurged: false,
    consents: [],
    conversations: [],
    disputeHeldAt: null,
  };
}

export interface AccountWorkflowArgs extends AccountWorkflowInput {
  /** Present only when the workflow continued as new. */
  carried?: AccountState | AccountStateV1;
}

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
const DEFAULT_COLLECTOR_NAME = 'Dunning Collections';
const DEFAULT_RETENTION_DAYS = 3 * 365;
const DEFAULT_VOICEMAIL_BUSINESS = 'Client Services';
const DEFAULT_CALLBACK_PHONE = '+1 555 555 0100';

export async function accountWorkflowV2(input: AccountWorkflowArgs, continueAsNewWith: (args: AccountWorkflowArgs) => Promise<never>): Promise<AccountOutcome> {
  const carriedV1 = input.carried && !('engine' in input.carried);
  if (!patched('cadence-engine-v2') && input.cadence) {
    return accountWorkflowV1({ account: input.account, cadence: input.cadence, settings: input.settings, carried: input.carried as AccountStateV1 | undefined });
  }
  const { settings } = input;
  const key = makeAccountKey(input.account.creditorId, input.account.accountId);
  const nowIso = () => new Date(Date.now()).toISOString();
  const state: AccountState = !input.carried || carriedV1 ? initialState(input, nowIso()) : (input.carried as AccountState);
  state.compliance ??= emptyCompliance(); // runs carried from before compliance events existed
  // Runs carried from before arrangements existed.
  state.profile ??= input.account;
  state.creditMinor ??= 0;
  state.pendingReturns ??= [];
  state.pendingAdjustments ??= [];
  state.adjustments ??= [];
  state.arrangement ??= null;
  state.promises ??= [];
  state.plans ??= [];
  state.extensions ??= [];
  state.invalidContacts ??= [];
  state.stepDueAt ??= null;
  state.endedAt ??= null;
  state.stageBeforeEnd ??= null;
  if (state.holdStartedAt === undefined) {
    // Runs from before one hold marker: the earliest of the holds still in force.
    const since = [state.stage === 'paused' ? state.pausedAt : null, state.compliance.dispute === 'pending_verification' ? state.compliance.disputeHeldAt : null]
      .filter((t): t is string => t !== null)
      .sort()[0];
    state.holdStartedAt = since ?? null;
  }
  const account = state.profile;
  const rules = input.arrangementRules ?? DEFAULT_ARRANGEMENT_RULES;
  const currency = account.currency;
  const promises = state.promises;
  const plans = state.plans;
  const extensions = state.extensions;
  const invalidContacts = state.invalidContacts;
  const balance = () => ({ amountMinor: state.balanceMinor, currency });
  /** An amount of the account's currency, for people to read. */
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency });

  // ---- handlers -------------------------------------------------------------------------------
  setHandler(paymentReceivedSignal, (payment) => {
    // Duplicate deliveries of one payment id are dropped here; the ledger's unique key is the backstop.
    const known = state.payments.some((p) => p.paymentId === payment.paymentId) || state.pendingPayments.some((p) => p.paymentId === payment.paymentId);
    if (!known) state.pendingPayments.push(payment);
  });
  setHandler(complianceEventSignal, (event) => applyComplianceEvent(event));
  const view = (): AccountStateView => ({
    accountKey: key,
    creditorId: account.creditorId,
    accountId: account.accountId,
    stage: state.stage,
    balance: balance(),
    cadence: { name: state.cadence?.name ?? '(selecting)', version: state.cadence?.version ?? 0 },
    enrolledAt: state.enrolledAt,
    nextAction: state.nextAction,
    contacts: state.contacts,
    payments: state.payments,
    stageHistory: state.stageHistory,
    steps: state.steps,
    pausedReason: state.pausedReason,
    creditBalance: { amountMinor: state.creditMinor ?? 0, currency },
    arrangements: { active: state.arrangement ? { kind: state.arrangement.kind, id: state.arrangement.id } : null, promises, plans, extensions },
    invalidContacts,
    adjustments: state.adjustments,
    compliance: {
      flags: state.compliance.flags,
      dispute: state.compliance.dispute,
      disputedOutsideValidationPeriod: state.compliance.disputedOutsideValidationPeriod,
      validationNotice: state.compliance.validationNotice,
      activeMilitaryDuty: state.compliance.activeMilitaryDuty ?? false,
      representative: state.compliance.representative ?? null,
      optOuts: state.compliance.optOuts,
      events: state.compliance.events,
      personalDataPurged: state.compliance.personalDataPurged,
    },
  });
  setHandler(accountStateQuery, view);

  const requireReason = (request: OperatorRequest) => {
    if (typeof request?.reason !== 'string' || request.reason.trim() === '') throw new Error('reason is required');
  };
  const requireOpen = () => {
    if (isEndStage(state.stage)) throw new Error(`the account is ${state.stage}`);
  };
  const operatorChange = (what: string, request: OperatorRequest) => {
    state.controlVersion += 1;
    refreshNextAction();
    state.steps.push({ stepId: '(operator)', action: what, label: what, at: nowIso(), status: 'done', detail: `${request.reason}${request.operator ? ` (by ${request.operator})` : ''}` });
    publish();
    return view();
  };
  setHandler(pauseAccountUpdate, (request) => {
    state.stageBeforePause = state.stage;
    state.pausedReason = request.reason;
    state.pausedAt = nowIso();
    changeStage('paused', `paused: ${request.reason}`);
    updateHold();
    return operatorChange('pause', request);
  }, {
    validator: (request) => {
      requireReason(request);
      requireOpen();
      if (state.stage === 'paused') throw new Error('the account is already paused');
    },
  });
  setHandler(resumeAccountUpdate, (request) => {
    changeStage(state.stageBeforePause ?? 'reminding', `resumed: ${request.reason}`);
    updateHold();
    state.stageBeforePause = null;
    state.pausedReason = null;
    state.pausedAt = null;
    return operatorChange('resume', request);
  }, {
    validator: (request) => {
      requireReason(request);
      if (state.stage !== 'paused') throw new Error(`the account is ${state.stage}, not paused`);
    },
  });
  setHandler(skipNextStepUpdate, (request) => {
    const skipped = state.cadence?.steps[state.nextStepIndex];
    if (skipped) recordStep(skipped, 'skipped', `operator: ${request.reason}`);
    advance();
    return operatorChange('skip next step', request);
  }, {
    validator: (request) => {
      requireReason(request);
      requireOpen();
      if (!state.cadence || state.nextStepIndex >= state.cadence.steps.length) throw new Error('there is no next step to skip');
    },
  });
  setHandler(repeatLastStepUpdate, (request) => {
    state.nextStepIndex -= 1;
    state.stepNotBefore = null;
    state.lastStepAt = null; // the repeated step is due now, not after its own delay again
    return operatorChange('repeat last step', request);
  }, {
    validator: (request) => {
      requireReason(request);
      requireOpen();
      if (state.nextStepIndex === 0) throw new Error('no step has run yet');
      const last = state.cadence?.steps[state.nextStepIndex - 1];
      if (last && last.action in TERMINAL_ACTIONS) throw new Error('the last step ended the account');
    },
  });
  setHandler(moveToCadenceUpdate, async (request) => {
    const cadence = await ledger.loadCadence.executeWithOptions({ summary: `load cadence ${request.cadence}${request.version ? ` v${request.version}` : ''}` }, [
      { name: request.cadence, version: request.version },
    ]);
    if (cadence.products && !cadence.products.includes(account.product))
      throw ApplicationFailure.nonRetryable(`cadence ${cadence.name} is for ${cadence.products.join(', ')}, not ${account.product}`, 'cadence_not_for_product');
    state.cadence = cadence;
    state.cadenceStartedAt = nowIso();
    state.clockShiftMs = 0;
    state.stepDueAt = null;
    // A hold in force counts for the new cadence only from now on.
    if (state.holdStartedAt) state.holdStartedAt = nowIso();
    state.nextStepIndex = 0;
    state.stepNotBefore = null;
    state.lastStepAt = null;
    state.stageHistory.push({ stage: state.stage, at: nowIso(), reason: `moved to cadence ${cadence.name} v${cadence.version}: ${request.reason}` });
    return operatorChange(`move to ${cadence.name} v${cadence.version}`, request);
  }, {
    validator: (request) => {
      requireReason(request);
      requireOpen();
      if (typeof request.cadence !== 'string' || request.cadence === '') throw new Error('cadence (a saved cadence name) is required');
    },
  });
  setHandler(closeAccountUpdate, (request) => {
    changeStage('closed', `closed by operator: ${request.reason}`);
    return operatorChange('close', request);
  }, {
    validator: (request) => {
      requireReason(request);
      requireOpen();
    },
  });

  // ---- arrangements: promises, plans, extensions, returned payments -----------------------------
  setHandler(ledgerAdjustmentSignal, (adjustment) => {
    const id = adjustment?.adjustmentId;
    if (!state.adjustments!.some((a) => a.adjustmentId === id) && !state.pendingAdjustments!.some((a) => a.adjustmentId === id)) state.pendingAdjustments!.push(adjustment);
  });
  setHandler(paymentReturnedSignal, (returned) => {
    if (!state.pendingReturns!.some((r) => r.paymentId === returned?.paymentId)) state.pendingReturns!.push(returned);
  });
  /** The debtor's calendar decides "today" for dates in promises, plans and extensions. */
  const today = () => localDateTime(nowIso(), account.timezone).date;
  /** A rule the request breaks comes back to the caller naming the field. */
  const refuseWith = (error: unknown): never => {
    if (error instanceof ArrangementError) throw ApplicationFailure.create({ message: error.message, type: 'invalid_arrangement', nonRetryable: true, details: [{ field: error.field }] });
    throw error;
  };
  const requireNoArrangement = (allowPromise: boolean) => {
    const active = state.arrangement;
    if (!active || (allowPromise && active.kind === 'promise')) return;
    throw new Error(`the account has an active ${active.kind} (${active.id}); it must end first`);
  };
  const checkPromise = (request: PromiseRequest) => {
    requireOpen();
    requireNoArrangement(false);
    try {
      return validatePromise(request, { today: today(), balanceMinor: state.balanceMinor, currency, rules });
    } catch (error) {
      return refuseWith(error);
    }
  };
  setHandler(recordPromiseUpdate, async (request) => startPromise(checkPromise(request)), { validator: (request) => void checkPromise(request) });
  // Inbound systems (an IVR, a portal) signal: a promise that breaks a rule is recorded as refused, never thrown.
  setHandler(promiseToPaySignal, async (request) => {
    try {
      await startPromise(checkPromise(request));
    } catch (error) {
      state.compliance.events.push({ kind: 'rejected_promise', at: nowIso(), detail: (error as Error).message });
    }
  });
  setHandler(planProposalsQuery, (budget) => {
    try {
      return proposePlans({ ...budget, balanceMinor: state.balanceMinor, currency, today: today(), rules });
    } catch (error) {
      return refuseWith(error);
    }
  });
  const checkPlan = (request: Parameters<typeof validatePlan>[0]) => {
    requireOpen();
    requireNoArrangement(true);
    try {
      return validatePlan(request, { today: today(), balanceMinor: state.balanceMinor, currency, rules });
    } catch (error) {
      return refuseWith(error);
    }
  };
  setHandler(acceptPlanUpdate, async (request) => {
    const { terms, schedule } = checkPlan(request);
    // Replaced and begun in one step: no await between, so the cadence cannot slip a step in.
    const replaced = state.arrangement?.kind === 'promise' ? finishArrangement('cancelled', 'replaced by a payment plan') : null;
    const plan: PlanRecord = {
      id: `plan-${plans.length + 1}`,
      terms,
      schedule: schedule.map((i) => ({ ...i, status: 'due', remindedAt: null, noticeSentAt: null })),
      acceptedBy: request.acceptedBy,
      acceptedAt: nowIso(),
      status: 'active',
      misses: 0,
      paidMinor: 0,
      resolvedAt: null,
    };
    plans.push(plan);
    beginArrangement('plan', plan.id, 'on_plan', `${terms.settlement ? 'settlement ' : ''}plan accepted by ${request.acceptedBy}: ${schedule.length} ${terms.frequency} payment(s) of ${money(terms.instalmentMinor)}, total ${money(terms.totalMinor)}`);
    if (replaced) await saveArrangement('promise', replaced.id);
    await saveArrangement('plan', plan.id);
    return plan;
  }, { validator: (request) => void checkPlan(request) });
  const checkExtension = (request: Parameters<typeof validateExtension>[0]) => {
    requireOpen();
    requireNoArrangement(false);
    try {
      return validateExtension(request, { today: today(), extensionsGranted: extensions.length, rules });
    } catch (error) {
      return refuseWith(error);
    }
  };
  setHandler(grantExtensionUpdate, async (request) => {
    const valid = checkExtension(request);
    const extension: ExtensionRecord = { ...valid, id: `extension-${extensions.length + 1}`, grantedAt: nowIso(), status: 'active', endedAt: null };
    extensions.push(extension);
    beginArrangement('extension', extension.id, 'extended', `extended to ${valid.newDueDate} (${valid.days} days) by ${valid.grantedBy}${valid.approver ? `, approved by ${valid.approver}` : ''}: ${valid.reason}`);
    await saveArrangement('extension', extension.id);
    return extension;
  }, { validator: (request) => void checkExtension(request) });
  setHandler(changeContactDetailsUpdate, (change) => {
    const changed: string[] = [];
    if (change.email !== undefined) (account.email = change.email), changed.push('email');
    if (change.phone !== undefined) (account.phone = change.phone), changed.push('phone');
    if (change.address) (account.address = change.address), changed.push('address');
    if (change.timezone) (account.timezone = change.timezone), changed.push('time zone');
    return operatorChange(`contact details changed (${changed.join(', ') || 'nothing'})`, change);
  }, {
    validator: (change) => {
      requireReason(change);
      requireOpen();
      if (change.timezone !== undefined) {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: change.timezone });
        } catch {
          throw new Error(`timezone: ${change.timezone} is not an IANA time zone`);
        }
      }
    },
  });

  async function startPromise(valid: PromiseRequest): Promise<PromiseRecord> {
    const checkAt = new Date(zonedTimeToUtcMs(addDays(valid.date, rules.promise.graceDays + 1), '09:00', account.timezone)).toISOString();
    const promise: PromiseRecord = { ...valid, id: `promise-${promises.length + 1}`, takenAt: nowIso(), status: 'open', paidMinor: 0, checkAt, resolvedAt: null };
    promises.push(promise);
    beginArrangement('promise', promise.id, 'promised', `promise to pay ${money(valid.amountMinor)} by ${valid.date} (${valid.channel}, taken by ${valid.takenBy})`);
    await saveArrangement('promise', promise.id);
    return promise;
  }

  function beginArrangement(kind: ActiveArrangement['kind'], id: string, stage: Stage, reason: string): void {
    const stageBefore = state.stage === 'paused' ? (state.stageBeforePause ?? 'reminding') : state.stage;
    state.arrangement = { kind, id, paymentsFrom: state.payments.length, stageBefore };
    if (state.stage === 'paused') state.stageBeforePause = stage;
    else changeStage(stage, reason);
    updateHold();
    state.answeredSinceLastStep = true;
    state.steps.push({ stepId: `(${kind})`, action: kind, label: kind, at: nowIso(), status: 'done', detail: reason });
    state.controlVersion += 1;
    refreshNextAction();
    publish();
  }

  /** Ends the active arrangement and saves it; the cadence clock restarts where it stopped. */
  async function endArrangement(status: string, reason: string): Promise<void> {
    const ended = finishArrangement(status, reason);
    if (ended) await saveArrangement(ended.kind, ended.id);
  }

  /**
   * The state changes of ending the arrangement, all at once (no await), so neither the main
   * loop nor another update can see the account half-way; the caller saves it.
   */
  function finishArrangement(status: string, reason: string): ActiveArrangement | null {
    const active = state.arrangement;
    if (!active) return null;
    const record = arrangementRecord(active.kind, active.id);
    record.status = status as never;
    if ('resolvedAt' in record) record.resolvedAt = nowIso();
    else record.endedAt = nowIso();
    state.arrangement = null;
    updateHold();
    const back: Stage = ['promised', 'on_plan', 'extended', 'notice', 'paused'].includes(active.stageBefore) ? 'reminding' : active.stageBefore;
    if (state.stage === 'paused') state.stageBeforePause = back;
    else if (!isEndStage(state.stage)) changeStage(back, `${active.kind} ${status}: ${reason}`);
    state.steps.push({ stepId: `(${active.kind})`, action: `${active.kind} ${status}`, label: `${active.kind} ${status}`, at: nowIso(), status: 'done', detail: reason });
    state.controlVersion += 1;
    return active;
  }

  function arrangementRecord(kind: ActiveArrangement['kind'], id: string): PromiseRecord | PlanRecord | ExtensionRecord {
    const list: (PromiseRecord | PlanRecord | ExtensionRecord)[] = kind === 'promise' ? promises : kind === 'plan' ? plans : extensions;
    return list.find((r) => r.id === id)!;
  }

  async function saveArrangement(kind: ActiveArrangement['kind'], id: string): Promise<void> {
    const record = arrangementRecord(kind, id);
    const common = { arrangementId: `${key}/${id}`, accountKey: key, creditorId: account.creditorId, kind, status: record.status, currency };
    const snapshot =
      kind === 'promise'
        ? { ...common, amountMinor: (record as PromiseRecord).amountMinor, dueDate: (record as PromiseRecord).date, createdAt: (record as PromiseRecord).takenAt, resolvedAt: (record as PromiseRecord).resolvedAt, detail: { ...record } }
        : kind === 'plan'
          ? { ...common, amountMinor: (record as PlanRecord).terms.totalMinor, dueDate: (record as PlanRecord).schedule.at(-1)?.dueDate ?? null, createdAt: (record as PlanRecord).acceptedAt, resolvedAt: (record as PlanRecord).resolvedAt, detail: { ...record } }
          : { ...common, amountMinor: null, dueDate: (record as ExtensionRecord).newDueDate, createdAt: (record as ExtensionRecord).grantedAt, resolvedAt: (record as ExtensionRecord).endedAt, detail: { ...record } };
    await ledger.recordArrangement.executeWithOptions({ summary: `${kind} ${id}: ${record.status}` }, [snapshot]);
  }

  /** What was paid since the arrangement began, payments returned later not counting. */
  function paidSince(fromIndex: number): number {
    return state.payments.slice(fromIndex).reduce((sum, p) => sum + (p.status === 'posted' ? p.amount.amountMinor : 0), 0);
  }

  // ---- state helpers --------------------------------------------------------------------------
  /**
   * The cadence clock stops while an account is held (paused, or a dispute awaits verification),
   * so overdue steps do not all fire at once afterwards; whole days keep day-based steps at their
   * local time of day.
   */
  /** Starts the hold when the first of pause, dispute or arrangement begins; credits it when the last ends. */
  function updateHold(): void {
    const held = state.stage === 'paused' || state.compliance.dispute === 'pending_verification' || !!state.arrangement;
    if (held && !state.holdStartedAt) state.holdStartedAt = nowIso();
    else if (!held && state.holdStartedAt) {
      stopClockSince(state.holdStartedAt);
      state.holdStartedAt = null;
    }
  }

  function stopClockSince(heldAt: string | null): void {
    if (!heldAt) return;
    const heldMs = Date.now() - Date.parse(heldAt);
    state.clockShiftMs += Math.max(0, Math.round(heldMs / 86_400_000)) * 86_400_000;
  }

  function changeStage(stage: Stage, reason: string): void {
    if (state.stage === stage) return;
    if (stage === 'paid' || stage === 'settled') state.stageBeforeEnd = state.stage;
    state.stage = stage;
    state.stageHistory.push({ stage, at: nowIso(), reason });
  }

  function recordStep(step: CadenceStep, status: StepRecord['status'], detail: string | null): void {
    state.steps.push({ stepId: step.id, action: step.action, label: stepLabel(step), at: nowIso(), status, detail });
  }

  function advance(): void {
    state.nextStepIndex += 1;
    state.stepNotBefore = null;
    state.stepDueAt = null;
  }

  function publish(): void {
    const cadence = state.cadence;
    upsertSearchAttributes([
      { key: searchAttributes.stage, value: state.stage },
      { key: searchAttributes.balanceDueMinor, value: state.balanceMinor },
      { key: searchAttributes.nextActionAt, value: state.nextAction ? new Date(state.nextAction.at) : null },
      { key: searchAttributes.daysPastDue, value: daysPastDue(account.dueDate, nowIso()) },
      { key: searchAttributes.cadenceName, value: cadence?.name ?? null },
      { key: searchAttributes.cadenceVersion, value: cadence?.version ?? null },
    ]);
    const last = state.steps[state.steps.length - 1];
    setCurrentDetails(
      [
        `**${account.debtorName}** · ${account.creditorId} / ${account.accountId} · ${account.product}`,
        `Stage: **${state.stage}**${state.pausedReason ? ` (${state.pausedReason})` : ''} · Balance due: **${formatMoney(balance())}** · ${daysPastDue(account.dueDate, nowIso())} days past due`,
        cadence ? `Cadence: ${cadence.name} v${cadence.version} · step ${Math.min(state.nextStepIndex + 1, cadence.steps.length)} of ${cadence.steps.length}` : 'Cadence: being selected',
        ...(state.creditMinor ? [`Credit held for the debtor: **${money(state.creditMinor)}** (overpayment; refund or apply)`] : []),
        ...(state.arrangement ? [`Arrangement: ${describeArrangement()}`] : []),
        state.nextAction ? `Next: ${state.nextAction.description} at ${state.nextAction.at}` : 'Next: waiting for payment',
        last ? `Last: ${last.label} ${last.status}${last.detail ? ` (${last.detail})` : ''} at ${last.at}` : 'No step yet',
      ].join('\n\n'),
    );
  }

  /** The next step and when it is due, or null when the cadence has run out. */
  function planNext(): { step: CadenceStep; dueAtMs: number } | null {
    const step = state.cadence?.steps[state.nextStepIndex];
    if (!step) return null;
    const scheduled = stepDueAtMs(step, {
      cadenceStartedAtMs: Date.parse(state.cadenceStartedAt),
      dueDate: account.dueDate,
      previousStepAtMs: state.lastStepAt ? Date.parse(state.lastStepAt) : null,
      timezone: account.timezone,
    });
    // The days held move the step by local calendar days, so it keeps its local time across DST.
    const shifted = state.stepDueAt ? Date.parse(state.stepDueAt) : shiftByLocalDays(scheduled, Math.round(state.clockShiftMs / 86_400_000), account.timezone);
    return { step, dueAtMs: Math.max(shifted, state.stepNotBefore ? Date.parse(state.stepNotBefore) : 0) };
  }

  function describeArrangement(): string {
    const active = state.arrangement;
    if (!active) return 'none';
    const record = arrangementRecord(active.kind, active.id);
    if (active.kind === 'promise') {
      const p = record as PromiseRecord;
      return `promise of ${money(p.amountMinor)} by ${p.date} (paid ${money(paidSince(active.paymentsFrom))})`;
    }
    if (active.kind === 'plan') {
      const p = record as PlanRecord;
      const next = p.schedule.find((i) => i.status === 'due');
      return `${p.terms.frequency} plan, ${money(paidSince(active.paymentsFrom))} of ${money(p.terms.totalMinor)} paid, ${p.misses} missed${next ? `, next ${money(next.amountMinor)} on ${next.dueDate}` : ''}`;
    }
    return `extension to ${(record as ExtensionRecord).newDueDate}`;
  }

  function refreshNextAction(): void {
    const next = state.stage === 'paused' || isEndStage(state.stage) ? null : planNext();
    state.nextAction = next ? { description: stepLabel(next.step), at: new Date(next.dueAtMs).toISOString() } : null;
  }

  // ---- compliance events ---------------------------------------------------------------------
  /** Applies a legal fact at once, so it holds before the next step; a malformed event is recorded, never thrown. */
  function applyComplianceEvent(event: ComplianceEvent): void {
    const c = state.compliance;
    const at = nowIso();
    const record = (detail: string) => c.events.push({ kind: String(event?.kind), at, detail });
    switch (event?.kind) {
      case 'dispute': {
        const received = (event.receivedAt ?? at).slice(0, 10);
        // Without a validation notice yet, the period has not even started: treat the dispute as within it.
        const within = !c.validationNotice || received <= c.validationNotice.periodEnds;
        if (within && c.dispute !== 'pending_verification') {
          c.dispute = 'pending_verification';
          c.disputeHeldAt = at;
          updateHold();
        } else if (!within) c.disputedOutsideValidationPeriod = true;
        record(`${within ? 'within' : 'outside'} the validation period, by ${event.via}${event.note ? `: ${event.note}` : ''}`);
        break;
      }
      case 'verification_sent':
        if (c.dispute === 'pending_verification') {
          c.dispute = 'verified';
          c.disputeHeldAt = null;
          updateHold();
        }
        record(`verification sent${event.note ? `: ${event.note}` : ''}`);
        break;
      case 'cease_communication':
        c.flags.ceaseCommunication = true;
        record(`by ${event.via}`);
        break;
      case 'refusal_to_pay':
        c.flags.refusedToPay = true;
        record(`by ${event.via}`);
        break;
      case 'attorney_representation':
        c.flags.attorneyRepresented = true;
        record(`represented by ${event.attorney}`);
        break;
      case 'deceased':
        c.flags.deceased = true;
        if (event.estateRepresentative) c.representative = { ...event.estateRepresentative, role: 'estate', notifiedAt: null };
        record(`date of death ${event.dateOfDeath ?? 'unknown'}`);
        break;
      case 'bankruptcy':
        c.flags.bankruptcy = true;
        if (event.trustee) c.representative = { ...event.trustee, role: 'trustee', notifiedAt: null };
        record(`case ${event.caseNumber}${event.chapter ? `, chapter ${event.chapter}` : ''}`);
        break;
      case 'opt_out':
        if (!c.optOuts.some((o) => o.channel === event.channel && o.address === event.address)) c.optOuts.push({ channel: event.channel as ChannelAddress['channel'], address: event.address });
        record(`${event.channel} ${event.address} by ${event.source}`);
        break;
      case 'opt_in':
        c.optOuts = c.optOuts.filter((o) => !(o.channel === event.channel && o.address === event.address));
        c.consents.push({ channel: event.channel, address: event.address, consented: true });
        record(`${event.channel} ${event.address} by ${event.source}`);
        break;
      case 'telephone_conversation':
        c.conversations.push(event.at ?? at);
        record(event.note ?? 'telephone conversation about the debt');
        break;
      case 'debtor_reply':
        state.answeredSinceLastStep = true;
        record(`${event.channel} from ${event.from}: ${String(event.text).slice(0, 300)}`);
        break;
      case 'contact_invalid':
        if (!invalidContacts.some((i) => i.channel === event.channel && i.address === event.address))
          invalidContacts.push({ channel: event.channel, address: event.address, reason: event.reason, at });
        record(`${event.channel} ${event.address} cannot be delivered to (${event.reason}, from ${event.source})`);
        break;
      case 'active_military_duty':
        c.activeMilitaryDuty = event.active === true;
        record(`${event.active ? 'on' : 'no longer on'} active duty${event.note ? `: ${event.note}` : ''}`);
        break;
      default:
        c.events.push({ kind: 'rejected_event', at, detail: `unknown compliance event ${JSON.stringify(event).slice(0, 200)}` });
        return;
    }
    state.controlVersion += 1;
  }

  /** Whether the debt is past the statute of limitations of the debtor's state, counted from the later of the due date and the last payment. */
  function timeBarred(): { barredSince: string } | null {
    if (account.address.country !== 'US') return null;
    const lastPayment = state.payments.filter((p) => p.status === 'posted').map((p) => p.receivedAt.slice(0, 10)).sort().pop();
    const from = lastPayment && lastPayment > account.dueDate ? lastPayment : account.dueDate;
    const status = isTimeBarred({ state: account.address.region, lastPaymentOrDueDate: from, asOf: nowIso() });
    return status.barred && status.barredSince ? { barredSince: status.barredSince } : null;
  }

  /**
   * After a death or a bankruptcy only the estate's representative or the trustee may be written
   * to, and only if the creditor configured it: one letter, through the gate as a required notice.
   */
  async function notifyRepresentative(): Promise<void> {
    const rep = state.compliance.representative;
    if (!input.notifyRepresentatives || !rep || rep.notifiedAt) return;
    const recipient = `${rep.name} (${rep.role === 'estate' ? `for the estate of ${account.debtorName}` : `trustee, bankruptcy of ${account.debtorName}`})`;
    const request: ContactRequest = { ...contactRequest('letter', recipient), purpose: 'required_notice' };
    const decision = evaluateContact(request, rulesFor(request.state, request.city, input.contactRules));
    const contact: ContactRecord = { stepId: `${rep.role}-notice`, channel: 'letter', at: nowIso(), status: 'sent', reason: null, recipient, providerMessageId: null, rule: decision.rule };
    if (decision.kind !== 'allow') {
      Object.assign(contact, { status: 'suppressed', reason: 'reason' in decision ? decision.reason : null });
    } else {
      const text =
        rep.role === 'estate'
          ? `To ${rep.name}, as representative of the estate of ${account.debtorName}:\n\nOur records show ${formatMoney(balance())} owed on account ${account.accountId} with ${account.creditorId}. We have stopped collecting from ${account.debtorName}. Only the estate is responsible for this amount, and nobody is personally liable for it unless they agreed to be. Please write to us with any question.\n\nThis communication is from a debt collector.`
          : `To ${rep.name}, trustee:\n\nWe have stopped collection of account ${account.accountId} with ${account.creditorId} (${account.debtorName}, ${formatMoney(balance())}) under the automatic stay. This letter is for your records.\n\nThis communication is from a debt collector.`;
      const result = await notifications.sendLetter.executeWithOptions({ summary: `notice to the ${rep.role === 'estate' ? "estate's representative" : 'trustee'} mailed` }, [
        letter(`${key}/${rep.role}-notice`, `Account ${account.accountId}`, text, { name: recipient, address: rep.address, language: 'en' }),
      ]);
      contact.providerMessageId = result.documentId;
    }
    rep.notifiedAt = nowIso();
    state.contacts.push(contact);
  }

  /** Why collection must not go on at all now, if it must not. */
  function collectionStopped(): string | null {
    const f = state.compliance.flags;
    if (f.deceased) return 'debtor deceased: collection stopped';
    if (f.bankruptcy) return 'bankruptcy: automatic stay, collection stopped';
    return null;
  }

  // ---- payments -------------------------------------------------------------------------------
  async function applyPendingPayments(): Promise<void> {
    while (state.pendingPayments.length > 0) {
      const payment = state.pendingPayments[0]!;
      const receivedAt = payment.receivedAt ?? nowIso();
      const record: PaymentRecord = { paymentId: payment.paymentId, amount: { amountMinor: payment.amountMinor, currency: payment.currency }, receivedAt, status: 'posted', reason: null, balanceAfterMinor: null };
      if (!Number.isSafeInteger(payment.amountMinor) || payment.amountMinor <= 0) {
        Object.assign(record, { status: 'rejected', reason: 'amountMinor must be a positive whole number of minor units' });
      } else if (payment.currency !== currency) {
        Object.assign(record, { status: 'rejected', reason: `currency ${payment.currency} does not match the account's ${currency}` });
      } else {
        try {
          const result = await ledger.postPayment.executeWithOptions({ summary: `post payment ${payment.paymentId} of ${formatMoney(record.amount)}` }, [
            { accountKey: key, paymentId: payment.paymentId, amountMinor: payment.amountMinor, currency: payment.currency, receivedAt },
          ]);
          state.balanceMinor = result.balanceMinor;
          record.balanceAfterMinor = result.balanceMinor;
          state.answeredSinceLastStep = true;
          if ('creditMinor' in result) state.creditMinor = result.creditMinor;
          if ('overpaymentMinor' in result && result.overpaymentMinor > 0) {
            // Reported to the operator, who refunds it or applies it; never silently kept.
            record.overpaymentMinor = result.overpaymentMinor;
            state.steps.push({ stepId: '(ledger)', action: 'overpayment', label: 'overpayment held as credit', at: nowIso(), status: 'done', detail: `${money(result.overpaymentMinor)} of payment ${payment.paymentId} beyond the balance is held as a credit for the debtor: refund or apply it` });
          }
        } catch (error) {
          if (!isRefusal(error)) throw error;
          Object.assign(record, { status: 'rejected', reason: `${error.cause.type}: ${error.cause.message}` });
        }
      }
      state.pendingPayments.shift();
      state.payments.push(record);
      publish();
    }
  }

  /** Returned payments: reversed once in the ledger (with the creditor's fee); the account reopens if money is owed again. */
  async function applyPendingReturns(): Promise<void> {
    const pending = state.pendingReturns!;
    while (pending.length > 0) {
      const returned = pending[0]!;
      const payment = state.payments.find((p) => p.paymentId === returned.paymentId && p.status !== 'rejected');
      const at = nowIso();
      if (!payment) {
        state.steps.push({ stepId: '(ledger)', action: 'payment return refused', label: 'payment return refused', at, status: 'failed', detail: `return ${returned.returnId}: no payment ${returned.paymentId} was posted to this account` });
      } else if (payment.status === 'posted') {
        try {
          const result = await ledger.reversePayment.executeWithOptions({ summary: `reverse payment ${payment.paymentId} (${returned.reason})` }, [
            { accountKey: key, paymentId: payment.paymentId, returnId: returned.returnId, reason: returned.reason, returnedAt: returned.returnedAt ?? at, feeMinor: rules.returnedPaymentFeeMinor },
          ]);
          state.balanceMinor = result.balanceMinor;
          state.creditMinor = result.creditMinor;
          payment.status = 'reversed';
          payment.reason = `returned: ${returned.reason} (${returned.returnId})`;
          state.steps.push({
            stepId: '(ledger)',
            action: 'payment returned',
            label: 'payment returned',
            at,
            status: 'done',
            detail: `payment ${payment.paymentId} of ${formatMoney(payment.amount)} returned (${returned.reason})${result.feeMinor ? `; fee ${money(result.feeMinor)} charged` : ''}; balance ${formatMoney(balance())}`,
          });
        } catch (error) {
          if (!isRefusal(error)) throw error;
          state.steps.push({ stepId: '(ledger)', action: 'payment return refused', label: 'payment return refused', at, status: 'failed', detail: `${error.cause.type}: ${error.cause.message}` });
        }
      }
      pending.shift();
      publish();
    }
  }

  /** Fees, interest and credits: posted once each; a refused one is recorded with why. */
  async function applyPendingAdjustments(): Promise<void> {
    const pending = state.pendingAdjustments!;
    while (pending.length > 0) {
      const adjustment = pending[0]!;
      const record = { ...adjustment, at: nowIso(), status: 'posted' as 'posted' | 'rejected', reason: null as string | null };
      if (adjustment.currency !== currency) Object.assign(record, { status: 'rejected', reason: `currency ${adjustment.currency} does not match the account's ${currency}` });
      else {
        try {
          const result = await ledger.postAdjustment.executeWithOptions({ summary: `post ${adjustment.kind} ${adjustment.adjustmentId} of ${money(adjustment.amountMinor)}` }, [
            { accountKey: key, adjustmentId: adjustment.adjustmentId, kind: adjustment.kind, amountMinor: adjustment.amountMinor, currency, description: adjustment.description, at: record.at },
          ]);
          state.balanceMinor = result.balanceMinor;
          state.creditMinor = result.creditMinor;
        } catch (error) {
          if (!isRefusal(error)) throw error;
          Object.assign(record, { status: 'rejected', reason: `${error.cause.type}: ${error.cause.message}` });
        }
      }
      pending.shift();
      state.adjustments!.push(record);
      publish();
    }
  }

  // ---- arrangement watching -------------------------------------------------------------------
  /** 09:00 in the debtor's zone on a calendar day: when checks happen. */
  const morningOf = (date: string, time = '09:00') => zonedTimeToUtcMs(date, time, account.timezone);

  /** Waits for the next moment the arrangement needs attention, or acts on it now. */
  async function watchArrangement(version: number): Promise<void> {
    const active = state.arrangement!;
    if (active.kind === 'promise') return watchPromise(active, version);
    if (active.kind === 'plan') return watchPlan(active, version);
    return watchExtension(active, version);
  }

  async function waitUntil(description: string, atMs: number, version: number): Promise<void> {
    state.nextAction = { description, at: new Date(atMs).toISOString() };
    publish();
    await condition(wakeFor(version), Math.max(1, atMs - Date.now()));
  }

  async function watchPromise(active: ActiveArrangement, version: number): Promise<void> {
    const promise = arrangementRecord('promise', active.id) as PromiseRecord;
    promise.paidMinor = paidSince(active.paymentsFrom);
    if (promise.paidMinor >= promise.amountMinor) return endArrangement('kept', `${money(promise.paidMinor)} paid against the promise of ${money(promise.amountMinor)}`);
    const checkAtMs = Date.parse(promise.checkAt);
    if (Date.now() < checkAtMs) return waitUntil(`check promise of ${money(promise.amountMinor)} due ${promise.date}`, checkAtMs, version);
    // The promised date and the grace period are over: what does the ledger say?
    const snapshot = await ledger.ledgerSnapshot.executeWithOptions({ summary: `check the ledger for promise ${promise.id}` }, [{ accountKey: key }]);
    state.balanceMinor = snapshot.balanceMinor;
    state.creditMinor = snapshot.creditMinor;
    // An update may have replaced the promise (by a plan) while the ledger answered.
    if (state.arrangement?.id !== active.id) return;
    if (promise.paidMinor > 0) {
      const rest = promise.amountMinor - promise.paidMinor;
      await endArrangement('partial', `${money(promise.paidMinor)} of ${money(promise.amountMinor)} paid by ${promise.date}; asked for the remaining ${money(rest)}`);
      await sendArrangementNotice('promise_partial', `${promise.id}/partial`, { amount: money(rest), date: promise.date });
      return;
    }
    // The harder step is chosen before anything awaits, so a new arrangement cannot be overtaken by it.
    moveToHarderStep(`promise ${promise.id} broken`);
    await endArrangement('broken', `nothing paid by ${promise.date} (grace ${rules.promise.graceDays} days)`);
  }

  async function watchPlan(active: ActiveArrangement, version: number): Promise<void> {
    const plan = arrangementRecord('plan', active.id) as PlanRecord;
    plan.paidMinor = paidSince(active.paymentsFrom);
    if (plan.paidMinor >= plan.terms.totalMinor) return completePlan(plan);
    const now = Date.now();
    const acceptedMs = Date.parse(plan.acceptedAt);
    let covered = 0;
    for (const instalment of plan.schedule) {
      covered += instalment.amountMinor;
      if (instalment.status !== 'due') continue;
      const onTimeUntil = morningOf(addDays(instalment.dueDate, 1));
      const missedAt = morningOf(addDays(instalment.dueDate, rules.plan.graceDays + 1));
      if (plan.paidMinor >= covered) {
        instalment.status = now < onTimeUntil ? 'paid' : 'late';
        state.steps.push({ stepId: '(plan)', action: `instalment ${instalment.status}`, label: `instalment ${instalment.number} ${instalment.status}`, at: nowIso(), status: 'done', detail: `${money(instalment.amountMinor)} due ${instalment.dueDate}` });
        await saveArrangement('plan', plan.id);
        if (state.arrangement?.id !== active.id) return;
        continue;
      }
      const remindAt = morningOf(addDays(instalment.dueDate, -rules.plan.reminderDaysBefore), '10:00');
      if (!instalment.remindedAt && remindAt > acceptedMs && now >= remindAt && now < onTimeUntil) {
        instalment.remindedAt = nowIso();
        await sendArrangementNotice('plan_reminder', `${plan.id}/${instalment.number}/reminder`, { amount: money(instalment.amountMinor), date: instalment.dueDate });
        return;
      }
      if (now >= missedAt) return missInstalment(plan, instalment, covered);
      if (now >= onTimeUntil && !instalment.noticeSentAt) {
        instalment.noticeSentAt = nowIso();
        await sendArrangementNotice('plan_missed', `${plan.id}/${instalment.number}/late`, { amount: money(Math.min(instalment.amountMinor, covered - plan.paidMinor)), date: instalment.dueDate });
        return;
      }
      const next = [!instalment.remindedAt && remindAt > acceptedMs && remindAt > now ? remindAt : Infinity, onTimeUntil > now ? onTimeUntil : Infinity, missedAt].reduce((a, b) => Math.min(a, b));
      return waitUntil(`plan payment ${instalment.number}: ${money(instalment.amountMinor)} due ${instalment.dueDate}`, next, version);
    }
    // Every instalment is settled but the plan's total is not (a payment came back): wait for it.
    return waitUntil('plan balance outstanding', now + 86_400_000, version);
  }

  /** A missed instalment's shortfall moves to the end of the plan; too many misses put the plan in default. */
  async function missInstalment(plan: PlanRecord, instalment: WatchedInstalment, coveredThrough: number): Promise<void> {
    const shortfall = Math.min(instalment.amountMinor, coveredThrough - plan.paidMinor);
    instalment.status = 'missed';
    instalment.amountMinor -= shortfall;
    plan.misses += 1;
    const last = plan.schedule[plan.schedule.length - 1]!;
    const dueDate = plan.terms.frequency === 'monthly' ? addMonths(last.dueDate, 1) : addDays(last.dueDate, plan.terms.frequency === 'weekly' ? 7 : 14);
    plan.schedule.push({ number: last.number + 1, dueDate, amountMinor: shortfall, status: 'due', remindedAt: null, noticeSentAt: null });
    const detail = `instalment ${instalment.number} due ${instalment.dueDate}: ${money(shortfall)} not paid after ${rules.plan.graceDays} days' grace (miss ${plan.misses} of ${rules.plan.maxMisses} allowed)`;
    state.steps.push({ stepId: '(plan)', action: 'instalment missed', label: `instalment ${instalment.number} missed`, at: nowIso(), status: 'done', detail });
    if (plan.misses >= rules.plan.maxMisses) {
      plan.resolvedAt = nowIso();
      moveToHarderStep(`plan ${plan.id} in default`);
      await endArrangement('defaulted', detail);
      await sendArrangementNotice('plan_default', `${plan.id}/default`, { amount: formatMoney(balance()), date: instalment.dueDate });
      return;
    }
    await saveArrangement('plan', plan.id);
  }

  async function completePlan(plan: PlanRecord): Promise<void> {
    for (const instalment of plan.schedule) if (instalment.status === 'due') instalment.status = 'paid';
    if (plan.terms.settlement && state.balanceMinor > 0) {
      const result = await ledger.writeOffBalance.executeWithOptions({ summary: `write off ${formatMoney(balance())} after settlement` }, [
        { accountKey: key, idempotencyKey: `${key}/${plan.id}/settlement-write-off`, reason: `settled for ${money(plan.terms.totalMinor)} under ${plan.id}`, at: nowIso() },
      ]);
      const writtenOff = money(result.writtenOffMinor);
      state.balanceMinor = result.balanceMinor;
      await endArrangement('completed', `settlement of ${money(plan.terms.totalMinor)} paid; ${writtenOff} written off`);
      changeStage('settled', `settled for ${money(plan.terms.totalMinor)}; ${writtenOff} written off`);
      return;
    }
    await endArrangement('completed', `${money(plan.paidMinor)} paid under the plan`);
  }

  async function watchExtension(active: ActiveArrangement, version: number): Promise<void> {
    const extension = arrangementRecord('extension', active.id) as ExtensionRecord;
    const until = morningOf(extension.newDueDate);
    if (Date.now() < until) return waitUntil(`extension ends ${extension.newDueDate}`, until, version);
    await endArrangement('ended', `extension to ${extension.newDueDate} is over; collection resumes`);
  }

  /** The balance is cleared while an arrangement runs: it ends as kept or completed. */
  async function closeArrangementOnPaid(): Promise<void> {
    const active = state.arrangement;
    if (!active) return;
    if (active.kind === 'plan') {
      const plan = arrangementRecord('plan', active.id) as PlanRecord;
      plan.paidMinor = paidSince(active.paymentsFrom);
      for (const instalment of plan.schedule) if (instalment.status === 'due') instalment.status = 'paid';
      plan.resolvedAt = nowIso();
      return endArrangement('completed', 'balance paid');
    }
    if (active.kind === 'promise') {
      const promise = arrangementRecord('promise', active.id) as PromiseRecord;
      promise.paidMinor = paidSince(active.paymentsFrom);
      return endArrangement('kept', 'balance paid');
    }
    return endArrangement('ended', 'balance paid');
  }

  /**
   * After a broken promise or a plan in default the cadence resumes at a harder step: the one the
   * cadence names, or else one step further than where it stood, due now (the gate still decides when).
   */
  function moveToHarderStep(reason: string): void {
    const cadence = state.cadence;
    if (!cadence || state.nextStepIndex >= cadence.steps.length) return;
    const named = cadence.onBrokenPromise ? cadence.steps.findIndex((s) => s.id === cadence.onBrokenPromise!.resumeAt) : -1;
    const target = named >= state.nextStepIndex ? named : Math.min(state.nextStepIndex + 1, cadence.steps.length - 1);
    for (let i = state.nextStepIndex; i < target; i++) recordStep(cadence.steps[i]!, 'skipped', `${reason}: moved on to a harder step`);
    state.nextStepIndex = target;
    state.stepNotBefore = null;
    state.stepDueAt = nowIso();
  }

  /**
   * One message about an arrangement, through the gate like any contact: email, else SMS, else a
   * letter, skipping undeliverable addresses; once per key (retries and replays send nothing twice).
   */
  async function sendArrangementNotice(kind: ArrangementMessageKind, id: string, values: { amount: string; date: string }): Promise<void> {
    const rendered = renderArrangementMessage(kind, account.language, {
      ...values,
      debtorName: account.debtorName,
      accountId: account.accountId,
      balance: formatMoney(balance(), account.language),
      paymentLink: templateValues(account, balance(), settings).paymentLink,
      optOutEmail: settings.optOutEmail,
    });
    const options: { channel: 'email' | 'sms' | 'letter'; recipient: string | null }[] = [
      { channel: 'email', recipient: account.email && !isInvalid('email', account.email) ? account.email : null },
      { channel: 'sms', recipient: account.phone && !isInvalid('sms', account.phone) ? account.phone : null },
      { channel: 'letter', recipient: [account.debtorName, account.address.line1, `${account.address.city}, ${account.address.region} ${account.address.postalCode}`].join(', ') },
    ];
    const step: CadenceStep = { id: `${kind}-${id}`.replace(/[^A-Za-z0-9._-]/g, '-'), action: 'email', after: '0d', label: kind.replace('_', ' ') };
    for (const option of options) {
      if (!option.recipient) continue;
      // One send per notice and channel: a fallback to SMS or a letter is its own message.
      const idempotencyKey = option.channel === 'email' ? `${key}/arrangement/${id}` : `${key}/arrangement/${id}/${option.channel}`;
      let decision = await gate(step, option.channel, option.recipient);
      for (let tries = 0; decision.kind === 'defer' && tries < 3; tries++) {
        // Waits for the window without blocking the account: a payment or an operator's action
        // makes the notice stale, so it is dropped (recorded) and the loop handles what arrived.
        const interrupted = await condition(() => ledgerWork() || state.stage === 'paused' || isEndStage(state.stage), Math.max(1, Date.parse(decision.until) - Date.now()));
        if (interrupted) {
          state.contacts.push({ stepId: step.id, channel: option.channel, at: nowIso(), status: 'skipped', reason: 'deferred by the contact window, then overtaken by a payment or an operator', recipient: option.recipient, providerMessageId: null, rule: decision.rule });
          return;
        }
        decision = await gate(step, option.channel, option.recipient);
      }
      const contact: ContactRecord = { stepId: step.id, channel: option.channel, at: nowIso(), status: 'sent', reason: null, recipient: option.recipient, providerMessageId: null, rule: decision.rule };
      if (decision.kind !== 'allow') {
        Object.assign(contact, { status: 'suppressed', reason: 'reason' in decision ? decision.reason : 'deferred too long' });
        state.contacts.push(contact);
        continue;
      }
      try {
        const summary = `${kind.replace('_', ' ')} sent by ${option.channel}`;
        if (option.channel === 'email')
          contact.providerMessageId = (await notifications.sendEmail.executeWithOptions({ summary }, [{ idempotencyKey, accountKey: key, stepId: step.id, to: option.recipient, subject: rendered.subject, text: rendered.text, html: null }])).providerMessageId;
        else if (option.channel === 'sms')
          contact.providerMessageId = (await notifications.sendSms.executeWithOptions({ summary }, [{ idempotencyKey, accountKey: key, stepId: step.id, to: option.recipient, body: rendered.text }])).providerMessageId;
        else
          contact.providerMessageId = (await notifications.sendLetter.executeWithOptions({ summary }, [
            letter(idempotencyKey, rendered.subject, rendered.text),
          ])).documentId;
        state.contacts.push(contact);
        return;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        Object.assign(contact, { status: 'failed', reason: error.cause?.message ?? error.message });
        state.contacts.push(contact);
      }
    }
  }

  /** A printed letter to the debtor (or, after a death or a bankruptcy, to their representative). */
  function letter(idempotencyKey: string, subject: string, body: string, to: { name: string; address: AccountProfile['address']; language: AccountProfile['language'] } = { name: account.debtorName, address: account.address, language: account.language }) {
    return { idempotencyKey, accountKey: key, creditorId: account.creditorId, debtorName: to.name, address: to.address, subject, body, balanceMinor: state.balanceMinor, currency, language: to.language, dateIso: nowIso().slice(0, 10), paymentLink: templateValues(account, balance(), settings).paymentLink };
  }

  // ---- the contact-policy gate ---------------------------------------------------------------
  /** Asks the gate; records its decision as proof. Returns the decision. */
  async function gate(step: CadenceStep, channel: ContactChannel, recipient: string | null) {
    const request: ContactRequest = contactRequest(channel, recipient);
    const decision = evaluateContact(request, rulesFor(request.state, request.city, input.contactRules));
    const decidedAt = nowIso();
    await ledger.recordContactDecision.executeWithOptions({ summary: `contact policy: ${channel} ${step.id} ${decision.kind} (${decision.rule})` }, [
      {
        idempotencyKey: `${key}/decision/${state.stepRuns}/${step.id}/${decidedAt}`,
        accountKey: key,
        stepId: step.id,
        channel,
        decision: decision.kind,
        rule: decision.rule,
        reason: 'reason' in decision ? decision.reason : null,
        deferredUntil: decision.kind === 'defer' ? decision.until : null,
        inputs: request,
        decidedAt,
      },
    ]);
    return decision;
  }

  function contactRequest(channel: ContactChannel, recipient: string | null): ContactRequest {
    return {
      now: nowIso(),
      channel,
      recipient,
      purpose: 'collection',
      timezones: candidateZones(account.timezone, account.address.country, account.address.region, account.phone),
      state: account.address.country === 'US' ? account.address.region : null,
      city: account.address.city,
      consents: [
        ...(account.email ? [{ channel: 'email' as const, address: account.email, consented: account.consent.email }] : []),
        ...(account.phone ? [{ channel: 'sms' as const, address: account.phone, consented: account.consent.sms }] : []),
        ...state.compliance.consents,
      ],
      optOuts: state.compliance.optOuts,
      flags: state.compliance.flags,
      dispute: state.compliance.dispute,
      history: [
        ...state.contacts.filter((c) => c.status === 'sent').map((c) => ({ channel: c.channel as ContactChannel, at: c.at, kind: 'attempt' as const })),
        ...state.compliance.conversations.map((at) => ({ channel: 'call' as const, at, kind: 'conversation' as const })),
      ],
    };
  }

  function isInvalid(channel: 'email' | 'sms', address: string | null): boolean {
    return address !== null && invalidContacts.some((i) => i.channel === channel && i.address === address);
  }

  /** The step's own channel unless its address is undeliverable: then email ⇄ SMS, else a letter. */
  function deliverableChannel(action: 'email' | 'sms' | 'call' | 'letter'): 'email' | 'sms' | 'call' | 'letter' {
    if (action === 'email' && isInvalid('email', account.email)) return account.phone && !isInvalid('sms', account.phone) && account.consent.sms ? 'sms' : 'letter';
    if (action === 'sms' && isInvalid('sms', account.phone)) return account.email && !isInvalid('email', account.email) && account.consent.email ? 'email' : 'letter';
    return action;
  }

  // ---- steps ------------------------------------------------------------------------------------
  type StepResult = { kind: 'done' } | { kind: 'deferred'; untilMs: number };

  async function runStep(step: CadenceStep, index: number): Promise<StepResult> {
    const cadence = state.cadence!;
    const unmet = unmetCondition(step, account, state.balanceMinor, state.answeredSinceLastStep);
    if (unmet) {
      recordStep(step, 'skipped', unmet);
      return { kind: 'done' };
    }
    const barred = timeBarred();
    if (barred && step.threatensSuit) {
      recordStep(step, 'suppressed', `reg_f_1006_26_b_time_barred: the debt is time-barred in ${account.address.region} since ${barred.barredSince}`);
      return { kind: 'done' };
    }
    if (step.action === 'order_repossession' && state.compliance.activeMilitaryDuty) {
      recordStep(step, 'suppressed', 'scra_active_duty: no repossession while the debtor is on active military duty');
      return { kind: 'done' };
    }
    const runKey = `${key}/step/${state.stepRuns}/${step.id}`;
    const label = `${stepLabel(step)} (step ${index + 1} of ${cadence.steps.length})`;
    const message = () => {
      const rendered = renderStepMessage(cadence, step, account.language, templateValues(account, balance(), settings, nowIso()));
      if (!barred) return rendered;
      // A time-barred debt: every message carries the disclosure the debtor's jurisdiction requires.
      const disclosure = timeBarredDisclosure(account.address.region, account.language).replace(/\{\{\s*creditorName\s*\}\}/g, settings.collectorName ?? DEFAULT_COLLECTOR_NAME);
      return { ...rendered, text: `${rendered.text}\n\n${disclosure}`, html: rendered.html === null ? null : `${rendered.html}<p>${disclosure}</p>` };
    };

    if (isDebtorContact(step.action)) {
      // An address found undeliverable (a bounce, an undelivered text) falls back to another channel.
      const action = deliverableChannel(step.action);
      const fallback = action !== step.action ? ` (instead of ${step.action}: ${step.action === 'email' ? account.email : account.phone} is undeliverable)` : '';
      const channel: ContactChannel = action;
      const recipient = action === 'email' ? account.email : action === 'letter' ? [account.debtorName, account.address.line1, `${account.address.city}, ${account.address.region} ${account.address.postalCode}`].join(', ') : account.phone;
      const decision = await gate(step, channel, recipient);
      if (decision.kind === 'defer') return { kind: 'deferred', untilMs: Date.parse(decision.until) };
      const contact: ContactRecord = { stepId: step.id, channel: action, at: nowIso(), status: 'sent', reason: null, recipient, providerMessageId: null, rule: decision.rule };
      if (decision.kind === 'suppress') {
        Object.assign(contact, { status: 'suppressed', reason: decision.reason });
        recordStep(step, 'suppressed', `${decision.rule}: ${decision.reason}`);
      } else {
        try {
          const rendered = message();
          const base = { idempotencyKey: runKey, accountKey: key, stepId: step.id, to: recipient! };
          let reference: string;
          if (action === 'email') {
            reference = (await notifications.sendEmail.executeWithOptions({ summary: `${label} sent to ${recipient}` }, [{ ...base, subject: rendered.subject ?? `Your account ${account.accountId}`, text: rendered.text, html: rendered.html }])).providerMessageId;
          } else if (action === 'sms') {
            // A text written for another channel still tells how to opt out, as every text must.
            const body = step.action === 'sms' || /\bSTOP\b/.test(rendered.text) ? rendered.text : `${rendered.text} Reply STOP to opt out.`;
            reference = (await notifications.sendSms.executeWithOptions({ summary: `${label} sent to ${recipient}${fallback}` }, [{ ...base, body }])).providerMessageId;
          } else if (action === 'call') {
            const voicemail = limitedContentMessage({
              debtorName: account.debtorName,
              callerName: 'your caller',
              businessName: settings.voicemailBusinessName ?? DEFAULT_VOICEMAIL_BUSINESS,
              callbackPhone: settings.callbackPhone ?? DEFAULT_CALLBACK_PHONE,
            });
            reference = (await notifications.createCallTask.executeWithOptions({ summary: `${label}: call task for ${recipient}` }, [{ idempotencyKey: runKey, accountKey: key, phone: recipient!, script: rendered.text, voicemail }])).taskId;
          } else {
            reference = (await notifications.sendLetter.executeWithOptions({ summary: `${label} mailed` }, [
              letter(runKey, rendered.subject ?? '', rendered.text),
            ])).documentId;
          }
          contact.providerMessageId = reference;
          recordStep(step, 'done', `${action} to ${recipient}${fallback}`);
        } catch (error) {
          // Undeliverable after bounded retries, or a message that cannot be composed from the
          // data (RangeError from rendering): recorded, and the cadence goes on.
          if (!(error instanceof ActivityFailure) && !(error instanceof RangeError)) throw error;
          Object.assign(contact, { status: 'failed', reason: error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : error.message });
          recordStep(step, 'failed', contact.reason);
        }
      }
      state.contacts.push(contact);
      if (state.stage === 'notice' && contact.status === 'sent') changeStage('reminding', `first notice sent (${step.id})`);
    } else {
      const notBefore = escalationNotBefore(step);
      if (notBefore !== null) return { kind: 'deferred', untilMs: notBefore };
      await runEscalation(step, runKey, label, message);
    }
    if (step.stage && !isEndStage(state.stage)) changeStage(step.stage, `${stepLabel(step)}`);
    const terminal = TERMINAL_ACTIONS[step.action as keyof typeof TERMINAL_ACTIONS] as EndStage | undefined;
    if (terminal) changeStage(terminal, `${stepLabel(step)} (cadence ${cadence.name} v${cadence.version})`);
    return { kind: 'done' };
  }

  /** §1006.34(b)(5) and (d)(3)(v): no remedy may overshadow the consumer's rights during the validation period. */
  function escalationNotBefore(step: CadenceStep): number | null {
    const notice = state.compliance.validationNotice;
    if (!notice || !['order_disconnection', 'order_repossession', 'place_account'].includes(step.action)) return null;
    const firstDayAfter = new Date(Date.parse(`${notice.periodEnds}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const allowedFrom = zonedTimeToUtcMs(firstDayAfter, '09:00', account.timezone);
    return Date.now() < allowedFrom ? allowedFrom : null;
  }

  async function runEscalation(step: CadenceStep, runKey: string, label: string, message: () => { subject: string | null; text: string }): Promise<void> {
    const base = { idempotencyKey: runKey, accountKey: key, creditorId: account.creditorId, accountId: account.accountId, debtorName: account.debtorName, balanceMinor: state.balanceMinor, currency };
    try {
      switch (step.action) {
        case 'wait':
        case 'close':
          recordStep(step, 'done', null);
          return;
        case 'charge_off': {
          // Guarded: accounts charged off before the ledger could write off keep their history.
          if (!patched('charge-off-write-off')) return recordStep(step, 'done', null);
          const result = await ledger.writeOffBalance.executeWithOptions({ summary: `${label}: ${formatMoney(balance())} written off` }, [
            { accountKey: key, idempotencyKey: `${runKey}/write-off`, reason: `charged off (cadence ${state.cadence!.name} step ${step.id})`, at: nowIso() },
          ]);
          state.balanceMinor = result.balanceMinor;
          recordStep(step, 'done', `${money(result.writtenOffMinor)} written off`);
          return;
        }
        case 'check_arrangement': {
          // Arrangements hold the cadence while they run, so here only the last outcome is left to report.
          const last = [...promises.map((p) => ({ at: p.resolvedAt, text: `promise ${p.id} ${p.status}` })), ...plans.map((p) => ({ at: p.resolvedAt, text: `plan ${p.id} ${p.status}` }))]
            .filter((r) => r.at)
            .sort((a, b) => (a.at! < b.at! ? -1 : 1))
            .pop();
          recordStep(step, 'done', last ? `no open arrangement; last: ${last.text}` : 'no promise or plan on file');
          return;
        }
        case 'notify_credit_department': {
          const m = message();
          const result = await orders.notifyCreditDepartment.executeWithOptions({ summary: `${label}: credit department notified` }, [{ ...base, subject: m.subject ?? '', text: m.text }]);
          recordStep(step, 'done', `notice to ${result.destination}`);
          return;
        }
        case 'order_disconnection': {
          if (!account.serviceId) return recordStep(step, 'skipped', 'the account has no service id');
          const result = await orders.orderServiceDisconnection.executeWithOptions({ summary: `${label}: disconnection of ${account.serviceId} ordered` }, [{ ...base, serviceId: account.serviceId }]);
          recordStep(step, 'done', `disconnection of ${account.serviceId} acknowledged by ${result.destination}`);
          return;
        }
        case 'order_repossession': {
          if (!account.collateralVin) return recordStep(step, 'skipped', 'the account has no collateral on file');
          const m = message();
          const address = [account.address.line1, `${account.address.city}, ${account.address.region} ${account.address.postalCode}`];
          const result = await orders.orderRepossession.executeWithOptions({ summary: `${label}: repossession of ${account.collateralVin} ordered` }, [{ ...base, collateralVin: account.collateralVin, subject: m.subject ?? '', text: m.text, address }]);
          recordStep(step, 'done', `repossession order to ${result.destination}`);
          return;
        }
        case 'place_account': {
          const m = message();
          const result = await orders.placeAccount.executeWithOptions({ summary: `${label}: account packet sent` }, [
            { ...base, account, subject: m.subject ?? '', text: m.text, contacts: state.contacts, stageHistory: state.stageHistory, openingBalanceMinor: account.balanceMinor },
          ]);
          recordStep(step, 'done', `placed with ${result.destination}`);
          return;
        }
        default:
          throw ApplicationFailure.nonRetryable(`step ${step.id}: ${step.action} is not a known action`, 'unknown_step_action');
      }
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // A refused order (permanent) is recorded for an operator; the account does not silently move on as if it had happened.
      recordStep(step, 'failed', error.cause?.message ?? error.message);
      changeStage('escalated', `${stepLabel(step)} failed; needs an operator`);
    }
  }

  // ---- main loop ------------------------------------------------------------------------------
  if (!state.ledgerOpened) {
    const opened = await ledger.openLedgerAccount.executeWithOptions(
      { summary: `open ledger account with ${money(account.balanceMinor)} due` },
      [{ accountKey: key, creditorId: account.creditorId, accountId: account.accountId, currency, openingBalanceMinor: account.balanceMinor, dueDate: account.dueDate, debts: account.debts, allocationRule: input.allocationRule }],
    );
    state.balanceMinor = opened.balanceMinor;
    state.ledgerOpened = true;
  }
  if (!state.cadence) {
    if (input.cadence) state.cadence = input.cadence;
    else {
      const selected = await ledger.selectCadence.executeWithOptions({ summary: 'choose cadence by segmentation' }, [{ account, nowIso: nowIso() }]);
      state.cadence = selected.cadence;
      state.stageHistory[0]!.reason = `enrolled on cadence ${selected.cadence.name} v${selected.cadence.version} (${selected.rule === null ? 'creditor default' : `segmentation rule ${selected.rule + 1}`})`;
    }
  }
  publish();

  /**
   * Regulation F §1006.34: the validation notice, itemized from the ledger, is the first
   * communication; its period decides how a dispute is treated. If it cannot be sent (say the
   * creditor is not configured), nothing else may go out: the account is paused for an operator,
   * and resuming tries again. Guarded: accounts started before it existed carry on without one.
   */
  /**
   * A paid or settled account stays open for the creditor's reopen window: a payment that comes
   * back (insufficient funds, chargeback) reopens it where the cadence stood. True when reopened.
   * Guarded: accounts that ended before the window existed end as they did.
   */
  async function holdForReturnedPayments(): Promise<boolean> {
    if ((state.stage !== 'paid' && state.stage !== 'settled') || !patched('reversal-window')) return false;
    state.endedAt ??= nowIso();
    const windowEndMs = Date.parse(state.endedAt) + rules.reopenWindowDays * 86_400_000;
    while (Date.now() < windowEndMs) {
      state.nextAction = { description: 'close once no payment can come back', at: new Date(windowEndMs).toISOString() };
      publish();
      await condition(() => ledgerWork() || historyIsLong(), Math.max(1, windowEndMs - Date.now()));
      if (historyIsLong() && !ledgerWork()) {
        await condition(allHandlersFinished);
        return continueAsNewWith({ ...input, cadence: state.cadence ?? undefined, carried: state });
      }
      await applyPendingPayments(); // a late payment on a paid account becomes a credit, reported
      await applyPendingReturns();
      await applyPendingAdjustments();
      if (state.balanceMinor > 0) {
        const before = state.stageBeforeEnd;
        const reopenAs: Stage = before === 'escalated' ? 'escalated' : 'reminding';
        const returned = [...state.payments].reverse().find((p) => p.status === 'reversed');
        const charged = state.adjustments!.filter((a) => a.status === 'posted' && a.kind !== 'credit').pop();
        const why = returned ? `payment ${returned.paymentId} ${returned.reason}` : charged ? `${charged.kind} ${charged.adjustmentId} charged` : 'money is owed again';
        changeStage(reopenAs, `reopened: ${why}; ${formatMoney(balance())} due`);
        stopClockSince(state.endedAt);
        state.endedAt = null;
        state.controlVersion += 1;
        return true;
      }
    }
    return false;
  }

  async function sendValidationNoticeIfDue(): Promise<void> {
    if (state.compliance.validationNotice || state.contacts.some((c) => c.status === 'sent') || collectionStopped() || state.stage === 'paused') return;
    if (!patched('validation-notice')) return;
    const today = localDateTime(nowIso(), account.timezone).date;
    const periodEnds = validationPeriodEnd(today);
    try {
      await notifications.sendValidationNotice.executeWithOptions({ summary: `validation notice mailed; validation period ends ${periodEnds}` }, [
        {
          idempotencyKey: `${key}/validation-notice`,
          accountKey: key,
          account,
          dateIso: today,
          periodEnds,
          paymentLink: templateValues(account, balance(), settings).paymentLink,
          collectorName: settings.collectorName ?? DEFAULT_COLLECTOR_NAME,
        },
      ]);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      state.stageBeforePause = state.stage;
      state.pausedReason = `validation notice not sent: ${error.cause?.message ?? error.message}`;
      state.pausedAt = nowIso();
      changeStage('paused', state.pausedReason);
      updateHold();
      return;
    }
    state.compliance.validationNotice = { sentAt: nowIso(), periodEnds };
    state.contacts.push({ stepId: 'validation-notice', channel: 'letter', at: nowIso(), status: 'sent', reason: null, recipient: account.debtorName, providerMessageId: `${key}/validation-notice`, rule: 'required_notice' });
    publish();
  }

  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents;
  const ledgerWork = () => state.pendingPayments.length > 0 || state.pendingReturns!.length > 0 || state.pendingAdjustments!.length > 0;
  const wakeFor = (version: number) => () => ledgerWork() || state.controlVersion !== version || historyIsLong();

  for (;;) {
  while (!isEndStage(state.stage)) {
    await applyPendingPayments();
    await applyPendingReturns();
    await applyPendingAdjustments();
    if (state.balanceMinor <= 0) {
      await closeArrangementOnPaid();
      state.nextAction = null;
      const last = [...state.payments].reverse().find((p) => p.status === 'posted');
      if (state.stage === 'paused') {
        state.stageBeforePause = null;
        state.pausedReason = null;
        state.pausedAt = null;
      }
      changeStage('paid', last ? `balance cleared by payment ${last.paymentId}` : 'no balance due');
      publish();
      break;
    }
    const stopped = collectionStopped();
    if (stopped) {
      await notifyRepresentative();
      changeStage('closed', stopped);
      break;
    }
    if (historyIsLong()) {
      // Handlers run to completion first; pending payments and everything else travel in `carried`.
      await condition(allHandlersFinished);
      return continueAsNewWith({ ...input, cadence: state.cadence ?? undefined, carried: state });
    }
    const version = state.controlVersion;
    await sendValidationNoticeIfDue();
    // A promise, plan or extension holds the cadence while it runs (not while paused or a dispute awaits verification).
    if (state.arrangement && state.stage !== 'paused' && state.compliance.dispute !== 'pending_verification') {
      await watchArrangement(version);
      continue;
    }
    refreshNextAction();
    publish();
    const next = planNext();
    // §1006.38: a dispute within the validation period stops collection until verification is sent.
    if (state.stage === 'paused' || !next || state.compliance.dispute === 'pending_verification') {
      if (state.compliance.dispute === 'pending_verification') state.nextAction = { description: 'waiting for dispute verification', at: nowIso() };
      await condition(wakeFor(version));
      continue;
    }
    const { step, dueAtMs } = next;
    const waitMs = dueAtMs - Date.now();
    if (waitMs > 0) {
      await condition(wakeFor(version), waitMs);
      continue;
    }
    const result = await runStep(step, state.nextStepIndex);
    if (result.kind === 'deferred') {
      state.stepNotBefore = new Date(result.untilMs).toISOString();
      continue;
    }
    state.stepRuns += 1;
    state.lastStepAt = nowIso();
    state.answeredSinceLastStep = false;
    advance();
  }
  // Closed by an operator, a terminal step or a stop (death, bankruptcy): an open arrangement ends with it.
  if (state.arrangement && state.stage !== 'paid' && state.stage !== 'settled') await endArrangement('cancelled', `the account is ${state.stage}`);
  if (!(await holdForReturnedPayments())) break;
  }

  state.nextAction = null;
  publish();
  if (state.compliance.flags.deceased && !state.compliance.personalDataPurged) {
    // The financial record stays; personal data goes once the retention period (§1006.100) has passed.
    const retentionDays = input.retentionDays ?? DEFAULT_RETENTION_DAYS;
    state.nextAction = { description: 'purge personal data', at: new Date(Date.now() + retentionDays * 86_400_000).toISOString() };
    publish();
    await sleep(retentionDays * 86_400_000);
    await ledger.purgePersonalData.executeWithOptions({ summary: 'personal data purged after retention' }, [{ accountKey: key, reason: 'debtor deceased; retention period over' }]);
    state.compliance.personalDataPurged = true;
    for (const contact of state.contacts) contact.recipient = contact.recipient ? '[redacted]' : null;
    for (const invalid of invalidContacts) invalid.address = '[redacted]';
    const rep = state.compliance.representative;
    if (rep) state.compliance.representative = { ...rep, name: '[redacted]', address: { line1: '[redacted]', city: '[redacted]', region: rep.address.region, postalCode: '[redacted]', country: rep.address.country } };
    state.nextAction = null;
    publish();
  }
  await condition(allHandlersFinished);
  return { stage: state.stage, balance: balance(), contactsSent: state.contacts.filter((c) => c.status === 'sent').length };
}

/** A permanent refusal by an activity (a ledger rule, say): recorded, not retried. */
function isRefusal(error: unknown): error is ActivityFailure & { cause: ApplicationFailure } {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable === true;
}

function initialState(input: AccountWorkflowArgs, now: string): AccountState {
  const v1 = input.carried && !('engine' in input.carried) ? (input.carried as AccountStateV1) : null;
  const base: AccountState = {
    engine: 2,
    cadence: input.cadence ?? null,
    stage: 'notice',
    stageBeforePause: null,
    pausedReason: null,
    pausedAt: null,
    clockShiftMs: 0,
    balanceMinor: input.account.balanceMinor,
    enrolledAt: now,
    cadenceStartedAt: now,
    ledgerOpened: false,
    nextStepIndex: 0,
    stepNotBefore: null,
    stepRuns: 0,
    lastStepAt: null,
    answeredSinceLastStep: false,
    pendingPayments: [],
    contacts: [],
    payments: [],
    steps: [],
    stageHistory: [{ stage: 'notice', at: now, reason: input.cadence ? `enrolled on cadence ${input.cadence.name} v${input.cadence.version}` : 'enrolled' }],
    nextAction: null,
    controlVersion: 0,
    compliance: emptyCompliance(),
  };
  if (!v1) return base;
  // An account that continued as new from the first engine keeps everything it knew.
  return { ...base, ...v1, engine: 2, cadence: input.cadence ?? null, cadenceStartedAt: v1.enrolledAt, stepRuns: v1.nextStepIndex, lastStepAt: null, steps: [], stageBeforePause: null, pausedReason: null, pausedAt: null, clockShiftMs: 0, stepNotBefore: null, answeredSinceLastStep: false, controlVersion: 0, compliance: emptyCompliance() };
}
