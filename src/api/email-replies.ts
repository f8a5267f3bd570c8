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
import { createOptOutRepository } from '../adapters/opt-out.repository';
import { createOutboundLookup } from '../adapters/outbound-lookup';
import { createWebhookEventRepository } from '../adapters/webhook-event.repository';
import { reportToDebtors, type AffectedAccount } from '../client/debtors';
import { accountKey } from '../domain/account';
import { replyIntent, type ReplyIntent } from '../domain/reply-intent';
import { identifier } from '../schemas/account.schema';
import type { ComplianceEvent } from '../workflows/definitions';
import { apiError, type ApiResponse } from './http';
import { creditorOf, reportToAccounts } from './inbound';
import { onceForEvent, readSignedEvent } from './signed-webhook';

type Deps = { client: Client; pool: Pool };

/**
 * The address's opt-out, kept first (the contact activity reads it before every email, so it holds
 * even if a signal is lost), then signalled to the accounts and the same debtors' other accounts.
 * It is the person's instruction about their address: every account we emailed there, whichever
 * creditor's, honours it (src/api/inbound.ts).
 */
async function optOutAddress(deps: Deps, email: string, answered: readonly string[], source: string): Promise<AffectedAccount[]> {
  const accounts = [...new Set([...answered, ...(await createOutboundLookup(deps.pool).accountsMessaged('email', email))])];
  if (accounts.length === 0) return [];
  await createOptOutRepository(deps.pool).record('email', email, accounts.map(creditorOf), source);
  return reportToDebtors(deps, accounts, optOutOf(email));
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
    const affected = await optOutAddress(deps, event.email, accounts, 'reply');
    // A keyword needs no one; a sentence may ask for more than email (all contact, calls): a person reads it.
    if (read.intent === 'stop_request') await keep('stop_request', summary(affected));
    return { effect: 'opt_out', accounts: affected.length };
  }
  if (read.intent === 'opt_in') {
    // Consent is given back only where it was answered; an opt-out kept for the address stays until then.
    for (const key of accounts) await createOptOutRepository(deps.pool).remove('email', event.email, creditorOf(key));
    await reportToAccounts(deps.client, accounts, { kind: 'opt_in', channel: 'email', address: event.email, source: 'reply' });
    return { effect: 'opt_in', accounts: accounts.length };
  }
  // Kept for the account (an answer to its last step) and for a person, a stop request of calls or texts first of all.
  await reportToAccounts(deps.client, accounts, { kind: 'debtor_reply', channel: 'email', from: event.email, text: text.slice(0, 1600) });
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
  const read = readSignedEvent({ ...deps, headerName: 'Email-Signature', schema: inboundEmailSchema }, request.signatureHeader, request.rawBody);
  if (!read.ok) return apiError(read.status, read.code, read.message, read.field);
  const mail = read.event;
  const named = /\baccount\/([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+)/.exec(mail.subject ?? '');
  const namedKey = named ? accountKey(named[1]!, named[2]!) : null;
  const known = namedKey ? (await deps.pool.query('SELECT 1 FROM debtor_accounts WHERE account_key = $1', [namedKey])).rowCount : 0;
  const namedAccounts = known ? [namedKey!] : [];
  const accounts = [...new Set([...(await createOutboundLookup(deps.pool).accountsMessaged('email', mail.from)), ...namedAccounts])];
  const text = (mail.text ?? '').slice(0, 100_000);
  const reading = replyIntent(text, mail.subject);
  // One mail provider serves every creditor: its event ids are unique across it (creditor '').
  return onceForEvent(createWebhookEventRepository(deps.pool), { source: 'email-inbound', creditorId: '', eventId: mail.eventId }, accounts[0] ?? '', async () => {
    const affected = await optOutAddress(deps, mail.from, namedAccounts, 'opt_out_mailbox');
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
    return { status: 202, body: { ok: true, eventId: mail.eventId, effect: affected.length > 0 ? 'opt_out' : 'none', accounts: affected.map((a) => ({ accountKey: a.accountKey, status: a.status, via: a.via })), review } };
  });
}
