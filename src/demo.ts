/** The demo portfolio shipped in demo/: accounts on the fast demo cadence, and payments that arrive over a few minutes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { AccountError, reportPayment } from './client/accounts.client';
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
  return () => timers.forEach(clearTimeout);
}
