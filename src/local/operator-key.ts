/**
 * `npm start`'s operator key for the work queue: one key for every local creditor, created once
 * and kept in the data folder (mode 0600) so a person can sign in to /queue at once. Only local:
 * a real deployment creates each person's key with `operatorkey create` and shows it once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { OperatorKeyRepository } from '../adapters/operator-key.repository';

export const LOCAL_OPERATOR_LABEL = 'local operator (npm start)';

export async function ensureLocalOperatorKey(keys: OperatorKeyRepository, creditorIds: string[], file: string): Promise<string> {
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; creditorIds?: string[] };
      // Reused while the database still accepts it and it covers the same creditors.
      if (saved.key && [...(saved.creditorIds ?? [])].sort().join() === [...creditorIds].sort().join() && (await keys.verify(saved.key))) return saved.key;
    } catch {
      // unreadable: a new key replaces it
    }
  }
  const created = await keys.create({ label: LOCAL_OPERATOR_LABEL, creditorIds });
  writeFileSync(file, JSON.stringify({ keyId: created.keyId, key: created.key, creditorIds }, null, 2) + '\n', { mode: 0o600 });
  return created.key;
}
