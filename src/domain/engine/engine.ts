/**
 * The account engine: `decide(state, event, config)` returns the new state and the commands to
 * carry out. Pure and deterministic: no Temporal, no I/O, no clock (the event brings its instant).
 *
 * Messages (payments, compliance facts, operator controls) only change the state; the planner runs
 * when the workflow wakes (`tick`) or an effect's result arrives, and decides the next thing to do,
 * in this order:
 *   open the account → post money in order → paid? → collection stopped? → continue as new? →
 *   validation notice → an arrangement message → the arrangement holding the cadence →
 *   the next cadence step when it is due → wait.
 * An ended account waits out its reopen window (paid or settled) and, for a deceased debtor, the
 * retention period before its personal data is purged; then the workflow completes.
 */
import { isEndStage } from '../account';
import { localDateTime, validationPeriodEnd } from '../contact-policy';
import { delinquentFromMs, isCourtesyStep } from '../schedule';
import { cancelOnEnd, closeArrangementOnPaid, endArrangement, promiseChecked, promiseSignalled, settlementWrittenOff, watchArrangement } from './arrangement-watch';
import type { Command, ContactEffect, Effect, EffectFailure, EffectValues, EngineEvent } from './commands';
import { chargesPosted, nextChargeWakeMs, planCharges } from './charges';
import { applyComplianceEvent } from './compliance';
import { disconnected, planReconnection, reconnectionResult } from './service';
import { changeApplies, changeStage, collectionStopped, makeCtx, money, perform, updateHold, type Ctx } from './context';
import { dropNotice, noticeResult, overtakeNotice, paymentLink, planNotice, planRepresentativeNotice, representativeResult } from './contacts';
import { applyControl, debtorLink } from './controls';
import { creditApplied, creditFiguresRead, creditRefunded } from './credits';
import { adjustmentArrived, adjustmentPosted, markPaid, paymentArrived, paymentPosted, paymentReversed, planLedgerWork, reopenWindow, returnArrived } from './money';
import { redactPersonalData } from './redaction';
import { afterComplianceEvent, afterControl, afterPaymentPosted, applySelfServiceEvent, chargeResult, confirmationResult, paymentFailed, planSelfService, selfServiceWakeAt } from './self-service';
import { saveReportingFacts } from './reporting';
import { contactStepResult, escalationResult, nextStep, orderDone, refreshNextAction, runStep } from './steps';
import type { EngineConfig, EngineState } from './state';
import { accountView } from './visibility';
import { claimAppealResult, claimHoldsCadence, claimStatusResult, planClaim, runClaimStep } from './claims';
import { inquiryResult, mailReturned, planLocating, traceResult } from './locating';
import { owedLetterResult, owePlacementNotice, planOwedLetter } from './letters';
import { planVisitDeadline, runVisit } from './visits';
import { planWorkOutbox, workItemKept, workWake } from './work';
import { answerResult, complianceWork, planAnswer } from './work-outcomes';

export interface Decision {
  state: EngineState;
  commands: Command[];
  /** What an update answers. */
  reply?: unknown;
}

const DAY_MS = 86_400_000;
const DEFAULT_COLLECTOR_NAME = 'Dunning Collections';
/** A planner that neither asks for anything nor waits after this many steps has a bug: fail loudly. */
const MAX_TRANSITIONS = 1_000;

