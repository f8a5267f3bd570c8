/**
 * How a payment is spread over an account's debts. Pure integer arithmetic on minor units: the
 * allocations always add up to the payment, and anything beyond what is owed is an overpayment.
 */
export const ALLOCATION_RULES = ['oldest_first', 'newest_first', 'largest_first', 'smallest_first', 'proportional'] as const;
export type AllocationRule = (typeof ALLOCATION_RULES)[number];

export interface OutstandingDebt {
  debtId: string;
  dueDate: string; // YYYY-MM-DD
  outstandingMinor: number;
}

export interface Allocation {
  debtId: string;
  amountMinor: number;
}

export interface AllocationResult {
  allocations: Allocation[];
  /** What is left after every debt is cleared: held as a credit for the debtor. */
  overpaymentMinor: number;
}

export function allocatePayment(debts: OutstandingDebt[], amountMinor: number, rule: AllocationRule): AllocationResult {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new RangeError(`amountMinor must be a positive whole number, got ${amountMinor}`);
  const open = debts.filter((d) => d.outstandingMinor > 0);
  const owed = open.reduce((sum, d) => sum + d.outstandingMinor, 0);
  const applied = Math.min(amountMinor, owed);
  const allocations = rule === 'proportional' ? proportional(open, applied, owed) : sequential(order(open, rule), applied);
  return { allocations: allocations.filter((a) => a.amountMinor > 0), overpaymentMinor: amountMinor - applied };
}

function order(debts: OutstandingDebt[], rule: Exclude<AllocationRule, 'proportional'>): OutstandingDebt[] {
  // Ties fall back to the debt id, so the same debts always allocate the same way.
  const byId = (a: OutstandingDebt, b: OutstandingDebt) => (a.debtId < b.debtId ? -1 : a.debtId > b.debtId ? 1 : 0);
  const byDate = (a: OutstandingDebt, b: OutstandingDebt) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0);
  const compare: Record<typeof rule, (a: OutstandingDebt, b: OutstandingDebt) => number> = {
    oldest_first: (a, b) => byDate(a, b) || byId(a, b),
    newest_first: (a, b) => byDate(b, a) || byId(a, b),
    largest_first: (a, b) => b.outstandingMinor - a.outstandingMinor || byDate(a, b) || byId(a, b),
    smallest_first: (a, b) => a.outstandingMinor - b.outstandingMinor || byDate(a, b) || byId(a, b),
  };
  return [...debts].sort(compare[rule]);
}

function sequential(debts: OutstandingDebt[], amountMinor: number): Allocation[] {
  let left = amountMinor;
  return debts.map((debt) => {
    const take = Math.min(left, debt.outstandingMinor);
    left -= take;
    return { debtId: debt.debtId, amountMinor: take };
  });
}

/** Shares in proportion to what each debt owes; the remainder cents go to the oldest debts first. */
function proportional(debts: OutstandingDebt[], amountMinor: number, owedMinor: number): Allocation[] {
  if (owedMinor === 0) return [];
  const ordered = order(debts, 'oldest_first');
  // BigInt keeps amount × outstanding exact beyond 2^53.
  const shares = ordered.map((d) => ({ debtId: d.debtId, amountMinor: Number((BigInt(amountMinor) * BigInt(d.outstandingMinor)) / BigInt(owedMinor)), cap: d.outstandingMinor }));
  let remainder = amountMinor - shares.reduce((s, a) => s + a.amountMinor, 0);
  for (const share of shares) {
    if (remainder === 0) break;
    const room = share.cap - share.amountMinor;
    const add = Math.min(room, remainder);
    share.amountMinor += add;
    remainder -= add;
  }
  return shares.map(({ debtId, amountMinor: a }) => ({ debtId, amountMinor: a }));
}
