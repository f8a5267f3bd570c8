/**
 * No input can freeze an account, and no money is forgotten: values that cannot be right are
 * refused where they arrive (API, webhook, command line), naming the field; a posting the ledger can
 * never take (sent past the edge, straight to the workflow) is recorded as refused and kept as
 * unapplied money while the account goes on; accounts of a creditor missing from the directory
 * are refused at enrollment with their line and field; money for an account that ended or was
 * never enrolled is kept for an operator.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApiKeyRepository } from '../src/adapters/api-key.repository';
import { startApiServer } from '../src/api/server';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { parseCadence } from '../src/schemas/cadence.schema';
import { ACCOUNT_CSV_COLUMNS } from '../src/schemas/account.schema';
import { runCli } from '../src/starter';
import { signWebhook } from '../src/api/signed-webhook';
import { accountStateQuery, ledgerAdjustmentSignal, paymentReceivedSignal } from '../src/workflows/definitions';
import { makeAccount, settings } from './helpers/fixtures';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
let api: Awaited<ReturnType<typeof startApiServer>>;
let key: string;
let strangerKey: string;
const WEBHOOK_SECRET = 'test-payment-webhook-secret';
const work = mkdtempSync(join(tmpdir(), 'bad-input-'));

before(async () => {
  stack = await startTimeSkippingStack();
  const keys = createApiKeyRepository(stack.pool);
  key = (await keys.create({ creditorId: 'cred-test', label: 'billing' })).key;
  // A creditor with an API key but no entry in the creditor directory.
  strangerKey = (await keys.create({ creditorId: 'cred-nowhere', label: 'unconfigured' })).key;
  api = await startApiServer({
    client: stack.client,
    pool: stack.pool,
    paymentWebhookSecret: WEBHOOK_SECRET,
    enrollment: { get taskQueue() { return stack.taskQueue; }, settings, creditors: stack.creditors },
  });
  Object.assign(process.env, { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: stack.env.namespace ?? 'default', DATABASE_URL: stack.databaseUrl });
});
after(async () => {
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL']) delete process.env[name];
  await api?.close();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

async function call(method: string, path: string, body: unknown, apiKey = key): Promise<{ status: number; body: any }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runCli(args, (text) => void (output += text));
  return { code, output };
}

const cadence = parseCadence({
  name: 'bad-input', version: 1,
  steps: [{ id: 'first', action: 'email', after: '0d', template: 't' }, { id: 'second', action: 'email', after: '5d', template: 't' }],
  templates: { t: { en: { subject: 'Account {{accountId}}', text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } } },
});
const enroll = async (account: AccountProfile) => {
  await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue, creditors: stack.creditors });
  return stack.client.workflow.getHandle(accountKey(account.creditorId, account.accountId));
};
const unapplied = async (paymentId: string) => (await stack.pool.query('SELECT source, reason, amount_minor::text AS amount FROM unapplied_payments WHERE payment_id = $1', [paymentId])).rows;

/** Accounts as rows of the standard CSV. */
const row = (account: AccountProfile) =>
  [account.accountId, account.creditorId, account.product, account.debtorName, account.email ?? '', account.phone ?? '', account.language, account.address.line1, account.address.city, account.address.region, account.address.postalCode, account.address.country, account.timezone, account.currency, String(account.balanceMinor), account.dueDate, 'true', 'true', '', '', ''].join(',');
const csv = (accounts: AccountProfile[]) => [ACCOUNT_CSV_COLUMNS.join(','), ...accounts.map(row)].join('\n') + '\n';