export function decide(state: EngineState, event: EngineEvent, config: EngineConfig): Decision {
  const ctx = makeCtx(state, config, event.at);
  switch (event.kind) {
    case 'started':
    case 'tick':
      break;
    case 'effect_done':
    case 'effect_failed':
      effectResult(ctx, event.id, event.kind === 'effect_done' ? { value: event.value } : { failure: event.failure });
      break;
    case 'payment_received':
      paymentArrived(ctx, event.payment);
      overtakeNotice(ctx);
      return settle(ctx);
    case 'payment_returned':
      returnArrived(ctx, event.returned);
      overtakeNotice(ctx);
      return settle(ctx);
    case 'adjustment':
      adjustmentArrived(ctx, event.adjustment);
      overtakeNotice(ctx);
      return settle(ctx);
    case 'credit_applied':
      // Credit applied to this account is money received: a message held back for the debtor waits for the new figures.
      if (creditApplied(ctx, event.application) === 'applied_in') overtakeNotice(ctx);
      return settle(ctx);
    case 'credit_refunded':
      creditRefunded(ctx, event.refund);
      return settle(ctx);
    case 'payment_failed':
      paymentFailed(ctx, event.failed);
      return settle(ctx);
    case 'compliance':
      if (event.event?.kind === 'mail_returned') mailReturned(ctx, event.event);
      else if (!applySelfServiceEvent(ctx, event.event)) applyComplianceEvent(ctx, event.event);
      afterComplianceEvent(ctx, event.event);
      complianceWork(ctx, event.event);
      return settle(ctx);
    case 'promise_signal':
      promiseSignalled(ctx, event.request);
      return settle(ctx);
    case 'control': {
      const answer = applyControl(ctx, event.control);
      afterControl(ctx, event.control, answer);
      ctx.reply = answer === undefined ? accountView(ctx.s, config) : answer;
      return settle(ctx);
    }
  }
  plan(ctx, 'historyLong' in event ? event.historyLong === true : false);
  saveReportingFacts(ctx);
  return settle(ctx);
}

const settle = (ctx: Ctx): Decision => ({ state: ctx.s, commands: ctx.out, ...(ctx.reply !== undefined ? { reply: ctx.reply } : {}) });

// ---- planning --------------------------------------------------------------------------------------

function plan(ctx: Ctx, historyLong: boolean): void {
  for (let n = 0; n < MAX_TRANSITIONS; n++) {
    if (ctx.s.awaiting || ctx.out.some((c) => c.kind === 'wait' || c.kind === 'continue_as_new' || c.kind === 'complete')) return wakeForSelfService(ctx);
    planOnce(ctx, historyLong);
  }
  throw new Error(`the account engine made ${MAX_TRANSITIONS} transitions without asking for anything or waiting`);
}

const wait = (ctx: Ctx, until: string | null): void => void ctx.out.push({ kind: 'wait', until });

/** A wait ends early enough for what the debtor's page has pending (a deferred confirmation, a card retry). */
function wakeForSelfService(ctx: Ctx): void {
  const at = selfServiceWakeAt(ctx.s);
  const waiting = ctx.out.find((c): c is Extract<Command, { kind: 'wait' }> => c.kind === 'wait');
  if (at && waiting && (waiting.until === null || at < waiting.until)) waiting.until = at;
}

