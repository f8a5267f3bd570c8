/** Every attempt to take money through a processor (migration 018), once per idempotency key. */
import type { Pool } from 'pg';

export interface PaymentAttempt {
  attemptKey: string;
  accountKey: string;
  creditorId: string;
  kind: 'checkout' | 'retry';
  processor: string;
  processorId: string | null;
  amountMinor: number;
  currency: string;
  status: string;
  declineCode: string | null;
}

export function createPaymentAttemptRepository(pool: Pool) {
  return {
    /** Keeps the attempt, or updates its outcome when it is already kept. */
    async record(attempt: PaymentAttempt): Promise<void> {
      await pool.query(
        `INSERT INTO payment_attempts (attempt_key, account_key, creditor_id, kind, processor, processor_id, amount_minor, currency, status, decline_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (attempt_key) DO UPDATE SET processor_id = coalesce(EXCLUDED.processor_id, payment_attempts.processor_id), status = EXCLUDED.status, decline_code = EXCLUDED.decline_code, updated_at = now()`,
        [attempt.attemptKey, attempt.accountKey, attempt.creditorId, attempt.kind, attempt.processor, attempt.processorId, attempt.amountMinor, attempt.currency, attempt.status, attempt.declineCode],
      );
    },
    async forAccount(accountKey: string): Promise<PaymentAttempt[]> {
      const { rows } = await pool.query<{ attempt_key: string; account_key: string; creditor_id: string; kind: 'checkout' | 'retry'; processor: string; processor_id: string | null; amount_minor: string; currency: string; status: string; decline_code: string | null }>(
        'SELECT * FROM payment_attempts WHERE account_key = $1 ORDER BY created_at, attempt_key',
        [accountKey],
      );
      return rows.map((r) => ({ attemptKey: r.attempt_key, accountKey: r.account_key, creditorId: r.creditor_id, kind: r.kind, processor: r.processor, processorId: r.processor_id, amountMinor: Number(r.amount_minor), currency: r.currency, status: r.status, declineCode: r.decline_code }));
    },
  };
}
export type PaymentAttemptRepository = ReturnType<typeof createPaymentAttemptRepository>;
