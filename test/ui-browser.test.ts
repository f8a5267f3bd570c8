/**
 * What an operator sees in the Temporal UI, in a real browser: the product as `npm start` runs it
 * (test/helpers/product.ts, demo off), three accounts of three creditors, then headless Chromium
 * (Debian's `chromium` package, driven by playwright-core) types a visibility query on a search
 * attribute into the UI's query input, checks the list, opens the account's workflow and finds its
 * stage and balance in the summary and current details the workflow publishes.
 *
 * Chromium is required, not optional: without it this test fails and says how to install it.
 * Screenshots go to test-artifacts/ (git-ignored); their paths are printed.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { formatMoney } from '../src/domain/money';
import { renderSettings } from '../src/schemas/config.schema';
import { searchAttributes } from '../src/workflows/definitions';
import { makeDaytimeAccount, standardCadence } from './helpers/fixtures';
import { CHROMIUM_ARGS, eventually, findChromium, screenshot } from './helpers/browser';
import { startTestProduct, type TestProduct } from './helpers/product';

/** The UI renders on the client after fetching from the server: generous waits for each element. */
const UI_TIMEOUT_MS = 20_000;

let product: TestProduct | undefined;
let browser: Browser | undefined;

after(async () => {
  await browser?.close().catch(() => undefined);
  await product?.stop();
});

