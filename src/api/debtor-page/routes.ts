/**
 * The debtor's page in the route table (routes.ts spreads these in, so the server and the OpenAPI
 * document list them like every other route). Served only with a PORTAL_SECRET (ApiDeps.debtorPage).
 */
import { createPageLinkSigner } from '../../adapters/debtor-page.repository';
import { debtorPageSettingsFor } from '../../schemas/creditors.schema';
import type { ApiDeps, Route } from '../route';
import * as pageHandlers from './debtor-page';
import { listQuestions, questionAnswered, questionAnsweredBodySchema, revokeLinks, revokeLinksBodySchema } from './operator-api';

const PAGE = '/p/{token}';
const form = { kind: 'raw' as const, mediaTypes: { 'application/x-www-form-urlencoded': 'form' as const }, strictMediaType: true, maxBytes: 16 * 1024 };
const enabled = (deps: ApiDeps) => deps.debtorPage !== undefined;
const LINK_ERRORS = { 404: 'the link is not valid (HTML page)', 410: 'the link has expired or was withdrawn (HTML page)', 503: 'Temporal is unavailable; nothing was changed (HTML page)' };
const POST_ERRORS = { ...LINK_ERRORS, 400: 'a field is wrong: the form again, each error next to its field', 403: 'no valid CSRF token, or posted from another origin: nothing was changed', 415: 'send application/x-www-form-urlencoded', 422: 'refused by the account\'s rules: the form again with the reason' };

const get = (path: string, operationId: string, summary: string, handle: Route['handle'], extra: Partial<Route> = {}): Route => ({
  method: 'GET', path, operationId, tag: 'debtor page', summary, security: 'none', produces: 'text/html', enabled, responses: { 200: 'HTML page', 303: 'to the verification page when there is no session on this link', ...LINK_ERRORS }, handle, ...extra,
});
const post = (path: string, operationId: string, summary: string, handle: Route['handle'], extra: Partial<Route> = {}): Route => ({
  method: 'POST', path, operationId, tag: 'debtor page', summary, security: 'none', produces: 'text/html', enabled, body: form, responses: { 303: 'to the confirmation page', ...POST_ERRORS }, handle, ...extra,
});

/** Signs a link to the page (the SMS PAY reply), as workers sign the links in messages. */
export const pageLinkSigner = (deps: ApiDeps) =>
  createPageLinkSigner({ pool: deps.pool, secret: deps.debtorPage!.secret, baseUrl: deps.debtorPage!.baseUrl, linkDays: (creditorId) => debtorPageSettingsFor(deps.debtorPage!.creditors, creditorId).linkDays });

