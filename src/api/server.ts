/**
 * The HTTP service beside the worker: the REST API for creditors (API keys), the webhooks of
 * payment processors, Twilio and the mail provider, unsubscribe links, a health check. Routes
 * come from one table (routes.ts); here they are matched, authenticated, their bodies read
 * (bounded) and checked, and every failure answered as `{error: {code, message, field?}}`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createApiKeyRepository, type ApiKeyRepository, type VerifiedKey } from '../adapters/api-key.repository';
import { createOperatorKeyRepository, type OperatorKeyRepository } from '../adapters/operator-key.repository';
import type { RenderSettings } from '../domain/cadence';
import { listenOnLoopback } from '../local/loopback';
import { identifier } from '../schemas/account.schema';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import { authenticate } from './auth';
import { corsHeaders, preflight, type CodecEndpointSettings } from './codec-server';
import { apiError, invalidField, isUnavailable, type ApiResponse, type RouteContext } from './http';
import type { ApiDeps, Route } from './route';
import { ROUTES } from './routes';
import { createWorkQueuePages } from './work-queue-pages';

const MAX_BODY_BYTES = 64 * 1024;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
}

/** The route for the method and path; a literal path beats a template (/v1/accounts/batch is not an account id). */
function match(routes: CompiledRoute[], method: string, pathname: string): { found: CompiledRoute; params: Record<string, string> } | { allowed: string[] } | null {
  const candidates = routes.flatMap((c) => {
    const m = c.pattern.exec(pathname);
    return m ? [{ c, values: m.slice(1) }] : [];
  });
  if (candidates.length === 0) return null;
  const forMethod = candidates.filter(({ c }) => c.route.method === method).sort((a, b) => a.c.names.length - b.c.names.length)[0];
  if (!forMethod) return { allowed: [...new Set(candidates.map(({ c }) => c.route.method))] };
  const params: Record<string, string> = {};
  forMethod.c.names.forEach((name, i) => {
    const value = forMethod.values[i]!;
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      params[name] = value; // malformed %-escape: the identifier check refuses it
    }
  });
  return { found: forMethod.c, params };
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const mediaTypeOf = (req: IncomingMessage) => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

