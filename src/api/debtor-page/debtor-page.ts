/**
 * The debtor's own page: reached by the signed link in every message (one per message, expiring
 * after the creditor's number of days, revocable), it shows nothing about the debt until the
 * visitor answers the creditor's verification question (the postal code, or the last four of the
 * account number) — showing a debt to a third party holding the phone is itself a violation
 * (§1006.6(d)) — and locks after the creditor's number of wrong answers in 24 hours, each answer
 * kept and logged. Then: the balance, its itemization and the validation period; the validation
 * notice and a statement as PDF; paying through the creditor's processor; a promise; plans from the
 * debtor's budget; a dispute of all or part, or a request for the original creditor; contact
 * details, preferences and opt-outs; a question for a person. Each action is an existing update or
 * signal of the account's workflow, answered by a confirmation page (and a message, which the
 * account sends).
 *
 * Security: the token carries only a link id and a MAC; every request re-checks the link (expired,
 * revoked) and the session (a random cookie, only its keyed hash kept, bound to the link and so to
 * one account, HttpOnly, SameSite=Lax, Path of the link, Secure on https); every form carries a
 * CSRF token derived from the session (OWASP's HMAC token pattern) and a POST from another origin
 * is refused; free text with markup or control characters is refused, never stored; pages carry a
 * CSP without script, frame-ancestors 'none', no-referrer, no-store.
 */
import { timingSafeEqual } from 'node:crypto';
import { createDebtorPageRepository, keyedHash, newSessionValue, readLinkToken, sha256, type PageLink } from '../../adapters/debtor-page.repository';
import { createDebtorQuestionRepository } from '../../adapters/debtor-question.repository';
import { createDocumentRepository } from '../../adapters/document.repository';
import { createLedgerRepository } from '../../adapters/ledger.repository';
import { createOptOutRepository } from '../../adapters/opt-out.repository';
import { createPaymentAttemptRepository } from '../../adapters/payment-attempt.repository';
import { ProcessorError, type PaymentProcessor } from '../../adapters/payment-processor';
import { renderStatement } from '../../adapters/statement';
import { AccountError, acceptPlan, changeContactDetails, debtorPage, proposePlans, recordPromise, reportComplianceEvent } from '../../client/accounts.client';
import { formatMoney, minorUnitDigits } from '../../domain/money';
import type { DebtorPageView } from '../../domain/engine/records';
import { controlCharacterProblem, E164 } from '../../schemas/text';
import { regionProblem } from '../../schemas/address';
import { arrangementRulesFor, debtorPageSettingsFor } from '../../schemas/creditors.schema';
import { isUnavailable, type ApiResponse, type RouteContext } from '../http';
import type { ApiDeps } from '../route';
import { choices, csrfField, e, errorSummary, field, htmlResponse, page, securityHeaders, textarea } from './html';
import { pickLanguage, STRINGS, type PageLanguage, type Strings } from './i18n';

const SESSION_MINUTES = 30;
const LOCK_HOURS = 24;
const SESSION_COOKIE = 'dp_s';
const PRE_COOKIE = 'dp_pre';
const LANG_COOKIE = 'dp_lang';
const WHO = 'the debtor (debtor page)';

interface Opened {
  link: PageLink;
  token: string;
  /** The page's path, /p/<token>. */
  base: string;
  https: boolean;
  cookies: Record<string, string>;
  langChoice: string | null;
  /** The session's cookie value, when a session on this link is open. */
  session: string | null;
  /** This page's path (the language switch links to it). */
  path: string;
}

interface SignedIn extends Opened {
  session: string;
  csrf: string;
  view: DebtorPageView;
  lang: PageLanguage;
  t: Strings;
  creditorName: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; response: ApiResponse };

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return cookies;
}

function cookie(name: string, value: string, o: { path: string; https: boolean; maxAgeSeconds: number }): string {
  return `${name}=${value}; Path=${o.path}; Max-Age=${o.maxAgeSeconds}; HttpOnly; SameSite=Lax${o.https ? '; Secure' : ''}`;
}

