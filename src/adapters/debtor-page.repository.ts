/**
 * The debtor's page links, sessions and verification answers (migration 018), and the token in a
 * link: 16 bytes of link id and a 16-byte HMAC-SHA256 tag over it under a key derived from
 * PORTAL_SECRET, base64url (43 characters). Nothing about the account is readable in the URL;
 * nobody can make a link without the secret; what a link opens, until when and whether it was
 * revoked is in the table, so every request re-checks it (a revocation takes effect at once).
 *
 * The link id of a message is derived from the message's idempotency key, so a retried send
 * issues the same link rather than a second one. Workers issue links (in the messages they send)
 * and the HTTP service reads them, so this lives below both.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const ID_BYTES = 16;
const TAG_BYTES = 16;
const DAY_MS = 86_400_000;

const keysOf = (secret: string) => ({
  link: Buffer.from(hkdfSync('sha256', secret, 'dunning', 'debtor-page link v1', 32)),
  id: Buffer.from(hkdfSync('sha256', secret, 'dunning', 'debtor-page link id v1', 32)),
  session: Buffer.from(hkdfSync('sha256', secret, 'dunning', 'debtor-page session v1', 32)),
});

export function linkToken(secret: string, linkId: string): string {
  const id = Buffer.from(linkId, 'hex');
  const tag = createHmac('sha256', keysOf(secret).link).update(id).digest().subarray(0, TAG_BYTES);
  return Buffer.concat([id, tag]).toString('base64url');
}

/** The link id of a token made with this secret, or null (altered, forged, another secret, not a token). */
export function readLinkToken(secret: string, token: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== ID_BYTES + TAG_BYTES) return null;
  const id = bytes.subarray(0, ID_BYTES);
  const expected = createHmac('sha256', keysOf(secret).link).update(id).digest().subarray(0, TAG_BYTES);
  return timingSafeEqual(expected, bytes.subarray(ID_BYTES)) ? id.toString('hex') : null;
}

/** The link id a message gets: the same for every attempt to send it. */
export function linkIdFor(secret: string, issuedFor: string): string {
  return createHmac('sha256', keysOf(secret).id).update(issuedFor).digest().subarray(0, ID_BYTES).toString('hex');
}

/** A keyed hash for values kept only to be compared (a session cookie, a client address). */
export function keyedHash(secret: string, value: string): string {
  return createHmac('sha256', keysOf(secret).session).update(value).digest('hex');
}

export const newSessionValue = () => randomBytes(32).toString('base64url');
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export interface PageLink {
  linkId: string;
  accountKey: string;
  creditorId: string;
  issuedFor: string;
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

type LinkRow = { link_id: string; account_key: string; creditor_id: string; issued_for: string; issued_at: Date; expires_at: Date; revoked_at: Date | null };
const linkOf = (r: LinkRow): PageLink => ({ linkId: r.link_id, accountKey: r.account_key, creditorId: r.creditor_id, issuedFor: r.issued_for, issuedAt: r.issued_at, expiresAt: r.expires_at, revokedAt: r.revoked_at });

export function createDebtorPageRepository(pool: Pool) {
  return {
    /** Issues the link once per `issuedFor` (a retry finds the one already issued). */
    async issue(link: { linkId: string; accountKey: string; creditorId: string; issuedFor: string; issuedAt: Date; days: number }): Promise<PageLink> {
      await pool.query(
        `INSERT INTO debtor_page_links (link_id, account_key, creditor_id, issued_for, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (link_id) DO NOTHING`,
        [link.linkId, link.accountKey, link.creditorId, link.issuedFor, link.issuedAt, new Date(link.issuedAt.getTime() + link.days * DAY_MS)],
      );
      return (await this.find(link.linkId))!;
    },
    async find(linkId: string): Promise<PageLink | null> {
      const { rows } = await pool.query<LinkRow>('SELECT * FROM debtor_page_links WHERE link_id = $1', [linkId]);
      return rows[0] ? linkOf(rows[0]) : null;
    },
    /** Revokes one link, or every link of an account; returns how many were open. Sessions on them end with them. */
    async revoke(target: { linkId: string } | { accountKey: string }, by: string): Promise<number> {
      const [column, value] = 'linkId' in target ? ['link_id', target.linkId] : ['account_key', target.accountKey];
      const { rowCount } = await pool.query(`UPDATE debtor_page_links SET revoked_at = now(), revoked_by = $2 WHERE ${column} = $1 AND revoked_at IS NULL`, [value, by]);
      return rowCount ?? 0;
    },
    async openSession(session: { hash: string; linkId: string; accountKey: string; minutes: number }): Promise<void> {
      await pool.query(`INSERT INTO debtor_page_sessions (session_hash, link_id, account_key, expires_at) VALUES ($1, $2, $3, now() + make_interval(mins => $4))`, [session.hash, session.linkId, session.accountKey, session.minutes]);
    },
    /** The session, if it is open, unexpired, and was opened on this link. */
    async session(hash: string, linkId: string): Promise<{ accountKey: string; expiresAt: Date } | null> {
      const { rows } = await pool.query<{ account_key: string; expires_at: Date }>(
        `SELECT account_key, expires_at FROM debtor_page_sessions WHERE session_hash = $1 AND link_id = $2 AND ended_at IS NULL AND expires_at > now()`,
        [hash, linkId],
      );
      return rows[0] ? { accountKey: rows[0].account_key, expiresAt: rows[0].expires_at } : null;
    },
    async endSession(hash: string): Promise<void> {
      await pool.query('UPDATE debtor_page_sessions SET ended_at = now() WHERE session_hash = $1 AND ended_at IS NULL', [hash]);
    },
    async recordAnswer(answer: { linkId: string; accountKey: string; succeeded: boolean; client: string | null }): Promise<void> {
      await pool.query('INSERT INTO debtor_page_verifications (link_id, account_key, succeeded, client) VALUES ($1, $2, $3, $4)', [answer.linkId, answer.accountKey, answer.succeeded, answer.client]);
    },
    /** Wrong answers for the account (on any of its links) in the last `hours`, since its last right answer. */
    async wrongAnswers(accountKey: string, hours: number): Promise<number> {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM debtor_page_verifications
          WHERE account_key = $1 AND NOT succeeded AND attempted_at > now() - make_interval(hours => $2)
            AND attempted_at > coalesce((SELECT max(attempted_at) FROM debtor_page_verifications WHERE account_key = $1 AND succeeded), '-infinity')`,
        [accountKey, hours],
      );
      return Number(rows[0]!.n);
    },
  };
}
export type DebtorPageRepository = ReturnType<typeof createDebtorPageRepository>;

/**
 * Makes the signed, expiring link to the debtor's page that a message carries: issued (kept) once
 * per message, valid for the creditor's number of days.
 */
export function createPageLinkSigner(options: { pool: Pool; secret: string; baseUrl: string; linkDays: (creditorId: string) => number }) {
  const links = createDebtorPageRepository(options.pool);
  return {
    async link(accountKey: string, issuedFor: string, now = new Date()): Promise<string> {
      const creditorId = accountKey.split('/')[1] ?? '';
      const linkId = linkIdFor(options.secret, issuedFor);
      await links.issue({ linkId, accountKey, creditorId, issuedFor, issuedAt: now, days: options.linkDays(creditorId) });
      return `${options.baseUrl.replace(/\/$/, '')}/${linkToken(options.secret, linkId)}`;
    },
  };
}
export type PageLinkSigner = ReturnType<typeof createPageLinkSigner>;
