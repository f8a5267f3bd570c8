import type { Pool } from 'pg';
import type { Channel } from '../domain/account';
import { inTransaction } from './postgres';

export interface OutboundMessage {
  idempotencyKey: string;
  accountKey: string;
  channel: Channel;
  stepId: string;
  recipient: string;
  subject: string | null;
  body: string;
}

export interface SendOutcome {
  status: 'sent' | 'already_sent';
  providerMessageId: string;
}

/**
 * Sends a message at most once per idempotency key. The row is locked while the provider is
 * called, so a duplicate attempt running at the same time waits and then finds it sent.
 * The one remaining gap: a process that dies after the provider accepted the message but
 * before the commit will send again on retry (the provider cannot be asked afterwards).
 */
export function createMessageLog(pool: Pool) {
  return {
    async sendOnce(message: OutboundMessage, deliver: () => Promise<string>): Promise<SendOutcome> {
      const client = await pool.connect();
      try {
        return await inTransaction(client, async () => {
          await client.query(
            `INSERT INTO outbound_messages (idempotency_key, account_key, channel, step_id, recipient, subject, body, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending') ON CONFLICT (idempotency_key) DO NOTHING`,
            [message.idempotencyKey, message.accountKey, message.channel, message.stepId, message.recipient, message.subject, message.body],
          );
          const { rows } = await client.query<{ status: string; provider_message_id: string | null }>(
            'SELECT status, provider_message_id FROM outbound_messages WHERE idempotency_key = $1 FOR UPDATE',
            [message.idempotencyKey],
          );
          const row = rows[0]!;
          if (row.status === 'sent') return { status: 'already_sent', providerMessageId: row.provider_message_id ?? '' };
          const providerMessageId = await deliver();
          await client.query(
            `UPDATE outbound_messages SET status = 'sent', provider_message_id = $2, sent_at = now(), attempts = attempts + 1
              WHERE idempotency_key = $1`,
            [message.idempotencyKey, providerMessageId],
          );
          return { status: 'sent', providerMessageId };
        });
      } finally {
        client.release();
      }
    },

    async list(accountKey: string) {
      const { rows } = await pool.query(
        `SELECT idempotency_key, channel, step_id, recipient, subject, status, provider_message_id, sent_at
           FROM outbound_messages WHERE account_key = $1 ORDER BY created_at, idempotency_key`,
        [accountKey],
      );
      return rows as { idempotency_key: string; channel: Channel; step_id: string; recipient: string; subject: string | null; status: string; provider_message_id: string | null; sent_at: Date | null }[];
    },
  };
}
export type MessageLog = ReturnType<typeof createMessageLog>;
