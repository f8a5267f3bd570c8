/**
 * Locating a debtor (skip tracing). When no channel is left — email bounced or absent, texts
 * undelivered or no number, the letters returned by the post office — the account enters
 * `locating`: the cadence is held, a trace request goes to the skip-trace provider, and a person
 * gets the work when the provider finds nothing. Candidates are never used as found: each is asked
 * once (§1006.10: a location communication that asks only for location information and never says
 * the person owes a debt, to a third party once — again only when that person asked for it, or an
 * operator reasonably believes the earlier answer was wrong or incomplete: `locationContactRule`),
 * and becomes the debtor's contact only when verified — a reply from it, or an operator who
 * confirmed it. A verified contact ends the search and the cadence resumes where it stood (the
 * days held move later steps).
 */
import { asksToBeContactedAgain, identityInReply, ownText } from '../reply-intent';
import { renderTemplate } from '../template';
import type { ComplianceEvent } from './records';
import { changeApplies, changeStage, perform, updateHold, type Ctx } from './context';
import { consentedAt, isInvalid, requestContact } from './contacts';
import { queueWork, workWake } from './work';
import { addressLine, type FurtherContact, type FurtherContactReason, type PostalAddress, type TraceCandidate, type WorkState } from './work-records';
import type { ContactEffect, EffectFailure, EffectValues } from './commands';

const DEFAULT_BUSINESS = 'Client Services';
const DEFAULT_CALLBACK_PHONE = '+1 555 555 0100';

/** Which of the debtor's channels can still reach them. */
export function liveChannels(ctx: Ctx): { email: boolean; phone: boolean; mail: boolean } {
  const { profile: a } = ctx.s;
  return {
    email: a.email !== null && !isInvalid(ctx, 'email', a.email),
    phone: a.phone !== null && !isInvalid(ctx, 'sms', a.phone),
    mail: !ctx.s.returnedMail.includes(addressLine(a.address)),
  };
}

const noChannelLeft = (ctx: Ctx) => Object.values(liveChannels(ctx)).every((live) => !live);

/** The post office returned a letter (or a visitor found the debtor moved): the address can no longer be written to. */
export function mailReturned(ctx: Ctx, event: Extract<ComplianceEvent, { kind: 'mail_returned' }>): void {
  const line = addressLine(event.address ?? ctx.s.profile.address);
  if (!ctx.s.returnedMail.includes(line)) ctx.s.returnedMail.push(line);
  ctx.s.compliance.events.push({ kind: 'mail_returned', at: ctx.at, detail: `${event.reason} (from ${event.source})` });
}

/**
 * The locating stage's part of planning. True when it decided something (an effect, a change, a
 * wait); false when the cadence may go on.
 */
export function planLocating(ctx: Ctx): boolean {
  const s = ctx.s;
  const loc = s.locating;
  if (!loc) {
    if (s.stage === 'paused' || s.arrangement || s.compliance.dispute === 'pending_verification' || !noChannelLeft(ctx)) return false;
    s.locating = { since: ctx.at, stageBefore: s.stage, status: 'tracing', traceId: null, candidates: [], itemId: null };
    changeStage(ctx, 'locating', 'no channel reaches the debtor (email, phone and mail all undeliverable): locating');
    updateHold(ctx);
    const a = s.profile;
    perform(ctx, {
      kind: 'trace_request',
      input: {
        accountKey: ctx.config.accountKey,
        creditorId: a.creditorId,
        reference: `${ctx.config.accountKey}/trace/${s.workSeq + 1}`,
        subject: { name: a.debtorName, addresses: [a.address], phones: a.phone ? [a.phone] : [], emails: a.email ? [a.email] : [] },
      },
      summary: 'skip trace requested',
    });
    return true;
  }
  if (s.stage === 'paused') return false;
  if (!noChannelLeft(ctx)) return resume(ctx, 'a contact reaches the debtor again');
  let wakeMs: number | null = null;
  if (loc.status === 'verifying') {
    // Numbers go to a person to call; every other candidate is asked as §1006.10 allows (once, or once more for a recorded reason).
    // (A run traced before one candidate per third party may hold the same one twice: there the second was asked too, and still is.)
    const waiting = loc.candidates.filter(
      (c) => c.kind !== 'phone' && (c.status === 'new' || c.status === 'inquired') && (locationContactRule(s, c).allowed || (c.status === 'new' && !changeApplies(ctx, 'locating-one-per-third-party'))),
    );
    const next = waiting.find((c) => !c.notBefore || Date.parse(c.notBefore) <= ctx.nowMs);
    if (next) return inquire(ctx, next);
    const later = waiting.map((c) => Date.parse(c.notBefore!)).sort((x, y) => x - y)[0];
    if (later !== undefined) wakeMs = later;
  }
  ctx.out.push({ kind: 'wait', until: workWake(ctx, wakeMs) });
  return true;
}

