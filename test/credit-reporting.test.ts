import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayFurnishToCreditBureaus, type ReportingFacts } from '../src/domain/credit-reporting';

const base: ReportingFacts = { now: '2026-12-01T12:00:00Z', conversations: [], sent: [], dispute: 'none', disputedOutsideValidationPeriod: false };

describe('credit reporting gate (Reg F 1006.30(a))', () => {
  const cases: [string, Partial<ReportingFacts>, ReturnType<typeof mayFurnishToCreditBureaus>][] = [
    ['nothing yet', {}, { allowed: false, reason: 'no conversation and no letter or email about the debt yet', earliest: null }],
    ['a letter 13 days ago', { sent: [{ channel: 'letter', at: '2026-11-18T12:00:01Z', undeliverable: false }] }, { allowed: false, reason: 'waiting 14 days for a notice of undeliverability', earliest: '2026-12-02T12:00:01.000Z' }],
    ['a letter exactly 14 days ago', { sent: [{ channel: 'letter', at: '2026-11-17T12:00:00Z', undeliverable: false }] }, { allowed: true, basis: 'delivered_message', complianceConditionCode: null }],
    ['an email that bounced', { sent: [{ channel: 'email', at: '2026-10-01T12:00:00Z', undeliverable: true }] }, { allowed: false, reason: 'no conversation and no letter or email about the debt yet', earliest: null }],
    ['a text alone does not count', { sent: [{ channel: 'sms', at: '2026-10-01T12:00:00Z', undeliverable: false }] }, { allowed: false, reason: 'no conversation and no letter or email about the debt yet', earliest: null }],
    ['a conversation today', { conversations: ['2026-12-01T09:00:00Z'] }, { allowed: true, basis: 'conversation', complianceConditionCode: null }],
    ['disputed: reported with XB', { conversations: ['2026-11-01T09:00:00Z'], dispute: 'pending_verification' }, { allowed: true, basis: 'conversation', complianceConditionCode: 'XB' }],
    ['disputed after the validation period: still XB', { conversations: ['2026-11-01T09:00:00Z'], disputedOutsideValidationPeriod: true }, { allowed: true, basis: 'conversation', complianceConditionCode: 'XB' }],
  ];
  for (const [name, facts, expected] of cases) it(name, () => assert.deepEqual(mayFurnishToCreditBureaus({ ...base, ...facts }), expected));
});
