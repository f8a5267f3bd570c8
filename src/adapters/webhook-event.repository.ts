/**
 * Each provider event (a payment processor's, the mail provider's) takes effect once per
 * (source, creditor, event id). One atomic insert claims it before its effect, so of two
 * deliveries arriving together exactly one goes on; the claim becomes `done` after the effect, or
 * is removed when the effect failed, so the provider's retry can succeed. A claim still
 * `processing` after STALE_CLAIM_MINUTES (its process died half-way) is taken over by the next
 * delivery. Table: webhook_events (migrations 005 and 009).
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export const STALE_CLAIM_MINUTES = 1;

export interface WebhookEventKey {
  source: 'payments' | 'email';
  /** The creditor whose event it is; '' for a provider that serves every creditor (the mail provider). */
  creditorId: string;
  eventId: string;
}

export type Claim = { claimed: true; key: WebhookEventKey; token: string } | { claimed: false; state: 'done' | 'processing' };

export function createWebhookEventRepository(pool: Pool) {
  return {
    async claim(key: WebhookEventKey, accountKey: string): Promise<Claim> {
      const token = randomUUID();
      const { rowCount } = await pool.query(
        `INSERT INTO webhook_events (source, creditor_id, event_id, account_key, status, claim_token, claimed_at)
         VALUES ($1, $2, $3, $4, 'processing', $5, now())
         ON CONFLICT (source, creditor_id, event_id) DO UPDATE
            SET account_key = EXCLUDED.account_key, claim_token = EXCLUDED.claim_token, claimed_at = now()
          WHERE webhook_events.status = 'processing' AND webhook_events.claimed_at < now() - make_interval(mins => $6::int)`,
        [key.source, key.creditorId, key.eventId, accountKey, token, STALE_CLAIM_MINUTES],
      );
      if (rowCount) return { claimed: true, key, token };
      const { rows } = await pool.query<{ status: 'done' | 'processing' }>('SELECT status FROM webhook_events WHERE source = $1 AND creditor_id = $2 AND event_id = $3', [
        key.source,
        key.creditorId,
        key.eventId,
      ]);
      // Gone between the two statements: the other delivery failed and let go; the provider retries.
      return { claimed: false, state: rows[0]?.status ?? 'processing' };
    },

    /** The effect took place: later deliveries of the event are replays. */
    async complete(claim: Extract<Claim, { claimed: true }>): Promise<void> {
      await pool.query(`UPDATE webhook_events SET status = 'done' WHERE source = $1 AND creditor_id = $2 AND event_id = $3 AND claim_token = $4`, [
        claim.key.source,
        claim.key.creditorId,
        claim.key.eventId,
        claim.token,
      ]);
    },

    /** The effect did not take place: let the provider's retry have the event. */
    async release(claim: Extract<Claim, { claimed: true }>): Promise<void> {
      await pool.query(`DELETE FROM webhook_events WHERE source = $1 AND creditor_id = $2 AND event_id = $3 AND claim_token = $4 AND status = 'processing'`, [
        claim.key.source,
        claim.key.creditorId,
        claim.key.eventId,
        claim.token,
      ]);
    },
  };
}
export type WebhookEventRepository = ReturnType<typeof createWebhookEventRepository>;
