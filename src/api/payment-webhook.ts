/**
 * The payment webhook a payment processor calls when money arrives. Checks first, then one
 * effect: the signature (HMAC-SHA256 over "timestamp.rawBody"), the timestamp's freshness, the
 * body, the event id not seen before; then the account's workflow is signalled, and only after
 * Temporal accepted the signal is the event recorded and 2xx sent, so a 2xx means the payment
 * cannot be lost (the workflow and the ledger post it once per payment id whatever happens).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { AccountError, reportPayment } from '../client/accounts.client';
import { accountKey } from '../domain/account';
import { identifier } from '../schemas/account.schema';
import { paymentSchema } from '../schemas/payment.schema';

export const paymentEventSchema = z.object({
  eventId: identifier,
  type: z.literal('payment.succeeded', { error: 'must be payment.succeeded (returned payments come with reversals)' }),
  creditorId: identifier,
  accountId: identifier,
  payment: paymentSchema,
});

export interface WebhookResponse {
  status: number;
  body: { ok: true; eventId: string } | { error: { code: string; message: string; field?: string } };
}

const fail = (status: number, code: string, message: string, field?: string): WebhookResponse => ({ status, body: { error: { code, message, ...(field ? { field } : {}) } } });

export function signPaymentWebhook(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

export async function handlePaymentWebhook(
  deps: { client: Client; pool: Pool; secret: string; toleranceSeconds?: number; nowMs?: () => number },
  request: { signatureHeader: string | undefined; rawBody: string },
): Promise<WebhookResponse> {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(request.signatureHeader ?? '');
  if (!match) return fail(401, 'missing_signature', 'Payment-Signature header must be t=<unix seconds>,v1=<hex HMAC-SHA256>');
  const timestamp = Number(match[1]);
  const now = (deps.nowMs ?? Date.now)() / 1000;
  if (Math.abs(now - timestamp) > (deps.toleranceSeconds ?? 300)) return fail(401, 'stale_timestamp', 'the signature timestamp is more than 5 minutes away from now');
  const expected = Buffer.from(signPaymentWebhook(deps.secret, timestamp, request.rawBody), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) return fail(401, 'bad_signature', 'the signature does not match the body');

  let json: unknown;
  try {
    json = JSON.parse(request.rawBody);
  } catch {
    return fail(400, 'malformed_body', 'the body is not JSON');
  }
  const parsed = paymentEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    return fail(400, 'invalid_field', `${field}: ${issue.message}`, field);
  }
  const event = parsed.data;
  const seen = await deps.pool.query('SELECT 1 FROM webhook_events WHERE source = $1 AND event_id = $2', ['payments', event.eventId]);
  if (seen.rowCount) return fail(409, 'replayed_event', `event ${event.eventId} was already processed`);

  try {
    await reportPayment(deps.client, event.creditorId, event.accountId, event.payment);
  } catch (error) {
    if (error instanceof AccountError) {
      if (error.code === 'unknown_account') return fail(404, 'unknown_account', error.message);
      if (error.code === 'account_closed') return fail(409, 'account_closed', error.message);
      return fail(400, 'invalid_field', error.message);
    }
    throw error; // Temporal unreachable: 5xx, so the processor retries
  }
  await deps.pool.query('INSERT INTO webhook_events (source, event_id, account_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    'payments',
    event.eventId,
    accountKey(event.creditorId, event.accountId),
  ]);
  return { status: 202, body: { ok: true, eventId: event.eventId } };
}
