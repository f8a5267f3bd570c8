/**
 * What the debtor does on their own page, as facts the account keeps, and what follows:
 * questions kept for a person, contact preferences, a dispute of part of the debt or a request for
 * the original creditor (within the validation period these hold collection as a dispute does),
 * opt-outs and opt-ins; a confirmation after each (email or SMS, preferred channel first, through
 * the gate as a message the debtor asked for); receipts for payments from the page or from a card
 * on file; and the retries of a failed automatic payment, spaced by the decline code, within the
 * creditor's limits and never while collection must not go on.
 */
import { isEndStage } from '../account';
import { DEFAULT_CARD_RETRY_RULES, planCardRetry } from '../card-retry';
import type { RuleId } from '../contact-policy';
import { formatMoney } from '../money';
import { renderConfirmation, type ConfirmationKind } from '../self-service-messages';
import type { Control, EffectFailure, EffectValues, ContactEffect } from './commands';
import { contactRecord, paymentLink, requestContact } from './contacts';
import { money, note, perform, updateHold, withinValidationPeriod, type Ctx } from './context';
import { channelUsable } from './preferences';
import type { ComplianceEvent, DebtorPageView, PaymentFailed, PaymentReceived, SelfServiceView } from './records';
import { readSelfService, selfServiceOf, type PendingConfirmation } from './self-service-state';
import type { EngineState } from './state';

/** How often the contact window may push a confirmation back before it is given up. */
const MAX_CONFIRMATION_DEFERRALS = 3;
const CHANNEL_NAMES = { en: { email: 'email', sms: 'text message', call: 'phone' }, es: { email: 'correo electrónico', sms: 'mensaje de texto', call: 'teléfono' } } as const;

// ---- facts ---------------------------------------------------------------------------------------

/** The page's own facts; returns false for any other event (the compliance module applies those). */
export function applySelfServiceEvent(ctx: Ctx, event: ComplianceEvent): boolean {
  const s = ctx.s;
  const c = s.compliance;
  const page = selfServiceOf(s);
  const record = (detail: string) => c.events.push({ kind: event.kind, at: ctx.at, detail });
  switch (event?.kind) {
    case 'original_creditor_request': {
      const within = withinValidationPeriod(ctx, event.receivedAt);
      page.originalCreditorRequested = true;
      // §1006.38(c)/(d)(2): within the period, collection stops until the name and address are sent (verification_sent).
      if (within && c.dispute !== 'pending_verification') {
        c.dispute = 'pending_verification';
        c.disputeHeldAt = ctx.at;
        updateHold(ctx);
      }
      record(`${within ? 'within' : 'outside'} the validation period, by ${event.via}${event.note ? `: ${event.note}` : ''}`);
      if (event.via === 'debtor_page') confirm(ctx, 'original_creditor_requested', '');
      return true;
    }
    case 'debtor_question':
      if (!page.questions.some((q) => q.id === event.questionId)) page.questions.push({ id: event.questionId, askedAt: ctx.at, status: 'open', answeredAt: null });
      record(`question ${event.questionId} by ${event.via}: ${String(event.text).slice(0, 300)}`);
      if (event.via === 'debtor_page') confirm(ctx, 'question_received', '');
      return true;
    case 'question_answered': {
      const question = page.questions.find((q) => q.id === event.questionId);
      if (question && question.status === 'open') {
        question.status = 'answered';
        question.answeredAt = ctx.at;
      }
      record(`question ${event.questionId} answered${event.note ? `: ${event.note}` : ''}`);
      return true;
    }
    case 'contact_preferences': {
      if (event.channel !== undefined) page.preferences.channel = event.channel;
      if (event.timeOfDay !== undefined) page.preferences.timeOfDay = event.timeOfDay;
      const shown = describePreferences(s);
      record(`${shown} (by ${event.via})`);
      if (event.via === 'debtor_page') confirm(ctx, 'preferences_changed', shown);
      return true;
    }
    default:
      return false;
  }
}

function describePreferences(s: EngineState): string {
  const { channel, timeOfDay } = readSelfService(s).preferences;
  const es = s.profile.language === 'es';
  const channelText = channel ? CHANNEL_NAMES[es ? 'es' : 'en'][channel] : es ? 'cualquier medio' : 'any channel';
  const hours = { morning: es ? 'por la mañana (8-12)' : 'in the morning (8-12)', afternoon: es ? 'por la tarde (12-17)' : 'in the afternoon (12-17)', evening: es ? 'por la noche (17-21)' : 'in the evening (17-21)' };
  return `${channelText}, ${timeOfDay ? hours[timeOfDay] : es ? 'a cualquier hora permitida' : 'at any permitted time'}`;
}

