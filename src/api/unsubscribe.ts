/**
 * One-click email unsubscribe without logging in (CAN-SPAM, Reg F §1006.6(e), RFC 8058): the
 * link carries a token naming the account and the address, signed so nobody can unsubscribe
 * someone else; opening it shows a button, the button (or a mail client's one-click POST)
 * records the opt-out for that address only.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { reportComplianceEvent } from '../client/accounts.client';
import { reportToDebtors } from '../client/debtors';

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

export function unsubscribeToken(secret: string, accountKey: string, email: string): string {
  const payload = encode(JSON.stringify({ a: accountKey, e: email }));
  const signature = createHmac('sha256', secret).update(payload).digest('base64url');
  return `${payload}.${signature}`;
}

export function unsubscribeUrl(baseUrl: string, secret: string, accountKey: string, email: string): string {
  return `${baseUrl.replace(/\/$/, '')}/unsubscribe?token=${unsubscribeToken(secret, accountKey, email)}`;
}

export function readUnsubscribeToken(secret: string, token: string): { accountKey: string; email: string } | null {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return null;
  const expected = Buffer.from(createHmac('sha256', secret).update(payload).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { a?: unknown; e?: unknown };
    return typeof parsed.a === 'string' && typeof parsed.e === 'string' ? { accountKey: parsed.a, email: parsed.e } : null;
  } catch {
    return null;
  }
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif;max-width:36em;margin:3em auto">${body}</body></html>`;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function handleUnsubscribe(deps: { client: Client; secret: string; pool?: Pool }, request: { method: string; token: string | null }): Promise<{ status: number; html: string }> {
  const target = request.token ? readUnsubscribeToken(deps.secret, request.token) : null;
  if (!target) return { status: 400, html: page('Link not valid', '<p>This unsubscribe link is not valid. Reply STOP to any of our emails instead.</p>') };
  if (request.method === 'GET')
    return {
      status: 200,
      html: page('Unsubscribe', `<p>Stop emails about this account to <strong>${escapeHtml(target.email)}</strong>?</p><form method="post"><input type="hidden" name="token" value="${escapeHtml(request.token!)}"><button type="submit">Unsubscribe</button></form>`),
    };
  const [, creditorId, accountId] = target.accountKey.split('/');
  const optOut = { kind: 'opt_out' as const, channel: 'email' as const, address: target.email, source: 'link' as const };
  // The address's opt-out, on this account and the same debtor's other accounts at the creditor (with the database).
  if (deps.pool) await reportToDebtors({ client: deps.client, pool: deps.pool }, [target.accountKey], optOut);
  else
    await reportComplianceEvent(deps.client, creditorId!, accountId!, optOut).catch((error) => {
      if ((error as { code?: string }).code !== 'unknown_account') throw error; // a closed account sends nothing more anyway
    });
  return { status: 200, html: page('Unsubscribed', `<p>You will receive no more emails about this account at <strong>${escapeHtml(target.email)}</strong>.</p>`) };
}
