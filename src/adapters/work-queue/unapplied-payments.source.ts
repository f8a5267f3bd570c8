/** Money that could not be applied (`unapplied_payments`, migration 010): a person decides where it goes. */
import type { Pool } from 'pg';
import type { QueueItem } from '../../domain/work-queue';
import { toSafeInteger } from '../postgres';
import type { QueueSource } from './source';

type Row = { id: string; creditor_id: string; account_id: string; payment_id: string; amount_minor: string; currency: string; reason: string; source: string; recorded_at: Date };
const SELECT = 'SELECT id, creditor_id, account_id, payment_id, amount_minor, currency, reason, source, recorded_at FROM unapplied_payments';

const toItem = (r: Row): QueueItem => ({
  source: 'unapplied_payments',
  id: String(r.id),
  kind: 'unapplied_payment',
  creditorId: r.creditor_id,
  accountId: r.account_id,
  title: `Payment ${r.payment_id} could not be applied`,
  priority: 2,
  createdAt: r.recorded_at.toISOString(),
  dueAt: null,
  detail: { paymentId: r.payment_id, amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'), currency: r.currency, reason: r.reason, from: r.source },
});

export function unappliedPaymentsSource(pool: Pool): QueueSource {
  return {
    name: 'unapplied_payments',
    kinds: ['unapplied_payment'],
    async list(creditorIds) {
      const { rows } = await pool.query<Row>(`${SELECT} WHERE resolved_at IS NULL AND creditor_id = ANY($1)`, [creditorIds]);
      return rows.map(toItem);
    },
    async get(id) {
      if (!/^\d+$/.test(id)) return null;
      const { rows } = await pool.query<Row>(`${SELECT} WHERE id = $1 AND resolved_at IS NULL`, [id]);
      return rows[0] ? toItem(rows[0]) : null;
    },
    async close(id, outcome, by) {
      if (!/^\d+$/.test(id)) return false;
      const result = await pool.query('UPDATE unapplied_payments SET resolved_at = now(), resolution = $2 WHERE id = $1 AND resolved_at IS NULL', [id, `${outcome} (by ${by})`]);
      return (result.rowCount ?? 0) > 0;
    },
  };
}
