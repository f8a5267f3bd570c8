/**
 * The REST API over real HTTP, against the time-skipping server, Postgres and the worker: API
 * keys scoped to a creditor (401, 403, another creditor's account is 404), enrollment one by one
 * and in batches (JSON and the standard CSV, per-row results, dry run), reading an account and
 * its history with the ledger statement, arrangements and their refusals (422 naming the field),
 * compliance facts, operator controls, payments and returns, 503 when Temporal is away, and the
 * OpenAPI document against the routes the server serves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApiKeyRepository, type ApiKeyRepository } from '../src/adapters/api-key.repository';
import { processorsFromDirectory } from '../src/adapters/payment-processor';
import { ROUTES } from '../src/api/routes';
import { startApiServer } from '../src/api/server';
import type { AccountProfile } from '../src/domain/account';
import { localDateTime } from '../src/domain/contact-policy';
import { addCalendarDays, zonedTimeToUtcMs } from '../src/domain/schedule';
import { makeAccount, ROOT, settings, SHARED_DATA } from './helpers/fixtures';
import { freePort } from './helpers/product';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
let api: Awaited<ReturnType<typeof startApiServer>>;
let keys: ApiKeyRepository;
/** cred-test's key (the fixtures' creditor), another creditor's, and cred-metro-power's for the shared CSV. */
let keyA: string;
let keyB: string;
let keyMetro: string;

before(async () => {
  stack = await startTimeSkippingStack();
  keys = createApiKeyRepository(stack.pool);
  keyA = (await keys.create({ creditorId: 'cred-test', label: 'test A' })).key;
  keyB = (await keys.create({ creditorId: 'cred-other', label: 'test B' })).key;
  keyMetro = (await keys.create({ creditorId: 'cred-metro-power' })).key;
  api = await startApiServer({
    client: stack.client,
    pool: stack.pool,
    paymentWebhookSecret: 'test-payment-webhook-secret',
    twilio: { authToken: stack.twilio.authToken },
    unsubscribeSecret: 'test-unsubscribe-link-secret',
    emailWebhookSecret: 'test-email-webhook-secret',
    codecEndpoint: { codec: stack.encryption.readerCodec, namespace: 'default', allowedOrigins: [] },
    // The debtor's page is served too, so the document's /p routes are checked as served.
    debtorPage: { secret: 'test-debtor-page-secret', baseUrl: 'http://127.0.0.1/p', creditors: stack.creditors, processors: processorsFromDirectory(stack.creditors, {}) },
    // Each run of the stack has its own task queue: read it when an account is enrolled.
    enrollment: { get taskQueue() { return stack.taskQueue; }, settings, creditors: stack.creditors },
  });
});
after(async () => {
  await api?.close();
  await stack?.close();
});

const run = (fn: () => Promise<void>) => stack.run(fn);

