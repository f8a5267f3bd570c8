/**
 * Contacts with the debtor: the gate's inputs for each one, which channel can still deliver, the
 * messages about arrangements (email, else SMS, else a letter) and the one letter to an estate or
 * a trustee. Each contact is one effect; its result becomes a contact record here.
 */
import { isEndStage, type ContactRecord } from '../account';
import { renderArrangementMessage } from '../arrangement-messages';
import { templateValues } from '../cadence';
import { hasConsent, inNewYorkCity, namesNewYorkCity, rulesFor, type ContactChannel, type ContactHistoryEntry, type ContactRequest } from '../contact-policy';
import { formatMoney } from '../money';
import { candidateZones } from '../us-zones';
import type { ContactEffect, EffectFailure, EffectValues, LetterDetails } from './commands';
import { balance, changeApplies, changeStage, perform, type Ctx } from './context';
import { preferredChannel, withPreferredHours } from './preferences';
import type { EngineState, PendingNotice } from './state';

const CHANNELS = ['email', 'sms', 'letter'] as const;
/** How often the contact window may push an arrangement message back before it is given up. */
const MAX_NOTICE_DEFERRALS = 3;

/** The city the gate's packs read: New York City by the ZIP code too (engine change 'nyc-by-zip', asked only where it differs). */
function gateCity(ctx: Ctx): string {
  const address = ctx.s.profile.address;
  if (!inNewYorkCity(address) || namesNewYorkCity(address.region, address.city)) return address.city;
  return changeApplies(ctx, 'nyc-by-zip') ? 'New York City' : address.city;
}

/** Everything the gate looks at for one contact, as of the event's instant. */
export function contactRequest(ctx: Ctx, channel: ContactChannel, recipient: string | null, purpose: ContactRequest['purpose'] = 'collection'): ContactRequest {
  const { profile: account, compliance } = ctx.s;
  return {
    now: ctx.at,
    channel,
    recipient,
    purpose,
    timezones: candidateZones(account.timezone, account.address.country, account.address.region, account.phone),
    state: account.address.country === 'US' ? account.address.region : null,
    city: gateCity(ctx),
    // Consent per address (the enrollment's for the enrolled addresses, then what was given since): a changed number has none of its own.
    consents: compliance.consents,
    optOuts: compliance.optOuts,
    flags: compliance.flags,
    dispute: compliance.dispute,
    history: [
      // A confirmation the debtor asked for on their page does not count towards the caps (§1006.14(b)(3)); calls count as people place them.
      ...ctx.s.contacts
        .filter((c) => c.status === 'sent' && c.channel !== 'call')
        .map((c) => ({ channel: c.channel as ContactChannel, at: c.at, kind: 'attempt' as const, ...(c.stepId.startsWith('confirmation-') ? { consumerRequested: true } : {}), ...(c.stepId === 'cease-confirmation' ? { ceaseConfirmation: true } : {}) })),
      ...callHistory(ctx.s),
      ...compliance.conversations.map((at) => ({ channel: 'call' as const, at, kind: 'conversation' as const })),
    ],
  };
}

/**
 * The calls of this account as the gate counts them: each dial the gate allowed is an attempt; a
 * call task counts as one attempt when it was created, unless people reported dialling it (then
 * its dials count instead). Conversations come from the compliance record.
 */
export function callHistory(state: EngineState): ContactHistoryEntry[] {
  const dialled = new Set((state.callAttempts ?? []).filter((a) => a.decision === 'allow' && a.taskId).map((a) => a.taskId));
  return [
    ...state.contacts.filter((c) => c.status === 'sent' && c.channel === 'call' && !(c.providerMessageId && dialled.has(c.providerMessageId))).map((c) => ({ channel: 'call' as const, at: c.at, kind: 'attempt' as const })),
    // One entry per call placed; one that reached the debtor is a conversation (an attempt that also starts the silence).
    ...(state.callAttempts ?? []).filter((a) => a.decision === 'allow').map((a) => ({ channel: 'call' as const, at: a.at, kind: a.outcome === 'conversation' ? ('conversation' as const) : ('attempt' as const) })),
  ];
}


