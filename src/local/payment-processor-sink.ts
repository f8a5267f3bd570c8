/**
 * The product's own payment processor on loopback, for `npm start` and the tests: it speaks the
 * part of Stripe's API the processor adapter uses (Checkout Sessions for the debtor's payments,
 * PaymentIntents confirmed off session for retries from a payment method on file; form-encoded,
 * Bearer secret key, Idempotency-Key), shows a checkout page that asks for a test card, and calls
 * the product's signed payment webhook as a processor would: `payment.succeeded`,
 * `payment.failed` (declined), and `payment.returned` some time after a success with the
 * "returned later" test card. Nothing real is charged; card numbers are never kept.
 *
 * Test cards (Stripe's numbers): 4242 4242 4242 4242 succeeds; 4000 0000 0000 0259 succeeds and
 * comes back as a chargeback later; 4000 0000 0000 9995 insufficient funds; 4000 0000 0000 0002
 * generic decline; 4000 0000 0000 9987 lost card; 4000 0000 0000 0069 expired; 4000 0000 0000 0119
 * processing error. Payment methods for off-session charges: pm_card_visa, pm_card_chargeDeclined,
 * pm_card_chargeDeclinedInsufficientFunds, pm_card_chargeDeclinedLostCard,
 * pm_card_chargeDeclinedProcessingError, pm_card_chargeDeclinedExpiredCard.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { signWebhook } from '../api/signed-webhook';
import { escapeHtml } from '../domain/template';
import { formatMoney } from '../domain/money';
import { listenOnLoopback, replyJson } from './loopback';

type Outcome = { ok: true; returnLater?: boolean } | { ok: false; declineCode: string; message: string };

const CARDS: Record<string, Outcome> = {
  '4242424242424242': { ok: true },
  '4000000000000259': { ok: true, returnLater: true },
  '4000000000009995': { ok: false, declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '4000000000000002': { ok: false, declineCode: 'generic_decline', message: 'Your card was declined.' },
  '4000000000009987': { ok: false, declineCode: 'lost_card', message: 'Your card was declined.' },
  '4000000000000069': { ok: false, declineCode: 'expired_card', message: 'Your card has expired.' },
  '4000000000000119': { ok: false, declineCode: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
};
const PAYMENT_METHODS: Record<string, Outcome> = {
  pm_card_visa: { ok: true },
  pm_card_chargeDeclined: CARDS['4000000000000002']!,
  pm_card_chargeDeclinedInsufficientFunds: CARDS['4000000000009995']!,
  pm_card_chargeDeclinedLostCard: CARDS['4000000000009987']!,
  pm_card_chargeDeclinedExpiredCard: CARDS['4000000000000069']!,
  pm_card_chargeDeclinedProcessingError: CARDS['4000000000000119']!,
};

export interface SinkPaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: 'requires_payment_method' | 'succeeded' | 'canceled';
  metadata: Record<string, string>;
  payment_method: string | null;
  last_payment_error: { type: 'card_error'; code: 'card_declined' | 'expired_card' | 'processing_error'; decline_code: string; message: string } | null;
  created: number;
  /** Set when the loopback processor reported it returned (a chargeback). */
  returned?: boolean;
}

export interface SinkCheckoutSession {
  id: string;
  object: 'checkout.session';
  url: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  payment_intent: string;
  amount_total: number;
  currency: string;
  locale: string;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string;
  description: string;
}

export interface WebhookDelivery {
  type: string;
  eventId: string;
  status: number | null;
}

export interface PaymentProcessorSink {
  baseUrl: string;
  port: number;
  /** The secret key the adapter authenticates with (new at every start). */
  secretKey: string;
  intents(): SinkPaymentIntent[];
  sessions(): SinkCheckoutSession[];
  deliveries(): WebhookDelivery[];
  close(): Promise<void>;
}

const DECLINE_CODES = (code: string): SinkPaymentIntent['last_payment_error'] extends infer E ? (E extends { code: infer C } ? C : never) : never =>
  code === 'expired_card' ? 'expired_card' : code === 'processing_error' ? 'processing_error' : 'card_declined';

