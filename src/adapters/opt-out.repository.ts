/**
 * Opt-outs kept durably per address and creditor (migration 011): written by the inbound routes
 * before the workflows are signalled, read by every contact at the moment it is sent, so an
 * opt-out holds even when the signal that carries it is lost.
 */
import type { Pool } from 'pg';

export type OptOutChannel = 'email' | 'sms' | 'call';
/** Every creditor (an address nobody could tie to an account). */
export const ALL_CREDITORS = '*';

/** One spelling per address: email addresses in lower case, numbers as digits with their "+". */
export function normalizeAddress(channel: OptOutChannel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.replace(/[^\d+]/g, '');
}

export function createOptOutRepository(pool: Pool) {
  return {
    async record(channel: OptOutChannel, address: string, creditorIds: string[], source: string): Promise<void> {
      const normalized = normalizeAddress(channel, address);
      const creditors = creditorIds.length > 0 ? [...new Set(creditorIds)] : [ALL_CREDITORS];
      await pool.query(
        `INSERT INTO address_opt_outs (channel, address, creditor_id, source)
         SELECT $1, $2, c, $4 FROM unnest($3::text[]) AS c ON CONFLICT (channel, address, creditor_id) DO NOTHING`,
        [channel, normalized, creditors, source],
      );
    },
    /** An opt-in for one creditor (START answering its message); an opt-out for every creditor stays. */
    async remove(channel: OptOutChannel, address: string, creditorId: string): Promise<void> {
      await pool.query(`DELETE FROM address_opt_outs WHERE channel = $1 AND address = $2 AND creditor_id = $3`, [channel, normalizeAddress(channel, address), creditorId]);
    },
    /** Whether this address opted out of this channel for this creditor (or for all). */
    async optedOut(channel: OptOutChannel, address: string, creditorId: string): Promise<boolean> {
      const { rowCount } = await pool.query(`SELECT 1 FROM address_opt_outs WHERE channel = $1 AND address = $2 AND creditor_id IN ($3, $4) LIMIT 1`, [
        channel,
        normalizeAddress(channel, address),
        creditorId,
        ALL_CREDITORS,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
export type OptOutRepository = ReturnType<typeof createOptOutRepository>;
