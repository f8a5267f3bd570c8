/**
 * Text that reaches a letter, an email header, a PDF or a CSV: one line, no control characters,
 * bounded. A debtor name with an embedded line break would add a line to the address block of a
 * letter or a header to an email, and a bidirectional override would print a name backwards, so
 * such text is refused at the edge with the field named (never silently rewritten: a creditor's
 * record must say what the letter says). Spaces around the text are trimmed, as before.
 */
import { z } from 'zod';

/** C0 and C1 controls (tab, line feed, carriage return, NUL, ESC…), Unicode line and paragraph separators, bidirectional embeddings, overrides and isolates. */
const FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

function nameOf(character: string): string {
  if (character === '\n' || character === '\r' || character === '\u2028' || character === '\u2029') return 'a line break';
  if (character === '\t') return 'a tab';
  return `the control character U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why the text may not be used, or null. */
export function controlCharacterProblem(text: string): string | null {
  const found = FORBIDDEN.exec(text);
  return found ? `must be one line without control characters (found ${nameOf(found[0])})` : null;
}

const checked = (schema: z.ZodString) =>
  schema.superRefine((text, ctx) => {
    const problem = controlCharacterProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Required one-line text, trimmed, at most `max` characters. */
export const plainText = (max: number) => checked(z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`));

/** The same, where an empty cell or string means "none" (null). */
export const optionalPlainText = (max: number) =>
  checked(z.string().trim().max(max, `must be at most ${max} characters`)).transform((v) => (v === '' ? null : v));

/** A phone number in E.164: "+", the country code, the number, no spaces (how every number is kept). */
export const E164 = /^\+[1-9]\d{6,14}$/;