type Answer = { status: number; body: any; headers: Headers };
async function call(method: string, path: string, options: { key?: string | null; json?: unknown; raw?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? keyA : options.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.raw !== undefined) body = options.raw;
  if (options.contentType) headers['content-type'] = options.contentType;
  const response = await fetch(`${api.url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (TwiML, HTML)
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** An account as the API takes it (JSON), for cred-test unless told. */
const accountJson = (overrides: Partial<AccountProfile> = {}) => makeAccount(overrides);
/** `days` after today in the account's zone (America/New_York): arrangements count from the debtor's local today. */
const dayOffset = async (days: number) =>
  addCalendarDays(localDateTime(new Date(await stack.env.currentTimeMs()).toISOString(), 'America/New_York').date, days);
const expectError = (answer: Answer, status: number, code: string, field?: string) => {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error?.code, code, JSON.stringify(answer.body));
  if (field !== undefined) assert.equal(answer.body.error.field, field, JSON.stringify(answer.body));
};

describe('API keys', () => {
  it('refuses a missing, malformed, unknown or revoked key with 401 and the same answer', async () => {
    expectError(await call('GET', '/v1/accounts/ANY', { key: null }), 401, 'unauthorized');
    expectError(await call('GET', '/v1/accounts/ANY', { key: 'not-a-key' }), 401, 'unauthorized');
    const forged = keyA.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expectError(await call('GET', '/v1/accounts/ANY', { key: forged }), 401, 'unauthorized');
    const revoked = await keys.create({ creditorId: 'cred-test', label: 'to revoke' });
    expectError(await call('GET', '/v1/accounts/NO-SUCH', { key: revoked.key }), 404, 'unknown_account');
    assert.equal(await keys.revoke(revoked.keyId), 'revoked');
    assert.equal(await keys.revoke(revoked.keyId), 'already_revoked');
    const refused = await call('GET', '/v1/accounts/NO-SUCH', { key: revoked.key });
    expectError(refused, 401, 'unauthorized');
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
    const stored = await stack.pool.query('SELECT secret_sha256 FROM api_keys WHERE key_id = $1', [revoked.keyId]);
    assert.ok(!revoked.key.includes((stored.rows[0].secret_sha256 as Buffer).toString('hex')), 'only a hash is stored');
  });
});

describe('enrollment', () => {
  it('enrolls once (201, then 200 already_enrolled); another creditor gets 403 on enrolling, 404 on reading', async () => {
    const account = accountJson();
    await run(async () => {
      const first = await call('POST', '/v1/accounts', { json: account });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.deepEqual(first.body, { status: 'started', workflowId: `account/cred-test/${account.accountId}` });
      const again = await call('POST', '/v1/accounts', { json: account });
      assert.deepEqual([again.status, again.body.status], [200, 'already_enrolled']);
      expectError(await call('POST', '/v1/accounts', { key: keyB, json: accountJson() }), 403, 'creditor_mismatch', 'creditorId');
      expectError(await call('GET', `/v1/accounts/${account.accountId}`, { key: keyB }), 404, 'unknown_account');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/pause`, { key: keyB, json: { reason: 'not yours' } }), 404, 'unknown_account');
      const state = await call('GET', `/v1/accounts/${account.accountId}`);
      assert.equal(state.status, 200);
      assert.deepEqual([state.body.accountId, state.body.balance], [account.accountId, { amountMinor: 120_00, currency: 'USD' }]);
    });
  });

  it('refuses bad bodies with the field, and bad requests with stable codes', async () => {
    expectError(await call('POST', '/v1/accounts', { json: accountJson({ balanceMinor: 12.5 }) }), 400, 'invalid_field', 'balanceMinor');
    expectError(await call('POST', '/v1/accounts', { json: { ...accountJson(), address: { line1: '1 Main St', region: 'NY', postalCode: '10001', country: 'US' } } }), 400, 'invalid_field', 'address.city');
    expectError(await call('POST', '/v1/accounts', { json: { ...accountJson(), nickname: 'x' } }), 400, 'invalid_field', 'nickname');
    expectError(await call('POST', '/v1/accounts', { raw: '{"accountId": ', contentType: 'application/json' }), 400, 'malformed_body');
    expectError(await call('POST', '/v1/accounts', { raw: 'accountId=1', contentType: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectError(await call('POST', '/v1/accounts', { raw: JSON.stringify({ ...accountJson(), debtorName: 'x'.repeat(70_000) }), contentType: 'application/json' }), 413, 'body_too_large');
    expectError(await call('GET', '/v1/accounts/bad%20id'), 400, 'invalid_field', 'accountId');
    expectError(await call('DELETE', '/v1/accounts/X'), 405, 'method_not_allowed');
    expectError(await call('GET', '/v1/nothing-here'), 404, 'not_found');
  });

  it('refuses a line break or another control character in any text field that reaches a letter, header, PDF or CSV, naming the field', async () => {
    const refused = async (json: unknown, field: string) => {
      const answer = await call('POST', '/v1/accounts', { json });
      expectError(answer, 400, 'invalid_field', field);
      return answer.body.error.message as string;
    };
    assert.equal(await refused(accountJson({ debtorName: 'Ana\nRivera' }), 'debtorName'), 'debtorName: must be one line without control characters (found a line break)');
    await refused(accountJson({ address: { line1: '1 Main St\r\nBcc: x@evil.example', city: 'Springfield', region: 'NY', postalCode: '10001', country: 'US' } }), 'address.line1');
    await refused(accountJson({ collateralVin: '1HGCM\u001b[2J' }), 'collateralVin');
    await refused(accountJson({ serviceId: 'S'.repeat(101) }), 'serviceId');
    await refused({ ...accountJson(), debts: [{ debtId: 'D1', description: 'Service\u2028charge', amountMinor: 120_00, dueDate: '2026-01-01' }] }, 'debts.0.description');
    await refused(accountJson({ email: 'a@example.test\nBcc: x@evil.example' }), 'email');
    // The batch names the field per row, and the same rules hold for a change of address.
    const batch = await call('POST', '/v1/accounts/batch?dryRun=true', { json: { accounts: [accountJson({ debtorName: 'Ana\tRivera' })] } });
    assert.deepEqual(batch.body.results[0].errors, [{ field: 'debtorName', code: 'invalid_field', message: 'must be one line without control characters (found a tab)' }]);
    expectError(await call('POST', '/v1/accounts/ANY/address-changes', { json: { address: { line1: 'x\ny', city: 'c', region: 'r', postalCode: '1', country: 'US' }, reason: 'moved' } }), 400, 'invalid_field', 'address.line1');
  });

  it('a JSON batch checks every row on its own, enrolls the good rows, and a dry run enrolls nothing', async () => {
    const good = accountJson();
    const alsoGood = accountJson();
    const rows = [good, { ...accountJson(), balanceMinor: -5, email: 'nope' }, accountJson({ creditorId: 'cred-other' }), alsoGood, good];
    await run(async () => {
      const dry = await call('POST', '/v1/accounts/batch?dryRun=true', { json: { accounts: rows } });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      assert.deepEqual(dry.body.results.map((r: { row: number; status: string }) => `${r.row}:${r.status}`), ['1:valid', '2:invalid', '3:invalid', '4:valid', '5:invalid']);
      assert.deepEqual(dry.body.results[1].errors.map((e: { field: string }) => e.field).sort(), ['balanceMinor', 'email']);
      assert.deepEqual(dry.body.results[2].errors, [{ field: 'creditorId', code: 'creditor_mismatch', message: 'this API key acts for cred-test, not cred-other' }]);
      assert.match(dry.body.results[4].errors[0].message, /duplicate of row 1/);
      expectError(await call('GET', `/v1/accounts/${good.accountId}`), 404, 'unknown_account');

      const real = await call('POST', '/v1/accounts/batch', { json: { accounts: rows } });
      assert.deepEqual(real.body.summary, { rows: 5, started: 2, alreadyEnrolled: 0, valid: 0, invalid: 3, failed: 0 });
      assert.equal(real.body.results[0].workflowId, `account/cred-test/${good.accountId}`);
      const again = await call('POST', '/v1/accounts/batch', { json: { accounts: [good] } });
      assert.equal(again.body.results[0].status, 'already_enrolled');
      expectError(await call('POST', '/v1/accounts/batch', { json: { accounts: [] } }), 400, 'invalid_field', 'accounts');
      expectError(await call('POST', '/v1/accounts/batch?dryRun=maybe', { json: { accounts: [good] } }), 400, 'invalid_field', 'dryRun');
    });
  });

  it('a CSV batch reports each line and field as the command line does; rows of another creditor are refused', async () => {
    const csv = readFileSync(join(SHARED_DATA, 'malformed-accounts.csv'), 'utf8');
    const dry = await call('POST', '/v1/accounts/batch?dryRun=true', { key: keyMetro, raw: csv, contentType: 'text/csv' });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(
      dry.body.results.map((r: { line: number; status: string; errors?: { field: string }[] }) => `${r.line}:${r.status}${r.errors ? `:${r.errors.map((e) => e.field).join('+')}` : ''}`),
      ['2:invalid:balance_cents', '3:invalid:email', '4:invalid:phone', '5:invalid:timezone', '6:invalid:balance_cents', '7:invalid:creditor_id', '8:invalid:due_date', '9:invalid:currency', '10:valid'],
    );
    const otherCreditor = await call('POST', '/v1/accounts/batch?dryRun=true', { key: keyA, raw: csv, contentType: 'text/csv; charset=utf-8' });
    assert.deepEqual(otherCreditor.body.results[8].errors, [{ field: 'creditor_id', code: 'creditor_mismatch', message: 'this API key acts for cred-test, not cred-metro-power' }]);
    expectError(await call('POST', '/v1/accounts/batch', { raw: 'id,name\n1,x\n', contentType: 'text/csv' }), 400, 'invalid_csv', '(header)');
    expectError(await call('POST', '/v1/accounts/batch', { raw: csv, contentType: 'text/plain' }), 415, 'unsupported_media_type');
  });
});

describe('an account through the API', () => {
  it('history has the stage history, contacts and the ledger statement', async () => {
    const account = accountJson({ balanceMinor: 250_00 });
    await run(async () => {
      assert.equal((await call('POST', '/v1/accounts', { json: account })).status, 201);
      await stack.env.sleep('1 day');
      const history = await call('GET', `/v1/accounts/${account.accountId}/history`);
      assert.equal(history.status, 200, JSON.stringify(history.body));
      assert.equal(history.body.stageHistory[0].stage, 'notice');
      assert.ok(history.body.contacts.length > 0);
      assert.deepEqual(history.body.statement.map((l: { description: string; debitMinor: number; balanceMinor: number }) => [l.description, l.debitMinor, l.balanceMinor]), [['Opening balance', 250_00, 250_00]]);
      expectError(await call('GET', '/v1/accounts/NO-SUCH/history'), 404, 'unknown_account');
    });
  });

  it('pause, a refused second pause (422), resume, close; a closed account answers 409', async () => {
    const account = accountJson();
    await run(async () => {
      await call('POST', '/v1/accounts', { json: account });
      const paused = await call('POST', `/v1/accounts/${account.accountId}/pause`, { json: { reason: 'debtor in hospital' } });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      assert.equal(paused.body.stage, 'paused');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/pause`, { json: { reason: 'again' } }), 422, 'control_refused');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/resume`, { json: {} }), 400, 'invalid_field', 'reason');
      // Who acted comes from the key, never from the body.
      expectError(await call('POST', `/v1/accounts/${account.accountId}/resume`, { json: { reason: 'home again', operator: 'the CEO' } }), 400, 'invalid_field', 'operator');
      const resumed = await call('POST', `/v1/accounts/${account.accountId}/resume`, { json: { reason: 'home again' } });
      // Back to the stage it was paused in: 'notice', or 'reminding' when the contact window was open
      // at enrollment and the first step already went (the test depends on no hour of the day).
      const pausedHistory = paused.body.stageHistory as { stage: string }[];
      assert.equal(pausedHistory.at(-1)!.stage, 'paused');
      assert.ok(['notice', 'reminding'].includes(pausedHistory.at(-2)!.stage), pausedHistory.at(-2)!.stage);
      assert.equal(resumed.body.stage, pausedHistory.at(-2)!.stage);
      const byOperator = (resumed.body.steps as { stepId: string; action: string; detail: string }[]).filter((s) => s.stepId === '(operator)');
      assert.deepEqual(byOperator.map((s) => s.action), ['pause', 'resume']);
      for (const step of byOperator) assert.match(step.detail, /^(debtor in hospital|home again) \(by test A \(API key [0-9a-f]{12}\)\)$/);
      const closed = await call('POST', `/v1/accounts/${account.accountId}/close`, { json: { reason: 'creditor recalled it' } });
      assert.equal(closed.body.stage, 'closed');
      const history = closed.body.stageHistory as { stage: string; reason: string }[];
      assert.match(history.find((s) => s.stage === 'paused')!.reason, /debtor in hospital/);
      await stack.client.workflow.getHandle(`account/cred-test/${account.accountId}`).result();
      expectError(await call('POST', `/v1/accounts/${account.accountId}/disputes`, { json: { via: 'phone' } }), 409, 'account_closed');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/payments`, { json: { paymentId: 'P-LATE', amountMinor: 100, currency: 'USD' } }), 409, 'account_closed');
    });
  });

  it('payments post once; another currency is 422 currency_mismatch; a return is accepted', async () => {
    const account = accountJson({ balanceMinor: 300_00 });
    await run(async () => {
      await call('POST', '/v1/accounts', { json: account });
      const payment = { paymentId: `P-${account.accountId}`, amountMinor: 100_00, currency: 'USD' };
      assert.deepEqual((await call('POST', `/v1/accounts/${account.accountId}/payments`, { json: payment })).body, { accepted: true, paymentId: payment.paymentId });
      assert.equal((await call('POST', `/v1/accounts/${account.accountId}/payments`, { json: payment })).status, 202);
      expectError(await call('POST', `/v1/accounts/${account.accountId}/payments`, { json: { ...payment, paymentId: 'P-EUR', currency: 'EUR' } }), 422, 'currency_mismatch', 'currency');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/payments`, { json: { ...payment, amountMinor: 10.5 } }), 400, 'invalid_field', 'amountMinor');
      await stack.env.sleep('1 hour');
      const state = await call('GET', `/v1/accounts/${account.accountId}`);
      assert.equal(state.body.balance.amountMinor, 200_00);
      expectError(await call('POST', `/v1/accounts/${account.accountId}/returns`, { json: { paymentId: payment.paymentId, returnId: 'R-1', reason: 'bounced' } }), 400, 'invalid_field', 'reason');
      const returned = await call('POST', `/v1/accounts/${account.accountId}/returns`, { json: { paymentId: payment.paymentId, returnId: 'R-1', reason: 'insufficient_funds' } });
      assert.deepEqual([returned.status, returned.body], [202, { accepted: true, returnId: 'R-1' }]);
      await stack.env.sleep('1 hour');
      const after = await call('GET', `/v1/accounts/${account.accountId}`);
      assert.equal(after.body.payments[0].status, 'reversed', JSON.stringify(after.body.payments));
      assert.equal(after.body.balance.amountMinor, 300_00);
    });
  });

  it('compliance facts: a dispute, a change of address, a bankruptcy', async () => {
    const account = accountJson();
    await run(async () => {
      await call('POST', '/v1/accounts', { json: account });
      assert.equal((await call('POST', `/v1/accounts/${account.accountId}/disputes`, { json: { note: 'not mine' } })).status, 202);
      expectError(await call('POST', `/v1/accounts/${account.accountId}/disputes`, { json: { via: 'carrier pigeon' } }), 400, 'invalid_field', 'via');
      const moved = await call('POST', `/v1/accounts/${account.accountId}/address-changes`, {
        json: { phone: '+13125550199', timezone: 'America/Chicago', reason: 'debtor moved' },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.match(moved.body.steps.find((s: { stepId: string; action: string }) => s.stepId === '(operator)' && s.action.startsWith('contact details changed')).detail, /^debtor moved \(by test A \(API key [0-9a-f]{12}\)\)$/);
      expectError(await call('POST', `/v1/accounts/${account.accountId}/address-changes`, { json: { phone: '+13125550198', reason: 'x', operator: 'ana' } }), 400, 'invalid_field', 'operator');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/address-changes`, { json: { phone: '555', reason: 'x' } }), 400, 'invalid_field', 'phone');
      expectError(await call('POST', `/v1/accounts/${account.accountId}/bankruptcies`, { json: { chapter: 7 } }), 400, 'invalid_field', 'caseNumber');
      assert.equal((await call('POST', `/v1/accounts/${account.accountId}/bankruptcies`, { json: { caseNumber: '26-10001', chapter: 7 } })).status, 202);
      await stack.env.sleep('1 hour');
      const state = await call('GET', `/v1/accounts/${account.accountId}`);
      assert.equal(state.body.compliance.dispute, 'pending_verification');
      assert.equal(state.body.compliance.flags.bankruptcy, true);
      assert.match(state.body.compliance.events.find((e: { kind: string }) => e.kind === 'dispute').detail, /by portal: not mine/);
    });
  });

  it('dialling now: the gate answers, each attempt and its outcome are kept; after a conversation calls wait 7 days', async () => {
    const account = accountJson();
    await run(async () => {
      await call('POST', '/v1/accounts', { json: account });
      // 10:00 the next morning where the debtor is, whatever the test clock says now.
      const today = localDateTime(new Date(await stack.env.currentTimeMs()).toISOString(), account.timezone).date;
      await stack.env.sleep(zonedTimeToUtcMs(addCalendarDays(today, 1), '10:00', account.timezone) - (await stack.env.currentTimeMs()));
      const base = `/v1/accounts/${account.accountId}/calls`;
      const first = await call('POST', base, { json: { operator: 'ana' } });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual([first.body.attemptId, first.body.decision, first.body.phone], ['call-1', 'allow', account.phone]);
      const talked = await call('POST', `${base}/call-1/outcome`, { json: { outcome: 'conversation', note: 'will pay Friday' } });
      assert.equal(talked.status, 200, JSON.stringify(talked.body));
      assert.equal(talked.body.outcome, 'conversation');
      const second = await call('POST', base, { json: {} });
      assert.deepEqual([second.body.attemptId, second.body.decision, second.body.rule], ['call-2', 'defer', 'reg_f_1006_14_b_2_after_conversation']);
      expectError(await call('POST', `${base}/call-2/outcome`, { json: { outcome: 'no_answer' } }), 422, 'control_refused', 'attemptId');
      expectError(await call('POST', `${base}/call-9/outcome`, { json: { outcome: 'no_answer' } }), 422, 'control_refused', 'attemptId');
      expectError(await call('POST', `${base}/call-1/outcome`, { json: { outcome: 'hung up' } }), 400, 'invalid_field', 'outcome');
      expectError(await call('POST', base, { json: { phone: '555' } }), 400, 'invalid_field', 'phone');
      const rows = await stack.pool.query(`SELECT attempt_id, decision, rule, operator, outcome, note FROM call_attempts WHERE account_key = $1 ORDER BY attempt_id`, [`account/cred-test/${account.accountId}`]);
      assert.deepEqual(rows.rows, [
        { attempt_id: 'call-1', decision: 'allow', rule: 'allowed', operator: 'ana', outcome: 'conversation', note: 'will pay Friday' },
        { attempt_id: 'call-2', decision: 'defer', rule: 'reg_f_1006_14_b_2_after_conversation', operator: `api key ${(await keys.list()).find((k) => k.label === 'test A')!.keyId}`, outcome: null, note: null },
      ]);
      const proof = await stack.pool.query(`SELECT step_id, decision FROM contact_decisions WHERE account_key = $1 AND step_id LIKE 'dial-%' ORDER BY step_id`, [`account/cred-test/${account.accountId}`]);
      assert.deepEqual(proof.rows, [{ step_id: 'dial-call-1', decision: 'allow' }, { step_id: 'dial-call-2', decision: 'defer' }]);
    });
  });

  it('arrangements: a promise, plan proposals, a plan replacing it; refusals are 422 with the field', async () => {
    const promised = accountJson({ balanceMinor: 600_00 });
    const extended = accountJson();
    await run(async () => {
      await call('POST', '/v1/accounts', { json: promised });
      await call('POST', '/v1/accounts', { json: extended });
      const base = `/v1/accounts/${promised.accountId}`;
      expectError(await call('POST', `${base}/promises`, { json: { amountMinor: 100_00, date: await dayOffset(5), channel: 'pigeon', takenBy: 'ana' } }), 400, 'invalid_field', 'channel');
      expectError(await call('POST', `${base}/promises`, { json: { amountMinor: 900_00, date: await dayOffset(5), channel: 'phone', takenBy: 'ana' } }), 422, 'arrangement_refused', 'amountMinor');
      expectError(await call('POST', `${base}/promises`, { json: { amountMinor: 100_00, date: await dayOffset(45), channel: 'phone', takenBy: 'ana' } }), 422, 'arrangement_refused', 'date');
      const promise = await call('POST', `${base}/promises`, { json: { amountMinor: 100_00, date: await dayOffset(5), channel: 'phone', takenBy: 'ana' } });
      assert.equal(promise.status, 201, JSON.stringify(promise.body));
      assert.equal(promise.body.status, 'open');
      // One arrangement at a time: refused by the account's state, so no field to name.
      expectError(await call('POST', `${base}/promises`, { json: { amountMinor: 50_00, date: await dayOffset(6), channel: 'phone', takenBy: 'ana' } }), 422, 'arrangement_refused');

      const proposals = await call('GET', `${base}/plan-proposals?monthlyIncomeMinor=300000&monthlyExpensesMinor=200000`);
      assert.equal(proposals.status, 200, JSON.stringify(proposals.body));
      assert.deepEqual(proposals.body.proposals.map((p: { frequency: string }) => p.frequency), ['weekly', 'fortnightly', 'monthly']);
      expectError(await call('GET', `${base}/plan-proposals?monthlyIncomeMinor=lots`), 400, 'invalid_field', 'monthlyIncomeMinor');
      expectError(await call('GET', `${base}/plan-proposals?monthlyIncomeMinor=300000&settlementAmountMinor=100`), 422, 'arrangement_refused', 'settlementAmountMinor');
      const plan = await call('POST', `${base}/plans`, { json: { frequency: 'monthly', monthlyIncomeMinor: 300000, monthlyExpensesMinor: 200000, acceptedBy: 'ana' } });
      assert.equal(plan.status, 201, JSON.stringify(plan.body));
      assert.equal(plan.body.status, 'active');
      const state = await call('GET', base);
      assert.deepEqual(state.body.arrangements.active, { kind: 'plan', id: plan.body.id });
      assert.equal(state.body.arrangements.promises[0].status, 'cancelled');

      const ext = `/v1/accounts/${extended.accountId}/extensions`;
      expectError(await call('POST', ext, { json: { newDueDate: await dayOffset(60), reason: 'lost job', grantedBy: 'ana' } }), 422, 'arrangement_refused', 'newDueDate');
      expectError(await call('POST', ext, { json: { newDueDate: await dayOffset(20), reason: 'lost job', grantedBy: 'ana' } }), 422, 'arrangement_refused', 'approver');
      const granted = await call('POST', ext, { json: { newDueDate: await dayOffset(20), reason: 'lost job', grantedBy: 'ana', approver: 'ben' } });
      assert.equal(granted.status, 201, JSON.stringify(granted.body));
      assert.equal(granted.body.status, 'active');
      expectError(await call('POST', ext, { json: { newDueDate: 'tomorrow', reason: 'x', grantedBy: 'ana' } }), 400, 'invalid_field', 'newDueDate');
    });
  });
});

describe('a debtor with several accounts at one creditor', () => {
  it('a cease request on one account applies to every account of the person, listed in the answer; one enrolled later is held too', async () => {
    const debtorId = `DEBTOR-${Date.now().toString(36)}`;
    const first = accountJson({ debtorId });
    const second = accountJson({ debtorId }); // another email and phone: the creditor's debtor id links them
    const byPhone = accountJson({ phone: first.phone }); // no debtor id: the same phone links it
    const stranger = accountJson();
    await run(async () => {
      for (const account of [first, second, byPhone, stranger]) assert.equal((await call('POST', '/v1/accounts', { json: account })).status, 201);
      await stack.env.sleep('1 hour');
      const ceased = await call('POST', `/v1/accounts/${first.accountId}/cease-requests`, { json: { via: 'letter', note: 'stop writing to me' } });
      assert.equal(ceased.status, 202, JSON.stringify(ceased.body));
      assert.deepEqual(
        [...ceased.body.accounts].sort((a: { accountId: string }, b: { accountId: string }) => a.accountId.localeCompare(b.accountId)),
        [
          { accountId: first.accountId, status: 'recorded', via: 'reported' },
          { accountId: second.accountId, status: 'recorded', via: 'same_debtor' },
          { accountId: byPhone.accountId, status: 'recorded', via: 'same_debtor' },
        ].sort((a, b) => a.accountId.localeCompare(b.accountId)),
      );
      await stack.env.sleep('1 hour');
      for (const account of [second, byPhone]) assert.equal((await call('GET', `/v1/accounts/${account.accountId}`)).body.compliance.flags.ceaseCommunication, true, account.accountId);
      assert.equal((await call('GET', `/v1/accounts/${stranger.accountId}`)).body.compliance.flags.ceaseCommunication, false);
      // An account of the person enrolled afterwards: its gate finds the cease request when it would send.
      const later = accountJson({ debtorId });
      await call('POST', '/v1/accounts', { json: later });
      await stack.env.sleep('1 day');
      const state = (await call('GET', `/v1/accounts/${later.accountId}`)).body;
      assert.deepEqual(state.contacts.map((c: { stepId: string; status: string; rule: string }) => `${c.stepId}:${c.status}:${c.rule}`), ['validation-notice:sent:required_notice', 'notice-email:suppressed:reg_f_1006_6_c_cease_communication']);
    });
  });

  it("the person's calls about one account count against the call caps of the other", async () => {
    const debtorId = `DEBTOR-CALLS-${Date.now().toString(36)}`;
    const one = accountJson({ debtorId });
    const other = accountJson({ debtorId });
    await run(async () => {
      for (const account of [one, other]) await call('POST', '/v1/accounts', { json: account });
      const today = localDateTime(new Date(await stack.env.currentTimeMs()).toISOString(), one.timezone).date;
      await stack.env.sleep(zonedTimeToUtcMs(addCalendarDays(today, 1), '10:00', one.timezone) - (await stack.env.currentTimeMs()));
      for (let n = 1; n <= 7; n++) {
        const dialled = await call('POST', `/v1/accounts/${one.accountId}/calls`, { json: { operator: 'ana' } });
        assert.equal(dialled.body.decision, 'allow', `call ${n}: ${JSON.stringify(dialled.body)}`);
        await stack.env.sleep('20 minutes');
      }
      const eighth = await call('POST', `/v1/accounts/${other.accountId}/calls`, { json: { operator: 'ben' } });
      assert.deepEqual([eighth.body.decision, eighth.body.rule], ['defer', 'reg_f_1006_14_b_2_call_frequency'], JSON.stringify(eighth.body));
      assert.match(eighth.body.reason, /^7 call attempts in the last 7 days/);
    });
  });
});

describe('when Temporal cannot be reached', () => {
  it('answers 503 unavailable, and 401 still comes first', async () => {
    // No retries: the client fails at once instead of after its default back-off.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: '1s', interceptors: [] });
    const offline = await startApiServer({ client: new Client({ connection }), pool: stack.pool, paymentWebhookSecret: 'x'.repeat(16), enrollment: { taskQueue: 'none', settings } });
    try {
      const get = async (path: string, key: string | null, init: RequestInit = {}) => {
        const response = await fetch(`${offline.url}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as object) } });
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      };
      assert.deepEqual(await get('/v1/accounts/ANY', null).then((r) => [r.status, r.body.error?.code]), [401, 'unauthorized']);
      assert.deepEqual(await get('/v1/accounts/ANY', keyA).then((r) => [r.status, r.body.error?.code]), [503, 'unavailable']);
      const enroll = await get('/v1/accounts', keyA, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(accountJson()) });
      assert.deepEqual([enroll.status, enroll.body.error?.code], [503, 'unavailable']);
      const batch = await get('/v1/accounts/batch', keyA, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accounts: [accountJson()] }) });
      assert.deepEqual([batch.status, batch.body.error?.code], [503, 'unavailable']);
    } finally {
      await offline.close();
      await connection.close();
    }
  });
});

