/**
 * Promises to pay, repayment plans and credit extensions while they hold the cadence: taken
 * (validated against the creditor's rules), watched (a promise is checked the morning after its
 * grace period; each instalment gets a reminder, an on-time check, a notice if late, a miss after
 * its grace days), and ended (kept, partial, broken, completed, defaulted, ended, cancelled).
 * A broken promise or a plan in default resumes collection at a harder step.
 */
import { isEndStage, type Stage } from '../account';
import {
  addDays,
  addMonths,
  ArrangementError,
  proposePlans,
  validateExtension,
  validatePlan,
  validatePromise,
  type BudgetRequest,
  type ExtensionRequest,
  type PlanProposal,
  type PlanRequest,
  type PromiseRequest,
} from '../arrangements';
import { localDateTime } from '../contact-policy';
import { formatMoney } from '../money';
import { zonedTimeToUtcMs } from '../schedule';
import type { ArrangementSnapshot, EffectFailure, EffectValues } from './commands';
import { balance, changeStage, EngineRefusal, isOpen, money, note, perform, recordStep, updateHold, type Ctx } from './context';
import { sendNotice } from './contacts';
import type { ExtensionRecord, PlanRecord, PromiseRecord, WatchedInstalment } from './records';
import { refreshNextAction } from './steps';
import type { ActiveArrangement, EngineState } from './state';

type Kind = ActiveArrangement['kind'];

/** The debtor's calendar decides "today" for dates in promises, plans and extensions. */
export const today = (state: EngineState, at: string) => localDateTime(at, state.profile.timezone).date;

/** A rule the request breaks comes back naming the field. */
function refuseWith(error: unknown): never {
  if (error instanceof ArrangementError) throw new EngineRefusal(error.message, 'invalid_arrangement', error.field);
  throw error;
}

function requireOpen(state: EngineState): void {
  if (isEndStage(state.stage)) throw new EngineRefusal(`the account is ${state.stage}`, 'control_refused');
}

function requireNoArrangement(state: EngineState, allowPromise: boolean): void {
  const active = state.arrangement;
  if (!active || (allowPromise && active.kind === 'promise')) return;
  throw new EngineRefusal(`the account has an active ${active.kind} (${active.id}); it must end first`, 'control_refused');
}

const rulesOf = (ctx: Pick<Ctx, 'config'>) => ctx.config.arrangementRules;

// ---- taking an arrangement (validated first: the same checks answer the update's validator) ------

export function checkPromise(state: EngineState, config: Ctx['config'], at: string, request: PromiseRequest): PromiseRequest {
  requireOpen(state);
  requireNoArrangement(state, false);
  try {
    return validatePromise(request, { today: today(state, at), balanceMinor: state.balanceMinor, currency: state.profile.currency, rules: config.arrangementRules });
  } catch (error) {
    return refuseWith(error);
  }
}

export function checkPlan(state: EngineState, config: Ctx['config'], at: string, request: PlanRequest) {
  requireOpen(state);
  requireNoArrangement(state, true);
  try {
    return validatePlan(request, { today: today(state, at), balanceMinor: state.balanceMinor, currency: state.profile.currency, rules: config.arrangementRules });
  } catch (error) {
    return refuseWith(error);
  }
}

export function checkExtension(state: EngineState, config: Ctx['config'], at: string, request: ExtensionRequest) {
  requireOpen(state);
  requireNoArrangement(state, false);
  try {
    return validateExtension(request, { today: today(state, at), extensionsGranted: state.extensions.length, rules: config.arrangementRules });
  } catch (error) {
    return refuseWith(error);
  }
}

export function planProposals(state: EngineState, config: Ctx['config'], at: string, budget: BudgetRequest): PlanProposal[] {
  try {
    return proposePlans({ ...budget, balanceMinor: state.balanceMinor, currency: state.profile.currency, today: today(state, at), rules: config.arrangementRules });
  } catch (error) {
    return refuseWith(error);
  }
}