/** After a compliance fact from the page (the compliance module applied it): what the page adds, and a confirmation. */
export function afterComplianceEvent(ctx: Ctx, event: ComplianceEvent): void {
  const page = () => selfServiceOf(ctx.s);
  const names = CHANNEL_NAMES[ctx.s.profile.language === 'es' ? 'es' : 'en'];
  switch (event?.kind) {
    case 'dispute':
      if (event.scope === 'part' && typeof event.amountMinor === 'number') page().disputedAmountMinor = event.amountMinor;
      if (event.via === 'debtor_page') confirm(ctx, 'dispute_received', event.scope === 'part' && typeof event.amountMinor === 'number' ? money(ctx, event.amountMinor) : ctx.s.profile.language === 'es' ? 'toda la deuda' : 'the whole debt');
      return;
    case 'opt_out':
      if (event.source === 'debtor_page') confirm(ctx, 'opt_out_confirmed', names[event.channel]);
      return;
    case 'opt_in':
      if (event.source === 'debtor_page') confirm(ctx, 'opt_in_confirmed', names[event.channel]);
      return;
    default:
  }
}

/** After a control the debtor made on the page (a promise, a plan, new contact details): a confirmation. */
export function afterControl(ctx: Ctx, control: Control, answer: unknown): void {
  const es = ctx.s.profile.language === 'es';
  if (control.kind === 'promise' && control.request.channel === 'debtor_page') {
    confirm(ctx, 'promise_confirmed', `${money(ctx, control.request.amountMinor)} ${es ? 'antes del' : 'by'} ${control.request.date}`);
  } else if (control.kind === 'plan' && control.request.via === 'debtor_page') {
    const plan = answer as { schedule?: { dueDate: string; amountMinor: number }[] } | undefined;
    const schedule = plan?.schedule ?? [];
    const first = schedule[0];
    const detail = first ? `${schedule.length} ${es ? 'pagos, el primero de' : 'payments, the first of'} ${money(ctx, first.amountMinor)} ${es ? 'el' : 'on'} ${first.dueDate}` : '';
    confirm(ctx, 'plan_confirmed', detail);
  } else if (control.kind === 'contact_details' && control.request.via === 'debtor_page') {
    const r = control.request;
    const changed = [r.email !== undefined ? 'email' : null, r.phone !== undefined ? (es ? 'teléfono' : 'phone') : null, r.address ? (es ? 'dirección' : 'postal address') : null].filter(Boolean).join(', ');
    confirm(ctx, 'details_changed', changed);
  }
}

function confirm(ctx: Ctx, kind: ConfirmationKind, detail: string): void {
  const page = selfServiceOf(ctx.s);
  page.confirmationsMade += 1;
  page.confirmations.push({ id: `c${page.confirmationsMade}`, kind, detail, option: 0, notBefore: null, deferrals: 0 });
}

// ---- payments ------------------------------------------------------------------------------------

/** A payment posted: a receipt when it came from the page or a card on file, and the attempt recorded. */
export function afterPaymentPosted(ctx: Ctx, payment: PaymentReceived | undefined): void {
  if (!payment || (payment.source !== 'debtor_page' && payment.source !== 'card_on_file')) return;
  const posted = ctx.s.payments.find((p) => p.paymentId === payment.paymentId);
  if (posted?.status !== 'posted') return;
  // A retry's success is recorded with its attempt (chargeResult); the debtor's own payment here.
  if (payment.source === 'debtor_page') selfServiceOf(ctx.s).attempts.push({ paymentId: payment.paymentId, attempt: 1, at: ctx.at, kind: 'debtor', status: 'succeeded', declineCode: null, detail: `${money(ctx, payment.amountMinor)} posted` });
  confirm(ctx, 'payment_received', formatMoney({ amountMinor: payment.amountMinor, currency: payment.currency }, ctx.s.profile.language));
}

/**
 * A declined payment: the debtor's own attempt is recorded; a failed automatic payment from a
 * payment method on file is retried by its decline code (the first retry planned here).
 */
