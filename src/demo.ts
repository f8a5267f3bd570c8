/** The demo portfolio shipped in demo/: accounts on the fast demo cadence, and payments that arrive over a few minutes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { acceptPlan, AccountError, grantExtension, recordPromise, reportPayment, reportPaymentReturn } from './client/accounts.client';
import { addDays } from './domain/arrangements';
import type { AccountProfile } from './domain/account';
import { identifier, minorUnits } from './schemas/account.schema';

export const DEMO_DIR = join(__dirname, '..', '..', 'demo');
export const CADENCES_DIR = join(__dirname, '..', '..', 'cadences');

const demoPaymentSchema = z.object({
  payment_id: identifier,
  creditor_id: identifier,
  account_id: identifier,
  amount_cents: minorUnits('a payment'),
  currency: z.string().length(3),
  after_seconds: z.coerce.number().int().min(0),
});

export function loadDemoPayments(path = join(DEMO_DIR, 'payments.csv')) {
  const rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as unknown[];
  return rows.map((row, i) => {
    const parsed = demoPaymentSchema.safeParse(row);
    if (!parsed.success) throw new Error(`${path} line ${i + 2}: ${parsed.error.issues.map((x) => `${String(x.path[0])}: ${x.message}`).join('; ')}`);
    return parsed.data;
  });
}

/** Reports each demo payment after its delay. Replays after a restart are harmless: payment ids post once. */
export function scheduleDemoPayments(client: Client, log: (line: string) => void): () => void {
  const timers = loadDemoPayments().map((p) =>
    setTimeout(() => {
      reportPayment(client, p.creditor_id, p.account_id, { paymentId: p.payment_id, amountMinor: p.amount_cents, currency: p.currency })
        .then(() => log(`demo payment ${p.payment_id}: ${p.amount_cents} ${p.currency} reported for ${p.account_id}`))
        .catch((error) => {
          if (error instanceof AccountError && error.code === 'account_closed') return; // paid before a restart
          log(`demo payment ${p.payment_id} failed: ${(error as Error).message}`);
        });
    }, p.after_seconds * 1000),
  );
  const arrangements = scheduleDemoArrangements(client, log);
  return () => {
    timers.forEach(clearTimeout);
    arrangements();
  };
}

const demoEventSchema = z.object({ afterSeconds: z.number().int().min(0), creditorId: identifier, accountId: identifier, kind: z.enum(['promise', 'plan', 'extension', 'return']), inDays: z.number().int().positive().optional() }).passthrough();

/** A promise, a plan, an extension and a returned payment from demo/arrangements.json, so the UI shows those stages too. */
function scheduleDemoArrangements(client: Client, log: (line: string) => void): () => void {
  const document = JSON.parse(readFileSync(join(DEMO_DIR, 'arrangements.json'), 'utf8')) as { events: unknown[] };
  const timers = document.events.map((raw, i) => {
    const event = demoEventSchema.parse(raw, { error: () => `demo/arrangements.json event ${i + 1} is malformed` });
    const { afterSeconds, creditorId, accountId, kind, inDays, ...rest } = event;
    const inDaysFromToday = () => addDays(new Date().toISOString().slice(0, 10), inDays ?? 7);
    const act = {
      promise: () => recordPromise(client, creditorId, accountId, { ...rest, date: inDaysFromToday() }),
      plan: () => acceptPlan(client, creditorId, accountId, rest),
      extension: () => grantExtension(client, creditorId, accountId, { ...rest, newDueDate: inDaysFromToday() }),
      return: () => reportPaymentReturn(client, creditorId, accountId, rest),
    }[kind];
    return setTimeout(() => {
      act()
        .then(() => log(`demo ${kind} for ${accountId} recorded`))
        // After a restart the account may have moved on (a promise already open, an extension used): say so, go on.
        .catch((error) => log(`demo ${kind} for ${accountId} not recorded: ${(error as Error).message}`));
    }, afterSeconds * 1000);
  });
  return () => timers.forEach(clearTimeout);
}

/** Places the demo may put its fictitious debtors: a zone with an address and a phone number that agree with it. */
const DEMO_PLACES = [
  { zone: 'America/New_York', country: 'US', region: 'NY', phonePrefix: '+1212555' },
  { zone: 'America/Chicago', country: 'US', region: 'IL', phonePrefix: '+1312555' },
  { zone: 'America/Denver', country: 'US', region: 'CO', phonePrefix: '+1303555' },
  { zone: 'America/Los_Angeles', country: 'US', region: 'CA', phonePrefix: '+1415555' },
  { zone: 'America/Anchorage', country: 'US', region: 'AK', phonePrefix: '+1907555' },
  { zone: 'Pacific/Honolulu', country: 'US', region: 'HI', phonePrefix: '+1808555' },
  { zone: 'Europe/London', country: 'GB', region: 'LND', phonePrefix: '+44207946' },
  { zone: 'Europe/Berlin', country: 'DE', region: 'BE', phonePrefix: '+49301234' },
  { zone: 'Asia/Kolkata', country: 'IN', region: 'WB', phonePrefix: '+91332212' },
  { zone: 'Asia/Singapore', country: 'SG', region: 'SG', phonePrefix: '+656123' },
  { zone: 'Asia/Tokyo', country: 'JP', region: '13', phonePrefix: '+81312345' },
  { zone: 'Australia/Sydney', country: 'AU', region: 'NSW', phonePrefix: '+61291234' },
  { zone: 'Pacific/Auckland', country: 'NZ', region: 'AUK', phonePrefix: '+64912345' },
] as const;
export type DemoPlace = (typeof DEMO_PLACES)[number];

/** Places where the local time is now between 09:00 and 18:59, well inside the contact window. */
export function daytimePlaces(now = new Date()): DemoPlace[] {
  const hourIn = (zone: string) => Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(now));
  return DEMO_PLACES.filter((place) => hourIn(place.zone) >= 9 && hourIn(place.zone) <= 18);
}

/**
 * The demo's debtors are fictitious; so that the demo shows reminders at any hour without
 * breaking the contact window (08:00-21:00 local), they are placed where it is daytime now,
 * with an address and a phone number that agree with the zone. Real accounts keep what they were enrolled with.
 */
export function placeDemoDebtorsInDaylight(accounts: AccountProfile[], now = new Date()): { accounts: AccountProfile[]; zones: string[] } {
  const places = daytimePlaces(now);
  if (places.length === 0) return { accounts, zones: [] };
  return {
    accounts: accounts.map((a, i) => {
      const place = places[i % places.length]!;
      return { ...a, timezone: place.zone, address: { ...a.address, country: place.country, region: place.region }, phone: a.phone ? place.phonePrefix + a.phone.slice(-4) : null };
    }),
    zones: places.map((p) => p.zone),
  };
}