/** The provider's answer: candidates to verify, or nothing (a person searches). */
export function traceResult(ctx: Ctx, outcome: { value: EffectValues['trace_request'] } | { failure: EffectFailure }): void {
  const loc = ctx.s.locating;
  if (!loc) return;
  const found = 'value' in outcome ? outcome.value.candidates : [];
  loc.traceId = 'value' in outcome ? outcome.value.traceId : null;
  const known = new Set(ctx.s.locationContacts);
  const fresh = found.filter((c) => !known.has(candidateKey(c.kind, c.value))).sort((x, y) => y.confidence - x.confidence);
  // The same person found twice (two matches at one address) is one third party, asked once
  // (a run traced before this change keeps both matches, as it did).
  const once = fresh.filter((c, i, all) => all.findIndex((o) => candidateKey(o.kind, o.value) === candidateKey(c.kind, c.value)) === i);
  loc.candidates = (once.length === fresh.length || changeApplies(ctx, 'locating-one-per-third-party') ? once : fresh)
    .slice(0, 5)
    .map((c, i) => ({ id: `c${i + 1}`, kind: c.kind, value: c.value, ...(c.address ? { address: c.address } : {}), confidence: c.confidence, status: 'new' }));
  const why = 'failure' in outcome ? `the provider could not be asked (${outcome.failure.message})` : loc.candidates.length === 0 ? 'the provider found nothing new' : null;
  if (why) {
    loc.status = 'manual';
    loc.itemId = queueWork(ctx, 'trace_manual', {
      title: 'Locate the debtor by hand (skip trace found nothing)',
      priority: 3,
      dueAt: null,
      detail: { reason: why, lastKnown: { address: addressLine(ctx.s.profile.address), email: ctx.s.profile.email, phone: ctx.s.profile.phone }, rules: LOCATION_RULES },
    });
    ctx.s.compliance.events.push({ kind: 'trace', at: ctx.at, detail: why });
    return;
  }
  loc.status = 'verifying';
  queueTraceConfirm(ctx);
  ctx.s.compliance.events.push({ kind: 'trace', at: ctx.at, detail: `${loc.candidates.length} candidate(s) to verify (trace ${loc.traceId ?? '?'})` });
}

/** The item in which an operator confirms a candidate, or records why a third party may be asked once more; each candidate with its contacts so far. */
export function queueTraceConfirm(ctx: Ctx, reply?: { candidateId: string; from: string; text: string }): void {
  const loc = ctx.s.locating!;
  loc.itemId = queueWork(ctx, 'trace_confirm', {
    title: reply
      ? `Confirm a trace result: candidate ${reply.candidateId} replied, and it is not clear whether the debtor wrote (answer nothing about the account)`
      : `Confirm a trace result (${loc.candidates.length} candidate${loc.candidates.length === 1 ? '' : 's'})`,
    priority: 3,
    dueAt: null,
    detail: {
      traceId: loc.traceId,
      candidates: loc.candidates.map((c) => ({ ...c, contacts: thirdPartyContacts(ctx.s, candidateKey(c.kind, c.value)) })),
      ...(reply ? { reply } : {}),
      rules: LOCATION_RULES,
    },
  });
}

