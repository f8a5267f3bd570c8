/**
 * Claims on queue items (`work_claims`): one operator works an item at a time; a claim lapses
 * after its time so an item nobody finished goes back to the queue. Any source's items, by name and id.
 */
import type { Pool } from 'pg';
import type { QueueClaim } from '../../domain/work-queue';

const CLAIM_MINUTES = 30;

export function createClaimRepository(pool: Pool) {
  return {
    /** Claims the item for the key, unless someone else holds a live claim; the claim in force either way. */
    async claim(source: string, itemId: string, keyId: string): Promise<{ claimedBy: string; until: string }> {
      const { rows } = await pool.query<{ claimed_by: string; expires_at: Date }>(
        `INSERT INTO work_claims (source, item_id, claimed_by, expires_at) VALUES ($1, $2, $3, now() + make_interval(mins => $4))
         ON CONFLICT (source, item_id) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, claimed_at = now(), expires_at = EXCLUDED.expires_at
           WHERE work_claims.expires_at < now() OR work_claims.claimed_by = EXCLUDED.claimed_by
         RETURNING claimed_by, expires_at`,
        [source, itemId, keyId, CLAIM_MINUTES],
      );
      if (rows[0]) return { claimedBy: rows[0].claimed_by, until: rows[0].expires_at.toISOString() };
      const held = await pool.query<{ claimed_by: string; expires_at: Date }>('SELECT claimed_by, expires_at FROM work_claims WHERE source = $1 AND item_id = $2', [source, itemId]);
      return { claimedBy: held.rows[0]!.claimed_by, until: held.rows[0]!.expires_at.toISOString() };
    },
    async release(source: string, itemId: string, keyId: string): Promise<void> {
      await pool.query('DELETE FROM work_claims WHERE source = $1 AND item_id = $2 AND claimed_by = $3', [source, itemId, keyId]);
    },
    /** Live claims, with the operator of the key that holds each. */
    async live(): Promise<Map<string, QueueClaim>> {
      const { rows } = await pool.query<{ source: string; item_id: string; claimed_by: string; label: string; expires_at: Date }>(
        `SELECT c.source, c.item_id, c.claimed_by, k.operator AS label, c.expires_at FROM work_claims c JOIN operator_keys k ON k.key_id = c.claimed_by WHERE c.expires_at > now()`,
      );
      return new Map(rows.map((r) => [`${r.source}\u0000${r.item_id}`, { by: r.claimed_by, label: r.label, until: r.expires_at.toISOString() }]));
    },
  };
}
export type ClaimRepository = ReturnType<typeof createClaimRepository>;