const safeEqual = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const headerOf = (ctx: RouteContext, name: string) => {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function settings(deps: ApiDeps) {
  const pageDeps = deps.debtorPage!;
  return { ...pageDeps, repo: createDebtorPageRepository(deps.pool) };
}

// ---- answers that are not a page of the account ----------------------------------------------------

function messagePage(deps: ApiDeps, ctx: RouteContext, status: number, titleKey: 'invalid' | 'expired' | 'revoked' | 'unavailable' | 'notAvailable' | 'locked' | 'forbidden', extra: Record<string, string | string[]> = {}): ApiResponse {
  const lang = pickLanguage(ctx.url.searchParams.get('lang') ?? parseCookies(headerOf(ctx, 'cookie'))[LANG_COOKIE], null, headerOf(ctx, 'accept-language'));
  const t = STRINGS[lang];
  const texts = {
    invalid: [t.invalidTitle, t.invalidText],
    expired: [t.expiredTitle, t.expiredText],
    revoked: [t.revokedTitle, t.revokedText],
    unavailable: [t.unavailableTitle, t.unavailableText],
    notAvailable: [t.notAvailableTitle, t.notAvailableText],
    locked: [t.lockedTitle, t.lockedText],
    forbidden: [t.forbiddenTitle, t.formExpired],
  }[titleKey];
  return htmlResponse(status, page({ lang, t, title: texts[0]!, path: ctx.url.pathname, body: `<p>${texts[1]}</p>` }), { ...securityHeaders({ https: isHttps(deps) }), ...extra });
}

const isHttps = (deps: ApiDeps) => deps.debtorPage!.baseUrl.startsWith('https:');

/** The link of the request: valid, issued, neither revoked nor expired; and the session on it, if any. */
async function openLink(deps: ApiDeps, ctx: RouteContext): Promise<Outcome<Opened>> {
  const s = settings(deps);
  const token = ctx.params.token ?? '';
  const linkId = readLinkToken(s.secret, token);
  const link = linkId ? await s.repo.find(linkId) : null;
  if (!link) {
    deps.log?.(`debtor page: a link that is not ours was refused (${linkId ? 'never issued' : 'forged or altered'})`);
    return { ok: false, response: messagePage(deps, ctx, 404, 'invalid') };
  }
  if (link.revokedAt) return { ok: false, response: messagePage(deps, ctx, 410, 'revoked') };
  if (link.expiresAt.getTime() <= Date.now()) return { ok: false, response: messagePage(deps, ctx, 410, 'expired') };
  const cookies = parseCookies(headerOf(ctx, 'cookie'));
  const value = cookies[SESSION_COOKIE];
  const session = value && /^[A-Za-z0-9_-]{43}$/.test(value) && (await s.repo.session(keyedHash(s.secret, `session:${value}`), link.linkId)) ? value : null;
  const langChoice = ctx.url.searchParams.get('lang') ?? cookies[LANG_COOKIE] ?? null;
  return { ok: true, value: { link, token, base: `/p/${token}`, https: isHttps(deps), cookies, langChoice: langChoice === 'en' || langChoice === 'es' ? langChoice : null, session, path: ctx.url.pathname } };
}

const ids = (link: PageLink) => {
  const [, creditorId, accountId] = link.accountKey.split('/');
  return { creditorId: creditorId!, accountId: accountId! };
};

/** A page of the account: the link, a session on it, and the account's view (the verification page otherwise). */
async function signIn(deps: ApiDeps, ctx: RouteContext): Promise<Outcome<SignedIn>> {
  const opened = await openLink(deps, ctx);
  if (!opened.ok) return opened;
  const o = opened.value;
  if (!o.session) return { ok: false, response: { status: 303, headers: { location: o.base, ...securityHeaders({ https: o.https }) } } };
  const { creditorId, accountId } = ids(o.link);
  let view: DebtorPageView;
  try {
    view = await debtorPage(deps.client, creditorId, accountId);
  } catch (error) {
    if (error instanceof AccountError) return { ok: false, response: messagePage(deps, ctx, 404, 'invalid') };
    if (isUnavailable(error)) return { ok: false, response: messagePage(deps, ctx, 503, 'unavailable', { 'retry-after': '30' }) };
    throw error;
  }
  // Death, bankruptcy, an attorney: this page must not speak to the debtor about the debt.
  if (view.collectionStopped) return { ok: false, response: messagePage(deps, ctx, 200, 'notAvailable') };
  const lang = pickLanguage(o.langChoice, view.language, headerOf(ctx, 'accept-language'));
  const creditorName = deps.debtorPage!.creditors.creditors.find((c) => c.id === creditorId)?.name ?? creditorId;
  return { ok: true, value: { ...o, session: o.session, csrf: csrfOf(deps, o.session), view, lang, t: STRINGS[lang], creditorName } };
}

const csrfOf = (deps: ApiDeps, session: string) => keyedHash(deps.debtorPage!.secret, `csrf:${session}`);

/**
 * A form post of a signed-in page: the same origin (Origin, when the browser sends it) and the
 * session's CSRF token, else refused with nothing changed.
 */
async function signInForPost(deps: ApiDeps, ctx: RouteContext): Promise<Outcome<SignedIn & { form: URLSearchParams }>> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed;
  const form = new URLSearchParams(ctx.rawBody);
  const refusal = forgedPost(deps, ctx, form.get('csrf'), signed.value.csrf);
  if (refusal) return { ok: false, response: refusal };
  return { ok: true, value: { ...signed.value, form } };
}

function forgedPost(deps: ApiDeps, ctx: RouteContext, sent: string | null, expected: string): ApiResponse | null {
  const origin = headerOf(ctx, 'origin');
  const ownOrigin = new URL(ctx.publicUrl).origin;
  const pageOrigin = new URL(deps.debtorPage!.baseUrl).origin;
  if (origin && origin !== 'null' && origin !== ownOrigin && origin !== pageOrigin) {
    deps.log?.(`debtor page: a form posted from another origin was refused (${ctx.url.pathname.split('/').slice(3).join('/') || 'verify'})`);
    return messagePage(deps, ctx, 403, 'forbidden');
  }
  if (!sent || !safeEqual(sent, expected)) {
    deps.log?.(`debtor page: a form without a valid CSRF token was refused (${ctx.url.pathname.split('/').slice(3).join('/') || 'verify'})`);
    return messagePage(deps, ctx, 403, 'forbidden');
  }
  return null;
}

function render(s: SignedIn, status: number, title: string, body: string, extra: { formActions?: string[]; headers?: Record<string, string | string[]>; path?: string } = {}): ApiResponse {
  const headers: Record<string, string | string[]> = { ...securityHeaders({ https: s.https, formActions: extra.formActions }), ...extra.headers };
  if (s.langChoice) headers['set-cookie'] = cookie(LANG_COOKIE, s.langChoice, { path: s.base, https: s.https, maxAgeSeconds: 86_400 });
  return htmlResponse(status, page({ lang: s.lang, t: s.t, title, path: extra.path ?? s.path, signedIn: { home: `${s.base}/account`, signOut: `${s.base}/sign-out`, csrf: s.csrf }, body }), headers);
}

const redirect = (s: Opened, to: string): ApiResponse => ({ status: 303, headers: { location: `${s.base}${to}`, ...securityHeaders({ https: s.https }) } });

const money = (s: SignedIn, amountMinor: number) => formatMoney({ amountMinor, currency: s.view.balance.currency }, s.lang);

// ---- input checks (the field at fault, in the debtor's language) -----------------------------------

function amountOf(s: SignedIn, text: string | null, max: number | null): { minor: number } | { error: string } {
  const digits = minorUnitDigits(s.view.balance.currency);
  const cleaned = (text ?? '').trim().replace(/^\$/, '').replace(/,/g, '');
  if (cleaned === '') return { error: s.t.required };
  const m = new RegExp(`^(\\d{1,12})(?:\\.(\\d{1,${Math.max(digits, 1)}}))?$`).exec(cleaned);
  if (!m) return { error: s.t.notAmount };
  const minor = Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0);
  if (minor <= 0) return { error: s.t.notAmount };
  if (max !== null && minor > max) return { error: s.t.tooMuch(money(s, max)) };
  return { minor };
}

