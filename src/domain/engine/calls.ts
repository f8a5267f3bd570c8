/**
 * Calls a person places ("dialling now"). A call task is created by a cadence step, but the call
 * happens when someone dials: the gate is asked again then (the time of day, 7 attempts in 7 days,
 * none in the 7 days after a conversation, §1006.14(b)(2)), and each attempt's outcome is recorded
 * (no answer, voicemail left, wrong number, conversation). Attempts and conversations feed the same
 * rules for every later call, and a task a person worked counts by its attempts, not its creation.
 */
import { evaluateContact, rulesFor } from '../contact-policy';
import { changeApplies, EngineRefusal, type Ctx } from './context';
import { contactRequest, isInvalid } from './contacts';
import { withPreferredHours } from './preferences';
import { CALL_OUTCOMES, type CallAttempt, type CallOutcomeRequest, type DialRequest } from './records';
import type { EngineState } from './state';

const refuse = (message: string, field: string | null = null): never => {
  throw new EngineRefusal(message, 'control_refused', field);
};

/** The answer to "dialling now". */
export interface DialAnswer {
  attemptId: string;
  phone: string;
  decision: CallAttempt['decision'];
  rule: string;
  reason: string | null;
  until: string | null;
}

const attemptsOf = (state: EngineState) => state.callAttempts ?? [];

function dialledPhone(state: EngineState, request: DialRequest): string {
  const phone = request.phone?.trim() || state.profile.phone;
  if (!phone) return refuse('phone: the account has no phone number; give the number being dialled', 'phone');
  return phone;
}

export function checkDial(state: EngineState, request: DialRequest): void {
  if (typeof request?.operator !== 'string' || request.operator.trim() === '') refuse('operator: the person dialling is required', 'operator');
  const phone = dialledPhone(state, request);
  const wrong = attemptsOf(state).find((a) => a.outcome === 'wrong_number' && a.phone === phone);
  // The number is not quoted: a refusal's message travels through Temporal in clear (the caller knows what they dialled).
  if (wrong) refuse(`phone: the number dialled was reported as a wrong number (${wrong.id}, ${wrong.outcomeAt}); it is not the debtor's`, 'phone');
}

/** Asks the gate about a call being placed now, and records the attempt (the proof and the work queue's row go out with it). */
export function dial(ctx: Ctx, request: DialRequest): DialAnswer {
  const s = ctx.s;
  const phone = dialledPhone(s, request);
  const gate = contactRequest(ctx, 'call', phone);
  // The person's calls about the creditor's other accounts count too (the caller's system found them).
  gate.history.push(...(request.elsewhere ?? []).map((e) => ({ channel: 'call' as const, at: e.at, kind: e.kind })));
  // A call placed to collect is a collection contact: the debtor's preferred hours narrow its window too.
  const rules = rulesFor(gate.state, gate.city, ctx.config.contactRules);
  const preferred = evaluateContact(gate, withPreferredHours(ctx, rules));
  const before = evaluateContact(gate, rules);
  const decision = JSON.stringify(preferred) === JSON.stringify(before) || changeApplies(ctx, 'call-preferred-hours') ? preferred : before;
  s.callAttempts ??= [];
  const attempt: CallAttempt = {
    id: `call-${s.callAttempts.length + 1}`,
    phone,
    at: ctx.at,
    operator: request.operator.trim(),
    taskId: request.taskId ?? null,
    decision: decision.kind,
    rule: decision.rule,
    reason: 'reason' in decision ? decision.reason : null,
    until: decision.kind === 'defer' ? decision.until : null,
    outcome: null,
    outcomeAt: null,
    note: null,
  };
  s.callAttempts.push(attempt);
  save(ctx, attempt, { decisionKey: `${ctx.config.accountKey}/dial/${attempt.id}`, request: gate }, `dialling ${attempt.id}: ${attempt.decision} (${attempt.rule})`);
  return { attemptId: attempt.id, phone, decision: attempt.decision, rule: attempt.rule, reason: attempt.reason, until: attempt.until };
}

export function checkCallOutcome(state: EngineState, request: CallOutcomeRequest): void {
  const attempt = attemptsOf(state).find((a) => a.id === request?.attemptId);
  if (!attempt) return refuse(`attemptId: no call attempt ${request?.attemptId} on this account`, 'attemptId');
  if (attempt.decision !== 'allow') refuse(`attemptId: ${attempt.id} was not allowed (${attempt.decision}: ${attempt.rule}); no call was placed`, 'attemptId');
  if (attempt.outcome) refuse(`attemptId: the outcome of ${attempt.id} is already recorded (${attempt.outcome})`, 'attemptId');
  if (!(CALL_OUTCOMES as readonly string[]).includes(request.outcome)) refuse(`outcome: must be one of ${CALL_OUTCOMES.join(', ')}`, 'outcome');
}

/**
 * What came of a call: a conversation starts the 7-day silence (the conversation day is day 1; the
 * attempt counts as the conversation in the gate's history) and answers the last step; a wrong
 * number is not the debtor's, so it is not called or texted again.
 */
export function recordCallOutcome(ctx: Ctx, request: CallOutcomeRequest): CallAttempt {
  const s = ctx.s;
  const attempt = s.callAttempts.find((a) => a.id === request.attemptId)!;
  attempt.outcome = request.outcome;
  attempt.outcomeAt = ctx.at;
  attempt.note = request.note?.slice(0, 500) ?? null;
  if (request.outcome === 'conversation') s.answeredSinceLastStep = true;
  if (request.outcome === 'wrong_number')
    for (const channel of ['call', 'sms'] as const)
      if (!isInvalid(ctx, channel, attempt.phone)) s.invalidContacts.push({ channel, address: attempt.phone, reason: `wrong number (call ${attempt.id})`, at: ctx.at });
  s.compliance.events.push({ kind: 'call_outcome', at: ctx.at, detail: `${attempt.id} to ${attempt.phone}: ${request.outcome}${request.operator ? ` (by ${request.operator})` : ''}${attempt.note ? `: ${attempt.note}` : ''}` });
  save(ctx, attempt, null, `call ${attempt.id}: ${request.outcome}`);
  return attempt;
}

function save(ctx: Ctx, attempt: CallAttempt, decision: { decisionKey: string; request: ReturnType<typeof contactRequest> } | null, summary: string): void {
  ctx.out.push({ kind: 'save_call_attempt', snapshot: { accountKey: ctx.config.accountKey, creditorId: ctx.s.profile.creditorId, attempt: { ...attempt }, decision }, summary });
}
