/**
 * `npm start`'s operator key: for the embedded Temporal UI (the dev server's UI has no login and so
 * cannot send a credential, so its codec endpoint carries the key in the path, /codec/ui/<key>)
 * and for the work queue page (/queue), scoped to every local creditor so a person can sign in at
 * once. Created once, kept in the data folder (mode 0600), reused while valid and covering the same
 * creditors. Only local: a real deployment creates each person's key with `operator-key create`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { OperatorKeyRepository } from '../adapters/operator-key.repository';

export const LOCAL_OPERATOR = 'local operator (npm start)';

export async function ensureLocalOperatorKey(keys: OperatorKeyRepository, file: string, creditorIds: string[] = []): Promise<{ key: string; created: boolean }> {
  const sameScope = (saved: string[] | undefined) => [...(saved ?? [])].sort().join() === [...creditorIds].sort().join();
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; creditorIds?: string[] };
      if (saved.key && sameScope(saved.creditorIds) && (await keys.verify(saved.key))) return { key: saved.key, created: false };
    } catch {
      // unreadable: a new key replaces it
    }
  }
  const { key } = await keys.create(LOCAL_OPERATOR, creditorIds.length > 0 ? creditorIds : undefined);
  writeFileSync(file, JSON.stringify({ operator: LOCAL_OPERATOR, key, creditorIds }, null, 2) + '\n', { mode: 0o600 });
  return { key, created: true };
}