/** Plain text: no markup, no control characters (line breaks only where `multiline`), bounded. */
function plain(t: Strings, text: string | null, options: { max: number; required?: boolean; multiline?: boolean }): { value: string | null } | { error: string } {
  // A textarea sends CRLF line breaks; they are kept as LF.
  const value = (text ?? '').replace(/\r\n?/g, '\n').trim();
  if (value === '') return options.required ? { error: t.required } : { value: null };
  if (value.length > options.max) return { error: t.tooLong(options.max) };
  const checked = options.multiline ? value.replace(/\r?\n/g, ' ') : value;
  if (controlCharacterProblem(checked) || /<\s*[a-zA-Z!/?]|&#?[a-zA-Z0-9]+;|javascript\s*:/i.test(value)) return { error: t.noMarkup };
  return { value };
}

// ---- verification --------------------------------------------------------------------------------

const normalize = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** Whether the answer is the account's fact (US ZIP codes: the first five digits). */
export function answerMatches(kind: 'postal_code' | 'account_last4', answer: string, view: { postalCode: string; accountId: string }): boolean {
  const given = normalize(answer);
  if (given === '') return false;
  if (kind === 'account_last4') return given.length === 4 && safeEqual(given, normalize(view.accountId).slice(-4));
  const expected = normalize(view.postalCode);
  if (/^\d{5}/.test(expected) && /^\d{5}(\d{4})?$/.test(given)) return safeEqual(given.slice(0, 5), expected.slice(0, 5));
  return given.length === expected.length && safeEqual(given, expected);
}

function verifyForm(deps: ApiDeps, ctx: RouteContext, o: Opened, status: number, error: string | null, setPre: string | null): ApiResponse {
  const pre = setPre ?? o.cookies[PRE_COOKIE]!;
  const lang = pickLanguage(o.langChoice, null, headerOf(ctx, 'accept-language'));
  const t = STRINGS[lang];
  const kind = debtorPageSettingsFor(deps.debtorPage!.creditors, o.link.creditorId).verification;
  const body = `${error ? errorSummary(t, { answer: error }) : ''}<p>${t.verifyIntro}</p><form method="post" action="${e(`${o.base}/verify`)}" novalidate>${csrfField(keyedHash(deps.debtorPage!.secret, `pre:${o.link.linkId}:${pre}`))}${field({
    name: 'answer',
    label: t[kind],
    hint: t[`${kind}Hint`],
    error: error ?? undefined,
    required: true,
    autocomplete: kind === 'postal_code' ? 'postal-code' : 'off',
    maxlength: 20,
  })}<button type="submit">${t.continue}</button></form>`;
  const headers: Record<string, string | string[]> = { ...securityHeaders({ https: o.https }) };
  const cookies = [setPre ? cookie(PRE_COOKIE, setPre, { path: o.base, https: o.https, maxAgeSeconds: 3600 }) : null, o.langChoice ? cookie(LANG_COOKIE, o.langChoice, { path: o.base, https: o.https, maxAgeSeconds: 86_400 }) : null].filter((c): c is string => c !== null);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return htmlResponse(status, page({ lang, t, title: t.verifyTitle, path: o.base, body }), headers);
}

export async function landing(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const opened = await openLink(deps, ctx);
  if (!opened.ok) return opened.response;
  const o = opened.value;
  if (o.session) return redirect(o, '/account');
  const pre = o.cookies[PRE_COOKIE];
  return verifyForm(deps, ctx, o, 200, null, pre && /^[A-Za-z0-9_-]{43}$/.test(pre) ? null : newSessionValue());
}

export async function verify(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const opened = await openLink(deps, ctx);
  if (!opened.ok) return opened.response;
  const o = opened.value;
  const s = settings(deps);
  const form = new URLSearchParams(ctx.rawBody);
  const pre = o.cookies[PRE_COOKIE];
  if (!pre) return messagePage(deps, ctx, 403, 'forbidden');
  const refusal = forgedPost(deps, ctx, form.get('csrf'), keyedHash(s.secret, `pre:${o.link.linkId}:${pre}`));
  if (refusal) return refusal;
  const rules = debtorPageSettingsFor(s.creditors, o.link.creditorId);
  const short = `${o.link.linkId.slice(0, 8)}…`;
  const wrongSoFar = await s.repo.wrongAnswers(o.link.accountKey, LOCK_HOURS);
  if (wrongSoFar >= rules.maxWrongAnswers) {
    deps.log?.(`debtor page: link ${short} of ${o.link.accountKey} is locked (${wrongSoFar} wrong answers in ${LOCK_HOURS} h); an answer was not even checked`);
    return messagePage(deps, ctx, 429, 'locked');
  }
  const { creditorId, accountId } = ids(o.link);
  let view: DebtorPageView;
  try {
    view = await debtorPage(deps.client, creditorId, accountId);
  } catch (error) {
    if (error instanceof AccountError) return messagePage(deps, ctx, 404, 'invalid');
    if (isUnavailable(error)) return messagePage(deps, ctx, 503, 'unavailable', { 'retry-after': '30' });
    throw error;
  }
  const right = answerMatches(rules.verification, form.get('answer') ?? '', view);
  const client = sha256(`${ctx.headers['x-forwarded-for'] ?? ''}`).slice(0, 16);
  await s.repo.recordAnswer({ linkId: o.link.linkId, accountKey: o.link.accountKey, succeeded: right, client });
  if (!right) {
    const left = rules.maxWrongAnswers - wrongSoFar - 1;
    deps.log?.(`debtor page: wrong answer on link ${short} of ${o.link.accountKey} (${wrongSoFar + 1} of ${rules.maxWrongAnswers} in ${LOCK_HOURS} h)`);
    if (left <= 0) return messagePage(deps, ctx, 429, 'locked');
    const t = STRINGS[pickLanguage(o.langChoice, null, headerOf(ctx, 'accept-language'))];
    return verifyForm(deps, ctx, o, 400, t.wrongAnswer(left), null);
  }
  const value = newSessionValue();
  await s.repo.openSession({ hash: keyedHash(s.secret, `session:${value}`), linkId: o.link.linkId, accountKey: o.link.accountKey, minutes: deps.debtorPage!.sessionMinutes ?? SESSION_MINUTES });
  deps.log?.(`debtor page: link ${short} of ${o.link.accountKey} opened after a right answer`);
  return {
    status: 303,
    headers: {
      location: `${o.base}/account`,
      ...securityHeaders({ https: o.https }),
      'set-cookie': [cookie(SESSION_COOKIE, value, { path: o.base, https: o.https, maxAgeSeconds: (deps.debtorPage!.sessionMinutes ?? SESSION_MINUTES) * 60 }), cookie(PRE_COOKIE, '', { path: o.base, https: o.https, maxAgeSeconds: 0 })],
    },
  };
}

export async function signOut(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  await settings(deps).repo.endSession(keyedHash(deps.debtorPage!.secret, `session:${s.session}`));
  return { status: 303, headers: { location: s.base, ...securityHeaders({ https: s.https }), 'set-cookie': cookie(SESSION_COOKIE, '', { path: s.base, https: s.https, maxAgeSeconds: 0 }) } };
}

// ---- the account -----------------------------------------------------------------------------------

const ENDED = ['paid', 'settled', 'charged_off', 'placed', 'closed'];

export async function overview(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const { t, view } = s;
  const lines = await createLedgerRepository(deps.pool).statement(view.accountKey);
  const notice = await createDocumentRepository(deps.pool).content(`${view.accountKey}/validation-notice`);
  const ended = ENDED.includes(view.stage);
  const held = view.dispute === 'pending_verification';
  const status = [
    view.balance.amountMinor <= 0 ? `<p class="notice">${t.paidText}</p>` : ended ? `<p class="notice">${t.endedText}</p>` : '',
    held ? `<p class="notice">${t.disputePending}</p>` : '',
    view.activePromise ? `<p class="notice">${t.promiseActive(money(s, view.activePromise.amountMinor), view.activePromise.date)}</p>` : '',
    view.activePlan ? `<p class="notice">${t.planActive(view.activePlan.schedule.length)}</p>` : '',
  ].join('');
  const actions = ended
    ? [[`${s.base}/question`, t.actQuestion]]
    : [
        ...(payable(deps, view) && view.balance.amountMinor > 0 ? [[`${s.base}/pay`, t.actPay]] : []),
        ...(!view.activePromise && !view.activePlan ? [[`${s.base}/promise`, t.actPromise], [`${s.base}/plans`, t.actPlan]] : []),
        [`${s.base}/dispute`, t.actDispute],
        [`${s.base}/contact`, t.actContact],
        [`${s.base}/question`, t.actQuestion],
      ];
  const body = `<p>${e(t.accountNumber)}: <strong>${e(view.accountId)}</strong></p>
<p>${e(t.amountDue)}</p><p class="amount">${e(money(s, view.balance.amountMinor))}</p>
${view.creditBalance.amountMinor > 0 ? `<p>${e(t.credit)}: ${e(money(s, view.creditBalance.amountMinor))}</p>` : ''}
<p>${e(t.originalDueDate)}: ${e(view.dueDate)}</p>
${view.validationPeriodEnds ? `<p>${e(t.validationEnds(view.validationPeriodEnds))}</p>` : ''}
${status}
<h2>${t.whatToDo}</h2><ul class="actions">${actions.map(([href, label]) => `<li><a href="${e(href!)}">${e(label!)}</a></li>`).join('')}</ul>
<h2>${t.itemization}</h2>
<table><caption>${e(t.itemization)}</caption><thead><tr><th scope="col">${t.date}</th><th scope="col">${t.item}</th><th scope="col" class="num">${t.amount}</th><th scope="col" class="num">${t.balance}</th></tr></thead><tbody>${lines
    .map((l) => `<tr><td>${e(l.date)}</td><td>${e(l.description)}</td><td class="num">${e(money(s, l.debitMinor - l.creditMinor))}</td><td class="num">${e(money(s, l.balanceMinor))}</td></tr>`)
    .join('')}</tbody></table>
<h2>${t.documents}</h2><ul>${notice ? `<li><a href="${e(`${s.base}/validation-notice.pdf`)}">${t.docNotice}</a></li>` : ''}<li><a href="${e(`${s.base}/statement.pdf`)}">${t.docStatement}</a></li></ul>${notice ? '' : `<p>${t.noNotice}</p>`}`;
  return render(s, 200, t.accountWith(s.creditorName), body);
}

export async function documentPdf(deps: ApiDeps, ctx: RouteContext, which: 'validation-notice' | 'statement'): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  let pdf: Buffer | null;
  if (which === 'validation-notice') pdf = await createDocumentRepository(deps.pool).content(`${s.view.accountKey}/validation-notice`);
  else
    pdf = renderStatement({
      creditorName: s.creditorName,
      debtorName: s.view.debtorName,
      accountId: s.view.accountId,
      currency: s.view.balance.currency,
      language: s.lang,
      asOf: new Date().toISOString(),
      lines: await createLedgerRepository(deps.pool).statement(s.view.accountKey),
    });
  if (!pdf) return messagePage(deps, ctx, 404, 'invalid');
  return { status: 200, bytes: pdf, contentType: 'application/pdf', headers: { ...securityHeaders({ https: s.https }), 'content-disposition': `attachment; filename="${which}-${s.view.accountId}.pdf"` } };
}

