/**
 * One-click email unsubscribe without logging in (CAN-SPAM, Reg F §1006.6(e), RFC 8058): the
 * link carries an encrypted, expiring token naming the account and the address
 * (adapters/unsubscribe-link.ts), so nobody can unsubscribe someone else and the address is not in
 * the URL; opening it shows a button, the button (or a mail client's one-click POST) records the
 * opt-out for that address only. The page shows the address masked: whoever holds a forwarded
 * link learns no more than the link's owner wrote.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createOptOutRepository } from '../adapters/opt-out.repository';
import { readUnsubscribeToken } from '../adapters/unsubscribe-link';
import { reportToDebtors } from '../client/debtors';
import { escapeHtml } from '../domain/template';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif;max-width:36em;margin:3em auto">${body}</body></html>`;

/** "a…@example.test": enough for the owner to recognise, too little for anyone else. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '…' : `${email[0]}…${email.slice(at)}`;
}

export async function handleUnsubscribe(deps: { client: Client; pool: Pool; secret: string }, request: { method: string; token: string | null }): Promise<{ status: number; html: string }> {
  const target = request.token ? readUnsubscribeToken(deps.secret, request.token) : ({ ok: false, reason: 'invalid' } as const);
  if (!target.ok)
    return target.reason === 'expired'
      ? { status: 410, html: page('Link expired', '<p>This unsubscribe link has expired. Use the link in a more recent email, or reply STOP to any of our emails.</p>') }
      : { status: 400, html: page('Link not valid', '<p>This unsubscribe link is not valid. Reply STOP to any of our emails instead.</p>') };
  const shown = escapeHtml(maskEmail(target.email));
  if (request.method === 'GET')
    return {
      status: 200,
      html: page('Unsubscribe', `<p>Stop emails about this account to <strong>${shown}</strong>?</p><form method="post"><input type="hidden" name="token" value="${escapeHtml(request.token!)}"><button type="submit">Unsubscribe</button></form>`),
    };
  const [, creditorId] = target.accountKey.split('/');
  // Kept first, so it holds at the next email even if telling the accounts fails (the page then errs and can be retried);
  // then the address's opt-out goes to this account and the same debtor's other accounts at the creditor.
  await createOptOutRepository(deps.pool).record('email', target.email, [creditorId!], 'link');
  await reportToDebtors({ client: deps.client, pool: deps.pool }, [target.accountKey], { kind: 'opt_out', channel: 'email', address: target.email, source: 'link' });
  return { status: 200, html: page('Unsubscribed', `<p>You will receive no more emails about this account at <strong>${shown}</strong>.</p>`) };
}
