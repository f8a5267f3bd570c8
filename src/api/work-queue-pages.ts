/**
 * The work queue page for operators, served by the HTTP service under /queue: server-rendered
 * HTML that needs no JavaScript, signed in with an operator key (never a creditor's API key), an
 * HttpOnly SameSite=Strict session cookie, a form token (CSRF) in every form and checked on every
 * POST, and strict security headers (a CSP that allows only our own stylesheet and forms, no
 * framing, no referrer, no caching). Accessibility (WCAG 2.1 AA): landmarks and a skip link, one
 * h1 per page, labels for every field, fieldsets for choices, errors named and announced, visible
 * focus, colour contrast of at least 4.5:1 (tested with axe-core in test/work-queue-browser.test.ts).
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createOperatorKeyRepository, type OperatorSession } from '../adapters/operator-key.repository';
import { createWorkQueue, type ListedItem } from '../client/work-queue';
import { escapeHtml } from '../domain/template';
import { ageText, KIND_LABELS, QUEUE_KINDS, QUEUE_OUTCOMES, type QueueFilter, type QueueKind } from '../domain/work-queue';

const SESSION_COOKIE = 'dq_session';
const LOGIN_COOKIE = 'dq_login';
const MAX_FORM_BYTES = 16 * 1024;
const h = escapeHtml;

export interface WorkQueuePagesOptions {
  pool: Pool;
  client: Client;
  /** Mark cookies Secure and send HSTS (the service is reached over https). */
  secure: boolean;
  log?: (line: string) => void;
}

type Page = { status: number; html?: string; css?: string; location?: string; cookies?: string[] };

