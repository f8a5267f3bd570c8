/**
 * The collector's negotiating tools as pure rules: promises to pay, repayment plans proposed from
 * the debtor's budget, settlements and credit extensions, each checked against the creditor's
 * limits. Workflow-safe: no I/O, no clock (today is always passed in). Money in minor units.
 */
import type { CardRetryRules } from './card-retry';
import { formatMoney } from './money';

export interface ArrangementRules {
  promise: { maxDaysAhead: number; graceDays: number };
  plan: {
    minInstalmentMinor: number;
    maxTermMonths: number;
    minDownPaymentPercent: number;
    /** Share of monthly income left after expenses that an instalment may take. */
    affordabilityPercent: number;
    reminderDaysBefore: number;
    graceDays: number;
    /** Missed instalments after which the plan is in default. */
    maxMisses: number;
  };
  settlement: { allowed: boolean; floorPercent: number };
  extension: { maxDays: number; maxPerAccount: number; approvalAboveDays: number };
  /** Added as a fee debt when a payment comes back; 0 for none. */
  returnedPaymentFeeMinor: number;
  /** How long a paid or settled account stays open for a payment that comes back. */
  reopenWindowDays: number;
  /** Retries of a failed automatic payment from a card or bank account on file (defaults in card-retry.ts). */
  cardRetries?: CardRetryRules;
}

export const DEFAULT_ARRANGEMENT_RULES: ArrangementRules = {
  promise: { maxDaysAhead: 30, graceDays: 3 },
  plan: { minInstalmentMinor: 2_500, maxTermMonths: 12, minDownPaymentPercent: 0, affordabilityPercent: 50, reminderDaysBefore: 3, graceDays: 5, maxMisses: 2 },
  settlement: { allowed: false, floorPercent: 60 },
  extension: { maxDays: 30, maxPerAccount: 2, approvalAboveDays: 14 },
  returnedPaymentFeeMinor: 0,
  reopenWindowDays: 120,
};

/** A request that breaks a rule: `field` names what to fix. */
export class ArrangementError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ArrangementError';
  }
}

// ---- dates (calendar days, YYYY-MM-DD) -------------------------------------------------------
const DAY_MS = 86_400_000;
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
/** Same day of the month `months` later, clamped to the month's last day (Jan 31 + 1 → Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}
function isDate(text: unknown): text is string {
  return typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) && addDays(text, 0) === text;
}
function positiveMinor(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new ArrangementError(field, 'must be a positive whole number of minor units (cents)');
  return value;
}
function nonNegativeMinor(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ArrangementError(field, 'must be a whole number of minor units (cents), zero or more');
  return value;
}
function requiredText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ArrangementError(field, 'is required');
  return value.trim();
}

// ---- promise to pay -------------------------------------------------------------------------
export const PROMISE_CHANNELS = ['phone', 'email', 'sms', 'letter', 'portal', 'in_person', 'operator', 'debtor_page'] as const;
export interface PromiseRequest {
  amountMinor: number;
  /** The day the debtor promised to pay by, in the debtor's calendar. */
  date: string;
  channel: (typeof PROMISE_CHANNELS)[number];
  takenBy: string;
}

export function validatePromise(request: PromiseRequest, context: { today: string; balanceMinor: number; currency: string; rules: ArrangementRules }): PromiseRequest {
  const amountMinor = positiveMinor(request?.amountMinor, 'amountMinor');
  if (amountMinor > context.balanceMinor)
    throw new ArrangementError('amountMinor', `${formatMoney({ amountMinor, currency: context.currency })} is more than the balance of ${formatMoney({ amountMinor: context.balanceMinor, currency: context.currency })}`);
  if (!isDate(request.date)) throw new ArrangementError('date', 'must be a calendar date YYYY-MM-DD');
  if (request.date < context.today) throw new ArrangementError('date', `${request.date} is in the past (today is ${context.today})`);
  const latest = addDays(context.today, context.rules.promise.maxDaysAhead);
  if (request.date > latest) throw new ArrangementError('date', `${request.date} is after ${latest}: the creditor accepts promises at most ${context.rules.promise.maxDaysAhead} days ahead`);
  if (!(PROMISE_CHANNELS as readonly string[]).includes(request.channel)) throw new ArrangementError('channel', `must be one of ${PROMISE_CHANNELS.join(', ')}`);
  return { amountMinor, date: request.date, channel: request.channel, takenBy: requiredText(request.takenBy, 'takenBy') };
}