/** One transition: a change of state, an effect asked for, or a wait. */
function planOnce(ctx: Ctx, historyLong: boolean): void {
  const s = ctx.s;
  // After the purge: a new run (no personal data in its history), which then destroys the retired data keys.
  if (s.keysToDestroy === 'continue_first') {
    s.keysToDestroy = 'destroy';
    return void ctx.out.push({ kind: 'continue_as_new' });
  }
  if (s.keysToDestroy === 'destroy') return perform(ctx, { kind: 'destroy_keys', input: { accountKey: ctx.config.accountKey }, summary: "the account's retired data keys destroyed" });
  if (s.done) return complete(ctx);
  if (!s.ledgerOpened) {
    // A refused opening (no such cadence, say) pauses the account; resuming tries again.
    if (s.stage === 'paused') return wait(ctx, null);
    return perform(ctx, {
      kind: 'open_account',
      ledger: { accountKey: ctx.config.accountKey, creditorId: s.profile.creditorId, accountId: s.profile.accountId, currency: s.profile.currency, openingBalanceMinor: s.profile.balanceMinor, dueDate: s.profile.dueDate, debts: s.profile.debts, allocationRule: ctx.config.allocationRule },
      selectCadence: s.cadence ? null : { account: s.profile, nowIso: ctx.at },
      link: debtorLink(ctx),
      summary: `open ledger account with ${money(ctx, s.profile.balanceMinor)} due${s.cadence ? '' : '; choose cadence by segmentation'}`,
    });
  }
  if (planLedgerWork(ctx)) return;
  if (planWorkOutbox(ctx)) return;
  // Letters the law owes (a cease confirmation, a placement notice, a dispute's verification), also after the account ended.
  if (planOwedLetter(ctx)) return;
  if (isEndStage(s.stage)) return planEnded(ctx, historyLong);
  if (s.balanceMinor <= 0) {
    closeArrangementOnPaid(ctx);
    dropNotice(ctx);
    return markPaid(ctx);
  }
  const stopped = collectionStopped(ctx);
  if (stopped) {
    if (planRepresentativeNotice(ctx)) return;
    dropNotice(ctx);
    changeStage(ctx, 'closed', stopped);
    return;
  }
  if (historyLong) return void ctx.out.push({ kind: 'continue_as_new' });
  // The first day past due: collection begins (the validation notice, then the cadence's collection steps).
  if (s.stage === 'current' && ctx.nowMs >= delinquentFromMs(s.profile.dueDate, s.profile.timezone)) return changeStage(ctx, 'notice', `past due: ${s.profile.dueDate} has passed`);
  if (planValidationNotice(ctx)) return;
  if (planCharges(ctx)) return;
  if (planReconnection(ctx)) return;
  if (s.notice && planNotice(ctx)) return;
  if (planSelfService(ctx, false)) return;
  // Work for people and outside services: a visit's deadline, an answer to send, a claim to follow, a debtor to locate.
  planVisitDeadline(ctx);
  if (planAnswer(ctx) || planClaim(ctx) || planLocating(ctx)) return;
  // A promise, plan or extension holds the cadence while it runs (not while paused or a dispute awaits verification).
  if (s.arrangement && s.stage !== 'paused' && s.compliance.dispute !== 'pending_verification') return watchArrangement(ctx);
  refreshNextAction(ctx);
  const next = nextStep(ctx);
  // §1006.38: a dispute within the validation period stops collection until verification is sent.
  if (s.compliance.dispute === 'pending_verification') {
    s.nextAction = { description: 'waiting for dispute verification', at: ctx.at };
    return wait(ctx, null);
  }
  // A current account also wakes when it becomes past due; an account with charges, when the next falls due.
  const wakeAlso = Math.min(s.stage === 'current' ? delinquentFromMs(s.profile.dueDate, s.profile.timezone) : Infinity, nextChargeWakeMs(ctx) ?? Infinity);
  const also = wakeAlso === Infinity ? null : wakeAlso;
  if (s.stage === 'paused' || !next) return wait(ctx, workWake(ctx, also));
  if (claimHoldsCadence(ctx)) {
    s.nextAction = { description: 'waiting for the insurance claim (nothing is the patient\'s to pay yet)', at: s.claim?.nextCheckAt ?? ctx.at };
    return wait(ctx, workWake(ctx, also));
  }
  if (Math.min(next.dueAtMs, wakeAlso) > ctx.nowMs) return wait(ctx, workWake(ctx, Math.min(next.dueAtMs, wakeAlso)));
  if (next.step.action === 'field_visit') return runVisit(ctx, next.step, s.nextStepIndex);
  if (next.step.action === 'claim_status') return runClaimStep(ctx, next.step, s.nextStepIndex);
  runStep(ctx, next.step, s.nextStepIndex);
}

/**
 * Regulation F §1006.34: the validation notice, itemized from the ledger, is the first
 * communication; its period decides how a dispute is treated. If it cannot be sent, nothing else
 * may go out: the account pauses for an operator, and resuming tries again.
 */
function planValidationNotice(ctx: Ctx): boolean {
  const s = ctx.s;
  if (s.compliance.validationNotice || s.stage === 'current' || s.stage === 'paused') return false;
  // A collection step already sent means the account began before the notice existed: none is sent late.
  // A confirmation, a receipt or an answer the debtor asked for (sent while current, say) is not one.
  const sentBefore = s.contacts.filter((c) => c.status === 'sent' && c.stepId !== 'validation-notice' && !isCourtesy(ctx, c.stepId));
  if (sentBefore.some((c) => isCollectionStep(ctx, c.stepId))) return false;
  if (sentBefore.length > 0 && !changeApplies(ctx, 'validation-notice-after-confirmations')) return false;
  const today = localDateTime(ctx.at, s.profile.timezone).date;
  const periodEnds = validationPeriodEnd(today);
  perform(ctx, {
    kind: 'validation_notice',
    input: {
      idempotencyKey: `${ctx.config.accountKey}/validation-notice`,
      accountKey: ctx.config.accountKey,
      account: s.profile,
      dateIso: today,
      periodEnds,
      paymentLink: paymentLink(ctx),
      collectorName: ctx.config.settings.collectorName ?? DEFAULT_COLLECTOR_NAME,
    },
    summary: `validation notice mailed; validation period ends ${periodEnds}`,
  });
  return true;
}

