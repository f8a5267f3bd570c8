/**
 * Operators' keys: the credential of the codec endpoint (POST /codec/decode reads any account's
 * Temporal payloads in clear), never a creditor's API key. A key reads `dko_<key id>_<secret>`;
 * only the SHA-256 of the secret is stored, so it is shown once, when created.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const KEY_PATTERN = /^dko_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export interface OperatorKeyRecord {
  keyId: string;
  operator: string;
  createdAt: string;
  revokedAt: string | null;
}
type Row = { key_id: string; operator: string; created_at: Date; revoked_at: Date | null };
const record = (row: Row): OperatorKeyRecord => ({ keyId: row.key_id, operator: row.operator, createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null });

export function createOperatorKeyRepository(pool: Pool) {
  return {
    async create(operator: string): Promise<OperatorKeyRecord & { key: string }> {
      if (operator.trim() === '') throw new RangeError('an operator key needs the operator\'s name');
      const keyId = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const { rows } = await pool.query<Row>('INSERT INTO operator_keys (key_id, operator, secret_sha256) VALUES ($1, $2, $3) RETURNING key_id, operator, created_at, revoked_at', [keyId, operator.trim(), digest(secret)]);
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
      if (updated.rowCount) return 'revoked';
      return (await pool.query('SELECT 1 FROM operator_keys WHERE key_id = $1', [keyId])).rowCount ? 'already_revoked' : 'unknown';
    },

    async list(): Promise<OperatorKeyRecord[]> {
      return (await pool.query<Row>('SELECT key_id, operator, created_at, revoked_at FROM operator_keys ORDER BY created_at, key_id')).rows.map(record);
    },
  };
}
export type OperatorKeyRepository = ReturnType<typeof createOperatorKeyRepository>;
