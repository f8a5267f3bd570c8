/**
 * Email events from the mail provider, signed like the payment webhook (its own secret): a hard
 * bounce marks the address invalid (the cadence falls back to another channel), a complaint
 * ("this is spam") opts the address out, and a reply is read (email-replies.ts): STOP or a plain
 * request to stop opts the address out, anything else is kept as the debtor's answer and for a person. The account is found through the messages we sent: by the message id when the provider
 * gives it, else by the address. Each event id is processed once.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { AccountError, reportComplianceEvent } from '../client/accounts.client';
import { reportToDebtors } from '../client/debtors';
import { handleEmailReply } from './email-replies';
import type { ComplianceEvent } from '../workflows/definitions';
import { identifier } from '../schemas/account.schema';
import { apiError, type ApiResponse } from './http';
import { readSignedEvent } from './signed-webhook';

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

async function accountsOf(pool: Pool, event: EmailEvent): Promise<string[]> {
  if (event.messageId) {
    const bare = event.messageId.replace(/^<|>$/g, '');
    const { rows } = await pool.query<{ account_key: string }>(
      `SELECT DISTINCT account_key FROM outbound_messages WHERE channel = 'email' AND provider_message_id IN ($1, $2)`,
      [bare, `<${bare}>`],
    );
    if (rows.length > 0) return rows.map((r) => r.account_key);
  }
  const { rows } = await pool.query<{ account_key: string }>(
    `SELECT DISTINCT account_key FROM outbound_messages WHERE channel = 'email' AND lower(recipient) = lower($1)`,
    [event.email],
  );
  return rows.map((r) => r.account_key);
}

export async function handleEmailWebhook(
  deps: { client: Client; pool: Pool; secret: string; toleranceSeconds?: number; nowMs?: () => number },
  request: { signatureHeader: string | undefined; rawBody: string },
): Promise<ApiResponse> {
  const read = await readSignedEvent({ ...deps, headerName: 'Email-Signature', source: 'email', schema: emailEventSchema }, request.signatureHeader, request.rawBody);
  if (!read.ok) return apiError(read.status, read.code, read.message, read.field);
  const event = read.event;
  const accounts = await accountsOf(deps.pool, event);
  if (accounts.length === 0) return apiError(404, 'unknown_recipient', `no email of ours went to ${event.email}${event.messageId ? ` (message ${event.messageId})` : ''}`);

  let done: { effect: string; accounts: number };
  if (event.type === 'reply') done = await handleEmailReply(deps, event, accounts);
  else {
    const effect = complianceEventFor(event);
    // A complaint is the address's opt-out: the same debtors' other accounts honour it too.
    if (effect?.kind === 'opt_out') await reportToDebtors(deps, accounts, effect);
    else if (effect)
      for (const key of accounts) {
        const [, creditorId, accountId] = key.split('/');
        await reportComplianceEvent(deps.client, creditorId!, accountId!, effect).catch((error) => {
          if (!(error instanceof AccountError && error.code === 'unknown_account')) throw error; // a closed account sends nothing more
        });
      }
    done = { effect: effect?.kind ?? 'none', accounts: accounts.length };
  }
  // Recorded once Temporal has every signal: a 2xx means the event cannot be lost.
  await deps.pool.query('INSERT INTO webhook_events (source, event_id, account_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', ['email', event.eventId, accounts[0]]);
  return { status: 202, body: { ok: true, eventId: event.eventId, ...done } };
}