/** 09:00 (or another time) in the debtor's zone on a calendar day: when checks happen. */
const morningOf = (ctx: Ctx, date: string, time = '09:00') => zonedTimeToUtcMs(date, time, ctx.s.profile.timezone);

export function takePromise(ctx: Ctx, request: PromiseRequest): PromiseRecord {
  const valid = checkPromise(ctx.s, ctx.config, ctx.at, request);
  const checkAt = new Date(morningOf(ctx, addDays(valid.date, rulesOf(ctx).promise.graceDays + 1))).toISOString();
  const promise: PromiseRecord = { ...valid, id: `promise-${ctx.s.promises.length + 1}`, takenAt: ctx.at, status: 'open', paidMinor: 0, checkAt, resolvedAt: null };
  ctx.s.promises.push(promise);
  begin(ctx, 'promise', promise.id, 'promised', `promise to pay ${money(ctx, valid.amountMinor)} by ${valid.date} (${valid.channel}, taken by ${valid.takenBy})`);
  save(ctx, 'promise', promise.id);
  return promise;
}

export function takePlan(ctx: Ctx, request: PlanRequest): PlanRecord {
  const { terms, schedule } = checkPlan(ctx.s, ctx.config, ctx.at, request);
  // A plan replaces a promise in the same decision, so nothing can slip in between.
  const replaced = ctx.s.arrangement?.kind === 'promise' ? finish(ctx, 'cancelled', 'replaced by a payment plan') : null;
  const plan: PlanRecord = {
    id: `plan-${ctx.s.plans.length + 1}`,
    terms,
    schedule: schedule.map((i) => ({ ...i, status: 'due', remindedAt: null, noticeSentAt: null })),
    acceptedBy: request.acceptedBy,
    acceptedAt: ctx.at,
    status: 'active',
    misses: 0,
    paidMinor: 0,
    resolvedAt: null,
  };
  ctx.s.plans.push(plan);
  begin(ctx, 'plan', plan.id, 'on_plan', `${terms.settlement ? 'settlement ' : ''}plan accepted by ${request.acceptedBy}: ${schedule.length} ${terms.frequency} payment(s) of ${money(ctx, terms.instalmentMinor)}, total ${money(ctx, terms.totalMinor)}`);
  if (replaced) save(ctx, 'promise', replaced.id);
  save(ctx, 'plan', plan.id);
  return plan;
}

export function takeExtension(ctx: Ctx, request: ExtensionRequest): ExtensionRecord {
  const valid = checkExtension(ctx.s, ctx.config, ctx.at, request);
  const extension: ExtensionRecord = { ...valid, id: `extension-${ctx.s.extensions.length + 1}`, grantedAt: ctx.at, status: 'active', endedAt: null };
  ctx.s.extensions.push(extension);
  begin(ctx, 'extension', extension.id, 'extended', `extended to ${valid.newDueDate} (${valid.days} days) by ${valid.grantedBy}${valid.approver ? `, approved by ${valid.approver}` : ''}: ${valid.reason}`);
  save(ctx, 'extension', extension.id);
  return extension;
}

/** A promise signalled by an inbound system: one that breaks a rule is recorded as refused, never thrown. */
export function promiseSignalled(ctx: Ctx, request: PromiseRequest): void {
  try {
    takePromise(ctx, request);
  } catch (error) {
    ctx.s.compliance.events.push({ kind: 'rejected_promise', at: ctx.at, detail: (error as Error).message });
  }
}

function begin(ctx: Ctx, kind: Kind, id: string, stage: Stage, reason: string): void {
  const s = ctx.s;
  const stageBefore = s.stage === 'paused' ? (s.stageBeforePause ?? 'reminding') : s.stage;
  s.arrangement = { kind, id, paymentsFrom: s.payments.length, stageBefore };
  if (s.stage === 'paused') s.stageBeforePause = stage;
  else changeStage(ctx, stage, reason);
  updateHold(ctx);
  s.answeredSinceLastStep = true;
  note(ctx, `(${kind})`, kind, kind, 'done', reason);
  refreshNextAction(ctx);
}

