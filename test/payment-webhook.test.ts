/**
 * The payment webhook over real HTTP, against the time-skipping server, Postgres and the worker:
 * a signed payment is posted once; a bad signature, a stale timestamp, a replay and a malformed
 * body are refused with a clear status and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiServer } from '../src/api/server';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { UNSUBSCRIBE_LINK_DAYS, unsubscribeToken } from '../src/adapters/unsubscribe-link';
import { enrollAccount } from '../src/client/accounts.client';
import { ledgerCurrencyOf } from '../src/adapters/ledger.repository';
import { accountKey } from '../src/domain/account';
import { accountStateQuery } from '../src/workflows/definitions';
import twilio from 'twilio';
import { Client, Connection } from '@temporalio/client';
import { parseCadence } from '../src/schemas/cadence.schema';
import { makeAccount, settings, standardCadence } from './helpers/fixtures';
import { startTimeSkippingStack, UNSUBSCRIBE_SECRET, type TimeSkippingStack } from './helpers/stack';

const SECRET = 'test-payment-webhook-secret';
let stack: TimeSkippingStack;
let api: Awaited<ReturnType<typeof startApiServer>>;

before(async () => {
  stack = await startTimeSkippingStack();
  api = await startApiServer({ client: stack.client, pool: stack.pool, paymentWebhookSecret: SECRET, twilio: { authToken: stack.twilio.authToken }, unsubscribeSecret: UNSUBSCRIBE_SECRET });
});
after(async () => {
  await api?.close();
  await stack?.close();
});

async function post(body: unknown, options: { secret?: string; timestamp?: number; raw?: string; url?: string } = {}) {
  const raw = options.raw ?? JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(`${options.url ?? api.url}/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'payment-signature': `t=${timestamp},v1=${signPaymentWebhook(options.secret ?? SECRET, timestamp, raw)}` },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as { ok?: boolean; error?: { code: string; field?: string } } };
}

const payments = async (creditorId: string, accountId: string) =>
  (await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'payment'`, [accountKey(creditorId, accountId)])).rows[0].n as number;

describe('payment webhook', () => {
  it('posts a signed payment once, refuses its replay, and ends the reminders when paid', async () => {
    const account = makeAccount({ balanceMinor: 80_00 });
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 hour');
      const event = { eventId: `evt-${account.accountId}`, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `pay-${account.accountId}`, amountMinor: 80_00, currency: 'USD' } };
      const first = await post(event);
      assert.deepEqual([first.status, first.body.ok], [202, true]);
      const replay = await post(event);
      assert.deepEqual([replay.status, replay.body.error?.code], [409, 'replayed_event']);
      const outcome = await stack.client.workflow.getHandle(workflowId).result();
      assert.equal((outcome as { stage: string }).stage, 'paid');
      assert.equal(await payments(account.creditorId, account.accountId), 1);
      const state = await stack.client.workflow.getHandle(workflowId).query(accountStateQuery);
      // Whether the first email went out before the payment depends on the hour in New York now;
      // what may never happen is a contact after the payment was posted.
      const paidAt = Date.parse(state.payments[0]!.receivedAt);
      assert.ok(state.contacts.every((c) => Date.parse(c.at) <= paidAt), JSON.stringify(state.contacts.map((c) => [c.stepId, c.at])));
      assert.ok(!state.contacts.some((c) => c.stepId === 'reminder-sms' || c.stepId === 'final-email'));
    });
  });

  it('refuses a wrong signature, a stale timestamp, a malformed body and an unknown account, and changes nothing', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      const event = (id: string, amountMinor: unknown = 10_00) => ({ eventId: id, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `pay-${id}`, amountMinor, currency: 'USD' } });
      const forged = await post(event('e1'), { secret: 'not-the-secret-at-all' });
      assert.deepEqual([forged.status, forged.body.error?.code], [401, 'bad_signature']);
      const stale = await post(event('e2'), { timestamp: Math.floor(Date.now() / 1000) - 3600 });
      assert.deepEqual([stale.status, stale.body.error?.code], [401, 'stale_timestamp']);
      const negative = await post(event('e3', -500));
      assert.deepEqual([negative.status, negative.body.error?.code, negative.body.error?.field], [400, 'invalid_field', 'payment.amountMinor']);
      const decimal = await post(event('e4', 12.5));
      assert.deepEqual([decimal.status, decimal.body.error?.field], [400, 'payment.amountMinor']);
      const notJson = await post(undefined, { raw: '{"eventId": ' });
      assert.deepEqual([notJson.status, notJson.body.error?.code], [400, 'malformed_body']);
      const unknown = await post({ ...event('e5'), accountId: 'NO-SUCH-ACCOUNT' });
      assert.deepEqual([unknown.status, unknown.body.error?.code], [404, 'unknown_account']);
      const noSignature = await fetch(`${api.url}/webhooks/payments`, { method: 'POST', body: JSON.stringify(event('e6')) });
      assert.equal(noSignature.status, 401);
      await stack.env.sleep('1 hour');
      assert.equal(await payments(account.creditorId, account.accountId), 0);
      const seen = await stack.pool.query('SELECT count(*)::int AS n FROM webhook_events');
      assert.equal(seen.rows[0].n, 1, 'only the first test\'s event was recorded');
    });
  });
});

describe('payment webhook, account known to the ledger', () => {
  it('signals without describing the run; another currency is refused; an ended account\'s money is kept for an operator', async () => {
    // The API's client counts its describe calls: a payment to an account the ledger has opened is one signal.
    let describes = 0;
    const counted = new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
      dataConverter: stack.client.options.dataConverter,
      interceptors: { workflow: [{ describe: (input, next) => { describes += 1; return next(input); } }] },
    });
    const countedApi = await startApiServer({ client: counted, pool: stack.pool, paymentWebhookSecret: SECRET, twilio: { authToken: stack.twilio.authToken }, unsubscribeSecret: UNSUBSCRIBE_SECRET });
    const account = makeAccount({ balanceMinor: 80_00 });
    const postTo = (event: unknown) => post(event, { url: countedApi.url });
    const event = (id: string, amountMinor: number, currency = 'USD') => ({ eventId: id, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `pay-${id}`, amountMinor, currency } });
    try {
      await stack.run(async () => {
        const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
        await stack.env.sleep('1 hour');
        assert.equal(await ledgerCurrencyOf(stack.pool)(accountKey(account.creditorId, account.accountId)), 'USD', 'the workflow opened the account in the ledger');
        const paid = await postTo(event('k1', 10_00));
        assert.deepEqual([paid.status, describes], [202, 0]);
        const euros = await postTo(event('k2', 10_00, 'EUR'));
        assert.deepEqual([euros.status, euros.body.error?.code, euros.body.error?.field], [422, 'currency_mismatch', 'payment.currency']);
        await stack.env.sleep('1 hour');
        assert.equal(await payments(account.creditorId, account.accountId), 1);
        await stack.client.workflow.getHandle(workflowId).terminate('ended for the test');
        const late = await postTo(event('k3', 5_00));
        assert.deepEqual([late.status, late.body.error?.code], [409, 'account_closed']);
        const kept = await stack.pool.query('SELECT source, amount_minor::int AS amount FROM unapplied_payments WHERE payment_id = $1', ['pay-k3']);
        assert.deepEqual(kept.rows, [{ source: 'webhook', amount: 5_00 }]);
        // Another currency on an ended account is still money received: kept, not refused.
        const lateEuros = await postTo(event('k4', 5_00, 'EUR'));
        assert.deepEqual([lateEuros.status, lateEuros.body.error?.code], [409, 'account_closed']);
        assert.equal((await stack.pool.query('SELECT count(*)::int AS n FROM unapplied_payments WHERE payment_id = $1', ['pay-k4'])).rows[0].n, 1);
      });
    } finally {
      await countedApi.close();
    }
  });
});

describe('Twilio inbound SMS webhook', () => {
  const cadence = parseCadence({
    name: 'texts', version: 1,
    steps: [{ id: 'sms-1', action: 'sms', after: '0d', template: 's' }, { id: 'email-1', action: 'email', after: '2d', template: 't' }, { id: 'sms-2', action: 'sms', after: '3d', template: 's' }],
    templates: { s: { en: { text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } }, t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } } },
  });
  const inbound = async (params: Record<string, string>, authToken = stack.twilio.authToken) => {
    const url = `${api.url}/webhooks/twilio/sms`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, text: await response.text() };
  };

  it('a "Stop" reply opts the number out before the next SMS; email goes on; a forged request is refused', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
      const handle = stack.client.workflow.getHandle(workflowId);
      await stack.env.sleep('1 day');
      const forged = await inbound({ From: account.phone!, To: '+15005550006', Body: 'STOP' }, 'wrong-token');
      assert.equal(forged.status, 403);
      const stop = await inbound({ From: account.phone!, To: '+15005550006', Body: 'Stop.' });
      assert.equal(stop.status, 200);
      assert.match(stop.text, /<Message>You will receive no more text messages/);
      const help = await inbound({ From: account.phone!, To: '+15005550006', Body: 'ayuda' });
      assert.match(help.text, /This is a debt collector/);
      await stack.env.sleep('4 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.contacts.map((c) => `${c.stepId}:${c.status}`), ['validation-notice:sent', 'sms-1:sent', 'email-1:sent', 'sms-2:suppressed']);
      assert.deepEqual(state.compliance!.optOuts, [{ channel: 'sms', address: account.phone }]);
      await handle.terminate('test done');
    });
    assert.equal(stack.twilio.messages().filter((m) => m.to === account.phone).length, 1);
  });

  it('a STOP holds even when the accounts cannot be told: kept first, answered 503 for Twilio to retry, the next SMS suppressed', async () => {
    const account = makeAccount();
    // An HTTP service whose Temporal is unreachable: it can keep the opt-out but not signal it.
    const cutOff = await startApiServer({ client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }), pool: stack.pool, paymentWebhookSecret: SECRET, twilio: { authToken: stack.twilio.authToken } });
    try {
      await stack.run(async () => {
        const { workflowId } = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
        const handle = stack.client.workflow.getHandle(workflowId);
        await stack.env.sleep('1 day');
        const url = `${cutOff.url}/webhooks/twilio/sms`;
        const params = { From: account.phone!, To: '+15005550006', Body: 'STOP' };
        const stop = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(stack.twilio.authToken, url, params) }, body: new URLSearchParams(params).toString() });
        assert.equal(stop.status, 503, 'not a 200 that would tell Twilio all is done');
        await stack.env.sleep('4 days');
        const state = await handle.query(accountStateQuery);
        assert.deepEqual(state.compliance!.optOuts, [], 'the account itself was never told');
        const sms2 = state.contacts.find((c) => c.stepId === 'sms-2')!;
        assert.deepEqual([sms2.status, sms2.rule], ['suppressed', 'reg_f_1006_6_e_opt_out']);
        await handle.terminate('test done');
      });
    } finally {
      await cutOff.close();
    }
    assert.equal(stack.twilio.messages().filter((m) => m.to === account.phone).length, 1);
  });

  it('a free-text reply is kept for an operator', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
      const handle = stack.client.workflow.getHandle(workflowId);
      await stack.env.sleep('1 day');
      await inbound({ From: account.phone!, To: '+15005550006', Body: 'I lost my job, can I pay later?' });
      await stack.env.sleep('1 hour');
      const state = await handle.query(accountStateQuery);
      const reply = state.compliance!.events.find((e) => e.kind === 'debtor_reply')!;
      assert.match(reply.detail, /I lost my job, can I pay later\?/);
      await handle.terminate('test done');
    });
    const kept = await stack.pool.query(`SELECT kind, body FROM debtor_messages WHERE from_address = $1`, [account.phone]);
    assert.deepEqual(kept.rows, [{ kind: 'reply', body: 'I lost my job, can I pay later?' }]);
  });

  it('free text that plainly asks to stop texting revokes consent like STOP, and is kept for a person', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
      const handle = stack.client.workflow.getHandle(workflowId);
      await stack.env.sleep('1 day');
      const answer = await inbound({ From: account.phone!, To: '+15005550006', Body: 'please stop texting me, I will call you', MessageSid: `SM${account.accountId}` });
      assert.match(answer.text, /<Message>You will receive no more text messages/);
      await stack.env.sleep('4 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.contacts.map((c) => `${c.stepId}:${c.status}`), ['validation-notice:sent', 'sms-1:sent', 'email-1:sent', 'sms-2:suppressed']);
      await handle.terminate('test done');
    });
    const kept = await stack.pool.query(`SELECT kind, applied FROM debtor_messages WHERE from_address = $1`, [account.phone]);
    assert.deepEqual(kept.rows, [{ kind: 'stop_request', applied: 'texts opted out on 1 account(s)' }]);
  });

  it('a reply and PAY go to the account the text answered; STOP reaches every account texted at the number, START only the answered creditor\'s', async () => {
    const phone = `+1646555${String(process.pid % 10_000).padStart(4, '0')}`;
    const first = makeAccount({ phone });
    const second = makeAccount({ phone, creditorId: 'cred-visible' });
    const state = (account: typeof first) => stack.client.workflow.getHandle(accountKey(account.creditorId, account.accountId)).query(accountStateQuery);
    await stack.run(async () => {
      await enrollAccount(stack.client, { account: first, cadence, settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      await enrollAccount(stack.client, { account: second, cadence, settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      // The latest text to this number was the second creditor's: the reply answers it.
      await inbound({ From: phone, To: '+15005550006', Body: 'Which bill is this about?' });
      const pay = await inbound({ From: phone, To: '+15005550006', Body: 'PAY' });
      assert.match(pay.text, new RegExp(`https://pay\\.example\\.test/cred-visible/${second.accountId}`));
      assert.doesNotMatch(pay.text, /cred-test/);
      await stack.env.sleep('1 hour');
      assert.deepEqual((await state(first)).compliance!.events.filter((e) => e.kind === 'debtor_reply'), [], 'the first creditor does not see the reply');
      assert.match((await state(second)).compliance!.events.find((e) => e.kind === 'debtor_reply')!.detail, /Which bill is this about\?/);
      await inbound({ From: phone, To: '+15005550006', Body: 'STOP' });
      await stack.env.sleep('1 hour');
      for (const account of [first, second]) assert.deepEqual((await state(account)).compliance!.optOuts, [{ channel: 'sms', address: phone }]);
      await inbound({ From: phone, To: '+15005550006', Body: 'START' });
      await stack.env.sleep('1 hour');
      assert.deepEqual((await state(second)).compliance!.optOuts, [], 'texts are on again for the creditor answered');
      assert.deepEqual((await state(first)).compliance!.optOuts, [{ channel: 'sms', address: phone }], 'but not for another creditor');
    });
  });
});

describe('unsubscribe link', () => {
  it('works without logging in, for that address only, keeps the address out of the URL, expires, and a forged token is refused', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      const handle = stack.client.workflow.getHandle(workflowId);
      await stack.env.sleep('1 day');
      const email = stack.smtp.messages().find((m) => m.to.includes(account.email!))!;
      assert.equal(email.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
      const link = /<(https:\/\/collections\.example\.test\/unsubscribe\?token=[^>]+)>/.exec(email.headers['list-unsubscribe']!)![1]!;
      const local = `${api.url}${new URL(link).pathname}${new URL(link).search}`;
      // The address is nowhere in the link, in clear or in base64.
      const token = new URL(link).searchParams.get('token')!;
      assert.ok(!decodeURIComponent(link).includes(account.email!), link);
      assert.ok(!Buffer.from(token, 'base64url').toString('latin1').includes(account.email!));
      const page = await fetch(local);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(html.includes(`Stop emails about this account to <strong>${account.email![0]}…@example.test</strong>`), html);
      assert.ok(!html.includes(account.email!), 'the page shows the address masked');
      const refused = async (path: string, method = 'POST') => (await fetch(`${api.url}${path}`, { method })).status;
      assert.equal(await refused(`/unsubscribe?token=${Buffer.from(JSON.stringify({ a: workflowId, e: 'other@example.test' })).toString('base64url')}`), 400, 'the old readable format');
      const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
      assert.equal(await refused(`/unsubscribe?token=${flipped}`), 400, 'an altered token');
      assert.equal(await refused(`/unsubscribe?token=${unsubscribeToken('another-unsubscribe-secret', workflowId, 'other@example.test')}`), 400, 'a token made with another secret');
      const old = unsubscribeToken(UNSUBSCRIBE_SECRET, workflowId, 'other@example.test', Date.now() - (UNSUBSCRIBE_LINK_DAYS + 1) * 86_400_000);
      assert.equal(await refused(`/unsubscribe?token=${old}`, 'GET'), 410, 'an expired link');
      assert.equal(await refused(`/unsubscribe?token=${old}`), 410);
      const done = await fetch(local, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      assert.equal(done.status, 200);
      await stack.env.sleep('8 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.compliance!.optOuts, [{ channel: 'email', address: account.email }]);
      assert.equal(state.contacts.find((c) => c.stepId === 'final-email')!.status, 'suppressed');
      assert.equal(state.contacts.find((c) => c.stepId === 'reminder-sms')!.status, 'sent');
      await handle.terminate('test done');
    });
  });
});

describe('HTML email', () => {
  it('a debtor named with markup gets an email whose HTML part shows the name as text, never as a link', async () => {
    const phishing = '<a href="https://evil.example">Pay here</a>';
    const account = makeAccount({ debtorName: phishing });
    const cadence = parseCadence({
      name: 'html-email', version: 1,
      steps: [{ id: 'first-email', action: 'email', after: '0d', template: 't' }],
      templates: { t: { en: { subject: 'Your account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.', html: '<p>Dear {{debtorName}},</p><p><a href="{{paymentLink}}">Pay now</a>. Reply STOP to opt out.</p><p>This is a communication from a debt collector.</p>' } } },
    });
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      await stack.client.workflow.getHandle(workflowId).terminate('test done');
    });
    const email = stack.smtp.messages().find((m) => m.to.includes(account.email!));
    assert.ok(email, 'the email was sent');
    assert.ok(email.html!.includes('Dear &#60;a href=&#34;https://evil.example&#34;&#62;Pay here&#60;/a&#62;,'), email.html!);
    assert.equal([...email.html!.matchAll(/<a /g)].length, 1, 'only the template\'s own link');
    assert.ok(email.text.includes(`Dear ${phishing},`), 'the text part stays plain');
  });
});
