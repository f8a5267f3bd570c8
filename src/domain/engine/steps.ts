/**
 * The cadence runner: which step is next and when it is due (in the debtor's zone, moved by the
 * days the account was held), whether it may run at all (its conditions, a time-barred debt, SCRA,
 * the validation period for remedies), and what running it asks for: a contact, an order, a
 * write-off, or nothing but a record. Results of those effects come back here.
 */
import { accountKey, isEndStage, type EndStage } from '../account';
import { isDebtorContact, renderStepMessage, stepLabel, TERMINAL_ACTIONS, templateValues, unmetCondition, type CadenceStep, type RenderedMessage } from '../cadence';
import { localDateTime } from '../contact-policy';
import { delinquentFromMs, isCourtesyStep, shiftByLocalDays, stepDueAtMs, zonedTimeToUtcMs } from '../schedule';
import { isTimeBarred, timeBarredDisclosure } from '../statute-of-limitations';
import { threatensRemedy } from '../threats';
import { rightsStatement } from '../validation-notice';
import { limitedContentMessage } from '../voicemail';
import type { ContactEffect, EffectFailure, EffectValues, OrderEffect } from './commands';
import { advance, balance, changeStage, money, perform, recordStep, type Ctx } from './context';
import { contactRecord, deliverableChannel, letterDetails, noteSent, recipientFor, requestContact } from './contacts';
import { queueWork } from './work';

const DAY_MS = 86_400_000;
/** Pauses between attempts of an order nobody acknowledged: 1 minute, doubling, at most an hour. */
const ORDER_RETRY_FIRST_MS = 60_000;
const ORDER_RETRY_MAX_MS = 3_600_000;
const DEFAULT_COLLECTOR_NAME = 'Dunning Collections';
const DEFAULT_VOICEMAIL_BUSINESS = 'Client Services';
const DEFAULT_CALLBACK_PHONE = '+1 555 555 0100';

/** What a call task says when no contact person is configured: a voicemail naming nobody is not a limited-content message. */
export const NO_VOICEMAIL = 'Leave no voicemail: no contact person is configured for this creditor, and a limited-content message must name one (§1006.2(j)).';

/**
 * The limited-content message a caller may leave (§1006.2(j)): the debtor's name, the creditor's
 * configured contact person (a natural person the debtor can call back), a business name that
 * does not say debt collection, a callback number. Undefined without a contact person.
 */
function voicemailFor(ctx: Ctx): string | undefined {
  const callerName = ctx.config.voicemailContactName;
  if (!callerName) return undefined;
  return limitedContentMessage({
    debtorName: ctx.s.profile.debtorName,
    callerName,
    businessName: ctx.config.settings.voicemailBusinessName ?? DEFAULT_VOICEMAIL_BUSINESS,
    callbackPhone: ctx.config.settings.callbackPhone ?? DEFAULT_CALLBACK_PHONE,
  });
}

/** The next step and when it is due, or null when the cadence has run out. */
export function nextStep(ctx: Ctx): { step: CadenceStep; dueAtMs: number } | null {
  const s = ctx.s;
  const step = s.cadence?.steps[s.nextStepIndex];
  if (!step) return null;
  const scheduled = stepDueAtMs(step, {
    cadenceStartedAtMs: Date.parse(s.cadenceStartedAt),
    dueDate: s.profile.dueDate,
    previousStepAtMs: s.lastStepAt ? Date.parse(s.lastStepAt) : null,
    timezone: s.profile.timezone,
    accountKey: accountKey(s.profile.creditorId, s.profile.accountId),
  });
  // The days held move the step by local calendar days, so it keeps its local time across DST.
  const shifted = s.stepDueAt ? Date.parse(s.stepDueAt) : shiftByLocalDays(scheduled, Math.round(s.clockShiftMs / DAY_MS), s.profile.timezone);
  // Collection steps never run before the account is past due (a courtesy reminder may).
  const notBeforeDelinquent = isCourtesyStep(step) ? 0 : delinquentFromMs(s.profile.dueDate, s.profile.timezone);
  return { step, dueAtMs: Math.max(shifted, notBeforeDelinquent, s.stepNotBefore ? Date.parse(s.stepNotBefore) : 0) };
}

