/**
 * The payment processor, in the shape most processors share with Stripe's API: a hosted checkout
 * page for the debtor's own payments (`POST /v1/checkout/sessions`, the debtor is sent to its
 * `url` and comes back to `success_url` or `cancel_url`), and PaymentIntents confirmed off
 * session against a payment method on file for retries (`POST /v1/payment_intents` with
 * `confirm=true&off_session=true`). Form-encoded bodies, `Authorization: Bearer <secret key>`, an
 * `Idempotency-Key` on every creation, so a retried request never charges twice. The product's
 * loopback processor (src/local/payment-processor-sink.ts) speaks the same API.
 *
 * Only this module talks to a processor; card numbers never reach the product (the processor's
 * page takes them).
 */
export interface CheckoutRequest {
  amountMinor: number;
  currency: string;
  description: string;
  successUrl: string;
  cancelUrl: string;
  locale: 'en' | 'es';
  /** Carried back in the processor's events: creditorId, accountId, source. */
  metadata: Record<string, string>;
  idempotencyKey: string;
}

export interface Checkout {
  id: string;
  url: string;
  status: 'open' | 'complete' | 'expired';
  paymentStatus: 'paid' | 'unpaid';
  paymentIntentId: string | null;
  amountMinor: number;
  currency: string;
  /** Why the last card was declined, when one was. */
  declineCode: string | null;
}

export interface SavedMethodCharge {
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface ChargeResult {
  status: 'succeeded' | 'declined' | 'processing';
  paymentIntentId: string;
  declineCode: string | null;
  message: string | null;
}

export interface PaymentProcessor {
  readonly name: string;
  /** Where its hosted checkout page is (the debtor's page allows form posts to end there: CSP form-action). */
  readonly checkoutOrigin: string;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  retrieveCheckout(id: string): Promise<Checkout>;
  chargeSavedMethod(request: SavedMethodCharge): Promise<ChargeResult>;
}

/** The processor of each creditor (null: no payments on the page, no retries). */
export interface PaymentProcessors {
  forCreditor(creditorId: string): PaymentProcessor | null;
}

/** Stripe's form encoding: nested objects as a[b][c]=v, arrays as a[0][b]=v. */
export function formEncode(value: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) v.forEach((item, i) => walk(`${prefix}[${i}]`, item));
    else if (typeof v === 'object') for (const [k, inner] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}[${k}]` : k, inner);
    else pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(v))}`);
  };
  walk('', value);
  return pairs.join('&');
}

interface StripeCheckoutSession {
  id: string;
  url: string | null;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  payment_intent: string | { id: string; last_payment_error?: { decline_code?: string } | null } | null;
  amount_total: number;
  currency: string;
}

interface StripePaymentIntent {
  id: string;
  status: string;
  last_payment_error?: { decline_code?: string; code?: string; message?: string } | null;
}

/** The processor refused or failed a request; `permanent` when asking again cannot help (a bad key, a bad request). */
export class ProcessorError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ProcessorError';
  }
}

