/** The HTTP service beside the worker: the payment webhook, Twilio's inbound SMS webhook, a health check. */
import { createServer, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { listenOnLoopback, replyJson } from '../local/loopback';
import { handlePaymentWebhook } from './payment-webhook';
import { handleInboundSms } from './twilio-inbound';
import { handleUnsubscribe } from './unsubscribe';

const MAX_BODY_BYTES = 64 * 1024;

export interface ApiDeps {
  client: Client;
  pool: Pool;
  paymentWebhookSecret: string;
  /** Twilio signs the public URL it calls: the base of that URL as Twilio sees it (default: this server's). */
  twilio?: { authToken: string; publicBaseUrl?: string };
  paymentLinkBaseUrl?: string;
  /** Signs unsubscribe links; without it /unsubscribe is not served. */
  unsubscribeSecret?: string;
  port?: number;
  log?: (line: string) => void;
}

export async function startApiServer(deps: ApiDeps): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  let baseUrl = '';
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://api');
      if (req.method === 'GET' && url.pathname === '/health') return replyJson(res, 200, { ok: true });
      if (url.pathname === '/unsubscribe' && deps.unsubscribeSecret && (req.method === 'GET' || req.method === 'POST')) {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8').slice(0, 4096));
        const result = await handleUnsubscribe({ client: deps.client, secret: deps.unsubscribeSecret }, { method: req.method, token: url.searchParams.get('token') ?? form.get('token') });
        res.writeHead(result.status, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(result.html);
      }
      const routes = ['/webhooks/payments', ...(deps.twilio ? ['/webhooks/twilio/sms'] : [])];
      if (req.method !== 'POST' || !routes.includes(url.pathname)) return replyJson(res, 404, { error: { code: 'not_found', message: `${req.method} ${url.pathname} is not a route` } });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) return replyJson(res, 413, { error: { code: 'body_too_large', message: `the body exceeds ${MAX_BODY_BYTES} bytes` } });
        chunks.push(chunk as Buffer);
      }
      if (url.pathname === '/webhooks/twilio/sms' && deps.twilio) {
        const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        const signature = req.headers['x-twilio-signature'];
        const result = await handleInboundSms(
          { client: deps.client, pool: deps.pool, authToken: deps.twilio.authToken, publicUrl: `${deps.twilio.publicBaseUrl ?? baseUrl}${url.pathname}`, paymentLinkBaseUrl: deps.paymentLinkBaseUrl ?? 'https://pay.example.test' },
          { signature: Array.isArray(signature) ? signature[0] : signature, params },
        );
        res.writeHead(result.status, { 'content-type': 'text/xml' });
        return res.end(result.twiml);
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
  baseUrl = `http://127.0.0.1:${port}`;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
