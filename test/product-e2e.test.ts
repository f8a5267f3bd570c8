/**
 * End to end against the running product as `npm start` runs it (src/product.ts): the Temporal
 * CLI dev server, the worker, Postgres, the loopback SMTP and Twilio-compatible sinks and the
 * HTTP service, all in real time. Each surface is driven the way its users drive it: a payment
 * processor's signed webhook, Twilio's inbound SMS and status callbacks, a creditor's API key,
 * an operator's command line.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { signPaymentWebhook } from '../src/api/payment-webhook';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { parseCadence } from '../src/schemas/cadence.schema';
import { EXIT, runCli } from '../src/starter';
import { accountStateQuery, type AccountStateView } from '../src/workflows/definitions';
import { makeDaytimeAccount, settings, SHARED_DATA } from './helpers/fixtures';
import { startTestProduct, type TestProduct } from './helpers/product';

type ApiError = { error: { code: string; message: string; field?: string } };

let product: TestProduct;
before(async () => {
  product = await startTestProduct();
  // The command line finds the product's Temporal the way an operator's shell would.
  Object.assign(process.env, { TEMPORAL_ADDRESS: product.temporal.address, TEMPORAL_NAMESPACE: product.temporal.namespace, TEMPORAL_TASK_QUEUE: product.temporal.taskQueue, DATABASE_URL: product.databaseUrl });
});
after(async () => {
  await product?.stop();
});

/** Texts every few seconds, so channel changes show within a test. */
const textingCadence = parseCadence({
  name: 'e2e-texting',
  version: 1,
  steps: [
    { id: 'text-1', after: '0s', action: 'sms', template: 'text' },
    { id: 'text-2', after: '12s', action: 'sms', template: 'text' },
    { id: 'text-3', after: '24s', action: 'sms', template: 'text' },
  ],
  templates: { text: { en: { text: 'You owe {{balance}}. Pay at {{paymentLink}}. Reply STOP to opt out. This is a communication from a debt collector.' } } },
});

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function enroll(account: AccountProfile, cadence = textingCadence) {
  await enrollAccount(product.client, { account, cadence, settings, taskQueue: product.temporal.taskQueue, creditors: product.creditors });
  return product.client.workflow.getHandle(accountKey(account.creditorId, account.accountId));
}
const view = (account: AccountProfile): Promise<AccountStateView> => product.client.workflow.getHandle(accountKey(account.creditorId, account.accountId)).query(accountStateQuery);
const textsTo = (phone: string) => product.sinks.twilio!.messages().filter((m) => m.to === phone);

