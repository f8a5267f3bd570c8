import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountKey, type AccountProfile } from '../src/domain/account';
import type { CadenceStep } from '../src/domain/cadence';
import { MAX_SPREAD_MS, shiftByLocalDays, spreadOffsetMs, stepDueAtMs, zonedTimeToUtcMs } from '../src/domain/schedule';
import { chooseCadence } from '../src/domain/segmentation';
import { makeAccount } from './helpers/fixtures';

const iso = (ms: number) => new Date(ms).toISOString();
const step = (overrides: Partial<CadenceStep>): CadenceStep => ({ id: 's', action: 'email', after: '0d', template: 't', ...overrides });
const ctx = (startIso: string, timezone = 'America/New_York') => ({ cadenceStartedAtMs: Date.parse(startIso), dueDate: '2026-11-02', previousStepAtMs: null, timezone });

describe('step scheduling in the debtor zone', () => {
  it('turns a local wall-clock time into the right instant, across daylight saving', () => {
    assert.equal(iso(zonedTimeToUtcMs('2026-07-01', '10:00', 'America/New_York')), '2026-07-01T14:00:00.000Z');
    assert.equal(iso(zonedTimeToUtcMs('2026-12-01', '10:00', 'America/New_York')), '2026-12-01T15:00:00.000Z');
    assert.equal(iso(zonedTimeToUtcMs('2026-12-01', '08:00', 'Pacific/Honolulu')), '2026-12-01T18:00:00.000Z');
    // 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 → 03:00): it moves forward.
    assert.equal(iso(zonedTimeToUtcMs('2026-03-08', '02:30', 'America/New_York')), '2026-03-08T07:30:00.000Z');
  });

  it('counts exact durations from enrollment for hour and second offsets', () => {
    assert.equal(iso(stepDueAtMs(step({ after: '90m' }), ctx('2026-11-23T08:00:00Z'))), '2026-11-23T09:30:00.000Z');
    assert.equal(iso(stepDueAtMs(step({ after: '3d' }), ctx('2026-11-23T08:00:00Z'))), '2026-11-26T08:00:00.000Z');
  });

  it('puts a day step at its local time of day', () => {
    // Enrolled Monday 2026-11-23 03:00 New York; 2 days later at 10:00 New York.
    assert.equal(iso(stepDueAtMs(step({ after: '2d', atLocalTime: '10:00' }), ctx('2026-11-23T08:00:00Z'))), '2026-11-25T15:00:00.000Z');
  });

  it('skips weekends and federal holidays for business days', () => {
    // Wednesday 2026-11-25 + 1 business day: Thanksgiving (Thu 26th) is a holiday → Friday 27th.
    assert.equal(iso(stepDueAtMs(step({ after: '1d', businessDays: true, atLocalTime: '10:00' }), ctx('2026-11-25T15:00:00Z'))), '2026-11-27T15:00:00.000Z');
    // Friday 2026-11-27 + 1 business day → Monday 30th.
    assert.equal(iso(stepDueAtMs(step({ after: '1d', businessDays: true, atLocalTime: '10:00' }), ctx('2026-11-27T15:00:00Z'))), '2026-11-30T15:00:00.000Z');
    // Thursday 2026-12-24 + 1 → Christmas (Fri) is a holiday → Monday 28th.
    assert.equal(iso(stepDueAtMs(step({ after: '1d', businessDays: true, atLocalTime: '09:00' }), ctx('2026-12-24T15:00:00Z'))), '2026-12-28T14:00:00.000Z');
  });

  it('moves a time by local days across daylight saving, keeping the wall-clock time', () => {
    // 2027-03-10 10:00 New York (EST) + 10 local days = 2027-03-20 10:00 (EDT): 239 hours later, not 240.
    const before = Date.parse('2027-03-10T15:00:00Z');
    assert.equal(iso(shiftByLocalDays(before, 10, 'America/New_York')), '2027-03-20T14:00:00.000Z');
    assert.equal(iso(shiftByLocalDays(before, 0, 'America/New_York')), '2027-03-10T15:00:00.000Z');
  });

  it('counts from the due date at 09:00 local, and from the previous step', () => {
    assert.equal(iso(stepDueAtMs(step({ after: '30d', from: 'due_date' }), ctx('2026-11-23T08:00:00Z', 'America/Los_Angeles'))), '2026-12-02T17:00:00.000Z');
    const previous = { ...ctx('2026-11-01T00:00:00Z'), previousStepAtMs: Date.parse('2026-11-20T18:00:00Z') };
    assert.equal(iso(stepDueAtMs(step({ after: '12h', from: 'previous_step' }), previous)), '2026-11-21T06:00:00.000Z');
  });
});

