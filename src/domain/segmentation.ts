import type { AccountProfile, Product } from './account';
import { daysPastDue } from './account';

/** One rule of a creditor's segmentation: every bound given must hold. */
export interface SegmentRule {
  cadence: string;
  product?: Product;
  minBalanceMinor?: number;
  maxBalanceMinor?: number;
  minDaysPastDue?: number;
  maxDaysPastDue?: number;
  minRiskScore?: number;
  maxRiskScore?: number;
}

export interface Segmentation {
  rules: SegmentRule[];
  defaultCadence: string;
}

const within = (value: number | null, min?: number, max?: number) =>
  (min === undefined && max === undefined) || (value !== null && (min === undefined || value >= min) && (max === undefined || value <= max));

/** The first matching rule wins (as in Kill Bill's overdue states); the default otherwise. */
export function chooseCadence(segmentation: Segmentation, account: AccountProfile, nowIso: string): { cadence: string; rule: number | null } {
  const dpd = daysPastDue(account.dueDate, nowIso);
  const index = segmentation.rules.findIndex(
    (rule) =>
      (rule.product === undefined || rule.product === account.product) &&
      within(account.balanceMinor, rule.minBalanceMinor, rule.maxBalanceMinor) &&
      within(dpd, rule.minDaysPastDue, rule.maxDaysPastDue) &&
      within(account.riskScore ?? null, rule.minRiskScore, rule.maxRiskScore),
  );
  return index >= 0 ? { cadence: segmentation.rules[index]!.cadence, rule: index } : { cadence: segmentation.defaultCadence, rule: null };
}