function signedPayment(body: unknown, secret = product.settings.PAYMENT_WEBHOOK_SECRET) {
  const raw = JSON.stringify(body);
  const t = Math.floor(Date.now() / 1000);
  return { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': `t=${t},v1=${signPaymentWebhook(secret, t, raw)}` }, body: raw };
}

function twilioForm(path: string, params: Record<string, string>) {
  const url = `${product.apiUrl}${path}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(product.sinks.twilio!.authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}

describe('the running product', () => {
  it('a signed payment webhook posts to the ledger and ends the reminders; a bad signature, a replay and a malformed body change nothing', async () => {
    const account = makeDaytimeAccount({ creditorId: 'cred-metro-power', balanceMinor: 80_00 });
    await enroll(account);
    await eventually(async () => (textsTo(account.phone!).length >= 1 ? true : undefined), 'the first text');
    const event = { eventId: `evt-${account.accountId}`, type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: `pay-${account.accountId}`, amountMinor: 80_00, currency: 'USD' } };

    const forged = await fetch(`${product.apiUrl}/webhooks/payments`, signedPayment(event, 'not-the-processor-secret-at-all'));
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as ApiError).error.code, 'bad_signature');
    const malformed = await fetch(`${product.apiUrl}/webhooks/payments`, signedPayment({ ...event, eventId: 'evt-malformed', payment: { ...event.payment, amountMinor: -5 } }));
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as ApiError).error.field, 'payment.amountMinor');
    const ledgerRows = () => product.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'payment'`, [accountKey(account.creditorId, account.accountId)]);
    assert.equal((await ledgerRows()).rows[0].n, 0, 'refused requests post nothing');

    const accepted = await fetch(`${product.apiUrl}/webhooks/payments`, signedPayment(event));
    assert.equal(accepted.status, 202, await accepted.clone().text());
    const replayed = await fetch(`${product.apiUrl}/webhooks/payments`, signedPayment(event));
    assert.equal(replayed.status, 409);
    assert.equal(((await replayed.json()) as ApiError).error.code, 'replayed_event');

    const paid = await eventually(async () => {
      const state = await view(account);
      return state.stage === 'paid' ? state : undefined;
    }, 'the account to be paid');
    assert.equal(paid.balance.amountMinor, 0);
    assert.equal((await ledgerRows()).rows[0].n, 1, 'posted exactly once');
    const textsWhenPaid = textsTo(account.phone!).length;
    await new Promise((resolve) => setTimeout(resolve, 14_000)); // past the next step's time
    assert.equal(textsTo(account.phone!).length, textsWhenPaid, 'no reminder after the payment');
  });

  it('an inbound STOP stops the texts before the next one', async () => {
    const account = makeDaytimeAccount({ creditorId: 'cred-metro-power' });
    await enroll(account);
    await eventually(async () => (textsTo(account.phone!).length >= 1 ? true : undefined), 'the first text');
    const reply = await twilioForm('/webhooks/twilio/sms', { From: account.phone!, To: '+15005550006', Body: 'stop', MessageSid: `SM-in-${account.accountId}` });
    assert.equal(reply.status, 200);
    const state = await eventually(async () => {
      const s = await view(account);
      return s.contacts.some((c) => c.stepId === 'text-2') ? s : undefined;
    }, 'the second step to be decided', 30_000);
    assert.equal(state.contacts.find((c) => c.stepId === 'text-2')!.status, 'suppressed');
    assert.equal(textsTo(account.phone!).length, 1, 'only the text before STOP went out');
  });

  it('an undelivered status marks the number invalid and the next step goes by email instead', async () => {
    // +1 555 010 xxxx: numbers the Twilio-compatible sink reports undelivered (30003), as Twilio does for an unreachable handset.
    const account = { ...makeDaytimeAccount({ creditorId: 'cred-metro-power' }), phone: `+1555010${String(Date.now()).slice(-4)}` };
    await enroll(account);
    const state = await eventually(async () => {
      const s = await view(account);
      return s.contacts.some((c) => c.stepId === 'text-2') ? s : undefined;
    }, 'the second step', 30_000);
    assert.deepEqual(state.invalidContacts!.map((i) => [i.channel, i.address]), [['sms', account.phone]]);
    const second = state.contacts.find((c) => c.stepId === 'text-2')!;
    assert.equal(second.channel, 'email');
    assert.equal(second.status, 'sent');
    assert.ok(product.sinks.smtp!.messages().some((m) => m.to.includes(account.email!) && /Reply STOP/.test(m.text ?? '')), 'the text went to the debtor by email');
    assert.equal(textsTo(account.phone!).length, 1, 'nothing more to the dead number');
    const { rows } = await product.pool.query(`SELECT status FROM message_status_events WHERE provider_message_id = $1 ORDER BY status`, [state.contacts.find((c) => c.stepId === 'text-1')!.providerMessageId]);
    assert.ok(rows.some((r) => r.status === 'undelivered'), 'the callback is on record');
  });

  it("one creditor's API key cannot read or change another creditor's account", async () => {
    const keys = JSON.parse(readFileSync(join(product.dataDir, 'api-keys.local.json'), 'utf8')) as Record<string, { key: string }>;
    const account = makeDaytimeAccount({ creditorId: 'cred-swift-auto', product: 'auto_loan' });
    await enroll(account);
    const get = (creditor: string) => fetch(`${product.apiUrl}/v1/accounts/${account.accountId}`, { headers: { authorization: `Bearer ${keys[creditor]!.key}` } });
    const own = await get('cred-swift-auto');
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as { accountId: string }).accountId, account.accountId);
    const other = await get('cred-metro-power');
    assert.equal(other.status, 404);
    assert.equal(((await other.json()) as ApiError).error.code, 'unknown_account');
    const pause = await fetch(`${product.apiUrl}/v1/accounts/${account.accountId}/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['cred-metro-power']!.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'not mine to pause' }),
    });
    assert.equal(pause.status, 404);
    assert.notEqual((await view(account)).stage, 'paused');
    const anonymous = await fetch(`${product.apiUrl}/v1/accounts/${account.accountId}`);
    assert.equal(anonymous.status, 401);
  });

  it("the command line's dry run reports every bad row of the malformed file and enrolls nothing", async () => {
    let output = '';
    const code = await runCli(['enroll', join(SHARED_DATA, 'malformed-accounts.csv'), '--dry-run', '--json'], (text) => {
      output += text;
    });
    assert.equal(code, EXIT.rejectedRows);
    const report = JSON.parse(output);
    assert.deepEqual(report.rejected.map((r: { line: number; field: string }) => `${r.line}:${r.field}`), ['2:balance_cents', '3:email', '4:phone', '5:timezone', '6:balance_cents', '7:creditor_id', '8:due_date', '9:currency']);
    const enrolled = await product.client.workflow.count(`DunningAccountId = 'ACC-07-0000001'`);
    assert.equal(enrolled.count, 0);
  });
});
