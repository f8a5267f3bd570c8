/**
 * The operators' work queue in a real browser (headless Chromium through playwright-core, as
 * test/ui-browser.test.ts): the product as `npm start` runs it, an account whose debtor disputes
 * the debt, and an operator who signs in with an operator key — JavaScript off, since the page
 * must work without it — finds the dispute, claims it, completes it as "verification sent", and
 * the account moves on (its dispute verified, collection resumed). axe-core checks every page for
 * WCAG 2.1 A/AA violations (none serious or critical). Also over plain HTTP: the security headers,
 * a form without its CSRF token refused, a creditor's API key refused at sign-in, and an operator
 * of another creditor who cannot see or open the item. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApiKeyRepository } from '../src/adapters/api-key.repository';
import { createOperatorKeyRepository } from '../src/adapters/operator-key.repository';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey } from '../src/domain/account';
import { renderSettings } from '../src/schemas/config.schema';
import { accountStateQuery, complianceEventSignal } from '../src/workflows/definitions';
import { makeDaytimeAccount, standardCadence } from './helpers/fixtures';
import { CHROMIUM_ARGS, eventually, findChromium, screenshot } from './helpers/browser';
import { startTestProduct, type TestProduct } from './helpers/product';

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.0/2.1 A and AA rules on the page as shown; the serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

let product: TestProduct | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => undefined);
  await product?.stop();
});

describe('the work queue in a browser', () => {
  it('an operator claims a dispute, completes it, and the account moves on; the pages pass axe-core', { timeout: 180_000 }, async (t) => {
    const executablePath = findChromium();
    product = await startTestProduct({ demo: false });
    const { client, temporal } = product;
    assert.ok(product.operatorKey, 'npm start makes an operator key for the local creditors');
    const account = makeDaytimeAccount({ creditorId: 'cred-metro-power', product: 'utility', debtorName: 'Dora Dispute' });
    const workflowId = accountKey(account.creditorId, account.accountId);
    await enrollAccount(client, { account, cadence: standardCadence(), settings: renderSettings(product.settings), creditors: product.creditors, taskQueue: temporal.taskQueue });
    const launching = chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    launching.catch(() => undefined);
    await eventually(async () => ((await client.workflow.getHandle(workflowId).query(accountStateQuery)).compliance?.validationNotice ? true : undefined), 'the validation notice');
    await client.workflow.getHandle(workflowId).signal(complianceEventSignal, { kind: 'dispute', via: 'letter', note: 'not mine' });
    await eventually(async () => ((await product!.pool.query(`SELECT 1 FROM work_items WHERE account_id = $1 AND kind = 'dispute'`, [account.accountId])).rowCount ? true : undefined), 'the dispute in the work queue');

    // ---- over plain HTTP: headers, CSRF, API keys refused, another creditor's operator ----------------
    const base = product.apiUrl;
    const login = await fetch(`${base}/queue/login`);
    const csp = login.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "form-action 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), csp);
    assert.equal(login.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(login.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(login.headers.get('cache-control'), 'no-store');
    const loginCookie = /dq_login=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
    assert.match(login.headers.get('set-cookie')!, /HttpOnly; SameSite=Strict/);
    const form = (fields: Record<string, string>) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dq_login=${loginCookie}` }, body: new URLSearchParams(fields).toString() });
    assert.equal((await fetch(`${base}/queue/login`, form({ operatorKey: product.operatorKey! }))).status, 403, 'no CSRF token: refused');
    const apiKey = (await createApiKeyRepository(product.pool).create({ creditorId: 'cred-metro-power', label: 'billing' })).key;
    const withApiKey = await fetch(`${base}/queue/login`, form({ operatorKey: apiKey, csrf: loginCookie }));
    assert.equal(withApiKey.headers.get('location'), '/queue/login?error=1', 'a creditor API key does not sign in');
    const codecOnly = (await createOperatorKeyRepository(product.pool).create('Cody Codec')).key;
    const withCodecKey = await fetch(`${base}/queue/login`, form({ operatorKey: codecOnly, csrf: loginCookie }));
    assert.equal(withCodecKey.headers.get('location'), '/queue/login?error=1', 'an operator key made without creditors (codec only) does not sign in');
    const other = await createOperatorKeyRepository(product.pool).create('Olga Other', ['cred-swift-auto']);
    const otherLogin = await fetch(`${base}/queue/login`, form({ operatorKey: other.key, csrf: loginCookie }));
    assert.equal(otherLogin.status, 303);
    const otherSession = /dq_session=([^;]+)/.exec(otherLogin.headers.get('set-cookie') ?? '')![1]!;
    const otherList = await (await fetch(`${base}/queue`, { headers: { cookie: `dq_session=${otherSession}` } })).text();
    assert.doesNotMatch(otherList, new RegExp(account.accountId), 'another creditor\'s operator does not see the item');
    assert.equal((await fetch(`${base}/queue`, { redirect: 'manual' })).status, 303, 'signed out: to the sign-in page');

    // ---- in the browser, JavaScript off --------------------------------------------------------------
    browser = await launching;
    const context: BrowserContext = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    // axe-core runs in a context of its own that allows the script (the pages' CSP forbids every script).
    const axeContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const axePage = await axeContext.newPage();
    const checkA11y = async (url: string, what: string) => {
      await axeContext.addCookies(await context.cookies());
      await axePage.goto(url);
      assert.deepEqual(await seriousViolations(axePage), [], `axe-core on ${what}`);
    };
    try {
      await page.goto(`${base}/queue`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      await checkA11y(`${base}/queue/login`, 'the sign-in page');
      await screenshot(page, 'work-queue-sign-in.png', t);
      await page.getByLabel('Operator key').fill(product.operatorKey!);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Work queue', level: 1 }).waitFor();

      // Filter by creditor and kind (a GET form), then open the dispute.
      await page.getByLabel('Creditor', { exact: true }).selectOption('cred-metro-power');
      await page.getByLabel('Kind', { exact: true }).selectOption('dispute');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL((url) => url.searchParams.get('kind') === 'dispute');
      const row = page.getByRole('row').filter({ hasText: account.accountId });
      await row.waitFor();
      assert.match(await row.innerText(), /Dispute to verify[\s\S]*nobody/);
      await checkA11y(page.url(), 'the list');
      await screenshot(page, 'work-queue-list.png', t);
      await row.getByRole('link').click();
      await page.getByRole('button', { name: 'Claim this item' }).click();
      await page.getByRole('group', { name: 'Outcome' }).waitFor();
      await checkA11y(page.url(), 'the item');
      await screenshot(page, 'work-queue-item-claimed.png', t);

      // Completing without an outcome is stopped by the browser (required); with one it goes through.
      await page.getByLabel('verification sent').check();
      await page.getByLabel('Note (optional)').fill('itemized statement mailed');
      await page.getByRole('button', { name: 'Complete' }).click();
      await page.getByRole('status').filter({ hasText: 'Done' }).waitFor();
      await screenshot(page, 'work-queue-done.png', t);
      assert.equal(await page.getByRole('row').filter({ hasText: account.accountId }).count(), 0, 'the item left the queue');
    } catch (error) {
      await screenshot(page, 'work-queue-failure.png', t).catch(() => undefined);
      throw error;
    }

    // The account moved on: verification is recorded, collection is no longer held, the item is done.
    const state = await client.workflow.getHandle(workflowId).query(accountStateQuery);
    assert.equal(state.compliance!.dispute, 'verified');
    assert.notEqual(state.nextAction?.description, 'waiting for dispute verification');
    assert.ok(state.steps!.some((s) => s.stepId === '(work queue)' && /Olga|local operator/.test(s.detail ?? '')), 'the history names the operator');
    const { rows } = await product.pool.query(`SELECT status, outcome, completed_by FROM work_items WHERE account_id = $1 AND kind = 'dispute'`, [account.accountId]);
    assert.deepEqual({ status: rows[0].status, outcome: rows[0].outcome }, { status: 'done', outcome: 'verification_sent' });
    assert.match(rows[0].completed_by, /local operator \(npm start\) \(operator key [0-9a-f]{12}\)/);
  });
});
