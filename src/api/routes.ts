/**
 * Every route of the HTTP service in one table: the server dispatches from it and the OpenAPI
 * document (GET /v1/openapi.json, docs/openapi.json) is built from it, so neither can list a
 * route the other lacks.
 */
import type { z } from 'zod';
import { accountJsonSchema } from '../schemas/account.schema';
import { budgetSchema, extensionRequestSchema, ledgerAdjustmentSchema, paymentReturnSchema, planRequestSchema, promiseRequestSchema } from '../schemas/arrangement.schema';
import { paymentSchema } from '../schemas/payment.schema';
import {
  bankruptcyBodySchema,
  batchJsonSchema,
  contactDetailsChangeBodySchema,
  controlBodySchema,
  deceasedBodySchema,
  disputeBodySchema,
  enrollBatch,
  enrollOne,
  getAccount,
  getHistory,
  getPlanProposals,
  MAX_BATCH_ROWS,
  postAddressChange,
  postBankruptcy,
  postControl,
  postDeath,
  postDispute,
  postExtension,
  postPayment,
  postPlan,
  postPromise,
  postAdjustment,
  postReturn,
} from './accounts-api';
import { codecBodySchema, handleCodec } from './codec-server';
import { emailEventSchema, handleEmailWebhook } from './email-webhook';
import type { ApiResponse, RouteContext } from './http';
import { openApiDocument } from './openapi';
import { handlePaymentWebhook, paymentEventSchema } from './payment-webhook';
import type { ApiDeps, Route } from './route';
import { handleInboundSms } from './twilio-inbound';
import { handleTwilioStatus } from './twilio-status';
import { handleUnsubscribe } from './unsubscribe';
import { questionAnsweredBodySchema, revokeLinksBodySchema } from './debtor-page/operator-api';
import { DEBTOR_PAGE_OPERATOR_ROUTES, DEBTOR_PAGE_ROUTES, pageLinkSigner } from './debtor-page/routes';

const ACCOUNT = '/v1/accounts/{accountId}';
const COMMON_ACCOUNT_ERRORS = {
  400: 'invalid_field (with `field`) or malformed_body',
  401: 'unauthorized: missing, unknown or revoked API key',
  404: 'unknown_account: no such account for this API key\'s creditor',
  409: 'account_closed: the account has ended',
  503: 'unavailable: Temporal cannot be reached; retry later',
};
const WRITE_ERRORS = { ...COMMON_ACCOUNT_ERRORS, 413: 'body_too_large', 415: 'unsupported_media_type: send application/json' };
const REFUSED = { 422: 'arrangement_refused: the creditor\'s rules or the account\'s state forbid it; `field` names what to change' };
const json = (schema: z.ZodType) => ({ kind: 'json' as const, schema });