describe('a step spread over part of the day', () => {
  const keys = Array.from({ length: 3000 }, (_, i) => accountKey(`cred-${i % 5}`, `ACC-${String(i).padStart(6, '0')}`));

  it('gives each account a fixed offset in whole minutes inside the spread', () => {
    for (const key of keys.slice(0, 200)) {
      const offset = spreadOffsetMs(key, 2 * 3_600_000);
      assert.ok(offset >= 0 && offset < 2 * 3_600_000, `${key}: ${offset}`);
      assert.equal(offset % 60_000, 0);
      assert.equal(spreadOffsetMs(key, 2 * 3_600_000), offset, 'the same account, the same offset');
    }
    assert.equal(spreadOffsetMs(accountKey('cred-0', 'ACC-1'), 60_000), 0, 'a one-minute spread is no spread');
    assert.ok(MAX_SPREAD_MS === 12 * 3_600_000);
  });

  it('spreads a portfolio evenly: no quarter hour of a 3-hour spread gets more than 1.5 times its share', () => {
    const buckets = new Array(12).fill(0);
    for (const key of keys) buckets[Math.floor(spreadOffsetMs(key, 3 * 3_600_000) / (15 * 60_000))] += 1;
    const share = keys.length / buckets.length;
    for (const [i, n] of buckets.entries()) assert.ok(n > share * 0.5 && n < share * 1.5, `quarter ${i}: ${n} accounts (share ${share})`);
    // …and no minute gets a crowd: the largest minute holds a handful, not the portfolio.
    const minutes = new Map<number, number>();
    for (const key of keys) minutes.set(spreadOffsetMs(key, 3 * 3_600_000), (minutes.get(spreadOffsetMs(key, 3 * 3_600_000)) ?? 0) + 1);
    assert.ok(Math.max(...minutes.values()) <= 5 * (keys.length / 180), `busiest minute: ${Math.max(...minutes.values())}`);
  });

  it("puts the step at its local time plus the account's offset, in the debtor's zone, across daylight saving", () => {
    const spreadStep = step({ after: '2d', atLocalTime: '10:00', spread: '3h' });
    for (const [start, zone, day] of [
      ['2026-11-23T08:00:00Z', 'America/New_York', '2026-11-25'],
      ['2027-03-12T15:00:00Z', 'America/New_York', '2027-03-14'], // the day the clocks go forward
      ['2026-11-23T08:00:00Z', 'America/Los_Angeles', '2026-11-25'],
    ] as const) {
      for (const key of keys.slice(0, 20)) {
        const due = stepDueAtMs(spreadStep, { ...ctx(start, zone), accountKey: key });
        assert.equal(due, zonedTimeToUtcMs(day, '10:00', zone) + spreadOffsetMs(key, 3 * 3_600_000), `${key} in ${zone}`);
      }
    }
    // Without an account key (or without spread) the step is where it always was.
    assert.equal(iso(stepDueAtMs(spreadStep, ctx('2026-11-23T08:00:00Z'))), '2026-11-25T15:00:00.000Z');
    assert.equal(iso(stepDueAtMs(step({ after: '2d', atLocalTime: '10:00' }), { ...ctx('2026-11-23T08:00:00Z'), accountKey: keys[0] })), '2026-11-25T15:00:00.000Z');
  });
});

describe('segmentation', () => {
  const segmentation = {
    defaultCadence: 'standard',
    rules: [
      { product: 'auto_loan' as const, minBalanceMinor: 500_00, cadence: 'auto-loan' },
      { minRiskScore: 700, cadence: 'gentle' },
      { minDaysPastDue: 90, maxDaysPastDue: 180, cadence: 'late' },
    ],
  };
  const at = '2026-11-23T12:00:00Z';
  const account = (overrides: Partial<AccountProfile>) => makeAccount({ dueDate: '2026-11-01', ...overrides });

  it('takes the first matching rule', () => {
    assert.deepEqual(chooseCadence(segmentation, account({ product: 'auto_loan', balanceMinor: 900_00, riskScore: 800 }), at), { cadence: 'auto-loan', rule: 0 });
    assert.deepEqual(chooseCadence(segmentation, account({ product: 'auto_loan', balanceMinor: 100_00, riskScore: 800 }), at), { cadence: 'gentle', rule: 1 });
  });

  it('bands days past due and needs a risk score for a risk rule', () => {
    assert.deepEqual(chooseCadence(segmentation, account({ dueDate: '2026-07-01', riskScore: null }), at), { cadence: 'late', rule: 2 });
    assert.deepEqual(chooseCadence(segmentation, account({ dueDate: '2026-01-01' }), at), { cadence: 'standard', rule: null });
  });
});
