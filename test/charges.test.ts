/**
 * Late fees and interest by rule (src/domain/charges.ts), at their edges, without a server: the
 * day a fee falls due, monthly fees and their total cap, the state's cap, suspensions (a dispute,
 * a plan), daily interest across a leap year, monthly interest, payments inside a month, a month
 * not over yet, and a currency without minor units. Figures are worked by hand in the comments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chargeCap, dueCharges, nextChargeDate, type ChargeRules, type PrincipalDebt } from '../src/domain/charges';

const debt = (dueDate: string, principal: number, changes: { date: string; deltaMinor: number }[] = []): PrincipalDebt => ({
  debtId: 'opening',
  dueDate,
  originalMinor: principal,
  changes: [{ date: dueDate, deltaMinor: principal }, ...changes],
});
const noCap = { source: 'none' };
const run = (rules: ChargeRules, through: string, debts: PrincipalDebt[], extra: Partial<Parameters<typeof dueCharges>[0]> = {}) =>
  dueCharges({ debts, rules, cap: noCap, through, suspensions: [], currency: 'USD', ...extra }).map((c) => [c.key, c.amountMinor]);

describe('late fees', () => {
  const fixed: ChargeRules = { lateFee: { amountMinor: 25_00, afterDaysPastDue: 15, per: 'debt' } };

  it('falls due on the day the debt is N days past due, once per debt', () => {
    assert.deepEqual(run(fixed, '2027-01-15', [debt('2027-01-01', 500_00)]), [], 'day 14');
    assert.deepEqual(run(fixed, '2027-01-16', [debt('2027-01-01', 500_00)]), [['late-fee.opening.once', 25_00]], 'day 15');
    assert.deepEqual(run(fixed, '2027-06-30', [debt('2027-01-01', 500_00)]), [['late-fee.opening.once', 25_00]], 'still once');
  });

  it('a percentage of the original amount rounds half up to whole minor units; the smaller of fixed and percentage applies', () => {
    // 5% of $333.33 = $16.6665 → $16.67.
    assert.deepEqual(run({ lateFee: { percentBps: 500, afterDaysPastDue: 1, per: 'debt' } }, '2027-01-10', [debt('2027-01-01', 333_33)]), [['late-fee.opening.once', 16_67]]);
    assert.deepEqual(run({ lateFee: { amountMinor: 10_00, percentBps: 500, afterDaysPastDue: 1, per: 'debt' } }, '2027-01-10', [debt('2027-01-01', 333_33)]), [['late-fee.opening.once', 10_00]]);
  });

  it('monthly fees until the total cap, and none once the debt is paid', () => {
    const monthly: ChargeRules = { lateFee: { amountMinor: 15_00, afterDaysPastDue: 10, per: 'month', maxPerDebtMinor: 40_00 } };
    assert.deepEqual(run(monthly, '2027-04-30', [debt('2027-01-31', 500_00)]), [
      ['late-fee.opening.2027-02', 15_00], // 2027-02-10
      ['late-fee.opening.2027-03', 15_00], // 2027-03-10
      ['late-fee.opening.2027-04', 10_00], // 2027-04-10: only $10 left under the $40 cap
    ]);
    const paid = debt('2027-01-31', 500_00, [{ date: '2027-03-01', deltaMinor: -500_00 }]);
    assert.deepEqual(run(monthly, '2027-04-30', [paid]), [['late-fee.opening.2027-02', 15_00]]);
  });

  it("the state's cap limits each fee; a state where fees are not allowed charges none", () => {
    assert.deepEqual(dueCharges({ debts: [debt('2027-01-01', 500_00)], rules: fixed, cap: { maxLateFeeMinor: 10_00, source: 'test' }, through: '2027-02-01', suspensions: [], currency: 'USD' }).map((c) => c.amountMinor), [10_00]);
    assert.deepEqual(dueCharges({ debts: [debt('2027-01-01', 500_00)], rules: fixed, cap: { feesAllowed: false, source: 'test' }, through: '2027-02-01', suspensions: [], currency: 'USD' }), []);
  });

  it('a fee falling due while a dispute awaits verification is not charged', () => {
    assert.deepEqual(run(fixed, '2027-02-01', [debt('2027-01-01', 500_00)], { suspensions: [{ from: '2027-01-10', to: '2027-01-20' }] }), []);
    assert.deepEqual(run(fixed, '2027-02-01', [debt('2027-01-01', 500_00)], { suspensions: [{ from: '2027-01-10', to: '2027-01-16' }] }), [['late-fee.opening.once', 25_00]], 'the suspension ended the day the fee fell due');
  });
});

describe('interest', () => {
  const daily: ChargeRules = { interest: { annualRateBps: 1800, accrual: 'daily' } };

  it('daily: rate/365 per day on the principal, for each month that has ended; the month not over yet is not charged', () => {
    // Due 2026-12-31: interest from 2027-01-01. January: $1,000 × 18% × 31/365 = $15.2877 → $15.29.
    assert.deepEqual(run(daily, '2027-01-31', [debt('2026-12-31', 1000_00)]), [], 'January is not over on the 31st');
    assert.deepEqual(run(daily, '2027-02-01', [debt('2026-12-31', 1000_00)]), [['interest.opening.2027-01', 15_29]]);
    // February 2027: 28/365 → $13.8082 → $13.81.
    assert.deepEqual(run(daily, '2027-03-01', [debt('2026-12-31', 1000_00)]).at(-1), ['interest.opening.2027-02', 13_81]);
  });

  it('daily across a leap year: 29 February 2028 counts, at 1/366 a day', () => {
    // February 2028: $1,000 × 18% × 29/366 = $14.2623 → $14.26.
    assert.deepEqual(run(daily, '2028-03-01', [debt('2028-01-31', 1000_00)]), [['interest.opening.2028-02', 14_26]]);
    // A month across the new year: December 2027 (365 days) — 31/365 → $15.29.
    assert.deepEqual(run(daily, '2028-01-01', [debt('2027-11-30', 1000_00)]), [['interest.opening.2027-12', 15_29]]);
  });

  it('daily follows the principal day by day (a payment in the month), and never compounds', () => {
    // $1,000 for 10 days, then $400 for 21 days (January 2027): 18% × (10 × 1000 + 21 × 400) / 365 = 18% × 18,400 / 365 = $9.0740 → $9.07.
    const paidDown = debt('2026-12-31', 1000_00, [{ date: '2027-01-11', deltaMinor: -600_00 }]);
    assert.deepEqual(run(daily, '2027-02-01', [paidDown]), [['interest.opening.2027-01', 9_07]]);
  });

  it('monthly: rate/12 on the principal at the month end, a month partly past due or suspended not charged', () => {
    const monthly: ChargeRules = { interest: { annualRateBps: 1800, accrual: 'monthly' } };
    // Due 2027-01-15: January is partly past due (no charge); February: $1,000 × 1.5% = $15.00.
    assert.deepEqual(run(monthly, '2027-03-01', [debt('2027-01-15', 1000_00)]), [['interest.opening.2027-02', 15_00]]);
    assert.deepEqual(run(monthly, '2027-03-01', [debt('2027-01-15', 1000_00)], { suspensions: [{ from: '2027-02-20', to: null }] }), []);
  });

  it("the state's cap lowers the rate; a plan's days are not charged", () => {
    // New York's general cap is 16%: January 2027 at 16% × 31/365 → $13.5890 → $13.59.
    const ny = chargeCap('NY', 'credit_card');
    assert.equal(ny.maxAnnualInterestBps, 1600);
    assert.deepEqual(dueCharges({ debts: [debt('2026-12-31', 1000_00)], rules: daily, cap: ny, through: '2027-02-01', suspensions: [], currency: 'USD' }).map((c) => c.amountMinor), [13_59]);
    // A plan kept from 2027-01-21: 20 days charged → 18% × 20/365 = $9.8630 → $9.86.
    assert.deepEqual(run(daily, '2027-02-01', [debt('2026-12-31', 1000_00)], { suspensions: [{ from: '2027-01-21', to: null }] }), [['interest.opening.2027-01', 9_86]]);
    // A creditor's override may only be stricter than the table.
    assert.equal(chargeCap('NY', 'medical', { 'NY/medical': { maxAnnualInterestBps: 200, source: 'counsel' } }).maxAnnualInterestBps, 200);
    assert.equal(chargeCap('NY', 'medical', { NY: { maxAnnualInterestBps: 2500 } }).maxAnnualInterestBps, 1600);
  });

  it('a currency without minor units: whole yen', () => {
    const yen = dueCharges({ debts: [{ ...debt('2027-01-01', 100_000), debtId: 'opening' }], rules: { lateFee: { percentBps: 250, afterDaysPastDue: 1, per: 'debt' }, interest: { annualRateBps: 1000, accrual: 'daily' } }, cap: noCap, through: '2027-03-01', suspensions: [], currency: 'JPY' });
    // 2.5% of ¥100,000 = ¥2,500; January from the 2nd: 30 days × 10% × 100,000 / 365 = ¥821.9 → ¥822; February: 28/365 → ¥767.1 → ¥767.
    assert.deepEqual(yen.map((c) => [c.key, c.amountMinor]), [['late-fee.opening.once', 2_500], ['interest.opening.2027-01', 822], ['interest.opening.2027-02', 767]]);
    for (const charge of yen) assert.ok(Number.isInteger(charge.amountMinor));
  });
});

describe('when the engine wakes for charges', () => {
  it('the next fee day, or the first of the next month for interest', () => {
    assert.equal(nextChargeDate({ lateFee: { amountMinor: 1, afterDaysPastDue: 15, per: 'debt' } }, [{ dueDate: '2027-01-01' }], '2027-01-05'), '2027-01-16');
    assert.equal(nextChargeDate({ lateFee: { amountMinor: 1, afterDaysPastDue: 15, per: 'debt' } }, [{ dueDate: '2027-01-01' }], '2027-01-16'), null);
    assert.equal(nextChargeDate({ interest: { annualRateBps: 100, accrual: 'daily' } }, [{ dueDate: '2027-01-01' }], '2027-01-31'), '2027-02-01');
    assert.equal(nextChargeDate({ lateFee: { amountMinor: 1, afterDaysPastDue: 10, per: 'month' } }, [{ dueDate: '2027-01-31' }], '2027-02-10'), '2027-03-10');
  });
});