export function createWorkQueuePages(options: WorkQueuePagesOptions) {
  const keys = createOperatorKeyRepository(options.pool);
  const queue = createWorkQueue({ pool: options.pool, client: options.client });
  const cookieAttributes = `Path=/queue; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;

  const securityHeaders: Record<string, string> = {
    'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(options.secure ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };

  async function route(req: IncomingMessage, url: URL): Promise<Page> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/queue';
    if (path === '/queue/queue.css' && method === 'GET') return { status: 200, css: STYLESHEET };
    const cookies = parseCookies(req.headers.cookie);
    if (path === '/queue/login') {
      if (method === 'GET') {
        const token = randomBytes(24).toString('base64url');
        return { status: 200, html: loginPage(token, url.searchParams.get('error') === '1'), cookies: [`${LOGIN_COOKIE}=${token}; ${cookieAttributes}; Max-Age=600`] };
      }
      if (method !== 'POST') return notAllowed();
      const form = await readForm(req);
      if (!form || !sameToken(form.get('csrf'), cookies[LOGIN_COOKIE])) return forbidden();
      const signedIn = await keys.signIn(form.get('operatorKey') ?? '');
      if (!signedIn) return { status: 303, location: '/queue/login?error=1' };
      options.log?.(`work queue: operator key ${signedIn.session.keyId} signed in`);
      return { status: 303, location: '/queue', cookies: [`${SESSION_COOKIE}=${signedIn.token}; ${cookieAttributes}; Max-Age=28800`, `${LOGIN_COOKIE}=; ${cookieAttributes}; Max-Age=0`] };
    }
    const token = cookies[SESSION_COOKIE] ?? '';
    const session = token ? await keys.session(token) : null;
    if (!session) return { status: 303, location: '/queue/login' };

    if (method === 'POST') {
      const form = await readForm(req);
      if (!form || !sameToken(form.get('csrf'), session.csrfToken)) return forbidden();
      const source = form.get('source') ?? '';
      const id = form.get('id') ?? '';
      const back = itemPath(source, id);
      switch (path) {
        case '/queue/logout':
          await keys.signOut(token);
          return { status: 303, location: '/queue/login', cookies: [`${SESSION_COOKIE}=; ${cookieAttributes}; Max-Age=0`] };
        case '/queue/claim': {
          const result = await queue.claim(session, source, id);
          return { status: 303, location: result.ok ? back : `${back}&error=${encodeURIComponent(result.message)}` };
        }
        case '/queue/release':
          await queue.release(session, source, id);
          return { status: 303, location: back };
        case '/queue/complete': {
          const fields = Object.fromEntries([...form.entries()].filter(([name]) => !['csrf', 'source', 'id'].includes(name)));
          const result = await queue.complete(session, source, id, fields);
          if (result.ok) return { status: 303, location: `/queue?done=${encodeURIComponent(form.get('outcome') ?? '')}` };
          return { status: 303, location: `${back}&error=${encodeURIComponent(result.message)}${result.field ? `&field=${encodeURIComponent(result.field)}` : ''}` };
        }
      }
      return notFound(session);
    }
    if (method !== 'GET') return notAllowed();
    if (path === '/queue') {
      const filter = readFilter(url, session);
      const { items, counts } = await queue.list(session, filter, Date.now());
      return { status: 200, html: listPage(session, items, counts, filter, url.searchParams.get('done')) };
    }
    if (path === '/queue/item') {
      const found = await queue.find(session, url.searchParams.get('source') ?? '', url.searchParams.get('id') ?? '');
      if (!found) return notFound(session);
      return { status: 200, html: itemPage(session, found.item, url.searchParams.get('error'), url.searchParams.get('field')) };
    }
    return notFound(session);
  }

  return {
    /** Answers a request under /queue; false when the path is not the queue's. */
    async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      const url = new URL(req.url ?? '/', 'http://queue');
      if (url.pathname !== '/queue' && !url.pathname.startsWith('/queue/')) return false;
      let page: Page;
      try {
        page = await route(req, url);
      } catch (error) {
        options.log?.(`work queue: ${req.method} ${url.pathname}: ${(error as Error).message}`);
        page = { status: 500, html: shell('Something went wrong', null, '<p>The request failed on our side. Go back and try again.</p>') };
      }
      const headers: Record<string, string | string[]> = { ...securityHeaders };
      if (page.cookies) headers['set-cookie'] = page.cookies;
      if (page.location) headers.location = page.location;
      if (page.css !== undefined) headers['content-type'] = 'text/css; charset=utf-8';
      else if (page.html !== undefined) headers['content-type'] = 'text/html; charset=utf-8';
      res.writeHead(page.status, headers);
      res.end(page.css ?? page.html ?? '');
      if (!req.complete) req.resume();
      return true;
    },
  };
}
export type WorkQueuePages = ReturnType<typeof createWorkQueuePages>;

// ---- requests ------------------------------------------------------------------------------------

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  if ((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sameToken(sent: string | null | undefined, expected: string | undefined): boolean {
  if (!sent || !expected) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readFilter(url: URL, session: OperatorSession): QueueFilter {
  const creditorId = url.searchParams.get('creditor') ?? '';
  const kind = url.searchParams.get('kind') ?? '';
  const age = Number(url.searchParams.get('age') ?? '');
  return {
    ...(session.creditorIds.includes(creditorId) ? { creditorId } : {}),
    ...((QUEUE_KINDS as readonly string[]).includes(kind) ? { kind: kind as QueueKind } : {}),
    ...(Number.isInteger(age) && age > 0 ? { minAgeDays: age } : {}),
  };
}

const itemPath = (source: string, id: string) => `/queue/item?source=${encodeURIComponent(source)}&id=${encodeURIComponent(id)}`;
const forbidden = (): Page => ({ status: 403, html: shell('Form expired', null, '<p>This form is no longer valid (it may be older than your session). <a href="/queue">Go back to the queue</a> and try again.</p>') });
const notAllowed = (): Page => ({ status: 405, html: shell('Not allowed', null, '<p>That is not something this page does.</p>') });
const notFound = (session: OperatorSession): Page => ({ status: 404, html: shell('Not found', session, '<p>There is no such open item for your creditors. It may have been completed already. <a href="/queue">Back to the queue</a>.</p>') });

// ---- pages ----------------------------------------------------------------------------------------

function shell(title: string, session: OperatorSession | null, main: string): string {
  const signedIn = session
    ? `<p class="who">Signed in as <strong>${h(session.label)}</strong> for ${session.creditorIds.map(h).join(', ')}</p>
       <form method="post" action="/queue/logout" class="inline"><input type="hidden" name="csrf" value="${h(session.csrfToken)}"><button type="submit" class="secondary">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${h(title)} · Work queue</title><link rel="stylesheet" href="/queue/queue.css"></head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header><p class="brand"><a href="/queue">Work queue</a></p>${signedIn}</header>
<main id="main"><h1>${h(title)}</h1>
${main}
</main>
</body>
</html>`;
}

function loginPage(token: string, failed: boolean): string {
  return shell(
    'Sign in',
    null,
    `${failed ? '<div class="error" role="alert"><p>That operator key is not valid (unknown or revoked).</p></div>' : ''}
<form method="post" action="/queue/login">
  <input type="hidden" name="csrf" value="${h(token)}">
  <p><label for="operatorKey">Operator key</label><br>
  <input id="operatorKey" name="operatorKey" type="password" autocomplete="current-password" required aria-describedby="keyHint"${failed ? ' aria-invalid="true"' : ''}></p>
  <p id="keyHint" class="hint">Your operator key starts with <code>dko_</code> and must be made for your creditors (<code>operator-key create --creditors</code>). Creditors' API keys do not work here.</p>
  <p><button type="submit">Sign in</button></p>
</form>`,
  );
}

function listPage(session: OperatorSession, items: ListedItem[], counts: Record<QueueKind, number>, filter: QueueFilter, done: string | null): string {
  const now = Date.now();
  const option = (value: string, label: string, selected: boolean) => `<option value="${h(value)}"${selected ? ' selected' : ''}>${h(label)}</option>`;
  const summary = QUEUE_KINDS.filter((k) => counts[k] > 0)
    .map((k) => `<li><a href="/queue?kind=${k}">${h(KIND_LABELS[k])}</a>: ${counts[k]}</li>`)
    .join('');
  const rows = items
    .map((i) => {
      const overdue = i.dueAt !== null && Date.parse(i.dueAt) <= now;
      return `<tr>
  <td><a href="${h(itemPath(i.source, i.id))}">${h(i.title)}</a></td>
  <td>${h(KIND_LABELS[i.kind])}</td>
  <td>${h(i.creditorId)} / ${h(i.accountId)}</td>
  <td>${h(ageText(i.createdAt, now))}${overdue ? ' <strong class="overdue">overdue</strong>' : ''}</td>
  <td>${i.priority}</td>
  <td>${i.claim ? (i.claim.by === session.keyId ? 'you' : h(i.claim.label)) : 'nobody'}</td>
</tr>`;
    })
    .join('\n');
  return shell(
    'Work queue',
    session,
    `${done ? `<div class="notice" role="status"><p>Done: the item is completed (${h(done.replace(/_/g, ' '))}) and the account was told.</p></div>` : ''}
<nav aria-label="Open items by kind"><h2>Open items</h2><ul class="counts">${summary || '<li>Nothing to do.</li>'}</ul></nav>
<form method="get" action="/queue" class="filters">
  <fieldset><legend>Filter</legend>
  <p><label for="creditor">Creditor</label>
  <select id="creditor" name="creditor">${option('', 'All my creditors', !filter.creditorId)}${session.creditorIds.map((c) => option(c, c, filter.creditorId === c)).join('')}</select></p>
  <p><label for="kind">Kind</label>
  <select id="kind" name="kind">${option('', 'Every kind', !filter.kind)}${QUEUE_KINDS.map((k) => option(k, KIND_LABELS[k], filter.kind === k)).join('')}</select></p>
  <p><label for="age">At least this many days old</label>
  <input id="age" name="age" type="number" min="0" max="3650" inputmode="numeric" value="${filter.minAgeDays ?? ''}"></p>
  <p><button type="submit">Show</button></p>
  </fieldset>
</form>
<table>
<caption>${items.length} item${items.length === 1 ? '' : 's'}, overdue and most urgent first, then the oldest</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Kind</th><th scope="col">Creditor / account</th><th scope="col">Age</th><th scope="col">Priority</th><th scope="col">Claimed by</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6">No open items match.</td></tr>'}
</tbody>
</table>`,
  );
}

function detailList(detail: Record<string, unknown>): string {
  const show = (value: unknown): string => {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'string') return `<span class="pre">${h(value)}</span>`;
    if (typeof value === 'number' || typeof value === 'boolean') return h(String(value));
    return `<code class="pre">${h(JSON.stringify(value, null, 2))}</code>`;
  };
  return `<dl>${Object.entries(detail)
    .filter(([name]) => name !== 'candidates' && name !== 'outcomes')
    .map(([name, value]) => `<dt>${h(name)}</dt><dd>${show(value)}</dd>`)
    .join('')}</dl>`;
}

function itemPage(session: OperatorSession, item: ListedItem, error: string | null, field: string | null): string {
  const hidden = `<input type="hidden" name="csrf" value="${h(session.csrfToken)}"><input type="hidden" name="source" value="${h(item.source)}"><input type="hidden" name="id" value="${h(item.id)}">`;
  const mine = item.claim?.by === session.keyId;
  const claimed = item.claim && !mine;
  const invalid = (name: string) => (field === name ? ' aria-invalid="true" aria-describedby="formError"' : '');
  const outcomes = QUEUE_OUTCOMES[item.kind]
    .map((o, n) => `<p><input type="radio" id="outcome-${n}" name="outcome" value="${h(o)}"${n === 0 ? ' required' : ''}><label for="outcome-${n}">${h(o.replace(/_/g, ' '))}</label></p>`)
    .join('');
  const candidates = Array.isArray(item.detail.candidates)
    ? `<fieldset><legend>Candidate (for “confirmed”, “asked to be contacted again”, “earlier answer wrong”)</legend>${(item.detail.candidates as { id: string; kind: string; value: string; confidence: number; status: string; contacts?: number }[])
        .map((c) => `<p><input type="radio" id="cand-${h(c.id)}" name="candidateId" value="${h(c.id)}"${invalid('candidateId')}><label for="cand-${h(c.id)}">${h(c.kind)}: ${h(c.value)} (${c.confidence}%, ${h(c.status)}${c.contacts ? `, contacted ${c.contacts === 1 ? 'once' : `${c.contacts} times`}` : ''})</label></p>`)
        .join('')}</fieldset>`
    : '';
  const extra: Partial<Record<QueueKind, string>> = {
    debtor_reply: `<p><label for="answer">Answer to the debtor (sent through the contact rules, with the required disclosures)</label><br><textarea id="answer" name="answer" rows="5" cols="60" maxlength="1000"${invalid('answer')}></textarea></p>`,
    field_visit: `<fieldset><legend>Promise taken (for “promise taken”)</legend>
<p><label for="promiseAmountMinor">Amount in cents</label><br><input id="promiseAmountMinor" name="promiseAmountMinor" type="number" min="1" inputmode="numeric"${invalid('promise.amountMinor')}></p>
<p><label for="promiseDate">Date</label><br><input id="promiseDate" name="promiseDate" type="date"${invalid('promise.date')}></p></fieldset>`,
    trace_confirm: candidates,
    trace_manual: `<fieldset><legend>Contact details found (for “found”)</legend>
<p><label for="foundEmail">Email</label><br><input id="foundEmail" name="foundEmail" type="email" autocomplete="off"${invalid('foundEmail')}></p>
<p><label for="foundPhone">Phone (E.164, e.g. +12125550123)</label><br><input id="foundPhone" name="foundPhone" type="tel" autocomplete="off"${invalid('foundPhone')}></p>
<p><label for="found_line1">Street</label><br><input id="found_line1" name="found_line1" autocomplete="off"></p>
<p><label for="found_city">City</label><br><input id="found_city" name="found_city" autocomplete="off"></p>
<p><label for="found_region">State</label><br><input id="found_region" name="found_region" autocomplete="off"></p>
<p><label for="found_postalCode">Postal code</label><br><input id="found_postalCode" name="found_postalCode" autocomplete="off"></p>
<p><label for="found_country">Country (two letters)</label><br><input id="found_country" name="found_country" value="US" autocomplete="off"></p></fieldset>`,
  };
  const actions = claimed
    ? `<p>${h(item.claim!.label)} is working on this item until ${h(item.claim!.until.slice(11, 16))} UTC.</p>`
    : !mine
      ? `<form method="post" action="/queue/claim">${hidden}<p><button type="submit">Claim this item</button></p></form>`
      : `<form method="post" action="/queue/complete">${hidden}
<fieldset><legend>Outcome</legend>${outcomes}</fieldset>
${extra[item.kind] ?? ''}
<p><label for="note">${item.kind === 'trace_confirm' ? 'Note (required for “earlier answer wrong”: why you believe it was wrong or incomplete, and that they now know)' : 'Note (optional)'}</label><br><input id="note" name="note" maxlength="500" size="60"${invalid('note')}></p>
<p><button type="submit">Complete</button></p>
</form>
<form method="post" action="/queue/release">${hidden}<p><button type="submit" class="secondary">Let go of it</button></p></form>`;
  return shell(
    item.title,
    session,
    `${error ? `<div class="error" role="alert" id="formError"><p>Not done: ${h(error)}</p></div>` : ''}
<p><a href="/queue">Back to the queue</a></p>
<dl class="facts"><dt>Kind</dt><dd>${h(KIND_LABELS[item.kind])}</dd><dt>Creditor</dt><dd>${h(item.creditorId)}</dd><dt>Account</dt><dd>${h(item.accountId)}</dd><dt>Waiting for</dt><dd>${h(ageText(item.createdAt, Date.now()))}</dd>${item.dueAt ? `<dt>Due</dt><dd>${h(item.dueAt.slice(0, 16).replace('T', ' '))} UTC</dd>` : ''}</dl>
<h2>What it is about</h2>
${detailList(item.detail)}
<h2>${mine ? 'Complete it' : 'Work on it'}</h2>
${actions}`,
  );
}

/** Colours checked for 4.5:1 contrast on white (text) and a visible focus ring. */
const STYLESHEET = `
body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:.5rem 1rem;border-bottom:2px solid #1f4e79}
.brand a{font-weight:700;color:#1f4e79;text-decoration:none}
main{padding:1rem;max-width:72rem}
a{color:#0b5394}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{border:1px solid #767676;padding:.4rem .6rem;text-align:left;vertical-align:top}
thead th{background:#eef3f8}
button{font:inherit;padding:.4rem 1rem;background:#1f4e79;color:#fff;border:2px solid #1f4e79;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#1f4e79}
input,select,textarea{font:inherit;border:1px solid #595959;padding:.3rem}
fieldset{border:1px solid #767676;margin:0 0 1rem}
.filters fieldset{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}
.error{border-left:6px solid #a50e0e;background:#fdecea;padding:.1rem 1rem}
.notice{border-left:6px solid #1e6b31;background:#e8f4ea;padding:.1rem 1rem}
.overdue{color:#a50e0e}
.hint{color:#4a4a4a}
.pre{white-space:pre-wrap}code.pre{display:block}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
.inline{display:inline}
.counts{display:flex;flex-wrap:wrap;gap:1.5rem;list-style:none;padding:0}
`;