export function paymentFailed(ctx: Ctx, failed: PaymentFailed): void {
  const page = selfServiceOf(ctx.s);
  const code = String(failed?.declineCode ?? 'generic_decline');
  if (!failed?.retry) {
    page.attempts.push({ paymentId: failed.paymentId, attempt: 1, at: ctx.at, kind: 'debtor', status: 'declined', declineCode: code, detail: failed.message ?? 'declined by the issuer' });
    return;
  }
  if (page.retries.some((r) => r.paymentId === failed.paymentId)) return; // the same failure reported twice
  page.attempts.push({ paymentId: failed.paymentId, attempt: 0, at: ctx.at, kind: 'automatic', status: 'declined', declineCode: code, detail: `automatic payment of ${money(ctx, failed.amountMinor)} declined` });
  page.retries.push({ paymentId: failed.paymentId, amountMinor: failed.amountMinor, currency: failed.currency, paymentMethod: failed.retry.paymentMethod, firstFailedAt: failed.failedAt ?? ctx.at, retriesDone: 0, nextAt: null });
  scheduleRetry(ctx, page.retries.length - 1, code);
}

function scheduleRetry(ctx: Ctx, index: number, declineCode: string): void {
  const page = selfServiceOf(ctx.s);
  const retry = page.retries[index]!;
  const plan = planCardRetry({ declineCode, retriesDone: retry.retriesDone, firstFailedAtMs: Date.parse(retry.firstFailedAt), declinedAtMs: ctx.nowMs, rules: ctx.config.arrangementRules.cardRetries ?? DEFAULT_CARD_RETRY_RULES });
  if (plan.retry) {
    retry.nextAt = new Date(plan.atMs).toISOString();
    note(ctx, '(payment)', 'card retry scheduled', 'card retry scheduled', 'done', `payment ${retry.paymentId}: retry ${retry.retriesDone + 1} at ${retry.nextAt}: ${plan.reason}`);
    return;
  }
  retry.nextAt = null;
  page.attempts.push({ paymentId: retry.paymentId, attempt: retry.retriesDone, at: ctx.at, kind: 'retry', status: 'not_retried', declineCode, detail: plan.reason });
  note(ctx, '(payment)', 'card retry', 'card retry', 'skipped', `payment ${retry.paymentId}: ${plan.reason}`);
}

/** Why no payment may be taken from the payment method on file now (the gate's rules of collection), if none may. */
function retryHeld(ctx: Ctx): { rule: RuleId | 'paused' | 'account_ended' | 'nothing_owed'; reason: string } | null {
  const s = ctx.s;
  const f = s.compliance.flags;
  if (f.deceased) return { rule: 'deceased', reason: 'the debtor is deceased' };
  if (f.bankruptcy) return { rule: 'bankruptcy_stay', reason: 'bankruptcy: automatic stay' };
  if (f.refusedToPay || f.ceaseCommunication) return { rule: 'reg_f_1006_6_c_cease_communication', reason: f.refusedToPay ? 'the debtor refused to pay' : 'the debtor asked us to cease' };
  if (s.compliance.dispute === 'pending_verification') return { rule: 'reg_f_1006_38_dispute_pending', reason: 'a dispute awaits verification' };
  if (s.stage === 'paused') return { rule: 'paused', reason: 'the account is paused' };
  if (isEndStage(s.stage)) return { rule: 'account_ended', reason: `the account is ${s.stage}` };
  if (s.balanceMinor <= 0) return { rule: 'nothing_owed', reason: 'nothing is owed' };
  return null;
}

