/** The HTTP service beside the worker: for now the payment webhook and a health check. */
import { createServer, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { listenOnLoopback, replyJson } from '../local/loopback';
import { handlePaymentWebhook } from './payment-webhook';

const MAX_BODY_BYTES = 64 * 1024;

export async function startApiServer(deps: { client: Client; pool: Pool; paymentWebhookSecret: string; port?: number; log?: (line: string) => void }): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://api');
      if (req.method === 'GET' && url.pathname === '/health') return replyJson(res, 200, { ok: true });
      if (req.method !== 'POST' || url.pathname !== '/webhooks/payments') return replyJson(res, 404, { error: { code: 'not_found', message: `${req.method} ${url.pathname} is not a route` } });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) return replyJson(res, 413, { error: { code: 'body_too_large', message: `the body exceeds ${MAX_BODY_BYTES} bytes` } });
        chunks.push(chunk as Buffer);
      }
      const header = req.headers['payment-signature'];
      const result = await handlePaymentWebhook(
        { client: deps.client, pool: deps.pool, secret: deps.paymentWebhookSecret },
        { signatureHeader: Array.isArray(header) ? header[0] : header, rawBody: Buffer.concat(chunks).toString('utf8') },
      );
      replyJson(res, result.status, result.body);
    } catch (error) {
      deps.log?.(`api: ${(error as Error).message}`);
      replyJson(res, 503, { error: { code: 'unavailable', message: 'the payment was not recorded; retry later' } });
    }
  });
  const port = await listenOnLoopback(server, deps.port);
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