/** Closed, placed, charged off, paid or settled: the reopen window, the purge after a death, the end. */
function planEnded(ctx: Ctx, historyLong: boolean): void {
  const s = ctx.s;
  cancelOnEnd(ctx);
  dropNotice(ctx);
  if (planReconnection(ctx)) return;
  const windowCloses = reopenWindow(ctx);
  if (!isEndStage(s.stage)) return; // reopened: collection goes on where it stood
  if (planSelfService(ctx, true)) return;
  if (windowCloses) {
    if (historyLong) return void ctx.out.push({ kind: 'continue_as_new' });
    return wait(ctx, windowCloses);
  }
  s.nextAction = null;
  if (s.compliance.flags.deceased && !s.compliance.personalDataPurged) {
    // The financial record stays; personal data goes once the retention period (§1006.100) has passed.
    s.purgeAt ??= new Date(ctx.nowMs + ctx.config.retentionDays * DAY_MS).toISOString();
    if (ctx.nowMs < Date.parse(s.purgeAt)) {
      s.nextAction = { description: 'purge personal data', at: s.purgeAt };
      if (historyLong) return void ctx.out.push({ kind: 'continue_as_new' });
      return wait(ctx, s.purgeAt);
    }
    return perform(ctx, { kind: 'purge', input: { accountKey: ctx.config.accountKey, reason: 'debtor deceased; retention period over' }, summary: 'personal data purged after retention' });
  }
  s.done = true;
}

/** Whether a step id of the cadence names a courtesy reminder (sent before the account was past due). */
const isCourtesy = (ctx: Ctx, stepId: string) => ctx.s.cadence?.steps.some((step) => step.id === stepId && isCourtesyStep(step)) ?? false;
/** One of the cadence's own steps, past the due date: what collecting is (the engine's replies, confirmations and letters are not). */
const isCollectionStep = (ctx: Ctx, stepId: string) => ctx.s.cadence?.steps.some((step) => step.id === stepId && !isCourtesyStep(step)) ?? false;

function complete(ctx: Ctx): void {
  const s = ctx.s;
  ctx.out.push({ kind: 'complete', outcome: { stage: s.stage, balance: { amountMinor: s.balanceMinor, currency: s.profile.currency }, contactsSent: s.contacts.filter((c) => c.status === 'sent').length } });
}

// ---- results of effects ----------------------------------------------------------------------------

type Outcome<T> = { value: T } | { failure: EffectFailure };