// ---- paying ---------------------------------------------------------------------------------------

function processorFor(deps: ApiDeps, view: DebtorPageView): PaymentProcessor | null {
  return deps.debtorPage!.processors.forCreditor(view.creditorId);
}
const payable = (deps: ApiDeps, view: DebtorPageView) => processorFor(deps, view) !== null;

function payForm(s: SignedIn, processor: PaymentProcessor, status: number, errors: Record<string, string>, values: { choice?: string; amount?: string }, note?: string): ApiResponse {
  const { t } = s;
  const full = money(s, s.view.balance.amountMinor);
  const body = `${errorSummary(t, errors)}${note ? `<p class="notice" role="status">${e(note)}</p>` : ''}<form method="post" action="${e(`${s.base}/pay`)}" novalidate>${csrfField(s.csrf)}${choices({
    name: 'choice',
    legend: t.payWhat,
    items: [
      { value: 'full', label: t.payFull(full), checked: (values.choice ?? 'full') === 'full' },
      { value: 'other', label: t.payOther, checked: values.choice === 'other' },
    ],
  })}${field({ name: 'amount', label: t.payAmount, hint: t.payAmountHint, value: values.amount, error: errors.amount, inputmode: 'decimal', maxlength: 20 })}<p>${t.payNote}</p><button type="submit">${t.payGo}</button></form>`;
  // The form's post ends on the processor's page (a redirect), which the CSP must allow.
  return render(s, status, t.payTitle, body, { formActions: [processor.checkoutOrigin] });
}

export async function payPage(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const processor = processorFor(deps, s.view);
  if (!processor || s.view.balance.amountMinor <= 0) return render(s, 200, s.t.payTitle, `<p>${s.view.balance.amountMinor <= 0 ? s.t.paidText : s.t.payUnavailable}</p>`);
  return payForm(s, processor, 200, {}, {}, ctx.url.searchParams.get('cancelled') ? s.t.payCancelled : undefined);
}