export function letterRecipient(ctx: Ctx): string {
  const { debtorName, address } = ctx.s.profile;
  return [debtorName, address.line1, `${address.city}, ${address.region} ${address.postalCode}`].join(', ');
}

export function isInvalid(ctx: Ctx, channel: 'email' | 'sms' | 'call', address: string | null): boolean {
  return address !== null && ctx.s.invalidContacts.some((i) => i.channel === channel && i.address === address);
}

/** Consent recorded for that address (the last record for it decides). */
export const consentedAt = (ctx: Ctx, channel: 'email' | 'sms', address: string | null) => address !== null && hasConsent(ctx.s.compliance.consents, channel, address);

/** The step's own channel unless its address is undeliverable: then email ⇄ SMS (where that address has consent), else a letter. */
export function deliverableChannel(ctx: Ctx, action: 'email' | 'sms' | 'call' | 'letter'): 'email' | 'sms' | 'call' | 'letter' {
  const account = ctx.s.profile;
  // The debtor's preferred channel, where it can be used, instead of the step's email or SMS.
  const preferred = preferredChannel(ctx, action);
  if (preferred) return preferred;
  if (action === 'email' && isInvalid(ctx, 'email', account.email)) return account.phone && !isInvalid(ctx, 'sms', account.phone) && consentedAt(ctx, 'sms', account.phone) ? 'sms' : 'letter';
  if (action === 'sms' && isInvalid(ctx, 'sms', account.phone)) return account.email && !isInvalid(ctx, 'email', account.email) && consentedAt(ctx, 'email', account.email) ? 'email' : 'letter';
  // A number a caller found to be someone else's is not called again: a letter instead.
  if (action === 'call' && isInvalid(ctx, 'call', account.phone)) return 'letter';
  return action;
}

export function recipientFor(ctx: Ctx, channel: 'email' | 'sms' | 'call' | 'letter'): string | null {
  const account = ctx.s.profile;
  return channel === 'email' ? account.email : channel === 'letter' ? letterRecipient(ctx) : account.phone;
}

export const paymentLink = (ctx: Ctx) => templateValues(ctx.s.profile, balance(ctx), ctx.config.settings).paymentLink;

/** A printed letter to the debtor (or, after a death or a bankruptcy, to their representative). */
export function letterDetails(ctx: Ctx, to: { name: string; address: LetterDetails['address']; language: LetterDetails['language'] } = { name: ctx.s.profile.debtorName, address: ctx.s.profile.address, language: ctx.s.profile.language }): LetterDetails {
  return { creditorId: ctx.s.profile.creditorId, debtorName: to.name, address: to.address, language: to.language, balanceMinor: ctx.s.balanceMinor, currency: ctx.s.profile.currency, dateIso: ctx.at.slice(0, 10), paymentLink: paymentLink(ctx) };
}

/** Asks for one contact: the gate decides inside the activity, which keeps the decision and sends if allowed. */
export function requestContact(ctx: Ctx, contact: Omit<ContactEffect, 'kind' | 'id' | 'decisionKey' | 'accountKey' | 'request' | 'rules'> & { requestPurpose?: ContactRequest['purpose'] }): void {
  const { requestPurpose, ...rest } = contact;
  const request = contactRequest(ctx, contact.channel, contact.recipient, requestPurpose);
  perform(ctx, {
    kind: 'contact',
    ...rest,
    accountKey: ctx.config.accountKey,
    decisionKey: `${ctx.config.accountKey}/decision/${ctx.s.stepRuns}/${contact.stepId}/${ctx.at}`,
    request,
    rules: request.purpose === 'collection' ? withPreferredHours(ctx, rulesFor(request.state, request.city, ctx.config.contactRules)) : rulesFor(request.state, request.city, ctx.config.contactRules),
    paymentLink: paymentLink(ctx),
  });
}