/** Ends the active arrangement, all at once; the cadence clock restarts where it stopped. */
function finish(ctx: Ctx, status: string, reason: string): ActiveArrangement | null {
  const s = ctx.s;
  const active = s.arrangement;
  if (!active) return null;
  const record = recordOf(s, active.kind, active.id);
  record.status = status as never;
  if ('resolvedAt' in record) record.resolvedAt = ctx.at;
  else record.endedAt = ctx.at;
  s.arrangement = null;
  updateHold(ctx);
  const back: Stage = ['promised', 'on_plan', 'extended', 'notice', 'paused'].includes(active.stageBefore) ? 'reminding' : active.stageBefore;
  if (s.stage === 'paused') s.stageBeforePause = back;
  else if (!isEndStage(s.stage)) changeStage(ctx, back, `${active.kind} ${status}: ${reason}`);
  note(ctx, `(${active.kind})`, `${active.kind} ${status}`, `${active.kind} ${status}`, 'done', reason);
  return active;
}

/** Ends the active arrangement and keeps its final state for reports. */
export function endArrangement(ctx: Ctx, status: string, reason: string): void {
  const ended = finish(ctx, status, reason);
  if (ended) save(ctx, ended.kind, ended.id);
}

function recordOf(state: EngineState, kind: Kind, id: string): PromiseRecord | PlanRecord | ExtensionRecord {
  const list: (PromiseRecord | PlanRecord | ExtensionRecord)[] = kind === 'promise' ? state.promises : kind === 'plan' ? state.plans : state.extensions;
  return list.find((r) => r.id === id)!;
}

function save(ctx: Ctx, kind: Kind, id: string): void {
  const record = recordOf(ctx.s, kind, id);
  const common = { arrangementId: `${ctx.config.accountKey}/${id}`, accountKey: ctx.config.accountKey, creditorId: ctx.s.profile.creditorId, kind, status: record.status, currency: ctx.s.profile.currency };
  let snapshot: ArrangementSnapshot;
  if (kind === 'promise') {
    const p = record as PromiseRecord;
    snapshot = { ...common, amountMinor: p.amountMinor, dueDate: p.date, createdAt: p.takenAt, resolvedAt: p.resolvedAt, detail: { ...p } };
  } else if (kind === 'plan') {
    const p = record as PlanRecord;
    snapshot = { ...common, amountMinor: p.terms.totalMinor, dueDate: p.schedule.at(-1)?.dueDate ?? null, createdAt: p.acceptedAt, resolvedAt: p.resolvedAt, detail: { ...p } };
  } else {
    const e = record as ExtensionRecord;
    snapshot = { ...common, amountMinor: null, dueDate: e.newDueDate, createdAt: e.grantedAt, resolvedAt: e.endedAt, detail: { ...e } };
  }
  ctx.out.push({ kind: 'save_arrangement', snapshot, summary: `${kind} ${id}: ${record.status}` });
}

/** What was paid since the arrangement began, payments returned later not counting. */
function paidSince(state: EngineState, fromIndex: number): number {
  return state.payments.slice(fromIndex).reduce((sum, p) => sum + (p.status === 'posted' ? p.amount.amountMinor : 0), 0);
}

export function describeArrangement(ctx: Ctx): string {
  const active = ctx.s.arrangement;
  if (!active) return 'none';
  const record = recordOf(ctx.s, active.kind, active.id);
  if (active.kind === 'promise') {
    const p = record as PromiseRecord;
    return `promise of ${money(ctx, p.amountMinor)} by ${p.date} (paid ${money(ctx, paidSince(ctx.s, active.paymentsFrom))})`;
  }
  if (active.kind === 'plan') {
    const p = record as PlanRecord;
    const next = p.schedule.find((i) => i.status === 'due');
    return `${p.terms.frequency} plan, ${money(ctx, paidSince(ctx.s, active.paymentsFrom))} of ${money(ctx, p.terms.totalMinor)} paid, ${p.misses} missed${next ? `, next ${money(ctx, next.amountMinor)} on ${next.dueDate}` : ''}`;
  }
  return `extension to ${(record as ExtensionRecord).newDueDate}`;
}

