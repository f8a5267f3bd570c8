/** The portfolio metrics as pure functions, against numbers computed by hand. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  addMinor,
  agingBucket,
  agingByGroup,
  agingSnapshot,
  buildPortfolioReport,
  collectionEffectivenessIndex,
  collectionFigures,
  collectionRate,
  contactsByChannel,
  daysPastDue,
  formatPercent,
  percentDigits,
  periodBounds,
  promiseFigures,
  ratio,
  rollRates,
  type ArrangementRecord,
  type DebtPosition,
} from '../src/domain/portfolio-metrics';

const debt = (debtId: string, dueDate: string, fields: Partial<DebtPosition> = {}): DebtPosition => ({
  creditorId: 'cred-a',
  currency: 'USD',
  accountKey: 'account/cred-a/A-1',
  debtId,
  dueDate,
  openingMinor: 0,
  closingMinor: 0,
  chargedMinor: 0,
  paidMinor: 0,
  reversedMinor: 0,
  writtenOffMinor: 0,
  adjustedMinor: 0,
  ...fields,
});

// October 2026: opening as of 2026-09-30, closing as of 2026-10-31 (31 days later).
const OPENING = '2026-09-30';
const CLOSING = '2026-10-31';
const DEBTS: DebtPosition[] = [
  // 1-30 (15 days) → 31-60 (46 days): 6,000 paid, 4,000 left
  debt('D1', '2026-09-15', { openingMinor: 10_000, closingMinor: 4_000, paidMinor: 6_000 }),
  // 1-30 (29 days) → written off in full
  debt('D2', '2026-09-01', { openingMinor: 5_000, closingMinor: 0, writtenOffMinor: 5_000 }),
  // 31-60 (41 days) → 61-90 (72 days), untouched
  debt('D3', '2026-08-20', { openingMinor: 8_000, closingMinor: 8_000 }),
  // current (due on the opening date) → 31-60 (31 days); a returned payment adds 1,000 that is not the opening balance's
  debt('D4', '2026-09-30', { openingMinor: 2_000, closingMinor: 3_000, reversedMinor: 1_000 }),
  // new in the period: 1-30 (21 days) at the closing, nothing to roll
  debt('D5', '2026-10-10', { closingMinor: 7_000, chargedMinor: 7_000 }),
  // over 120 at both ends: half paid
  debt('D6', '2026-01-01', { openingMinor: 1_000, closingMinor: 500, paidMinor: 500 }),
  // due on the closing date: current at the closing
  debt('D7', '2026-10-31', { closingMinor: 1_500, chargedMinor: 1_500 }),
];

describe('aging buckets', () => {
  it('counts days from each debt’s due date and puts the edges 0/1/30/31/60/61/90/91/120/121 where they belong', () => {
    const due = '2026-01-10';
    const expected: Array<[number, string]> = [
      [-5, 'current'],
      [0, 'current'],
      [1, '1-30'],
      [30, '1-30'],
      [31, '31-60'],
      [60, '31-60'],
      [61, '61-90'],
      [90, '61-90'],
      [91, '91-120'],
      [120, '91-120'],
      [121, 'over-120'],
      [400, 'over-120'],
    ];
    for (const [days, bucket] of expected) {
      const asOf = addDays(due, days);
      assert.equal(daysPastDue(due, asOf), days, `${asOf}`);
      assert.equal(agingBucket(daysPastDue(due, asOf)), bucket, `${days} days`);
    }
    // Across a leap day and month ends: 2028-02-28 → 2028-03-01 is 2 days.
    assert.equal(daysPastDue('2028-02-28', '2028-03-01'), 2);
    assert.equal(daysPastDue('2026-10-31', '2026-11-01'), 1);
    assert.throws(() => daysPastDue('2026-02-30', '2026-03-01'), /dueDate is not a calendar date YYYY-MM-DD: "2026-02-30"/);
    assert.throws(() => agingBucket(1.5), /whole number/);
  });

  it('ages a creditor’s debts per currency, each debt whole in its bucket, zero balances left out', () => {
    const groups = agingByGroup(
      [
        { creditorId: 'cred-b', currency: 'USD', dueDate: '2026-10-31', balanceMinor: 100 },
        { creditorId: 'cred-a', currency: 'USD', dueDate: '2026-10-01', balanceMinor: 250 }, // 30 days
        { creditorId: 'cred-a', currency: 'EUR', dueDate: '2026-09-30', balanceMinor: 900 }, // 31 days
        { creditorId: 'cred-a', currency: 'USD', dueDate: '2026-09-30', balanceMinor: 300 }, // 31 days
        { creditorId: 'cred-a', currency: 'USD', dueDate: '2026-07-02', balanceMinor: 70 }, // 121 days
        { creditorId: 'cred-a', currency: 'USD', dueDate: '2026-07-03', balanceMinor: 0 }, // paid: not a debt in the aging
      ],
      CLOSING,
    );
    assert.deepEqual(
      groups.map((g) => [g.creditorId, g.currency, g.totalMinor, g.debts]),
      [
        ['cred-a', 'EUR', 900, 1],
        ['cred-a', 'USD', 620, 3],
        ['cred-b', 'USD', 100, 1],
      ],
    );
    const usd = groups[1]!;
    assert.deepEqual(usd.buckets, {
      current: { balanceMinor: 0, debts: 0 },
      '1-30': { balanceMinor: 250, debts: 1 },
      '31-60': { balanceMinor: 300, debts: 1 },
      '61-90': { balanceMinor: 0, debts: 0 },
      '91-120': { balanceMinor: 0, debts: 0 },
      'over-120': { balanceMinor: 70, debts: 1 },
    });
    assert.equal(groups[2]!.buckets.current.balanceMinor, 100);
  });

  it('ages the example at the opening and the closing', () => {
    const opening = agingSnapshot(DEBTS.map((d) => ({ dueDate: d.dueDate, balanceMinor: d.openingMinor })), OPENING);
    assert.deepEqual(
      Object.fromEntries(Object.entries(opening.buckets).map(([b, v]) => [b, [v.balanceMinor, v.debts]])),
      { current: [2_000, 1], '1-30': [15_000, 2], '31-60': [8_000, 1], '61-90': [0, 0], '91-120': [0, 0], 'over-120': [1_000, 1] },
    );
    assert.deepEqual([opening.totalMinor, opening.debts], [26_000, 5]);
    const closing = agingSnapshot(DEBTS.map((d) => ({ dueDate: d.dueDate, balanceMinor: d.closingMinor })), CLOSING);
    assert.deepEqual(
      Object.fromEntries(Object.entries(closing.buckets).map(([b, v]) => [b, [v.balanceMinor, v.debts]])),
      { current: [1_500, 1], '1-30': [7_000, 1], '31-60': [7_000, 2], '61-90': [8_000, 1], '91-120': [0, 0], 'over-120': [500, 1] },
    );
    assert.deepEqual([closing.totalMinor, closing.debts], [24_000, 6]);
  });
});

describe('ratios', () => {
  it('rounds only for display, half away from zero, on exact integers', () => {
    assert.equal(percentDigits(ratio(1, 3)), '33.33');
    assert.equal(percentDigits(ratio(2, 3)), '66.67');
    assert.equal(percentDigits(ratio(1, 8), 0), '13');
    assert.equal(percentDigits(ratio(-1, 8), 0), '-13');
    assert.equal(percentDigits(ratio(1, -8), 1), '-12.5');
    assert.equal(percentDigits(ratio(0, 5)), '0.00');
    assert.equal(percentDigits(ratio(3, 2)), '150.00');
    assert.equal(percentDigits(ratio(1, 200_000), 4), '0.0005');
    assert.equal(percentDigits(ratio(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1), 6), '100.000000');
    assert.equal(ratio(5, 0), null);
    assert.equal(percentDigits(null), '');
    assert.equal(formatPercent(null), 'n/a');
    assert.equal(formatPercent(ratio(45_000, 90_500)), '49.7%');
    assert.throws(() => ratio(0.5, 1), /whole numbers/);
    assert.throws(() => addMinor(Number.MAX_SAFE_INTEGER, 1), /safe integer range/);
  });
});

describe('collection rate and CEI', () => {
  it('computes the collection rate as collected net of reversals over opening receivables plus charges', () => {
    // 600 of 1,000 + 500 → 40 %
    assert.deepEqual(collectionRate({ openingReceivablesMinor: 1_000, chargesMinor: 500, collectedMinor: 600 }), { numerator: 600, denominator: 1_500 });
    assert.equal(collectionRate({ openingReceivablesMinor: 0, chargesMinor: 0, collectedMinor: 0 }), null);
  });

  it('computes CEI = (begin + charges − ending total) ÷ (begin + charges − ending current) × 100', () => {
    // (10,000 + 5,000 − 9,000) ÷ (10,000 + 5,000 − 3,000) = 6,000 ÷ 12,000 = 50 %
    const cei = collectionEffectivenessIndex({ beginningReceivablesMinor: 10_000, chargesMinor: 5_000, endingTotalMinor: 9_000, endingCurrentMinor: 3_000 });
    assert.deepEqual(cei, { numerator: 6_000, denominator: 12_000 });
    assert.equal(formatPercent(cei), '50.0%');
    // (1,000 + 200 − 300) ÷ (1,000 + 200 − 100) = 900 ÷ 1,100 = 81.8181… %
    const other = collectionEffectivenessIndex({ beginningReceivablesMinor: 1_000, chargesMinor: 200, endingTotalMinor: 300, endingCurrentMinor: 100 });
    assert.equal(percentDigits(other), '81.82');
    assert.equal(formatPercent(other), '81.8%');
    // Everything still owed is current: nothing could be collected, so CEI is not defined.
    assert.equal(collectionEffectivenessIndex({ beginningReceivablesMinor: 0, chargesMinor: 1_000, endingTotalMinor: 1_000, endingCurrentMinor: 1_000 }), null);
  });

  it('derives the figures of the example from its debts', () => {
    const figures = collectionFigures(DEBTS, CLOSING);
    assert.deepEqual(figures, {
      openingReceivablesMinor: 26_000,
      chargesMinor: 8_500,
      paymentsMinor: 6_500,
      reversalsMinor: 1_000,
      collectedMinor: 5_500,
      writtenOffMinor: 5_000,
      adjustedMinor: 0,
      closingReceivablesMinor: 24_000,
      closingCurrentMinor: 1_500,
      // 5,500 ÷ (26,000 + 8,500) = 15.942 %
      collectionRate: { numerator: 5_500, denominator: 34_500 },
      // (34,500 − 24,000) ÷ (34,500 − 1,500) = 10,500 ÷ 33,000 = 31.818 %
      cei: { numerator: 10_500, denominator: 33_000 },
    });
    assert.equal(percentDigits(figures.collectionRate), '15.94');
    assert.equal(percentDigits(figures.cei), '31.82');
    // The ledger's identity: opening + charges − payments + reversals − write-offs = closing.
    assert.equal(26_000 + 8_500 - 6_500 + 1_000 - 5_000, figures.closingReceivablesMinor);
  });
});

describe('roll rates', () => {
  it('follows each debt’s opening balance to its bucket at the closing, or out as paid or written off', () => {
    const rows = rollRates(DEBTS, OPENING, CLOSING);
    const by = Object.fromEntries(rows.map((r) => [r.from, r]));
    const nonZero = (to: Record<string, number>) => Object.fromEntries(Object.entries(to).filter(([, v]) => v !== 0));

    // 1-30: D1 10,000 (4,000 to 31-60, 6,000 paid) and D2 5,000 (written off)
    assert.equal(by['1-30']!.openingMinor, 15_000);
    assert.equal(by['1-30']!.debts, 2);
    assert.deepEqual(nonZero(by['1-30']!.to), { '31-60': 4_000, paid: 6_000, 'written-off': 5_000 });
    assert.equal(percentDigits(by['1-30']!.shares['31-60']), '26.67');
    assert.equal(percentDigits(by['1-30']!.shares.paid), '40.00');
    assert.equal(percentDigits(by['1-30']!.shares['written-off']), '33.33');
    assert.deepEqual(by['1-30']!.rollForward, { numerator: 4_000, denominator: 15_000 });

    // 31-60: D3 rolls whole into 61-90
    assert.deepEqual(nonZero(by['31-60']!.to), { '61-90': 8_000 });
    assert.equal(percentDigits(by['31-60']!.rollForward), '100.00');

    // current: D4 jumps to 31-60 ("or later"); the 1,000 returned payment is not the opening balance's
    assert.deepEqual(nonZero(by.current!.to), { '31-60': 2_000 });
    assert.deepEqual(by.current!.rollForward, { numerator: 2_000, denominator: 2_000 });

    // over-120: nothing is later; half stays, half paid
    assert.deepEqual(nonZero(by['over-120']!.to), { 'over-120': 500, paid: 500 });
    assert.deepEqual(by['over-120']!.rollForward, { numerator: 0, denominator: 1_000 });

    // Buckets without an opening balance have no rates; D5 and D7 are new and roll nowhere.
    assert.equal(by['61-90']!.openingMinor, 0);
    assert.equal(by['61-90']!.rollForward, null);
    assert.equal(by['91-120']!.shares.paid, null);

    // Every row's destinations add up to its opening balance.
    for (const row of rows) assert.equal(Object.values(row.to).reduce((a, b) => a + b, 0), row.openingMinor, row.from);
  });

  it('splits a debt that was partly written off and partly paid, capping the write-off at what left', () => {
    const [row] = rollRates([debt('X', '2026-09-20', { openingMinor: 1_000, closingMinor: 0, paidMinor: 300, writtenOffMinor: 700 })], OPENING, CLOSING).filter((r) => r.openingMinor > 0);
    assert.deepEqual([row!.from, row!.to.paid, row!.to['written-off']], ['1-30', 300, 700]);
    // A write-off of a later charge cannot count more than the opening balance that left.
    const [capped] = rollRates([debt('Y', '2026-09-20', { openingMinor: 1_000, closingMinor: 200, writtenOffMinor: 5_000 })], OPENING, CLOSING).filter((r) => r.openingMinor > 0);
    assert.deepEqual([capped!.to['31-60'], capped!.to.paid, capped!.to['written-off']], [200, 0, 800]);
  });
});

describe('promises kept', () => {
  const START = '2026-10-01T00:00:00.000Z';
  const END = '2026-11-01T00:00:00.000Z';
  const promise = (arrangementId: string, status: string, createdAt: string, resolvedAt: string | null, creditorId = 'cred-a', kind = 'promise'): ArrangementRecord => ({ arrangementId, creditorId, kind, status, createdAt, resolvedAt });
  const records = [
    promise('P1', 'kept', '2026-09-20T10:00:00Z', '2026-10-05T10:00:00Z'),
    promise('P2', 'partial', '2026-10-02T10:00:00Z', '2026-10-20T10:00:00Z'),
    promise('P3', 'broken', '2026-10-03T10:00:00Z', '2026-10-25T10:00:00Z'),
    promise('P4', 'open', '2026-10-04T10:00:00Z', null),
    promise('P5', 'kept', '2026-10-10T10:00:00Z', END), // resolved at the end: the next period's
    promise('P6', 'cancelled', '2026-10-11T10:00:00Z', '2026-10-12T10:00:00Z'),
    promise('P7', 'kept', '2026-09-01T10:00:00Z', '2026-09-30T23:59:59.999Z'), // the previous period's
    promise('P8', 'kept', '2026-10-31T23:59:59.999Z', '2026-10-31T23:59:59.999Z'),
    promise('L1', 'completed', '2026-10-05T10:00:00Z', '2026-10-06T10:00:00Z', 'cred-a', 'plan'),
    promise('Q1', 'broken', '2026-10-05T10:00:00Z', '2026-10-09T10:00:00Z', 'cred-b'),
  ];

  it('counts kept ÷ resolved (kept + partial + broken) per creditor, with made, cancelled and open at the end', () => {
    assert.deepEqual(promiseFigures(records, START, END), [
      { creditorId: 'cred-a', made: 6, kept: 2, partial: 1, broken: 1, cancelled: 1, resolved: 4, openAtEnd: 2, keptRate: { numerator: 2, denominator: 4 } },
      { creditorId: 'cred-b', made: 1, kept: 0, partial: 0, broken: 1, cancelled: 0, resolved: 1, openAtEnd: 0, keptRate: { numerator: 0, denominator: 1 } },
    ]);
    assert.deepEqual(promiseFigures([promise('Z', 'open', '2026-10-04T10:00:00Z', null)], START, END)[0]!.keptRate, null);
  });
});

describe('contacts per channel', () => {
  it('lists email, sms, call and letter for every creditor with all four measures, then other channels', () => {
    assert.deepEqual(
      contactsByChannel([
        { creditorId: 'cred-b', channel: 'email', measure: 'sent', count: 1 },
        { creditorId: 'cred-a', channel: 'sms', measure: 'suppressed', count: 2 },
        { creditorId: 'cred-a', channel: 'email', measure: 'sent', count: 3 },
        { creditorId: 'cred-a', channel: 'email', measure: 'failed', count: 1 },
        { creditorId: 'cred-a', channel: 'sms', measure: 'deferred', count: 4 },
        { creditorId: 'cred-a', channel: 'fax', measure: 'sent', count: 1 },
      ]),
      [
        {
          creditorId: 'cred-a',
          channels: [
            { channel: 'email', sent: 3, suppressed: 0, deferred: 0, failed: 1 },
            { channel: 'sms', sent: 0, suppressed: 2, deferred: 4, failed: 0 },
            { channel: 'call', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
            { channel: 'letter', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
            { channel: 'fax', sent: 1, suppressed: 0, deferred: 0, failed: 0 },
          ],
        },
        {
          creditorId: 'cred-b',
          channels: [
            { channel: 'email', sent: 1, suppressed: 0, deferred: 0, failed: 0 },
            { channel: 'sms', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
            { channel: 'call', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
            { channel: 'letter', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
          ],
        },
      ],
    );
  });
});

describe('the whole report', () => {
  it('bounds the period by whole UTC days, both included, and refuses one that ends before it starts', () => {
    assert.deepEqual(periodBounds({ from: '2026-10-01', to: '2026-10-31' }), {
      start: '2026-10-01T00:00:00.000Z',
      end: '2026-11-01T00:00:00.000Z',
      openingAsOf: '2026-09-30',
      closingAsOf: '2026-10-31',
    });
    assert.deepEqual(periodBounds({ from: '2026-03-01', to: '2026-03-01' }).end, '2026-03-02T00:00:00.000Z');
    assert.throws(() => periodBounds({ from: '2026-10-02', to: '2026-10-01' }), /the period must not end before it starts: 2026-10-02 .. 2026-10-01/);
    assert.throws(() => periodBounds({ from: '2026-10-01', to: '2026-13-01' }), /to is not a calendar date/);
  });

  it('keeps every creditor and currency apart and never adds currencies', () => {
    const eur = DEBTS.slice(0, 2).map((d) => ({ ...d, currency: 'EUR' }));
    const report = buildPortfolioReport({ period: { from: '2026-10-01', to: '2026-10-31' }, scope: { creditorId: null }, debts: [...DEBTS, ...eur], promises: [], contacts: [] });
    assert.deepEqual(
      report.groups.map((g) => [g.creditorId, g.currency, g.opening.totalMinor, g.closing.totalMinor, g.collection.collectedMinor]),
      [
        ['cred-a', 'EUR', 15_000, 4_000, 6_000],
        ['cred-a', 'USD', 26_000, 24_000, 5_500],
      ],
    );
    assert.equal(report.groups[1]!.closing.asOf, CLOSING);
    assert.equal(report.groups[1]!.opening.asOf, OPENING);
    assert.deepEqual(report.period, { from: '2026-10-01', to: '2026-10-31', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z', openingAsOf: OPENING, closingAsOf: CLOSING });
  });
});