// ---- repayment plans ------------------------------------------------------------------------
export const PLAN_FREQUENCIES = ['weekly', 'fortnightly', 'monthly'] as const;
export type PlanFrequency = (typeof PLAN_FREQUENCIES)[number];

export interface Instalment {
  number: number; // 0 is the down payment
  dueDate: string;
  amountMinor: number;
}

export interface PlanTerms {
  frequency: PlanFrequency;
  startDate: string;
  downPaymentMinor: number;
  instalmentMinor: number;
  /** What the plan collects: the balance, or the settlement amount agreed for less. */
  totalMinor: number;
  /** True when the plan settles the debt for less than the balance. */
  settlement: boolean;
}

export interface PlanProposal extends PlanTerms {
  feasible: boolean;
  reason: string | null;
  /** The most an instalment may be from the debtor's budget, when income and expenses were given. */
  affordableInstalmentMinor: number | null;
  schedule: Instalment[];
}

export interface BudgetRequest {
  /** Monthly income and essential expenses, minor units. */
  monthlyIncomeMinor?: number;
  monthlyExpensesMinor?: number;
  startDate?: string;
  /** Settle for this amount instead of the balance (only when the creditor allows it). */
  settlementAmountMinor?: number;
}

const PERIODS_PER_YEAR: Record<PlanFrequency, number> = { weekly: 52, fortnightly: 26, monthly: 12 };

function dueDateOf(startDate: string, frequency: PlanFrequency, index: number): string {
  if (frequency === 'monthly') return addMonths(startDate, index);
  return addDays(startDate, index * (frequency === 'weekly' ? 7 : 14));
}

/** The down payment on the start date, then instalments every period, the last one smaller. */
export function planSchedule(terms: PlanTerms): Instalment[] {
  const schedule: Instalment[] = [];
  let left = terms.totalMinor;
  let period = 0;
  if (terms.downPaymentMinor > 0) {
    schedule.push({ number: 0, dueDate: terms.startDate, amountMinor: Math.min(terms.downPaymentMinor, left) });
    left -= schedule[0]!.amountMinor;
    period = 1;
  }
  while (left > 0) {
    const amountMinor = Math.min(terms.instalmentMinor, left);
    schedule.push({ number: schedule.length + (terms.downPaymentMinor > 0 ? 0 : 1), dueDate: dueDateOf(terms.startDate, terms.frequency, period), amountMinor });
    left -= amountMinor;
    period += 1;
  }
  return schedule;
}

function affordablePerPeriod(budget: BudgetRequest, frequency: PlanFrequency, rules: ArrangementRules): number | null {
  if (budget.monthlyIncomeMinor === undefined) return null;
  const disposable = Math.max(0, budget.monthlyIncomeMinor - (budget.monthlyExpensesMinor ?? 0));
  const monthly = Math.floor((disposable * rules.plan.affordabilityPercent) / 100);
  return Math.floor((monthly * 12) / PERIODS_PER_YEAR[frequency]);
}

function planTotal(balanceMinor: number, budget: BudgetRequest, rules: ArrangementRules, currency: string): { totalMinor: number; settlement: boolean } {
  if (budget.settlementAmountMinor === undefined || budget.settlementAmountMinor >= balanceMinor) return { totalMinor: balanceMinor, settlement: false };
  const amount = positiveMinor(budget.settlementAmountMinor, 'settlementAmountMinor');
  if (!rules.settlement.allowed) throw new ArrangementError('settlementAmountMinor', 'this creditor does not settle for less than the balance');
  const floor = Math.ceil((balanceMinor * rules.settlement.floorPercent) / 100);
  if (amount < floor)
    throw new ArrangementError('settlementAmountMinor', `${formatMoney({ amountMinor: amount, currency })} is below the creditor's floor of ${rules.settlement.floorPercent}% (${formatMoney({ amountMinor: floor, currency })})`);
  return { totalMinor: amount, settlement: true };
}