// ---- watching --------------------------------------------------------------------------------------

/** Acts on the active arrangement now, or says when it next needs attention. */
export function watchArrangement(ctx: Ctx): void {
  const active = ctx.s.arrangement!;
  if (active.kind === 'promise') return watchPromise(ctx, active);
  if (active.kind === 'plan') return watchPlan(ctx, active);
  return watchExtension(ctx, active);
}

function waitUntil(ctx: Ctx, description: string, atMs: number): void {
  const at = new Date(atMs).toISOString();
  ctx.s.nextAction = { description, at };
  ctx.out.push({ kind: 'wait', until: at });
}

function watchPromise(ctx: Ctx, active: ActiveArrangement): void {
  const promise = recordOf(ctx.s, 'promise', active.id) as PromiseRecord;
  promise.paidMinor = paidSince(ctx.s, active.paymentsFrom);
  if (promise.paidMinor >= promise.amountMinor) return endArrangement(ctx, 'kept', `${money(ctx, promise.paidMinor)} paid against the promise of ${money(ctx, promise.amountMinor)}`);
  const checkAtMs = Date.parse(promise.checkAt);
  if (ctx.nowMs < checkAtMs) return waitUntil(ctx, `check promise of ${money(ctx, promise.amountMinor)} due ${promise.date}`, checkAtMs);
  // The promised date and the grace period are over: what does the ledger say?
  perform(ctx, { kind: 'ledger_snapshot', input: { accountKey: ctx.config.accountKey }, summary: `check the ledger for promise ${promise.id}` });
}

/** The ledger's answer for a promise whose date and grace period are over. */
export function promiseChecked(ctx: Ctx, outcome: { value: EffectValues['ledger_snapshot'] } | { failure: EffectFailure }): void {
  if ('failure' in outcome) return; // a refusal (an account the ledger does not know) leaves the promise to be checked again
  ctx.s.balanceMinor = outcome.value.balanceMinor;
  ctx.s.creditMinor = outcome.value.creditMinor;
  const active = ctx.s.arrangement;
  if (active?.kind !== 'promise') return; // replaced by a plan while the ledger answered
  const promise = recordOf(ctx.s, 'promise', active.id) as PromiseRecord;
  if (ctx.s.balanceMinor <= 0) return; // paid: the account closes it as kept
  if (promise.paidMinor > 0) {
    const rest = promise.amountMinor - promise.paidMinor;
    endArrangement(ctx, 'partial', `${money(ctx, promise.paidMinor)} of ${money(ctx, promise.amountMinor)} paid by ${promise.date}; asked for the remaining ${money(ctx, rest)}`);
    sendNotice(ctx, 'promise_partial', `${promise.id}/partial`, { amount: money(ctx, rest), date: promise.date });
    return;
  }
  moveToHarderStep(ctx, `promise ${promise.id} broken`);
  endArrangement(ctx, 'broken', `nothing paid by ${promise.date} (grace ${rulesOf(ctx).promise.graceDays} days)`);
}