describe('OpenAPI document', () => {
  it('is served without a key, is the one kept in docs/openapi.json, and lists exactly the routes served', async () => {
    const served = await call('GET', '/v1/openapi.json', { key: null });
    assert.equal(served.status, 200);
    const kept = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'));
    assert.deepEqual(served.body, kept, 'docs/openapi.json is stale: run `npm run openapi`');
    assert.match(kept.openapi, /^3\.1\./);
    assert.ok(kept.info.title && kept.info.version && kept.paths && kept.components.securitySchemes.apiKey);

    const documented = Object.entries(kept.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const routed = ROUTES.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual([...documented].sort(), [...routed].sort());
    for (const route of ROUTES) {
      const op = kept.paths[route.path][route.method.toLowerCase()];
      for (const [status] of Object.entries(route.responses)) assert.ok(op.responses[status], `${route.method} ${route.path} documents ${status}`);
    }
    // Every documented operation is served (none answers "not a route"), and a path not documented is not.
    for (const line of documented) {
      const [method, path] = line.split(' ') as [string, string];
      const answer = await call(method, path.replace('{accountId}', 'SOME-ACCOUNT'), { key: null, ...(method === 'POST' ? { json: {} } : {}) });
      // The debtor's page answers a link that is no link with its own HTML page (404), not the router's not_found.
      const pageOwnAnswer = path.startsWith('/p/') && answer.status === 404 && typeof answer.body === 'string';
      assert.ok(pageOwnAnswer || ![404, 405].includes(answer.status) || answer.body?.error?.code === 'unknown_account', `${line} answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    }
    for (const path of ['/v1/accounts/X/nothing', '/webhooks/other', '/v1', '/v2/accounts'])
      expectError(await call('GET', path, { key: null }), 404, 'not_found');
  });
});
