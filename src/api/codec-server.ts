/**
 * Temporal's codec server protocol on the product's HTTP service, for the Temporal UI and the
 * Temporal CLI (`--codec-endpoint`): POST …/encode and …/decode take and return
 * `{"payloads": [{"metadata": {key: base64}, "data": base64}]}` (protobuf JSON), the namespace in the
 * `X-Namespace` header. Operators read accounts in clear through it; the history itself holds only
 * ciphertext. A payload whose account was purged decodes to a placeholder string, and one that
 * cannot be decrypted to a placeholder saying why, so one bad payload does not blank a whole page.
 * CORS: only the Temporal UI's origins (TEMPORAL_UI_ORIGINS; the embedded UI's by default).
 */
import type { PayloadCodec } from '@temporalio/common';
import { encode as utf8Encode } from '@temporalio/common/lib/encoding';
import { z } from 'zod';
import { isPayloadJson, payloadFromJson, payloadToJson, type PayloadJson } from '../crypto/payload-json';
import { apiError, type ApiResponse, type RouteContext } from './http';

export interface CodecEndpointSettings {
  /** The reader codec (destroyed keys read as placeholders). */
  codec: PayloadCodec;
  namespace: string;
  /** Origins allowed by CORS (the Temporal UI's). */
  allowedOrigins: string[];
}

export const MAX_CODEC_PAYLOADS = 10_000;
export const codecBodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(MAX_CODEC_PAYLOADS, `at most ${MAX_CODEC_PAYLOADS} payloads`),
});

/** The headers that let the allowed origin read the answer (credentials too: the UI may include them). */
export function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
}

export function preflight(settings: CodecEndpointSettings | undefined, origin: string | undefined): ApiResponse {
  if (!settings || !origin || !settings.allowedOrigins.includes(origin)) return apiError(403, 'origin_not_allowed', `origin ${origin ?? '(none)'} may not call the codec endpoint (TEMPORAL_UI_ORIGINS)`);
  return {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-namespace, authorization, authorization-extras',
      'access-control-max-age': '600',
    },
  };
}

const unreadable = (why: string) => ({ metadata: { encoding: utf8Encode('json/plain') }, data: utf8Encode(JSON.stringify(`[payload cannot be decrypted: ${why}]`)) });

export async function handleCodec(settings: CodecEndpointSettings, operation: 'encode' | 'decode', ctx: RouteContext): Promise<ApiResponse> {
  const header = ctx.headers['x-namespace'];
  const namespace = (Array.isArray(header) ? header[0] : header)?.trim() || settings.namespace;
  if (namespace !== settings.namespace) return apiError(400, 'unknown_namespace', `this codec serves namespace ${settings.namespace}, not ${namespace}`, 'X-Namespace');
  let body: unknown;
  try {
    body = JSON.parse(ctx.rawBody);
  } catch {
    return apiError(400, 'malformed_body', 'the body is not JSON');
  }
  const parsed = codecBodySchema.safeParse(body);
  if (!parsed.success) return apiError(400, 'invalid_field', `payloads: ${parsed.error.issues[0]!.message}`, 'payloads');
  const bad = parsed.data.payloads.findIndex((p) => !isPayloadJson(p));
  if (bad >= 0) return apiError(400, 'invalid_field', `payloads.${bad}: metadata values and data must be base64`, `payloads.${bad}`);
  const payloads = (parsed.data.payloads as PayloadJson[]).map(payloadFromJson);
  const result =
    operation === 'encode'
      ? await settings.codec.encode(payloads)
      : await Promise.all(payloads.map(async (p) => (await settings.codec.decode([p]).catch((e: Error) => [unreadable(e.message)]))[0]!));
  return { status: 200, body: { payloads: result.map(payloadToJson) } };
}
