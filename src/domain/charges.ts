/**
 * Late fees and interest charged by the creditor's rules, as pure arithmetic: which charges are due
 * by a day, for which debt and period, and how much — capped by the law of the debtor's state
 * (a table like the statute-of-limitations one, with per-creditor overrides) and never charged
 * where the contract does not allow it (12 CFR 1006.22(b): no amount not expressly authorized by
 * the agreement or permitted by law), after a charge-off, or for days a dispute awaited
 * verification or a plan was being kept.
 *
 * Each charge has a key (debt and period) that the ledger posts once. Money stays in integer minor
 * units of the account's currency; a percentage is applied with round-half-up to whole minor units
 * (for a currency without minor units, whole units).
 *
 * NOT LEGAL ADVICE. The caps below are the commonly published general usury limits on consumer
 * contract interest; counsel reviews them per creditor and product (special statutes, licences and
 * choice of law change them) and records the result as that creditor's overrides.
 */
import { addDays } from './arrangements';

/** The creditor's contract terms for charges; absent parts are not allowed. */
export interface ChargeRules {
  lateFee?: {
    /** A fixed fee, or a percentage (basis points) of the debt's original amount; the smaller if both. */
    amountMinor?: number;
    percentBps?: number;
    /** Charged when the debt is this many days past due. */
    afterDaysPastDue: number;
    /** Once per debt, or again every month it stays unpaid. */
    per: 'debt' | 'month';
    /** The most the late fees on one debt may add up to. */
    maxPerDebtMinor?: number;
  };
  interest?: {
    /** Annual rate in basis points (1,800 = 18%). */
    annualRateBps: number;
    /** Daily: rate/365 (366 in a leap year) on each day's principal; monthly: rate/12 on the principal at the month's end. */
    accrual: 'daily' | 'monthly';
  };
}

/** What the law allows in a state for a product (absent: no limit in this table). */
export interface ChargeCap {
  maxAnnualInterestBps?: number;
  interestAllowed?: boolean;
  feesAllowed?: boolean;
  maxLateFeeMinor?: number;
  source: string;
}

/**
 * General usury limits on consumer contract interest (percent a year, as basis points), from the
 * commonly published state tables; states whose limit floats with a reference rate are left out
 * (no cap from this table: the creditor's override must set one).
 */
const GENERAL_INTEREST_CAPS_BPS: Readonly<Record<string, number>> = {
  AL: 800, AZ: 1000, AR: 1700, CA: 1000, CO: 1200, CT: 1200, DC: 2401, FL: 1800, GA: 1600, HI: 1200, ID: 1200, IL: 900,
  IN: 1000, KS: 1500, LA: 1200, MD: 2400, MA: 2000, MI: 700, MN: 800, MO: 900, NE: 1600, NY: 1600, NC: 800, PA: 600,
  SC: 1400, SD: 1200, TX: 1800, UT: 1200, VT: 1200, VA: 800, WY: 1000,
};

/** By state, then product ('*': every product); product rows win over '*'. */
export const CHARGE_CAPS: Readonly<Record<string, Readonly<Record<string, ChargeCap>>>> = Object.fromEntries(
  Object.entries(GENERAL_INTEREST_CAPS_BPS).map(([state, bps]) => [state, { '*': { maxAnnualInterestBps: bps, source: `general usury limit, ${state} (review with counsel)` } }]),
);

/** The cap for a state and product: the table, then the creditor's overrides (which may only be stricter or name a limit the table lacks). */
export function chargeCap(state: string | null, product: string, overrides: Readonly<Record<string, Partial<ChargeCap>>> = {}): ChargeCap {
  const table = state ? { ...CHARGE_CAPS[state]?.['*'], ...CHARGE_CAPS[state]?.[product] } : {};
  const own = { ...(state ? overrides[state] : undefined), ...(state ? overrides[`${state}/${product}`] : undefined) };
  const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  return {
    maxAnnualInterestBps: min(table.maxAnnualInterestBps, own.maxAnnualInterestBps),
    maxLateFeeMinor: min(table.maxLateFeeMinor, own.maxLateFeeMinor),
    interestAllowed: table.interestAllowed === false || own.interestAllowed === false ? false : undefined,
    feesAllowed: table.feesAllowed === false || own.feesAllowed === false ? false : undefined,
    source: [table.source, own.source].filter(Boolean).join('; ') || 'no limit in the table',
  };
}

/** A debt that charges apply to (the creditor's invoices, not fees or interest: no compounding). */
export interface PrincipalDebt {
  debtId: string;
  dueDate: string; // YYYY-MM-DD
  originalMinor: number;
  /** The debt's principal outstanding over time: each change and the day it took effect, oldest first. */
  changes: { date: string; deltaMinor: number }[];
}

export interface DueCharge {
  /** Posted once: the ledger's adjustment id. */
  key: string;
  kind: 'fee' | 'interest';
  debtId: string;
  amountMinor: number;
  description: string;
}

/** Days on which nothing may be charged (a dispute awaiting verification, a plan being kept): [from, to) as dates. */
export type Suspension = { from: string; to: string | null };