/** The contact record of a contact's result (sent, suppressed, or failed to deliver). */
export function contactRecord(ctx: Ctx, effect: ContactEffect, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): ContactRecord {
  const base: ContactRecord = { stepId: effect.stepId, channel: effect.channel, at: ctx.at, status: 'sent', reason: null, recipient: effect.recipient, providerMessageId: null, rule: 'allowed' };
  if ('failure' in outcome) return { ...base, status: 'failed', reason: outcome.failure.message };
  const { decision, reference } = outcome.value;
  if (decision.kind === 'allow') return { ...base, providerMessageId: reference, rule: decision.rule };
  return { ...base, status: 'suppressed', reason: decision.reason, rule: decision.rule };
}

/** The first contact sent moves a new account from notice to reminding. */
export function noteSent(ctx: Ctx, contact: ContactRecord): void {
  if (ctx.s.stage === 'notice' && contact.status === 'sent') changeStage(ctx, 'reminding', `first notice sent (${contact.stepId})`);
}

// ---- messages about arrangements ------------------------------------------------------------------

/** Queues one message about an arrangement; it goes out by the first channel that can take it. */
export function sendNotice(ctx: Ctx, kind: PendingNotice['kind'], id: string, values: PendingNotice['values']): void {
  ctx.s.notice = { kind, id, values, option: 0, deferrals: 0, deferred: null };
}

/** A payment, a return or an adjustment overtakes a message the contact window is holding back. */
export function overtakeNotice(ctx: Ctx): void {
  if (ctx.s.notice?.deferred) ctx.s.notice.deferred.overtaken = true;
}

/** Drops the pending message; one the contact window was holding back is recorded as skipped. */
export function dropNotice(ctx: Ctx): void {
  const notice = ctx.s.notice;
  if (notice?.deferred)
    ctx.s.contacts.push({ stepId: noticeStepId(notice), channel: CHANNELS[notice.option]!, at: ctx.at, status: 'skipped', reason: 'deferred by the contact window, then overtaken by a payment or an operator', recipient: noticeRecipient(ctx, notice.option), providerMessageId: null, rule: notice.deferred.rule });
  ctx.s.notice = null;
}

const noticeStepId = (notice: PendingNotice) => `${notice.kind}-${notice.id}`.replace(/[^A-Za-z0-9._-]/g, '-');

/**
 * Plans the pending notice: the next channel with a deliverable address goes to the gate; a
 * deferral waits for the window (unless a payment or an operator overtakes it: then it is dropped,
 * recorded). Returns false when the notice is finished and nothing was asked for.
 */
export function planNotice(ctx: Ctx): boolean {
  const notice = ctx.s.notice!;
  const account = ctx.s.profile;
  const stepId = noticeStepId(notice);
  if (notice.deferred !== null) {
    if (notice.deferred.overtaken || ctx.s.stage === 'paused' || isEndStage(ctx.s.stage)) {
      dropNotice(ctx);
      return false;
    }
    if (ctx.nowMs < Date.parse(notice.deferred.until)) {
      ctx.out.push({ kind: 'wait', until: notice.deferred.until });
      return true;
    }
    notice.deferred = null;
  }
  while (notice.option < CHANNELS.length && !noticeRecipient(ctx, notice.option)) notice.option += 1;
  const channel = CHANNELS[notice.option];
  if (!channel) {
    ctx.s.notice = null;
    return false;
  }
  const rendered = renderArrangementMessage(notice.kind, account.language, {
    ...notice.values,
    debtorName: account.debtorName,
    accountId: account.accountId,
    balance: formatMoney(balance(ctx), account.language),
    paymentLink: paymentLink(ctx),
    optOutEmail: ctx.config.settings.optOutEmail,
  });
  // One send per notice and channel: a fallback to SMS or a letter is its own message.
  const idempotencyKey = channel === 'email' ? `${ctx.config.accountKey}/arrangement/${notice.id}` : `${ctx.config.accountKey}/arrangement/${notice.id}/${channel}`;
  requestContact(ctx, {
    purpose: { type: 'notice' },
    idempotencyKey,
    stepId,
    channel,
    recipient: noticeRecipient(ctx, notice.option),
    subject: rendered.subject,
    text: rendered.text,
    html: null,
    ...(channel === 'letter' ? { letter: letterDetails(ctx) } : {}),
    summary: `${notice.kind.replace('_', ' ')} sent by ${channel}`,
  });
  return true;
}

