import { join } from 'node:path';
import type { AccountProfile } from '../../src/domain/account';
import { daytimePlaces } from '../../src/demo';
import { loadCadenceFile } from '../../src/schemas/cadence.schema';

export const ROOT = join(__dirname, '..', '..', '..');
export const SHARED_DATA = join(ROOT, '..', 'shared', 'data');
export const standardCadence = () => loadCadenceFile(join(ROOT, 'cadences', 'standard.json'));
export const settings = { paymentLinkBaseUrl: 'https://pay.example.test', optOutEmail: 'optout@example.test' };

/**
 * How far TEST_CLOCK_OFFSET_DAYS and TEST_CLOCK_OFFSET_HOURS move the time-skipping test server's
 * clock ahead of the real one (whole days and hours, never backwards: the server cannot go back).
 */
export function testClockOffsetMs(): number {
  const read = (name: string) => {
    const raw = process.env[name] ?? '0';
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${raw}: must be a whole number of ${name.endsWith('DAYS') ? 'days' : 'hours'}, 0 or more`);
    return value;
  };
  return read('TEST_CLOCK_OFFSET_DAYS') * 86_400_000 + read('TEST_CLOCK_OFFSET_HOURS') * 3_600_000;
}

/** Today's date (UTC) on the test server's clock when a file starts, `days` later or earlier. */
export function testDate(days = 0): string {
  return new Date(Date.now() + testClockOffsetMs() + days * 86_400_000).toISOString().slice(0, 10);
}

let counter = 0;
/** A valid account with a unique id; override what the test is about. */
export function makeAccount(overrides: Partial<AccountProfile> = {}): AccountProfile {
  counter += 1;
  const id = `T-${process.pid}-${Date.now().toString(36)}-${counter}`;
  return {
    accountId: id,
    creditorId: 'cred-test',
    product: 'utility',
    debtorName: 'Test Debtor',
    email: `debtor.${counter}@example.test`,
    phone: `+1212555${String(1000 + counter).slice(-4)}`,
    language: 'en',
    address: { line1: '1 Main St', city: 'Springfield', region: 'NY', postalCode: '12207', country: 'US' },
    timezone: 'America/New_York',
    currency: 'USD',
    balanceMinor: 120_00,
    // Two months past due whenever the suite runs: never yet time-barred, always past due.
    dueDate: testDate(-60),
    consent: { email: true, sms: true },
    serviceId: null,
    collateralVin: null,
    insuranceClaimId: null,
    ...overrides,
  };
}

/** For tests on real time: a debtor who lives where it is daytime now, so the contact window lets a first notice out at once. */
export function makeDaytimeAccount(overrides: Partial<AccountProfile> = {}): AccountProfile {
  const place = daytimePlaces()[0]!;
  const account = makeAccount(overrides);
  return { ...account, timezone: place.zone, address: { ...account.address, country: place.country, region: place.region }, phone: place.phonePrefix + account.phone!.slice(-4) };
}