export const LOCATION_RULES =
  'Location contacts (§1006.10): ask only how to reach the debtor; give your name, and the employer only if asked; never say that the person owes a debt; contact each third party once, unless they ask you to (outcome "asked to be contacted again") or you reasonably believe their earlier answer was wrong or incomplete and that they now have the right information (outcome "earlier answer wrong", with why in the note); no postcard, and nothing on an envelope that shows it is about a debt.';

const candidateKey = (kind: TraceCandidate['kind'], value: string) => `${kind}:${value.trim().toLowerCase()}`;

/** How many times this third party was contacted for location information (each inquiry sent, or stopped by the gate). */
export function thirdPartyContacts(s: WorkState, key: string): number {
  return s.locationContacts.includes(key) ? 1 + s.furtherContacts.filter((f) => f.key === key && f.contactedAt !== null).length : 0;
}

/**
 * §1006.10(b)(3), 15 U.S.C. 1692b(3): a third party is contacted for location information once;
 * again only when that person asked for it, or the collector reasonably believes the earlier
 * answer was wrong or incomplete and that the person now has correct or complete information —
 * one further contact for each such reason recorded (`allowFurtherContact`). Planning asks this
 * before every inquiry; nothing else decides it.
 */
export function locationContactRule(s: WorkState, candidate: Pick<TraceCandidate, 'kind' | 'value'>): { allowed: true; further: FurtherContact | null } | { allowed: false; why: string } {
  const key = candidateKey(candidate.kind, candidate.value);
  const made = thirdPartyContacts(s, key);
  if (made === 0) return { allowed: true, further: null };
  const further = s.furtherContacts.find((f) => f.key === key && f.contactedAt === null);
  if (further) return { allowed: true, further };
  return {
    allowed: false,
    why: `this third party (${candidate.kind}) was already contacted ${made === 1 ? 'once' : `${made} times`} for location information; §1006.10(b)(3) allows another contact only if that person asked for it, or you reasonably believe the earlier answer was wrong or incomplete and that the person now has correct or complete information`,
  };
}

/** Why one more contact of this candidate cannot be allowed now, naming the field at fault; null when it can. */
export function furtherContactProblem(s: WorkState, candidate: TraceCandidate, reason: FurtherContactReason, note: string | undefined): { field: string; message: string } | null {
  const at = (message: string) => ({ field: 'candidateId', message: `candidateId: ${candidate.id} (${candidate.kind}) ${message}` });
  if (candidate.kind === 'phone') return at('is a number, which a person calls: the product sends it no location inquiry');
  if (candidate.status === 'verified' || candidate.status === 'rejected') return at(`is ${candidate.status}: there is nothing more to ask`);
  const rule = locationContactRule(s, candidate);
  if (rule.allowed) return at(rule.further ? `may already be contacted once more (${describeFurther(rule.further)}), which has not happened yet` : 'has not been asked yet: its first inquiry needs no reason');
  if (reason === 'earlier_answer_wrong' && !note?.trim()) return { field: 'note', message: `note: ${rule.why}: say why you believe so` };
  return null;
}

/** Records why a third party already contacted may be contacted once more; the next planning sends that one inquiry. */
export function allowFurtherContact(ctx: Ctx, candidate: TraceCandidate, allowance: Pick<FurtherContact, 'reason' | 'source' | 'by' | 'note'>): void {
  const further: FurtherContact = { key: candidateKey(candidate.kind, candidate.value), ...allowance, allowedAt: ctx.at, contactedAt: null };
  ctx.s.furtherContacts.push(further);
  ctx.s.compliance.events.push({ kind: 'location_contact_allowed', at: ctx.at, detail: `candidate ${candidate.id} (${candidate.kind}) may be contacted once more: ${describeFurther(further)}` });
}

const describeFurther = (f: FurtherContact) =>
  `${f.reason === 'requested' ? 'the person asked to be contacted again' : 'the earlier answer is believed wrong or incomplete'} (${f.source === 'reply' ? 'their reply' : `recorded by ${f.by}`}${f.note ? `: ${f.note}` : ''})`;