export const ROUTES: Route[] = [
  // ---- service -----------------------------------------------------------------------------------
  { method: 'GET', path: '/health', operationId: 'health', tag: 'service', summary: 'Liveness check', security: 'none', responses: { 200: '`{ok: true}`' }, handle: async () => ({ status: 200, body: { ok: true } }) },
  {
    method: 'GET', path: '/v1/openapi.json', operationId: 'openApiDocument', tag: 'service', summary: 'This document (OpenAPI 3.1)', security: 'none',
    responses: { 200: 'The OpenAPI document' },
    handle: async () => ({ status: 200, body: openApiDocument(ROUTES, NAMED_SCHEMAS) }),
  },

  // ---- accounts ----------------------------------------------------------------------------------
  {
    method: 'POST', path: '/v1/accounts', operationId: 'enrollAccount', tag: 'accounts', summary: 'Enroll one account',
    description: 'Starts the account\'s workflow; the creditor\'s segmentation rules choose the cadence. Enrolling the same account again starts nothing (200 already_enrolled).',
    security: 'apiKey', body: json(accountJsonSchema),
    responses: { 201: '`{workflowId, status: "started"}`', 200: '`{workflowId, status: "already_enrolled"}`', 403: 'creditor_mismatch (field creditorId): the account belongs to another creditor than the API key\'s', ...WRITE_ERRORS },
    enabled: (deps) => deps.enrollment !== undefined,
    handle: enrollOne,
  },
  {
    method: 'POST', path: '/v1/accounts/batch', operationId: 'enrollAccounts', tag: 'accounts', summary: 'Enroll many accounts (JSON or the standard CSV)',
    description:
      `\`{"accounts": [...]}\` or \`Content-Type: text/csv\` in the standard import format; at most ${MAX_BATCH_ROWS} rows. ` +
      'Every row is checked on its own and **the good rows are enrolled even when other rows are refused** (as the command line does): ' +
      'read each row\'s status. Rows of another creditor are refused with creditor_mismatch. `?dryRun=true` only validates.',
    security: 'apiKey',
    body: { kind: 'raw', mediaTypes: { 'application/json': batchJsonSchema, 'text/csv': 'csv' }, strictMediaType: true, maxBytes: 8 * 1024 * 1024 },
    query: [{ name: 'dryRun', type: 'boolean', description: 'true: validate every row, enroll nothing' }],
    responses: {
      200: '`{dryRun, summary, results: [{row | line, accountId, status: started|already_enrolled|valid|invalid|failed, workflowId?, errors?: [{field, code, message}]}]}`',
      ...WRITE_ERRORS,
      400: 'invalid_field, malformed_body, or invalid_csv (the header or the file, not a row)',
      413: 'body_too_large or too_many_rows',
      415: 'unsupported_media_type: send application/json or text/csv',
    },
    enabled: (deps) => deps.enrollment !== undefined,
    handle: enrollBatch,
  },
  {
    method: 'GET', path: ACCOUNT, operationId: 'getAccount', tag: 'accounts', summary: 'The account now',
    description: 'The workflow\'s accountState view: stage, balance, cadence, next action, contacts, payments, arrangements, compliance flags.',
    security: 'apiKey', responses: { 200: 'The account\'s state', ...COMMON_ACCOUNT_ERRORS }, handle: getAccount,
  },
  {
    method: 'GET', path: `${ACCOUNT}/history`, operationId: 'getAccountHistory', tag: 'accounts', summary: 'Stage history, steps, contacts, payments and the ledger statement',
    security: 'apiKey', responses: { 200: 'The account\'s history', ...COMMON_ACCOUNT_ERRORS }, handle: getHistory,
  },

  // ---- arrangements ------------------------------------------------------------------------------
  {
    method: 'POST', path: `${ACCOUNT}/promises`, operationId: 'recordPromise', tag: 'arrangements', summary: 'Record a promise to pay',
    security: 'apiKey', body: json(promiseRequestSchema), responses: { 201: 'The promise as recorded', ...WRITE_ERRORS, ...REFUSED }, handle: postPromise,
  },
  {
    method: 'GET', path: `${ACCOUNT}/plan-proposals`, operationId: 'proposePlans', tag: 'arrangements', summary: 'Repayment plans the debtor\'s budget and the creditor\'s rules allow',
    security: 'apiKey',
    query: [
      { name: 'monthlyIncomeMinor', type: 'integer', description: 'monthly income, minor units' },
      { name: 'monthlyExpensesMinor', type: 'integer', description: 'essential monthly expenses, minor units (needs income)' },
      { name: 'startDate', type: 'string', description: 'first payment date YYYY-MM-DD (default today in the debtor\'s zone)' },
      { name: 'settlementAmountMinor', type: 'integer', description: 'settle for this amount (only where the creditor allows it)' },
    ],
    responses: { 200: '`{proposals: [...]}`, one per frequency, each feasible or with the reason', ...COMMON_ACCOUNT_ERRORS, ...REFUSED },
    handle: getPlanProposals,
  },
  {
    method: 'POST', path: `${ACCOUNT}/plans`, operationId: 'acceptPlan', tag: 'arrangements', summary: 'Accept a repayment plan (or a settlement paid over time)',
    security: 'apiKey', body: json(planRequestSchema), responses: { 201: 'The plan with its schedule', ...WRITE_ERRORS, ...REFUSED }, handle: postPlan,
  },
  {
    method: 'POST', path: `${ACCOUNT}/extensions`, operationId: 'grantExtension', tag: 'arrangements', summary: 'Grant a credit extension (a later due date)',
    security: 'apiKey', body: json(extensionRequestSchema), responses: { 201: 'The extension as granted', ...WRITE_ERRORS, ...REFUSED }, handle: postExtension,
  },

  // ---- compliance facts --------------------------------------------------------------------------
  {
    method: 'POST', path: `${ACCOUNT}/disputes`, operationId: 'reportDispute', tag: 'compliance', summary: 'The debtor disputes the debt',
    description: 'Within the validation period collection stops until verification is sent.',
    security: 'apiKey', body: json(disputeBodySchema), responses: { 202: 'Recorded before the account\'s next step', ...WRITE_ERRORS }, handle: postDispute,
  },
  {
    method: 'POST', path: `${ACCOUNT}/address-changes`, operationId: 'changeContactDetails', tag: 'compliance', summary: 'New contact details (email, phone, address, time zone)',
    description: 'The history names the API key (its label) as the operator.',
    security: 'apiKey', body: json(contactDetailsChangeBodySchema), responses: { 200: 'The account\'s state after the change', ...WRITE_ERRORS, ...REFUSED }, handle: postAddressChange,
  },
  {
    method: 'POST', path: `${ACCOUNT}/deaths`, operationId: 'reportDeath', tag: 'compliance', summary: 'The debtor has died',
    security: 'apiKey', body: json(deceasedBodySchema), responses: { 202: 'Recorded; collection stops', ...WRITE_ERRORS }, handle: postDeath,
  },
  {
    method: 'POST', path: `${ACCOUNT}/bankruptcies`, operationId: 'reportBankruptcy', tag: 'compliance', summary: 'The debtor filed for bankruptcy',
    security: 'apiKey', body: json(bankruptcyBodySchema), responses: { 202: 'Recorded; collection stops', ...WRITE_ERRORS }, handle: postBankruptcy,
  },

  // ---- operator controls -------------------------------------------------------------------------
  ...(['pause', 'resume', 'close'] as const).map(
    (control): Route => ({
      method: 'POST', path: `${ACCOUNT}/${control}`, operationId: `${control}Account`, tag: 'controls',
      summary: { pause: 'Pause the cadence (its clock stops)', resume: 'Resume a paused account', close: 'Close the account' }[control],
      description: 'The history names the API key (its label and id) as the operator: who acted comes from the credential, not the body.',
      security: 'apiKey', body: json(controlBodySchema),
      responses: { 200: 'The account\'s state', ...WRITE_ERRORS, 422: 'control_refused: it makes no sense now (e.g. resuming an account that is not paused)' },
      handle: postControl(control),
    }),
  ),

  // ---- money -------------------------------------------------------------------------------------
  {
    method: 'POST', path: `${ACCOUNT}/payments`, operationId: 'reportPayment', tag: 'payments', summary: 'A payment the creditor\'s system received',
    description: 'Posted once per paymentId, however often it is reported.',
    security: 'apiKey', body: json(paymentSchema), responses: { 202: 'Accepted; posted before the account\'s next step', ...WRITE_ERRORS, 422: 'currency_mismatch (field currency)' }, handle: postPayment,
  },
  {
    method: 'POST', path: `${ACCOUNT}/returns`, operationId: 'reportPaymentReturn', tag: 'payments', summary: 'A payment that came back (insufficient funds, chargeback…)',
    description: 'The ledger reverses the payment once, whatever the returnId.',
    security: 'apiKey', body: json(paymentReturnSchema), responses: { 202: 'Accepted', ...WRITE_ERRORS }, handle: postReturn,
  },
  {
    method: 'POST', path: `${ACCOUNT}/adjustments`, operationId: 'reportAdjustment', tag: 'payments', summary: 'A fee or interest charged, or a credit granted',
    description: 'Fees and interest become debts of their own; a credit reduces the debts by the allocation rule and may not exceed the balance. Posted once per adjustmentId.',
    security: 'apiKey', body: json(ledgerAdjustmentSchema), responses: { 202: 'Accepted; posted before the account\'s next step', ...WRITE_ERRORS, 422: 'currency_mismatch (field currency)' }, handle: postAdjustment,
  },

  // ---- webhooks ----------------------------------------------------------------------------------
  {
    method: 'POST', path: '/webhooks/payments', operationId: 'paymentWebhook', tag: 'webhooks', summary: 'Payment processor events: payment.succeeded, payment.returned, payment.failed',
    description: 'Header `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`; refused more than 5 minutes away from now; each eventId once per creditor (claimed atomically: of two deliveries at once, one takes effect).',
    security: 'paymentSignature', body: { kind: 'raw', mediaTypes: { 'application/json': paymentEventSchema }, strictMediaType: false },
    responses: { 202: '`{ok: true, eventId}` once Temporal has it', 400: 'malformed_body or invalid_field', 401: 'missing_signature, bad_signature or stale_timestamp', 404: 'unknown_account', 409: 'replayed_event or account_closed', 422: 'currency_mismatch', 503: 'retry later (event_in_progress: another delivery of the event is being processed)' },
    handle: async (deps, ctx) =>
      handlePaymentWebhook({ client: deps.client, pool: deps.pool, secret: deps.paymentWebhookSecret }, { signatureHeader: header(ctx, 'payment-signature'), rawBody: ctx.rawBody }),
  },
  {
    method: 'POST', path: '/webhooks/email', operationId: 'emailWebhook', tag: 'webhooks', summary: 'Mail provider events: bounce, complaint, reply',
    description: 'Signed like the payment webhook, header `Email-Signature`, with EMAIL_WEBHOOK_SECRET; each eventId once. A hard bounce marks the address invalid and a reply is kept for an operator, on the account of the email named by messageId (else the latest email to the address); a complaint opts the address out on every account emailed there.',
    security: 'emailSignature', body: { kind: 'raw', mediaTypes: { 'application/json': emailEventSchema }, strictMediaType: false },
    responses: { 202: '`{ok: true, eventId, effect, accounts}`', 400: 'malformed_body or invalid_field', 401: 'missing_signature, bad_signature or stale_timestamp', 404: 'unknown_recipient: no email of ours went there', 409: 'replayed_event', 503: 'retry later (event_in_progress: another delivery of the event is being processed)' },
    enabled: (deps) => deps.emailWebhookSecret !== undefined,
    handle: async (deps, ctx) => handleEmailWebhook({ client: deps.client, pool: deps.pool, secret: deps.emailWebhookSecret! }, { signatureHeader: header(ctx, 'email-signature'), rawBody: ctx.rawBody }),
  },
  {
    method: 'POST', path: '/webhooks/twilio/sms', operationId: 'twilioInboundSms', tag: 'webhooks', summary: 'Twilio inbound SMS (STOP, START, HELP, PAY, replies)',
    description: 'A reply and PAY concern the account of the latest text we sent to the number; STOP opts the number out on every account texted there; START opts it back in on the answered creditor\'s accounts.',
    security: 'twilioSignature', body: { kind: 'raw', mediaTypes: { 'application/x-www-form-urlencoded': 'form' }, strictMediaType: false },
    responses: { 200: 'TwiML', 403: 'the X-Twilio-Signature does not match', 503: 'Temporal unreachable; nothing was recorded' },
    produces: 'text/xml',
    enabled: (deps) => deps.twilio !== undefined,
    handle: async (deps, ctx) => {
      const result = await handleInboundSms(
        {
          client: deps.client,
          pool: deps.pool,
          authToken: deps.twilio!.authToken,
          publicUrl: ctx.publicUrl,
          paymentLinkBaseUrl: deps.debtorPage?.baseUrl ?? deps.paymentLinkBaseUrl ?? 'https://pay.example.test',
          ...(deps.debtorPage ? { signedLink: pageLinkSigner(deps).link } : {}),
        },
        { signature: header(ctx, 'x-twilio-signature'), params: Object.fromEntries(new URLSearchParams(ctx.rawBody)) },
      );
      return { status: result.status, text: result.twiml, contentType: 'text/xml' };
    },
  },
  {
    method: 'POST', path: '/webhooks/twilio/status', operationId: 'twilioStatusCallback', tag: 'webhooks', summary: 'Twilio status callbacks of the SMS we send',
    description: 'Each MessageStatus is kept once per MessageSid. undelivered/failed with an error code meaning the number cannot take texts (30003, 30005, 30006, 21211, 21612, 21614) marks the number invalid on its account.',
    security: 'twilioSignature', body: { kind: 'raw', mediaTypes: { 'application/x-www-form-urlencoded': 'form' }, strictMediaType: false },
    responses: { 204: 'Kept (or already kept)', 400: 'not a status callback (MessageSid, MessageStatus)', 403: 'the X-Twilio-Signature does not match', 503: 'retry later' },
    enabled: (deps) => deps.twilio !== undefined,
    handle: async (deps, ctx) => {
      const result = await handleTwilioStatus(
        { client: deps.client, pool: deps.pool, authToken: deps.twilio!.authToken, publicUrl: ctx.publicUrl },
        { signature: header(ctx, 'x-twilio-signature'), params: Object.fromEntries(new URLSearchParams(ctx.rawBody)) },
      );
      return { status: result.status };
    },
  },
  // ---- codec server (Temporal UI and CLI) ---------------------------------------------------------
  ...(['decode', 'encode'] as const).flatMap((operation): Route[] => {
    const common = {
      method: 'POST' as const, tag: 'codec' as const, security: 'operatorKey' as const, cors: true,
      body: { kind: 'raw' as const, mediaTypes: { 'application/json': codecBodySchema }, strictMediaType: false, maxBytes: 16 * 1024 * 1024 },
      responses: {
        200: `\`{payloads: [...]}\` ${operation}d, in the same order${operation === 'decode' ? ' (a purged account\'s payload reads "[personal data destroyed: …]")' : ''}`,
        400: 'malformed_body, invalid_field or unknown_namespace (X-Namespace)',
        401: 'unauthorized: missing, unknown or revoked operator key',
        403: 'origin_not_allowed: a browser origin other than the Temporal UI\'s',
        413: 'body_too_large',
      },
      enabled: (deps: ApiDeps) => deps.codecEndpoint !== undefined,
      handle: async (deps: ApiDeps, ctx: RouteContext) => handleCodec(deps.codecEndpoint!, operation, ctx),
    };
    const what = operation === 'decode' ? 'Decrypt payloads for the Temporal UI or CLI' : 'Encrypt payloads the Temporal UI or CLI sends (namespace key)';
    return [
      {
        ...common, path: `/codec/${operation}`, operationId: `codec${operation === 'decode' ? 'Decode' : 'Encode'}`, summary: what,
        description: 'Temporal\'s codec server protocol; header `X-Namespace`; `Authorization: Bearer dko_…` (an operator key: `operator-key create --operator NAME`). For the Temporal CLI: `--codec-endpoint <base>/codec --codec-auth "Bearer dko_…"`.',
      },
      {
        ...common, path: `/codec/ui/{operatorKey}/${operation}`, operationId: `codecUi${operation === 'decode' ? 'Decode' : 'Encode'}`, summary: `${what} (the key in the path)`,
        description: 'The same, for a Temporal UI that cannot send a header (the dev server\'s UI has no login): its codec endpoint is `<base>/codec/ui/<operator key>`, so whoever can open that UI can decode, as before encryption. A UI with a login passes its user\'s access token instead.',
      },
    ];
  }),
  ...(['GET', 'POST'] as const).map(
    (method): Route => ({
      method, path: '/unsubscribe', operationId: method === 'GET' ? 'unsubscribePage' : 'unsubscribe', tag: 'webhooks',
      summary: method === 'GET' ? 'The unsubscribe page of an email link (a button)' : 'Opt the address out (the button, or RFC 8058 one-click)',
      security: 'none',
      query: [{ name: 'token', type: 'string', required: method === 'GET', description: 'the encrypted, expiring token of the email\'s link' }],
      ...(method === 'POST' ? { body: { kind: 'raw' as const, mediaTypes: { 'application/x-www-form-urlencoded': 'form' as const }, strictMediaType: false, maxBytes: 4096 } } : {}),
      responses: { 200: 'HTML page', 400: 'the link is not valid (HTML page)', 410: 'the link has expired (HTML page)' },
      produces: 'text/html',
      enabled: (deps) => deps.unsubscribeSecret !== undefined,
      handle: async (deps, ctx) => {
        const form = new URLSearchParams(ctx.rawBody);
        const result = await handleUnsubscribe({ client: deps.client, pool: deps.pool, secret: deps.unsubscribeSecret! }, { method, token: ctx.url.searchParams.get('token') ?? form.get('token') });
        return { status: result.status, text: result.html, contentType: 'text/html; charset=utf-8' };
      },
    }),
  ),

  // ---- the debtor's own page ----------------------------------------------------------------------
  ...DEBTOR_PAGE_ROUTES,
  ...DEBTOR_PAGE_OPERATOR_ROUTES,
];

function header(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Request schemas the document names (component schemas), by the schema object. */
export const NAMED_SCHEMAS = new Map<z.ZodType, string>([
  [accountJsonSchema, 'Account'],
  [batchJsonSchema, 'AccountBatch'],
  [promiseRequestSchema, 'PromiseRequest'],
  [budgetSchema, 'Budget'],
  [planRequestSchema, 'PlanRequest'],
  [extensionRequestSchema, 'ExtensionRequest'],
  [contactDetailsChangeBodySchema, 'ContactDetailsChange'],
  [disputeBodySchema, 'Dispute'],
  [deceasedBodySchema, 'Deceased'],
  [bankruptcyBodySchema, 'Bankruptcy'],
  [controlBodySchema, 'OperatorRequest'],
  [paymentSchema, 'Payment'],
  [paymentReturnSchema, 'PaymentReturn'],
  [paymentEventSchema, 'PaymentEvent'],
  [emailEventSchema, 'EmailEvent'],
  [questionAnsweredBodySchema, 'QuestionAnswered'],
  [revokeLinksBodySchema, 'RevokePageLinks'],
]);