export async function pay(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const processor = processorFor(deps, s.view);
  if (!processor || s.view.balance.amountMinor <= 0) return render(s, 409, s.t.payTitle, `<p>${s.t.payUnavailable}</p>`);
  const choice = s.form.get('choice') === 'other' ? 'other' : 'full';
  let amountMinor = s.view.balance.amountMinor;
  if (choice === 'other') {
    const amount = amountOf(s, s.form.get('amount'), s.view.balance.amountMinor);
    if ('error' in amount) return payForm(s, processor, 400, { amount: `${s.t.payAmount}: ${amount.error}` }, { choice, amount: s.form.get('amount') ?? '' });
    amountMinor = amount.minor;
  }
  const pageBase = deps.debtorPage!.baseUrl.replace(/\/$/, '');
  const attemptKey = `${s.view.accountKey}/checkout/${newSessionValue().slice(0, 16)}`;
  let checkout;
  try {
    checkout = await processor.createCheckout({
      amountMinor,
      currency: s.view.balance.currency,
      description: `${s.creditorName} · ${s.t.accountNumber} ${s.view.accountId}`,
      successUrl: `${pageBase}/${s.token}/payments/{CHECKOUT_SESSION_ID}`,
      cancelUrl: `${pageBase}/${s.token}/pay?cancelled=1`,
      locale: s.lang,
      metadata: { creditorId: s.view.creditorId, accountId: s.view.accountId, source: 'debtor_page' },
      idempotencyKey: attemptKey,
    });
  } catch (error) {
    if (error instanceof ProcessorError || isUnavailable(error) || (error as Error).name === 'TimeoutError' || (error as Error).name === 'TypeError') {
      deps.log?.(`debtor page: the processor could not start a payment for ${s.view.accountKey}: ${(error as Error).message}`);
      return render(s, 503, s.t.unavailableTitle, `<p>${s.t.unavailableText}</p>`, { headers: { 'retry-after': '30' } });
    }
    throw error;
  }
  await createPaymentAttemptRepository(deps.pool).record({ attemptKey, accountKey: s.view.accountKey, creditorId: s.view.creditorId, kind: 'checkout', processor: processor.name, processorId: checkout.id, amountMinor, currency: s.view.balance.currency, status: 'started', declineCode: null });
  return { status: 303, headers: { location: checkout.url, ...securityHeaders({ https: s.https, formActions: [new URL(checkout.url).origin] }) } };
}

/** Where the processor sends the debtor back: what became of the payment. */
export async function paymentReturn(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const processor = processorFor(deps, s.view);
  const checkoutId = ctx.params.checkoutId ?? '';
  const attempts = await createPaymentAttemptRepository(deps.pool).forAccount(s.view.accountKey);
  const attempt = attempts.find((a) => a.processorId === checkoutId);
  // Only a checkout this account started is shown here.
  if (!processor || !attempt) return messagePage(deps, ctx, 404, 'invalid');
  const checkout = await processor.retrieveCheckout(checkoutId);
  const { t } = s;
  const amount = money(s, checkout.amountMinor);
  if (checkout.paymentStatus === 'paid') {
    await createPaymentAttemptRepository(deps.pool).record({ ...attempt, processorId: checkout.id, status: 'succeeded', declineCode: null });
    const posted = s.view.payments.find((p) => p.paymentId === checkout.paymentIntentId && p.status === 'posted');
    const body = `<p class="notice" role="status">${e(t.paidThanks(amount))}</p><p>${e(posted ? t.paidBalance(money(s, s.view.balance.amountMinor)) : t.paidPending)}</p><p>${t.doneMessage}</p><p><a href="${e(`${s.base}/account`)}">${t.back}</a></p>`;
    return render(s, 200, t.paidTitle, body);
  }
  if (checkout.declineCode) {
    await createPaymentAttemptRepository(deps.pool).record({ ...attempt, status: 'declined', declineCode: checkout.declineCode });
    return render(s, 200, t.declinedTitle, `<p class="error" role="alert">${e(t.declinedText(checkout.declineCode.replace(/_/g, ' ')))}</p><p><a href="${e(`${s.base}/pay`)}">${t.tryAgain}</a></p>`);
  }
  return render(s, 200, t.openTitle, `<p>${t.openText}</p><p><a href="${e(`${s.base}/pay`)}">${t.tryAgain}</a></p>`);
}

// ---- promise and plan ------------------------------------------------------------------------------

function refusedMessage(error: unknown, s: SignedIn): string | null {
  if (error instanceof AccountError) return `${s.t.refused}: ${error.message.replace(/^\w+ refused: /, '')}`;
  return null;
}

function promiseForm(deps: ApiDeps, s: SignedIn, status: number, errors: Record<string, string>, values: { amount?: string; date?: string }): ApiResponse {
  const { t } = s;
  const days = arrangementRulesFor(deps.debtorPage!.creditors.creditors.find((c) => c.id === s.view.creditorId)).promise.maxDaysAhead;
  const body = `${errorSummary(t, errors)}<p>${e(t.promiseIntro(days))}</p><form method="post" action="${e(`${s.base}/promise`)}" novalidate>${csrfField(s.csrf)}${field({ name: 'amount', label: t.promiseAmount, hint: t.payAmountHint, value: values.amount, error: errors.amount, inputmode: 'decimal', required: true, maxlength: 20 })}${field({
    name: 'date',
    label: t.promiseDate,
    hint: t.promiseDateHint,
    type: 'date',
    value: values.date,
    error: errors.date,
    required: true,
  })}<button type="submit">${t.promiseGo}</button></form>`;
  return render(s, status, t.promiseTitle, body);
}

export async function promisePage(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  return promiseForm(deps, signed.value, 200, {}, {});
}

export async function promise(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const values = { amount: s.form.get('amount') ?? '', date: s.form.get('date') ?? '' };
  const errors: Record<string, string> = {};
  const amount = amountOf(s, values.amount, s.view.balance.amountMinor);
  if ('error' in amount) errors.amount = `${s.t.promiseAmount}: ${amount.error}`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.date.trim())) errors.date = `${s.t.promiseDate}: ${s.t.notDate}`;
  if (Object.keys(errors).length > 0 || 'error' in amount) return promiseForm(deps, s, 400, errors, values);
  try {
    await recordPromise(deps.client, s.view.creditorId, s.view.accountId, { amountMinor: amount.minor, date: values.date.trim(), channel: 'debtor_page', takenBy: WHO });
  } catch (error) {
    const refused = refusedMessage(error, s);
    if (!refused) return unavailableOr(deps, ctx, error);
    const field = error instanceof AccountError && error.field === 'date' ? 'date' : 'amount';
    return promiseForm(deps, s, 422, { [field]: refused }, values);
  }
  return redirect(s, '/done/promise');
}