export function refreshNextAction(ctx: Ctx): void {
  const s = ctx.s;
  const next = s.stage === 'paused' || isEndStage(s.stage) ? null : nextStep(ctx);
  const retry = s.orderRetry?.stepIndex === s.nextStepIndex ? ` (attempt ${s.orderRetry.attempts + 1}; not acknowledged: ${s.orderRetry.lastError})` : '';
  s.nextAction = next ? { description: `${stepLabel(next.step)}${retry}`, at: new Date(next.dueAtMs).toISOString() } : null;
}

/** Whether the debt is past the statute of limitations of the debtor's state, counted from the later of the due date and the last payment. */
function timeBarred(ctx: Ctx): { barredSince: string } | null {
  const account = ctx.s.profile;
  if (account.address.country !== 'US') return null;
  // Credit applied from another account is not a payment by the debtor: it does not restart the clock.
  const lastPayment = ctx.s.payments.filter((p) => p.status === 'posted' && !p.creditFrom).map((p) => p.receivedAt.slice(0, 10)).sort().pop();
  const from = lastPayment && lastPayment > account.dueDate ? lastPayment : account.dueDate;
  const status = isTimeBarred({ state: account.address.region, lastPaymentOrDueDate: from, asOf: ctx.at, overrides: ctx.config.limitationOverrides });
  return status.barred && status.barredSince ? { barredSince: status.barredSince } : null;
}

/**
 * The step's message; on a time-barred debt it carries the disclosure the debtor's jurisdiction
 * requires, and `added` paragraphs (the statement of rights) after it.
 */
function message(ctx: Ctx, step: CadenceStep, added: string[] = []): RenderedMessage {
  const account = ctx.s.profile;
  const rendered = renderStepMessage(ctx.s.cadence!, step, account.language, templateValues(account, balance(ctx), ctx.config.settings, ctx.at));
  const paragraphs = [
    ...(timeBarred(ctx) ? [timeBarredDisclosure(account.address.region, account.language).replace(/\{\{\s*creditorName\s*\}\}/g, ctx.config.settings.collectorName ?? DEFAULT_COLLECTOR_NAME)] : []),
    ...added,
  ];
  if (paragraphs.length === 0) return rendered;
  return { ...rendered, text: [rendered.text, ...paragraphs].join('\n\n'), html: rendered.html === null ? null : `${rendered.html}${paragraphs.map((p) => `<p>${p}</p>`).join('')}` };
}

/**
 * 09:00 local on the day after the validation period ends, while that has not come yet (null once
 * it has, or before any notice): until then no remedy, and no threat of one, may overshadow the
 * consumer's rights (§1006.34(b)(5), §1006.38(b)).
 */
