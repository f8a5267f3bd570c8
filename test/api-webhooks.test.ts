/**
 * The webhooks added beside the payment webhook, over real HTTP against the time-skipping server,
 * Postgres, the SMTP sink and the Twilio sink: Twilio's status callbacks (the sink calls back as
 * Twilio does; an undeliverable number is reported invalid on its account), the mail provider's
 * bounces, complaints and replies, and returned payments through the payment webhook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { startApiServer } from '../src/api/server';
import { signWebhook } from '../src/api/signed-webhook';
import { runCli } from '../src/starter';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { twilioSignature, UNDELIVERABLE_NUMBERS } from '../src/local/twilio-sink';
import { parseCadence } from '../src/schemas/cadence.schema';
import { accountStateQuery } from '../src/workflows/definitions';
import { makeAccount, settings, standardCadence } from './helpers/fixtures';
import { freePort } from './helpers/product';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

const PAYMENT_SECRET = 'test-payment-webhook-secret';
const EMAIL_SECRET = 'test-email-webhook-secret';
let stack: TimeSkippingStack;
let api: Awaited<ReturnType<typeof startApiServer>>;

before(async () => {
  // The worker's SMS adapter passes this service as Twilio's statusCallback: pick its port first.
  const port = await freePort();
  stack = await startTimeSkippingStack({ smsStatusCallbackBaseUrl: `http://127.0.0.1:${port}` });
  api = await startApiServer({ client: stack.client, pool: stack.pool, paymentWebhookSecret: PAYMENT_SECRET, emailWebhookSecret: EMAIL_SECRET, twilio: { authToken: stack.twilio.authToken }, port });
});
after(async () => {
  await api?.close();
  await stack?.close();
});

const run = (fn: () => Promise<void>) => stack.run(fn);

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const textsCadence = parseCadence({
  name: 'texts', version: 1,
  steps: [{ id: 'sms-1', action: 'sms', after: '0d', template: 's' }, { id: 'email-1', action: 'email', after: '2d', template: 't' }],
  templates: { s: { en: { text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } }, t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } } },
});
const statusRows = async (account: AccountProfile) =>
  (await stack.pool.query<{ status: string; error_code: string | null }>('SELECT status, error_code FROM message_status_events WHERE account_key = $1 ORDER BY received_at, status', [accountKey(account.creditorId, account.accountId)])).rows;

const postEmail = async (event: unknown, options: { secret?: string; raw?: string } = {}) => {
  const raw = options.raw ?? JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const response = await fetch(`${api.url}/webhooks/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'email-signature': `t=${t},v1=${signWebhook(options.secret ?? EMAIL_SECRET, t, raw)}` },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as { effect?: string; error?: { code: string; field?: string } } };
};
const postPayment = async (event: unknown) => {
  const raw = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const response = await fetch(`${api.url}/webhooks/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': `t=${t},v1=${signPaymentWebhook(PAYMENT_SECRET, t, raw)}` }, body: raw });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; field?: string } } };
};

describe('Twilio status callbacks', () => {
  it('the sink signs its callbacks as Twilio does, and +1555010xxxx is its undeliverable range', () => {
    const params = { MessageSid: 'SM' + 'a'.repeat(32), MessageStatus: 'delivered', To: '+12125550100' };
    assert.equal(twilioSignature('token', 'http://x.test/webhooks/twilio/status', params), twilio.getExpectedTwilioSignature('token', 'http://x.test/webhooks/twilio/status', params));
    assert.ok(UNDELIVERABLE_NUMBERS.test('+15550101234'));
    assert.ok(!UNDELIVERABLE_NUMBERS.test(makeAccount().phone!), 'the fixtures\' numbers are delivered');
  });

  it('an SMS to an undeliverable number marks it invalid on the account; a delivered one is only kept', async () => {
    const unreachable = makeAccount({ phone: '+15550101234' });
    const reachable = makeAccount();
    await run(async () => {
      const handle = stack.client.workflow.getHandle((await enrollAccount(stack.client, { account: unreachable, cadence: textsCadence, settings, taskQueue: stack.taskQueue })).workflowId);
      await enrollAccount(stack.client, { account: reachable, cadence: textsCadence, settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      const undelivered = await eventually(async () => ((await statusRows(unreachable)).length === 2 ? statusRows(unreachable) : undefined), 'the undelivered callback');
      assert.deepEqual(undelivered, [{ status: 'sent', error_code: null }, { status: 'undelivered', error_code: '30003' }]);
      const delivered = await eventually(async () => ((await statusRows(reachable)).length === 2 ? statusRows(reachable) : undefined), 'the delivered callback');
      assert.deepEqual(delivered.map((r) => r.status).sort(), ['delivered', 'sent']);
      await stack.env.sleep('1 hour');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.invalidContacts?.map((c) => [c.channel, c.address]), [['sms', unreachable.phone]]);
      assert.match(state.compliance!.events.find((e) => e.kind === 'contact_invalid')!.detail, /30003/);
      const other = await stack.client.workflow.getHandle(accountKey(reachable.creditorId, reachable.accountId)).query(accountStateQuery);
      assert.deepEqual(other.invalidContacts ?? [], []);
    });
    assert.ok(stack.twilio.statusCallbacks().every((c) => c.responseStatus === 204), JSON.stringify(stack.twilio.statusCallbacks()));
  });

  it('a forged callback is refused (403), a repeated one is kept once, an unknown message is only kept', async () => {
    const url = `${api.url}/webhooks/twilio/status`;
    const post = async (params: Record<string, string>, authToken = stack.twilio.authToken) =>
      (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) }, body: new URLSearchParams(params).toString() })).status;
    const params = { MessageSid: 'SM' + 'b'.repeat(32), MessageStatus: 'undelivered', ErrorCode: '30005', To: '+12125550199' };
    assert.equal(await post(params, 'not-the-token'), 403);
    assert.equal(await post(params), 204);
    assert.equal(await post(params), 204);
    assert.equal(await post({ MessageStatus: 'sent' }), 400);
    const rows = await stack.pool.query('SELECT account_key FROM message_status_events WHERE provider_message_id = $1', [params.MessageSid]);
    assert.deepEqual(rows.rows, [{ account_key: null }]);
  });
});

describe('email events', () => {
  it('a hard bounce marks the address invalid, a complaint opts it out, a reply is kept; a replay is 409', async () => {
    const account = makeAccount();
    await run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      const sent = await stack.pool.query<{ provider_message_id: string }>(`SELECT provider_message_id FROM outbound_messages WHERE account_key = $1 AND channel = 'email' AND status = 'sent' LIMIT 1`, [workflowId]);
      const messageId = sent.rows[0]!.provider_message_id;
      const soft = await postEmail({ eventId: `soft-${account.accountId}`, type: 'bounce', bounceType: 'soft', email: account.email, messageId });
      assert.deepEqual([soft.status, soft.body.effect], [202, 'none']);
      const bounce = await postEmail({ eventId: `bounce-${account.accountId}`, type: 'bounce', email: account.email, messageId: messageId.replace(/^<|>$/g, ''), text: '550 5.1.1 user unknown' });
      assert.deepEqual([bounce.status, bounce.body.effect], [202, 'contact_invalid']);
      const replay = await postEmail({ eventId: `bounce-${account.accountId}`, type: 'bounce', email: account.email, messageId });
      assert.deepEqual([replay.status, replay.body.error?.code], [409, 'replayed_event']);
      assert.equal((await postEmail({ eventId: `complaint-${account.accountId}`, type: 'complaint', email: account.email!.toUpperCase() })).status, 202);
      assert.equal((await postEmail({ eventId: `reply-${account.accountId}`, type: 'reply', email: account.email, text: 'I will pay on Friday' })).status, 202);
      await stack.env.sleep('1 hour');
      const state = await stack.client.workflow.getHandle(workflowId).query(accountStateQuery);
      assert.deepEqual(state.invalidContacts?.map((c) => [c.channel, c.address, c.reason]), [['email', account.email, 'hard bounce: 550 5.1.1 user unknown']]);
      assert.deepEqual(state.compliance!.optOuts, [{ channel: 'email', address: account.email!.toUpperCase() }]);
      assert.match(state.compliance!.events.find((e) => e.kind === 'debtor_reply')!.detail, /I will pay on Friday/);
    });
  });

  const messagesFrom = async (from: string) =>
    (await stack.pool.query<{ kind: string; reading: { media: string[] }; applied: string | null; status: string }>('SELECT kind, reading, applied, status FROM debtor_messages WHERE from_address = $1 ORDER BY id', [from])).rows;

  it('a reply saying STOP, or plainly asking to stop emailing, opts the address out before the next email; other requests go to a person', async () => {
    const stop = makeAccount();
    const plea = makeAccount();
    const calls = makeAccount();
    const spanish = makeAccount({ language: 'es' });
    await run(async () => {
      for (const account of [stop, plea, calls, spanish]) await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      const messageIdOf = async (account: AccountProfile) =>
        (await stack.pool.query<{ provider_message_id: string }>(`SELECT provider_message_id FROM outbound_messages WHERE account_key = $1 AND channel = 'email' AND status = 'sent' LIMIT 1`, [accountKey(account.creditorId, account.accountId)])).rows[0]!.provider_message_id;
      const stopped = await postEmail({ eventId: `stop-${stop.accountId}`, type: 'reply', email: stop.email, messageId: await messageIdOf(stop), text: 'STOP\n\nOn Monday Collections wrote:\n> Reply STOP or write to optout@example.test' });
      assert.deepEqual([stopped.status, stopped.body.effect], [202, 'opt_out']);
      const pleaded = await postEmail({ eventId: `plea-${plea.accountId}`, type: 'reply', email: plea.email, messageId: await messageIdOf(plea), subject: 'Re: Your account', text: 'Please stop emailing me.' });
      assert.deepEqual([pleaded.status, pleaded.body.effect], [202, 'opt_out']);
      const rogado = await postEmail({ eventId: `es-${spanish.accountId}`, type: 'reply', email: spanish.email, messageId: await messageIdOf(spanish), subject: 'Re: Su cuenta', text: 'Por favor dejen de escribirme.' });
      assert.deepEqual([rogado.status, rogado.body.effect], [202, 'opt_out']);
      // Kept durably before any signal: the contact activity reads it before the next email even if a signal were lost.
      for (const account of [stop, plea, spanish]) {
        const kept = await stack.pool.query('SELECT creditor_id, source FROM address_opt_outs WHERE channel = $1 AND address = $2', ['email', account.email!.toLowerCase()]);
        assert.deepEqual(kept.rows, [{ creditor_id: account.creditorId, source: 'reply' }], account.accountId);
      }
      const asked = await postEmail({ eventId: `calls-${calls.accountId}`, type: 'reply', email: calls.email, messageId: await messageIdOf(calls), text: 'I will pay Friday. Stop calling me at work.' });
      assert.deepEqual([asked.status, asked.body.effect], [202, 'stop_request']);
      await stack.env.sleep('8 days');
      for (const account of [stop, plea, spanish]) {
        const state = await stack.client.workflow.getHandle(accountKey(account.creditorId, account.accountId)).query(accountStateQuery);
        assert.deepEqual(state.compliance!.optOuts, [{ channel: 'email', address: account.email }], account.accountId);
        assert.deepEqual(state.contacts.filter((c) => c.channel === 'email').map((c) => `${c.stepId}:${c.status}:${c.rule}`), ['notice-email:sent:allowed', 'final-email:suppressed:reg_f_1006_6_e_opt_out']);
        assert.equal(stack.smtp.messages().filter((m) => m.to.includes(account.email!)).length, 1, `${account.accountId}: only the first email`);
      }
      const callsState = await stack.client.workflow.getHandle(accountKey(calls.creditorId, calls.accountId)).query(accountStateQuery);
      assert.deepEqual(callsState.compliance!.optOuts, []);
    });
    assert.deepEqual(await messagesFrom(stop.email!), [], 'a keyword needs no one');
    assert.deepEqual((await messagesFrom(plea.email!)).map((m) => [m.kind, m.applied?.replace(/:.*/, ''), m.status]), [['stop_request', 'email opted out on 1 account', 'open']]);
    assert.deepEqual((await messagesFrom(spanish.email!)).map((m) => [m.kind, m.applied?.replace(/:.*/, ''), m.status]), [['stop_request', 'email opted out on 1 account', 'open']]);
    assert.deepEqual((await messagesFrom(calls.email!)).map((m) => [m.kind, m.reading.media, m.applied, m.status]), [['stop_request', ['call'], null, 'open']]);
    // A person finds it: the command line lists the open messages of the account.
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = stack.databaseUrl;
    try {
      let output = '';
      assert.equal(await runCli(['messages', '--creditor', calls.creditorId, '--account', calls.accountId], (t) => void (output += t)), 0);
      assert.match(output, /^1 open debtor message\(s\)\n {2}\S+ stop_request by email from \S+ \(account\/\S+\): I will pay Friday\. Stop calling me at work\./);
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });

  it('mail to the opt-out address opts the sender out; a sender we cannot match is kept for a person; a replay is 409', async () => {
    const postInbound = async (mail: unknown) => {
      const raw = JSON.stringify(mail);
      const t = Math.floor(Date.now() / 1000);
      const response = await fetch(`${api.url}/webhooks/email/inbound`, { method: 'POST', headers: { 'content-type': 'application/json', 'email-signature': `t=${t},v1=${signWebhook(EMAIL_SECRET, t, raw)}` }, body: raw });
      return { status: response.status, body: (await response.json()) as { effect?: string; review?: boolean; accounts?: { accountKey: string }[]; error?: { code: string } } };
    };
    const account = makeAccount();
    const key = accountKey(account.creditorId, account.accountId);
    await run(async () => {
      await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      const mail = { eventId: `optout-${account.accountId}`, from: account.email, to: 'optout@example.test', subject: `unsubscribe ${key}` };
      const unsubscribed = await postInbound(mail);
      assert.deepEqual([unsubscribed.status, unsubscribed.body.effect, unsubscribed.body.review, unsubscribed.body.accounts!.map((a) => a.accountKey)], [202, 'opt_out', false, [key]]);
      assert.deepEqual([(await postInbound(mail)).status], [409]);
      const kept = await stack.pool.query('SELECT creditor_id, source FROM address_opt_outs WHERE channel = $1 AND address = $2', ['email', account.email!.toLowerCase()]);
      assert.deepEqual(kept.rows, [{ creditor_id: account.creditorId, source: 'opt_out_mailbox' }], 'kept durably for the next email');
      const stranger = await postInbound({ eventId: `optout-stranger-${account.accountId}`, from: `stranger.${account.accountId}@example.test`, to: 'optout@example.test', text: 'Please remove me from your list' });
      assert.deepEqual([stranger.status, stranger.body.effect, stranger.body.review], [202, 'none', true]);
      await stack.env.sleep('1 hour');
      const state = await stack.client.workflow.getHandle(key).query(accountStateQuery);
      assert.deepEqual(state.compliance!.optOuts, [{ channel: 'email', address: account.email }]);
    });
    assert.deepEqual((await messagesFrom(`stranger.${account.accountId}@example.test`)).map((m) => m.kind), ['unmatched']);
  });

  it('a reply goes to the account it answered, never to another creditor\'s account at the same address; a complaint opts the address out on both', async () => {
    const email = `shared.${process.pid}.${Date.now()}@example.test`;
    const first = makeAccount({ email });
    const second = makeAccount({ email, creditorId: 'cred-visible' });
    const repliesOf = async (account: AccountProfile) => {
      const state = await stack.client.workflow.getHandle(accountKey(account.creditorId, account.accountId)).query(accountStateQuery);
      return { replies: state.compliance!.events.filter((e) => e.kind === 'debtor_reply').map((e) => e.detail), optOuts: state.compliance!.optOuts };
    };
    await run(async () => {
      await enrollAccount(stack.client, { account: first, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      await enrollAccount(stack.client, { account: second, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      const sent = await stack.pool.query<{ provider_message_id: string }>(`SELECT provider_message_id FROM outbound_messages WHERE account_key = $1 AND channel = 'email' AND status = 'sent'`, [accountKey(first.creditorId, first.accountId)]);
      const answered = await postEmail({ eventId: `r1-${first.accountId}`, type: 'reply', email, messageId: sent.rows[0]!.provider_message_id, text: 'about the power bill' });
      assert.deepEqual([answered.status, (answered.body as { accounts?: number }).accounts], [202, 1]);
      const unreferenced = await postEmail({ eventId: `r2-${first.accountId}`, type: 'reply', email: email.toUpperCase(), text: 'about the latest email' });
      assert.deepEqual([unreferenced.status, (unreferenced.body as { accounts?: number }).accounts], [202, 1]);
      const complaint = await postEmail({ eventId: `c-${first.accountId}`, type: 'complaint', email });
      assert.deepEqual([complaint.status, (complaint.body as { accounts?: number }).accounts], [202, 2]);
      await stack.env.sleep('1 hour');
      const a = await repliesOf(first);
      const b = await repliesOf(second);
      assert.equal(a.replies.length, 1, JSON.stringify(a.replies));
      assert.match(a.replies[0]!, /about the power bill/);
      assert.equal(b.replies.length, 1, JSON.stringify(b.replies));
      assert.match(b.replies[0]!, /about the latest email/, 'a reply without a Message-ID answers the latest email to the address');
      assert.deepEqual([a.optOuts, b.optOuts], [[{ channel: 'email', address: email }], [{ channel: 'email', address: email }]]);
    });
  });

  it('refuses forged, malformed and unknown-recipient events and changes nothing', async () => {
    const forged = await postEmail({ eventId: 'f-1', type: 'complaint', email: 'x@example.test' }, { secret: 'not-the-email-secret' });
    assert.deepEqual([forged.status, forged.body.error?.code], [401, 'bad_signature']);
    const malformed = await postEmail(undefined, { raw: '{"eventId":' });
    assert.deepEqual([malformed.status, malformed.body.error?.code], [400, 'malformed_body']);
    const badType = await postEmail({ eventId: 'f-2', type: 'opened', email: 'x@example.test' });
    assert.deepEqual([badType.status, badType.body.error?.field], [400, 'type']);
    const unknown = await postEmail({ eventId: 'f-3', type: 'bounce', email: 'nobody@example.test' });
    assert.deepEqual([unknown.status, unknown.body.error?.code], [404, 'unknown_recipient']);
    const seen = await stack.pool.query(`SELECT count(*)::int AS n FROM webhook_events WHERE source = 'email' AND event_id LIKE 'f-%'`);
    assert.equal(seen.rows[0].n, 0);
  });
});

describe('payment webhook: returned payments', () => {
  it('payment.returned reverses the payment once, with the same signature and replay rules', async () => {
    const account = makeAccount({ balanceMinor: 200_00 });
    await run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      const ids = { creditorId: account.creditorId, accountId: account.accountId };
      const paid = await postPayment({ eventId: `pay-${account.accountId}`, type: 'payment.succeeded', ...ids, payment: { paymentId: `P-${account.accountId}`, amountMinor: 50_00, currency: 'USD' } });
      assert.equal(paid.status, 202);
      await stack.env.sleep('1 hour');
      const returned = { eventId: `ret-${account.accountId}`, type: 'payment.returned', ...ids, return: { paymentId: `P-${account.accountId}`, returnId: 'R-1', reason: 'chargeback' } };
      const badReason = await postPayment({ ...returned, eventId: 'ret-bad', return: { ...returned.return, reason: 'changed my mind' } });
      assert.deepEqual([badReason.status, badReason.body.error?.field], [400, 'return.reason']);
      assert.equal((await postPayment(returned)).status, 202);
      const replay = await postPayment(returned);
      assert.deepEqual([replay.status, replay.body.error?.code], [409, 'replayed_event']);
      assert.equal((await postPayment({ ...returned, eventId: `ret2-${account.accountId}`, return: { ...returned.return, returnId: 'R-2' } })).status, 202);
      await stack.env.sleep('1 hour');
      const state = await stack.client.workflow.getHandle(workflowId).query(accountStateQuery);
      assert.equal(state.payments[0]!.status, 'reversed', JSON.stringify(state.payments));
      assert.equal(state.balance.amountMinor, 200_00);
      const reversals = await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'reversal'`, [workflowId]);
      assert.equal(reversals.rows[0].n, 1);
    });
  });
});

describe('replay protection', () => {
  const ledgerPayments = async (account: AccountProfile) =>
    (await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'payment'`, [accountKey(account.creditorId, account.accountId)])).rows[0].n as number;
  const eventRows = async (eventId: string) =>
    (await stack.pool.query<{ source: string; creditor_id: string; status: string }>('SELECT source, creditor_id, status FROM webhook_events WHERE event_id = $1 ORDER BY source, creditor_id', [eventId])).rows;
  /** One 202; every other concurrent delivery is told the event is taken (503, retry) or done (409). */
  const assertOneTookEffect = (answers: { status: number; body: { error?: { code: string } } }[]) => {
    assert.equal(answers.filter((a) => a.status === 202).length, 1, JSON.stringify(answers));
    for (const a of answers.filter((x) => x.status !== 202)) assert.ok((a.status === 409 && a.body.error?.code === 'replayed_event') || (a.status === 503 && a.body.error?.code === 'event_in_progress'), JSON.stringify(a));
  };

  it('concurrent deliveries of one event take effect once, for payments and for email replies', async () => {
    const account = makeAccount({ balanceMinor: 500_00 });
    await run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      await stack.env.sleep('1 day');
      const payment = { eventId: `evt-${account.accountId}`, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `P-${account.accountId}`, amountMinor: 10_00, currency: 'USD' } };
      assertOneTookEffect(await Promise.all(Array.from({ length: 5 }, () => postPayment(payment))));
      const replay = await postPayment(payment);
      assert.deepEqual([replay.status, replay.body.error?.code], [409, 'replayed_event']);
      assert.deepEqual(await eventRows(payment.eventId), [{ source: 'payments', creditor_id: account.creditorId, status: 'done' }]);

      const reply = { eventId: `reply-${account.accountId}`, type: 'reply', email: account.email, text: 'once only' };
      assertOneTookEffect(await Promise.all(Array.from({ length: 5 }, () => postEmail(reply))));
      await stack.env.sleep('1 hour');
      const state = await stack.client.workflow.getHandle(workflowId).query(accountStateQuery);
      assert.equal(state.compliance!.events.filter((e) => e.kind === 'debtor_reply').length, 1, JSON.stringify(state.compliance!.events));
      assert.equal(await ledgerPayments(account), 1);
    });
  });

  it('event ids are scoped per creditor: two creditors\' processors may both send the same id', async () => {
    const ours = makeAccount();
    const theirs = makeAccount({ creditorId: 'cred-visible' });
    const eventId = `evt-shared-${ours.accountId}`;
    await run(async () => {
      for (const account of [ours, theirs]) await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      for (const account of [ours, theirs]) {
        const answer = await postPayment({ eventId, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `P-${account.accountId}`, amountMinor: 10_00, currency: 'USD' } });
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
      }
      await stack.env.sleep('1 hour');
      assert.deepEqual([await ledgerPayments(ours), await ledgerPayments(theirs)], [1, 1]);
      assert.deepEqual((await eventRows(eventId)).map((r) => r.creditor_id), ['cred-test', 'cred-visible']);
    });
  });

  it('a delivery that did not take effect lets go of the event, so the processor\'s retry succeeds', async () => {
    const account = makeAccount();
    const event = { eventId: `evt-early-${account.accountId}`, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `P-${account.accountId}`, amountMinor: 10_00, currency: 'USD' } };
    await run(async () => {
      assert.equal((await postPayment(event)).status, 404, 'not enrolled yet');
      assert.deepEqual(await eventRows(event.eventId), []);
      await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      assert.equal((await postPayment(event)).status, 202);
      await stack.env.sleep('1 hour');
      assert.equal(await ledgerPayments(account), 1);
    });
  });
});