function unavailableOr(deps: ApiDeps, ctx: RouteContext, error: unknown): ApiResponse {
  if (isUnavailable(error)) return messagePage(deps, ctx, 503, 'unavailable', { 'retry-after': '30' });
  throw error;
}

export async function plansPage(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  return plansForm(deps, s, ctx.url.searchParams.get('income'), ctx.url.searchParams.get('expenses'), 200, {});
}

async function plansForm(deps: ApiDeps, s: SignedIn, incomeText: string | null, expensesText: string | null, status: number, extraErrors: Record<string, string>): Promise<ApiResponse> {
  const { t } = s;
  const errors: Record<string, string> = { ...extraErrors };
  let proposals = '';
  let budget: { monthlyIncomeMinor: number; monthlyExpensesMinor: number } | null = null;
  if (incomeText !== null || expensesText !== null) {
    const income = amountOf(s, incomeText, null);
    const expenses = (expensesText ?? '').trim() === '' ? { minor: 0 } : amountOf(s, expensesText, null);
    if ('error' in income) errors.income = `${t.income}: ${income.error}`;
    if ('error' in expenses) errors.expenses = `${t.expenses}: ${expenses.error}`;
    if (!('error' in income) && !('error' in expenses)) budget = { monthlyIncomeMinor: income.minor, monthlyExpensesMinor: expenses.minor };
  }
  if (budget) {
    try {
      const list = await proposePlans(deps.client, s.view.creditorId, s.view.accountId, budget);
      proposals = `<h2>${t.plansFor}</h2>${list
        .map((p) => {
          const label = t.frequency[p.frequency] ?? p.frequency;
          if (!p.feasible) return `<h3>${e(label)}</h3><p>${t.planNotFeasible}</p>`;
          return `<h3>${e(label)}</h3><p>${e(t.planSummary(p.schedule.length, money(s, p.instalmentMinor), p.schedule[0]?.dueDate ?? ''))}</p><form method="post" action="${e(`${s.base}/plans`)}">${csrfField(s.csrf)}<input type="hidden" name="frequency" value="${e(p.frequency)}"><input type="hidden" name="income" value="${e(incomeText ?? '')}"><input type="hidden" name="expenses" value="${e(expensesText ?? '')}"><button type="submit">${e(t.choosePlan(label))}</button></form>`;
        })
        .join('')}`;
    } catch (error) {
      const refused = refusedMessage(error, s);
      if (!refused) throw error;
      errors.income = refused;
    }
  }
  const body = `${errorSummary(t, errors)}<p>${t.planIntro}</p><form method="get" action="${e(`${s.base}/plans`)}" novalidate>${field({ name: 'income', label: t.income, value: incomeText, error: errors.income, inputmode: 'decimal', required: true, maxlength: 20 })}${field({
    name: 'expenses',
    label: t.expenses,
    value: expensesText,
    error: errors.expenses,
    inputmode: 'decimal',
    maxlength: 20,
  })}<button type="submit">${t.showPlans}</button></form>${proposals}`;
  return render(s, Object.keys(errors).length > 0 && status === 200 ? 400 : status, t.planTitle, body);
}

export async function choosePlan(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const frequency = s.form.get('frequency');
  const income = amountOf(s, s.form.get('income'), null);
  const expensesText = s.form.get('expenses') ?? '';
  const expenses = expensesText.trim() === '' ? { minor: 0 } : amountOf(s, expensesText, null);
  if (!['weekly', 'fortnightly', 'monthly'].includes(frequency ?? '') || 'error' in income || 'error' in expenses)
    return plansForm(deps, s, s.form.get('income'), expensesText, 400, { income: `${s.t.income}: ${'error' in income ? income.error : s.t.chooseOne}` });
  try {
    await acceptPlan(deps.client, s.view.creditorId, s.view.accountId, { frequency, monthlyIncomeMinor: income.minor, monthlyExpensesMinor: expenses.minor, acceptedBy: WHO, via: 'debtor_page' });
  } catch (error) {
    const refused = refusedMessage(error, s);
    if (!refused) return unavailableOr(deps, ctx, error);
    return plansForm(deps, s, s.form.get('income'), expensesText, 422, { income: refused });
  }
  return redirect(s, '/done/plan');
}

// ---- dispute ---------------------------------------------------------------------------------------

function disputeForm(s: SignedIn, status: number, errors: Record<string, string>, values: { what?: string; amount?: string; reason?: string }): ApiResponse {
  const { t } = s;
  const body = `${errorSummary(t, errors)}<p>${t.disputeIntro}</p>${s.view.validationPeriodEnds ? `<p>${e(t.validationEnds(s.view.validationPeriodEnds))}</p>` : ''}<form method="post" action="${e(`${s.base}/dispute`)}" novalidate>${csrfField(s.csrf)}${choices({
    name: 'what',
    legend: t.disputeWhat,
    error: errors.what,
    items: [
      { value: 'all', label: t.disputeAll, checked: values.what === 'all' },
      { value: 'part', label: t.disputePart, checked: values.what === 'part' },
      { value: 'original_creditor', label: t.disputeOriginal, checked: values.what === 'original_creditor' },
    ],
  })}${field({ name: 'amount', label: t.disputeAmount, value: values.amount, error: errors.amount, inputmode: 'decimal', maxlength: 20 })}${field({ name: 'reason', label: t.disputeReason, value: values.reason, error: errors.reason, maxlength: 500 })}<button type="submit">${t.disputeGo}</button></form>`;
  return render(s, status, t.disputeTitle, body);
}

export async function disputePage(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  return disputeForm(signed.value, 200, {}, {});
}

