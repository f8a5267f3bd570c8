/** The account and the instant the engine's rule tests start from (test/engine*.test.ts). */
import type { AccountProfile } from '../../src/domain/account';
import { zonedTimeToUtcMs } from '../../src/domain/schedule';

export const NY = 'America/New_York';
/** Monday 2 November 2026, 10:00 in New York: inside the contact window. */
export const START = new Date(zonedTimeToUtcMs('2026-11-02', '10:00', NY)).toISOString();

export function account(overrides: Partial<AccountProfile> = {}): AccountProfile {
  return {
    accountId: 'A-1',
    creditorId: 'cred-rules',
    product: 'utility',
    debtorName: 'Rule Debtor',
    email: 'rule@example.test',
    phone: '+12125550123',
    language: 'en',
    address: { line1: '1 Main St', city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' },
    timezone: NY,
    currency: 'USD',
    balanceMinor: 500_00,
    dueDate: '2026-09-01',
    consent: { email: true, sms: true },
    serviceId: 'SVC-9',
    collateralVin: null,
    insuranceClaimId: null,
    ...overrides,
  };
}
