/**
 * What people report back from the work queue, as the workflow's `recordWorkOutcome` update:
 * checked first (the same check answers the update's validator, so a wrong outcome changes
 * nothing), then applied as the event it is — a debtor's question answered (through the gate and
 * a template, like every other message), a dispute verified, a refused step retried, a trace
 * candidate confirmed or contact details found, a visit's outcome, an insurer's denial reviewed.
 * Also: the debtor's replies and disputes that become work items when they arrive.
 */
import { isEndStage } from '../account';
import { answerTemplateFor, renderAnswer } from '../answer-templates';
import { templateValues } from '../cadence';
import { checkPromise, takePromise } from './arrangement-watch';
import { claimOpen } from './claims';
import type { ContactEffect, EffectFailure, EffectValues } from './commands';
import { balance, changeStage, EngineRefusal, note, updateHold, type Ctx } from './context';
import { contactRecord, requestContact } from './contacts';
import { allowFurtherContact, found, furtherContactProblem, mailReturned, queueTraceConfirm, replyFrom, thirdPartyReplyAfterLocating, verify } from './locating';
import type { ComplianceEvent } from './records';
import type { EngineConfig, EngineState } from './state';
import { closeItem, queueWork } from './work';
import { WORK_OUTCOMES, type WorkOutcomeRequest } from './work-records';

const refuse = (message: string, field: string | null = null): never => {
  throw new EngineRefusal(message, 'control_refused', field);
};

/** Throws an EngineRefusal naming what is wrong with the outcome; returns nothing when it can be applied. */
export function checkWorkOutcome(state: EngineState, config: EngineConfig, at: string, request: WorkOutcomeRequest): void {
  const item = state.openWork.find((i) => i.id === request?.itemId);
  if (!item) refuse(`itemId: no open work item ${String(request?.itemId)} on this account`, 'itemId');
  if (typeof request.operator !== 'string' || request.operator.trim() === '') refuse('operator is required', 'operator');
  const allowed = WORK_OUTCOMES[item!.kind];
  if (!allowed.includes(request.outcome)) refuse(`outcome: must be one of ${allowed.join(', ')} for a ${item!.kind} item`, 'outcome');
  switch (`${item!.kind}:${request.outcome}`) {
    case 'debtor_reply:answered':
      if (!request.answer?.trim()) refuse('answer: the text of the answer is required', 'answer');
      if (isEndStage(state.stage) && state.compliance.flags.deceased) refuse('the debtor is deceased: no answer may go to them');
      if (!state.replies.some((r) => r.itemId === item!.id)) refuse('this reply came from a third party asked for location information: an answer about the account would tell them of the debt (§1006.10); record what they asked on the trace item');
      return;
    case 'trace_confirm:confirmed':
      if (!state.locating?.candidates.some((c) => c.id === request.candidateId && c.status !== 'rejected')) refuse('candidateId: not a candidate of this trace', 'candidateId');
      return;
    case 'trace_confirm:asked_to_be_contacted_again':
    case 'trace_confirm:earlier_answer_wrong': {
      const candidate = state.locating?.candidates.find((c) => c.id === request.candidateId);
      if (!candidate) refuse('candidateId: not a candidate of this trace', 'candidateId');
      const problem = furtherContactProblem(state, candidate!, request.outcome === 'asked_to_be_contacted_again' ? 'requested' : 'earlier_answer_wrong', request.note);
      if (problem) refuse(problem.message, problem.field);
      return;
    }
    case 'trace_manual:found':
      if (!request.found || (!request.found.email && !request.found.phone && !request.found.address)) refuse('found: give an email, a phone or an address', 'found');
      return;
    case 'field_visit:promise_taken':
      if (!request.promise) refuse('promise: amount and date are required', 'promise');
      try {
        checkPromise(state, config, at, { amountMinor: request.promise!.amountMinor, date: request.promise!.date, channel: 'in_person', takenBy: request.operator });
      } catch (error) {
        if (error instanceof EngineRefusal) refuse(`promise.${error.field ?? 'amountMinor'}: ${error.message}`, `promise.${error.field ?? 'amountMinor'}`);
        throw error;
      }
      return;
    case 'escalation:retry_step':
      if (state.nextStepIndex === 0 || isEndStage(state.stage)) refuse('there is no refused step to retry');
      return;
  }
}

