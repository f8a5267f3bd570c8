/**
 * The debtor's own page end to end, in headless Chromium (Debian's package, through
 * playwright-core), through the running product (test/helpers/product.ts: dev server, worker,
 * Postgres, sinks, the loopback payment processor, the HTTP service): the link from a real email,
 * the verification question, then every action — pay (a declined card, a good one, one returned
 * later), promise, plan, dispute of part of the debt, the original creditor, contact details,
 * preferences, opt-out, a question — each checked in the workflow's state, the ledger and the
 * message the debtor gets afterwards. axe-core checks every page (no serious or critical
 * violation of WCAG 2.0/2.1 A and AA); screenshots of each page go to test-artifacts/.
 *
 * Attacks, each refused with nothing changed: an expired, a forged, an altered and a revoked link;
 * the link of another account (its session and its CSRF token); guessing the verification fact
 * past the limit; a form without its CSRF token and one from another origin; HTML in every
 * free-text field.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createDebtorPageRepository, linkIdFor, linkToken } from '../src/adapters/debtor-page.repository';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { createPaymentAttemptRepository } from '../src/adapters/payment-attempt.repository';
import { createStripeStyleProcessor } from '../src/adapters/payment-processor';
import { accountState, debtorPage, enrollAccount } from '../src/client/accounts.client';
import { createPaymentActivities } from '../src/activities/payment.activities';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { renderSettings, SHIPPED_SECRETS } from '../src/schemas/config.schema';
import { makeDaytimeAccount, ROOT, standardCadence } from './helpers/fixtures';
import { readPdf } from './helpers/pdf-text';
import { startTestProduct, type TestProduct } from './helpers/product';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SECRET = SHIPPED_SECRETS.PORTAL_SECRET;

function findChromium(): string {
  if (process.env.CHROMIUM_UNAVAILABLE) assert.fail(process.env.CHROMIUM_UNAVAILABLE);
  const path = process.env.CHROMIUM_PATH;
  assert.ok(path, 'CHROMIUM_PATH is not set: run the suite with `npm test`, which finds or installs Chromium (scripts/ensure-chromium.sh)');
  assert.ok(existsSync(path), `CHROMIUM_PATH=${path} does not exist`);
  return path;
}

async function eventually<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let product: TestProduct;
let browser: Browser;
const checked: string[] = [];

before(async () => {
  const executablePath = findChromium();
  product = await startTestProduct({ paymentReturnAfterMs: 3_000 });
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close().catch(() => undefined);
  await product?.stop();
});

// ---- helpers ----------------------------------------------------------------------------------------

async function enroll(overrides: Partial<AccountProfile> = {}): Promise<AccountProfile> {
  const account = makeDaytimeAccount({ creditorId: 'cred-metro-power', balanceMinor: 240_00, ...overrides });
  const result = await enrollAccount(product.client, { account, cadence: standardCadence(), settings: renderSettings(product.settings), creditors: product.creditors, taskQueue: product.temporal.taskQueue });
  assert.equal(result.status, 'started');
  return account;
}

const emailsTo = (account: AccountProfile) => product.sinks.smtp!.messages().filter((m) => m.to.includes(account.email!));
const LINK = /http:\/\/127\.0\.0\.1:\d+\/p\/[A-Za-z0-9_-]{43}/;

/** The signed link in the first email the account's cadence sent. */
async function linkOf(account: AccountProfile): Promise<string> {
  const email = await eventually(async () => emailsTo(account).find((m) => LINK.test(m.text)), `the first email to ${account.accountId}`);
  assert.doesNotMatch(email.text, new RegExp(`/${account.creditorId}/${account.accountId}`), 'the unsigned link never goes out');
  return LINK.exec(email.text)![0];
}

/** The confirmation the debtor gets afterwards (by subject). */
const messageAfter = (account: AccountProfile, subject: RegExp) => eventually(async () => emailsTo(account).find((m) => subject.test(m.subject)), `an email "${subject.source}" to ${account.accountId}`);

async function axe(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate(async () => {
    const scope = globalThis as unknown as { axe: { run(ctx: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> }; document: unknown };
    return scope.axe.run(scope.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  })) as { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] };
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(bad, [], `axe-core on ${name}`);
  checked.push(name);
}