const suspended = (date: string, suspensions: readonly Suspension[]) => suspensions.some((s) => date >= s.from && (s.to === null || date < s.to));
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const monthOf = (date: string) => date.slice(0, 7);
const firstOfNextMonth = (date: string) => {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};
/** a × b / c, rounded half up, in integers (exact: BigInt). */
const mulDiv = (a: number, b: number, c: number) => Number((BigInt(a) * BigInt(b) * 2n + BigInt(c)) / (2n * BigInt(c)));

function principalOn(debt: PrincipalDebt, date: string): number {
  return debt.changes.filter((c) => c.date <= date).reduce((sum, c) => sum + c.deltaMinor, 0);
}

/**
 * The charges due on the debts by `through` (the debtor's local date, today), with the keys the
 * ledger posts them under once: a late fee on the day the debt is `afterDaysPastDue` past due (and
 * the same day each month after, if so), interest for each calendar month that ended before
 * `through` (a month not yet over is not charged).
 */
export function dueCharges(input: { debts: readonly PrincipalDebt[]; rules: ChargeRules; cap: ChargeCap; through: string; suspensions: readonly Suspension[]; currency: string }): DueCharge[] {
  const { rules, cap, through, suspensions } = input;
  const charges: DueCharge[] = [];
  for (const debt of input.debts) {
    const fee = rules.lateFee;
    if (fee && cap.feesAllowed !== false) {
      let charged = 0;
      for (let on = addDays(debt.dueDate, fee.afterDaysPastDue), n = 0; on <= through && n < 600; on = addMonthsClamped(on, 1), n++) {
        const period = fee.per === 'debt' ? 'once' : monthOf(on);
        const byRule = Math.min(fee.amountMinor ?? Infinity, fee.percentBps !== undefined ? mulDiv(debt.originalMinor, fee.percentBps, 10_000) : Infinity);
        const amount = Math.min(byRule, cap.maxLateFeeMinor ?? Infinity, (fee.maxPerDebtMinor ?? Infinity) - charged);
        if (Number.isFinite(amount) && amount > 0 && principalOn(debt, on) > 0 && !suspended(on, suspensions)) {
          charges.push({ key: `late-fee.${debt.debtId}.${period}`, kind: 'fee', debtId: debt.debtId, amountMinor: amount, description: `Late fee on ${debt.debtId} (${fee.per === 'debt' ? `${fee.afterDaysPastDue} days past due` : `for ${period}`})` });
          charged += amount;
        }
        if (fee.per === 'debt') break;
      }
    }
    const interest = rules.interest;
    if (interest && cap.interestAllowed !== false) {
      const rateBps = Math.min(interest.annualRateBps, cap.maxAnnualInterestBps ?? Infinity);
      // Interest runs from the day after the due date, month by month, for months that have ended before `through`.
      for (let monthStart = `${monthOf(addDays(debt.dueDate, 1))}-01`; firstOfNextMonth(monthStart) <= through; monthStart = firstOfNextMonth(monthStart)) {
        const monthEnd = addDays(firstOfNextMonth(monthStart), -1);
        const from = monthStart > debt.dueDate ? monthStart : addDays(debt.dueDate, 1);
        let amount: number;
        if (interest.accrual === 'daily') {
          // Each day: principal × rate / 10,000 / days in that year. Over the common denominator
          // 365 × 366 × 10,000 every day's share is an integer, so the sum is exact and rounded once.
          let numerator = 0n;
          for (let day = from; day <= monthEnd; day = addDays(day, 1)) {
            if (suspended(day, suspensions)) continue;
            const otherYearLength = isLeap(Number(day.slice(0, 4))) ? 365n : 366n;
            numerator += BigInt(principalOn(debt, day)) * BigInt(rateBps) * otherYearLength;
          }
          const denominator = 365n * 366n * 10_000n;
          amount = Number((numerator * 2n + denominator) / (2n * denominator));
        } else {
          const fullMonth = from === monthStart && !suspensionsTouch(monthStart, monthEnd, suspensions);
          amount = fullMonth ? mulDiv(principalOn(debt, monthEnd), rateBps, 12 * 10_000) : 0;
        }
        if (amount > 0)
          charges.push({ key: `interest.${debt.debtId}.${monthOf(monthStart)}`, kind: 'interest', debtId: debt.debtId, amountMinor: amount, description: `Interest on ${debt.debtId} for ${monthOf(monthStart)} (${Math.floor(rateBps / 100)}.${String(rateBps % 100).padStart(2, '0')}% a year, ${interest.accrual})` });
      }
    }
  }
  return charges;
}

function suspensionsTouch(from: string, to: string, suspensions: readonly Suspension[]): boolean {
  return suspensions.some((s) => s.from <= to && (s.to === null || s.to > from));
}

function addMonthsClamped(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

/**
 * The next local date on which a charge may fall due after `after` (the engine wakes then): a
 * late fee's day, or the first of a month (interest for the month just ended). Null when the
 * rules charge nothing.
 */
export function nextChargeDate(rules: ChargeRules, debts: readonly { dueDate: string }[], after: string): string | null {
  const candidates: string[] = [];
  if (rules.interest) candidates.push(firstOfNextMonth(after));
  if (rules.lateFee)
    for (const debt of debts) {
      let on = addDays(debt.dueDate, rules.lateFee.afterDaysPastDue);
      for (let n = 0; on <= after && rules.lateFee.per === 'month' && n < 600; n++) on = addMonthsClamped(on, 1);
      if (on > after) candidates.push(on);
    }
  return candidates.sort()[0] ?? null;
}