describe('values that cannot be right are refused at the edge, naming the field', () => {
  it('a payment dated year 0 or a fee past any real amount: 400 from the API and the webhook; nothing signalled', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      const base = `/v1/accounts/${account.accountId}`;
      let answer = await call('POST', `${base}/payments`, { paymentId: 'P-Y0', amountMinor: 10_00, currency: 'USD', receivedAt: '0000-01-01T00:00:00Z' });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.field, 'receivedAt');
      answer = await call('POST', `${base}/payments`, { paymentId: 'P-FUT', amountMinor: 10_00, currency: 'USD', receivedAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
      assert.equal(answer.status, 400);
      assert.match(answer.body.error.message, /future/);
      answer = await call('POST', `${base}/adjustments`, { adjustmentId: 'FEE-HUGE', kind: 'fee', amountMinor: Number.MAX_SAFE_INTEGER, currency: 'USD', description: 'late fee' });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.field, 'amountMinor');
      const raw = JSON.stringify({ eventId: 'evt-y0', type: 'payment.succeeded', creditorId: account.creditorId, accountId: account.accountId, payment: { paymentId: 'P-WH-Y0', amountMinor: 10_00, currency: 'USD', receivedAt: '0000-01-01T00:00:00Z' } });
      const t = Math.floor(Date.now() / 1000);
      const webhook = await fetch(`${api.url}/webhooks/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'payment-signature': `t=${t},v1=${signWebhook(WEBHOOK_SECRET, t, raw)}` }, body: raw });
      assert.equal(webhook.status, 400);
      assert.equal(((await webhook.json()) as { error: { field: string } }).error.field, 'payment.receivedAt');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.payments, []);
      assert.equal(state.adjustments!.length, 0);
      await handle.terminate('test done');
    });
  });
});

describe('a US address names its state by its USPS code (state rules, zones and limitation periods are read from it)', () => {
  it('"New York" is refused naming address.region (one account, an address change) and region (a CSV row); a code and a foreign region pass', async () => {
    const spelled = makeAccount({ address: { line1: '1 Main St', city: 'Albany', region: 'New York', postalCode: '12207', country: 'US' } });
    const one = await call('POST', '/v1/accounts', spelled);
    assert.equal(one.status, 400, JSON.stringify(one.body));
    assert.equal(one.body.error.field, 'address.region');
    assert.match(one.body.error.message, /USPS state or territory code such as NY/);
    const abroad = makeAccount({ address: { line1: '1 George St', city: 'Sydney', region: 'NSW', postalCode: '2000', country: 'AU' }, timezone: 'Australia/Sydney', currency: 'USD' });
    const batch = await call('POST', '/v1/accounts/batch?dryRun=true', csv([spelled, makeAccount({ address: { line1: '5 Elm St', city: 'Boston', region: 'MA', postalCode: '02108', country: 'US' } }), abroad]));
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.deepEqual(batch.body.results.map((r: any) => [r.line, r.status, r.errors?.[0]?.field ?? null]), [[2, 'invalid', 'region'], [3, batch.body.results[1].status, null], [4, batch.body.results[2].status, null]]);
    assert.notEqual(batch.body.results[1].status, 'invalid');
    assert.notEqual(batch.body.results[2].status, 'invalid');
    const moved = await call('POST', `/v1/accounts/ANY/address-changes`, { address: { line1: '2 Oak St', city: 'Austin', region: 'Texas', postalCode: '73301', country: 'US' }, reason: 'moved' });
    assert.equal(moved.status, 400, JSON.stringify(moved.body));
    assert.equal(moved.body.error.field, 'address.region');
  });
});

describe('an opt-out names the address as the account keeps it', () => {
  it('a number without its country code or an email that is not one is refused naming address; nothing is recorded', async () => {
    for (const [channel, address] of [['sms', '(212) 555-0100'], ['call', '212-555-0100'], ['email', 'jane at example.test']] as const) {
      const answer = await call('POST', '/v1/accounts/ANY/opt-outs', { channel, address, source: 'operator' });
      assert.equal(answer.status, 400, `${channel} ${address}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.field, 'address');
    }
    const { rows } = await stack.pool.query(`SELECT 1 FROM address_opt_outs WHERE address LIKE '%2125550100%' OR address LIKE 'jane%'`);
    assert.equal(rows.length, 0);
  });
});