export async function dispute(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const values = { what: s.form.get('what') ?? '', amount: s.form.get('amount') ?? '', reason: s.form.get('reason') ?? '' };
  const errors: Record<string, string> = {};
  if (!['all', 'part', 'original_creditor'].includes(values.what)) errors.what = `${s.t.disputeWhat} ${s.t.chooseOne}`;
  const reason = plain(s.t, values.reason, { max: 500 });
  if ('error' in reason) errors.reason = `${s.t.disputeReason}: ${reason.error}`;
  let amountMinor: number | undefined;
  if (values.what === 'part') {
    const amount = amountOf(s, values.amount, s.view.balance.amountMinor);
    if ('error' in amount) errors.amount = `${s.t.disputeAmount}: ${amount.error}`;
    else amountMinor = amount.minor;
  }
  if (Object.keys(errors).length > 0) return disputeForm(s, 400, errors, values);
  const note = 'value' in reason && reason.value ? reason.value : undefined;
  const event =
    values.what === 'original_creditor'
      ? { kind: 'original_creditor_request', via: 'debtor_page', ...(note ? { note } : {}) }
      : { kind: 'dispute', via: 'debtor_page', scope: values.what === 'part' ? 'part' : 'all', ...(amountMinor ? { amountMinor } : {}), ...(note ? { note } : {}) };
  try {
    await reportComplianceEvent(deps.client, s.view.creditorId, s.view.accountId, event);
  } catch (error) {
    return unavailableOr(deps, ctx, error);
  }
  return redirect(s, values.what === 'original_creditor' ? '/done/original_creditor' : '/done/dispute');
}

// ---- contact details, preferences, opt-outs ----------------------------------------------------------

function contactForm(s: SignedIn, status: number, errors: Record<string, string>, values: Record<string, string | null>, path?: string): ApiResponse {
  const { t, view } = s;
  const prefs = view.selfService.preferences;
  const optedOut = (channel: string, address: string | null) => address !== null && view.optOuts.some((o) => o.channel === channel && o.address === address);
  const body = `${errorSummary(t, errors)}
<form method="post" action="${e(`${s.base}/contact`)}" novalidate>${csrfField(s.csrf)}<fieldset><legend>${t.detailsLegend}</legend>
${field({ name: 'email', label: t.email, type: 'email', value: values.email ?? view.email, error: errors.email, autocomplete: 'email', maxlength: 254 })}
${field({ name: 'phone', label: t.phone, type: 'tel', hint: t.phoneHint, value: values.phone ?? view.phone, error: errors.phone, autocomplete: 'tel', maxlength: 20 })}
<div class="choice"><input type="checkbox" id="f-sms" name="sms" value="yes"${view.smsConsent ? ' checked' : ''}><label for="f-sms">${t.smsConsent}</label></div>
${field({ name: 'line1', label: t.address, value: values.line1 ?? view.address.line1, error: errors.line1, autocomplete: 'address-line1', maxlength: 200 })}
${field({ name: 'city', label: t.city, value: values.city ?? view.address.city, error: errors.city, autocomplete: 'address-level2', maxlength: 100 })}
${field({ name: 'region', label: t.region, value: values.region ?? view.address.region, error: errors.region, autocomplete: 'address-level1', maxlength: 100 })}
${field({ name: 'postalCode', label: t.postalCode, value: values.postalCode ?? view.address.postalCode, error: errors.postalCode, autocomplete: 'postal-code', maxlength: 20 })}
</fieldset><button type="submit">${t.saveDetails}</button></form>
<h2>${t.prefsLegend}</h2><form method="post" action="${e(`${s.base}/preferences`)}">${csrfField(s.csrf)}${choices({
    name: 'channel',
    legend: t.prefChannel,
    items: [
      { value: 'none', label: t.prefNone, checked: prefs.channel === null },
      { value: 'email', label: t.prefEmail, checked: prefs.channel === 'email' },
      { value: 'sms', label: t.prefSms, checked: prefs.channel === 'sms' },
    ],
  })}${choices({
    name: 'time',
    legend: t.prefTime,
    items: [
      { value: 'any', label: t.prefAny, checked: prefs.timeOfDay === null },
      { value: 'morning', label: t.prefMorning, checked: prefs.timeOfDay === 'morning' },
      { value: 'afternoon', label: t.prefAfternoon, checked: prefs.timeOfDay === 'afternoon' },
      { value: 'evening', label: t.prefEvening, checked: prefs.timeOfDay === 'evening' },
    ],
  })}<button type="submit">${t.savePrefs}</button></form>
<h2>${t.optOutLegend}</h2><form method="post" action="${e(`${s.base}/opt-out`)}">${csrfField(s.csrf)}${choices({
    name: 'channel',
    id: 'optout',
    legend: t.optOutLegend,
    type: 'checkbox',
    items: [
      ...(view.email ? [{ value: 'email', label: `${t.optOutEmail}${optedOut('email', view.email) ? ` (${t.optedOut})` : ''}` }] : []),
      ...(view.phone ? [{ value: 'sms', label: `${t.optOutSms}${optedOut('sms', view.phone) ? ` (${t.optedOut})` : ''}` }, { value: 'call', label: `${t.optOutCall}${optedOut('call', view.phone) ? ` (${t.optedOut})` : ''}` }] : []),
    ],
  })}<button type="submit">${t.optOutGo}</button></form>`;
  return render(s, status, t.contactTitle, body, { path });
}

export async function contactPage(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  return contactForm(signed.value, 200, {}, {});
}

