/**
 * An HTTP endpoint on loopback that speaks the part of Twilio's Messages API the twilio client
 * uses to send an SMS, and keeps every message. It checks HTTP Basic auth like Twilio does, and
 * when a message names a StatusCallback it reports delivery there as Twilio does (form post
 * signed with X-Twilio-Signature by the sink's auth token): `sent`, then `delivered` — or
 * `undelivered` with ErrorCode 30003 (unreachable handset) for numbers in the magic range
 * +1 555 010 xxxx, so a test or the demo can watch the SMS-to-other-channel fallback.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, replyJson } from './loopback';
import { join } from 'node:path';

export interface SunkSms {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  receivedAt: string;
  /** The last status reported (queued until a status callback says more). */
  status: 'queued' | 'sent' | 'delivered' | 'undelivered';
}

export interface StatusCallbackCall {
  sid: string;
  url: string;
  status: string;
  errorCode: string | null;
  /** The HTTP status the callback answered with; null when it could not be reached. */
  responseStatus: number | null;
}

/** Numbers the sink reports undelivered (30003): +1 555 010 followed by any four digits. */
export const UNDELIVERABLE_NUMBERS = /^\+1555010\d{4}$/;

/** Twilio's request signature: HMAC-SHA1 of the URL followed by each parameter name and value, sorted by name. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export interface TwilioSink {
  baseUrl: string;
  port: number;
  accountSid: string;
  authToken: string;
  directory: string | null;
  messages(): SunkSms[];
  /** Every status callback made, in order. */
  statusCallbacks(): StatusCallbackCall[];
  /**
   * Answers the next n sends with the given HTTP status: 500, 429 (too many requests), 400 (an
   * invalid number, code 21211), or 21610 (400: the number replied STOP to this sender), after
   * any failures already asked for.
   */
  failNext(n: number, status?: number): void;
  clear(): void;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;

/** Twilio's error answers for the failures a test can ask for. */
function failure(status: number, to: string): [number, object] {
  if (status === 21610) return [400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400, more_info: 'https://www.twilio.com/docs/errors/21610' }];
  if (status === 429) return [429, { code: 20429, message: 'Too Many Requests', status: 429 }];
  if (status === 400) return [400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 }];
  return [status, { code: 20500, message: 'Internal Server Error', status }];
}

export const LOCAL_TWILIO_ACCOUNT_SID = 'AC' + '0'.repeat(31) + '1';

export async function startTwilioSink(
  options: { port?: number; directory?: string; accountSid?: string; authToken?: string; /** Before each status callback (Twilio's come seconds later). */ statusCallbackDelayMs?: number } = {},
): Promise<TwilioSink> {
  const accountSid = options.accountSid ?? LOCAL_TWILIO_ACCOUNT_SID;
  // A new token each start, never a value anyone could read: the HTTP service checks inbound SMS
  // and status callbacks against it, so a known token would let anyone forge a STOP or a reply.
  const authToken = options.authToken ?? randomBytes(24).toString('base64url');
  const received: SunkSms[] = [];
  const callbacks: StatusCallbackCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  /** Failures for the next sends, in order. */
  const failures: number[] = [];
  if (options.directory) mkdirSync(options.directory, { recursive: true });

  const reply = replyJson;

  const callBack = async (sms: SunkSms, url: string, status: 'sent' | 'delivered' | 'undelivered', errorCode: string | null) => {
    const params: Record<string, string> = {
      MessageSid: sms.sid, SmsSid: sms.sid, AccountSid: accountSid, From: sms.from, To: sms.to,
      MessageStatus: status, SmsStatus: status, ApiVersion: '2010-04-01', ...(errorCode ? { ErrorCode: errorCode } : {}),
    };
    sms.status = status;
    let responseStatus: number | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(authToken, url, params) },
        body: new URLSearchParams(params).toString(),
      });
      await response.arrayBuffer();
      responseStatus = response.status;
    } catch {
      // the service is down: Twilio gives up too (the message's status stays what it was)
    }
    callbacks.push({ sid: sms.sid, url, status, errorCode, responseStatus });
  };
  /** sent, then delivered or undelivered, each a little later, as Twilio reports them. */
  const reportDelivery = (sms: SunkSms, url: string) => {
    const delay = options.statusCallbackDelayMs ?? 100;
    const undeliverable = UNDELIVERABLE_NUMBERS.test(sms.to);
    const timer = setTimeout(async () => {
      timers.delete(timer);
      if (closed) return;
      await callBack(sms, url, 'sent', null);
      if (closed) return;
      await callBack(sms, url, undeliverable ? 'undelivered' : 'delivered', undeliverable ? '30003' : null);
    }, delay);
    timers.add(timer);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const match = MESSAGES_PATH.exec(url.pathname);
    if (!['POST', 'GET'].includes(req.method ?? '') || !match) return reply(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const expected = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    if (req.headers.authorization !== expected || match[1] !== accountSid)
      return reply(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    if (req.method === 'GET') return reply(res, 200, listPage(url));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const body = form.get('Body') ?? '';
    const failureStatus = failures.shift();
    if (failureStatus !== undefined) return reply(res, ...failure(failureStatus, to));
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return reply(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    if (!from || !body) return reply(res, 400, { code: 21602, message: 'Message body and From are required.', status: 400 });
    const sms: SunkSms = { sid: 'SM' + randomBytes(16).toString('hex'), accountSid, to, from, body, receivedAt: new Date().toISOString(), status: 'queued' };
    received.push(sms);
    if (options.directory) writeFileSync(join(options.directory, `${sms.receivedAt.replace(/[:.]/g, '-')}-${sms.sid}.json`), JSON.stringify(sms, null, 2));
    reply(res, 201, resource(sms));
    const statusCallback = form.get('StatusCallback');
    if (statusCallback) reportDelivery(sms, statusCallback);
  };

  /** A message as Twilio's API shows it. */
  const resource = (sms: SunkSms) => ({
    sid: sms.sid, account_sid: accountSid, to: sms.to, from: sms.from, body: sms.body, status: sms.status, direction: 'outbound-api', num_segments: '1',
    date_created: new Date(sms.receivedAt).toUTCString(), date_updated: new Date(sms.receivedAt).toUTCString(), date_sent: null, price: null, price_unit: 'USD',
    api_version: '2010-04-01', error_code: null, error_message: null, uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sms.sid}.json`,
  });

  /** GET Messages.json: the messages to `To` from `From`, newest first, one page. */
  const listPage = (url: URL) => {
    const to = url.searchParams.get('To');
    const from = url.searchParams.get('From');
    const pageSize = Math.min(1000, Number(url.searchParams.get('PageSize') ?? 50) || 50);
    const matching = received.filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse().slice(0, pageSize);
    const uri = `${url.pathname}${url.search}`;
    return { messages: matching.map(resource), page: 0, page_size: pageSize, start: 0, end: Math.max(0, matching.length - 1), uri, first_page_uri: uri, next_page_uri: null, previous_page_uri: null };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => reply(res, 500, { code: 20500, message: String(error), status: 500 }));
  });
  const port = await listenOnLoopback(server, options.port);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    accountSid,
    authToken,
    directory: options.directory ?? null,
    messages: () => [...received],
    statusCallbacks: () => [...callbacks],
    failNext(n, status = 500) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    clear: () => {
      received.splice(0);
      callbacks.splice(0);
    },
    close: () => {
      closed = true;
      timers.forEach(clearTimeout);
      return new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    },
  };
}
