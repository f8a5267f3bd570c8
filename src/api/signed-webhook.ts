/**
 * The signature scheme of the webhooks a provider posts to us (payments, email events): a header
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`, refused when it does not match or when
 * the timestamp is more than `toleranceSeconds` away (a captured request cannot be replayed later).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import type { z } from 'zod';

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

export type SignedEvent<T> = { ok: true; event: T } | { ok: false; status: 400 | 401 | 409; code: string; message: string; field?: string };

/**
 * Everything a signed provider event is checked for before it may have an effect, in order:
 * the signature and its freshness (401), JSON (400), the schema (400 naming the field), the event
 * id not processed before (409). The caller records the id after its effect succeeded.
 */
export async function readSignedEvent<T extends { eventId: string }>(
  options: { secret: string; headerName: string; toleranceSeconds?: number; nowMs?: () => number; pool: Pool; source: string; schema: z.ZodType<T> },
  signatureHeader: string | undefined,
  rawBody: string,
): Promise<SignedEvent<T>> {
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
  const seen = await options.pool.query('SELECT 1 FROM webhook_events WHERE source = $1 AND event_id = $2', [options.source, parsed.data.eventId]);
  if (seen.rowCount) return { ok: false, status: 409, code: 'replayed_event', message: `event ${parsed.data.eventId} was already processed` };
  return { ok: true, event: parsed.data };
}