function noticeRecipient(ctx: Ctx, option: number): string | null {
  const account = ctx.s.profile;
  const channel = CHANNELS[option];
  if (channel === 'email') return account.email && !isInvalid(ctx, 'email', account.email) ? account.email : null;
  if (channel === 'sms') return account.phone && !isInvalid(ctx, 'sms', account.phone) ? account.phone : null;
  return channel === 'letter' ? letterRecipient(ctx) : null;
}

export function noticeResult(ctx: Ctx, effect: ContactEffect, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const notice = ctx.s.notice;
  if (!notice) return;
  const decision = 'value' in outcome ? outcome.value.decision : null;
  if (decision?.kind === 'defer' && notice.deferrals < MAX_NOTICE_DEFERRALS) {
    notice.deferrals += 1;
    notice.deferred = { until: decision.until!, rule: decision.rule, overtaken: false };
    return;
  }
  // Sent, suppressed, deferred too often (kept as suppressed, with the window's reason) or failed.
  const contact = contactRecord(ctx, effect, outcome);
  ctx.s.contacts.push(contact);
  if (contact.status === 'sent') {
    ctx.s.notice = null;
    return;
  }
  notice.option += 1;
  notice.deferrals = 0;
  notice.deferred = null;
}

// ---- after a death or a bankruptcy ------------------------------------------------------------------

/**
 * After a death or a bankruptcy only the estate's representative or the trustee may be written
 * to, and only if the creditor configured it: one letter, through the gate as a required notice.
 * Returns false when there is nothing to send.
 */
export function planRepresentativeNotice(ctx: Ctx): boolean {
  const rep = ctx.s.compliance.representative;
  if (!ctx.config.notifyRepresentatives || !rep || rep.notifiedAt) return false;
  const account = ctx.s.profile;
  const recipient = `${rep.name} (${rep.role === 'estate' ? `for the estate of ${account.debtorName}` : `trustee, bankruptcy of ${account.debtorName}`})`;
  const text =
    rep.role === 'estate'
      ? `To ${rep.name}, as representative of the estate of ${account.debtorName}:\n\nOur records show ${formatMoney(balance(ctx))} owed on account ${account.accountId} with ${account.creditorId}. We have stopped collecting from ${account.debtorName}. Only the estate is responsible for this amount, and nobody is personally liable for it unless they agreed to be. Please write to us with any question.\n\nThis communication is from a debt collector.`
      : `To ${rep.name}, trustee:\n\nWe have stopped collection of account ${account.accountId} with ${account.creditorId} (${account.debtorName}, ${formatMoney(balance(ctx))}) under the automatic stay. This letter is for your records.\n\nThis communication is from a debt collector.`;
  requestContact(ctx, {
    purpose: { type: 'representative' },
    requestPurpose: 'required_notice',
    idempotencyKey: `${ctx.config.accountKey}/${rep.role}-notice`,
    stepId: `${rep.role}-notice`,
    channel: 'letter',
    recipient,
    subject: `Account ${account.accountId}`,
    text,
    html: null,
    letter: letterDetails(ctx, { name: recipient, address: rep.address, language: 'en' }),
    summary: `notice to the ${rep.role === 'estate' ? "estate's representative" : 'trustee'} mailed`,
  });
  return true;
}

export function representativeResult(ctx: Ctx, effect: ContactEffect, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const contact = contactRecord(ctx, effect, outcome);
  // Deferral does not apply to letters; anything but a send is recorded as not sent.
  if (contact.status === 'sent' && 'value' in outcome && outcome.value.decision.kind !== 'allow') contact.status = 'suppressed';
  ctx.s.contacts.push(contact);
  const rep = ctx.s.compliance.representative;
  if (rep) rep.notifiedAt = ctx.at;
}
