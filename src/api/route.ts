/**
 * What a route of the HTTP service is (the route table in routes.ts is made of these, and the
 * OpenAPI document is built from them) and what the service is given (ApiDeps). Types only, so the
 * route table, the server and the document depend on this and not on each other.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { ApiKeyRepository } from '../adapters/api-key.repository';
import type { PaymentProcessors } from '../adapters/payment-processor';
import type { OperatorKeyRepository } from '../adapters/operator-key.repository';
import type { RenderSettings } from '../domain/cadence';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import type { CodecEndpointSettings } from './codec-server';
import type { ApiResponse, RouteContext } from './http';

export interface ApiDeps {
  client: Client;
  pool: Pool;
  paymentWebhookSecret: string;
  /** Twilio signs the public URL it calls: the base of that URL as Twilio sees it (default: this server's). */
  twilio?: { authToken: string; publicBaseUrl?: string };
  paymentLinkBaseUrl?: string;
  /** Signs unsubscribe links; without it /unsubscribe is not served. */
  unsubscribeSecret?: string;
  /** Signs the mail provider's events; without it /webhooks/email is not served. */
  emailWebhookSecret?: string;
  /** What accounts enrolled through the API start with; without it the enrollment routes are not served. */
  enrollment?: { taskQueue: string; settings: RenderSettings; creditors?: CreditorDirectory };
  /** The debtor's own page (/p/…); without it the page is not served. */
  debtorPage?: DebtorPageDeps;
  /** Default: the api_keys table of `pool`. */
  apiKeys?: ApiKeyRepository;
  /** Serve the operators' work queue page under /queue (operator keys; `secure`: https, so Secure cookies and HSTS). */
  workQueue?: { secure: boolean };
  /** The codec endpoint (/codec/…) for the Temporal UI and CLI; without it those routes are not served. */
  codecEndpoint?: CodecEndpointSettings;
  /** Default: the operator_keys table of `pool`. */
  operatorKeys?: OperatorKeyRepository;
  port?: number;
  log?: (line: string) => void;
}

export interface DebtorPageDeps {
  /** PORTAL_SECRET: the links' MACs, sessions and CSRF tokens are keyed by it. */
  secret: string;
  /** Where debtors reach the page, e.g. https://collect.example.com/p (the links' base). */
  baseUrl: string;
  creditors: CreditorDirectory;
  processors: PaymentProcessors;
  /** How long a session lasts after the right answer (default 30 minutes). */
  sessionMinutes?: number;
}

export type Security = 'apiKey' | 'operatorKey' | 'paymentSignature' | 'emailSignature' | 'twilioSignature' | 'none';

export interface Route {
  method: 'GET' | 'POST';
  /** OpenAPI path template, e.g. /v1/accounts/{accountId}/promises. */
  path: string;
  operationId: string;
  tag: 'accounts' | 'arrangements' | 'compliance' | 'payments' | 'controls' | 'webhooks' | 'codec' | 'service' | 'debtor page';
  summary: string;
  description?: string;
  security: Security;
  /**
   * json: the body must be application/json and is parsed by `schema` before the handler runs.
   * raw: the handler reads the text itself (signatures over the exact bytes, CSV, forms);
   * `strictMediaType` refuses other content types with 415.
   */
  body?:
    | { kind: 'json'; schema: z.ZodType }
    | { kind: 'raw'; mediaTypes: Record<string, z.ZodType | 'form' | 'csv'>; strictMediaType: boolean; maxBytes?: number };
  /** Query parameters, for the document (the handler reads them). */
  query?: { name: string; description: string; type: 'string' | 'integer' | 'boolean'; required?: boolean }[];
  /** Status → description; the success status first. */
  responses: Record<number, string>;
  /** The success body's media type when it is not JSON (TwiML, HTML). */
  produces?: string;
  /** Called from the Temporal UI in the browser: CORS for its origins only (preflight included). */
  cors?: boolean;
  /** Served only with the settings it needs (the document lists it anyway). */
  enabled?: (deps: ApiDeps) => boolean;
  handle: (deps: ApiDeps, ctx: RouteContext) => Promise<ApiResponse>;
}