export async function startApiServer(deps: ApiDeps): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  let baseUrl = '';
  const keys = deps.apiKeys ?? createApiKeyRepository(deps.pool);
  const operatorKeys = deps.operatorKeys ?? createOperatorKeyRepository(deps.pool);
  const routes = ROUTES.filter((r) => r.enabled?.(deps) ?? true).map(compile);
  const allowedOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return origin !== undefined && (deps.codecEndpoint?.allowedOrigins ?? []).includes(origin) ? origin : null;
  };

  /** Answers the request; `seen.route` tells the caller which route failed when it throws. */
  const respond = async (req: IncomingMessage, seen: { route?: Route }): Promise<ApiResponse> => {
    const url = new URL(req.url ?? '/', 'http://api');
    if (req.method === 'OPTIONS') {
      const cors = routes.find((c) => c.route.cors && c.pattern.test(url.pathname));
      if (cors) {
        seen.route = cors.route;
        return preflight(deps.codecEndpoint, req.headers.origin);
      }
    }
    const matched = match(routes, req.method ?? 'GET', url.pathname);
    if (!matched) return apiError(404, 'not_found', `${req.method} ${url.pathname} is not a route (see GET /v1/openapi.json)`);
    if ('allowed' in matched) return apiError(405, 'method_not_allowed', `${url.pathname} takes ${matched.allowed.join(', ')}`, null, { allow: matched.allowed.join(', ') });
    const { route } = matched.found;
    seen.route = route;
    for (const [name, value] of Object.entries(matched.params)) {
      const checked = identifier.safeParse(value);
      if (!checked.success) return apiError(400, 'invalid_field', `${name}: ${checked.error.issues[0]!.message}`, name);
    }

    // A browser page of another origin gets nothing from a CORS route (the UI's origins only).
    if (route.cors && req.headers.origin !== undefined && !allowedOrigin(req))
      return apiError(403, 'origin_not_allowed', `origin ${req.headers.origin} may not call ${url.pathname.replace(/dko_[^/]+/, 'dko_…')} (TEMPORAL_UI_ORIGINS)`);
    if (route.security === 'operatorKey') {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      const presented = matched.params.operatorKey ?? bearer;
      if (!presented || !(await operatorKeys.verify(presented)))
        return apiError(401, 'unauthorized', 'send an operator key: Authorization: Bearer dko_<id>_<secret> (operator-key create)', null, { 'www-authenticate': 'Bearer realm="dunning-operators"' });
    }

    let caller: VerifiedKey | null = null;
    if (route.security === 'apiKey') {
      const verified = await authenticate(keys, req.headers);
      if (!('keyId' in verified)) return verified;
      caller = verified;
    }

    let rawBody = '';
    let body: unknown;
    if (route.body) {
      const mediaType = mediaTypeOf(req);
      const accepted = route.body.kind === 'json' ? ['application/json'] : Object.keys(route.body.mediaTypes);
      if ((route.body.kind === 'json' || route.body.strictMediaType) && !accepted.includes(mediaType))
        return apiError(415, 'unsupported_media_type', `send ${accepted.join(' or ')}${mediaType ? `, not ${mediaType}` : ' (Content-Type is missing)'}`);
      const maxBytes = (route.body.kind === 'raw' ? route.body.maxBytes : undefined) ?? MAX_BODY_BYTES;
      const read = await readBody(req, maxBytes);
      if (read === null) return apiError(413, 'body_too_large', `the body exceeds ${maxBytes} bytes`);
      rawBody = read;
      if (route.body.kind === 'json') {
        let json: unknown;
        try {
          json = JSON.parse(rawBody);
        } catch {
          return apiError(400, 'malformed_body', 'the body is not JSON');
        }
        const parsed = route.body.schema.safeParse(json);
        if (!parsed.success) return invalidField(parsed.error);
        body = parsed.data;
      }
    }
    const publicUrl = `${deps.twilio?.publicBaseUrl ?? baseUrl}${url.pathname}`;
    const ctx: RouteContext = { method: route.method, url, params: matched.params, headers: req.headers, rawBody, body, caller, publicUrl };
    return await route.handle(deps, ctx);
  };

  const pages = deps.workQueue ? createWorkQueuePages({ pool: deps.pool, client: deps.client, secure: deps.workQueue.secure, log: deps.log }) : null;
  const server = createServer(async (req, res) => {
    // The work queue is HTML for people, not part of the REST API (nor of its OpenAPI document).
    if (pages && (await pages.handle(req, res))) return;
    const seen: { route?: Route } = {};
    let response: ApiResponse;
    try {
      response = await respond(req, seen);
    } catch (error) {
      const { route } = seen;
      deps.log?.(`api: ${req.method} ${(req.url ?? '').replace(/dko_[^/?]+/g, 'dko_…')}: ${(error as Error).message}`);
      // A webhook's sender retries on any 5xx; an API caller is told whether retrying can help.
      const webhook = route !== undefined && route.security !== 'apiKey' && route.security !== 'none';
      response =
        webhook || isUnavailable(error)
          ? apiError(503, 'unavailable', 'not processed; retry later', null, { 'retry-after': '5' })
          : apiError(500, 'internal_error', 'the request failed on our side; it may or may not have taken effect');
    }
    const origin = seen.route?.cors ? allowedOrigin(req) : null;
    if (origin) response = { ...response, headers: { ...corsHeaders(origin), ...response.headers } };
    if (!res.headersSent) {
      const headers = { ...response.headers, 'content-type': response.text !== undefined || response.bytes !== undefined ? (response.contentType ?? 'text/plain; charset=utf-8') : 'application/json' };
      res.writeHead(response.status, headers);
    }
    if (response.status === 204) return res.end();
    // A body we did not read (413) must not hold the connection open.
    res.end(response.bytes ?? response.text ?? JSON.stringify(response.body ?? {}));
    if (!req.complete) req.resume();
  });
  const port = await listenOnLoopback(server, deps.port);
  baseUrl = `http://127.0.0.1:${port}`;
  return { url: baseUrl, server, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
