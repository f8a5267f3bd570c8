/**
 * A utility service disconnected by this account's order comes back on when the debt is paid (or
 * settled), or when the debtor accepts a plan and the creditor reconnects on a plan: a signed
 * reconnection order, sent the way the disconnection went, retried with growing pauses until the
 * creditor's system acknowledges it, recorded in the history.
 */
import { isEndStage } from '../account';
import type { EffectFailure, EffectValues, OrderEffect } from './commands';
import { note, perform, type Ctx } from './context';

const RETRY_FIRST_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;

/** The service is off and the account no longer owes, or keeps a plan the creditor accepts for reconnection. */
function due(ctx: Ctx): boolean {
  const s = ctx.s;
  if (s.service?.status !== 'disconnected') return false;
  const paid = s.balanceMinor <= 0 && (s.stage === 'paid' || s.stage === 'settled' || !isEndStage(s.stage));
  const onPlan = ctx.config.reconnectOnPlan === true && s.arrangement?.kind === 'plan';
  return paid || onPlan;
}

/** Asks for the reconnection order when it is due; a wait when the last attempt was not acknowledged. Returns whether it asked or waits. */
export function planReconnection(ctx: Ctx): boolean {
  if (!due(ctx)) return false;
  const s = ctx.s;
  const service = s.service!;
  if (service.reconnectRetry && ctx.nowMs < Date.parse(service.reconnectRetry.notBefore)) {
    ctx.out.push({ kind: 'wait', until: service.reconnectRetry.notBefore });
    return true;
  }
  const account = s.profile;
  perform(ctx, {
    kind: 'order',
    order: 'reconnection',
    stepIndex: -1,
    input: {
      idempotencyKey: `${ctx.config.accountKey}/reconnection/${service.at}`,
      accountKey: ctx.config.accountKey,
      creditorId: account.creditorId,
      accountId: account.accountId,
      debtorName: account.debtorName,
      balanceMinor: s.balanceMinor,
      currency: account.currency,
      serviceId: service.serviceId,
    },
    summary: `reconnection of service ${service.serviceId} ordered`,
  });
  return true;
}

/** An acknowledged disconnection order: the service is off until it is ordered back on. */
export function disconnected(ctx: Ctx, effect: OrderEffect, outcome: { value: unknown } | { failure: EffectFailure }): void {
  if (effect.order === 'disconnection' && 'value' in outcome && effect.input.serviceId) ctx.s.service = { serviceId: effect.input.serviceId, status: 'disconnected', at: ctx.at };
}

export function reconnectionResult(ctx: Ctx, outcome: { value: EffectValues['order'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const service = s.service;
  if (!service) return;
  if ('failure' in outcome) {
    const attempts = (service.reconnectRetry?.attempts ?? 0) + 1;
    if (outcome.failure.permanent) {
      // Refused: an operator must see to it; the account keeps saying the service is off.
      note(ctx, '(service)', 'reconnection refused', 'reconnection order refused', 'failed', `service ${service.serviceId}: ${outcome.failure.message}; needs an operator`);
      service.reconnectRetry = { attempts, lastError: outcome.failure.message, notBefore: new Date(ctx.nowMs + RETRY_MAX_MS * 24).toISOString() };
      return;
    }
    service.reconnectRetry = { attempts, lastError: outcome.failure.message, notBefore: new Date(ctx.nowMs + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempts - 1))).toISOString() };
    return;
  }
  s.service = { serviceId: service.serviceId, status: 'reconnected', at: ctx.at };
  const why = s.balanceMinor <= 0 ? 'the balance is paid' : 'the debtor keeps a plan the creditor accepts for reconnection';
  note(ctx, '(service)', 'reconnection', 'service reconnection ordered', 'done', `reconnection of ${service.serviceId} acknowledged by ${outcome.value.destination}: ${why}`);
  s.stageHistory.push({ stage: s.stage, at: ctx.at, reason: `service ${service.serviceId} reconnected: ${why}` });
}
