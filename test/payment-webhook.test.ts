/**
 * The payment webhook over real HTTP, against the time-skipping server, Postgres and the worker:
 * a signed payment is posted once; a bad signature, a stale timestamp, a replay and a malformed
 * body are refused with a clear status and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiServer } from '../src/api/server';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey } from '../src/domain/account';
import { accountStateQuery } from '../src/workflows/definitions';
import twilio from 'twilio';
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

async function post(body: unknown, options: { secret?: string; timestamp?: number; raw?: string } = {}) {
  const raw = options.raw ?? JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(`${api.url}/webhooks/payments`, {
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

describe('Twilio inbound SMS webhook', () => {
  const cadence = parseCadence({
    name: 'texts', version: 1,
    steps: [{ id: 'sms-1', action: 'sms', after: '0d', template: 's' }, { id: 'email-1', action: 'email', after: '2d', template: 't' }, { id: 'sms-2', action: 'sms', after: '3d', template: 's' }],
    templates: { s: { en: { text: '{{balance}} due. Reply STOP to opt out.' } }, t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out.' } } },
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
});

describe('unsubscribe link', () => {
  it('works without logging in, for that address only, and a forged token is refused', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      const handle = stack.client.workflow.getHandle(workflowId);
      await stack.env.sleep('1 day');
      const email = stack.smtp.messages().find((m) => m.to.includes(account.email!))!;
      assert.equal(email.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
      const link = /<(https:\/\/collections\.example\.test\/unsubscribe\?token=[^>]+)>/.exec(email.headers['list-unsubscribe']!)![1]!;
      const local = `${api.url}${new URL(link).pathname}${new URL(link).search}`;
      const page = await fetch(local);
      assert.equal(page.status, 200);
      assert.match(await page.text(), new RegExp(`Stop emails about this account to <strong>${account.email!.replace('.', '\\.')}`));
      const forged = await fetch(local.replace(/token=[^.]+/, 'token=' + Buffer.from(JSON.stringify({ a: workflowId, e: 'other@example.test' })).toString('base64url')), { method: 'POST' });
      assert.equal(forged.status, 400);
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
