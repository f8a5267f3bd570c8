/**
 * Creditors' systems on loopback: an HTTP endpoint that receives the product's signed webhooks
 * (disconnection and repossession orders), checks signature and freshness like a real receiver
 * should, acknowledges each idempotency key once, and keeps every delivery.
 */
import { timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, replyJson } from './loopback';
import { join } from 'node:path';
import { signPayload } from '../adapters/webhook.client';

export interface ReceivedWebhook {
  path: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  receivedAt: string;
  duplicate: boolean;
}

export interface WebhookSink {
  baseUrl: string;
  port: number;
  received(): ReceivedWebhook[];
  /** Answers the next n deliveries with this status (e.g. 503 while "down"). */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

export async function startWebhookSink(options: { secret: string; port?: number; directory?: string; toleranceSeconds?: number }): Promise<WebhookSink> {
  const received: ReceivedWebhook[] = [];
  const acknowledged = new Set<string>();
  let failuresLeft = 0;
  let failureStatus = 503;
  if (options.directory) mkdirSync(options.directory, { recursive: true });

  const reply = replyJson;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = String(req.headers['dunning-signature'] ?? '');
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    if (!match) return reply(res, 401, { error: 'missing_signature' });
    const timestamp = Number(match[1]);
    if (Math.abs(Date.now() / 1000 - timestamp) > (options.toleranceSeconds ?? 300)) return reply(res, 401, { error: 'stale_timestamp' });
    const expected = Buffer.from(signPayload(options.secret, timestamp, body), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) return reply(res, 401, { error: 'bad_signature' });
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      return reply(res, failureStatus, { error: 'unavailable' });
    }
    const idempotencyKey = String(req.headers['idempotency-key'] ?? '');
    const duplicate = acknowledged.has(idempotencyKey);
    acknowledged.add(idempotencyKey);
    const delivery: ReceivedWebhook = { path: req.url ?? '/', idempotencyKey, payload: JSON.parse(body), receivedAt: new Date().toISOString(), duplicate };
    received.push(delivery);
    if (options.directory) writeFileSync(join(options.directory, `${delivery.receivedAt.replace(/[:.]/g, '-')}-${received.length}.json`), JSON.stringify(delivery, null, 2));
    reply(res, 200, { acknowledged: true, reference: `ack-${received.length}`, duplicate });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => reply(res, 400, { error: String(error) }));
  });
  const port = await listenOnLoopback(server, options.port);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    received: () => [...received],
    failNext(n, status = 503) {
      failuresLeft = n;
      failureStatus = status;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
