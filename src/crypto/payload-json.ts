/**
 * Payloads in their protobuf JSON form (`{metadata: {key: base64}, data: base64}`), as the codec
 * server protocol, `historyToJSON` and the Temporal UI carry them; and a walk that runs a codec
 * over every payload found in such a document (a whole history).
 */
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A payload in JSON form: a `metadata` object of base64 strings and an optional base64 `data`. */
export function isPayloadJson(value: unknown): value is PayloadJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { metadata, data, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return false;
  if (data !== undefined && (typeof data !== 'string' || !BASE64.test(data))) return false;
  return Object.values(metadata).every((v) => typeof v === 'string' && BASE64.test(v));
}

export function payloadFromJson(json: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(json.data ?? '', 'base64')),
  };
}

export function payloadToJson(payload: Payload): PayloadJson {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
    data: b64(payload.data ?? new Uint8Array()),
  };
}

/** A copy of `document` with every payload in it decoded by `codec` (e.g. a history as historyToJSON writes it). */
export async function decodePayloadsIn(document: unknown, codec: PayloadCodec): Promise<unknown> {
  if (isPayloadJson(document)) return payloadToJson((await codec.decode([payloadFromJson(document)]))[0]!);
  if (Array.isArray(document)) return Promise.all(document.map((item) => decodePayloadsIn(item, codec)));
  if (typeof document === 'object' && document !== null) {
    const entries = await Promise.all(Object.entries(document).map(async ([k, v]) => [k, await decodePayloadsIn(v, codec)] as const));
    return Object.fromEntries(entries);
  }
  return document;
}
