import type { CadenceStep } from './cadence';
import { durationToMs } from './duration';
import { addBusinessDays, localDateTime } from './contact-policy';

const DAY_MS = 86_400_000;

/** Offset of a zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffsetMs(instantMs: number, zone: string): number {
  const local = localDateTime(new Date(instantMs).toISOString(), zone);
  const [y, m, d] = local.date.split('-').map(Number) as [number, number, number];
  const asUtc = Date.UTC(y, m - 1, d, local.hour, local.minute);
  return asUtc - (instantMs - (instantMs % 60_000));
}

/** The instant at which the wall clock in `zone` shows `date` `time` (a skipped DST hour moves forward). */
export function zonedTimeToUtcMs(date: string, time: string, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const first = wall - zoneOffsetMs(wall, zone);
  const second = wall - zoneOffsetMs(first, zone); // the offset at the candidate itself settles DST changes
  const shows = (ms: number) => {
    const local = localDateTime(new Date(ms).toISOString(), zone);
    return local.date === date && local.hour === hh && local.minute === mm;
  };
  if (shows(second)) return second;
  if (shows(first)) return first;
  return Math.max(first, second); // the wall time falls in a spring-forward gap: the first instant after it
}

export function addCalendarDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The longest a step may spread its accounts: half a day, inside any contact window. */
export const MAX_SPREAD_MS = 12 * 3_600_000;

/**
 * An account's offset inside a step's spread, in whole minutes: FNV-1a of the account's key,
 * so the same account lands at the same offset on every run and every replay, and a portfolio's
 * accounts land evenly over the spread whatever their ids look like.
 */
export function spreadOffsetMs(accountKey: string, spreadMs: number): number {
  const minutes = Math.floor(spreadMs / 60_000);
  if (minutes <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < accountKey.length; i++) {
    hash ^= accountKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % minutes) * 60_000;
}

export interface ScheduleContext {
  /** When the account started its current cadence (enrollment, or an operator's move). */
  cadenceStartedAtMs: number;
  dueDate: string; // YYYY-MM-DD, the debt's due date
  previousStepAtMs: number | null;
  timezone: string;
  /** The account's key (creditor/account): fixes its offset inside a step's `spread`. */
  accountKey?: string;
}

/**
 * When a step is due. Offsets in hours or less are exact durations from the anchor. Day offsets
 * land on a calendar (or business) day in the debtor's zone, at `atLocalTime`, or at the anchor's
 * local time of day (09:00 for the due date). The contact window is not applied here: the
 * contact-policy gate defers a contact that falls outside it.
 */
export function stepDueAtMs(step: CadenceStep, ctx: ScheduleContext): number {
  const spread = step.spread && ctx.accountKey ? spreadOffsetMs(ctx.accountKey, durationToMs(step.spread)) : 0;
  return unspreadDueAtMs(step, ctx) + spread;
}

function unspreadDueAtMs(step: CadenceStep, ctx: ScheduleContext): number {
  const from = step.from ?? 'enrollment';
  const anchorMs =
    from === 'due_date' ? zonedTimeToUtcMs(ctx.dueDate, '09:00', ctx.timezone) : from === 'previous_step' ? (ctx.previousStepAtMs ?? ctx.cadenceStartedAtMs) : ctx.cadenceStartedAtMs;
  const dayBased = step.after.endsWith('d') && (step.businessDays || step.atLocalTime !== undefined || from === 'due_date');
  if (!dayBased) return anchorMs + durationToMs(step.after);
  const anchorLocal = localDateTime(new Date(anchorMs).toISOString(), ctx.timezone);
  const days = durationToMs(step.after) / DAY_MS;
  const date = step.businessDays ? addBusinessDays(anchorLocal.date, days) : addCalendarDays(anchorLocal.date, days);
  const time = step.atLocalTime ?? `${String(anchorLocal.hour).padStart(2, '0')}:${String(anchorLocal.minute).padStart(2, '0')}`;
  return zonedTimeToUtcMs(date, time, ctx.timezone);
}

/**
 * The same local wall-clock time a number of days later (or earlier): across a daylight-saving
 * change this is 23 or 25 hours a day, not 24, so a step at 10:00 stays at 10:00.
 */
export function shiftByLocalDays(instantMs: number, days: number, zone: string): number {
  if (days === 0) return instantMs;
  const local = localDateTime(new Date(instantMs).toISOString(), zone);
  const time = `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  return zonedTimeToUtcMs(addCalendarDays(local.date, days), time, zone) + (instantMs % 60_000);
}

/**
 * A courtesy reminder: counted back from the due date (or on it), so it goes out before the
 * account is past due. It is not a collection communication: no collection language, no
 * validation notice before it; once the account is past due it no longer applies (skipped).
 */
export function isCourtesyStep(step: CadenceStep): boolean {
  return step.from === 'due_date' && durationToMs(step.after) <= 0;
}

/**
 * When an account becomes delinquent: 09:00 in the debtor's zone on the first day after its due
 * date. An account enrolled before then is `current`: only courtesy reminders, and its collection
 * cadence (and the validation notice) starts at this moment.
 */
export function delinquentFromMs(dueDate: string, timezone: string): number {
  return zonedTimeToUtcMs(addCalendarDays(dueDate, 1), '09:00', timezone);
}
