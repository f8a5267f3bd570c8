/**
 * `npm start`'s API keys for the local creditors: one per creditor, created once and kept in
 * plain text in a file of the data folder (mode 0600) so the README's curl examples work. Only
 * local: a real deployment creates its keys with `apikey create` and shows each one once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ApiKeyRepository } from '../adapters/api-key.repository';

export interface LocalApiKeys {
  file: string;
  /** creditor id → key */
  keys: Record<string, { keyId: string; key: string }>;
  /** Creditors whose key was created now (first start, or the old one was revoked). */
  created: string[];
}

export const LOCAL_KEY_LABEL = 'local demo key (npm start)';

export async function ensureLocalApiKeys(keys: ApiKeyRepository, creditorIds: string[], file: string): Promise<LocalApiKeys> {
  let saved: LocalApiKeys['keys'] = {};
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as LocalApiKeys['keys'];
    } catch {
      saved = {}; // unreadable: new keys replace it
    }
  }
  const result: LocalApiKeys = { file, keys: {}, created: [] };
  for (const creditorId of creditorIds) {
    const known = saved[creditorId];
    // Reused while the database still accepts it (a fresh database, or a revoked key, gets a new one).
    if (known && (await keys.verify(known.key))?.creditorId === creditorId) {
      result.keys[creditorId] = known;
      continue;
    }
    const created = await keys.create({ creditorId, label: LOCAL_KEY_LABEL });
    result.keys[creditorId] = { keyId: created.keyId, key: created.key };
    result.created.push(creditorId);
  }
  if (result.created.length > 0 || Object.keys(saved).length !== creditorIds.length) writeFileSync(file, JSON.stringify(result.keys, null, 2) + '\n', { mode: 0o600 });
  return result;
}
