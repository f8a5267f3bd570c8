/**
 * The pieces of load the benchmark and the production-topology test share: accounts of fictitious
 * debtors where it is daytime, enrollment with progress, a cadence whose one reminder falls due
 * for every account in the same minute, counting what the message log has sent, percentiles.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { enrollAccounts } from '../src/client/accounts.client';
import { daytimePlaces } from '../src/demo';
import type { AccountProfile } from '../src/domain/account';
import type { Cadence, RenderSettings } from '../src/domain/cadence';
import { parseCadence } from '../src/schemas/cadence.schema';
import type { CreditorDirectory } from '../src/schemas/creditors.schema';

export const BENCH_CREDITOR = 'cred-metro-power';

/** n accounts `${prefix}-000001`…, two months past due, in zones where it is daytime now (or in `zone`). */
export function benchAccounts(prefix: string, n: number, options: { from?: number; zone?: string } = {}): AccountProfile[] {
  const places = daytimePlaces().filter((p) => !options.zone || p.zone === options.zone);
  if (places.length === 0) throw new Error('no demo place is in daytime now');
  const due = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: n }, (_, k) => {
    const i = (options.from ?? 0) + k + 1;
    const place = places[i % places.length]!;
    const id = `${prefix}-${String(i).padStart(6, '0')}`;
    return {
      accountId: id,
      creditorId: BENCH_CREDITOR,
      product: 'utility',
      debtorName: `Bench Debtor ${i}`,
      email: `${id.toLowerCase()}@example.test`,
      phone: place.phonePrefix + String(1000 + (i % 9000)).padStart(4, '0'),
      language: 'en',
      address: { line1: `${i} Bench St`, city: 'Springfield', region: place.region, postalCode: '12207', country: place.country },
      timezone: place.zone,
      currency: 'USD',
      balanceMinor: 120_00,
      dueDate: due,
      consent: { email: true, sms: true },
      serviceId: `SVC-${i}`,
      collateralVin: null,
      insuranceClaimId: null,
    };
  });
}

/** Enrolls in chunks, printing progress; returns the rate and failures. */
export async function enrollWithProgress(
  client: Client,
  accounts: AccountProfile[],
  options: { cadence?: Cadence; settings: RenderSettings; taskQueue: string; creditors: CreditorDirectory; concurrency?: number; progress?: (line: string) => void },
): Promise<{ started: number; failed: number; seconds: number; perSecond: number; firstError: string | null }> {
  const t0 = Date.now();
  let started = 0;
  let failed = 0;
  let firstError: string | null = null;
  const chunk = 500;
  for (let i = 0; i < accounts.length; i += chunk) {
    const results = await enrollAccounts(client, accounts.slice(i, i + chunk), { ...options, concurrency: options.concurrency ?? 16 });
    for (const r of results) {
      if (r.status === 'failed') {
        failed += 1;
        firstError ??= 'error' in r ? r.error : 'failed';
      } else started += 1;
    }
    options.progress?.(`enrolled ${started + failed}/${accounts.length} (${rate(started, Date.now() - t0)}/s)`);
  }
  const seconds = (Date.now() - t0) / 1000;
  return { started, failed, seconds, perSecond: started / seconds, firstError };
}

/** Messages of a step sent so far for accounts whose id starts with prefix. */
export async function sentCount(pool: Pool, stepId: string, prefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbound_messages WHERE step_id = $1 AND status = 'sent' AND account_key LIKE $2`, [stepId, `account/%/${prefix}-%`]);
  return Number(rows[0]!.n);
}

/** Waits until `target` messages of a step are sent, printing progress; stops after `stallSeconds` without progress. */
export async function waitForSent(
  pool: Pool,
  stepId: string,
  prefix: string,
  target: number,
  options: { stallSeconds?: number; progress?: (line: string) => void; everyMs?: number } = {},
): Promise<{ reached: boolean; count: number; at: number }> {
  const stallMs = (options.stallSeconds ?? 180) * 1000;
  let last = -1;
  let lastChange = Date.now();
  let lastPrint = 0;
  for (;;) {
    const count = await sentCount(pool, stepId, prefix);
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    }
    if (count >= target) return { reached: true, count, at: Date.now() };
    if (Date.now() - lastChange > stallMs) return { reached: false, count, at: Date.now() };
    if (Date.now() - lastPrint > (options.everyMs ?? 10_000)) {
      lastPrint = Date.now();
      options.progress?.(`${stepId}: ${count}/${target} sent`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Send times of a step's messages, in ms since the epoch (from the message log). */
export async function sentTimes(pool: Pool, stepId: string, prefix: string): Promise<number[]> {
  const { rows } = await pool.query<{ t: Date }>(`SELECT sent_at AS t FROM outbound_messages WHERE step_id = $1 AND status = 'sent' AND account_key LIKE $2 ORDER BY sent_at`, [stepId, `account/%/${prefix}-%`]);
  return rows.map((r) => r.t.getTime());
}

/** Messages of a step sent more than once to one account (must be none), from the message log. */
export async function duplicateSends(pool: Pool, prefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT account_key, step_id FROM outbound_messages WHERE account_key LIKE $1 GROUP BY account_key, step_id HAVING count(*) > 1) d`,
    [`account/%/${prefix}-%`],
  );
  return Number(rows[0]!.n);
}

/** HH:MM in a zone, `ms` from now, rounded up to the next whole minute; and that instant. */
export function localMinuteAhead(zone: string, ms: number): { hhmm: string; atMs: number; localHour: number } {
  const atMs = Math.ceil((Date.now() + ms) / 60_000) * 60_000;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(atMs));
  const hour = parts.find((p) => p.type === 'hour')!.value;
  const minute = parts.find((p) => p.type === 'minute')!.value;
  return { hhmm: `${hour}:${minute}`, atMs, localHour: Number(hour) };
}

/** A one-step cadence: an email reminder at hh:mm local on the day of enrollment (every account due in the same minute). */
export function burstCadence(name: string, hhmm: string): Cadence {
  return parseCadence({
    name,
    version: 1,
    description: 'Benchmark: one email reminder at the same local minute for every account.',
    steps: [{ id: 'burst-reminder', after: '0d', atLocalTime: hhmm, action: 'email', template: 'reminder' }],
    templates: {
      reminder: {
        en: {
          subject: 'Reminder: {{balance}} due on account {{accountId}}',
          text: 'Dear {{debtorName}},\n\n{{balance}} is past due on account {{accountId}}. Pay: {{paymentLink}}\n\nThis communication is from a debt collector.\n\nTo stop receiving email about this account, write to {{optOutEmail}}.',
        },
      },
    },
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function rate(count: number, ms: number): number {
  return Math.round((count / Math.max(ms, 1)) * 1000 * 10) / 10;
}

/** Runs `n` jobs (or as many as fit in durationMs), `concurrency` at a time; returns each job's latency in ms. */
export async function closedLoop(n: number, concurrency: number, job: (i: number) => Promise<unknown>, durationMs = Infinity): Promise<{ latencies: number[]; ms: number; errors: number; firstError: string | null }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | null = null;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n && Date.now() - t0 < durationMs) {
        const i = next++;
        const t = performance.now();
        try {
          await job(i);
          latencies.push(performance.now() - t);
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return { latencies, ms: Date.now() - t0, errors, firstError };
}
