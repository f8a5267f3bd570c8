import type { Pool } from 'pg';
import { inTransaction } from './postgres';

export interface DeliveryRecord {
  /** INSERT … ON CONFLICT DO NOTHING of the row in its pending state. */
  insert: { text: string; values: unknown[] };
  /** SELECT of (done: boolean, reference: string|null) FOR UPDATE, by the idempotency key. */
  lock: { text: string; values: unknown[] };
  /** UPDATE that marks the row done with the reference the receiver gave ($1 is the reference). */
  markDone: { text: string; values: unknown[] };
}

/**
 * Delivers once per idempotency key: the row is locked while the receiver is called, so a
 * duplicate attempt running at the same time waits and then finds it done. The one gap: a
 * process that dies after the receiver accepted but before the commit delivers again on retry,
 * which is why every receiver also gets the idempotency key (Message-ID, Idempotency-Key).
 */
export async function deliverOnce(pool: Pool, record: DeliveryRecord, deliver: () => Promise<string>): Promise<{ status: 'delivered' | 'already_delivered'; reference: string }> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, async () => {
      await client.query(record.insert.text, record.insert.values);
      const { rows } = await client.query<{ done: boolean; reference: string | null }>(record.lock.text, record.lock.values);
      const row = rows[0];
      if (!row) throw new Error('delivery row vanished after insert');
      if (row.done) return { status: 'already_delivered', reference: row.reference ?? '' };
      const reference = await deliver();
      await client.query(record.markDone.text, [reference, ...record.markDone.values]);
      return { status: 'delivered', reference };
    });
  } finally {
    client.release();
  }
}