export function applyWorkOutcome(ctx: Ctx, request: WorkOutcomeRequest): unknown {
  checkWorkOutcome(ctx.s, ctx.config, ctx.at, request);
  const s = ctx.s;
  const item = s.openWork.find((i) => i.id === request.itemId)!;
  const by = `${request.operator}${request.note ? `: ${request.note}` : ''}`;
  closeItem(ctx, item.id);
  note(ctx, '(work queue)', `${item.kind} ${request.outcome}`, `${item.kind.replace(/_/g, ' ')}: ${request.outcome.replace(/_/g, ' ')}`, 'done', by);
  switch (`${item.kind}:${request.outcome}`) {
    case 'debtor_reply:answered': {
      const reply = s.replies.find((r) => r.itemId === item.id);
      if (reply) s.answers.push({ itemId: item.id, channel: reply.channel, to: reply.from, text: request.answer!.trim() });
      break;
    }
    case 'dispute:verification_sent':
      if (s.compliance.dispute === 'pending_verification') {
        s.compliance.dispute = 'verified';
        s.compliance.disputeHeldAt = null;
        updateHold(ctx);
      }
      s.compliance.events.push({ kind: 'verification_sent', at: ctx.at, detail: `verification sent (work queue, ${by})` });
      break;
    case 'escalation:retry_step':
      s.nextStepIndex -= 1;
      s.stepNotBefore = null;
      s.lastStepAt = null;
      break;
    case 'trace_confirm:confirmed':
      verify(ctx, s.locating!.candidates.find((c) => c.id === request.candidateId)!, `confirmed by ${by}`);
      break;
    case 'trace_confirm:asked_to_be_contacted_again':
    case 'trace_confirm:earlier_answer_wrong':
      allowFurtherContact(ctx, s.locating!.candidates.find((c) => c.id === request.candidateId)!, {
        reason: request.outcome === 'asked_to_be_contacted_again' ? 'requested' : 'earlier_answer_wrong',
        source: 'operator',
        by: request.operator,
        note: request.note?.trim() ?? '',
      });
      // The trace is not over: a new item for the next confirmation (this one is closed).
      queueTraceConfirm(ctx);
      break;
    case 'trace_confirm:none_valid':
      s.locating?.candidates.forEach((c) => c.status !== 'verified' && (c.status = 'rejected'));
      if (s.locating) {
        s.locating.status = 'manual';
        s.locating.itemId = queueWork(ctx, 'trace_manual', { title: 'Locate the debtor by hand (no trace candidate was right)', priority: 3, dueAt: null, detail: { reason: `no candidate was right (${by})` } });
      }
      break;
    case 'trace_manual:found':
      found(ctx, request.found!, by);
      break;
    case 'field_visit:spoke_with_debtor':
      s.compliance.conversations.push(ctx.at);
      s.answeredSinceLastStep = true;
      s.visit = null;
      break;
    case 'field_visit:promise_taken':
      s.compliance.conversations.push(ctx.at);
      s.visit = null;
      return takePromise(ctx, { amountMinor: request.promise!.amountMinor, date: request.promise!.date, channel: 'in_person', takenBy: request.operator });
    case 'field_visit:not_home':
      s.visit = null;
      break;
    case 'field_visit:moved':
      s.visit = null;
      mailReturned(ctx, { kind: 'mail_returned', reason: 'the field visitor found the debtor moved', source: 'operator' });
      break;
    case 'field_visit:refused':
      s.visit = null;
      changeStage(ctx, 'escalated', `the debtor refused to talk on a field visit (${by})`);
      break;
    case 'insurer_denial:denial_accepted':
      if (s.claim && claimOpen(s.claim)) (s.claim.status = 'closed'), (s.claim.nextCheckAt = null);
      s.compliance.events.push({ kind: 'claim_closed', at: ctx.at, detail: `the denial is accepted (${by}); the patient is billed the balance` });
      break;
  }
  return undefined;
}

