/**
 * Email events from the mail provider, signed like the payment webhook (its own secret): a hard
 * bounce marks the address invalid (the cadence falls back to another channel), a complaint
 * ("this is spam") opts the address out, and a reply is read (email-replies.ts): STOP or a plain
 * request to stop opts the address out, anything else is kept as the debtor's answer and for a
 * person. The accounts are found through the messages we sent (accountsOf). Each event id is
 * processed once.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { createOptOutRepository } from '../adapters/opt-out.repository';
import { createOutboundLookup, type OutboundLookup } from '../adapters/outbound-lookup';
import { createWebhookEventRepository } from '../adapters/webhook-event.repository';
import type { ComplianceEvent } from '../workflows/definitions';
import { identifier } from '../schemas/account.schema';
import { apiError, type ApiResponse } from './http';
import { reportToDebtors } from '../client/debtors';
import { handleEmailReply } from './email-replies';
import { creditorOf, reportToAccounts } from './inbound';
import { onceForEvent, readSignedEvent } from './signed-webhook';

export const emailEventSchema = z.object({
  eventId: identifier,
  type: z.enum(['bounce', 'complaint', 'reply'], { error: 'must be bounce, complaint or reply' }),
  email: z.email({ error: 'is not a valid email address' }),
  /** The Message-ID of our email that bounced or was answered (with or without <>). */
  messageId: z.string().trim().min(1).max(998).optional(),
  text: z.string().max(100_000).optional(),
  /** A reply's subject (the List-Unsubscribe mailto's "unsubscribe …", "Re: STOP"). */
  subject: z.string().max(998).optional(),
  /** A soft bounce (mailbox full, greylisted) is kept but changes nothing; absent means hard. */
  bounceType: z.enum(['hard', 'soft'], { error: 'must be hard or soft' }).default('hard'),
});
export type EmailEvent = z.infer<typeof emailEventSchema>;

/** What the event means for the account; null when it changes nothing. */
function complianceEventFor(event: EmailEvent): ComplianceEvent | null {
  switch (event.type) {
    case 'bounce':
      if (event.bounceType === 'soft') return null;
      return { kind: 'contact_invalid', channel: 'email', address: event.email, reason: `hard bounce${event.text ? `: ${event.text}` : ''}`.slice(0, 300), source: 'bounce' };
    case 'complaint':
      // The debtor told their mail provider to stop our mail: an opt-out by the debtor's own action.
      return { kind: 'opt_out', channel: 'email', address: event.email, source: 'reply' };
    case 'reply':
      return null; // read by handleEmailReply
  }
}

/**
 * The accounts the event concerns (src/api/inbound.ts says why): a complaint opts the address out
 * on every account we emailed there; a bounce or a reply concerns the message it names by its
 * Message-ID, else the latest email we sent to the address.
 */
async function accountsOf(lookup: OutboundLookup, event: EmailEvent): Promise<string[]> {
  if (event.type === 'complaint') return lookup.accountsMessaged('email', event.email);
  if (event.messageId) {
    const ofMessage = await lookup.accountsOfMessage('email', event.messageId);
    if (ofMessage.length > 0) return ofMessage;
  }
  const latest = await lookup.latestAccountMessaged('email', event.email);
  return latest ? [latest] : [];
}

export async function handleEmailWebhook(
  deps: { client: Client; pool: Pool; secret: string; toleranceSeconds?: number; nowMs?: () => number },
  request: { signatureHeader: string | undefined; rawBody: string },
): Promise<ApiResponse> {
  const read = readSignedEvent({ ...deps, headerName: 'Email-Signature', schema: emailEventSchema }, request.signatureHeader, request.rawBody);
  if (!read.ok) return apiError(read.status, read.code, read.message, read.field);
  const event = read.event;
  const accounts = await accountsOf(createOutboundLookup(deps.pool), event);
  if (accounts.length === 0) return apiError(404, 'unknown_recipient', `no email of ours went to that address${event.messageId ? ` (message ${event.messageId})` : ''}`);
  // One mail provider serves every creditor: its event ids are unique across it (creditor '').
  return onceForEvent(createWebhookEventRepository(deps.pool), { source: 'email', creditorId: '', eventId: event.eventId }, accounts[0]!, async () => {
    if (event.type === 'reply') {
      const done = await handleEmailReply(deps, event, accounts);
      return { status: 202, body: { ok: true, eventId: event.eventId, ...done } };
    }
    const effect = complianceEventFor(event);
    // An opt-out is kept first, so it holds at the next email even if telling the accounts fails;
    // it is the address's, so the same debtors' other accounts honour it too.
    if (effect?.kind === 'opt_out') {
      await createOptOutRepository(deps.pool).record('email', event.email, accounts.map(creditorOf), 'complaint');
      await reportToDebtors(deps, accounts, effect);
    } else if (effect) await reportToAccounts(deps.client, accounts, effect);
    // Marked done once Temporal has every signal: a 2xx means the event cannot be lost.
    return { status: 202, body: { ok: true, eventId: event.eventId, effect: effect?.kind ?? 'none', accounts: accounts.length } };
  });
}
