/**
 * The payment webhook a payment processor calls when money arrives or comes back. Checks first,
 * then one effect: the signature (HMAC-SHA256 over "timestamp.rawBody"), the timestamp's
 * freshness, the body; then the event is claimed (once per creditor and event id, atomically), the
 * account's workflow is signalled, and only after Temporal accepted the signal is the event marked
 * done and 2xx sent, so a 2xx means the payment (or its return) cannot be lost: the workflow and the ledger post a payment once per
 * payment id and reverse it once whatever the return id.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { z } from 'zod';
import { ledgerCurrencyOf } from '../adapters/ledger.repository';
import { keepUnapplied } from '../adapters/unapplied-payments.repository';
import { AccountError, reportPayment, reportPaymentFailure, reportPaymentReturn } from '../client/accounts.client';
import { accountKey } from '../domain/account';
import { identifier } from '../schemas/account.schema';
import { paymentReturnSchema } from '../schemas/arrangement.schema';
import { paymentFailureSchema, paymentSchema } from '../schemas/payment.schema';
import { createWebhookEventRepository } from '../adapters/webhook-event.repository';
import { apiError, type ApiResponse } from './http';
import { onceForEvent, readSignedEvent, signWebhook } from './signed-webhook';

const eventFields = { eventId: identifier, creditorId: identifier, accountId: identifier };
export const paymentEventSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ ...eventFields, type: z.literal('payment.succeeded'), payment: paymentSchema }),
    z.object({ ...eventFields, type: z.literal('payment.returned'), return: paymentReturnSchema }),
    z.object({ ...eventFields, type: z.literal('payment.failed'), failure: paymentFailureSchema }),
  ],
  { error: 'must be payment.succeeded, payment.returned or payment.failed' },
);

export function signPaymentWebhook(secret: string, timestamp: number, rawBody: string): string {
  return signWebhook(secret, timestamp, rawBody);
}

export async function handlePaymentWebhook(
  deps: { client: Client; pool: Pool; secret: string; toleranceSeconds?: number; nowMs?: () => number },
  request: { signatureHeader: string | undefined; rawBody: string },
): Promise<ApiResponse> {
  const read = readSignedEvent({ ...deps, headerName: 'Payment-Signature', schema: paymentEventSchema }, request.signatureHeader, request.rawBody);
  if (!read.ok) return apiError(read.status, read.code, read.message, read.field);
  const event = read.event;
  // Each creditor's processor numbers its own events: the id is unique per creditor only.
  const key = { source: 'payments', creditorId: event.creditorId, eventId: event.eventId } as const;
  return onceForEvent(createWebhookEventRepository(deps.pool), key, accountKey(event.creditorId, event.accountId), async () => {
    try {
      const currencyOf = ledgerCurrencyOf(deps.pool);
      if (event.type === 'payment.succeeded') await reportPayment(deps.client, event.creditorId, event.accountId, event.payment, keepUnapplied(deps.pool, 'webhook'), currencyOf);
      else if (event.type === 'payment.failed') await reportPaymentFailure(deps.client, event.creditorId, event.accountId, event.failure, currencyOf);
      else await reportPaymentReturn(deps.client, event.creditorId, event.accountId, event.return, currencyOf);
    } catch (error) {
      if (error instanceof AccountError) {
        if (error.code === 'unknown_account') return apiError(404, 'unknown_account', error.message);
        if (error.code === 'account_closed') return apiError(409, 'account_closed', error.message);
        if (error.code === 'currency_mismatch') return apiError(422, 'currency_mismatch', error.message, 'payment.currency');
        return apiError(400, 'invalid_field', error.message, error.field);
      }
      throw error; // Temporal unreachable: 5xx, so the processor retries
    }
    return { status: 202, body: { ok: true, eventId: event.eventId } };
  });
}
