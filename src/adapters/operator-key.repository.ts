/**
 * Operator keys for the work queue page, separate from creditors' API keys: a key reads
 * `ok_<key id>_<secret>`, belongs to a person (its label) and is scoped to one or more creditors.
 * As with API keys only the SHA-256 of the 256-bit secret is stored. Signing in with a key opens a
 * session: the cookie carries a random token (its SHA-256 is stored) and the session keeps the
 * form token every form must send back (CSRF). Sessions last 8 hours; revoking the key ends them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const KEY_PATTERN = /^ok_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const SESSION_HOURS = 8;
const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export interface OperatorKeyRecord {
  keyId: string;
  label: string;
  creditorIds: string[];
  createdAt: string;
  revokedAt: string | null;
}

export interface OperatorSession {
  keyId: string;
  label: string;
  creditorIds: string[];
  csrfToken: string;
}

export function createOperatorKeyRepository(pool: Pool) {
  return {
    async create(input: { label: string; creditorIds: string[] }): Promise<OperatorKeyRecord & { key: string }> {
      const keyId = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const { rows } = await pool.query<{ created_at: Date }>('INSERT INTO operator_keys (key_id, label, creditor_ids, secret_sha256) VALUES ($1, $2, $3, $4) RETURNING created_at', [keyId, input.label, input.creditorIds, sha256(secret)]);
      return { keyId, label: input.label, creditorIds: input.creditorIds, createdAt: rows[0]!.created_at.toISOString(), revokedAt: null, key: `ok_${keyId}_${secret}` };
    },
    async revoke(keyId: string): Promise<'revoked' | 'already_revoked' | 'unknown'> {
      const updated = await pool.query('UPDATE operator_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL', [keyId]);
      if (updated.rowCount) {
        await pool.query('DELETE FROM operator_sessions WHERE key_id = $1', [keyId]);
        return 'revoked';
      }
      const exists = await pool.query('SELECT 1 FROM operator_keys WHERE key_id = $1', [keyId]);
      return exists.rowCount ? 'already_revoked' : 'unknown';
    },
    async list(): Promise<OperatorKeyRecord[]> {
      const { rows } = await pool.query<{ key_id: string; label: string; creditor_ids: string[]; created_at: Date; revoked_at: Date | null }>('SELECT key_id, label, creditor_ids, created_at, revoked_at FROM operator_keys ORDER BY created_at, key_id');
      return rows.map((r) => ({ keyId: r.key_id, label: r.label, creditorIds: r.creditor_ids, createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null }));
    },
    /** The key's id, or null for a malformed, unknown or revoked key. */
    async verify(key: string): Promise<string | null> {
      const match = KEY_PATTERN.exec(key.trim());
      if (!match) return null;
      const { rows } = await pool.query<{ secret_sha256: Buffer }>('SELECT secret_sha256 FROM operator_keys WHERE key_id = $1 AND revoked_at IS NULL', [match[1]]);
      return rows[0] && timingSafeEqual(rows[0].secret_sha256, sha256(match[2]!)) ? match[1]! : null;
    },
    /** Signs in: a new session for a valid key, or null (malformed, unknown and revoked keys alike). */
    async signIn(key: string): Promise<{ token: string; session: OperatorSession } | null> {
      const keyId = await this.verify(key);
      if (!keyId) return null;
      const { rows } = await pool.query<{ label: string; creditor_ids: string[] }>('SELECT label, creditor_ids FROM operator_keys WHERE key_id = $1', [keyId]);
      const row = rows[0]!;
      const token = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      await pool.query(`INSERT INTO operator_sessions (token_sha256, key_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))`, [sha256(token), keyId, csrfToken, SESSION_HOURS]);
      return { token, session: { keyId, label: row.label, creditorIds: row.creditor_ids, csrfToken } };
    },
    async session(token: string): Promise<OperatorSession | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const { rows } = await pool.query<{ key_id: string; label: string; creditor_ids: string[]; csrf_token: string }>(
        `SELECT s.key_id, k.label, k.creditor_ids, s.csrf_token FROM operator_sessions s JOIN operator_keys k ON k.key_id = s.key_id
          WHERE s.token_sha256 = $1 AND s.expires_at > now() AND k.revoked_at IS NULL`,
        [sha256(token)],
      );
      const r = rows[0];
      return r ? { keyId: r.key_id, label: r.label, creditorIds: r.creditor_ids, csrfToken: r.csrf_token } : null;
    },
    async signOut(token: string): Promise<void> {
      await pool.query('DELETE FROM operator_sessions WHERE token_sha256 = $1', [sha256(token)]);
    },
  };
}
export type OperatorKeyRepository = ReturnType<typeof createOperatorKeyRepository>;