/** One location inquiry to a candidate (email or letter; numbers go to a person to call): its first, or one more the rule allows. */
function inquire(ctx: Ctx, candidate: TraceCandidate): boolean {
  const s = ctx.s;
  const key = candidateKey(candidate.kind, candidate.value);
  // The first inquiry keeps the key it always had; a further one is the third party's contact number n
  // (a twin a run from before asks as it did: with the first one's key).
  const n = locationContactRule(s, candidate).allowed ? thirdPartyContacts(s, key) + 1 : 1;
  const business = ctx.config.settings.voicemailBusinessName ?? DEFAULT_BUSINESS;
  const callback = ctx.config.settings.callbackPhone ?? DEFAULT_CALLBACK_PHONE;
  const m = locationInquiry(s.profile.language, { debtorName: s.profile.debtorName, businessName: business, callbackPhone: callback, optOutEmail: ctx.config.settings.optOutEmail });
  const channel = candidate.kind === 'email' ? 'email' : 'letter';
  const address: PostalAddress | undefined = candidate.address;
  requestContact(ctx, {
    purpose: { type: 'location', candidateId: candidate.id },
    idempotencyKey: `${ctx.config.accountKey}/location/${key}${n > 1 ? `/${n}` : ''}`,
    stepId: `location-inquiry-${candidate.id}${n > 1 ? `-${n}` : ''}`,
    channel,
    recipient: channel === 'email' ? candidate.value : `Resident, ${candidate.value}`,
    subject: m.subject,
    text: m.text,
    html: null,
    ...(channel === 'letter' && address
      ? { letter: { creditorId: s.profile.creditorId, debtorName: 'Resident', address, language: s.profile.language, balanceMinor: 0, currency: s.profile.currency, dateIso: ctx.at.slice(0, 10), paymentLink: '' } }
      : {}),
    senderName: business,
    summary: `location inquiry to a candidate ${candidate.kind} (${candidate.confidence}%)${n > 1 ? `, contact ${n} (§1006.10(b)(3))` : ''}`,
  });
  return true;
}

/** The inquiry went (or was stopped by the gate): either way it counts, and that third party is not asked again without a recorded reason. */
export function inquiryResult(ctx: Ctx, effect: ContactEffect & { purpose: { type: 'location' } }, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const loc = ctx.s.locating;
  const candidate = loc?.candidates.find((c) => c.id === effect.purpose.candidateId);
  if ('value' in outcome && outcome.value.decision.kind === 'defer') {
    // The contact window: asked again when it opens (the candidate stays new).
    if (candidate) candidate.notBefore = outcome.value.decision.until ?? new Date(ctx.nowMs + 3_600_000).toISOString();
    return;
  }
  const sent = 'value' in outcome && outcome.value.decision.kind === 'allow';
  ctx.s.contacts.push({ stepId: effect.stepId, channel: effect.channel, at: ctx.at, status: sent ? 'sent' : 'failed' in outcome ? 'failed' : 'suppressed', reason: sent ? null : 'failure' in outcome ? outcome.failure.message : (outcome.value.decision.reason ?? null), recipient: effect.recipient, providerMessageId: sent ? outcome.value.reference : null, rule: 'value' in outcome ? outcome.value.decision.rule : 'allowed' });
  if (!candidate) return;
  candidate.status = 'inquired';
  const rule = locationContactRule(ctx.s, candidate);
  if (rule.allowed && rule.further) rule.further.contactedAt = ctx.at;
  else if (!ctx.s.locationContacts.includes(candidateKey(candidate.kind, candidate.value))) ctx.s.locationContacts.push(candidateKey(candidate.kind, candidate.value));
}

/**
 * How a reply from a candidate's address was read: `verified` (it says it is the debtor: the
 * candidate is the debtor's contact), `third_party` (it asks to be contacted again and does not
 * say it is the debtor: §1006.10(b)(3), one more inquiry), `not_debtor` (it says it is not the
 * debtor: the candidate is rejected), `unclear` (a person confirms, on the trace item).
 */
export type CandidateReply = 'verified' | 'third_party' | 'not_debtor' | 'unclear';

