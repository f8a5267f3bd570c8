import type { Pool } from 'pg';
import type { Channel } from '../domain/account';
import { deliverOnce } from './delivery-log';

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

/** Every outbound message, sent at most once per idempotency key (see deliverOnce). */
export function createMessageLog(pool: Pool) {
  return {
    /** lookUp: asks the provider whether an earlier attempt that never finished already reached it (see deliverOnce). */
    async sendOnce(message: OutboundMessage, deliver: () => Promise<string>, lookUp?: (since: Date) => Promise<string | null>): Promise<SendOutcome> {
      const outcome = await deliverOnce(
        pool,
        {
          key: message.idempotencyKey,
          insert: {
            text: `INSERT INTO outbound_messages (idempotency_key, account_key, channel, step_id, recipient, subject, body, status)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending') ON CONFLICT (idempotency_key) DO NOTHING`,
            values: [message.idempotencyKey, message.accountKey, message.channel, message.stepId, message.recipient, message.subject, message.body],
          },
          find: {
            text: `SELECT status = 'sent' AS done, provider_message_id AS reference FROM outbound_messages WHERE idempotency_key = $1`,
            values: [message.idempotencyKey],
          },
          markDone: {
            text: `UPDATE outbound_messages SET status = 'sent', provider_message_id = $1, sent_at = now(), attempts = attempts + 1 WHERE idempotency_key = $2`,
            values: [message.idempotencyKey],
          },
        },
        deliver,
        lookUp,
      );
      return { status: outcome.status === 'delivered' ? 'sent' : 'already_sent', providerMessageId: outcome.reference };
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
