/**
 * AES-256-GCM sealing (node:crypto), the one cipher of payload encryption: data keys seal payloads,
 * master keys seal (wrap) data keys. A sealed message is nonce (12 random bytes) | ciphertext |
 * tag (16); `context` is authenticated, not encrypted (a key id, so a payload or a wrapped key
 * moved to another key's row fails to open instead of opening wrong).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export const newKey = (): Buffer => randomBytes(KEY_BYTES);

export function seal(key: Buffer, plaintext: Uint8Array, context: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Throws when the key is wrong or the message or its context was altered. */
export function open(key: Buffer, sealed: Uint8Array, context: string): Buffer {
  const message = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (message.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed message too short');
  const decipher = createDecipheriv('aes-256-gcm', key, message.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(message.subarray(message.length - TAG_BYTES));
  return Buffer.concat([decipher.update(message.subarray(NONCE_BYTES, message.length - TAG_BYTES)), decipher.final()]);
}