/**
 * A reply from a candidate's address verifies it only when it affirms the debtor's identity ("yes,
 * this is Rhea", "this is my new email"), even if it also asks to be called back; anything else is
 * a third party's, never answered about the account (§1006.10): a request to be contacted again
 * allows one more inquiry, a denial ("not Rhea", "wrong person") rejects the candidate, and an
 * unclear reply goes to a person. A run recorded before this change verified on any reply, and
 * still does (`locating-reply-identity`, asked only when the readings differ).
 */
export function replyFrom(ctx: Ctx, from: string, text = ''): CandidateReply | null {
  const candidate = ctx.s.locating?.candidates.find((c) => c.kind !== 'address' && c.value.trim().toLowerCase() === from.trim().toLowerCase() && c.status !== 'rejected');
  if (!candidate) return null;
  const identity = identityInReply(text, ctx.s.profile.debtorName);
  if (identity === 'affirms' || !changeApplies(ctx, 'locating-reply-identity')) {
    verify(ctx, candidate, 'a reply came from it', 'debtor');
    return 'verified';
  }
  if (candidate.status === 'inquired' && asksToBeContactedAgain(text)) {
    if (!furtherContactProblem(ctx.s, candidate, 'requested', undefined))
      allowFurtherContact(ctx, candidate, { reason: 'requested', source: 'reply', by: "the third party's reply", note: `"${ownWords(text)}"` });
    return 'third_party';
  }
  if (identity === 'denies') {
    candidate.status = 'rejected';
    ctx.s.compliance.events.push({ kind: 'trace', at: ctx.at, detail: `candidate ${candidate.id} (${candidate.kind}) is not the debtor: its reply says so` });
    return 'not_debtor';
  }
  // Neither: a person reads it and confirms the candidate, or not, on a new trace item.
  queueTraceConfirm(ctx, { candidateId: candidate.id, from, text: ownWords(text) });
  return 'unclear';
}

/**
 * A reply, after locating ended, from a third party asked for location information (a location
 * contact never verified as the debtor's): theirs, never the debtor's, so never answered about the
 * account (§1006.10); a request to be contacted again is recorded, as during locating. A run
 * recorded before this change took it as the debtor's (`locating-late-third-party`).
 */
export function thirdPartyReplyAfterLocating(ctx: Ctx, from: string, text: string): boolean {
  const s = ctx.s;
  const key = (['email', 'phone'] as const).map((kind) => candidateKey(kind, from)).find((k) => s.locationContacts.includes(k) && !s.locatedContacts.includes(k));
  if (!key || !changeApplies(ctx, 'locating-late-third-party')) return false;
  if (asksToBeContactedAgain(text) && !s.furtherContacts.some((f) => f.key === key && f.contactedAt === null)) {
    const further: FurtherContact = { key, reason: 'requested', source: 'reply', by: "the third party's reply", note: `"${ownWords(text)}"`, allowedAt: ctx.at, contactedAt: null };
    s.furtherContacts.push(further);
    s.compliance.events.push({ kind: 'location_contact_allowed', at: ctx.at, detail: `a third party (${key.split(':')[0]}) asked after locating had ended may be contacted once more: ${describeFurther(further)}` });
  }
  return true;
}

const ownWords = (text: string) => ownText(text).replace(/\s+/g, ' ').slice(0, 200);

/**
 * A candidate is confirmed: it becomes the debtor's contact. By the debtor (a reply from it) or by
 * an operator; what that allows is in `locatedConsent`.
 */
export function verify(ctx: Ctx, candidate: TraceCandidate, how: string, by: 'debtor' | 'operator' = 'operator'): void {
  const a = ctx.s.profile;
  candidate.status = 'verified';
  const key = candidateKey(candidate.kind, candidate.value);
  if (!ctx.s.locatedContacts.includes(key)) ctx.s.locatedContacts.push(key);
  if (candidate.kind === 'email') (a.email = candidate.value), locatedConsent(ctx, 'email', candidate.value, by, how);
  if (candidate.kind === 'phone') (a.phone = candidate.value), locatedConsent(ctx, 'sms', candidate.value, by, how);
  if (candidate.kind === 'address' && candidate.address) a.address = candidate.address;
  ctx.s.compliance.events.push({ kind: 'trace_verified', at: ctx.at, detail: `candidate ${candidate.id} (${candidate.kind}) verified: ${how}` });
}

