/** Money that arrived but could not be applied to an account, kept once per payment id for an operator. */
import type { Pool } from 'pg';
import { toSafeInteger } from './postgres';

export interface UnappliedPayment {
  creditorId: string;
  accountId: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt: string | null;
  reason: string;
  /** Where it was found: the payment webhook, the API, the command line, or the account's workflow. */
  source: 'webhook' | 'api' | 'cli' | 'workflow';
}

export function createUnappliedPayments(pool: Pool) {
  return {
    /** Keeps the payment once per creditor and payment id (a repeated delivery changes nothing). */
    async record(payment: UnappliedPayment): Promise<void> {
      await pool.query(
        `INSERT INTO unapplied_payments (creditor_id, account_id, payment_id, amount_minor, currency, received_at, reason, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (creditor_id, payment_id) DO NOTHING`,
        [payment.creditorId, payment.accountId, payment.paymentId, payment.amountMinor, payment.currency, payment.receivedAt, payment.reason, payment.source],
      );
    },
    async listOpen(creditorId?: string): Promise<(UnappliedPayment & { recordedAt: string })[]> {
      const { rows } = await pool.query(
        `SELECT creditor_id, account_id, payment_id, amount_minor, currency, received_at, reason, source, recorded_at
           FROM unapplied_payments WHERE resolved_at IS NULL AND ($1::text IS NULL OR creditor_id = $1) ORDER BY recorded_at, id`,
        [creditorId ?? null],
      );
      return rows.map((r) => ({
        creditorId: r.creditor_id,
        accountId: r.account_id,
        paymentId: r.payment_id,
        amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
        currency: r.currency,
        receivedAt: r.received_at ? (r.received_at as Date).toISOString() : null,
        reason: r.reason,
        source: r.source,
        recordedAt: (r.recorded_at as Date).toISOString(),
      }));
    },
  };
}
export type UnappliedPayments = ReturnType<typeof createUnappliedPayments>;

/** A sink for one source: keeps what it is given, with where it was found. */
export function keepUnapplied(pool: Pool, source: UnappliedPayment['source']) {
  const repository = createUnappliedPayments(pool);
  return (payment: Omit<UnappliedPayment, 'source'>) => repository.record({ ...payment, source });
}