function watchPlan(ctx: Ctx, active: ActiveArrangement): void {
  const rules = rulesOf(ctx).plan;
  const plan = recordOf(ctx.s, 'plan', active.id) as PlanRecord;
  plan.paidMinor = paidSince(ctx.s, active.paymentsFrom);
  if (plan.paidMinor >= plan.terms.totalMinor) return completePlan(ctx, plan);
  const now = ctx.nowMs;
  const acceptedMs = Date.parse(plan.acceptedAt);
  let covered = 0;
  for (const instalment of plan.schedule) {
    covered += instalment.amountMinor;
    if (instalment.status !== 'due') continue;
    const onTimeUntil = morningOf(ctx, addDays(instalment.dueDate, 1));
    const missedAt = morningOf(ctx, addDays(instalment.dueDate, rules.graceDays + 1));
    if (plan.paidMinor >= covered) {
      instalment.status = now < onTimeUntil ? 'paid' : 'late';
      note(ctx, '(plan)', `instalment ${instalment.status}`, `instalment ${instalment.number} ${instalment.status}`, 'done', `${money(ctx, instalment.amountMinor)} due ${instalment.dueDate}`);
      save(ctx, 'plan', plan.id);
      continue;
    }
    const remindAt = morningOf(ctx, addDays(instalment.dueDate, -rules.reminderDaysBefore), '10:00');
    if (!instalment.remindedAt && remindAt > acceptedMs && now >= remindAt && now < onTimeUntil) {
      instalment.remindedAt = ctx.at;
      sendNotice(ctx, 'plan_reminder', `${plan.id}/${instalment.number}/reminder`, { amount: money(ctx, instalment.amountMinor), date: instalment.dueDate });
      return;
    }
    if (now >= missedAt) return missInstalment(ctx, plan, instalment, covered);
    if (now >= onTimeUntil && !instalment.noticeSentAt) {
      instalment.noticeSentAt = ctx.at;
      sendNotice(ctx, 'plan_missed', `${plan.id}/${instalment.number}/late`, { amount: money(ctx, Math.min(instalment.amountMinor, covered - plan.paidMinor)), date: instalment.dueDate });
      return;
    }
    const next = [!instalment.remindedAt && remindAt > acceptedMs && remindAt > now ? remindAt : Infinity, onTimeUntil > now ? onTimeUntil : Infinity, missedAt].reduce((a, b) => Math.min(a, b));
    return waitUntil(ctx, `plan payment ${instalment.number}: ${money(ctx, instalment.amountMinor)} due ${instalment.dueDate}`, next);
  }
  // Every instalment is settled but the plan's total is not (a payment came back): wait for it.
  waitUntil(ctx, 'plan balance outstanding', now + 86_400_000);
}

/** A missed instalment's shortfall moves to the end of the plan; too many misses put the plan in default. */
function missInstalment(ctx: Ctx, plan: PlanRecord, instalment: WatchedInstalment, coveredThrough: number): void {
  const rules = rulesOf(ctx).plan;
  const shortfall = Math.min(instalment.amountMinor, coveredThrough - plan.paidMinor);
  instalment.status = 'missed';
  instalment.amountMinor -= shortfall;
  plan.misses += 1;
  const last = plan.schedule[plan.schedule.length - 1]!;
  const dueDate = plan.terms.frequency === 'monthly' ? addMonths(last.dueDate, 1) : addDays(last.dueDate, plan.terms.frequency === 'weekly' ? 7 : 14);
  plan.schedule.push({ number: last.number + 1, dueDate, amountMinor: shortfall, status: 'due', remindedAt: null, noticeSentAt: null });
  const detail = `instalment ${instalment.number} due ${instalment.dueDate}: ${money(ctx, shortfall)} not paid after ${rules.graceDays} days' grace (miss ${plan.misses} of ${rules.maxMisses} allowed)`;
  note(ctx, '(plan)', 'instalment missed', `instalment ${instalment.number} missed`, 'done', detail);
  if (plan.misses >= rules.maxMisses) {
    plan.resolvedAt = ctx.at;
    moveToHarderStep(ctx, `plan ${plan.id} in default`);
    endArrangement(ctx, 'defaulted', detail);
    sendNotice(ctx, 'plan_default', `${plan.id}/default`, { amount: formatMoney(balance(ctx)), date: instalment.dueDate });
    return;
  }
  save(ctx, 'plan', plan.id);
}

function completePlan(ctx: Ctx, plan: PlanRecord): void {
  for (const instalment of plan.schedule) if (instalment.status === 'due') instalment.status = 'paid';
  if (plan.terms.settlement && ctx.s.balanceMinor > 0) {
    perform(ctx, {
      kind: 'write_off',
      purpose: { type: 'settlement', planId: plan.id },
      input: { accountKey: ctx.config.accountKey, idempotencyKey: `${ctx.config.accountKey}/${plan.id}/settlement-write-off`, reason: `settled for ${money(ctx, plan.terms.totalMinor)} under ${plan.id}`, at: ctx.at },
      summary: `write off ${formatMoney(balance(ctx))} after settlement`,
    });
    return;
  }
  endArrangement(ctx, 'completed', `${money(ctx, plan.paidMinor)} paid under the plan`);
}