/**
 * A reply or a dispute that arrived: a person answers or verifies it. A reply from a trace
 * candidate verifies it only when it says it is the debtor (`replyFrom`); any other reply from a
 * candidate, or from a third party asked for location information after locating ended, is a
 * third party's: read by a person but never answered about the account (§1006.10). An unclear one
 * goes to a person on a trace item.
 */
export function complianceWork(ctx: Ctx, event: ComplianceEvent): void {
  const s = ctx.s;
  if (event?.kind === 'debtor_reply') {
    const text = String(event.text);
    const reading = replyFrom(ctx, event.from, text);
    if (reading === 'unclear') return;
    const why = reading === 'third_party'
      ? 'asked to be contacted again: one more location inquiry goes to them; answer nothing about the account (§1006.10)'
      : reading === 'not_debtor'
        ? 'says they are not the debtor: the candidate is rejected; answer nothing about the account (§1006.10)'
        : reading === null && thirdPartyReplyAfterLocating(ctx, event.from, text)
          ? 'a third party asked for location information, replying after locating ended: answer nothing about the account (§1006.10)'
          : null;
    const itemId = queueWork(ctx, 'debtor_reply', {
      title: why ? `A third party asked for location information replied by ${event.channel}` : `Debtor replied by ${event.channel}`,
      priority: 2,
      dueAt: null,
      detail: { channel: event.channel, from: event.from, text: text.slice(0, 1600), ...(why ? { thirdParty: why } : {}) },
    });
    if (!why) s.replies.push({ itemId, channel: event.channel, from: event.from });
  }
  if (event?.kind === 'dispute' && s.compliance.dispute === 'pending_verification' && !s.openWork.some((i) => i.kind === 'dispute'))
    queueWork(ctx, 'dispute', { title: `Dispute to verify (by ${event.via})`, priority: 1, dueAt: null, detail: { via: event.via, note: event.note ?? null, receivedAt: event.receivedAt ?? ctx.at } });
}

/** An operator's answer to a debtor's question: one contact, through the gate, on the channel the question came by, from the answer template (answer-templates.ts). */
export function planAnswer(ctx: Ctx): boolean {
  const answer = ctx.s.answers[0];
  if (!answer || (ctx.s.answerNotBefore && Date.parse(ctx.s.answerNotBefore) > ctx.nowMs)) return false;
  const a = ctx.s.profile;
  const template = answerTemplateFor(a.language, { cadence: ctx.s.cadence?.answerTemplates, creditor: ctx.config.answerTemplates });
  const values = { ...templateValues(a, balance(ctx), ctx.config.settings, ctx.at), answer: answer.text, collectorName: ctx.config.settings.collectorName ?? 'Dunning Collections' };
  const message = renderAnswer(template, answer.channel, values);
  requestContact(ctx, {
    purpose: { type: 'answer', itemId: answer.itemId },
    idempotencyKey: `${answer.itemId}/answer`,
    stepId: 'answer',
    channel: answer.channel,
    recipient: answer.to,
    subject: message.subject,
    text: message.text,
    html: null,
    summary: `answer to the debtor's ${answer.channel}`,
  });
  return true;
}

export function answerResult(ctx: Ctx, effect: ContactEffect, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  if ('value' in outcome && outcome.value.decision.kind === 'defer') {
    // Outside the contact window: sent when it opens (the answer stays first in line).
    s.answerNotBefore = outcome.value.decision.until;
    return;
  }
  s.answers = s.answers.slice(1);
  s.answerNotBefore = null;
  const record = contactRecord(ctx, effect, outcome);
  s.contacts.push(record);
  s.compliance.events.push({ kind: 'answer', at: ctx.at, detail: `answer by ${effect.channel}: ${record.status}${record.reason ? ` (${record.reason})` : ''}` });
}