export async function startPaymentProcessorSink(options: {
  port?: number;
  /** The product's payment webhook, and its secret (PAYMENT_WEBHOOK_SECRET). */
  webhookUrl: string | (() => string);
  webhookSecret: string;
  directory?: string;
  /** How long after a success the "returned later" card comes back (default 60 s). */
  returnAfterMs?: number;
  log?: (line: string) => void;
}): Promise<PaymentProcessorSink> {
  const secretKey = `sk_test_loopback_${randomBytes(16).toString('hex')}`;
  const intents = new Map<string, SinkPaymentIntent>();
  const sessions = new Map<string, SinkCheckoutSession>();
  const byIdempotencyKey = new Map<string, { status: number; body: unknown }>();
  const deliveries: WebhookDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  if (options.directory) mkdirSync(options.directory, { recursive: true });
  const keep = (intent: SinkPaymentIntent) => {
    intents.set(intent.id, intent);
    if (options.directory) writeFileSync(join(options.directory, `${intent.id}.json`), JSON.stringify(intent, null, 2));
  };
  const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
  let baseUrl = '';

  /** Delivers a signed event to the product's payment webhook; retried a few times on failure, as processors do. */
  const deliver = async (type: string, body: Record<string, unknown>, attempt = 1): Promise<void> => {
    const eventId = (body.eventId as string) ?? id('evt');
    const raw = JSON.stringify({ ...body, eventId, type });
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    try {
      const url = typeof options.webhookUrl === 'function' ? options.webhookUrl() : options.webhookUrl;
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': `t=${timestamp},v1=${signWebhook(options.webhookSecret, timestamp, raw)}` }, body: raw, signal: AbortSignal.timeout(10_000) });
      status = response.status;
      await response.text().catch(() => undefined);
    } catch {
      status = null;
    }
    deliveries.push({ type, eventId, status });
    if ((status === null || status >= 500) && attempt < 5) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        void deliver(type, { ...body, eventId }, attempt + 1);
      }, 1000 * 2 ** attempt);
      timers.add(timer);
    }
  };

  const ids = (intent: SinkPaymentIntent) => ({ creditorId: intent.metadata.creditorId ?? '', accountId: intent.metadata.accountId ?? '' });
  const settle = async (intent: SinkPaymentIntent, outcome: Outcome, report: { failures: boolean; retryWith?: string }) => {
    if (outcome.ok) {
      intent.status = 'succeeded';
      intent.last_payment_error = null;
      keep(intent);
      const source = intent.metadata.source;
      await deliver('payment.succeeded', { ...ids(intent), payment: { paymentId: intent.id, amountMinor: intent.amount, currency: intent.currency.toUpperCase(), ...(source ? { source } : {}) } });
      if (outcome.returnLater) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          intent.returned = true;
          keep(intent);
          void deliver('payment.returned', { ...ids(intent), return: { paymentId: intent.id, returnId: id('dp'), reason: 'chargeback' } });
        }, options.returnAfterMs ?? 60_000);
        timers.add(timer);
      }
      return;
    }
    intent.status = 'requires_payment_method';
    intent.last_payment_error = { type: 'card_error', code: DECLINE_CODES(outcome.declineCode), decline_code: outcome.declineCode, message: outcome.message };
    keep(intent);
    // The account learns of a debtor's declined card; a retry's decline it learns from the retry itself.
    if (report.failures) await deliver('payment.failed', { ...ids(intent), failure: { paymentId: intent.id, amountMinor: intent.amount, currency: intent.currency.toUpperCase(), declineCode: outcome.declineCode, message: outcome.message, ...(report.retryWith ? { retry: { paymentMethod: report.retryWith } } : {}) } });
  };

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const metadataOf = (params: URLSearchParams, prefix: string) => {
    const metadata: Record<string, string> = {};
    for (const [key, value] of params) {
      const m = new RegExp(`^${prefix.replace(/[[\]]/g, '\\$&')}\\[([^\\]]+)\\]$`).exec(key);
      if (m) metadata[m[1]!] = value;
    }
    return metadata;
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.headers.authorization !== `Bearer ${secretKey}`) return replyJson(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    const idempotencyKey = req.headers['idempotency-key'];
    const replay = typeof idempotencyKey === 'string' ? byIdempotencyKey.get(`${req.method} ${url.pathname} ${idempotencyKey}`) : undefined;
    if (replay) return replyJson(res, replay.status, replay.body);
    const answer = (status: number, body: unknown) => {
      if (typeof idempotencyKey === 'string') byIdempotencyKey.set(`${req.method} ${url.pathname} ${idempotencyKey}`, { status, body });
      replyJson(res, status, body);
    };
    const params = new URLSearchParams(req.method === 'POST' ? await readBody(req) : '');
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const amount = Number(params.get('line_items[0][price_data][unit_amount]'));
      const currency = params.get('line_items[0][price_data][currency]') ?? '';
      const successUrl = params.get('success_url');
      const cancelUrl = params.get('cancel_url');
      if (!Number.isSafeInteger(amount) || amount <= 0 || !/^[a-z]{3}$/.test(currency) || !successUrl || !cancelUrl)
        return replyJson(res, 400, { error: { type: 'invalid_request_error', message: 'line_items[0][price_data][unit_amount], [currency], success_url and cancel_url are required' } });
      const metadata = { ...metadataOf(params, 'metadata'), ...metadataOf(params, 'payment_intent_data[metadata]') };
      const intent: SinkPaymentIntent = { id: id('pi'), object: 'payment_intent', amount, currency, status: 'requires_payment_method', metadata, payment_method: null, last_payment_error: null, created: Math.floor(Date.now() / 1000) };
      keep(intent);
      const sessionId = id('cs');
      const session: SinkCheckoutSession = {
        id: sessionId, object: 'checkout.session', url: `${baseUrl}/checkout/${sessionId}`, status: 'open', payment_status: 'unpaid', payment_intent: intent.id, amount_total: amount, currency,
        locale: params.get('locale') ?? 'en', metadata, success_url: successUrl, cancel_url: cancelUrl, description: params.get('line_items[0][price_data][product_data][name]') ?? 'Payment',
      };
      sessions.set(sessionId, session);
      return answer(200, session);
    }
    const sessionMatch = /^\/v1\/checkout\/sessions\/(cs_test_[0-9a-f]+)$/.exec(url.pathname);
    if (req.method === 'GET' && sessionMatch) {
      const session = sessions.get(sessionMatch[1]!);
      if (!session) return replyJson(res, 404, { error: { type: 'invalid_request_error', message: 'No such checkout session' } });
      const expand = url.searchParams.getAll('expand[]').includes('payment_intent');
      return replyJson(res, 200, { ...session, payment_intent: expand ? intents.get(session.payment_intent) : session.payment_intent });
    }
    if (req.method === 'POST' && url.pathname === '/v1/payment_intents') {
      const amount = Number(params.get('amount'));
      const currency = params.get('currency') ?? '';
      const paymentMethod = params.get('payment_method') ?? '';
      if (!Number.isSafeInteger(amount) || amount <= 0 || !/^[a-z]{3}$/.test(currency)) return replyJson(res, 400, { error: { type: 'invalid_request_error', message: 'amount and currency are required' } });
      const outcome = PAYMENT_METHODS[paymentMethod];
      if (!outcome) return replyJson(res, 400, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such PaymentMethod: '${paymentMethod}'` } });
      const intent: SinkPaymentIntent = { id: id('pi'), object: 'payment_intent', amount, currency, status: 'requires_payment_method', metadata: metadataOf(params, 'metadata'), payment_method: paymentMethod, last_payment_error: null, created: Math.floor(Date.now() / 1000) };
      const offSession = params.get('confirm') === 'true' && params.get('off_session') === 'true';
      if (!offSession) {
        keep(intent);
        return answer(200, intent);
      }
      // Failures of an automatic payment the creditor's own system made are reported with the method to retry; the product's retries are not.
      const automatic = intent.metadata.automatic === 'true';
      await settle(intent, outcome, { failures: automatic, retryWith: automatic ? paymentMethod : undefined });
      if (outcome.ok) return answer(200, intent);
      return answer(402, { error: { type: 'card_error', code: intent.last_payment_error!.code, decline_code: outcome.declineCode, message: outcome.message, payment_intent: intent } });
    }
    const intentMatch = /^\/v1\/payment_intents\/(pi_test_[0-9a-f]+)$/.exec(url.pathname);
    if (req.method === 'GET' && intentMatch) {
      const intent = intents.get(intentMatch[1]!);
      return intent ? replyJson(res, 200, intent) : replyJson(res, 404, { error: { type: 'invalid_request_error', message: 'No such payment_intent' } });
    }
    return replyJson(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
  };

  const checkout = async (req: IncomingMessage, res: ServerResponse, sessionId: string) => {
    const session = sessions.get(sessionId);
    if (!session) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end('No such checkout');
    }
    const intent = intents.get(session.payment_intent)!;
    let error: string | null = null;
    if (req.method === 'POST' && session.status === 'open') {
      const form = new URLSearchParams(await readBody(req));
      const number = (form.get('number') ?? '').replace(/[\s-]/g, '');
      const outcome: Outcome = CARDS[number] ?? { ok: false, declineCode: 'incorrect_number', message: 'Your card number is incorrect.' };
      intent.payment_method = `pm_card_${number.slice(-4)}`;
      await settle(intent, outcome, { failures: true });
      if (outcome.ok) {
        session.status = 'complete';
        session.payment_status = 'paid';
        res.writeHead(303, { location: session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id) });
        return res.end();
      }
      error = outcome.message;
    }
    const es = session.locale === 'es';
    const amount = formatMoney({ amountMinor: session.amount_total, currency: session.currency.toUpperCase() }, es ? 'es' : 'en');
    const t = es
      ? { title: 'Pago con tarjeta (procesador de prueba)', pay: `Pagar ${amount}`, number: 'Número de tarjeta', exp: 'Vencimiento (MM/AA)', cvc: 'CVC', cancel: 'Cancelar y volver', tests: 'Tarjetas de prueba', done: 'Este pago ya se completó.' }
      : { title: 'Card payment (test processor)', pay: `Pay ${amount}`, number: 'Card number', exp: 'Expiry (MM/YY)', cvc: 'CVC', cancel: 'Cancel and go back', tests: 'Test cards', done: 'This payment is already complete.' };
    const body =
      session.status !== 'open'
        ? `<p>${t.done}</p>`
        : `${error ? `<p role="alert" id="error" style="color:#8a1c1c;font-weight:bold">${escapeHtml(error)}</p>` : ''}
<form method="post">
<p><label for="number">${t.number}</label><br><input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required ${error ? 'aria-describedby="error" aria-invalid="true"' : ''} style="font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box"></p>
<p><label for="exp">${t.exp}</label><br><input id="exp" name="exp" autocomplete="cc-exp" required style="font-size:1.1rem;padding:.5rem"></p>
<p><label for="cvc">${t.cvc}</label><br><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required style="font-size:1.1rem;padding:.5rem"></p>
<p><button type="submit" style="font-size:1.1rem;padding:.6rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px">${t.pay}</button></p>
</form>
<p><a href="${escapeHtml(session.cancel_url)}">${t.cancel}</a></p>
<h2>${t.tests}</h2><ul><li>4242 4242 4242 4242 — succeeds</li><li>4000 0000 0000 0259 — succeeds, returned later</li><li>4000 0000 0000 9995 — insufficient funds</li><li>4000 0000 0000 0002 — declined</li><li>4000 0000 0000 9987 — lost card</li></ul>`;
    res.writeHead(error ? 402 : 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'", 'referrer-policy': 'no-referrer' });
    res.end(`<!doctype html><html lang="${es ? 'es' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t.title}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;line-height:1.5"><main><h1>${t.title}</h1><p>${escapeHtml(session.description)}: <strong>${amount}</strong></p>${body}</main></body></html>`);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://processor');
    const handle = url.pathname.startsWith('/v1/') ? api(req, res, url) : /^\/checkout\/(cs_test_[0-9a-f]+)$/.test(url.pathname) ? checkout(req, res, url.pathname.split('/')[2]!) : Promise.resolve(replyJson(res, 404, { error: 'not found' }));
    handle.catch((error) => {
      options.log?.(`payment processor sink: ${(error as Error).message}`);
      if (!res.headersSent) replyJson(res, 500, { error: { type: 'api_error', message: 'internal error' } });
      else res.end();
    });
  });
  const port = await listenOnLoopback(server, options.port);
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    secretKey,
    intents: () => [...intents.values()],
    sessions: () => [...sessions.values()],
    deliveries: () => [...deliveries],
    close: () =>
      new Promise((resolve) => {
        timers.forEach(clearTimeout);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
