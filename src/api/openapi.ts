/**
 * The OpenAPI 3.1 document of the HTTP service, built from the route table (routes.ts) and the
 * zod schemas the routes validate with, so the document cannot drift from what is served.
 * `npm run openapi` writes the copy kept in the repository (openapi-file.ts); a test checks that
 * copy is current.
 */
import { z } from 'zod';
import { ACCOUNT_CSV_COLUMNS } from '../schemas/account.schema';
import type { Route, Security } from './route';

/** Schemas given a name in the document (components), by the schema object the routes use. */
export type NamedSchemas = ReadonlyMap<z.ZodType, string>;

type JsonSchema = Record<string, unknown>;

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // io: 'input' documents what a caller sends (defaults may be left out).
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemaRef = (schema: z.ZodType, named: NamedSchemas): JsonSchema => {
  const name = named.get(schema);
  return name ? ref(name) : jsonSchemaOf(schema);
};

const SECURITY_SCHEMES: Record<Exclude<Security, 'none'>, JsonSchema> = {
  apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'dk_<key id>_<secret>', description: 'An API key of one creditor (`apikey create --creditor X` on the command line).' },
  operatorKey: { type: 'http', scheme: 'bearer', bearerFormat: 'dko_<key id>_<secret>', description: 'An operator\'s key (`operator-key create --operator NAME`), never a creditor\'s: it reads every account. On /codec/ui/{operatorKey}/… it is the path segment instead.' },
  paymentSignature: { type: 'apiKey', in: 'header', name: 'Payment-Signature', description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody" with PAYMENT_WEBHOOK_SECRET>' },
  emailSignature: { type: 'apiKey', in: 'header', name: 'Email-Signature', description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody" with EMAIL_WEBHOOK_SECRET>' },
  twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature', description: 'Twilio\'s request signature over the public URL (PUBLIC_BASE_URL) and the form parameters' },
};

function requestBody(route: Route, named: NamedSchemas): JsonSchema | undefined {
  if (!route.body) return undefined;
  if (route.body.kind === 'json') return { required: true, content: { 'application/json': { schema: schemaRef(route.body.schema, named) } } };
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const [mediaType, schema] of Object.entries(route.body.mediaTypes)) {
    if (schema === 'form') content[mediaType] = { schema: { type: 'object', additionalProperties: { type: 'string' } } };
    else if (schema === 'csv') content[mediaType] = { schema: { type: 'string', description: `The standard account CSV; header: ${ACCOUNT_CSV_COLUMNS.join(',')} (risk_score optional)` } };
    else content[mediaType] = { schema: schemaRef(schema, named) };
  }
  return { required: route.method === 'POST' && route.path !== '/unsubscribe', content };
}

function operation(route: Route, named: NamedSchemas): JsonSchema {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 64 },
  }));
  const queryParams = (route.query ?? []).map((q) => ({ name: q.name, in: 'query', required: q.required ?? false, description: q.description, schema: { type: q.type } }));
  const responses: Record<string, JsonSchema> = {};
  for (const [status, description] of Object.entries(route.responses)) {
    const code = Number(status);
    if (code === 204) responses[status] = { description };
    else if (code < 300) responses[status] = { description, content: route.produces ? { [route.produces]: { schema: { type: 'string' } } } : { 'application/json': { schema: { type: 'object' } } } };
    else if (route.produces) responses[status] = { description, content: { [route.produces]: { schema: { type: 'string' } } } };
    else responses[status] = { description, content: { 'application/json': { schema: ref('Error') } } };
  }
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.security === 'none' ? [] : [{ [route.security]: [] }],
    ...(pathParams.length + queryParams.length > 0 ? { parameters: [...pathParams, ...queryParams] } : {}),
    ...(route.body ? { requestBody: requestBody(route, named) } : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly Route[], named: NamedSchemas): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, named);
  const schemas: Record<string, JsonSchema> = {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', description: 'Stable: unauthorized, invalid_field, malformed_body, creditor_mismatch, unknown_account, account_closed, arrangement_refused, control_refused, currency_mismatch, body_too_large, unsupported_media_type, unavailable, …' },
            message: { type: 'string' },
            field: { type: 'string', description: 'The field at fault, as a dotted path' },
          },
        },
      },
    },
  };
  for (const [schema, name] of named) schemas[name] = jsonSchemaOf(schema);
  // The batch envelope is checked first and each account on its own (per-row errors): document the items as accounts.
  (schemas.AccountBatch!.properties as Record<string, JsonSchema>).accounts!.items = ref('Account');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Dunning on Temporal',
      version: '1.0.0',
      description:
        'Enrollment and account API for creditors (each API key acts for one creditor; another creditor\'s account is unknown, 404), ' +
        'and the webhooks of payment processors, Twilio and the mail provider. Errors are `{"error": {"code", "message", "field"?}}`.',
    },
    servers: [{ url: 'http://127.0.0.1:8080', description: '`npm start` (API_PORT)' }],
    tags: ['accounts', 'arrangements', 'compliance', 'controls', 'payments', 'webhooks', 'codec', 'service'].map((name) => ({ name })),
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}
