/**
 * Which of our accounts an inbound message (an SMS reply, an email reply, bounce or complaint) is
 * about, found through the messages we sent (outbound_messages): the message it answers, the
 * latest message we sent to that address, or every account we messaged at that address.
 */
import type { Pool } from 'pg';
import type { Channel } from '../domain/account';

type MessagedChannel = Extract<Channel, 'email' | 'sms'>;

/** Addresses compare as the providers do: email without case, phone numbers exactly (E.164). */
const sameAddress = (channel: MessagedChannel) => (channel === 'email' ? 'lower(recipient) = lower($2)' : 'recipient = $2');

export function createOutboundLookup(pool: Pool) {
  return {
    /** The accounts of the message with this provider id (an email's Message-ID, with or without <>). */
    async accountsOfMessage(channel: MessagedChannel, providerMessageId: string): Promise<string[]> {
      const bare = providerMessageId.replace(/^<|>$/g, '');
      const { rows } = await pool.query<{ account_key: string }>(
        `SELECT DISTINCT account_key FROM outbound_messages WHERE channel = $1 AND provider_message_id IN ($2, $3) ORDER BY account_key`,
        [channel, bare, `<${bare}>`],
      );
      return rows.map((r) => r.account_key);
    },

    /** The account of the latest message we sent to the address: what a reply without a reference answers. */
    async latestAccountMessaged(channel: MessagedChannel, address: string): Promise<string | null> {
      const { rows } = await pool.query<{ account_key: string }>(
        `SELECT account_key FROM outbound_messages WHERE channel = $1 AND ${sameAddress(channel)} AND status = 'sent'
          ORDER BY sent_at DESC NULLS LAST, created_at DESC, idempotency_key DESC LIMIT 1`,
        [channel, address],
      );
      return rows[0]?.account_key ?? null;
    },

    /** Every account we messaged at the address, whichever creditor's. */
    async accountsMessaged(channel: MessagedChannel, address: string): Promise<string[]> {
      const { rows } = await pool.query<{ account_key: string }>(
        `SELECT DISTINCT account_key FROM outbound_messages WHERE channel = $1 AND ${sameAddress(channel)} ORDER BY account_key`,
        [channel, address],
      );
      return rows.map((r) => r.account_key);
    },
  };
}
export type OutboundLookup = ReturnType<typeof createOutboundLookup>;
