/**
 * What a debtor's written reply asks for, by email or text. A revocation counts by any reasonable
 * means (Reg F §1006.6(e) and §1006.14(h), TCPA): the opt-out keywords (STOP and its synonyms, in
 * English and Spanish, as for SMS: src/domain/sms-keywords.ts) as the whole reply or its subject,
 * and free text that plainly asks to stop ("please stop emailing me", "no me escriban más"). Free
 * text is also read for the media it names (email, texts, calls) or for "stop contacting me"
 * altogether, for the person who reviews it. Pure.
 */
import { smsIntent, type SmsIntent } from './sms-keywords';

export type Medium = 'email' | 'sms' | 'call';

export interface ReplyIntent {
  /** A keyword (STOP, START, HELP, PAY), a free-text request to stop, or any other text. */
  intent: Exclude<SmsIntent, 'free_text'> | 'stop_request' | 'free_text';
  /** For a stop request: the media it names (empty: it names none, so it means the one it came by). */
  media: Medium[];
  /** For a stop request: it asks for no contact at all ("stop contacting me", "leave me alone"), which may be a cease request. */
  everything: boolean;
}

/** The reply's own words: quoted lines ("> …") and everything from the quoted original on are dropped. */
export function ownText(text: string): string {
  const lines: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(On .+wrote:|El .+escribi[oó]:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Mensaje original\s*-{2,}|From:\s|De:\s)/i.test(line)) break;
    if (/^\s*>/.test(line)) continue;
    lines.push(line);
  }
  return lines.join('\n').trim();
}

