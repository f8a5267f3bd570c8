import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountProfile } from '../src/domain/account';
import type { CadenceStep } from '../src/domain/cadence';
import { shiftByLocalDays, stepDueAtMs, zonedTimeToUtcMs } from '../src/domain/schedule';
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
