/**
 * One workflow per delinquent account, for as long as the account lives: the shell of the pure
 * engine in src/domain/engine. It turns signals, updates, timers and activity results into events,
 * asks the engine what to do (`decide`), and carries out the commands: an effect is a local
 * activity (it runs inside the workflow task: no extra task, and all of a task's local activities
 * are one billable action), a wait is one timer kept until its time changes, and the search
 * attributes are upserted only when a visible value changed. Deterministic: time comes from the
 * workflow clock.
 *
 * Accounts whose history began before the 'engine-v3' marker finish on the frozen earlier engines
 * (legacy/), and move to this one when they continue as new. A run whose input says `engine: 3`
 * asks no patch when it runs live; enrollment does not write the field yet (ENGINE_SAID_BY_INPUT).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import { accountKey } from '../domain/account';
import { DEFAULT_ARRANGEMENT_RULES } from '../domain/arrangements';
import {
  accountView,
  changedVisibility,
  checkControl,
  currentDetails,
  debtorPageView,
  decide,
  EngineRefusal,
  fromCarried,
  initialState,
  isSave,
  planProposals,
  visibility,
  type Command,
  type Control,
  type Effect,
  type EngineConfig,
  type EngineEvent,
  type EngineState,
  type SaveCommand,
  type Visibility,
} from '../domain/engine';
import {
  acceptPlanUpdate,
  accountStateQuery,
  changeContactDetailsUpdate,
  closeAccountUpdate,
  ENGINE_SAID_BY_INPUT,
  complianceEventSignal,
  creditAppliedSignal,
  creditRefundedSignal,
  debtorPageQuery,
  grantExtensionUpdate,
  ledgerAdjustmentSignal,
  moveToCadenceUpdate,
  pauseAccountUpdate,
  paymentFailedSignal,
  paymentReceivedSignal,
  placeCallUpdate,
  recordCallOutcomeUpdate,
  paymentReturnedSignal,
  planProposalsQuery,
  promiseToPaySignal,
  recordPromiseUpdate,
  repeatLastStepUpdate,
  recordWorkOutcomeUpdate,
  resumeAccountUpdate,
  searchAttributes,
  skipNextStepUpdate,
  type AccountOutcome,
  type AccountWorkflowInput,
} from './definitions';
import { accountWorkflowV2, type AccountState as AccountStateV2 } from './legacy/account.workflow.v2';
import type { AccountStateV1 } from './legacy/account.workflow.v1';

/** Quick, idempotent database work: retried until the database answers, except on refusals. */
const ledger = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** A contact: bounded, so a flaky provider does not turn into a flood of retries. */
const contacts = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
});
/**
 * An order to a creditor's system: a few quick attempts here; if it is still not acknowledged, the
 * engine tries it again later (pauses growing to an hour, until it is). A refusal is permanent.
 */
const orders = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});
/** A skip-trace provider or a payer: a few attempts; the engine decides what a failure means (a person, a later check). */
const outside = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 4 },
});

export interface AccountWorkflowArgs extends AccountWorkflowInput {
  /** Present only when the workflow continued as new. */
  carried?: EngineState | AccountStateV2 | AccountStateV1;
}

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
const DEFAULT_RETENTION_DAYS = 3 * 365;

/** The engine field of a run's next input: said once this release writes it (ENGINE_SAID_BY_INPUT), else kept as the run had it. */
const engineField = (had: 3 | undefined): { engine?: 3 } => (ENGINE_SAID_BY_INPUT || had === 3 ? { engine: 3 } : {});