/** Contact details found by hand (an operator): used as the debtor's, with no consent of the debtor's (see `locatedConsent`). */
export function found(ctx: Ctx, details: { email?: string; phone?: string; address?: PostalAddress }, by: string): void {
  const a = ctx.s.profile;
  if (details.email) (a.email = details.email), locatedConsent(ctx, 'email', details.email, 'operator', `found by ${by}`);
  if (details.phone) (a.phone = details.phone), locatedConsent(ctx, 'sms', details.phone, 'operator', `found by ${by}`);
  if (details.address) a.address = details.address;
  ctx.s.compliance.events.push({ kind: 'trace_verified', at: ctx.at, detail: `contact details found by ${by}` });
}

/**
 * What a located contact may be used for, recorded for its address with where that came from
 * (consent belongs to the address). The careful reading:
 * - A number carries no consent to texts, however it was verified: TCPA consent is given by the
 *   debtor for that number, and neither a trace, an operator nor a reply is that. Kept as a record
 *   (no consent, and why) unless the number already has consent of its own.
 * - An email address the debtor wrote to us from may be written to: the consumer used it to
 *   communicate with us (Reg F §1006.6(d)(4)(i)(A)); an opt-out of it later still stops it. So an
 *   SMS step that cannot be delivered may fall back to it.
 * - An email address only an operator confirmed or found has no consent: email steps may use it,
 *   but nothing falls back to it in place of a text until the debtor gives consent for it.
 */
function locatedConsent(ctx: Ctx, channel: 'email' | 'sms', address: string, by: 'debtor' | 'operator', how: string): void {
  const a = ctx.s.profile;
  if (channel === 'sms') {
    a.consent = { ...a.consent, sms: false };
    if (!consentedAt(ctx, 'sms', address)) ctx.s.compliance.consents.push({ channel, address, consented: false, source: `locating: ${how} (a located number carries no consent to texts)`, at: ctx.at });
    return;
  }
  if (by === 'debtor') ctx.s.compliance.consents.push({ channel, address, consented: true, source: `locating: ${how}, the debtor wrote to us from it (§1006.6(d)(4)(i)(A))`, at: ctx.at });
}

function resume(ctx: Ctx, why: string): boolean {
  const s = ctx.s;
  const loc = s.locating!;
  s.locating = null;
  changeStage(ctx, loc.stageBefore === 'locating' ? 'reminding' : loc.stageBefore, `located: ${why}; the cadence resumes where it stood`);
  updateHold(ctx);
  return true;
}

/** §1006.10 location inquiry: who we are looking for and how to answer, nothing about a debt. */
export function locationInquiry(language: 'en' | 'es', values: { debtorName: string; businessName: string; callbackPhone: string; optOutEmail: string }): { subject: string; text: string } {
  const t = LOCATION_TEMPLATES[language] ?? LOCATION_TEMPLATES.en;
  const v = values as unknown as Parameters<typeof renderTemplate>[1];
  return { subject: renderTemplate(t.subject, v), text: renderTemplate(t.text, v) };
}

const LOCATION_TEMPLATES = {
  en: {
    subject: 'Trying to reach {{debtorName}}',
    text:
      'Hello, this is {{businessName}}. We are trying to reach {{debtorName}}. If this is how to reach them, ' +
      'please reply or call {{callbackPhone}}; if it is not, let us know and we will not write to you again. ' +
      'To opt out, write to {{optOutEmail}} or reply STOP.',
  },
  es: {
    subject: 'Intentamos comunicarnos con {{debtorName}}',
    text:
      'Hola, le escribe {{businessName}}. Intentamos comunicarnos con {{debtorName}}. Si esta es la forma de contactarle, ' +
      'responda o llame al {{callbackPhone}}; si no lo es, avísenos y no volveremos a escribirle. ' +
      'Para no recibir más mensajes, escriba a {{optOutEmail}} o responda STOP.',
  },
} as const;