function validateBudget(budget: BudgetRequest, today: string): string {
  if (budget.monthlyIncomeMinor !== undefined) nonNegativeMinor(budget.monthlyIncomeMinor, 'monthlyIncomeMinor');
  if (budget.monthlyExpensesMinor !== undefined) nonNegativeMinor(budget.monthlyExpensesMinor, 'monthlyExpensesMinor');
  if (budget.monthlyExpensesMinor !== undefined && budget.monthlyIncomeMinor === undefined) throw new ArrangementError('monthlyIncomeMinor', 'is required when expenses are given');
  const startDate = budget.startDate ?? today;
  if (!isDate(startDate)) throw new ArrangementError('startDate', 'must be a calendar date YYYY-MM-DD');
  if (startDate < today) throw new ArrangementError('startDate', `${startDate} is in the past (today is ${today})`);
  return startDate;
}

/** One proposal per frequency: the shortest schedule the debtor's budget and the creditor's rules allow. */
export function proposePlans(input: { balanceMinor: number; currency: string; today: string; rules: ArrangementRules } & BudgetRequest): PlanProposal[] {
  const { rules, currency } = input;
  const startDate = validateBudget(input, input.today);
  const { totalMinor, settlement } = planTotal(input.balanceMinor, input, rules, currency);
  const downPaymentMinor = Math.ceil((totalMinor * rules.plan.minDownPaymentPercent) / 100);
  const financed = totalMinor - downPaymentMinor;
  return PLAN_FREQUENCIES.map((frequency) => {
    const maxInstalments = Math.max(1, Math.floor((rules.plan.maxTermMonths * PERIODS_PER_YEAR[frequency]) / 12));
    const needed = Math.max(Math.min(rules.plan.minInstalmentMinor, financed), Math.ceil(financed / maxInstalments));
    const affordable = affordablePerPeriod(input, frequency, rules);
    let feasible = true;
    let reason: string | null = null;
    let instalmentMinor = needed;
    if (affordable !== null) {
      if (affordable < needed) {
        feasible = false;
        reason = `needs ${formatMoney({ amountMinor: needed, currency })} ${frequency} within ${rules.plan.maxTermMonths} months, but the budget allows ${formatMoney({ amountMinor: affordable, currency })}`;
      } else instalmentMinor = Math.min(affordable, Math.max(financed, 1));
    }
    const terms: PlanTerms = { frequency, startDate, downPaymentMinor, instalmentMinor, totalMinor, settlement };
    return { ...terms, feasible, reason, affordableInstalmentMinor: affordable, schedule: planSchedule(terms) };
  });
}

export interface PlanRequest extends BudgetRequest {
  frequency: PlanFrequency;
  /** Omitted: the proposal for this frequency. */
  instalmentMinor?: number;
  downPaymentMinor?: number;
  acceptedBy: string;
  /** Accepted by the debtor on their page: they get a confirmation. */
  via?: 'debtor_page';
}