export function createStripeStyleProcessor(options: { name?: string; apiBaseUrl: string; secretKey: string; checkoutOrigin?: string; timeoutMs?: number }): PaymentProcessor {
  const base = options.apiBaseUrl.replace(/\/$/, '');
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>, idempotencyKey?: string): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.secretKey}`,
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: body ? formEncode(body) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    const json = (await response.json().catch(() => ({}))) as T;
    return { status: response.status, json };
  };
  const fail = (what: string, status: number, json: unknown): never => {
    const message = `${what}: the processor answered ${status} ${JSON.stringify((json as { error?: unknown }).error ?? json).slice(0, 300)}`;
    // 5xx and 429 are worth retrying; any other refusal is permanent (a bad key, a bad request).
    throw new ProcessorError(message, status, !(status >= 500 || status === 429));
  };
  const checkoutOf = (session: StripeCheckoutSession): Checkout => ({
    id: session.id,
    url: session.url ?? '',
    status: session.status,
    paymentStatus: session.payment_status === 'paid' ? 'paid' : 'unpaid',
    paymentIntentId: typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null),
    amountMinor: session.amount_total,
    currency: session.currency.toUpperCase(),
    declineCode: typeof session.payment_intent === 'object' ? (session.payment_intent?.last_payment_error?.decline_code ?? null) : null,
  });
  return {
    name: options.name ?? 'stripe-style',
    checkoutOrigin: options.checkoutOrigin ?? new URL(base).origin,
    async createCheckout(request) {
      const { status, json } = await call<StripeCheckoutSession>(
        'POST',
        '/v1/checkout/sessions',
        {
          mode: 'payment',
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          locale: request.locale,
          line_items: [{ quantity: 1, price_data: { currency: request.currency.toLowerCase(), unit_amount: request.amountMinor, product_data: { name: request.description } } }],
          metadata: request.metadata,
          payment_intent_data: { metadata: request.metadata },
        },
        request.idempotencyKey,
      );
      if (status !== 200) return fail('checkout', status, json);
      return checkoutOf(json);
    },
    async retrieveCheckout(id) {
      const { status, json } = await call<StripeCheckoutSession>('GET', `/v1/checkout/sessions/${encodeURIComponent(id)}?expand[]=payment_intent`);
      if (status !== 200) return fail('checkout', status, json);
      return checkoutOf(json);
    },
    async chargeSavedMethod(request) {
      const { status, json } = await call<StripePaymentIntent & { error?: { decline_code?: string; code?: string; message?: string; payment_intent?: StripePaymentIntent } }>(
        'POST',
        '/v1/payment_intents',
        { amount: request.amountMinor, currency: request.currency.toLowerCase(), payment_method: request.paymentMethod, confirm: true, off_session: true, metadata: request.metadata },
        request.idempotencyKey,
      );
      // A declined card is 402 with the error and the PaymentIntent it left behind.
      if (status === 402 && json.error) {
        return { status: 'declined', paymentIntentId: json.error.payment_intent?.id ?? '', declineCode: json.error.decline_code ?? json.error.code ?? 'generic_decline', message: json.error.message ?? null };
      }
      if (status !== 200) return fail('payment intent', status, json);
      if (json.status === 'succeeded') return { status: 'succeeded', paymentIntentId: json.id, declineCode: null, message: null };
      if (json.status === 'processing') return { status: 'processing', paymentIntentId: json.id, declineCode: null, message: null };
      return { status: 'declined', paymentIntentId: json.id, declineCode: json.last_payment_error?.decline_code ?? json.last_payment_error?.code ?? 'generic_decline', message: json.last_payment_error?.message ?? json.status };
    },
  };
}

/**
 * Each creditor's processor from the directory: `payments: {processor: 'stripe', secretKeyEnv}`
 * names a Stripe-style API and the environment variable of its key; `loopback`, or nothing, the
 * product's loopback processor when one runs (npm start), else none.
 */
export function processorsFromDirectory(
  creditors: { creditors: { id: string; payments?: { processor: 'loopback' } | { processor: 'stripe'; apiBaseUrl: string; secretKeyEnv: string } }[] },
  options: { loopback?: { baseUrl: string; secretKey: string }; env?: NodeJS.ProcessEnv },
): PaymentProcessors {
  const env = options.env ?? process.env;
  const loopback = options.loopback ? createStripeStyleProcessor({ name: 'loopback', apiBaseUrl: options.loopback.baseUrl, secretKey: options.loopback.secretKey }) : null;
  const byCreditor = new Map<string, PaymentProcessor | null>();
  for (const creditor of creditors.creditors) {
    const settings = creditor.payments;
    if (settings?.processor === 'stripe') {
      const key = env[settings.secretKeyEnv];
      if (!key) throw new Error(`creditor ${creditor.id}: environment variable ${settings.secretKeyEnv} (the processor's secret key) is not set`);
      const official = new URL(settings.apiBaseUrl).hostname === 'api.stripe.com';
      byCreditor.set(creditor.id, createStripeStyleProcessor({ name: 'stripe', apiBaseUrl: settings.apiBaseUrl, secretKey: key, ...(official ? { checkoutOrigin: 'https://checkout.stripe.com' } : {}) }));
    } else byCreditor.set(creditor.id, loopback);
  }
  return { forCreditor: (creditorId) => byCreditor.get(creditorId) ?? null };
}
