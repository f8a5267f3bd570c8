/**
 * `npm start`'s operator key for the embedded Temporal UI: the dev server's UI has no login and so
 * cannot send a credential, so its codec endpoint carries the key in the path
 * (/codec/ui/<key>). Created once, kept in the data folder (mode 0600), reused while valid.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { OperatorKeyRepository } from '../adapters/operator-key.repository';

export const LOCAL_UI_OPERATOR = 'Temporal UI (npm start)';

export async function ensureLocalOperatorKey(keys: OperatorKeyRepository, file: string): Promise<{ key: string; created: boolean }> {
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { key?: string }).key : undefined;
  if (saved && (await keys.verify(saved))) return { key: saved, created: false };
  const { key } = await keys.create(LOCAL_UI_OPERATOR);
  writeFileSync(file, JSON.stringify({ operator: LOCAL_UI_OPERATOR, key }, null, 2) + '\n', { mode: 0o600 });
  return { key, created: true };
}