export const DEBTOR_PAGE_ROUTES: Route[] = [
  get(PAGE, 'debtorPage', 'The debtor\'s page: the verification question (or, with a session on this link, on to the account)', pageHandlers.landing, {
    description: 'The link in every message: a token of a link id and its MAC (PORTAL_SECRET), valid for the creditor\'s `debtorPage.linkDays`, revocable. Nothing about the debt is shown before the verification question is answered.',
    query: [{ name: 'lang', type: 'string', description: 'en or es (kept for the link in a cookie)' }],
  }),
  post(`${PAGE}/verify`, 'debtorPageVerify', 'Answer the verification question (postal code or last four of the account, as the creditor chooses)', pageHandlers.verify, {
    description: 'A right answer opens a 30-minute session on this link (HttpOnly cookie). Every answer is kept; after the creditor\'s `maxWrongAnswers` wrong answers in 24 hours the account\'s links are locked (429).',
    responses: { 303: 'to the account (session cookie set)', ...POST_ERRORS, 400: 'wrong answer (the form again, with the attempts left)', 429: 'locked after too many wrong answers' },
  }),
  get(`${PAGE}/account`, 'debtorPageAccount', 'The balance, its itemization, the validation period, documents and what the debtor can do', pageHandlers.overview),
  get(`${PAGE}/validation-notice.pdf`, 'debtorPageValidationNotice', 'The validation notice as mailed (PDF)', (deps, ctx) => pageHandlers.documentPdf(deps, ctx, 'validation-notice'), { produces: 'application/pdf' }),
  get(`${PAGE}/statement.pdf`, 'debtorPageStatement', 'A statement of account from the ledger (PDF)', (deps, ctx) => pageHandlers.documentPdf(deps, ctx, 'statement'), { produces: 'application/pdf' }),
  get(`${PAGE}/pay`, 'debtorPagePayForm', 'Pay in full or in part', pageHandlers.payPage),
  post(`${PAGE}/pay`, 'debtorPagePay', 'Start a payment: on to the creditor\'s processor (its hosted checkout)', pageHandlers.pay, { responses: { 303: 'to the processor\'s checkout page', ...POST_ERRORS } }),
  get(`${PAGE}/payments/{checkoutId}`, 'debtorPagePaymentReturn', 'Back from the processor: paid, declined or not finished', pageHandlers.paymentReturn),
  get(`${PAGE}/promise`, 'debtorPagePromiseForm', 'Promise to pay on a date', pageHandlers.promisePage),
  post(`${PAGE}/promise`, 'debtorPagePromise', 'Record a promise (the recordPromise update, channel debtor_page)', pageHandlers.promise),
  get(`${PAGE}/plans`, 'debtorPagePlans', 'Plans from the debtor\'s income and expenses', pageHandlers.plansPage, {
    query: [{ name: 'income', type: 'string', description: 'monthly income' }, { name: 'expenses', type: 'string', description: 'monthly essential expenses' }],
  }),
  post(`${PAGE}/plans`, 'debtorPageChoosePlan', 'Accept a plan (the acceptPlan update, via debtor_page)', pageHandlers.choosePlan),
  get(`${PAGE}/dispute`, 'debtorPageDisputeForm', 'Dispute all or part of the debt, or ask for the original creditor', pageHandlers.disputePage),
  post(`${PAGE}/dispute`, 'debtorPageDispute', 'A dispute or a request for the original creditor (complianceEvent signal, via debtor_page)', pageHandlers.dispute),
  get(`${PAGE}/contact`, 'debtorPageContactForm', 'Contact details, preferences and opt-outs', pageHandlers.contactPage),
  post(`${PAGE}/contact`, 'debtorPageContact', 'New contact details (the changeContactDetails update) and consent to texts', pageHandlers.contact),
  post(`${PAGE}/preferences`, 'debtorPagePreferences', 'Preferred channel and time of day', pageHandlers.preferences),
  post(`${PAGE}/opt-out`, 'debtorPageOptOut', 'Stop email, texts or calls (kept durably first, then the account told)', pageHandlers.optOut),
  get(`${PAGE}/question`, 'debtorPageQuestionForm', 'Ask a question', pageHandlers.questionPage),
  post(`${PAGE}/question`, 'debtorPageQuestion', 'A question kept for a person (debtor_questions, and the account told)', pageHandlers.question),
  get(`${PAGE}/done/{what}`, 'debtorPageDone', 'The confirmation page of an action', pageHandlers.done),
  post(`${PAGE}/sign-out`, 'debtorPageSignOut', 'End the session', pageHandlers.signOut, { responses: { 303: 'to the verification page', ...POST_ERRORS } }),
];

const KEY_ERRORS = { 400: 'invalid_field (with `field`) or malformed_body', 401: 'unauthorized: missing, unknown or revoked API key', 415: 'unsupported_media_type: send application/json', 503: 'unavailable: retry later' };

/** What operators do about the page, with an API key of the account's creditor. */
export const DEBTOR_PAGE_OPERATOR_ROUTES: Route[] = [
  {
    method: 'GET', path: '/v1/questions', operationId: 'listQuestions', tag: 'debtor page', summary: 'Questions debtors wrote on their page, waiting for a person',
    description: 'The API key\'s creditor\'s questions, oldest first; `?status=all` includes those answered. Accounts with an open question are also found by the search attribute `DunningQuestionOpen = true`.',
    security: 'apiKey', query: [{ name: 'status', type: 'string', description: 'open (default) or all' }],
    responses: { 200: '`{questions: [{questionId, accountId, askedAt, language, text, status, answeredAt, answeredBy, note}]}`', 401: KEY_ERRORS[401] },
    handle: listQuestions,
  },
  {
    method: 'POST', path: '/v1/accounts/{accountId}/questions/{questionId}/answered', operationId: 'questionAnswered', tag: 'debtor page', summary: 'A person answered the question (by phone, mail…)',
    description: 'Marks it answered once, naming the API key; the account is told, so the question leaves its details and DunningQuestionOpen.',
    security: 'apiKey', body: { kind: 'json', schema: questionAnsweredBodySchema },
    responses: { 200: '`{questionId, status: "answered"}`', 404: 'unknown_question (also another creditor\'s)', 409: 'already_answered', ...KEY_ERRORS },
    handle: questionAnswered,
  },
  {
    method: 'POST', path: '/v1/accounts/{accountId}/page-links/revoke', operationId: 'revokePageLinks', tag: 'debtor page', summary: 'Withdraw every link to the account\'s page (and the sessions on them)',
    description: 'For a lost phone or a forwarded message: every link issued so far answers 410 from now on; the next message carries a new one.',
    security: 'apiKey', body: { kind: 'json', schema: revokeLinksBodySchema },
    responses: { 200: '`{accountId, revoked}`: how many open links were withdrawn', ...KEY_ERRORS },
    handle: revokeLinks,
  },
];
