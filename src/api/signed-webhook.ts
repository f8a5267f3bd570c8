/**
 * The signature scheme of the webhooks a provider posts to us (payments, email events): a header
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`, refused when it does not match or when
 * the timestamp is more than `toleranceSeconds` away (a captured request cannot be replayed later).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import type { WebhookEventKey, WebhookEventRepository } from '../adapters/webhook-event.repository';
import { apiError, type ApiResponse } from './http';

export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

export type SignatureProblem = { code: 'missing_signature' | 'stale_timestamp' | 'bad_signature'; message: string };

/** null when the request is signed with the secret and fresh; else why not. */
export function checkWebhookSignature(
  options: { secret: string; headerName: string; toleranceSeconds?: number; nowMs?: () => number },
  signatureHeader: string | undefined,
  rawBody: string,
): SignatureProblem | null {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(signatureHeader ?? '');
  if (!match) return { code: 'missing_signature', message: `${options.headerName} header must be t=<unix seconds>,v1=<hex HMAC-SHA256>` };
  const timestamp = Number(match[1]);
  const now = (options.nowMs ?? Date.now)() / 1000;
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) return { code: 'stale_timestamp', message: `the signature timestamp is more than ${tolerance / 60} minutes away from now` };
  const expected = Buffer.from(signWebhook(options.secret, timestamp, rawBody), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) return { code: 'bad_signature', message: 'the signature does not match the body' };
  return null;
}

export type SignedEvent<T> = { ok: true; event: T } | { ok: false; status: 400 | 401; code: string; message: string; field?: string };

/**
 * Everything a signed provider event is checked for before it may have an effect, in order:
 * the signature and its freshness (401), JSON (400), the schema (400 naming the field). Whether
 * the event was processed before is decided by onceForEvent, atomically.
 */
export function readSignedEvent<T extends { eventId: string }>(
  options: { secret: string; headerName: string; toleranceSeconds?: number; nowMs?: () => number; schema: z.ZodType<T> },
  signatureHeader: string | undefined,
  rawBody: string,
): SignedEvent<T> {
  const problem = checkWebhookSignature(options, signatureHeader, rawBody);
  if (problem) return { ok: false, status: 401, ...problem };
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, status: 400, code: 'malformed_body', message: 'the body is not JSON' };
  }
  const parsed = options.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(body)';
    return { ok: false, status: 400, code: 'invalid_field', message: `${field}: ${issue.message}`, field };
  }
  return { ok: true, event: parsed.data };
}

/**
 * Runs the event's effect once per (source, creditor, event id): the event is claimed by one
 * atomic insert first, so of two deliveries arriving together one goes on and the other is told
 * to retry (503, while the first is still at work) or that it is a replay (409, once the first is
 * done). A 2xx answer marks the event done; anything else, or a failure, lets go of it so the
 * provider's retry can succeed.
 */
export async function onceForEvent(events: WebhookEventRepository, key: WebhookEventKey, accountKey: string, effect: () => Promise<ApiResponse>): Promise<ApiResponse> {
  const claim = await events.claim(key, accountKey);
  if (!claim.claimed)
    return claim.state === 'done'
      ? apiError(409, 'replayed_event', `event ${key.eventId} was already processed`)
      : apiError(503, 'event_in_progress', `event ${key.eventId} is being processed by another delivery; retry later`, null, { 'retry-after': '5' });
  let response: ApiResponse;
  try {
    response = await effect();
  } catch (error) {
    await events.release(claim).catch(() => undefined);
    throw error; // Temporal unreachable: 5xx, so the provider retries
  }
  if (response.status < 300) await events.complete(claim);
  else await events.release(claim);
  return response;
}