/** The rest written off after a settlement was paid: the account is settled. */
export function settlementWrittenOff(ctx: Ctx, planId: string, outcome: { value: EffectValues['write_off'] } | { failure: EffectFailure }): void {
  const plan = ctx.s.plans.find((p) => p.id === planId);
  if (!plan) return;
  if ('failure' in outcome) {
    note(ctx, '(plan)', 'settlement write-off refused', 'settlement write-off refused', 'failed', `${outcome.failure.type}: ${outcome.failure.message}`);
    changeStage(ctx, 'escalated', 'settlement could not be written off; needs an operator');
    endArrangement(ctx, 'completed', `settlement of ${money(ctx, plan.terms.totalMinor)} paid; the rest could not be written off`);
    return;
  }
  const writtenOff = money(ctx, outcome.value.writtenOffMinor);
  ctx.s.balanceMinor = outcome.value.balanceMinor;
  endArrangement(ctx, 'completed', `settlement of ${money(ctx, plan.terms.totalMinor)} paid; ${writtenOff} written off`);
  changeStage(ctx, 'settled', `settled for ${money(ctx, plan.terms.totalMinor)}; ${writtenOff} written off`);
}

function watchExtension(ctx: Ctx, active: ActiveArrangement): void {
  const extension = recordOf(ctx.s, 'extension', active.id) as ExtensionRecord;
  const until = morningOf(ctx, extension.newDueDate);
  if (ctx.nowMs < until) return waitUntil(ctx, `extension ends ${extension.newDueDate}`, until);
  endArrangement(ctx, 'ended', `extension to ${extension.newDueDate} is over; collection resumes`);
}

/** The balance is cleared while an arrangement runs: it ends as kept or completed. */
export function closeArrangementOnPaid(ctx: Ctx): void {
  const active = ctx.s.arrangement;
  if (!active) return;
  if (active.kind === 'plan') {
    const plan = recordOf(ctx.s, 'plan', active.id) as PlanRecord;
    plan.paidMinor = paidSince(ctx.s, active.paymentsFrom);
    for (const instalment of plan.schedule) if (instalment.status === 'due') instalment.status = 'paid';
    plan.resolvedAt = ctx.at;
    return endArrangement(ctx, 'completed', 'balance paid');
  }
  if (active.kind === 'promise') {
    const promise = recordOf(ctx.s, 'promise', active.id) as PromiseRecord;
    promise.paidMinor = paidSince(ctx.s, active.paymentsFrom);
    return endArrangement(ctx, 'kept', 'balance paid');
  }
  endArrangement(ctx, 'ended', 'balance paid');
}

/**
 * After a broken promise or a plan in default the cadence resumes at a harder step: the one the
 * cadence names, or else one step further than where it stood, due now (the gate still decides when).
 */
function moveToHarderStep(ctx: Ctx, reason: string): void {
  const s = ctx.s;
  const cadence = s.cadence;
  if (!cadence || s.nextStepIndex >= cadence.steps.length) return;
  const named = cadence.onBrokenPromise ? cadence.steps.findIndex((step) => step.id === cadence.onBrokenPromise!.resumeAt) : -1;
  const target = named >= s.nextStepIndex ? named : Math.min(s.nextStepIndex + 1, cadence.steps.length - 1);
  for (let i = s.nextStepIndex; i < target; i++) recordStep(ctx, cadence.steps[i]!, 'skipped', `${reason}: moved on to a harder step`);
  s.nextStepIndex = target;
  s.stepNotBefore = null;
  s.stepDueAt = ctx.at;
}

/** An account that ends while an arrangement runs (closed, placed, stopped) ends the arrangement as cancelled. */
export function cancelOnEnd(ctx: Ctx): void {
  if (ctx.s.arrangement && ctx.s.stage !== 'paid' && ctx.s.stage !== 'settled' && !isOpen(ctx)) endArrangement(ctx, 'cancelled', `the account is ${ctx.s.stage}`);
}