// "stop/quit/cease/end … emailing/texting/calling/contacting/writing/sending", "please stop", "unsubscribe me", "do not email me", "no more emails"…
const STOP_PHRASES = [
  /\b(stop|quit|cease|end)\b[^.!?\n]{0,40}\b(e-?mail\w*|mail\w*|messag\w*|contact\w*|call\w*|phon\w*|text\w*|sms|writ\w*|send\w*|harass\w*|bother\w*)/i,
  /\b(please|pls|plz)\s+stop\b/i,
  /\b(unsubscribe|opt me out|opt out|remove me|take me off)\b/i,
  /\b(do not|don'?t|never)\s+(e-?mail|contact|call|phone|text|write|message|send)\b/i,
  /\b(no more|don'?t want (your|any|these)|do not want (your|any|these)|no longer (want|wish) to (receive|get|be contacted))\b/i,
  /\bleave me alone\b/i,
  // Spanish
  /\b(dejen?|deje) de (enviar|escribir|llamar|mandar|contactar|molestar)\w*/i,
  /\bno me (escrib|llam|contact|envi|envíe|mand|molest)\w*/i,
  /\bno (quiero|deseo) (recibir|m[aá]s|que me)\b/i,
  /\b(dar(me)? de baja|b[oó]rren?me)\b/i,
];

const MEDIA: [Medium, RegExp][] = [
  ['email', /\b(e-?mails?|e-?mailing|mail|correos?|correo electr[oó]nico)\b/i],
  ['sms', /\b(texts?|texting|sms|text messages?|mensajes de texto|mensajes)\b/i],
  ['call', /\b(call\w*|phon\w*|llam\w*|tel[eé]fono)\b/i],
];
const EVERYTHING = /\b(contact\w*|leave me alone|harass\w*|bother\w*|contact\w* me|contactar\w*|molest\w*)\b/i;

/** Reads a reply: the keyword first (its first line, or the subject), then a plain request to stop. */
export function replyIntent(text: string, subject = ''): ReplyIntent {
  const own = ownText(text);
  const firstLine = own.split('\n').find((l) => l.trim() !== '') ?? '';
  for (const candidate of [firstLine, own, subject.replace(/^\s*(re|aw|sv|fw|fwd)\s*:\s*/i, '').split(/\s+account\//i)[0] ?? '']) {
    const keyword = smsIntent(candidate);
    if (keyword !== 'free_text') return { intent: keyword, media: [], everything: false };
  }
  const said = `${subject}\n${own}`;
  if (!STOP_PHRASES.some((p) => p.test(said))) return { intent: 'free_text', media: [], everything: false };
  return { intent: 'stop_request', media: MEDIA.filter(([, p]) => p.test(said)).map(([m]) => m), everything: EVERYTHING.test(said) };
}

// "contact/write/email/call me again", "call me back", "try again later", "get back to me", "check back next week"…
const AGAIN_PHRASES = [
  /\b(contact|write|e-?mail|mail|call|phone|text|reach|try|ask)(\s+(to\s+)?(me|us))?\s+(again|back|later|next (week|month)|in (a|one|two|a few|\d+) (days?|weeks?))\b/i,
  /\b(get|come) back to me\b/i,
  /\bcheck back\b/i,
  /\bfollow up with me\b/i,
  // Spanish: "vuelva a escribirme", "escríbame de nuevo", "llámeme más tarde"
  /\b(vuelva|vuelvan) a (escrib|llam|contact|intent|pregunt)\w*/i,
  /\b(esc[rí]\w*|ll[aá]m\w*|cont[aá]ct\w*)\b[^.!?\n]{0,15}\b(de nuevo|otra vez|m[aá]s tarde|la (pr[oó]xima|otra) semana)/i,
];
// "do not write again", "never call me back", "no me vuelva a escribir", "nunca" (within one clause: see `clauses`)
const NOT_AGAIN = /\b(do not|don'?t|never|no need to|no longer)\b[^.!?;\n]{0,25}\b(again|back|later)\b|\bno\s+(me\s+)?(vuelva|vuelvan)\b|\bnunca\b/i;

/**
 * A reply's own words cut into clauses: sentences, and the parts a "but" joins ("I don't know
 * her, but write to me again"), so that a negation in one never reads as negating the other.
 */
export function clauses(text: string): string[] {
  return ownText(text)
    .split(/[.!?;:\n]+|\b(?:but|however|though|although|pero|aunque|sin embargo)\b/i)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/**
 * Whether a reply asks to be contacted again ("write to me again next week", "call me back",
 * "vuelva a escribirme"): from a third party asked for location information, the request that
 * lets the collector contact that person once more (12 CFR 1006.10(b)(3)). A request to stop, or a
 * negated phrase, is never one.
 */
export function asksToBeContactedAgain(text: string, subject = ''): boolean {
  if (replyIntent(text, subject).intent !== 'free_text') return false;
  return clauses(text).some((clause) => !NOT_AGAIN.test(clause) && AGAIN_PHRASES.some((p) => p.test(clause)));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "not Rhea", "wrong person", "don't know her", "no one by that name", "no soy", "número equivocado"… (`NAME` stands for the debtor's names). */
const DENIALS = [
  /\b(i'?m|i am|this is|this isn'?t|it'?s|it is|that'?s|that is)\s+not\s+(me|him|her|them|NAME)\b/i,
  /\b(this isn'?t|that isn'?t|it isn'?t)\s+(me|him|her|NAME)\b/i,
  /\bnot\s+(me|NAME)\b/i,
  /\bwrong\s+(person|people|number|address|e-?mail|email address|contact|guy|lady|man|woman|house)\b/i,
  /\b(don'?t|do not|doesn'?t|does not|never)\s+(know|recogni[sz]e|heard? of)\s+(her|him|them|anyone|anybody|any(one)? (by|named|called)|who|this|that|a|an|no|NAME)\b/i,
  /\b(no ?one|nobody|no such person)\b[^,;]{0,20}\b(name|named|called|here|lives?)\b|\bno such person\b/i,
  /\b(doesn'?t|does not|no longer|never)\s+(live|lived|work|worked|stay|stayed)s?\s+(here|there|at)\b/i,
  /\bnot my (e-?mail|email address|address|number|phone)\b/i,
  // Spanish
  /\bno soy\b/i,
  /\b(n[uú]mero|persona|correo|direcci[oó]n)\s+equivocad[oa]\b/i,
  /\bno\s+(la |lo |les? )?conozco\b/i,
  /\bno\s+(vive|trabaja)\s+aqu[ií]\b/i,
  /\bse\s+equivoc\w*/i,
  /\bnadie\s+(con ese nombre|llamad[oa]|que se llame)\b/i,
];
/** "yes, this is Rhea", "it's me", "this is my new email", "sí, soy yo", "es mi correo nuevo"… */
const AFFIRMATIONS = [
  /\b(this is|it'?s|it is|i'?m|i am|here is|soy|habla|le habla)\s+(me|NAME)\b(?!['’]s)/i,
  /\b(it'?s|this is|that'?s|that is)\s+(really\s+)?me\b/i,
  /\b(this is|it'?s|it is|that'?s|that is|here is|is)\s+my\s+(new\s+|current\s+|personal\s+|own\s+)?(e-?mail|email address|address|number|phone)\b/i,
  /\b(speaking|you found me|you'?ve found me|you reached me)\b/i,
  // Spanish
  /\bsoy\s+yo\b/i,
  /\b(es|este es|esta es|[eé]ste es)\s+mi\s+(nuevo\s+|nueva\s+)?(correo|e-?mail|n[uú]mero|direcci[oó]n|tel[eé]fono)\b/i,
  /\bmi\s+(nuevo\s+)?(correo|e-?mail)\s+(nuevo\s+)?es\s+este\b/i,
];

/**
 * What a reply to a location inquiry says about who wrote it, the debtor being `debtorName`:
 * `affirms` when it says it is the debtor ("yes, this is Rhea", "this is my new email", "sí, soy
 * yo") and nowhere that it is not; `denies` when it says it is not ("not Rhea", "wrong person",
 * "I don't know anyone by that name", "no soy") and nowhere that it is; `unclear` otherwise (a bare
 * "yes", a question, both at once), for a person to judge. Each clause is read on its own, so a
 * negation never spans into the next one.
 */
export function identityInReply(text: string, debtorName: string): 'affirms' | 'denies' | 'unclear' {
  const names = [debtorName, ...debtorName.split(/\s+/)].map((n) => n.trim()).filter((n) => n.length > 1).map(escapeRegExp);
  const named = (patterns: RegExp[]) => patterns.map((p) => new RegExp(p.source.replace(/NAME/g, names.length ? names.join('|') : '(?!)'), p.flags));
  const denials = named(DENIALS);
  const affirmations = named(AFFIRMATIONS);
  const parts = clauses(text);
  const denies = parts.some((c) => denials.some((p) => p.test(c)));
  const affirms = parts.some((c) => !denials.some((p) => p.test(c)) && affirmations.some((p) => p.test(c)));
  if (affirms && !denies) return 'affirms';
  if (denies && !affirms) return 'denies';
  return 'unclear';
}
