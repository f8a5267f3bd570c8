/**
 * Operators' keys, never a creditor's API key. A key reads `dko_<key id>_<secret>`; only the
 * SHA-256 of the secret is stored, so it is shown once, when created. Every key opens the codec
 * endpoint (POST /codec/decode reads any account's Temporal payloads in clear); a key made with
 * creditors also signs in to the work queue page (/queue) for those creditors only (migration 019).
 * Signing in opens a session: the cookie carries a random token (its SHA-256 is stored) and the
 * session keeps the form token every form must send back (CSRF). Sessions last 8 hours; revoking
 * the key ends them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const KEY_PATTERN = /^dko_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const SESSION_HOURS = 8;
const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export interface OperatorKeyRecord {
  keyId: string;
  operator: string;
  /** The creditors whose work queue the key opens; null: the codec endpoint only. */
  creditorIds: string[] | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface OperatorSession {
  keyId: string;
  /** The operator's name. */
  label: string;
  creditorIds: string[];
  csrfToken: string;
}

type Row = { key_id: string; operator: string; creditor_ids: string[] | null; created_at: Date; revoked_at: Date | null };
const COLUMNS = 'key_id, operator, creditor_ids, created_at, revoked_at';
const record = (row: Row): OperatorKeyRecord => ({ keyId: row.key_id, operator: row.operator, creditorIds: row.creditor_ids, createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null });

export function createOperatorKeyRepository(pool: Pool) {
  return {
    async create(operator: string, creditorIds?: string[]): Promise<OperatorKeyRecord & { key: string }> {
      if (operator.trim() === '') throw new RangeError('an operator key needs the operator\'s name');
      if (creditorIds && (creditorIds.length === 0 || creditorIds.some((c) => c.trim() === ''))) throw new RangeError('creditorIds: list at least one creditor id, none empty');
      const keyId = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const { rows } = await pool.query<Row>(`INSERT INTO operator_keys (key_id, operator, creditor_ids, secret_sha256) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`, [keyId, operator.trim(), creditorIds ?? null, digest(secret)]);
      return { ...record(rows[0]!), key: `dko_${keyId}_${secret}` };
    },

    /** The operator the key belongs to; null for a malformed, unknown or revoked key (the caller cannot tell which). */
    async verify(key: string): Promise<{ keyId: string; operator: string } | null> {
      const match = KEY_PATTERN.exec(key.trim());
      if (!match) return null;
      const { rows } = await pool.query<{ operator: string; secret_sha256: Buffer }>('SELECT operator, secret_sha256 FROM operator_keys WHERE key_id = $1 AND revoked_at IS NULL', [match[1]]);
      const row = rows[0];
      return row && timingSafeEqual(row.secret_sha256, digest(match[2]!)) ? { keyId: match[1]!, operator: row.operator } : null;
    },

    async revoke(keyId: string): Promise<'revoked' | 'already_revoked' | 'unknown'> {
      const updated = await pool.query('UPDATE operator_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL', [keyId]);
      if (updated.rowCount) {
        await pool.query('DELETE FROM operator_sessions WHERE key_id = $1', [keyId]);
        return 'revoked';
      }
      return (await pool.query('SELECT 1 FROM operator_keys WHERE key_id = $1', [keyId])).rowCount ? 'already_revoked' : 'unknown';
    },

    async list(): Promise<OperatorKeyRecord[]> {
      return (await pool.query<Row>(`SELECT ${COLUMNS} FROM operator_keys ORDER BY created_at, key_id`)).rows.map(record);
    },

    /** Signs in to the work queue: a new session for a valid key scoped to creditors, or null (malformed, unknown, revoked and codec-only keys alike). */
    async signIn(key: string): Promise<{ token: string; session: OperatorSession } | null> {
      const verified = await this.verify(key);
      if (!verified) return null;
      const { rows } = await pool.query<{ creditor_ids: string[] | null }>('SELECT creditor_ids FROM operator_keys WHERE key_id = $1', [verified.keyId]);
      const creditorIds = rows[0]?.creditor_ids;
      if (!creditorIds || creditorIds.length === 0) return null;
      const token = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      await pool.query(`INSERT INTO operator_sessions (token_sha256, key_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))`, [digest(token), verified.keyId, csrfToken, SESSION_HOURS]);
      return { token, session: { keyId: verified.keyId, label: verified.operator, creditorIds, csrfToken } };
    },

    async session(token: string): Promise<OperatorSession | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const { rows } = await pool.query<{ key_id: string; operator: string; creditor_ids: string[] | null; csrf_token: string }>(
        `SELECT s.key_id, k.operator, k.creditor_ids, s.csrf_token FROM operator_sessions s JOIN operator_keys k ON k.key_id = s.key_id
          WHERE s.token_sha256 = $1 AND s.expires_at > now() AND k.revoked_at IS NULL AND k.creditor_ids IS NOT NULL`,
        [digest(token)],
      );
      const r = rows[0];
      return r && r.creditor_ids ? { keyId: r.key_id, label: r.operator, creditorIds: r.creditor_ids, csrfToken: r.csrf_token } : null;
    },

    async signOut(token: string): Promise<void> {
      await pool.query('DELETE FROM operator_sessions WHERE token_sha256 = $1', [digest(token)]);
    },
  };
}
export type OperatorKeyRepository = ReturnType<typeof createOperatorKeyRepository>;
