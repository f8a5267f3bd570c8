/**
 * What every route of the HTTP service shares: one error shape `{error: {code, message, field?}}`
 * with stable codes, zod failures turned into the field at fault, and the line between "the
 * caller got it wrong" (4xx) and "try again later" (503).
 */
import type { z } from 'zod';
import { AccountError } from '../client/accounts.client';

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

export interface ApiResponse {
  status: number;
  /** Sent as JSON, unless `text` is given. */
  body?: unknown;
  /** A body that is not JSON (TwiML, HTML), with its content type. */
  text?: string;
  /** A binary body (a PDF), with its content type. */
  bytes?: Buffer;
  contentType?: string;
  /** An array sends the header more than once (Set-Cookie). */
  headers?: Record<string, string | string[]>;
}

export const apiError = (status: number, code: string, message: string, field?: string | null, headers?: Record<string, string>): ApiResponse => ({
  status,
  body: { error: { code, message, ...(field ? { field } : {}) } } satisfies ApiErrorBody,
  ...(headers ? { headers } : {}),
});

/** The first problem zod found, naming the field (a dotted path; `prefix` for a nested document). */
export function invalidField(error: z.ZodError, prefix = ''): ApiResponse {
  const { field, message } = describeIssue(error.issues[0]!, prefix);
  return apiError(400, 'invalid_field', `${field}: ${message}`, field);
}

/** An unknown key is named as the field at fault, rather than its parent object. */
function describeIssue(issue: z.core.$ZodIssue, prefix = ''): { field: string; message: string } {
  const path = [prefix, ...issue.path.map(String)];
  if (issue.code === 'unrecognized_keys') return { field: [...path, issue.keys[0]].filter(Boolean).join('.'), message: 'is not a known field' };
  return { field: path.filter(Boolean).join('.') || '(body)', message: issue.message };
}

/** Every problem, one per field (as the CSV import reports a row), for per-row batch results. */
export function fieldErrors(error: z.ZodError): { field: string; message: string }[] {
  const byField = new Map<string, string>();
  for (const issue of error.issues) {
    const { field, message } = describeIssue(issue);
    if (!byField.has(field)) byField.set(field, message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

/** The field an AccountError names, or the `field:` its message starts with. */
function fieldOf(error: AccountError): string | null {
  return error.field ?? /^([A-Za-z][\w.]*): /.exec(error.message)?.[1] ?? null;
}

/** AccountError → status: the workflow's refusals are 422 naming the field, a closed account 409. */
export function accountErrorResponse(error: AccountError): ApiResponse {
  switch (error.code) {
    case 'unknown_account':
      return apiError(404, 'unknown_account', error.message);
    case 'account_closed':
      return apiError(409, 'account_closed', error.message);
    case 'invalid_request':
    case 'invalid_payment':
    case 'invalid_event':
      return apiError(400, 'invalid_field', error.message, fieldOf(error));
    case 'currency_mismatch':
      return apiError(422, 'currency_mismatch', error.message, 'currency');
    case 'arrangement_refused':
    case 'control_refused':
      return apiError(422, error.code, error.message, fieldOf(error));
    default:
      return apiError(422, error.code, error.message, fieldOf(error));
  }
}

/** Temporal (or Postgres) could not be reached: the caller should retry, nothing was done. */
export function isUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; name?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    // gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), or a refused TCP connection (Postgres).
    if (e.code === 14 || e.code === 4 || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET') return true;
    if (e.name === 'ServiceError' || e.name === 'TransportError') return true;
    if (typeof e.message === 'string' && /\b(UNAVAILABLE|DEADLINE_EXCEEDED)\b|Failed to connect|connection refused/i.test(e.message)) return true;
  }
  return false;
}

export const temporalUnavailable = (): ApiResponse =>
  apiError(503, 'unavailable', 'Temporal cannot be reached right now; nothing was done, retry later', null, { 'retry-after': '5' });

/** One request as a route's handler sees it. */
export interface RouteContext {
  method: string;
  url: URL;
  /** The path's {parameters}, decoded. */
  params: Record<string, string>;
  headers: import('node:http').IncomingHttpHeaders;
  /** The body as sent (signed webhooks check the signature over exactly these bytes). */
  rawBody: string;
  /** The JSON body after the route's schema parsed it (routes with a JSON body). */
  body: unknown;
  /** The API key's creditor (routes secured by an API key). */
  caller: import('../adapters/api-key.repository').VerifiedKey | null;
  /** This URL as callers outside reach it (Twilio signs it). */
  publicUrl: string;
}
