/**
 * `npm start`'s master key when none is configured: generated once into a file of the data folder
 * (mode 0600), and read from there on every later start. Only local: a deployment sets
 * PAYLOAD_KEYS or PAYLOAD_KEYS_FILE from its secret store, and keeps old keys while data keys
 * wrapped by them exist.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

export const LOCAL_PAYLOAD_KEY_FILE = 'payload-keys.local';

/** Creates the key file unless it exists; true when it was created now. */
export function ensureLocalPayloadKeyFile(file: string, now = new Date()): boolean {
  if (existsSync(file)) return false;
  const id = `local-${now.toISOString().slice(0, 10).replaceAll('-', '')}`;
  const text =
    '# Master keys of payload encryption for `npm start` (id:base64, newest first), made on first start.\n' +
    '# Without this file the accounts in this data folder cannot be read back from Temporal. Do not share it.\n' +
    `${id}:${randomBytes(32).toString('base64')}\n`;
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  return true;
}