/** The result of a retry: a success becomes a payment to post (once, by the intent's id); a decline plans the next retry. */
export function chargeResult(ctx: Ctx, effect: Extract<import('./commands').Effect, { kind: 'charge_on_file' }>, outcome: { value: EffectValues['charge_on_file'] } | { failure: EffectFailure }): void {
  const page = selfServiceOf(ctx.s);
  const index = page.retries.findIndex((r) => r.paymentId === effect.input.originalPaymentId);
  const retry = page.retries[index];
  if (!retry) return;
  retry.retriesDone = effect.input.attempt;
  const base = { paymentId: retry.paymentId, attempt: effect.input.attempt, at: ctx.at, kind: 'retry' as const };
  if ('failure' in outcome) {
    page.attempts.push({ ...base, status: 'failed', declineCode: null, detail: outcome.failure.message });
    // The processor could not be reached or refused the request: counted as a generic decline.
    scheduleRetry(ctx, index, outcome.failure.permanent ? 'do_not_try_again' : 'processing_error');
    return;
  }
  const value = outcome.value;
  if (value.status === 'succeeded') {
    retry.nextAt = null;
    page.attempts.push({ ...base, status: 'succeeded', declineCode: null, detail: `${money(ctx, effect.input.amountMinor)} charged as ${value.paymentId}` });
    note(ctx, '(payment)', 'card retry', 'card retry', 'done', `payment ${retry.paymentId}: retry ${effect.input.attempt} succeeded as ${value.paymentId}`);
    if (!ctx.s.payments.some((p) => p.paymentId === value.paymentId) && !ctx.s.pendingPayments.some((p) => p.paymentId === value.paymentId))
      ctx.s.pendingPayments.push({ paymentId: value.paymentId, amountMinor: effect.input.amountMinor, currency: effect.input.currency, receivedAt: ctx.at, source: 'card_on_file' });
    return;
  }
  if (value.status === 'processing') {
    // A bank debit that settles later: the processor's event says how it ended; no further retry from here.
    retry.nextAt = null;
    note(ctx, '(payment)', 'card retry', 'card retry', 'done', `payment ${retry.paymentId}: retry ${effect.input.attempt} is processing as ${value.paymentId}`);
    return;
  }
  page.attempts.push({ ...base, status: 'declined', declineCode: value.declineCode, detail: value.message ?? 'declined' });
  scheduleRetry(ctx, index, value.declineCode ?? 'generic_decline');
}

// ---- planning ------------------------------------------------------------------------------------

/**
 * Sends a due confirmation, or makes a due retry. Returns true when it asked for an effect. When
 * the account has ended, nothing is retried, and a confirmation still waiting for the contact
 * window keeps the account open until it goes (returns true with a wait).
 */
export function planSelfService(ctx: Ctx, ended: boolean): boolean {
  const s = ctx.s;
  if (!s.selfService) return false;
  const page = s.selfService;
  const due = page.confirmations.find((c) => c.notBefore === null || Date.parse(c.notBefore) <= ctx.nowMs);
  if (due && sendConfirmation(ctx, due)) return true;
  for (let i = 0; i < page.retries.length; i++) {
    const retry = page.retries[i]!;
    // An account that ended takes no more payments from a method on file: its retries are dropped at once, recorded.
    if (retry.nextAt === null || (!ended && Date.parse(retry.nextAt) > ctx.nowMs)) continue;
    const held = retryHeld(ctx);
    if (held) {
      retry.nextAt = null;
      page.attempts.push({ paymentId: retry.paymentId, attempt: retry.retriesDone, at: ctx.at, kind: 'retry', status: 'not_retried', declineCode: null, detail: `${held.rule}: ${held.reason}` });
      note(ctx, '(payment)', 'card retry', 'card retry', 'suppressed', `payment ${retry.paymentId}: ${held.rule}: ${held.reason}`);
      continue;
    }
    const attempt = retry.retriesDone + 1;
    const amountMinor = Math.min(retry.amountMinor, s.balanceMinor);
    perform(ctx, {
      kind: 'charge_on_file',
      input: { accountKey: ctx.config.accountKey, creditorId: s.profile.creditorId, accountId: s.profile.accountId, idempotencyKey: `${ctx.config.accountKey}/card-retry/${retry.paymentId}/${attempt}`, originalPaymentId: retry.paymentId, attempt, amountMinor, currency: retry.currency, paymentMethod: retry.paymentMethod },
      summary: `retry ${attempt} of automatic payment ${retry.paymentId}: ${money(ctx, amountMinor)} from the payment method on file`,
    });
    return true;
  }
  if (ended && page.confirmations.length > 0) {
    ctx.out.push({ kind: 'wait', until: earliest(page.confirmations.map((c) => c.notBefore)) });
    return true;
  }
  return false;
}

const earliest = (times: (string | null)[]) => times.filter((t): t is string => t !== null).sort()[0] ?? null;

/** When the page needs the account woken (a deferred confirmation, a retry), if it does. */
export function selfServiceWakeAt(state: EngineState): string | null {
  if (!state.selfService) return null;
  return earliest([...state.selfService.confirmations.map((c) => c.notBefore), ...state.selfService.retries.map((r) => r.nextAt)]);
}

const confirmationChannels = (ctx: Ctx): ('email' | 'sms')[] => {
  const preferred = readSelfService(ctx.s).preferences.channel;
  const order: ('email' | 'sms')[] = preferred === 'sms' ? ['sms', 'email'] : ['email', 'sms'];
  return order;
};

