/**
 * The payment webhook a payment processor calls when money arrives or comes back. Checks first,
 * then one effect: the signature (HMAC-SHA256 over "timestamp.rawBody"), the timestamp's
 * freshness, the body, the event id not seen before; then the account's workflow is signalled,
 * and only after Temporal accepted the signal is the event recorded and 2xx sent, so a 2xx means
 * the payment (or its return) cannot be lost: the workflow and the ledger post a payment once per
 * payment id and reverse it once whatever the return id.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { keepUnapplied } from '../adapters/unapplied-payments.repository';
import { AccountError, reportPayment, reportPaymentReturn } from '../client/accounts.client';
import { accountKey } from '../domain/account';
import { identifier } from '../schemas/account.schema';
import { paymentReturnSchema } from '../schemas/arrangement.schema';
import { paymentSchema } from '../schemas/payment.schema';
import { readSignedEvent, signWebhook } from './signed-webhook';

const eventFields = { eventId: identifier, creditorId: identifier, accountId: identifier };
export const paymentEventSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ ...eventFields, type: z.literal('payment.succeeded'), payment: paymentSchema }),
    z.object({ ...eventFields, type: z.literal('payment.returned'), return: paymentReturnSchema }),
  ],
  { error: 'must be payment.succeeded or payment.returned' },
);

export interface WebhookResponse {
  status: number;
  body: { ok: true; eventId: string } | { error: { code: string; message: string; field?: string } };
}

const fail = (status: number, code: string, message: string, field?: string | null): WebhookResponse => ({ status, body: { error: { code, message, ...(field ? { field } : {}) } } });

export function signPaymentWebhook(secret: string, timestamp: number, rawBody: string): string {
  return signWebhook(secret, timestamp, rawBody);
}

export async function handlePaymentWebhook(
  deps: { client: Client; pool: Pool; secret: string; toleranceSeconds?: number; nowMs?: () => number },
  request: { signatureHeader: string | undefined; rawBody: string },
): Promise<WebhookResponse> {
  const read = await readSignedEvent({ ...deps, headerName: 'Payment-Signature', source: 'payments', schema: paymentEventSchema }, request.signatureHeader, request.rawBody);
  if (!read.ok) return fail(read.status, read.code, read.message, read.field);
  const event = read.event;

  try {
    if (event.type === 'payment.succeeded') await reportPayment(deps.client, event.creditorId, event.accountId, event.payment, keepUnapplied(deps.pool, 'webhook'));
    else await reportPaymentReturn(deps.client, event.creditorId, event.accountId, event.return);
  } catch (error) {
    if (error instanceof AccountError) {
      if (error.code === 'unknown_account') return fail(404, 'unknown_account', error.message);
      if (error.code === 'account_closed') return fail(409, 'account_closed', error.message);
      if (error.code === 'currency_mismatch') return fail(422, 'currency_mismatch', error.message, 'payment.currency');
      return fail(400, 'invalid_field', error.message, error.field);
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