export async function contact(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const { t, view } = s;
  const raw = Object.fromEntries(['email', 'phone', 'line1', 'city', 'region', 'postalCode'].map((name) => [name, s.form.get(name)]));
  const errors: Record<string, string> = {};
  const text = (name: string, label: string, max: number, required: boolean) => {
    const checked = plain(t, raw[name] ?? null, { max, required });
    if ('error' in checked) errors[name] = `${label}: ${checked.error}`;
    return 'value' in checked ? checked.value : null;
  };
  const email = text('email', t.email, 254, false);
  if (email && !/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(email)) errors.email = `${t.email}: ${t.notEmail}`;
  const phoneText = text('phone', t.phone, 20, false);
  const phone = phoneText ? phoneText.replace(/[\s().-]/g, '') : null;
  if (phone && !E164.test(phone)) errors.phone = `${t.phone}: ${t.notPhone}`;
  const line1 = text('line1', t.address, 200, true);
  const city = text('city', t.city, 100, true);
  // A US state by its USPS code (its rules, zones and limitation periods are read from it), in either case.
  const regionText = text('region', t.region, 100, true);
  const region = regionText && view.address.country === 'US' ? regionText.toUpperCase() : regionText;
  if (region && !errors.region && regionProblem(view.address.country, region)) errors.region = `${t.region}: ${t.notState}`;
  const postalCode = text('postalCode', t.postalCode, 20, true);
  if (Object.keys(errors).length > 0) return contactForm(s, 400, errors, raw);
  const change: Record<string, unknown> = { reason: 'changed by the debtor on their page', operator: WHO, via: 'debtor_page' };
  if (email !== view.email) change.email = email;
  if (phone !== view.phone) change.phone = phone;
  const address = { line1: line1!, city: city!, region: region!, postalCode: postalCode!, country: view.address.country };
  if (JSON.stringify(address) !== JSON.stringify({ line1: view.address.line1, city: view.address.city, region: view.address.region, postalCode: view.address.postalCode, country: view.address.country })) change.address = address;
  const wantsSms = s.form.get('sms') === 'yes';
  try {
    if (Object.keys(change).length > 3) await changeContactDetails(deps.client, view.creditorId, view.accountId, change);
    // Consent to texts at this number, given by the debtor on the page (TCPA prior express consent).
    if (wantsSms && phone && !(view.smsConsent && phone === view.phone)) {
      await createOptOutRepository(deps.pool).remove('sms', phone, view.creditorId);
      await reportComplianceEvent(deps.client, view.creditorId, view.accountId, { kind: 'opt_in', channel: 'sms', address: phone, source: 'debtor_page' });
    }
  } catch (error) {
    if (error instanceof AccountError) {
      const field = error.field?.replace(/^address\./, '');
      const name = field && field in raw ? field : 'email';
      return contactForm(s, 422, { [name]: `${t.refused}: ${error.message}` }, raw);
    }
    return unavailableOr(deps, ctx, error);
  }
  return redirect(s, '/done/contact');
}

export async function preferences(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const channel = s.form.get('channel');
  const time = s.form.get('time');
  if (!['none', 'email', 'sms'].includes(channel ?? '') || !['any', 'morning', 'afternoon', 'evening'].includes(time ?? '')) return contactForm(s, 400, { channel: `${s.t.prefChannel}: ${s.t.chooseOne}` }, {}, `${s.base}/contact`);
  try {
    await reportComplianceEvent(deps.client, s.view.creditorId, s.view.accountId, { kind: 'contact_preferences', channel: channel === 'none' ? null : channel, timeOfDay: time === 'any' ? null : time, via: 'debtor_page' });
  } catch (error) {
    return unavailableOr(deps, ctx, error);
  }
  return redirect(s, '/done/preferences');
}

export async function optOut(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const channels = s.form.getAll('channel').filter((c): c is 'email' | 'sms' | 'call' => c === 'email' || c === 'sms' || c === 'call');
  if (channels.length === 0) return contactForm(s, 400, { channel: `${s.t.optOutLegend}: ${s.t.chooseOne}` }, {}, `${s.base}/contact`);
  const optOuts = createOptOutRepository(deps.pool);
  try {
    for (const channel of channels) {
      const address = channel === 'email' ? s.view.email : s.view.phone;
      if (!address) continue;
      // Kept first, so it holds at the next contact even if telling the account fails.
      await optOuts.record(channel, address, [s.view.creditorId], 'debtor_page');
      await reportComplianceEvent(deps.client, s.view.creditorId, s.view.accountId, { kind: 'opt_out', channel, address, source: 'debtor_page' });
    }
  } catch (error) {
    return unavailableOr(deps, ctx, error);
  }
  return redirect(s, '/done/opt_out');
}

// ---- a question ------------------------------------------------------------------------------------

function questionForm(s: SignedIn, status: number, errors: Record<string, string>, value: string): ApiResponse {
  const { t } = s;
  const body = `${errorSummary(t, errors)}<p>${t.questionIntro}</p><form method="post" action="${e(`${s.base}/question`)}" novalidate>${csrfField(s.csrf)}${textarea({ name: 'question', label: t.question, value, error: errors.question, required: true, maxlength: 2000 })}<button type="submit">${t.questionGo}</button></form>`;
  return render(s, status, t.questionTitle, body);
}

export async function questionPage(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  return questionForm(signed.value, 200, {}, '');
}

export async function question(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signInForPost(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const raw = s.form.get('question') ?? '';
  const checked = plain(s.t, raw, { max: 2000, required: true, multiline: true });
  if ('error' in checked) return questionForm(s, 400, { question: `${s.t.question}: ${checked.error}` }, raw);
  const questionId = await createDebtorQuestionRepository(deps.pool).ask({ accountKey: s.view.accountKey, creditorId: s.view.creditorId, language: s.lang, text: checked.value! });
  try {
    await reportComplianceEvent(deps.client, s.view.creditorId, s.view.accountId, { kind: 'debtor_question', questionId, text: checked.value, via: 'debtor_page' });
  } catch (error) {
    // The question is kept for a person already; the account learns of it when Temporal is back (the operator's list shows it).
    if (!isUnavailable(error)) throw error;
    deps.log?.(`debtor page: question ${questionId} kept, but the account could not be told (Temporal unavailable)`);
  }
  return redirect(s, '/done/question');
}

// ---- confirmations ---------------------------------------------------------------------------------

export async function done(deps: ApiDeps, ctx: RouteContext): Promise<ApiResponse> {
  const signed = await signIn(deps, ctx);
  if (!signed.ok) return signed.response;
  const s = signed.value;
  const { t, view } = s;
  const what = ctx.params.what ?? '';
  const message = t.done[what];
  if (!message) return messagePage(deps, ctx, 404, 'invalid');
  let detail = '';
  if (what === 'promise' && view.activePromise) detail = `<p>${e(t.promiseActive(money(s, view.activePromise.amountMinor), view.activePromise.date))}</p>`;
  if (what === 'plan' && view.activePlan)
    detail = `<table><caption>${t.schedule}</caption><thead><tr><th scope="col">${t.due}</th><th scope="col" class="num">${t.amount}</th></tr></thead><tbody>${view.activePlan.schedule
      .map((i) => `<tr><td>${e(i.dueDate)}</td><td class="num">${e(money(s, i.amountMinor))}</td></tr>`)
      .join('')}</tbody></table>`;
  return render(s, 200, t.doneTitle, `<p class="notice" role="status">${e(message)}</p>${detail}<p>${t.doneMessage}</p><p><a href="${e(`${s.base}/account`)}">${t.back}</a></p>`);
}

