import type { Pool } from 'pg';

export interface DeliveryRecord {
  /** The idempotency key (the attempts of this delivery are kept under it). */
  key: string;
  /** INSERT … ON CONFLICT DO NOTHING of the row in its pending state. */
  insert: { text: string; values: unknown[] };
  /** SELECT of (done: boolean, reference: string|null), by the idempotency key (run as a subquery: no trailing semicolon). */
  find: { text: string; values: unknown[] };
  /** UPDATE that marks the row done with the reference the receiver gave ($1 is the reference; run inside a WITH, without RETURNING). */
  markDone: { text: string; values: unknown[] };
}

export interface DeliveryOutcome {
  /** delivered now; already_delivered (found done); recovered (an earlier attempt reached the receiver, found by a look-up). */
  status: 'delivered' | 'already_delivered' | 'recovered';
  reference: string;
  /** Earlier attempts whose outcome is unknown: each may have reached the receiver (0 in the normal case). */
  uncertainAttempts: number;
}

/**
 * Delivers once per idempotency key, on one connection. A session lock on the key (Postgres
 * advisory lock, released when the connection ends, so a dead process holds nothing) keeps a
 * duplicate attempt running at the same time waiting until the first is done. Each hand-over is
 * committed to delivery_attempts before the receiver is called: when a process dies after the
 * receiver accepted but before the commit (or the commit fails), the retry finds that attempt
 * open and asks the receiver (`lookUp`) whether it already has the message before sending again.
 * A receiver without a look-up (SMTP) gets it again under the same idempotency key (Message-ID,
 * Idempotency-Key), which is all such a receiver allows.
 */
export async function deliverOnce(
  pool: Pool,
  record: DeliveryRecord,
  deliver: () => Promise<string>,
  lookUp?: (since: Date) => Promise<string | null>,
): Promise<DeliveryOutcome> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 727))`, [record.key]);
    try {
      await client.query(record.insert.text, record.insert.values);
      // The row and its attempts of unknown outcome, in one round trip.
      const keyParam = `$${record.find.values.length + 1}`;
      const { rows } = await client.query<{ done: boolean; reference: string | null; open_attempts: number; open_since: Date | null }>(
        `SELECT f.done, f.reference, a.open_attempts, a.open_since
           FROM (${record.find.text}) f
           CROSS JOIN (SELECT count(*)::int AS open_attempts, min(started_at) AS open_since FROM delivery_attempts WHERE idempotency_key = ${keyParam} AND outcome IS NULL) a`,
        [...record.find.values, record.key],
      );
      const row = rows[0];
      if (!row) throw new Error('delivery row vanished after insert');
      if (row.done) return { status: 'already_delivered', reference: row.reference ?? '', uncertainAttempts: 0 };
      const uncertainAttempts = row.open_attempts;
      // The row marked done and its open attempts closed in one statement (atomic without BEGIN/COMMIT).
      const finish = async (reference: string, outcome: 'accepted' | 'recovered') => {
        const n = record.markDone.values.length + 1;
        await client.query(
          `WITH done AS (${record.markDone.text})
           UPDATE delivery_attempts SET outcome = $${n + 2}, finished_at = now() WHERE idempotency_key = $${n + 1} AND outcome IS NULL`,
          [reference, ...record.markDone.values, record.key, outcome],
        );
      };
      if (uncertainAttempts > 0 && lookUp) {
        // A minute of slack for clocks that disagree between this database and the receiver.
        const found = await lookUp(new Date(row.open_since!.getTime() - 60_000));
        if (found) {
          await finish(found, 'recovered');
          return { status: 'recovered', reference: found, uncertainAttempts };
        }
      }
      const attempt = await client.query<{ id: string }>(`INSERT INTO delivery_attempts (idempotency_key) VALUES ($1) RETURNING id`, [record.key]);
      let reference: string;
      try {
        reference = await deliver();
      } catch (error) {
        // An answer from the receiver is certain; a lost connection or a timeout is not, and stays open.
        if (receiverAnswered(error)) await client.query(`UPDATE delivery_attempts SET outcome = 'refused', finished_at = now() WHERE id = $1`, [attempt.rows[0]!.id]);
        throw error;
      }
      await finish(reference, 'accepted');
      return { status: 'delivered', reference, uncertainAttempts };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 727))`, [record.key]).catch((error: Error) => {
        broken = error; // the connection is dropped below, which releases the lock
      });
    }
  } finally {
    client.release(broken);
  }
}

/** An SMTP reply code, an HTTP status from Twilio or a webhook: the receiver said no, so it does not have the message. */
function receiverAnswered(error: unknown): boolean {
  const e = error as { responseCode?: unknown; status?: unknown };
  return typeof e?.responseCode === 'number' || typeof e?.status === 'number';
}
