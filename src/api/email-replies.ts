/**
 * What a debtor writes to us by email: a reply to one of our emails, or mail to the opt-out address
 * the emails name ("write to {{optOutEmail}}"). STOP and its synonyms (as for SMS) opt the address
 * out of email before the next one, on every account we emailed there and the same debtors' other
 * accounts; so does free text that plainly asks to stop emailing, and every mail to the opt-out
 * address. Free text goes to a person too (debtor_messages), so a request to stop calls or texts,
 * or all contact, is never lost (Reg F §1006.6(e), §1006.14(h); revocation by any reasonable means).
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { createDebtorMessageRepository } from '../adapters/debtor-message.repository';
import { reportComplianceEvent, AccountError } from '../client/accounts.client';
import { reportToDebtors, type AffectedAccount } from '../client/debtors';
import { accountKey } from '../domain/account';
import { replyIntent, type ReplyIntent } from '../domain/reply-intent';
import { identifier } from '../schemas/account.schema';
import type { ComplianceEvent } from '../workflows/definitions';
import { apiError, type ApiResponse } from './http';
import { readSignedEvent } from './signed-webhook';

type Deps = { client: Client; pool: Pool };

/** Every account we emailed at the address (an opt-out is the address's, whichever account's email it answered). */
async function accountsEmailedAt(pool: Pool, email: string): Promise<string[]> {
  const { rows } = await pool.query<{ account_key: string }>(`SELECT DISTINCT account_key FROM outbound_messages WHERE channel = 'email' AND lower(recipient) = lower($1) ORDER BY account_key`, [email]);
  return rows.map((r) => r.account_key);
}

async function signalEach(client: Client, keys: readonly string[], event: ComplianceEvent): Promise<void> {
  for (const key of keys) {
    const [, creditorId, accountId] = key.split('/');
    await reportComplianceEvent(client, creditorId!, accountId!, event).catch((error) => {
      if (!(error instanceof AccountError && error.code === 'unknown_account')) throw error; // an ended account needs nothing more
    });
  }
}

const optOutOf = (email: string): ComplianceEvent => ({ kind: 'opt_out', channel: 'email', address: email, source: 'reply' });
const summary = (affected: AffectedAccount[]) => `email opted out on ${affected.length} account${affected.length === 1 ? '' : 's'}: ${affected.map((a) => a.accountKey).join(', ')}`;
const reading = (r: ReplyIntent) => ({ intent: r.intent, media: r.media, everything: r.everything });

/**
 * A reply to one of our emails (`accounts`: those it answers). Returns what was done, for the
 * webhook's answer.
 */
export async function handleEmailReply(deps: Deps, event: { eventId: string; email: string; text?: string; subject?: string }, accounts: string[]): Promise<{ effect: string; accounts: number }> {
  const text = (event.text ?? '').slice(0, 100_000);
  const read = replyIntent(text, event.subject);
  const messages = createDebtorMessageRepository(deps.pool);
  const keep = (kind: 'stop_request' | 'reply', applied: string | null) =>
    messages.keep({ channel: 'email', sourceId: `email/${event.eventId}`, from: event.email, accountKeys: accounts, kind, subject: event.subject ?? null, body: text.slice(0, 10_000), reading: reading(read), applied });
  if (read.intent === 'opt_out' || (read.intent === 'stop_request' && (read.media.length === 0 || read.media.includes('email')))) {
    const affected = await reportToDebtors(deps, [...new Set([...accounts, ...(await accountsEmailedAt(deps.pool, event.email))])], optOutOf(event.email));
    // A keyword needs no one; a sentence may ask for more than email (all contact, calls): a person reads it.
    if (read.intent === 'stop_request') await keep('stop_request', summary(affected));
    return { effect: 'opt_out', accounts: affected.length };
  }
  if (read.intent === 'opt_in') {
    await signalEach(deps.client, accounts, { kind: 'opt_in', channel: 'email', address: event.email, source: 'reply' });
    return { effect: 'opt_in', accounts: accounts.length };
  }
  // Kept for the account (an answer to its last step) and for a person, a stop request of calls or texts first of all.
  await signalEach(deps.client, accounts, { kind: 'debtor_reply', channel: 'email', from: event.email, text: text.slice(0, 1600) });
  await keep(read.intent === 'stop_request' ? 'stop_request' : 'reply', null);
  return { effect: read.intent === 'stop_request' ? 'stop_request' : 'debtor_reply', accounts: accounts.length };
}

export const inboundEmailSchema = z.object({
  eventId: identifier,
  from: z.email({ error: 'is not a valid email address' }),
  to: z.email({ error: 'is not a valid email address' }).optional(),
  subject: z.string().max(998).optional(),
  text: z.string().max(100_000).optional(),
});

/**
 * Mail to the opt-out address: the sender's address is opted out of email on every account we
 * emailed there (and the account the List-Unsubscribe subject names, if it is ours), with the same
 * debtors' other accounts. What it says beyond that, or mail we cannot match, goes to a person.
 */
export async function handleInboundOptOutMail(
  deps: Deps & { secret: string; toleranceSeconds?: number; nowMs?: () => number },
  request: { signatureHeader: string | undefined; rawBody: string },
): Promise<ApiResponse> {
  const read = await readSignedEvent({ ...deps, headerName: 'Email-Signature', source: 'email-inbound', schema: inboundEmailSchema }, request.signatureHeader, request.rawBody);
  if (!read.ok) return apiError(read.status, read.code, read.message, read.field);
  const mail = read.event;
  const named = /\baccount\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+)/.exec(mail.subject ?? '');
  const namedKey = named ? accountKey(named[1]!, named[2]!) : null;
  const known = namedKey ? (await deps.pool.query('SELECT 1 FROM debtor_accounts WHERE account_key = $1', [namedKey])).rowCount : 0;
  const accounts = [...new Set([...(await accountsEmailedAt(deps.pool, mail.from)), ...(known ? [namedKey!] : [])])];
  const text = (mail.text ?? '').slice(0, 100_000);
  const reading = replyIntent(text, mail.subject);
  const affected = accounts.length > 0 ? await reportToDebtors(deps, accounts, optOutOf(mail.from)) : [];
  // A bare "unsubscribe" needs no one; anything else said, or a sender we cannot match, is read by a person.
  const plain = reading.intent === 'opt_out' || (reading.intent === 'free_text' && text.trim() === '');
  const review = accounts.length === 0 || !plain;
  if (review)
    await createDebtorMessageRepository(deps.pool).keep({
      channel: 'email',
      sourceId: `email-inbound/${mail.eventId}`,
      from: mail.from,
      accountKeys: accounts,
      kind: accounts.length === 0 ? 'unmatched' : reading.intent === 'stop_request' ? 'stop_request' : 'reply',
      subject: mail.subject ?? null,
      body: text.slice(0, 10_000),
      reading: { intent: reading.intent, media: reading.media, everything: reading.everything, to: mail.to ?? null },
      applied: affected.length > 0 ? summary(affected) : null,
    });
  await deps.pool.query('INSERT INTO webhook_events (source, event_id, account_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', ['email-inbound', mail.eventId, accounts[0] ?? '']);
  return { status: 202, body: { ok: true, eventId: mail.eventId, effect: affected.length > 0 ? 'opt_out' : 'none', accounts: affected.map((a) => ({ accountKey: a.accountKey, status: a.status, via: a.via })), review } };
}