function validationPeriodHoldsUntil(ctx: Ctx): number | null {
  const notice = ctx.s.compliance.validationNotice;
  if (!notice) return null;
  const firstDayAfter = new Date(Date.parse(`${notice.periodEnds}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  const allowedFrom = zonedTimeToUtcMs(firstDayAfter, '09:00', ctx.s.profile.timezone);
  return ctx.nowMs < allowedFrom ? allowedFrom : null;
}

/** The remedies themselves (disconnection, repossession, placement) wait for the validation period's end. */
function remedyNotBefore(ctx: Ctx, step: CadenceStep): number | null {
  return ['order_disconnection', 'order_repossession', 'place_account'].includes(step.action) ? validationPeriodHoldsUntil(ctx) : null;
}

/**
 * A message threatening a remedy inside the validation period: held until the period has ended
 * (`hold`, the default: returns when), or sent with the plain statement of the debtor's rights
 * (`statement`: returns the statement). Outside the period, or for other steps: nothing.
 */
function overshadowing(ctx: Ctx, step: CadenceStep): { holdUntil: number } | { statement: string } | null {
  if (!threatensRemedy(step)) return null;
  const until = validationPeriodHoldsUntil(ctx);
  if (until === null) return null;
  if (ctx.config.remedyThreatsInValidationPeriod !== 'statement') return { holdUntil: until };
  const notice = ctx.s.compliance.validationNotice!;
  return { statement: rightsStatement(ctx.s.profile.language, { noticeSentOn: localDateTime(notice.sentAt, ctx.s.profile.timezone).date, periodEnds: notice.periodEnds }) };
}

const runKey = (ctx: Ctx, step: CadenceStep) => `${ctx.config.accountKey}/step/${ctx.s.stepRuns}/${step.id}`;
const labelOf = (ctx: Ctx, step: CadenceStep, index: number) => `${stepLabel(step)} (step ${index + 1} of ${ctx.s.cadence!.steps.length})`;

/**
 * Runs the due step: records it when it may not run, or asks for the effect that carries it out.
 * Returns 'deferred' when a remedy must wait for the validation period's end.
 */
export function runStep(ctx: Ctx, step: CadenceStep, index: number): 'done' | 'asked' | 'deferred' {
  const s = ctx.s;
  const account = s.profile;
  if (isCourtesyStep(step) && ctx.nowMs >= delinquentFromMs(account.dueDate, account.timezone)) {
    recordStep(ctx, step, 'skipped', `the account is past due: a reminder before the due date (${account.dueDate}) no longer applies`);
    return finishStep(ctx, step);
  }
  const unmet = unmetCondition(step, account, s.balanceMinor, s.answeredSinceLastStep);
  if (unmet) {
    recordStep(ctx, step, 'skipped', unmet);
    return finishStep(ctx, step);
  }
  const barred = timeBarred(ctx);
  if (barred && step.threatensSuit) {
    recordStep(ctx, step, 'suppressed', `reg_f_1006_26_b_time_barred: the debt is time-barred in ${account.address.region} since ${barred.barredSince}`);
    // A placement that did not happen does not end the account as placed.
    return finishStep(ctx, step, !(step.action in TERMINAL_ACTIONS));
  }
  if (step.action === 'order_repossession' && s.compliance.activeMilitaryDuty) {
    recordStep(ctx, step, 'suppressed', 'scra_active_duty: no repossession while the debtor is on active military duty');
    return finishStep(ctx, step);
  }
  const label = labelOf(ctx, step, index);
  if (isDebtorContact(step.action)) {
    // §1006.38(b): a threat of a remedy waits for the validation period's end, or states the debtor's rights.
    const overshadow = overshadowing(ctx, step);
    if (overshadow && 'holdUntil' in overshadow) {
      s.stepNotBefore = new Date(overshadow.holdUntil).toISOString();
      return 'deferred';
    }
    // An address found undeliverable (a bounce, an undelivered text) falls back to another channel.
    const channel = deliverableChannel(ctx, step.action);
    const recipient = recipientFor(ctx, channel);
    const fallbackFrom = channel !== step.action ? `${step.action}: ${step.action === 'email' ? account.email : account.phone}` : null;
    let rendered: RenderedMessage;
    let voicemail: string | undefined;
    try {
      rendered = message(ctx, step, overshadow ? [overshadow.statement] : []);
      if (channel === 'call') voicemail = voicemailFor(ctx);
    } catch (error) {
      // A message that cannot be composed from the data: recorded, and the cadence goes on.
      if (!(error instanceof RangeError)) throw error;
      s.contacts.push({ stepId: step.id, channel, at: ctx.at, status: 'failed', reason: error.message, recipient, providerMessageId: null, rule: 'allowed' });
      recordStep(ctx, step, 'failed', error.message);
      return finishStep(ctx, step);
    }
    let text = rendered.text;
    // A text written for another channel still tells how to opt out, as every text must.
    if (channel === 'sms' && step.action !== 'sms' && !/\bSTOP\b/.test(text)) text = `${text} Reply STOP to opt out.`;
    if (channel === 'call' && !voicemail) text = `${text}\n\n${NO_VOICEMAIL}`;
    requestContact(ctx, {
      purpose: { type: 'step', stepIndex: index, runKey: runKey(ctx, step), fallbackFrom },
      idempotencyKey: runKey(ctx, step),
      stepId: step.id,
      channel,
      recipient,
      subject: channel === 'email' ? (rendered.subject ?? `Your account ${account.accountId}`) : (rendered.subject ?? ''),
      text,
      html: channel === 'email' ? rendered.html : null,
      ...(channel === 'letter' ? { letter: letterDetails(ctx) } : {}),
      ...(voicemail ? { voicemail } : {}),
      summary: `${label}: ${channel}${fallbackFrom ? ` (instead of ${step.action})` : ''}`,
    });
    return 'asked';
  }
  const notBefore = remedyNotBefore(ctx, step);
  if (notBefore !== null) {
    s.stepNotBefore = new Date(notBefore).toISOString();
    return 'deferred';
  }
  try {
    return runEscalation(ctx, step, index, label);
  } catch (error) {
    // A message that cannot be composed from the data: the order cannot go; an operator must look.
    if (!(error instanceof RangeError)) throw error;
    return failStep(ctx, step, error.message);
  }
}

function runEscalation(ctx: Ctx, step: CadenceStep, index: number, label: string): 'done' | 'asked' {
  const s = ctx.s;
  const account = s.profile;
  const key = runKey(ctx, step);
  const base = { idempotencyKey: key, accountKey: ctx.config.accountKey, creditorId: account.creditorId, accountId: account.accountId, debtorName: account.debtorName, balanceMinor: s.balanceMinor, currency: account.currency };
  const order = (kind: OrderEffect['order'], input: Partial<OrderEffect['input']>, summary: string) => {
    perform(ctx, { kind: 'order', order: kind, stepIndex: index, input: { ...base, ...input }, summary: `${label}: ${summary}` });
    return 'asked' as const;
  };
  switch (step.action) {
    case 'wait':
    case 'close':
      recordStep(ctx, step, 'done', null);
      return finishStep(ctx, step);
    case 'charge_off':
      perform(ctx, {
        kind: 'write_off',
        purpose: { type: 'charge_off', stepIndex: index },
        input: { accountKey: ctx.config.accountKey, idempotencyKey: `${key}/write-off`, reason: `charged off (cadence ${s.cadence!.name} step ${step.id})`, at: ctx.at },
        summary: `${label}: ${money(ctx, s.balanceMinor)} written off`,
      });
      return 'asked';
    case 'check_arrangement': {
      // Arrangements hold the cadence while they run, so here only the last outcome is left to report.
      const last = [...s.promises.map((p) => ({ at: p.resolvedAt, text: `promise ${p.id} ${p.status}` })), ...s.plans.map((p) => ({ at: p.resolvedAt, text: `plan ${p.id} ${p.status}` }))]
        .filter((r) => r.at)
        .sort((a, b) => (a.at! < b.at! ? -1 : 1))
        .pop();
      recordStep(ctx, step, 'done', last ? `no open arrangement; last: ${last.text}` : 'no promise or plan on file');
      return finishStep(ctx, step);
    }
    case 'notify_credit_department': {
      const m = message(ctx, step);
      return order('credit_department', { subject: m.subject ?? '', text: m.text }, 'credit department notified');
    }
    case 'order_disconnection':
      if (!account.serviceId) {
        recordStep(ctx, step, 'skipped', 'the account has no service id');
        return finishStep(ctx, step);
      }
      return order('disconnection', { serviceId: account.serviceId }, `disconnection of service ${account.serviceId} ordered`);
    case 'order_repossession': {
      if (!account.collateralVin) {
        recordStep(ctx, step, 'skipped', 'the account has no collateral on file');
        return finishStep(ctx, step);
      }
      const m = message(ctx, step);
      const address = [account.address.line1, `${account.address.city}, ${account.address.region} ${account.address.postalCode}`];
      return order('repossession', { collateralVin: account.collateralVin, subject: m.subject ?? '', text: m.text, address }, `repossession of ${account.collateralVin} ordered`);
    }
    case 'place_account': {
      const m = message(ctx, step);
      return order('placement', { account, subject: m.subject ?? '', text: m.text, contacts: s.contacts, stageHistory: s.stageHistory, openingBalanceMinor: account.balanceMinor }, 'account packet sent');
    }
    default:
      return failStep(ctx, step, `${step.action} is not a known action`);
  }
}

/** A step that could not be carried out: recorded, and the account waits for an operator (it does not end as if it had happened). */
function failStep(ctx: Ctx, step: CadenceStep, why: string): 'done' {
  recordStep(ctx, step, 'failed', why);
  changeStage(ctx, 'escalated', `${stepLabel(step)} failed; needs an operator`);
  queueWork(ctx, 'escalation', { title: `${stepLabel(step)} was refused or failed`, priority: 1, dueAt: null, detail: { step: step.id, action: step.action, why } });
  return finishStep(ctx, step, false);
}

/** After a step ran (or was recorded as not running): its stage, an end of the account, the next step. */
export function finishStep(ctx: Ctx, step: CadenceStep, applyStages = true): 'done' {
  const s = ctx.s;
  if (applyStages) {
    if (step.stage && !isEndStage(s.stage)) changeStage(ctx, step.stage, stepLabel(step));
    const terminal = TERMINAL_ACTIONS[step.action as keyof typeof TERMINAL_ACTIONS] as EndStage | undefined;
    if (terminal) changeStage(ctx, terminal, `${stepLabel(step)} (cadence ${s.cadence!.name} v${s.cadence!.version})`);
  }
  s.stepRuns += 1;
  s.lastStepAt = ctx.at;
  s.answeredSinceLastStep = false;
  advance(ctx);
  return 'done';
}

/** A contact step's result: deferred by the gate (the step waits), or done one way or another. */
export function contactStepResult(ctx: Ctx, effect: ContactEffect & { purpose: { type: 'step' } }, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const step = s.cadence?.steps[effect.purpose.stepIndex];
  const current = step !== undefined && effect.purpose.stepIndex === s.nextStepIndex && step.id === effect.stepId;
  if ('value' in outcome && outcome.value.decision.kind === 'defer') {
    if (current) s.stepNotBefore = outcome.value.decision.until;
    return;
  }
  const contact = contactRecord(ctx, effect, outcome);
  if (!current) {
    // An operator skipped or moved the cadence while it was being sent: the contact is kept, the new position stands.
    s.contacts.push(contact);
    return;
  }
  const fallback = effect.purpose.fallbackFrom ? ` (instead of ${effect.purpose.fallbackFrom} is undeliverable)` : '';
  if (contact.status === 'suppressed') recordStep(ctx, step, 'suppressed', `${contact.rule}: ${contact.reason}`);
  else if (contact.status === 'failed') recordStep(ctx, step, 'failed', contact.reason);
  else recordStep(ctx, step, 'done', `${effect.channel} to ${effect.recipient}${fallback}`);
  s.contacts.push(contact);
  noteSent(ctx, contact);
  finishStep(ctx, step);
}

/** An order's, or a charge-off's, result. A refused order is recorded for an operator: the account does not move on as if it had happened. */
export function escalationResult(ctx: Ctx, stepIndex: number, outcome: { value: unknown } | { failure: EffectFailure }, done: (value: unknown) => string): void {
  const s = ctx.s;
  const step = s.cadence?.steps[stepIndex];
  if (!step || stepIndex !== s.nextStepIndex) return;
  if ('failure' in outcome && !outcome.failure.permanent) {
    // Not acknowledged (the creditor's system is down or slow): the same order again later, until it is.
    const attempts = (s.orderRetry?.stepIndex === stepIndex ? s.orderRetry.attempts : 0) + 1;
    s.orderRetry = { stepIndex, attempts, lastError: outcome.failure.message };
    s.stepNotBefore = new Date(ctx.nowMs + Math.min(ORDER_RETRY_MAX_MS, ORDER_RETRY_FIRST_MS * 2 ** (attempts - 1))).toISOString();
    return;
  }
  s.orderRetry = null;
  if ('failure' in outcome) {
    failStep(ctx, step, outcome.failure.message);
    return;
  }
  recordStep(ctx, step, 'done', done(outcome.value));
  finishStep(ctx, step);
}

export function orderDone(effect: OrderEffect, value: EffectValues['order']): string {
  switch (effect.order) {
    case 'credit_department':
      return `notice to ${value.destination}`;
    case 'disconnection':
      return `disconnection of ${effect.input.serviceId} acknowledged by ${value.destination}`;
    case 'repossession':
      return `repossession order to ${value.destination}`;
    case 'placement':
      return `placed with ${value.destination}`;
    case 'reconnection':
      return `reconnection of ${effect.input.serviceId} acknowledged by ${value.destination}`;
  }
}