function effectResult(ctx: Ctx, id: string, outcome: Outcome<unknown>): void {
  const s = ctx.s;
  const effect = s.awaiting;
  if (!effect || effect.id !== id) return; // not the effect being waited for (cannot happen; ignored)
  s.awaiting = null;
  const as = <K extends keyof EffectValues>(o: Outcome<unknown>) => o as Outcome<EffectValues[K]>;
  switch (effect.kind) {
    case 'open_account':
      return accountOpened(ctx, as<'open_account'>(outcome));
    case 'validation_notice':
      return validationNoticeSent(ctx, effect, outcome);
    case 'contact':
      return contactDone(ctx, effect, as<'contact'>(outcome));
    case 'post_payment': {
      const payment = s.pendingPayments[0];
      paymentPosted(ctx, as<'post_payment'>(outcome));
      return afterPaymentPosted(ctx, payment);
    }
    case 'charge_on_file':
      return chargeResult(ctx, effect, as<'charge_on_file'>(outcome));
    case 'reverse_payment':
      return paymentReversed(ctx, as<'reverse_payment'>(outcome));
    case 'post_adjustment':
      return adjustmentPosted(ctx, as<'post_adjustment'>(outcome));
    case 'ledger_snapshot':
      if (effect.purpose?.type === 'credit_moved') return creditFiguresRead(ctx, as<'ledger_snapshot'>(outcome));
      return promiseChecked(ctx, as<'ledger_snapshot'>(outcome));
    case 'write_off': {
      const o = as<'write_off'>(outcome);
      if (effect.purpose.type === 'settlement') return settlementWrittenOff(ctx, effect.purpose.planId, o);
      if ('value' in o) s.balanceMinor = o.value.balanceMinor;
      return escalationResult(ctx, effect.purpose.stepIndex, o, () => `${money(ctx, (o as { value: EffectValues['write_off'] }).value.writtenOffMinor)} written off`);
    }
    case 'order':
      if (effect.order === 'reconnection') return reconnectionResult(ctx, as<'order'>(outcome));
      disconnected(ctx, effect, outcome);
      // Placed: the debtor is told with whom (the notice of the debt's placement).
      if (effect.order === 'placement' && 'value' in outcome && effect.stepIndex === s.nextStepIndex) {
        const value = outcome.value as EffectValues['order'];
        owePlacementNotice(ctx, value.agencyName ?? value.destination.replace(/^mailto:/, ''));
      }
      return escalationResult(ctx, effect.stepIndex, outcome, (value) => orderDone(effect, value as EffectValues['order']));
    case 'purge':
      return redactPersonalData(ctx);
    case 'record_work_item':
      return workItemKept(ctx, effect.input.item.id);
    case 'trace_request':
      return traceResult(ctx, as<'trace_request'>(outcome));
    case 'claim_status':
      return claimStatusResult(ctx, effect.purpose, as<'claim_status'>(outcome));
    case 'claim_appeal':
      return claimAppealResult(ctx, as<'claim_appeal'>(outcome));
    case 'destroy_keys':
      s.keysToDestroy = null;
      s.done = true;
      return;
    case 'accrue_charges':
      return chargesPosted(ctx, effect.input.through, as<'accrue_charges'>(outcome));
  }
}

function accountOpened(ctx: Ctx, outcome: Outcome<EffectValues['open_account']>): void {
  const s = ctx.s;
  if ('failure' in outcome) {
    s.stageBeforePause = s.stage;
    s.pausedReason = `the account could not be opened: ${outcome.failure.message}`;
    s.pausedAt = ctx.at;
    changeStage(ctx, 'paused', s.pausedReason);
    updateHold(ctx);
    return;
  }
  s.ledgerOpened = true;
  s.balanceMinor = outcome.value.balanceMinor;
  if (!s.cadence && outcome.value.cadence) {
    const { cadence, rule } = outcome.value;
    s.cadence = cadence;
    s.stageHistory[0]!.reason = `enrolled on cadence ${cadence.name} v${cadence.version} (${rule === null ? 'creditor default' : `segmentation rule ${rule + 1}`})`;
  }
}

function validationNoticeSent(ctx: Ctx, effect: Extract<Effect, { kind: 'validation_notice' }>, outcome: Outcome<unknown>): void {
  const s = ctx.s;
  if ('failure' in outcome) {
    s.stageBeforePause = s.stage;
    s.pausedReason = `validation notice not sent: ${outcome.failure.message}`;
    s.pausedAt = ctx.at;
    changeStage(ctx, 'paused', s.pausedReason);
    updateHold(ctx);
    return;
  }
  s.compliance.validationNotice = { sentAt: ctx.at, periodEnds: effect.input.periodEnds };
  s.contacts.push({ stepId: 'validation-notice', channel: 'letter', at: ctx.at, status: 'sent', reason: null, recipient: s.profile.debtorName, providerMessageId: effect.input.idempotencyKey, rule: 'required_notice' });
}

function contactDone(ctx: Ctx, effect: ContactEffect, outcome: Outcome<EffectValues['contact']>): void {
  const purpose = effect.purpose;
  if (purpose.type === 'step') return contactStepResult(ctx, { ...effect, purpose }, outcome);
  if (purpose.type === 'notice') return noticeResult(ctx, effect, outcome);
  if (purpose.type === 'confirmation') return confirmationResult(ctx, effect, outcome);
  if (purpose.type === 'location') return inquiryResult(ctx, { ...effect, purpose }, outcome);
  if (purpose.type === 'answer') return answerResult(ctx, effect, outcome);
  if (purpose.type === 'owed_letter') return owedLetterResult(ctx, { ...effect, purpose }, outcome);
  representativeResult(ctx, effect, outcome);
}

export { accountView, endArrangement };
