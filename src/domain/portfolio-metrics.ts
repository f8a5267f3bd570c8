/**
 * Portfolio metrics as pure computations over what the ledger and the contact history hold:
 * aging buckets, collection rate, the Collection Effectiveness Index, promises kept, contacts per
 * channel and roll rates between aging buckets. No I/O, no clock (dates are always passed in).
 *
 * Money is integer minor units and is only ever added within one creditor and one currency.
 * Rates are exact ratios of integers; they are rounded only when displayed (formatPercent).
 * Dates are calendar days, YYYY-MM-DD, counted in UTC.
 */

// ---- buckets, days ---------------------------------------------------------------------------
export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '91-120', 'over-120'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** Where a debt's opening balance is at the period end: an aging bucket, or gone (paid, written off). */
export const ROLL_DESTINATIONS = [...AGING_BUCKETS, 'paid', 'written-off'] as const;
export type RollDestination = (typeof ROLL_DESTINATIONS)[number];

export const CONTACT_CHANNELS = ['email', 'sms', 'call', 'letter'] as const;
export const CONTACT_MEASURES = ['sent', 'suppressed', 'deferred', 'failed'] as const;
export type ContactMeasure = (typeof CONTACT_MEASURES)[number];

const DAY_MS = 86_400_000;

export function isCalendarDate(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`); // NaN for month 13; 2026-02-30 parses as March 2
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

function calendarDate(text: string, field: string): number {
  if (!isCalendarDate(text)) throw new RangeError(`${field} is not a calendar date YYYY-MM-DD: "${text}"`);
  return Date.parse(`${text}T00:00:00Z`);
}

export function addDays(date: string, days: number): string {
  return new Date(calendarDate(date, 'date') + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from the due date to the as-of date: 0 on the due date, 1 the day after, negative before. */
export function daysPastDue(dueDate: string, asOf: string): number {
  return (calendarDate(asOf, 'asOf') - calendarDate(dueDate, 'dueDate')) / DAY_MS;
}

/** current: not yet past due (0 days or fewer); then 1–30, 31–60, 61–90, 91–120 and over 120 days. */
export function agingBucket(days: number): AgingBucket {
  if (!Number.isInteger(days)) throw new RangeError(`days past due must be a whole number, got ${days}`);
  if (days <= 0) return 'current';
  if (days <= 30) return '1-30';
  if (days <= 60) return '31-60';
  if (days <= 90) return '61-90';
  if (days <= 120) return '91-120';
  return 'over-120';
}

// ---- exact arithmetic and ratios -------------------------------------------------------------
/** Adds minor units, refusing to leave the safe integer range (a float never touches money). */
export function addMinor(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || !Number.isSafeInteger(sum)) throw new RangeError(`amount out of the safe integer range: ${a} + ${b}`);
  return sum;
}
const sumMinor = (values: number[]) => values.reduce(addMinor, 0);

/** numerator ÷ denominator, both integers; null stands for "not defined" (nothing to divide by). */
export interface Ratio {
  numerator: number;
  denominator: number;
}

export function ratio(numerator: number, denominator: number): Ratio | null {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) throw new RangeError(`a ratio needs whole numbers, got ${numerator}/${denominator}`);
  return denominator === 0 ? null : { numerator, denominator };
}

/**
 * The ratio as a percentage with `decimals` places, rounded half away from zero on exact integers
 * ("87.50"); '' for an undefined ratio. No binary floating point is involved.
 */
export function percentDigits(value: Ratio | null, decimals = 2): string {
  if (value === null) return '';
  let n = BigInt(value.numerator);
  let d = BigInt(value.denominator);
  if (d < 0n) [n, d] = [-n, -d];
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const scaled = abs * 100n * 10n ** BigInt(decimals);
  const rounded = (scaled * 2n + d) / (2n * d); // half away from zero
  const text = rounded.toString().padStart(decimals + 1, '0');
  const whole = text.slice(0, text.length - decimals);
  const fraction = decimals > 0 ? `.${text.slice(text.length - decimals)}` : '';
  return `${negative && rounded !== 0n ? '-' : ''}${whole}${fraction}`;
}

/** "87.5%", or "n/a" when the ratio is not defined. */
export function formatPercent(value: Ratio | null, decimals = 1): string {
  return value === null ? 'n/a' : `${percentDigits(value, decimals)}%`;
}

/** A ratio scaled to 0..scale for drawing (whole units, clamped); 0 when undefined. */
export function scaleRatio(value: Ratio | null, scale: number): number {
  if (value === null || value.numerator <= 0 || value.denominator <= 0) return 0;
  const scaled = (BigInt(value.numerator) * BigInt(scale) * 2n + BigInt(value.denominator)) / (2n * BigInt(value.denominator));
  return Number(scaled > BigInt(scale) ? BigInt(scale) : scaled);
}

// ---- input rows ------------------------------------------------------------------------------
/**
 * One debt as the ledger derives it: its receivable at the opening (close of the day before the
 * period) and at the closing (close of the period's last day), and its movements in the period.
 */
export interface DebtPosition {
  creditorId: string;
  currency: string;
  accountKey: string;
  debtId: string;
  dueDate: string;
  openingMinor: number;
  closingMinor: number;
  /** Receivable debited by charges, fees and interest effective in the period. */
  chargedMinor: number;
  /** Receivable credited by payments effective in the period (what the payments were applied to this debt). */
  paidMinor: number;
  /** Receivable debited again by reversals (returned payments) effective in the period. */
  reversedMinor: number;
  /** Receivable credited by write-offs effective in the period. */
  writtenOffMinor: number;
  /** Every other net credit to the receivable in the period (credits, adjustments). */
  adjustedMinor: number;
}

/** An arrangement row as the reports read it (only promises count here). */
export interface ArrangementRecord {
  arrangementId: string;
  creditorId: string;
  kind: 'promise' | 'plan' | 'extension' | string;
  status: string;
  createdAt: string; // ISO instant
  resolvedAt: string | null; // ISO instant
}

export interface ContactCountRow {
  creditorId: string;
  channel: string;
  measure: ContactMeasure;
  count: number;
}

/** The period: whole days from `from` to `to`, both included. */
export interface ReportPeriod {
  from: string;
  to: string;
}

/** The instants that bound a period: [start, end), and the two dates aging is taken on. */
export function periodBounds(period: ReportPeriod): { start: string; end: string; openingAsOf: string; closingAsOf: string } {
  const from = calendarDate(period.from, 'from');
  const to = calendarDate(period.to, 'to');
  if (to < from) throw new RangeError(`the period must not end before it starts: ${period.from} .. ${period.to}`);
  return {
    start: new Date(from).toISOString(),
    end: new Date(to + DAY_MS).toISOString(),
    openingAsOf: addDays(period.from, -1),
    closingAsOf: period.to,
  };
}

// ---- aging -----------------------------------------------------------------------------------
export interface BucketAmount {
  balanceMinor: number;
  debts: number;
}

export interface AgingSnapshot {
  asOf: string;
  buckets: Record<AgingBucket, BucketAmount>;
  totalMinor: number;
  debts: number;
}

const emptyBuckets = (): Record<AgingBucket, BucketAmount> =>
  Object.fromEntries(AGING_BUCKETS.map((b) => [b, { balanceMinor: 0, debts: 0 }])) as Record<AgingBucket, BucketAmount>;

/** Ages debts of ONE creditor and currency as of a date: each debt whole in its bucket by its own due date. */
export function agingSnapshot(debts: Array<{ dueDate: string; balanceMinor: number }>, asOf: string): AgingSnapshot {
  const buckets = emptyBuckets();
  let totalMinor = 0;
  let count = 0;
  for (const debt of debts) {
    if (debt.balanceMinor === 0) continue;
    const bucket = buckets[agingBucket(daysPastDue(debt.dueDate, asOf))];
    bucket.balanceMinor = addMinor(bucket.balanceMinor, debt.balanceMinor);
    bucket.debts += 1;
    totalMinor = addMinor(totalMinor, debt.balanceMinor);
    count += 1;
  }
  return { asOf, buckets, totalMinor, debts: count };
}

/** Aging per creditor and currency (never adding currencies), sorted by creditor then currency. */
export function agingByGroup(debts: Array<{ creditorId: string; currency: string; dueDate: string; balanceMinor: number }>, asOf: string): Array<{ creditorId: string; currency: string } & AgingSnapshot> {
  return groupBy(debts, (d) => [d.creditorId, d.currency]).map(([[creditorId, currency], rows]) => ({ creditorId, currency, ...agingSnapshot(rows, asOf) }));
}

// ---- collection rate and CEI -----------------------------------------------------------------
/** Collected net of reversals ÷ (receivables at the start + new charges in the period). */
export function collectionRate(input: { openingReceivablesMinor: number; chargesMinor: number; collectedMinor: number }): Ratio | null {
  return ratio(input.collectedMinor, addMinor(input.openingReceivablesMinor, input.chargesMinor));
}

/**
 * CEI = (beginning receivables + charges − ending total receivables)
 *     ÷ (beginning receivables + charges − ending current receivables) × 100.
 * The ratio returned is the fraction; formatPercent shows it × 100.
 */
export function collectionEffectivenessIndex(input: { beginningReceivablesMinor: number; chargesMinor: number; endingTotalMinor: number; endingCurrentMinor: number }): Ratio | null {
  const available = addMinor(input.beginningReceivablesMinor, input.chargesMinor);
  return ratio(addMinor(available, -input.endingTotalMinor), addMinor(available, -input.endingCurrentMinor));
}

export interface CollectionFigures {
  openingReceivablesMinor: number;
  chargesMinor: number;
  paymentsMinor: number;
  reversalsMinor: number;
  /** Payments applied to the receivable minus reversals, both effective in the period. */
  collectedMinor: number;
  writtenOffMinor: number;
  adjustedMinor: number;
  closingReceivablesMinor: number;
  closingCurrentMinor: number;
  collectionRate: Ratio | null;
  cei: Ratio | null;
}

/** The collection figures of ONE creditor and currency from its debts' positions. */
export function collectionFigures(debts: DebtPosition[], closingAsOf: string): CollectionFigures {
  const total = (pick: (d: DebtPosition) => number) => sumMinor(debts.map(pick));
  const openingReceivablesMinor = total((d) => d.openingMinor);
  const chargesMinor = total((d) => d.chargedMinor);
  const paymentsMinor = total((d) => d.paidMinor);
  const reversalsMinor = total((d) => d.reversedMinor);
  const collectedMinor = addMinor(paymentsMinor, -reversalsMinor);
  const closingReceivablesMinor = total((d) => d.closingMinor);
  const closingCurrentMinor = total((d) => (agingBucket(daysPastDue(d.dueDate, closingAsOf)) === 'current' ? d.closingMinor : 0));
  return {
    openingReceivablesMinor,
    chargesMinor,
    paymentsMinor,
    reversalsMinor,
    collectedMinor,
    writtenOffMinor: total((d) => d.writtenOffMinor),
    adjustedMinor: total((d) => d.adjustedMinor),
    closingReceivablesMinor,
    closingCurrentMinor,
    collectionRate: collectionRate({ openingReceivablesMinor, chargesMinor, collectedMinor }),
    cei: collectionEffectivenessIndex({ beginningReceivablesMinor: openingReceivablesMinor, chargesMinor, endingTotalMinor: closingReceivablesMinor, endingCurrentMinor: closingCurrentMinor }),
  };
}

// ---- roll rates ------------------------------------------------------------------------------
export interface RollRow {
  from: AgingBucket;
  /** Balance in `from` at the opening, over the debts that had one. */
  openingMinor: number;
  debts: number;
  /** Where that opening balance is at the closing (each debt's part capped at its opening balance). */
  to: Record<RollDestination, number>;
  shares: Record<RollDestination, Ratio | null>;
  /** Share that rolled into a later bucket (X+1 or beyond). */
  rollForward: Ratio | null;
}

/**
 * Roll rates per debt, for ONE creditor and currency. A debt with an opening balance S in bucket X
 * and a closing balance E in bucket Y (by its due date at the closing) puts min(S, E) in Y; the
 * rest of S left the receivable: up to the debt's write-offs in the period as "written-off", the
 * remainder (payments, credits) as "paid". Growth above S (a returned payment) is not S's, so it
 * is left out. Debts without an opening balance have nothing to roll.
 */
export function rollRates(debts: DebtPosition[], openingAsOf: string, closingAsOf: string): RollRow[] {
  const rows = new Map<AgingBucket, { openingMinor: number; debts: number; to: Record<RollDestination, number> }>();
  for (const bucket of AGING_BUCKETS) rows.set(bucket, { openingMinor: 0, debts: 0, to: Object.fromEntries(ROLL_DESTINATIONS.map((d) => [d, 0])) as Record<RollDestination, number> });
  for (const debt of debts) {
    if (debt.openingMinor <= 0) continue;
    const row = rows.get(agingBucket(daysPastDue(debt.dueDate, openingAsOf)))!;
    const stays = Math.min(debt.openingMinor, Math.max(debt.closingMinor, 0));
    const gone = debt.openingMinor - stays;
    const writtenOff = Math.min(gone, Math.max(debt.writtenOffMinor, 0));
    const closingBucket = agingBucket(daysPastDue(debt.dueDate, closingAsOf));
    row.openingMinor = addMinor(row.openingMinor, debt.openingMinor);
    row.debts += 1;
    row.to[closingBucket] = addMinor(row.to[closingBucket], stays);
    row.to['written-off'] = addMinor(row.to['written-off'], writtenOff);
    row.to.paid = addMinor(row.to.paid, gone - writtenOff);
  }
  return AGING_BUCKETS.map((from, index) => {
    const row = rows.get(from)!;
    const later = sumMinor(AGING_BUCKETS.slice(index + 1).map((b) => row.to[b]));
    return {
      from,
      ...row,
      shares: Object.fromEntries(ROLL_DESTINATIONS.map((d) => [d, ratio(row.to[d], row.openingMinor)])) as Record<RollDestination, Ratio | null>,
      rollForward: ratio(later, row.openingMinor),
    };
  });
}

// ---- promises --------------------------------------------------------------------------------
export interface PromiseFigures {
  creditorId: string;
  /** Promises made in the period. */
  made: number;
  /** Resolved in the period, by outcome; resolved = kept + partial + broken (cancelled ones are not judged). */
  kept: number;
  partial: number;
  broken: number;
  cancelled: number;
  resolved: number;
  /** Made before the period's end and not resolved by then. */
  openAtEnd: number;
  /** kept ÷ resolved. */
  keptRate: Ratio | null;
}

/** Promises to pay per creditor over [start, end) (ISO instants). */
export function promiseFigures(records: ArrangementRecord[], start: string, end: string): PromiseFigures[] {
  const startMs = Date.parse(start);
  const endMs = Date.parse(end);
  const within = (at: string | null) => at !== null && Date.parse(at) >= startMs && Date.parse(at) < endMs;
  return groupBy(
    records.filter((r) => r.kind === 'promise'),
    (r) => [r.creditorId],
  ).map(([[creditorId], rows]) => {
    const resolvedAs = (status: string) => rows.filter((r) => r.status === status && within(r.resolvedAt)).length;
    const kept = resolvedAs('kept');
    const partial = resolvedAs('partial');
    const broken = resolvedAs('broken');
    const resolved = kept + partial + broken;
    return {
      creditorId,
      made: rows.filter((r) => within(r.createdAt)).length,
      kept,
      partial,
      broken,
      cancelled: resolvedAs('cancelled'),
      resolved,
      openAtEnd: rows.filter((r) => Date.parse(r.createdAt) < endMs && (r.resolvedAt === null || Date.parse(r.resolvedAt) >= endMs)).length,
      keptRate: ratio(kept, resolved),
    };
  });
}

// ---- contacts --------------------------------------------------------------------------------
export interface ChannelFigures {
  channel: string;
  sent: number;
  suppressed: number;
  deferred: number;
  failed: number;
}

/** Per creditor, every channel (email, sms, call, letter first, then any other seen) with all four measures. */
export function contactsByChannel(rows: ContactCountRow[]): Array<{ creditorId: string; channels: ChannelFigures[] }> {
  return groupBy(rows, (r) => [r.creditorId]).map(([[creditorId], own]) => {
    const others = [...new Set(own.map((r) => r.channel))].filter((c) => !(CONTACT_CHANNELS as readonly string[]).includes(c)).sort();
    const channels = [...CONTACT_CHANNELS, ...others].map((channel) => {
      const figures: ChannelFigures = { channel, sent: 0, suppressed: 0, deferred: 0, failed: 0 };
      for (const row of own) if (row.channel === channel) figures[row.measure] += row.count;
      return figures;
    });
    return { creditorId, channels };
  });
}

// ---- the whole report ------------------------------------------------------------------------
export interface PortfolioGroup {
  creditorId: string;
  currency: string;
  opening: AgingSnapshot;
  closing: AgingSnapshot;
  collection: CollectionFigures;
  rollRates: RollRow[];
}

export interface PortfolioReport {
  /** Days from `from` to `to`, both included (UTC); flows count when effective in [start, end). */
  period: { from: string; to: string; start: string; end: string; openingAsOf: string; closingAsOf: string };
  scope: { creditorId: string | null };
  /** One per creditor and currency, sorted. */
  groups: PortfolioGroup[];
  promises: PromiseFigures[];
  contacts: Array<{ creditorId: string; channels: ChannelFigures[] }>;
  /** The operators' work queue per creditor and kind of work: made and completed in the period, open at its end. */
  workQueue: WorkQueueFigures[];
}

export interface WorkQueueFigures {
  creditorId: string;
  kind: string;
  created: number;
  completed: number;
  openAtEnd: number;
}

export function buildPortfolioReport(input: {
  period: ReportPeriod;
  scope: { creditorId: string | null };
  debts: DebtPosition[];
  promises: ArrangementRecord[];
  contacts: ContactCountRow[];
  work?: WorkQueueFigures[];
}): PortfolioReport {
  const bounds = periodBounds(input.period);
  const groups = groupBy(input.debts, (d) => [d.creditorId, d.currency]).map(([[creditorId, currency], debts]) => ({
    creditorId,
    currency,
    opening: agingSnapshot(
      debts.map((d) => ({ dueDate: d.dueDate, balanceMinor: d.openingMinor })),
      bounds.openingAsOf,
    ),
    closing: agingSnapshot(
      debts.map((d) => ({ dueDate: d.dueDate, balanceMinor: d.closingMinor })),
      bounds.closingAsOf,
    ),
    collection: collectionFigures(debts, bounds.closingAsOf),
    rollRates: rollRates(debts, bounds.openingAsOf, bounds.closingAsOf),
  }));
  return {
    period: { from: input.period.from, to: input.period.to, ...bounds },
    scope: input.scope,
    groups,
    promises: promiseFigures(input.promises, bounds.start, bounds.end),
    contacts: contactsByChannel(input.contacts),
    workQueue: [...(input.work ?? [])].sort((a, b) => (a.creditorId < b.creditorId ? -1 : a.creditorId > b.creditorId ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)),
  };
}

/** Groups rows by a key of strings, sorted by that key (code point order, as Postgres' "C" collation). */
function groupBy<T, K extends string[]>(rows: T[], key: (row: T) => [...K]): Array<[K, T[]]> {
  const groups = new Map<string, [K, T[]]>();
  for (const row of rows) {
    const k = key(row) as K;
    const id = JSON.stringify(k);
    const group = groups.get(id);
    if (group) group[1].push(row);
    else groups.set(id, [k, [row]]);
  }
  const compare = (a: string[], b: string[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  };
  return [...groups.values()].sort((a, b) => compare(a[0], b[0]));
}
