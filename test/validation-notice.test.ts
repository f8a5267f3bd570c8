/**
 * The validation notice's itemization (§1006.34(c)(2)(vi)-(viii)) from the ledger's receivable,
 * against notices worked out by hand: what was owed on the itemization date, the interest, fees,
 * and payments and credits after it, and the total now.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { itemizationDate, itemize, validationNoticeText, type ReceivableLine } from '../src/domain/validation-notice';

const line = (date: string, kind: string, debitMinor: number, creditMinor = 0): ReceivableLine => ({ date, kind, debitMinor, creditMinor });
const pay = (date: string, kind: string, creditMinor: number) => line(date, kind, 0, creditMinor);

describe('validation notice itemization', () => {
  const cases: { name: string; lines: ReceivableLine[]; dueDate: string; expect: { date: string; then: number; interest: number; fees: number; paid: number; now: number } }[] = [
    { name: 'one debt, nothing since', dueDate: '2026-09-01', lines: [line('2026-09-01', 'charge', 321_09)], expect: { date: '2026-09-01', then: 321_09, interest: 0, fees: 0, paid: 0, now: 321_09 } },
    {
      // 300.00 + 4.17 interest + (25.00 late fee + 15.00 returned-payment fee) - (50.00 paid - 50.00 returned + 10.00 credit) = 334.17
      name: 'a late fee, interest, a payment that came back with its fee, and a credit',
      dueDate: '2026-09-01',
      lines: [
        line('2026-09-01', 'charge', 300_00),
        line('2026-09-15', 'fee', 25_00),
        line('2026-10-01', 'interest', 4_17),
        pay('2026-10-05', 'payment', 50_00),
        line('2026-10-07', 'reversal', 50_00),
        line('2026-10-07', 'fee', 15_00),
        pay('2026-10-10', 'credit', 10_00),
      ],
      expect: { date: '2026-09-01', then: 300_00, interest: 4_17, fees: 40_00, paid: 10_00, now: 334_17 },
    },
    {
      name: 'a fee posted on the itemization date itself is in the amount owed then',
      dueDate: '2026-09-01',
      lines: [line('2026-09-01', 'charge', 100_00), line('2026-09-01', 'fee', 5_00), pay('2026-09-02', 'payment', 1_00)],
      expect: { date: '2026-09-01', then: 105_00, interest: 0, fees: 0, paid: 1_00, now: 104_00 },
    },
    {
      // Invoices due 2026-08-01 (200.00) and 2026-09-01 (100.00), 30.00 paid on 2026-08-15: 270.00 owed on the later due date.
      name: 'several invoices: the itemization date is the latest due date, so every invoice is in the amount then',
      dueDate: '2026-08-01',
      lines: [line('2026-08-01', 'charge', 200_00), pay('2026-08-15', 'payment', 30_00), line('2026-09-01', 'charge', 100_00), line('2026-09-20', 'interest', 2_50)],
      expect: { date: '2026-09-01', then: 270_00, interest: 2_50, fees: 0, paid: 0, now: 272_50 },
    },
    {
      // 80.00 owed after a 20.00 payment before the date; the payment returned after it: 100.00 now.
      name: 'a payment before the itemization date returned after it adds back',
      dueDate: '2026-09-01',
      lines: [line('2026-08-01', 'charge', 100_00), pay('2026-08-20', 'payment', 20_00), line('2026-09-10', 'reversal', 20_00)],
      expect: { date: '2026-09-01', then: 80_00, interest: 0, fees: 0, paid: -20_00, now: 100_00 },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const date = itemizationDate(c.lines, c.dueDate);
      const i = itemize(c.lines, { itemizationDate: date, currency: 'USD' });
      assert.deepEqual(
        { date: i.itemizationDate, then: i.amountThenMinor, interest: i.interestMinor, fees: i.feesMinor, paid: i.paymentsAndCreditsMinor, now: i.currentMinor },
        c.expect,
      );
      assert.equal(i.amountThenMinor + i.interestMinor + i.feesMinor - i.paymentsAndCreditsMinor, i.currentMinor);
    });

  it('prints each figure of the itemization in the notice', () => {
    const lines = cases[1]!.lines;
    const itemization = itemize(lines, { itemizationDate: '2026-09-01', currency: 'USD' });
    const { body } = validationNoticeText({ collectorName: 'C', creditorName: 'K', accountId: 'A-1', debtorName: 'D', itemization, periodEnds: '2026-11-13', paymentLink: 'https://pay.example.test' });
    assert.match(body, /As of 2026-09-01, you owed: \$300\.00/);
    assert.match(body, /charged this amount in interest: \+ \$4\.17/);
    assert.match(body, /charged this amount in fees: \+ \$40\.00/);
    assert.match(body, /paid or were credited this amount toward the debt: - \$10\.00/);
    assert.match(body, /Total amount of the debt now: \$334\.17/);
    const returned = validationNoticeText({ collectorName: 'C', creditorName: 'K', accountId: 'A-1', debtorName: 'D', itemization: itemize(cases[4]!.lines, { itemizationDate: '2026-09-01', currency: 'USD' }), periodEnds: '2026-11-13', paymentLink: 'x' }).body;
    assert.match(returned, /Payments returned unpaid added back to the debt: \+ \$20\.00/);
  });

  it('refuses a charge after the itemization date rather than print it as something else', () => {
    assert.throws(() => itemize([line('2026-09-01', 'charge', 1_00), line('2026-09-05', 'charge', 1_00)], { itemizationDate: '2026-09-01', currency: 'USD' }), /charge posted on 2026-09-05/);
  });
});
