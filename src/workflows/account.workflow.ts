/**
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
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  sleep,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  accountKey as makeAccountKey,
  daysPastDue,
  isEndStage,
  type ContactRecord,
  type EndStage,
  type PaymentRecord,
  type Stage,
  type StageChange,
} from '../domain/account';
import {
  isDebtorContact,
  renderStepMessage,
  stepLabel,
  TERMINAL_ACTIONS,
  templateValues,
  unmetCondition,
  type Cadence,
  type CadenceStep,
} from '../domain/cadence';
import { evaluateContact, localDateTime, rulesFor, validationPeriodEnd, type ChannelAddress, type ConsentRecord, type ContactChannel, type ContactRequest } from '../domain/contact-policy';
import { formatMoney } from '../domain/money';
import { shiftByLocalDays, stepDueAtMs, zonedTimeToUtcMs } from '../domain/schedule';
import { limitedContentMessage } from '../domain/voicemail';
import { candidateZones } from '../domain/us-zones';
import { isTimeBarred, timeBarredDisclosure } from '../domain/statute-of-limitations';
import {
  accountStateQuery,
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
} from './definitions';
import { accountWorkflowV1, type AccountStateV1 } from './legacy/account.workflow.v1';

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

export async function accountWorkflow(input: AccountWorkflowArgs): Promise<AccountOutcome> {
  const carriedV1 = input.carried && !('engine' in input.carried);
  if (!patched('cadence-engine-v2') && input.cadence) {
    return accountWorkflowV1({ account: input.account, cadence: input.cadence, settings: input.settings, carried: input.carried as AccountStateV1 | undefined });
  }
  const { account, settings } = input;
  const key = makeAccountKey(account.creditorId, account.accountId);
  const nowIso = () => new Date(Date.now()).toISOString();
  const state: AccountState = !input.carried || carriedV1 ? initialState(input, nowIso()) : (input.carried as AccountState);
  state.compliance ??= emptyCompliance(); // runs carried from before compliance events existed
  const currency = account.currency;
  const balance = () => ({ amountMinor: state.balanceMinor, currency });

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
    stopClockSince(state.pausedAt);
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

  // ---- state helpers --------------------------------------------------------------------------
  /**
   * The cadence clock stops while an account is held (paused, or a dispute awaits verification),
   * so overdue steps do not all fire at once afterwards; whole days keep day-based steps at their
   * local time of day.
   */
  function stopClockSince(heldAt: string | null): void {
    if (!heldAt) return;
    const heldMs = Date.now() - Date.parse(heldAt);
    state.clockShiftMs += Math.max(0, Math.round(heldMs / 86_400_000)) * 86_400_000;
  }

  function changeStage(stage: Stage, reason: string): void {
    if (state.stage === stage) return;
    state.stage = stage;
    state.stageHistory.push({ stage, at: nowIso(), reason });
  }

  function recordStep(step: CadenceStep, status: StepRecord['status'], detail: string | null): void {
    state.steps.push({ stepId: step.id, action: step.action, label: stepLabel(step), at: nowIso(), status, detail });
  }

  function advance(): void {
    state.nextStepIndex += 1;
    state.stepNotBefore = null;
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
    const shifted = shiftByLocalDays(scheduled, Math.round(state.clockShiftMs / 86_400_000), account.timezone);
    return { step, dueAtMs: Math.max(shifted, state.stepNotBefore ? Date.parse(state.stepNotBefore) : 0) };
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
        } else if (!within) c.disputedOutsideValidationPeriod = true;
        record(`${within ? 'within' : 'outside'} the validation period, by ${event.via}${event.note ? `: ${event.note}` : ''}`);
        break;
      }
      case 'verification_sent':
        if (c.dispute === 'pending_verification') {
          c.dispute = 'verified';
          stopClockSince(c.disputeHeldAt);
          c.disputeHeldAt = null;
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
        { idempotencyKey: `${key}/${rep.role}-notice`, accountKey: key, creditorId: account.creditorId, debtorName: recipient, address: rep.address, subject: `Account ${account.accountId}`, body: text, balanceMinor: state.balanceMinor, currency, language: 'en', dateIso: nowIso().slice(0, 10), paymentLink: templateValues(account, balance(), settings).paymentLink },
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
        } catch (error) {
          if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable)) throw error;
          Object.assign(record, { status: 'rejected', reason: `${error.cause.type}: ${error.cause.message}` });
        }
      }
      state.pendingPayments.shift();
      state.payments.push(record);
      publish();
    }
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
      const channel: ContactChannel = step.action;
      const recipient = step.action === 'email' ? account.email : step.action === 'letter' ? [account.debtorName, account.address.line1, `${account.address.city}, ${account.address.region} ${account.address.postalCode}`].join(', ') : account.phone;
      const decision = await gate(step, channel, recipient);
      if (decision.kind === 'defer') return { kind: 'deferred', untilMs: Date.parse(decision.until) };
      const contact: ContactRecord = { stepId: step.id, channel: step.action, at: nowIso(), status: 'sent', reason: null, recipient, providerMessageId: null, rule: decision.rule };
      if (decision.kind === 'suppress') {
        Object.assign(contact, { status: 'suppressed', reason: decision.reason });
        recordStep(step, 'suppressed', `${decision.rule}: ${decision.reason}`);
      } else {
        try {
          const rendered = message();
          const base = { idempotencyKey: runKey, accountKey: key, stepId: step.id, to: recipient! };
          let reference: string;
          if (step.action === 'email') {
            reference = (await notifications.sendEmail.executeWithOptions({ summary: `${label} sent to ${recipient}` }, [{ ...base, subject: rendered.subject ?? '', text: rendered.text, html: rendered.html }])).providerMessageId;
          } else if (step.action === 'sms') {
            reference = (await notifications.sendSms.executeWithOptions({ summary: `${label} sent to ${recipient}` }, [{ ...base, body: rendered.text }])).providerMessageId;
          } else if (step.action === 'call') {
            const voicemail = limitedContentMessage({
              debtorName: account.debtorName,
              callerName: 'your caller',
              businessName: settings.voicemailBusinessName ?? DEFAULT_VOICEMAIL_BUSINESS,
              callbackPhone: settings.callbackPhone ?? DEFAULT_CALLBACK_PHONE,
            });
            reference = (await notifications.createCallTask.executeWithOptions({ summary: `${label}: call task for ${recipient}` }, [{ idempotencyKey: runKey, accountKey: key, phone: recipient!, script: rendered.text, voicemail }])).taskId;
          } else {
            reference = (await notifications.sendLetter.executeWithOptions({ summary: `${label} mailed` }, [
              { idempotencyKey: runKey, accountKey: key, creditorId: account.creditorId, debtorName: account.debtorName, address: account.address, subject: rendered.subject ?? '', body: rendered.text, balanceMinor: state.balanceMinor, currency, language: account.language, dateIso: nowIso().slice(0, 10), paymentLink: templateValues(account, balance(), settings).paymentLink },
            ])).documentId;
          }
          contact.providerMessageId = reference;
          recordStep(step, 'done', `${step.action} to ${recipient}`);
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
        case 'charge_off':
        case 'close':
          recordStep(step, 'done', null);
          return;
        case 'check_arrangement':
          // Promises and plans arrive with issue 4; until then there is never one to find.
          recordStep(step, 'done', 'no promise or plan on file');
          return;
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
      { summary: `open ledger account with ${formatMoney({ amountMinor: account.balanceMinor, currency })} due` },
      [{ accountKey: key, creditorId: account.creditorId, accountId: account.accountId, currency, openingBalanceMinor: account.balanceMinor, dueDate: account.dueDate }],
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
      return;
    }
    state.compliance.validationNotice = { sentAt: nowIso(), periodEnds };
    state.contacts.push({ stepId: 'validation-notice', channel: 'letter', at: nowIso(), status: 'sent', reason: null, recipient: account.debtorName, providerMessageId: `${key}/validation-notice`, rule: 'required_notice' });
    publish();
  }

  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents;
  const wakeFor = (version: number) => () => state.pendingPayments.length > 0 || state.controlVersion !== version || historyIsLong();

  while (!isEndStage(state.stage)) {
    await applyPendingPayments();
    if (state.balanceMinor <= 0) {
      state.nextAction = null;
      const last = state.payments[state.payments.length - 1];
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
      return continueAsNew<typeof accountWorkflow>({ ...input, cadence: state.cadence ?? undefined, carried: state });
    }
    const version = state.controlVersion;
    await sendValidationNoticeIfDue();
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
    const rep = state.compliance.representative;
    if (rep) state.compliance.representative = { ...rep, name: '[redacted]', address: { line1: '[redacted]', city: '[redacted]', region: rep.address.region, postalCode: '[redacted]', country: rep.address.country } };
    state.nextAction = null;
    publish();
  }
  await condition(allHandlersFinished);
  return { stage: state.stage, balance: balance(), contactsSent: state.contacts.filter((c) => c.status === 'sent').length };
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
