/**
 * API keys, each scoped to one creditor. A key reads `dk_<key id>_<secret>`; only the SHA-256 of
 * the secret is stored, so the key is shown once, when it is created, and a stolen table holds no
 * usable key. The secret is 256 random bits: a slow password hash would add nothing but latency.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

const KEY_PATTERN = /^dk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyRecord {
  keyId: string;
  creditorId: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface VerifiedKey {
  keyId: string;
  creditorId: string;
  /** Who holds the key, as its creator named it ('' when unnamed): the operator of what the key does. */
  label: string;
}

/** Splits a key into its id and secret; null when it cannot be one of ours. */
export function parseApiKey(key: string): { keyId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key.trim());
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

type Row = { key_id: string; creditor_id: string; label: string; created_at: Date; revoked_at: Date | null };
const toRecord = (row: Row): ApiKeyRecord => ({
  keyId: row.key_id,
  creditorId: row.creditor_id,
  label: row.label,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
});

export function createApiKeyRepository(pool: Pool) {
  return {
    /** A new key for the creditor; `key` is the only time the secret is seen. */
    async create(input: { creditorId: string; label?: string }): Promise<ApiKeyRecord & { key: string }> {
      const keyId = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const { rows } = await pool.query<Row>(
        `INSERT INTO api_keys (key_id, creditor_id, secret_sha256, label) VALUES ($1, $2, $3, $4)
         RETURNING key_id, creditor_id, label, created_at, revoked_at`,
        [keyId, input.creditorId, sha256(secret), input.label ?? ''],
      );
      return { ...toRecord(rows[0]!), key: `dk_${keyId}_${secret}` };
    },

    /** The key's creditor, or null for a malformed, unknown or revoked key (the caller cannot tell which). */
    async verify(key: string): Promise<VerifiedKey | null> {
      const parsed = parseApiKey(key);
      if (!parsed) return null;
      const { rows } = await pool.query<{ creditor_id: string; secret_sha256: Buffer; label: string }>(
        'SELECT creditor_id, secret_sha256, label FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL',
        [parsed.keyId],
      );
      const row = rows[0];
      if (!row || !timingSafeEqual(row.secret_sha256, sha256(parsed.secret))) return null;
      return { keyId: parsed.keyId, creditorId: row.creditor_id, label: row.label };
    },

    async revoke(keyId: string): Promise<'revoked' | 'already_revoked' | 'unknown'> {
      const updated = await pool.query('UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL', [keyId]);
      if (updated.rowCount) return 'revoked';
      const exists = await pool.query('SELECT 1 FROM api_keys WHERE key_id = $1', [keyId]);
      return exists.rowCount ? 'already_revoked' : 'unknown';
    },

    async list(filter: { creditorId?: string } = {}): Promise<ApiKeyRecord[]> {
      const { rows } = await pool.query<Row>(
        `SELECT key_id, creditor_id, label, created_at, revoked_at FROM api_keys
          WHERE $1::text IS NULL OR creditor_id = $1 ORDER BY created_at, key_id`,
        [filter.creditorId ?? null],
      );
      return rows.map(toRecord);
    },
  };
}
export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