describe('a posting the ledger can never take does not freeze the account', () => {
  it('is recorded as refused and kept as unapplied money; later payments post and the cadence goes on', async () => {
    const account = makeAccount({ balanceMinor: 300_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      // Straight to the workflow, past every edge check.
      await handle.signal(paymentReceivedSignal, { paymentId: 'P-YEAR-0', amountMinor: 10_00, currency: 'USD', receivedAt: '0000-01-01T00:00:00Z' });
      await handle.signal(ledgerAdjustmentSignal, { adjustmentId: 'FEE-MAX', kind: 'fee', amountMinor: Number.MAX_SAFE_INTEGER, currency: 'USD', description: 'late fee' });
      await handle.signal(paymentReceivedSignal, { paymentId: 'P-GOOD', amountMinor: 50_00, currency: 'USD' });
      await stack.env.sleep('6 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.payments.map((p) => [p.paymentId, p.status]), [['P-YEAR-0', 'rejected'], ['P-GOOD', 'posted']]);
      assert.match(state.payments[0]!.reason!, /^invalid_posting: receivedAt "0000-01-01T00:00:00Z" is not a date-time the ledger can keep/);
      assert.deepEqual(state.adjustments!.map((a) => [a.adjustmentId, a.status]), [['FEE-MAX', 'rejected']]);
      assert.equal(state.balance.amountMinor, 250_00);
      assert.ok(state.steps!.some((s) => s.action === 'payment refused' && /kept as unapplied money/.test(s.detail!)));
      assert.deepEqual(state.contacts.filter((c) => c.status === 'sent').map((c) => c.stepId), ['validation-notice', 'first', 'second'], 'the cadence went on');
      assert.deepEqual(await unapplied('P-YEAR-0'), [{ source: 'workflow', reason: 'invalid_posting: receivedAt "0000-01-01T00:00:00Z" is not a date-time the ledger can keep', amount: '1000' }]);
      await handle.terminate('test done');
    });
  });
});

describe('accounts of a creditor missing from the directory are refused at enrollment', () => {

  it('by the API, one account (422 naming creditorId) and in a batch (every row, naming creditor_id)', async () => {
    const stranger = makeAccount({ creditorId: 'cred-nowhere' });
    const one = await call('POST', '/v1/accounts', stranger, strangerKey);
    assert.equal(one.status, 422, JSON.stringify(one.body));
    assert.deepEqual([one.body.error.code, one.body.error.field], ['unknown_creditor', 'creditorId']);
    const batch = await call('POST', '/v1/accounts/batch', csv([stranger, makeAccount({ creditorId: 'cred-nowhere' })]), strangerKey);
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body.results.map((r: any) => [r.line, r.status, r.errors[0].code, r.errors[0].field]), [[2, 'invalid', 'unknown_creditor', 'creditor_id'], [3, 'invalid', 'unknown_creditor', 'creditor_id']]);
    const { rows } = await stack.pool.query(`SELECT 1 FROM debtor_accounts WHERE creditor_id = 'cred-nowhere'`);
    assert.equal(rows.length, 0, 'nothing was started');
  });

  it('by the command line, with the line and field, while the good rows of the file are enrolled', async () => {
    // The command line reads the local creditor directory (config/creditors.local.json).
    const good = makeAccount({ creditorId: 'cred-metro-power' });
    const stranger = makeAccount({ creditorId: 'cred-nowhere' });
    const file = join(work, 'mixed.csv');
    writeFileSync(file, csv([good, stranger]));
    const dry = await cli('enroll', file, '--dry-run');
    assert.equal(dry.code, 2);
    assert.match(dry.output, /1 valid rows, 1 errors/);
    assert.match(dry.output, new RegExp(`rejected line 3 \\(${stranger.accountId}\\): creditor_id: creditor cred-nowhere is not in the creditor directory`));
  });
});

describe('money for an account that ended or was never enrolled is kept for an operator', () => {
  it('a payment to a closed account is answered 409 and kept; to an unknown account 404 and kept; the command line lists both', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      assert.equal((await call('POST', `/v1/accounts/${account.accountId}/close`, { reason: 'sold' })).status, 200);
      await stack.env.sleep('1 minute');
      await handle.result();
    });
    const closed = await call('POST', `/v1/accounts/${account.accountId}/payments`, { paymentId: 'P-LATE', amountMinor: 12_34, currency: 'USD' });
    assert.equal(closed.status, 409);
    const nowhere = await call('POST', '/v1/accounts/NEVER-ENROLLED/payments', { paymentId: 'P-NOWHERE', amountMinor: 5_00, currency: 'USD' });
    assert.equal(nowhere.status, 404);
    assert.equal((await unapplied('P-LATE'))[0].source, 'api');
    assert.equal((await unapplied('P-NOWHERE'))[0].amount, '500');
    const listed = await cli('unapplied', '--creditor', 'cred-test');
    assert.equal(listed.code, 0);
    assert.match(listed.output, new RegExp(`cred-test/${account.accountId} P-LATE \\$12\\.34 \\(api\\): account_closed`));
    assert.match(listed.output, /cred-test\/NEVER-ENROLLED P-NOWHERE \$5\.00 \(api\): unknown_account/);
  });
});
