/**
 * The working context of one decision: a draft of the state (the caller's state is never
 * changed), the configuration, the instant of the event, and the commands decided so far; plus
 * the small state changes every part of the engine makes (stage, steps, holds, effects).
 */
import { isEndStage, type Stage } from '../account';
import type { CadenceStep } from '../cadence';
import { stepLabel } from '../cadence';
import { localDateTime } from '../contact-policy';
import { formatMoney } from '../money';
import type { Command, Effect } from './commands';
import type { StepRecord } from './records';
import type { EngineChange, EngineConfig, EngineState } from './state';

const DAY_MS = 86_400_000;

export interface Ctx {
  s: EngineState;
  config: EngineConfig;
  /** The event's instant (ISO) and the same in ms. */
  at: string;
  nowMs: number;
  out: Command[];
  /** What an update answers, when the event came from one. */
  reply?: unknown;
}

/** A refused request: the message says why, `field` names what to change (arrangements). */
export class EngineRefusal extends Error {
  constructor(
    message: string,
    readonly type: 'control_refused' | 'invalid_arrangement',
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'EngineRefusal';
  }
}

/** Whether a change of behaviour applies to this run (Temporal's patched(), asked only where it differs); true outside a workflow. */
export const changeApplies = (ctx: Ctx, change: EngineChange): boolean => (ctx.config.patched ? ctx.config.patched(change) : true);

/**
 * Whether a request received at `receivedAt` (an instant; the event's own when absent) came within
 * the validation period: its date in the debtor's zone, the zone the period's end date is in, up to
 * that end. With no validation notice yet the period has not started, so it counts as within.
 */
export function withinValidationPeriod(ctx: Ctx, receivedAt: string | undefined): boolean {
  const notice = ctx.s.compliance.validationNotice;
  if (!notice) return true;
  const instant = receivedAt ?? ctx.at;
  const within = localDateTime(instant, ctx.s.profile.timezone).date <= notice.periodEnds;
  // Before 'validation-period-local-date' the instant's own date was read (UTC for a 'Z' time): a day late each evening west of it.
  const before = instant.slice(0, 10) <= notice.periodEnds;
  return within === before || changeApplies(ctx, 'validation-period-local-date') ? within : before;
}

export function makeCtx(state: EngineState, config: EngineConfig, at: string): Ctx {
  return { s: structuredCopy(state), config, at, nowMs: Date.parse(at), out: [] };
}

/** A deep copy of plain JSON. */
export function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** An amount of the account's currency, for people to read. */
export const money = (ctx: Ctx, amountMinor: number) => formatMoney({ amountMinor, currency: ctx.s.profile.currency });
/** What the debtor is asked to pay: the balance less what an open insurance claim may still cover (engine/claims.ts). */
export const balance = (ctx: Ctx) => ({ amountMinor: Math.max(0, ctx.s.balanceMinor - underClaimMinor(ctx.s)), currency: ctx.s.profile.currency });

/** The part billed to the payer of an open claim and not paid yet: not the patient's to pay meanwhile. */
export function underClaimMinor(s: EngineState): number {
  const claim = s.claim;
  if (!claim || !['pending', 'denied', 'appealed'].includes(claim.status)) return 0;
  return Math.max(0, claim.billedMinor - claim.paidMinor);
}

export function changeStage(ctx: Ctx, stage: Stage, reason: string): void {
  const s = ctx.s;
  if (s.stage === stage) return;
  if (stage === 'paid' || stage === 'settled') s.stageBeforeEnd = s.stage;
  s.stage = stage;
  s.stageHistory.push({ stage, at: ctx.at, reason });
}

/** A line in the account's step history. */
export function note(ctx: Ctx, stepId: string, action: string, label: string, status: StepRecord['status'], detail: string | null): void {
  ctx.s.steps.push({ stepId, action, label, at: ctx.at, status, detail });
}

export function recordStep(ctx: Ctx, step: CadenceStep, status: StepRecord['status'], detail: string | null): void {
  note(ctx, step.id, step.action, stepLabel(step), status, detail);
}

/**
 * The cadence clock stops while an account is held (paused, a dispute awaiting verification, an
 * arrangement), so overdue steps do not all fire at once afterwards. The hold starts when the
 * first of them begins and is credited, in whole days, when the last ends.
 */
export function updateHold(ctx: Ctx): void {
  const s = ctx.s;
  // Late fees and interest stop (by the debtor's local days) while a dispute awaits verification or a plan is being kept.
  const noCharges = s.compliance.dispute === 'pending_verification' || s.arrangement?.kind === 'plan';
  const open = s.chargeSuspensions.find((x) => x.to === null);
  const today = localDateTime(ctx.at, s.profile.timezone).date;
  if (noCharges && !open) s.chargeSuspensions.push({ from: today, to: null });
  else if (!noCharges && open) open.to = today;
  const held = s.stage === 'paused' || s.stage === 'locating' || s.compliance.dispute === 'pending_verification' || s.arrangement !== null;
  if (held && !s.holdStartedAt) s.holdStartedAt = ctx.at;
  else if (!held && s.holdStartedAt) {
    stopClockSince(ctx, s.holdStartedAt);
    s.holdStartedAt = null;
  }
}

/** Whole days between then and now move every later step (day-based steps keep their local time). */
export function stopClockSince(ctx: Ctx, since: string | null): void {
  if (!since) return;
  const heldMs = ctx.nowMs - Date.parse(since);
  ctx.s.clockShiftMs += Math.max(0, Math.round(heldMs / DAY_MS)) * DAY_MS;
}

export function advance(ctx: Ctx): void {
  ctx.s.nextStepIndex += 1;
  ctx.s.stepNotBefore = null;
  ctx.s.stepDueAt = null;
}

/** Names an effect: the engine waits for its result before deciding anything else. */
export function perform(ctx: Ctx, effect: DistributiveOmit<Effect, 'id'>): void {
  const s = ctx.s;
  s.effects += 1;
  const named = { ...effect, id: `e${s.effects}` } as Effect;
  s.awaiting = named;
  ctx.out.push(named);
}

export function isOpen(ctx: Ctx): boolean {
  return !isEndStage(ctx.s.stage);
}

/** Why collection must not go on at all now, if it must not. */
export function collectionStopped(ctx: Ctx): string | null {
  const f = ctx.s.compliance.flags;
  if (f.deceased) return 'debtor deceased: collection stopped';
  if (f.bankruptcy) return 'bankruptcy: automatic stay, collection stopped';
  return null;
}

export type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
