/**
 * The token of an email's unsubscribe link: which account and address to opt out, until when.
 * It is encrypted and authenticated (AES-256-GCM under a key derived from UNSUBSCRIBE_SECRET), so
 * the address never shows in the URL (mail logs, proxies, browser history, a forwarded email) and
 * nobody can make a token for someone else; it expires UNSUBSCRIBE_LINK_DAYS after the email was
 * sent (CAN-SPAM wants a link to work for at least 30 days after sending).
 *
 * Workers make tokens (the List-Unsubscribe header) and the HTTP service reads them, so it lives
 * here, below both.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const UNSUBSCRIBE_LINK_DAYS = 60;

/** The first byte of every token; also authenticated, so a token of another format cannot pass as this one. */
const FORMAT = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keyOf = (secret: string) => Buffer.from(hkdfSync('sha256', secret, 'dunning', 'unsubscribe-link token v2', 32));

export function unsubscribeToken(secret: string, accountKey: string, email: string, nowMs = Date.now()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  cipher.setAAD(Buffer.from([FORMAT]));
  const expiresAt = Math.floor(nowMs / 1000) + UNSUBSCRIBE_LINK_DAYS * 86_400;
  const body = Buffer.concat([cipher.update(JSON.stringify({ a: accountKey, e: email, x: expiresAt }), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function unsubscribeUrl(baseUrl: string, secret: string, accountKey: string, email: string, nowMs = Date.now()): string {
  return `${baseUrl.replace(/\/$/, '')}/unsubscribe?token=${unsubscribeToken(secret, accountKey, email, nowMs)}`;
}

export type UnsubscribeTarget = { ok: true; accountKey: string; email: string } | { ok: false; reason: 'invalid' | 'expired' };

/** The account and address of a token made with this secret, unless it was altered, made with another secret, or has expired. */
export function readUnsubscribeToken(secret: string, token: string, nowMs = Date.now()): UnsubscribeTarget {
  const invalid = { ok: false, reason: 'invalid' } as const;
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) return invalid;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT) return invalid;
  let parsed: { a?: unknown; e?: unknown; x?: unknown };
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), bytes.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(bytes.subarray(0, 1));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    parsed = JSON.parse(plain.toString('utf8')) as typeof parsed;
  } catch {
    return invalid; // altered, or made with another secret
  }
  if (typeof parsed.a !== 'string' || typeof parsed.e !== 'string' || typeof parsed.x !== 'number') return invalid;
  if (nowMs / 1000 > parsed.x) return { ok: false, reason: 'expired' };
  return { ok: true, accountKey: parsed.a, email: parsed.e };
}
