import { createHmac } from 'node:crypto';

/**
 * Signed webhooks to creditors' systems. The signature covers a timestamp and the raw body
 * (`Dunning-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`), so a receiver can
 * refuse forgeries and replays; `Idempotency-Key` lets it recognise a retried delivery.
 */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class WebhookRejectedError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'WebhookRejectedError';
  }
}

export async function postSignedWebhook(options: { url: string; secret: string; idempotencyKey: string; payload: unknown; nowMs?: number; timeoutMs?: number }): Promise<string> {
  const body = JSON.stringify(options.payload);
  const timestamp = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': options.idempotencyKey,
      'dunning-signature': `t=${timestamp},v1=${signPayload(options.secret, timestamp, body)}`,
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  if (response.ok) return text.slice(0, 2000);
  // 4xx other than 408/409/429 means the receiver refuses this order as it stands; retrying will not help.
  throw new WebhookRejectedError(response.status, `${options.url} answered ${response.status}: ${text.slice(0, 300)}`);
}