describe('the Temporal UI in a browser', () => {
  it('filters accounts by a search attribute and shows an account’s stage and balance', { timeout: 120_000 }, async (t) => {
    const executablePath = findChromium();
    product = await startTestProduct({ demo: false });
    const { client, temporal } = product;
    assert.ok(temporal.uiUrl, 'the product runs the dev server with its UI');

    // Three creditors, three balances; the one the operator looks for is in the middle.
    const accounts: AccountProfile[] = [
      makeDaytimeAccount({ creditorId: 'cred-metro-power', product: 'utility', balanceMinor: 987_65, debtorName: 'Ada Metro' }),
      makeDaytimeAccount({ creditorId: 'cred-swift-auto', product: 'auto_loan', balanceMinor: 1_234_56, debtorName: 'Bea Swift' }),
      makeDaytimeAccount({ creditorId: 'cred-valley-clinic', product: 'medical', balanceMinor: 2_345_67, debtorName: 'Cy Valley' }),
    ];
    const target = accounts[1]!;
    const targetId = accountKey(target.creditorId, target.accountId);
    const otherIds = accounts.filter((a) => a !== target).map((a) => accountKey(a.creditorId, a.accountId));
    const balance = formatMoney({ amountMinor: target.balanceMinor, currency: target.currency });
    assert.equal(balance, '$1,234.56');

    const cadence = standardCadence();
    for (const account of accounts) {
      const result = await enrollAccount(client, { account, cadence, settings: renderSettings(product.settings), creditors: product.creditors, taskQueue: temporal.taskQueue });
      assert.equal(result.status, 'started');
    }
    // The browser starts while the workflows send their first notice and publish their search attributes.
    const launching = chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    launching.catch(() => undefined);

    // Published: every account past its first contact (stage reminding) in visibility, which the UI's list reads.
    const creditorIds = accounts.map((a) => `'${a.creditorId}'`).join(', ');
    await eventually(async () => {
      const { count } = await client.workflow.count(`DunningCreditorId IN (${creditorIds}) AND DunningStage = 'reminding'`);
      return count === accounts.length ? true : undefined;
    }, 'the three accounts to reach stage "reminding" in visibility');
    const described = await client.workflow.getHandle(targetId).describe();
    const stage = described.typedSearchAttributes.get(searchAttributes.stage);
    assert.equal(stage, 'reminding');

    browser = await launching;
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    try {
      // The list, unfiltered: all three accounts.
      await page.goto(product.uiWorkflowsUrl()!);
      const workflowLink = (id: string) => page.getByRole('link', { name: id, exact: true });
      for (const id of [targetId, ...otherIds]) await workflowLink(id).waitFor({ state: 'visible' });

      // The operator's filter: the UI's query input (behind the "</>" toggle), then Enter.
      const queryInput = page.getByRole('searchbox', { name: 'Enter a query' });
      if (!(await queryInput.isVisible())) await page.getByTestId('toggle-manual-query').click();
      const query = `DunningCreditorId = "${target.creditorId}"`;
      await queryInput.fill(query);
      await queryInput.press('Enter');
      await page.waitForURL((url) => url.searchParams.get('query') === query);
      for (const id of otherIds) await workflowLink(id).waitFor({ state: 'detached' });
      await workflowLink(targetId).waitFor({ state: 'visible' });
      assert.equal(await page.getByRole('link', { name: /^account\// }).count(), 1, 'the filtered list shows one workflow');
      await screenshot(page, 'ui-browser-filtered-list.png', t);

      // The account's workflow page: its summary and current details (User Metadata tab).
      await workflowLink(targetId).click();
      await page.waitForURL((url) => decodeURIComponent(url.pathname).includes(`/workflows/${targetId}/`));
      await page.getByRole('heading', { name: targetId }).waitFor({ state: 'visible' });
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      // Each markdown block renders in its own iframe, under its heading.
      const block = (heading: string) =>
        page.locator(`xpath=//h3[normalize-space()="${heading}"]/ancestor::div[.//iframe][1]//iframe`).first().contentFrame();
      const summary = block('Summary');
      await summary.getByText(`${target.creditorId} / ${target.accountId} · ${target.product} · ${balance} due ${target.dueDate}`).waitFor({ state: 'visible' });
      const current = block('Current Details');
      await current.getByText(`Stage: ${stage}`).waitFor({ state: 'visible' });
      await current.getByText(`Balance due: ${balance}`).waitFor({ state: 'visible' });
      await current.getByText(`${target.creditorId} / ${target.accountId}`).waitFor({ state: 'visible' });
      // Summaries and details are readable by anyone with access to the namespace: no personal data in them.
      for (const frame of [summary, current]) assert.equal(await frame.getByText(target.debtorName).count(), 0, 'the debtor name is not in the summary or details');
      await screenshot(page, 'ui-browser-workflow.png', t);
    } catch (error) {
      await screenshot(page, 'ui-browser-failure.png', t).catch(() => undefined);
      throw error;
    }
  });

  it('shows the debtor’s name in the workflow input through the codec endpoint, and only ciphertext without it', { timeout: 120_000 }, async (t) => {
    const executablePath = findChromium();
    product ??= await startTestProduct({ demo: false });
    const { client, temporal } = product;
    assert.ok(product.uiCodecEndpoint, 'the embedded UI is pointed at the codec endpoint');
    const name = 'Philippa Quennell-Ashdown';
    const account = makeDaytimeAccount({ creditorId: 'cred-metro-power', product: 'utility', debtorName: name, email: 'philippa.quennell@example.test' });
    const workflowId = accountKey(account.creditorId, account.accountId);
    await enrollAccount(client, { account, cadence: standardCadence(), settings: renderSettings(product.settings), creditors: product.creditors, taskQueue: temporal.taskQueue });
    await eventually(async () => ((await client.workflow.getHandle(workflowId).describe()).historyLength > 3 ? true : undefined), 'the account\'s first workflow task');

    // The raw history, as anyone with read access to the namespace gets it: ciphertext only.
    const raw = historyToJSON(await client.workflow.getHandle(workflowId).fetchHistory());
    assert.ok(!raw.includes(name) && !raw.includes(Buffer.from(name).toString('base64').slice(0, 16)), 'the raw history shows the name');
    assert.ok(raw.includes(Buffer.from('binary/encrypted').toString('base64')), 'the raw history holds encrypted payloads');

    browser ??= await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    const workflowUrl = `${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`;
    const open = async (blockCodec: boolean) => {
      const context = await browser!.newContext({ viewport: { width: 1440, height: 1600 } });
      // Without the codec endpoint: every request to it fails, so the UI shows what Temporal stores.
      if (blockCodec) await context.route('**/codec/**', (route) => route.abort());
      const page = await context.newPage();
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      await page.goto(workflowUrl);
      await page.getByRole('heading', { name: workflowId }).waitFor({ state: 'visible' });
      return { context, page };
    };

    const withCodec = await open(false);
    try {
      await withCodec.page.getByText(name).first().waitFor({ state: 'visible' });
      await screenshot(withCodec.page, 'ui-codec-input-decoded.png', t);
    } catch (error) {
      await screenshot(withCodec.page, 'ui-codec-failure.png', t).catch(() => undefined);
      throw error;
    } finally {
      await withCodec.context.close();
    }

    const without = await open(true);
    try {
      // The input as Temporal keeps it: the encryption metadata (values in base64) and the sealed data.
      await without.page.getByText('encryption-key-id').first().waitFor({ state: 'visible' });
      await without.page.getByText(Buffer.from('binary/encrypted').toString('base64')).first().waitFor({ state: 'visible' });
      const text = await without.page.locator('body').innerText();
      assert.ok(!text.includes(name), 'without the codec endpoint the UI still shows the name');
      await screenshot(without.page, 'ui-codec-input-ciphertext.png', t);
    } catch (error) {
      await screenshot(without.page, 'ui-codec-without-failure.png', t).catch(() => undefined);
      throw error;
    } finally {
      await without.context.close();
    }
  });
});
