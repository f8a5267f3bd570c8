/**
 * Which cadence steps threaten legal action or another remedy, read from what their templates say
 * and from the step's own marks, and where such a step may fall in the validation period. Pure.
 *
 * - §1006.26(b): no suit, and no threat of suit, on a time-barred debt. A step whose message
 *   mentions attorneys, a suit, a court or legal action must be marked `threatensSuit`, so that it
 *   never runs on a time-barred debt.
 * - §1006.38(b): during the validation period nothing may overshadow the consumer's right to
 *   dispute or to ask for the original creditor. A message to the debtor that threatens a remedy
 *   (disconnection, repossession, default, suit) must be marked `threatensRemedy` (or
 *   `threatensSuit`), so that it waits for the period's end or states those rights plainly.
 */
import { durationToMs } from './duration';
import type { Cadence, CadenceStep } from './cadence';

/** Words of legal action, English and Spanish (whole words; "a plan to suit you" is not a suit). */
const LEGAL_ACTION = /\b(attorneys?|lawyers?|law firm|lawsuits?|suit(?! (you|your)\b)|sue|sued|suing|courts?|legal action|legal proceedings?|judge?ments?|abogad[oa]s?|demandas?|demandar\w*|tribunal(es)?|(ante|en) la corte|acci[oó]n (legal|judicial)|juicio)\b/i;

/** Words of a remedy short of suit: disconnection, repossession, default, garnishment (English and Spanish). */
const REMEDY = /\b(disconnect\w*|shut[- ]?off|cut off|repossess\w*|garnish\w*|seiz\w*|foreclos\w*|liens?|default(ed)?|desconect\w*|desconexi[oó]n|corte del servicio|embarg\w*|incumplimiento|ejecuci[oó]n hipotecaria)\b/i;

/** The word of legal action a text uses, if any. */
export function legalActionWord(text: string): string | null {
  return LEGAL_ACTION.exec(text)?.[0] ?? null;
}

/** The word of a threatened remedy (legal action included) a text uses, if any. */
export function remedyWord(text: string): string | null {
  return legalActionWord(text) ?? REMEDY.exec(text)?.[0] ?? null;
}

/** The step threatens a remedy, by its own marks (suit is a remedy too). */
export function threatensRemedy(step: CadenceStep): boolean {
  return step.threatensSuit === true || step.threatensRemedy === true;
}

/**
 * The validation period ends 35 to 41 days after the validation notice is mailed (5 business days
 * to assumed receipt, then 30 days: `validationPeriodEnd`), 41 when holidays and a weekend fall in
 * the first days (a notice mailed on 24 December). `calendar-walk` checks the bound day by day.
 */
export const SHORTEST_VALIDATION_PERIOD_DAYS = 35;
export const LONGEST_VALIDATION_PERIOD_DAYS = 41;

const DAY_MS = 86_400_000;

/**
 * Steps marked as threatening a remedy that can fall inside the validation period: the validation
 * notice goes out when the account is enrolled, so a step counted from enrollment (directly or
 * through the steps before it) at most 41 days in can be inside it. A step counted from the due
 * date depends on the account: it is listed with `day: null`.
 */
export function remedyThreatsInValidationPeriod(cadence: Cadence): { index: number; step: CadenceStep; day: number | null }[] {
  const earliest: (number | null)[] = [];
  const found: { index: number; step: CadenceStep; day: number | null }[] = [];
  cadence.steps.forEach((step, index) => {
    const offset = durationToMs(step.after) / DAY_MS;
    const from = step.from ?? 'enrollment';
    const day = from === 'due_date' ? null : from === 'previous_step' ? (earliest[index - 1] === null || earliest[index - 1] === undefined ? null : earliest[index - 1]! + offset) : offset;
    earliest.push(day);
    if (threatensRemedy(step) && (day === null || day <= LONGEST_VALIDATION_PERIOD_DAYS)) found.push({ index, step, day });
  });
  return found;
}
