/** The arrangement rules and payment allocation as pure functions, at their edges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocatePayment, type OutstandingDebt } from '../src/domain/allocation';
import { addMonths, ArrangementError, DEFAULT_ARRANGEMENT_RULES, planSchedule, proposePlans, validateExtension, validatePlan, validatePromise, type ArrangementRules } from '../src/domain/arrangements';

const debts: OutstandingDebt[] = [
  { debtId: 'B', dueDate: '2026-09-01', outstandingMinor: 50_00 },
  { debtId: 'A', dueDate: '2026-08-01', outstandingMinor: 100_00 },
  { debtId: 'C', dueDate: '2026-10-01', outstandingMinor: 0 },
];

describe('payment allocation', () => {
  it('oldest first by default, newest, largest and smallest first', () => {
    assert.deepEqual(allocatePayment(debts, 120_00, 'oldest_first'), { allocations: [{ debtId: 'A', amountMinor: 100_00 }, { debtId: 'B', amountMinor: 20_00 }], overpaymentMinor: 0 });
    assert.deepEqual(allocatePayment(debts, 120_00, 'newest_first').allocations, [{ debtId: 'B', amountMinor: 50_00 }, { debtId: 'A', amountMinor: 70_00 }]);
    assert.deepEqual(allocatePayment(debts, 60_00, 'largest_first').allocations, [{ debtId: 'A', amountMinor: 60_00 }]);
    assert.deepEqual(allocatePayment(debts, 60_00, 'smallest_first').allocations, [{ debtId: 'B', amountMinor: 50_00 }, { debtId: 'A', amountMinor: 10_00 }]);
  });

  it('proportional shares add up exactly, remainder cents to the oldest', () => {
    const result = allocatePayment(debts, 100_01, 'proportional');
    assert.equal(result.allocations.reduce((s, a) => s + a.amountMinor, 0), 100_01);
    assert.deepEqual(result.allocations, [{ debtId: 'A', amountMinor: 66_68 }, { debtId: 'B', amountMinor: 33_33 }]);
  });

  it('anything beyond the balance is an overpayment; nothing is allocated to a cleared debt', () => {
    assert.deepEqual(allocatePayment(debts, 200_00, 'oldest_first'), { allocations: [{ debtId: 'A', amountMinor: 100_00 }, { debtId: 'B', amountMinor: 50_00 }], overpaymentMinor: 50_00 });
    assert.deepEqual(allocatePayment([{ debtId: 'X', dueDate: '2026-01-01', outstandingMinor: 0 }], 5_00, 'proportional'), { allocations: [], overpaymentMinor: 5_00 });
    assert.throws(() => allocatePayment(debts, 0, 'oldest_first'), RangeError);
    assert.throws(() => allocatePayment(debts, 1.5, 'oldest_first'), RangeError);
  });
});

const rules: ArrangementRules = { ...DEFAULT_ARRANGEMENT_RULES, settlement: { allowed: true, floorPercent: 60 }, plan: { ...DEFAULT_ARRANGEMENT_RULES.plan, minDownPaymentPercent: 10 } };
const fieldOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ArrangementError, String(error));
    return error.field;
  }
  assert.fail('expected a refusal');
};

describe('arrangement rules', () => {
  it('promises: the last allowed day passes, the next one does not', () => {
    const context = { today: '2026-11-23', balanceMinor: 100_00, currency: 'USD', rules };
    assert.equal(validatePromise({ amountMinor: 100_00, date: '2026-12-23', channel: 'phone', takenBy: 'a' }, context).date, '2026-12-23');
    assert.equal(fieldOf(() => validatePromise({ amountMinor: 100_00, date: '2026-12-24', channel: 'phone', takenBy: 'a' }, context)), 'date');
    assert.equal(fieldOf(() => validatePromise({ amountMinor: 100_01, date: '2026-12-01', channel: 'phone', takenBy: 'a' }, context)), 'amountMinor');
    assert.equal(fieldOf(() => validatePromise({ amountMinor: 10_00, date: '2026-02-30', channel: 'phone', takenBy: 'a' }, context)), 'date');
    assert.equal(fieldOf(() => validatePromise({ amountMinor: 10_00, date: '2026-12-01', channel: 'phone', takenBy: ' ' }, context)), 'takenBy');
  });

  it('plan schedules: down payment today, month ends clamped, the last instalment smaller', () => {
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(addMonths('2027-12-31', 2), '2028-02-29');
    const schedule = planSchedule({ frequency: 'monthly', startDate: '2026-01-31', downPaymentMinor: 100_00, instalmentMinor: 300_00, totalMinor: 1000_00, settlement: false });
    assert.deepEqual(schedule.map((i) => [i.number, i.dueDate, i.amountMinor]), [
      [0, '2026-01-31', 100_00],
      [1, '2026-02-28', 300_00],
      [2, '2026-03-31', 300_00],
      [3, '2026-04-30', 300_00],
    ]);
    assert.equal(schedule.reduce((s, i) => s + i.amountMinor, 0), 1000_00);
  });

  it('proposals respect the down payment, the term and the budget for each frequency', () => {
    const proposals = proposePlans({ balanceMinor: 1000_00, currency: 'USD', today: '2026-11-23', rules, monthlyIncomeMinor: 2500_00, monthlyExpensesMinor: 2100_00 });
    for (const p of proposals) {
      assert.equal(p.downPaymentMinor, 100_00);
      assert.equal(p.schedule.reduce((s, i) => s + i.amountMinor, 0), 1000_00);
      assert.ok(p.feasible);
      assert.ok(p.schedule.every((i) => i.number === 0 || i.amountMinor <= p.affordableInstalmentMinor!));
    }
    assert.equal(proposals.find((p) => p.frequency === 'weekly')!.affordableInstalmentMinor, 46_15); // 200.00 a month × 12 / 52, rounded down
  });

  it('plans: refusals name the down payment, the settlement floor and an unknown frequency', () => {
    const context = { today: '2026-11-23', balanceMinor: 1000_00, currency: 'USD', rules };
    assert.equal(fieldOf(() => validatePlan({ frequency: 'monthly', downPaymentMinor: 50_00, acceptedBy: 'a' }, context)), 'downPaymentMinor');
    assert.equal(fieldOf(() => validatePlan({ frequency: 'monthly', settlementAmountMinor: 599_99, acceptedBy: 'a' }, context)), 'settlementAmountMinor');
    assert.equal(validatePlan({ frequency: 'monthly', settlementAmountMinor: 600_00, acceptedBy: 'a' }, context).terms.totalMinor, 600_00);
    assert.equal(fieldOf(() => validatePlan({ frequency: 'daily' as never, acceptedBy: 'a' }, context)), 'frequency');
    assert.equal(fieldOf(() => validatePlan({ frequency: 'monthly', settlementAmountMinor: 700_00, acceptedBy: 'a' }, { ...context, rules: DEFAULT_ARRANGEMENT_RULES })), 'settlementAmountMinor');
  });

  it('extensions: length, count and approver limits', () => {
    const context = { today: '2026-11-23', extensionsGranted: 0, rules };
    assert.equal(validateExtension({ newDueDate: '2026-12-07', reason: 'r', grantedBy: 'a' }, context).days, 14);
    assert.equal(fieldOf(() => validateExtension({ newDueDate: '2026-12-08', reason: 'r', grantedBy: 'a' }, context)), 'approver');
    assert.equal(validateExtension({ newDueDate: '2026-12-23', reason: 'r', grantedBy: 'a', approver: 'b' }, context).days, 30);
    assert.equal(fieldOf(() => validateExtension({ newDueDate: '2026-12-24', reason: 'r', grantedBy: 'a', approver: 'b' }, context)), 'newDueDate');
    assert.equal(fieldOf(() => validateExtension({ newDueDate: '2026-12-01', reason: 'r', grantedBy: 'a' }, { ...context, extensionsGranted: 2 })), 'newDueDate');
    assert.equal(fieldOf(() => validateExtension({ newDueDate: '2026-11-23', reason: 'r', grantedBy: 'a' }, context)), 'newDueDate');
  });
});
