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
// "do not write again", "never call me back", "no me vuelva a escribir", "nunca"
const NOT_AGAIN = /\b(do not|don'?t|never|no need to|no longer)\b[^.!?\n]{0,25}\b(again|back|later)\b|\bno\s+(me\s+)?(vuelva|vuelvan)\b|\bnunca\b/i;

/**
 * Whether a reply asks to be contacted again ("write to me again next week", "call me back",
 * "vuelva a escribirme"): from a third party asked for location information, the request that
 * lets the collector contact that person once more (12 CFR 1006.10(b)(3)). A request to stop, or a
 * negated phrase, is never one.
 */
export function asksToBeContactedAgain(text: string, subject = ''): boolean {
  if (replyIntent(text, subject).intent !== 'free_text') return false;
  const said = ownText(text);
  return !NOT_AGAIN.test(said) && AGAIN_PHRASES.some((p) => p.test(said));
}