/** Checks a plan against the creditor's rules and the debtor's budget; returns its terms and schedule. */
export function validatePlan(request: PlanRequest, context: { today: string; balanceMinor: number; currency: string; rules: ArrangementRules }): { terms: PlanTerms; schedule: Instalment[] } {
  const { rules, currency } = context;
  if (!(PLAN_FREQUENCIES as readonly string[]).includes(request?.frequency)) throw new ArrangementError('frequency', `must be one of ${PLAN_FREQUENCIES.join(', ')}`);
  requiredText(request.acceptedBy, 'acceptedBy');
  const proposal = proposePlans({ ...request, balanceMinor: context.balanceMinor, currency, today: context.today, rules }).find((p) => p.frequency === request.frequency)!;
  const downPaymentMinor = request.downPaymentMinor === undefined ? proposal.downPaymentMinor : nonNegativeMinor(request.downPaymentMinor, 'downPaymentMinor');
  const minDown = Math.ceil((proposal.totalMinor * rules.plan.minDownPaymentPercent) / 100);
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency });
  if (downPaymentMinor < minDown) throw new ArrangementError('downPaymentMinor', `must be at least ${money(minDown)} (${rules.plan.minDownPaymentPercent}% of ${money(proposal.totalMinor)})`);
  if (downPaymentMinor > proposal.totalMinor) throw new ArrangementError('downPaymentMinor', `is more than the plan's total of ${money(proposal.totalMinor)}`);
  const financed = proposal.totalMinor - downPaymentMinor;
  const instalmentMinor = request.instalmentMinor === undefined ? (proposal.feasible ? proposal.instalmentMinor : Math.ceil(financed / Math.max(1, proposal.schedule.length))) : positiveMinor(request.instalmentMinor, 'instalmentMinor');
  if (instalmentMinor < Math.min(rules.plan.minInstalmentMinor, financed))
    throw new ArrangementError('instalmentMinor', `must be at least the creditor's minimum of ${money(rules.plan.minInstalmentMinor)}`);
  if (proposal.affordableInstalmentMinor !== null && instalmentMinor > proposal.affordableInstalmentMinor && instalmentMinor < financed)
    throw new ArrangementError('instalmentMinor', `${money(instalmentMinor)} ${request.frequency} is more than the budget allows (${money(proposal.affordableInstalmentMinor)})`);
  const terms: PlanTerms = { frequency: request.frequency, startDate: proposal.startDate, downPaymentMinor, instalmentMinor, totalMinor: proposal.totalMinor, settlement: proposal.settlement };
  const schedule = planSchedule(terms);
  const lastAllowed = addMonths(terms.startDate, rules.plan.maxTermMonths);
  const last = schedule[schedule.length - 1];
  if (last && last.dueDate > lastAllowed)
    throw new ArrangementError('instalmentMinor', `${schedule.length} payments would run to ${last.dueDate}, past the creditor's ${rules.plan.maxTermMonths}-month limit (${lastAllowed})`);
  return { terms, schedule };
}

// ---- credit extensions ----------------------------------------------------------------------
export interface ExtensionRequest {
  newDueDate: string;
  reason: string;
  grantedBy: string;
  /** Required when the extension is longer than the creditor lets one person grant alone. */
  approver?: string;
}

export function validateExtension(request: ExtensionRequest, context: { today: string; extensionsGranted: number; rules: ArrangementRules }): ExtensionRequest & { days: number } {
  const { rules } = context;
  if (!isDate(request?.newDueDate)) throw new ArrangementError('newDueDate', 'must be a calendar date YYYY-MM-DD');
  const days = daysBetween(context.today, request.newDueDate);
  if (days <= 0) throw new ArrangementError('newDueDate', `${request.newDueDate} is not after today (${context.today})`);
  requiredText(request.reason, 'reason');
  const grantedBy = requiredText(request.grantedBy, 'grantedBy');
  if (context.extensionsGranted >= rules.extension.maxPerAccount)
    throw new ArrangementError('newDueDate', `the account already had ${context.extensionsGranted} extension(s); the creditor allows ${rules.extension.maxPerAccount}`);
  if (days > rules.extension.maxDays)
    throw new ArrangementError('newDueDate', `${days} days is longer than the creditor's limit of ${rules.extension.maxDays} days (latest ${addDays(context.today, rules.extension.maxDays)})`);
  if (days > rules.extension.approvalAboveDays) {
    const approver = typeof request.approver === 'string' ? request.approver.trim() : '';
    if (approver === '') throw new ArrangementError('approver', `an extension of ${days} days (over ${rules.extension.approvalAboveDays}) needs an approver named in the request`);
    if (approver === grantedBy) throw new ArrangementError('approver', 'must be someone other than the person granting the extension');
  }
  return { ...request, grantedBy, days };
}