function sendConfirmation(ctx: Ctx, confirmation: PendingConfirmation): boolean {
  const page = selfServiceOf(ctx.s);
  const account = ctx.s.profile;
  const channels = confirmationChannels(ctx);
  while (confirmation.option < channels.length && !channelUsable(ctx, channels[confirmation.option]!)) confirmation.option += 1;
  const channel = channels[confirmation.option];
  if (!channel) {
    page.confirmations = page.confirmations.filter((c) => c !== confirmation);
    ctx.s.contacts.push({ stepId: `confirmation-${confirmation.kind}`, channel: 'email', at: ctx.at, status: 'skipped', reason: 'no email or text the debtor can receive', recipient: null, providerMessageId: null, rule: 'no_recipient' });
    return false;
  }
  const rendered = renderConfirmation(confirmation.kind, account.language, { debtorName: account.debtorName, accountId: account.accountId, detail: confirmation.detail, paymentLink: paymentLink(ctx), optOutEmail: ctx.config.settings.optOutEmail });
  requestContact(ctx, {
    purpose: { type: 'confirmation' },
    requestPurpose: 'required_notice',
    idempotencyKey: `${ctx.config.accountKey}/confirmation/${confirmation.id}/${channel}`,
    stepId: `confirmation-${confirmation.kind}`,
    channel,
    recipient: channel === 'email' ? account.email : account.phone,
    subject: rendered.subject,
    text: rendered.text,
    html: null,
    summary: `confirmation (${confirmation.kind.replace(/_/g, ' ')}) sent by ${channel}`,
  });
  return true;
}

export function confirmationResult(ctx: Ctx, effect: ContactEffect, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const page = selfServiceOf(ctx.s);
  const id = /\/confirmation\/([^/]+)\//.exec(effect.idempotencyKey)?.[1];
  const confirmation = page.confirmations.find((c) => c.id === id);
  if (!confirmation) return;
  const decision = 'value' in outcome ? outcome.value.decision : null;
  if (decision?.kind === 'defer' && confirmation.deferrals < MAX_CONFIRMATION_DEFERRALS) {
    confirmation.deferrals += 1;
    confirmation.notBefore = decision.until;
    return;
  }
  const contact = contactRecord(ctx, effect, outcome);
  ctx.s.contacts.push(contact);
  if (contact.status === 'sent') {
    page.confirmations = page.confirmations.filter((c) => c !== confirmation);
    return;
  }
  confirmation.option += 1;
  confirmation.deferrals = 0;
  confirmation.notBefore = null;
}

// ---- what the page and operators see -------------------------------------------------------------

export function selfServiceView(state: EngineState): SelfServiceView {
  const page = readSelfService(state);
  return {
    preferences: page.preferences,
    questions: page.questions,
    paymentAttempts: page.attempts,
    disputedAmountMinor: page.disputedAmountMinor,
    originalCreditorRequested: page.originalCreditorRequested,
  };
}

export const openQuestions = (state: EngineState) => readSelfService(state).questions.filter((q) => q.status === 'open').length;

/** The debtorPage query's answer. */
export function debtorPageView(state: EngineState, config: { accountKey: string }): DebtorPageView {
  const account = state.profile;
  const currency = account.currency;
  const active = state.arrangement;
  const f = state.compliance.flags;
  return {
    accountKey: config.accountKey,
    creditorId: account.creditorId,
    accountId: account.accountId,
    debtorName: account.debtorName,
    language: account.language,
    product: account.product,
    email: account.email,
    phone: account.phone,
    address: account.address,
    timezone: account.timezone,
    postalCode: account.address.postalCode,
    stage: state.stage,
    balance: { amountMinor: state.balanceMinor, currency },
    creditBalance: { amountMinor: state.creditMinor, currency },
    dueDate: account.dueDate,
    validationPeriodEnds: state.compliance.validationNotice?.periodEnds ?? null,
    dispute: state.compliance.dispute,
    collectionStopped: f.deceased || f.bankruptcy || f.attorneyRepresented || state.compliance.personalDataPurged,
    smsConsent: account.consent.sms || state.compliance.consents.some((c) => c.channel === 'sms' && c.address === account.phone && c.consented),
    optOuts: state.compliance.optOuts,
    activePromise: active?.kind === 'promise' ? (state.promises.find((p) => p.id === active.id) ?? null) : null,
    activePlan: active?.kind === 'plan' ? (state.plans.find((p) => p.id === active.id) ?? null) : null,
    payments: state.payments,
    selfService: selfServiceView(state),
  };
}