export async function accountWorkflow(input: AccountWorkflowArgs): Promise<AccountOutcome> {
  if (input.engine === 3) {
    // A run that says it is on this engine is, and records no marker. Replaying, it asks anyway and
    // ignores the answer: a worker of a release that did not read the field may have run it first and
    // recorded the marker (the rollout of the release that began writing it: ENGINE_SAID_BY_INPUT),
    // and asking matches that marker; with no marker in the history a replaying patched() sends no
    // command (the SDK keeps no decision for it), so the runs without one replay as they ran.
    if (workflowInfo().unsafe.isReplaying) patched('engine-v3');
    return runAccount(input);
  }
  // Any other run asks its history (ENGINE_SAID_BY_INPUT: why the field is not written yet).
  if (!patched('engine-v3')) return accountWorkflowV2(input as Parameters<typeof accountWorkflowV2>[0], (args) => continueAsNew<typeof accountWorkflow>({ ...args, ...engineField(undefined) }));
  return runAccount(input);
}

async function runAccount(input: AccountWorkflowArgs): Promise<AccountOutcome> {
  const now = () => new Date(Date.now()).toISOString();
  const config: EngineConfig = {
    accountKey: accountKey(input.account.creditorId, input.account.accountId),
    settings: input.settings,
    contactRules: input.contactRules,
    arrangementRules: input.arrangementRules ?? DEFAULT_ARRANGEMENT_RULES,
    allocationRule: input.allocationRule,
    retentionDays: input.retentionDays ?? DEFAULT_RETENTION_DAYS,
    notifyRepresentatives: input.notifyRepresentatives ?? false,
    cadence: input.cadence ?? null,
    limitationOverrides: input.limitationOverrides,
    remedyThreatsInValidationPeriod: input.remedyThreatsInValidationPeriod ?? 'hold',
    voicemailContactName: input.voicemailContactName ?? null,
    charges: input.charges,
    reconnectOnPlan: input.reconnectOnPlan,
    answerTemplates: input.answerTemplates,
  };
  let state: EngineState = input.carried
    ? fromCarried(input.carried as unknown as Record<string, unknown>, input.account, input.cadence ?? null, now())
    : initialState(input.account, input.cadence ?? null, now());
  /** Bumped by every message, so a wait ends when something changed. */
  let changes = 0;
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const historyLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents;

  // Decisions (never queries or validators) may ask Temporal whether a change applies to this run: `patched()`, asked only on the paths that differ.
  const deciding: EngineConfig = { ...config, patched: (change) => patched(change) };
  const apply = (event: EngineEvent) => {
    const decision = decide(state, event, deciding);
    state = decision.state;
    return decision;
  };

  /**
   * Local activities a handler needs (saves, a cadence to load) run in the main loop, between its
   * own steps, never beside them: two local activities running at once can finish in separate
   * activations on a new run and in one on replay, and then the handler's answer and the main
   * loop's next command (an upsert) are issued in another order, a nondeterminism.
   */
  const errands: (() => Promise<void>)[] = [];
  function inMainLoop<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      errands.push(() => work().then(resolve, reject));
      changes += 1;
    });
  }
  const runErrands = async () => {
    for (let errand = errands.shift(); errand; errand = errands.shift()) await errand();
  };
  /** The saves a handler's decision asked for, kept (by the main loop) before the handler answers. */
  const keepSaves = async (commands: Command[]) => {
    if (commands.some(isSave)) await inMainLoop(() => runSaves(commands));
  };
  /** Handlers run to completion (their errands too) before the workflow ends or continues as new. */
  const handlersFinished = async () => {
    for (;;) {
      await runErrands();
      if (allHandlersFinished()) return;
      await condition(() => errands.length > 0 || allHandlersFinished());
    }
  };

  // ---- messages: each becomes an event at once; the main loop plans what follows -----------------
  const onSignal = (event: EngineEvent) => {
    apply(event);
    changes += 1;
  };
  setHandler(paymentReceivedSignal, (payment) => onSignal({ kind: 'payment_received', at: now(), payment }));
  setHandler(paymentReturnedSignal, (returned) => onSignal({ kind: 'payment_returned', at: now(), returned }));
  setHandler(ledgerAdjustmentSignal, (adjustment) => onSignal({ kind: 'adjustment', at: now(), adjustment }));
  setHandler(creditAppliedSignal, (application) => onSignal({ kind: 'credit_applied', at: now(), application }));
  setHandler(creditRefundedSignal, (refund) => onSignal({ kind: 'credit_refunded', at: now(), refund }));
  setHandler(complianceEventSignal, (event) => onSignal({ kind: 'compliance', at: now(), event }));
  setHandler(paymentFailedSignal, (failed) => onSignal({ kind: 'payment_failed', at: now(), failed }));
  setHandler(debtorPageQuery, () => debtorPageView(state, config));
  setHandler(promiseToPaySignal, async (request) => {
    const decision = apply({ kind: 'promise_signal', at: now(), request });
    changes += 1;
    await keepSaves(decision.commands);
  });
  setHandler(accountStateQuery, () => accountView(state, config));
  setHandler(planProposalsQuery, (budget) => refusalsAsFailures(() => planProposals(state, config, now(), budget)));

  /** An update: checked by its validator (a refusal changes nothing), applied, answered. */
  function onUpdate<Ret, Req>(definition: UpdateDefinition<Ret, [Req]>, make: (request: Req) => Control, load?: (request: Req) => Promise<Control>): void {
    setHandler(
      definition,
      async (request: Req): Promise<Ret> => {
        const loaded = load ? await inMainLoop(() => load(request)) : make(request);
        const decision = refusalsAsFailures(() => apply({ kind: 'control', at: now(), control: loaded }));
        changes += 1;
        await keepSaves(decision.commands);
        return decision.reply as Ret;
      },
      { validator: (request: Req) => refusalsAsFailures(() => checkControl(state, config, now(), make(request))) },
    );
  }
  onUpdate(pauseAccountUpdate, (request) => ({ kind: 'pause', request }));
  onUpdate(resumeAccountUpdate, (request) => ({ kind: 'resume', request }));
  onUpdate(skipNextStepUpdate, (request) => ({ kind: 'skip', request }));
  onUpdate(repeatLastStepUpdate, (request) => ({ kind: 'repeat', request }));
  onUpdate(closeAccountUpdate, (request) => ({ kind: 'close', request }));
  onUpdate(changeContactDetailsUpdate, (request) => ({ kind: 'contact_details', request }));
  onUpdate(recordPromiseUpdate, (request) => ({ kind: 'promise', request }));
  onUpdate(acceptPlanUpdate, (request) => ({ kind: 'plan', request }));
  onUpdate(grantExtensionUpdate, (request) => ({ kind: 'extension', request }));
  onUpdate(recordWorkOutcomeUpdate, (request) => ({ kind: 'work_outcome', request }));
  onUpdate(placeCallUpdate, (request) => ({ kind: 'dial', request }));
  onUpdate(recordCallOutcomeUpdate, (request) => ({ kind: 'call_outcome', request }));
  onUpdate(
    moveToCadenceUpdate,
    (request) => ({ kind: 'move', request }),
    async (request) => ({
      kind: 'move',
      request,
      cadence: await ledger.loadCadence.executeWithOptions({ summary: `load cadence ${request.cadence}${request.version ? ` v${request.version}` : ''}` }, [{ name: request.cadence, version: request.version }]),
    }),
  );

  // ---- the main loop -------------------------------------------------------------------------------
  let published: Visibility | null = null;
  let timer: { at: string; cancel: () => void; fired: boolean } | null = null;

  const publish = () => {
    const visible = visibility(state, now());
    const changed = changedVisibility(published, visible);
    if (changed) {
      upsertSearchAttributes([
        ...('stage' in changed ? [{ key: searchAttributes.stage, value: visible.stage }] : []),
        ...('balanceDueMinor' in changed ? [{ key: searchAttributes.balanceDueMinor, value: visible.balanceDueMinor }] : []),
        ...('nextActionAt' in changed ? [{ key: searchAttributes.nextActionAt, value: visible.nextActionAt ? new Date(visible.nextActionAt) : null }] : []),
        ...('daysPastDue' in changed ? [{ key: searchAttributes.daysPastDue, value: visible.daysPastDue }] : []),
        ...('cadenceName' in changed ? [{ key: searchAttributes.cadenceName, value: visible.cadenceName }] : []),
        ...('cadenceVersion' in changed ? [{ key: searchAttributes.cadenceVersion, value: visible.cadenceVersion }] : []),
        ...('openQuestions' in changed ? [{ key: searchAttributes.questionOpen, value: visible.openQuestions > 0 }] : []),
      ]);
      published = visible;
    }
    setCurrentDetails(currentDetails(state, config, now()));
  };

  /** One timer for the engine's next wake-up, kept across messages; replaced only when the time changes. */
  const armTimer = (until: string | null) => {
    if (timer && timer.at === until && !timer.fired) return;
    timer?.cancel();
    timer = null;
    if (until === null) return;
    const ms = Date.parse(until) - Date.now();
    if (ms <= 0) return;
    const armed: { at: string; cancel: () => void; fired: boolean } = { at: until, cancel: () => undefined, fired: false };
    const scope = new CancellationScope();
    armed.cancel = () => scope.cancel();
    scope.run(() => sleep(ms)).then(
      () => (armed.fired = true),
      () => undefined,
    );
    timer = armed;
  };

  // Search attributes and details are published only when the workflow is about to yield (a wait,
  // the end): every effect is a local activity, run inside the same workflow task, so this is one
  // upsert per task at most, and only when a visible value changed.
  let decision = apply({ kind: 'started', at: now() });
  for (;;) {
    await runErrands();
    await runSaves(decision.commands);
    const next = decision.commands.find((c): c is Exclude<Command, SaveCommand> => !isSave(c));
    if (!next) throw new Error('the account engine decided nothing to do: an engine defect');
    switch (next.kind) {
      case 'complete':
        armTimer(null);
        publish();
        await handlersFinished();
        return next.outcome;
      case 'continue_as_new':
        armTimer(null);
        // Handlers run to completion first; pending payments and everything else travel in `carried`.
        await handlersFinished();
        // The account's details as they are now (changed by operators, or redacted after a purge) travel, not enrollment's.
        return continueAsNew<typeof accountWorkflow>({ ...input, ...engineField(input.engine), account: state.profile, cadence: state.cadence ?? undefined, carried: state });
      case 'wait': {
        const seen = changes;
        const longAlready = historyLong();
        publish();
        armTimer(next.until);
        const due = next.until === null ? Infinity : Date.parse(next.until);
        if (due > Date.now()) await condition(() => changes !== seen || timer?.fired === true || (!longAlready && historyLong()));
        await runErrands();
        decision = apply({ kind: 'tick', at: now(), historyLong: historyLong() });
        continue;
      }
      default:
        decision = apply(await carryOut(next));
    }
  }

  /** An effect as an activity; its result (or failure) as the engine's next event. */
  async function carryOut(effect: Effect): Promise<EngineEvent> {
    try {
      const value = await runEffect(effect);
      return { kind: 'effect_done', at: now(), id: effect.id, value, historyLong: historyLong() };
    } catch (error) {
      // A normal activity's failure comes wrapped in an ActivityFailure; a local activity's may come as its cause itself.
      const cause = error instanceof ActivityFailure ? error.cause : error;
      if (!(error instanceof ActivityFailure) && !(cause instanceof ApplicationFailure) && !(cause instanceof TimeoutFailure)) throw error;
      return {
        kind: 'effect_failed',
        at: now(),
        id: effect.id,
        failure: { type: cause instanceof ApplicationFailure ? (cause.type ?? null) : null, message: (cause as Error | undefined)?.message ?? (error as Error).message, permanent: cause instanceof ApplicationFailure && cause.nonRetryable === true },
        historyLong: historyLong(),
      };
    }
  }

  function runEffect(effect: Effect): Promise<unknown> {
    const summary = { summary: effect.summary };
    switch (effect.kind) {
      case 'open_account':
        return ledger.openAccount.executeWithOptions(summary, [effect]);
      case 'validation_notice':
        return contacts.sendValidationNotice.executeWithOptions(summary, [effect.input]);
      case 'contact':
        return contacts.contact.executeWithOptions(summary, [effect]);
      case 'post_payment':
        return ledger.postPayment.executeWithOptions(summary, [effect.input]);
      case 'reverse_payment':
        return ledger.reversePayment.executeWithOptions(summary, [effect.input]);
      case 'post_adjustment':
        return ledger.postAdjustment.executeWithOptions(summary, [effect.input]);
      case 'write_off':
        return ledger.writeOffBalance.executeWithOptions(summary, [effect.input]);
      case 'ledger_snapshot':
        return ledger.ledgerSnapshot.executeWithOptions(summary, [effect.input]);
      case 'purge':
        return ledger.purgePersonalData.executeWithOptions(summary, [effect.input]);
      case 'charge_on_file':
        return orders.chargeOnFile.executeWithOptions(summary, [effect.input]);
      case 'record_work_item':
        // Runs that began before the work queue replay without this activity (their history has no marker).
        if (!patched('work-queue-items')) return Promise.resolve({ itemId: effect.input.item.id });
        return ledger.recordWorkItem.executeWithOptions(summary, [effect.input]);
      case 'trace_request':
        return outside.requestSkipTrace.executeWithOptions(summary, [effect.input]);
      case 'claim_status':
        return outside.inquireClaimStatus.executeWithOptions(summary, [effect.input]);
      case 'claim_appeal':
        return outside.sendClaimAppeal.executeWithOptions(summary, [effect.input]);
      case 'destroy_keys':
        return ledger.destroyRetiredDataKeys.executeWithOptions(summary, [effect.input]);
      case 'accrue_charges':
        return ledger.accrueCharges.executeWithOptions(summary, [effect.input]);
      case 'order': {
        const input = effect.input;
        switch (effect.order) {
          case 'credit_department':
            return orders.notifyCreditDepartment.executeWithOptions(summary, [{ ...input, subject: input.subject ?? '', text: input.text ?? '' }]);
          case 'disconnection':
            return orders.orderServiceDisconnection.executeWithOptions(summary, [{ ...input, serviceId: input.serviceId! }]);
          case 'reconnection':
            return orders.orderServiceReconnection.executeWithOptions(summary, [{ ...input, serviceId: input.serviceId! }]);
          case 'repossession':
            return orders.orderRepossession.executeWithOptions(summary, [{ ...input, collateralVin: input.collateralVin!, subject: input.subject ?? '', text: input.text ?? '', address: input.address ?? [] }]);
          case 'placement':
            return orders.placeAccount.executeWithOptions(summary, [
              { ...input, account: input.account!, subject: input.subject ?? '', text: input.text ?? '', contacts: input.contacts ?? [], stageHistory: input.stageHistory ?? [], openingBalanceMinor: input.openingBalanceMinor ?? 0 },
            ]);
        }
      }
    }
  }

  /** Arrangements' latest state, calls people placed, who the debtor is, and the facts credit reporting reads: kept before anything else happens. */
  async function runSaves(commands: Command[]): Promise<void> {
    for (const command of commands) {
      if (command.kind === 'save_arrangement') await ledger.recordArrangement.executeWithOptions({ summary: command.summary }, [command.snapshot]);
      if (command.kind === 'save_call_attempt') await ledger.recordCallAttempt.executeWithOptions({ summary: command.summary }, [command.snapshot]);
      if (command.kind === 'save_debtor_link') await ledger.linkDebtor.executeWithOptions({ summary: command.summary }, [command.link]);
      if (command.kind === 'save_reporting_facts') await ledger.saveReportingFacts.executeWithOptions({ summary: command.summary }, [command.facts]);
    }
  }
}

/** A refusal by the engine, as the failure an update's caller reads (the field at fault in its details). */
function refusalsAsFailures<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof EngineRefusal)
      throw ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: true, details: error.field ? [{ field: error.field }] : [] });
    throw error;
  }
}