async function snap(page: Page, name: string, t: TestContext): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `debtor-page-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
}

/** Checks the page with axe-core and keeps its screenshot. */
const look = async (page: Page, name: string, t: TestContext) => {
  await axe(page, name);
  await snap(page, name, t);
};

/** A phone-sized browser with its own cookies, on the verified account page. */
async function signIn(link: string, answer: string, options: { lang?: 'es' } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: options.lang === 'es' ? 'es-US' : 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(link);
  await page.getByRole('textbox').fill(answer);
  await page.getByRole('button', { name: options.lang === 'es' ? 'Continuar' : 'Continue' }).click();
  await page.waitForURL(/\/account$/);
  return { context, page };
}

const state = (a: AccountProfile) => accountState(product.client, a.creditorId, a.accountId);
const view = (a: AccountProfile) => debtorPage(product.client, a.creditorId, a.accountId);
const key = (a: AccountProfile) => accountKey(a.creditorId, a.accountId);

async function form(link: string, path: string, cookie: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${link}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString() });
}

/** A session on a link without a browser: its cookie and its CSRF token. */
async function session(link: string, answer: string): Promise<{ cookie: string; csrf: string }> {
  const first = await fetch(link);
  const pre = first.headers.getSetCookie().find((c) => c.startsWith('dp_pre='))!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())![1]!;
  const verified = await form(link, '/verify', pre, { csrf, answer });
  assert.equal(verified.status, 303);
  const cookie = verified.headers.getSetCookie().find((c) => c.startsWith('dp_s='))!.split(';')[0]!;
  const account = await (await fetch(`${link}/account`, { headers: { cookie } })).text();
  return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(account)![1]! };
}

// ---- the tests --------------------------------------------------------------------------------------

describe('the debtor\'s page in a browser', () => {
  it('asks the verification question before anything about the debt, locks after too many wrong answers, then shows the account in English and Spanish', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const link = await linkOf(account);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const response = await page.goto(link);
    const headers = response!.headers();
    assert.match(headers['content-security-policy']!, /default-src 'none'/);
    assert.match(headers['content-security-policy']!, /frame-ancestors 'none'/);
    assert.doesNotMatch(headers['content-security-policy']!, /script-src|unsafe-inline/);
    assert.equal(headers['referrer-policy'], 'no-referrer');
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['cache-control'], 'no-store');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    const before = await page.content();
    for (const secret of [account.debtorName, '240.00', account.accountId, 'Metro Power']) assert.ok(!before.includes(secret), `"${secret}" is not shown before verification`);
    await look(page, 'verify', t);

    await page.getByLabel(/postal code/).fill('99999');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#f-answer-error').getByText('You can try 4 more times').waitFor();
    await look(page, 'verify-wrong-answer', t);
    assert.ok(!(await page.content()).includes('240.00'));

    await page.getByLabel(/postal code/).fill(account.address.postalCode);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your account with Metro Power & Light' }).waitFor();
    const periodEnds = (await view(account)).validationPeriodEnds!;
    await page.getByText(`until ${periodEnds}`).waitFor();
    await page.getByText('$240.00').first().waitFor();
    await page.getByRole('cell', { name: 'Opening balance' }).waitFor();
    await look(page, 'account', t);

    await page.getByRole('link', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Su cuenta con Metro Power & Light' }).waitFor();
    await page.getByText(`hasta el ${periodEnds}`).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    await look(page, 'account-es', t);
    await page.getByRole('link', { name: 'Pagar ahora' }).click();
    await look(page, 'pay-es', t);

    // The validation notice as mailed, and a statement from the ledger, as PDFs.
    await page.goto(`${link}/account?lang=en`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Validation notice (PDF)' }).click()]);
    const notice = await readPdf(readFileSync((await download.path())!));
    assert.match(notice.text, /validation|debt collector/i);
    const statement = await context.request.get(`${link}/statement.pdf`);
    assert.equal(statement.headers()['content-type'], 'application/pdf');
    const pdf = await readPdf(Buffer.from(await statement.body()));
    assert.match(pdf.text, new RegExp(`Account: ${account.accountId}`));
    assert.match(pdf.text, /Amount due: \$240\.00/);

    // Every answer is kept; wrong ones counted for the lock.
    const { rows } = await product.pool.query<{ succeeded: boolean }>('SELECT succeeded FROM debtor_page_verifications WHERE account_key = $1 ORDER BY id', [key(account)]);
    assert.deepEqual(rows.map((r) => r.succeeded), [false, true]);
    assert.ok(product.lines.some((l) => l.includes(`wrong answer on link`) && l.includes(key(account))), 'the wrong answer is logged');
    assert.ok(!product.lines.some((l) => l.includes(account.address.postalCode) || l.includes(account.debtorName)), 'no personal data in the log');
    await context.close();
  });

  it('pays part of the balance through the processor: a declined card first, then a good one; the ledger, the state and a receipt', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const link = await linkOf(account);
    const { context, page } = await signIn(link, account.address.postalCode);
    await page.getByRole('link', { name: 'Pay now' }).click();
    await look(page, 'pay', t);
    await page.getByLabel('Another amount').check();
    await page.getByLabel('Amount in dollars').fill('50.00');
    await page.getByRole('button', { name: 'Continue to secure payment' }).click();
    await page.waitForURL(/\/checkout\/cs_test_/);
    await page.getByText('$50.00').first().waitFor();
    await look(page, 'processor-checkout', t);
    await page.getByLabel('Card number').fill('4000 0000 0000 9995');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByText('Your card has insufficient funds.').waitFor();
    await eventually(async () => (await view(account)).selfService.paymentAttempts.find((a) => a.status === 'declined' && a.declineCode === 'insufficient_funds'), 'the declined attempt recorded on the account');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.waitForURL(/\/payments\/cs_test_/);
    await page.getByRole('heading', { name: 'Thank you for your payment' }).waitFor();
    await look(page, 'paid', t);
    const paid = await eventually(async () => (await state(account)).payments.find((p) => p.status === 'posted'), 'the payment posted');
    assert.equal(paid.amount.amountMinor, 50_00);
    assert.match(paid.paymentId, /^pi_test_/);
    assert.equal((await state(account)).balance.amountMinor, 190_00);
    const ledger = await createLedgerRepository(product.pool).statement(key(account));
    assert.deepEqual(ledger.map((l) => [l.kind, l.creditMinor]), [['charge', 0], ['payment', 50_00]]);
    const receipt = await messageAfter(account, /We received your payment/);
    assert.match(receipt.text, /payment of \$50\.00/);
    const attempts = await createPaymentAttemptRepository(product.pool).forAccount(key(account));
    assert.deepEqual(attempts.map((a) => [a.kind, a.status]), [['checkout', 'succeeded']]);
    await context.close();
  });

  it('a card paid in full and returned later: the account is paid, then reopened with the return reversed in the ledger', { timeout: 120_000 }, async () => {
    const account = await enroll({ balanceMinor: 80_00 });
    const link = await linkOf(account);
    const { context, page } = await signIn(link, account.address.postalCode);
    await page.getByRole('link', { name: 'Pay now' }).click();
    await page.getByRole('button', { name: 'Continue to secure payment' }).click();
    await page.getByLabel('Card number').fill('4000 0000 0000 0259');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByRole('heading', { name: 'Thank you for your payment' }).waitFor();
    await eventually(async () => (await state(account)).stage === 'paid', 'the account paid');
    await eventually(async () => (await state(account)).payments[0]?.status === 'reversed', 'the chargeback reversing the payment', 30_000);
    const after = await state(account);
    assert.equal(after.balance.amountMinor, 80_00 + 15_00, 'the balance is back, with the creditor\'s returned-payment fee');
    assert.notEqual(after.stage, 'paid');
    const ledger = await createLedgerRepository(product.pool).statement(key(account));
    assert.ok(ledger.some((l) => l.kind === 'reversal'));
    await context.close();
  });

  it('promises to pay, and sets up a plan from a budget on another account: the state, the schedule and the messages afterwards', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const { context, page } = await signIn(await linkOf(account), account.address.postalCode);
    await page.getByRole('link', { name: 'Promise to pay on a date' }).click();
    await look(page, 'promise', t);
    const date = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Amount in dollars').fill('100');
    await page.getByLabel('Pay by (date)').fill(date);
    await page.getByRole('button', { name: 'Record my promise' }).click();
    await page.getByText('Your promise to pay is recorded.').waitFor();
    await page.getByText(`You promised to pay $100.00 by ${date}.`).waitFor();
    await look(page, 'promise-done', t);
    const promised = await state(account);
    assert.equal(promised.stage, 'promised');
    assert.deepEqual(promised.arrangements!.promises.map((p) => [p.amountMinor, p.date, p.channel]), [[100_00, date, 'debtor_page']]);
    assert.match((await messageAfter(account, /Your promise to pay is recorded/)).text, new RegExp(`\\$100\\.00 by ${date}`));
    await context.close();

    const other = await enroll();
    const second = await signIn(await linkOf(other), other.address.postalCode);
    await second.page.getByRole('link', { name: 'Set up a payment plan' }).click();
    await second.page.getByLabel('Monthly income in dollars').fill('3000');
    await second.page.getByLabel('Monthly essential expenses in dollars').fill('2600');
    await second.page.getByRole('button', { name: 'Show plans' }).click();
    await second.page.getByRole('heading', { name: 'Plans you can choose' }).waitFor();
    await look(second.page, 'plans', t);
    await second.page.getByRole('button', { name: 'Choose the monthly plan' }).click();
    await second.page.getByText('Your payment plan is set up.').waitFor();
    await look(second.page, 'plan-done', t);
    const planned = await state(other);
    assert.equal(planned.stage, 'on_plan');
    const plan = planned.arrangements!.plans[0]!;
    assert.equal(plan.terms.frequency, 'monthly');
    assert.equal(await second.page.getByRole('row').count(), plan.schedule.length + 1, 'the schedule is shown');
    assert.match((await messageAfter(other, /Your payment plan is set up/)).text, new RegExp(`${plan.schedule.length} payments`));
    await second.context.close();
  });

  it('disputes part of the debt, and asks for the original creditor on another account: collection holds, the messages ask for nothing', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const { context, page } = await signIn(await linkOf(account), account.address.postalCode);
    await page.getByRole('link', { name: /Dispute the debt/ }).click();
    await look(page, 'dispute', t);
    await page.getByLabel('I dispute part of the debt').check();
    await page.getByLabel(/Amount disputed/).fill('40');
    await page.getByLabel(/Why\?/).fill('The late fee was never explained');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('We received your dispute.').waitFor();
    await look(page, 'dispute-done', t);
    const disputed = await view(account);
    assert.equal(disputed.dispute, 'pending_verification');
    assert.equal(disputed.selfService.disputedAmountMinor, 40_00);
    const message = await messageAfter(account, /We received your dispute/);
    assert.match(message.text, /dispute of \$40\.00/);
    assert.doesNotMatch(message.text, /\/p\/|\$240/, 'no link and no amount due while collection is suspended');
    await page.getByRole('link', { name: 'Back to your account' }).click();
    await page.getByText('Collection is on hold').waitFor();
    await context.close();

    const other = await enroll();
    const second = await signIn(await linkOf(other), other.address.postalCode);
    await second.page.getByRole('link', { name: /Dispute the debt/ }).click();
    await second.page.getByLabel('I want the name and address of the original creditor').check();
    await second.page.getByRole('button', { name: 'Send' }).click();
    await second.page.getByText('We received your request.').waitFor();
    const requested = await view(other);
    assert.equal(requested.dispute, 'pending_verification');
    assert.equal(requested.selfService.originalCreditorRequested, true);
    await messageAfter(other, /We received your request/);
    await second.context.close();
  });

  it('changes contact details with consent to texts, a preferred channel and time, opts out of email: the state and the messages', { timeout: 120_000 }, async (t) => {
    const account = await enroll({ consent: { email: true, sms: false } });
    const { context, page } = await signIn(await linkOf(account), account.address.postalCode);
    await page.getByRole('link', { name: /contact details/ }).click();
    await look(page, 'contact', t);
    await page.getByLabel('Email address').fill(`new.${account.email}`);
    await page.getByLabel('Street address').fill('22 Elm St');
    await page.getByLabel('State', { exact: true }).fill('ny');
    await page.getByLabel(/text messages about this account/).check();
    await page.getByRole('button', { name: 'Save my details' }).click();
    await page.getByText('Your contact details were saved.').waitFor();
    const changed = await view(account);
    assert.equal(changed.email, `new.${account.email}`);
    assert.equal(changed.address.line1, '22 Elm St');
    assert.equal(changed.address.region, 'NY', 'a US state is kept by its code, in capitals');
    assert.equal(changed.smsConsent, true);
    await eventually(async () => product.sinks.smtp!.messages().find((m) => m.to.includes(`new.${account.email}`) && /contact details were changed/.test(m.subject)), 'the confirmation at the new address');

    await page.getByRole('link', { name: 'Your account', exact: true }).click();
    await page.getByRole('link', { name: /contact details/ }).click();
    await page.getByRole('group', { name: 'Preferred channel' }).getByLabel('Text message').check();
    await page.getByLabel('Evening (5 pm to 9 pm)').check();
    await page.getByRole('button', { name: 'Save my preferences' }).click();
    await page.getByText('Your preferences were saved.').waitFor();
    assert.deepEqual((await view(account)).selfService.preferences, { channel: 'sms', timeOfDay: 'evening' });

    await page.getByRole('link', { name: 'Your account', exact: true }).click();
    await page.getByRole('link', { name: /contact details/ }).click();
    await page.getByRole('group', { name: 'Stop contacting me by' }).getByLabel('Email').check();
    await page.getByRole('button', { name: 'Stop these' }).click();
    await page.getByText('We will stop contacting you that way.').waitFor();
    await look(page, 'opt-out-done', t);
    const optedOut = await view(account);
    assert.ok(optedOut.optOuts.some((o) => o.channel === 'email' && o.address === `new.${account.email}`));
    const { rowCount } = await product.pool.query('SELECT 1 FROM address_opt_outs WHERE channel = $1 AND address = $2', ['email', `new.${account.email}`.toLowerCase()]);
    assert.equal(rowCount, 1, 'kept durably first');
    // The opt-out is confirmed by text (the preferred channel), never by the email opted out of.
    await eventually(async () => product.sinks.twilio!.messages().find((m) => m.to === account.phone && /no longer contact you by email/.test(m.body)), 'the opt-out confirmed by text');
    await context.close();
  });

  it('asks a question: kept for a person, found by operators (REST, search attribute, details), answered', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const { context, page } = await signIn(await linkOf(account), account.address.postalCode);
    await page.getByRole('link', { name: 'Ask us a question' }).click();
    await look(page, 'question', t);
    await page.getByLabel('Your question').fill('Why is the amount higher than my last bill?\nThank you.');
    await page.getByRole('button', { name: 'Send my question' }).click();
    await page.getByText('We received your question.').waitFor();
    await look(page, 'question-done', t);
    await messageAfter(account, /We received your question/);
    const keys = JSON.parse(readFileSync(join(product.dataDir, 'api-keys.local.json'), 'utf8')) as Record<string, { key: string }>;
    const auth = { authorization: `Bearer ${keys['cred-metro-power']!.key}` };
    const listed = (await (await fetch(`${product.apiUrl}/v1/questions`, { headers: auth })).json()) as { questions: { questionId: string; accountId: string; text: string }[] };
    const question = listed.questions.find((q) => q.accountId === account.accountId)!;
    assert.equal(question.text, 'Why is the amount higher than my last bill?\nThank you.');
    await eventually(async () => (await product.client.workflow.count(`DunningQuestionOpen = true AND DunningAccountId = '${account.accountId}'`)).count === 1, 'the account found by DunningQuestionOpen');
    const answered = await fetch(`${product.apiUrl}/v1/accounts/${account.accountId}/questions/${question.questionId}/answered`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'called back' }) });
    assert.equal(answered.status, 200);
    await eventually(async () => (await view(account)).selfService.questions[0]?.status === 'answered', 'the question answered on the account');
    // Another creditor's key sees none of it.
    const other = (await (await fetch(`${product.apiUrl}/v1/questions`, { headers: { authorization: `Bearer ${keys['cred-swift-auto']!.key}` } })).json()) as { questions: unknown[] };
    assert.ok(!JSON.stringify(other).includes(account.accountId));
    await context.close();
  });

  it('retries a failed automatic payment from the card on file: scheduled by the decline code, never for a final one; a retry charges once', { timeout: 120_000 }, async () => {
    const account = await enroll();
    await linkOf(account);
    const processor = createStripeStyleProcessor({ apiBaseUrl: product.sinks.payments!.baseUrl, secretKey: product.sinks.payments!.secretKey });
    // The creditor's billing system charges the card it keeps: declined, and the processor tells the product.
    const declined = await processor.chargeSavedMethod({ amountMinor: 60_00, currency: 'USD', paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds', idempotencyKey: `auto-${account.accountId}`, metadata: { creditorId: account.creditorId, accountId: account.accountId, automatic: 'true' } });
    assert.equal(declined.declineCode, 'insufficient_funds');
    const scheduled = await eventually(async () => (await state(account)).steps!.find((s) => s.label === 'card retry scheduled'), 'the retry scheduled');
    const at = Date.parse(/at (\S+):/.exec(scheduled.detail!)![1]!);
    assert.ok(Math.abs(at - (Date.now() + 3 * 86_400_000)) < 120_000, 'insufficient funds: 3 days later');

    const lost = await enroll();
    await linkOf(lost);
    await processor.chargeSavedMethod({ amountMinor: 60_00, currency: 'USD', paymentMethod: 'pm_card_chargeDeclinedLostCard', idempotencyKey: `auto-${lost.accountId}`, metadata: { creditorId: lost.creditorId, accountId: lost.accountId, automatic: 'true' } });
    await eventually(async () => (await view(lost)).selfService.paymentAttempts.find((a) => a.status === 'not_retried' && /lost_card/.test(a.detail)), 'a lost card never retried');

    // The retry itself (the chargeOnFile activity) against the processor: charged once per idempotency key, kept.
    const activities = createPaymentActivities({ processors: { forCreditor: () => processor }, attempts: createPaymentAttemptRepository(product.pool) });
    const input = { accountKey: key(account), creditorId: account.creditorId, accountId: account.accountId, idempotencyKey: `${key(account)}/card-retry/auto-1/1`, originalPaymentId: 'auto-1', attempt: 1, amountMinor: 60_00, currency: 'USD', paymentMethod: 'pm_card_visa' };
    const first = await activities.chargeOnFile(input);
    const again = await activities.chargeOnFile(input);
    assert.equal(first.status, 'succeeded');
    assert.equal(again.paymentId, first.paymentId, 'the same charge, not a second one');
    assert.equal(product.sinks.payments!.intents().filter((i) => i.metadata.retryOf === 'auto-1').length, 1);
    const kept = await createPaymentAttemptRepository(product.pool).forAccount(key(account));
    assert.deepEqual(kept.map((a) => [a.kind, a.status]), [['retry', 'succeeded']]);
    const refused = await activities.chargeOnFile({ ...input, idempotencyKey: `${input.idempotencyKey}-b`, paymentMethod: 'pm_card_chargeDeclinedProcessingError' });
    assert.deepEqual([refused.status, refused.declineCode], ['declined', 'processing_error']);
  });
});

describe('attacks on the debtor\'s page: each refused, nothing changed', () => {
  it('an expired, a forged, an altered and a revoked link', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const link = await linkOf(account);
    const base = link.replace(/\/[^/]+$/, '');
    const repo = createDebtorPageRepository(product.pool);
    const expiredId = linkIdFor(SECRET, `${key(account)}/test-expired`);
    await repo.issue({ linkId: expiredId, accountKey: key(account), creditorId: account.creditorId, issuedFor: `${key(account)}/test-expired`, issuedAt: new Date(Date.now() - 40 * 86_400_000), days: 30 });
    const page = await (await browser.newContext()).newPage();
    assert.equal((await page.goto(`${base}/${linkToken(SECRET, expiredId)}`))!.status(), 410);
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    await look(page, 'link-expired', t);

    const forged = `${base}/${linkToken('someone-elses-secret-of-16+', expiredId)}`;
    assert.equal((await page.goto(forged))!.status(), 404);
    await page.getByRole('heading', { name: 'This link does not work' }).waitFor();
    await look(page, 'link-invalid', t);
    const token = link.split('/').pop()!;
    const altered = `${base}/${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    assert.equal((await fetch(altered)).status, 404);
    assert.equal((await fetch(`${base}/${'A'.repeat(43)}`)).status, 404);

    // A live session ends with its link: revoked through the REST API, the next request is refused.
    const { cookie } = await session(link, account.address.postalCode);
    assert.equal((await fetch(`${link}/account`, { headers: { cookie } })).status, 200);
    const keys = JSON.parse(readFileSync(join(product.dataDir, 'api-keys.local.json'), 'utf8')) as Record<string, { key: string }>;
    const revoked = await fetch(`${product.apiUrl}/v1/accounts/${account.accountId}/page-links/revoke`, { method: 'POST', headers: { authorization: `Bearer ${keys['cred-metro-power']!.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'phone lost' }) });
    assert.equal(revoked.status, 200);
    const afterRevoke = await fetch(`${link}/account`, { headers: { cookie } });
    assert.equal(afterRevoke.status, 410);
    assert.doesNotMatch(await afterRevoke.text(), /240\.00/);
    assert.ok(product.lines.some((l) => l.includes('a link that is not ours was refused')));
  });

  it('the link of another account: its session and its CSRF token open nothing there', { timeout: 120_000 }, async () => {
    const mine = await enroll();
    const theirs = await enroll({ address: { line1: '9 Oak St', city: 'Springfield', region: 'NY', postalCode: '10002', country: 'US' } });
    const myLink = await linkOf(mine);
    const theirLink = await linkOf(theirs);
    const { cookie, csrf } = await session(myLink, mine.address.postalCode);
    const looked = await fetch(`${theirLink}/account`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(looked.status, 303, 'to their verification question');
    assert.equal(looked.headers.get('location'), new URL(theirLink).pathname);
    const posted = await form(theirLink, '/promise', cookie, { csrf, amount: '10', date: new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10) });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), new URL(theirLink).pathname);
    // Their postal code does not open my link either: the question is about the link's own account.
    const first = await fetch(myLink);
    const pre = first.headers.getSetCookie()[0]!.split(';')[0]!;
    const preCsrf = /name="csrf" value="([^"]+)"/.exec(await first.text())![1]!;
    assert.equal((await form(myLink, '/verify', pre, { csrf: preCsrf, answer: theirs.address.postalCode })).status, 400);
    assert.equal((await state(theirs)).arrangements!.promises.length, 0);
  });

  it('guessing the verification fact past the limit locks the account\'s links, even for the right answer; every try is kept', { timeout: 120_000 }, async (t) => {
    const account = await enroll({ creditorId: 'cred-first-card' });
    const link = await linkOf(account);
    const first = await fetch(link);
    const pre = first.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())![1]!;
    // First Card asks for the last four of the account number and allows three wrong answers.
    assert.match(await (await fetch(link)).text(), /last four characters of your account number/);
    const statuses: number[] = [];
    for (const guess of ['0000', '1111', '2222']) statuses.push((await form(link, '/verify', pre, { csrf, answer: guess })).status);
    assert.deepEqual(statuses, [400, 400, 429]);
    const right = await form(link, '/verify', pre, { csrf, answer: account.accountId.slice(-4) });
    assert.equal(right.status, 429, 'locked: the right answer is not even checked');
    assert.equal(right.headers.getSetCookie().length, 0, 'no session');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('textbox').fill(account.accountId.slice(-4));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Too many attempts' }).waitFor();
    await look(page, 'locked', t);
    const { rows } = await product.pool.query<{ n: string }>('SELECT count(*) AS n FROM debtor_page_verifications WHERE account_key = $1 AND NOT succeeded', [key(account)]);
    assert.equal(Number(rows[0]!.n), 3);
    assert.ok(product.lines.some((l) => l.includes('is locked') && l.includes(key(account))));
    await context.close();
  });

  it('a form without its CSRF token, with another session\'s token, or from another origin', { timeout: 120_000 }, async () => {
    const account = await enroll();
    const link = await linkOf(account);
    const { cookie, csrf } = await session(link, account.address.postalCode);
    const date = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const attempts = [
      await form(link, '/promise', cookie, { amount: '10', date }),
      await form(link, '/promise', cookie, { amount: '10', date, csrf: csrf.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
      await form(link, '/promise', cookie, { amount: '10', date, csrf }, { origin: 'https://evil.example' }),
      await form(link, '/dispute', cookie, { what: 'all' }),
      await form(link, '/opt-out', cookie, { channel: 'email' }),
      await form(link, '/question', cookie, { question: 'hello' }),
    ];
    assert.deepEqual(attempts.map((r) => r.status), [403, 403, 403, 403, 403, 403]);
    const now = await view(account);
    assert.equal(now.activePromise, null);
    assert.equal(now.dispute, 'none');
    assert.deepEqual(now.optOuts, []);
    assert.equal((await product.pool.query('SELECT 1 FROM debtor_questions WHERE account_key = $1', [key(account)])).rowCount, 0);
    // The same form with its token goes through.
    assert.equal((await form(link, '/promise', cookie, { amount: '10', date, csrf })).status, 303);
  });

  it('HTML in every free-text field is refused, naming the field, and nothing changes', { timeout: 120_000 }, async (t) => {
    const account = await enroll();
    const link = await linkOf(account);
    const { cookie, csrf } = await session(link, account.address.postalCode);
    const markup = '<a href="https://evil.example">Pay here</a>';
    const contact = { csrf, email: account.email!, phone: account.phone!, line1: account.address.line1, city: account.address.city, region: account.address.region, postalCode: account.address.postalCode };
    const cases: [string, Record<string, string>, string][] = [
      ['/question', { csrf, question: markup }, 'Your question'],
      ['/question', { csrf, question: 'see <script>alert(1)</script>' }, 'Your question'],
      ['/dispute', { csrf, what: 'all', reason: markup }, 'Why?'],
      ['/contact', { ...contact, line1: markup }, 'Street address'],
      ['/contact', { ...contact, city: '<b>x</b>' }, 'City'],
      ['/contact', { ...contact, region: '&#60;x' }, 'State'],
      ['/contact', { ...contact, postalCode: '<img src=x>' }, 'ZIP code'],
      ['/contact', { ...contact, email: '<x>@example.test' }, 'Email address'],
      ['/contact', { ...contact, phone: '<1>' }, 'Mobile phone number'],
      ['/pay', { csrf, choice: 'other', amount: '<b>5</b>' }, 'Amount in dollars'],
      ['/promise', { csrf, amount: '<i>5</i>', date: '2030-01-01' }, 'Amount in dollars'],
      ['/plans', { csrf, frequency: 'monthly', income: '<u>1</u>', expenses: '0' }, 'Monthly income'],
    ];
    const spelled = await form(link, '/contact', cookie, { ...contact, region: 'New York' });
    assert.equal(spelled.status, 400);
    assert.match(await spelled.text(), /State: must be the two-letter state code, such as NY/);
    for (const [path, body, label] of cases) {
      const response = await form(link, path, cookie, body);
      const html = await response.text();
      assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.ok(html.includes(label), `${path}: the error names ${label}`);
      assert.ok(!html.includes('<a href="https://evil.example">') && !html.includes('<script>') && !html.includes('<b>x</b>'), `${path}: the markup is never echoed as markup`);
    }
    const now = await view(account);
    assert.equal(now.address.line1, account.address.line1);
    assert.equal(now.email, account.email);
    assert.equal(now.dispute, 'none');
    assert.equal(now.activePromise, null);
    assert.equal((await product.pool.query('SELECT 1 FROM debtor_questions WHERE account_key = $1', [key(account)])).rowCount, 0);
    // In the browser: the error is announced and tied to its field.
    const { context, page } = await signIn(link, account.address.postalCode);
    await page.goto(`${link}/question`);
    await page.getByLabel('Your question').fill(markup);
    await page.getByRole('button', { name: 'Send my question' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('Your question').getAttribute('aria-invalid'), 'true');
    await look(page, 'question-refused', t);
    await context.close();
  });

  it('every page was checked with axe-core', () => {
    for (const name of ['verify', 'verify-wrong-answer', 'account', 'account-es', 'pay', 'pay-es', 'processor-checkout', 'paid', 'promise', 'promise-done', 'plans', 'plan-done', 'dispute', 'dispute-done', 'contact', 'opt-out-done', 'question', 'question-done', 'link-expired', 'link-invalid', 'locked', 'question-refused'])
      assert.ok(checked.includes(name), `${name} was checked`);
  });
});
