/**
 * What debtors write that a person must read: free-text requests to stop, other replies, mail to
 * the opt-out address that matches no account. Kept once per provider message id; an operator's
 * work queue lists the open ones.
 */
import type { Pool } from 'pg';

export interface DebtorMessage {
  channel: 'email' | 'sms';
  sourceId: string;
  from: string;
  accountKeys: string[];
  kind: 'stop_request' | 'reply' | 'unmatched';
  subject: string | null;
  body: string;
  /** What it seems to ask: the media it names, and whether it asks for no contact at all. */
  reading: Record<string, unknown>;
  /** What the product already did with it (e.g. "email opted out on 2 accounts"). */
  applied: string | null;
}

export function createDebtorMessageRepository(pool: Pool) {
  return {
    /** Keeps the message once (a provider's retry of the same id changes nothing). */
    async keep(message: DebtorMessage): Promise<void> {
      await pool.query(
        `INSERT INTO debtor_messages (channel, source_id, from_address, account_keys, kind, subject, body, reading, applied)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_id) DO NOTHING`,
        [message.channel, message.sourceId, message.from, message.accountKeys, message.kind, message.subject, message.body, JSON.stringify(message.reading), message.applied],
      );
    },

    /** The open messages, oldest first (the work queue). */
    async open(filter: { accountKey?: string } = {}): Promise<(DebtorMessage & { id: string; receivedAt: string })[]> {
      const { rows } = await pool.query<{ id: string; received_at: Date; channel: 'email' | 'sms'; source_id: string; from_address: string; account_keys: string[]; kind: DebtorMessage['kind']; subject: string | null; body: string; reading: Record<string, unknown>; applied: string | null }>(
        `SELECT * FROM debtor_messages WHERE status = 'open' AND ($1::text IS NULL OR $1 = ANY(account_keys)) ORDER BY received_at, id`,
        [filter.accountKey ?? null],
      );
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at.toISOString(), channel: r.channel, sourceId: r.source_id, from: r.from_address, accountKeys: r.account_keys, kind: r.kind, subject: r.subject, body: r.body, reading: r.reading, applied: r.applied }));
    },
  };
}
export type DebtorMessageRepository = ReturnType<typeof createDebtorMessageRepository>;
