/**
 * The account workflow under time skipping, on real infrastructure: the Java test server,
 * Postgres, the SMTP sink and the Twilio-compatible sink.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { enrollAccount, reportPayment } from '../src/client/accounts.client';
import { accountStateQuery, paymentReceivedSignal } from '../src/workflows/definitions';
import type { accountWorkflow } from '../src/workflows/account.workflow';
import { assertLedgerBalances } from './helpers/database';
import { recordHistory } from './helpers/histories';
import { makeAccount, settings, standardCadence } from './helpers/fixtures';
import { startTimeSkippingStack, TWILIO_FROM, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
const cadence = standardCadence();

before(async () => {
  stack = await startTimeSkippingStack();
});
after(async () => {
  await stack?.close();
});

async function enroll(account: AccountProfile) {
  const result = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
  assert.equal(result.status, 'started');
  return stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
}

const emailsTo = (address: string) => stack.smtp.messages().filter((m) => m.to.includes(address));
const smsTo = (phone: string) => stack.twilio.messages().filter((m) => m.to === phone);

async function ledgerPayments(account: AccountProfile): Promise<number> {
  const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'payment'`, [
    accountKey(account.creditorId, account.accountId),
  ]);
  return rows[0].n;
}

describe('account workflow on the standard cadence', () => {
  it('runs the whole 7-day cadence with exactly the expected messages, then waits for payment', async () => {
    const account = makeAccount({ debtorName: 'Rosa Full', balanceMinor: 460_12 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('8 days');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.stage, 'reminding');
      assert.deepEqual(
        state.contacts.map((c) => [c.stepId, c.channel, c.status]),
        [
          ['validation-notice', 'letter', 'sent'],
          ['notice-email', 'email', 'sent'],
          ['reminder-sms', 'sms', 'sent'],
          ['final-email', 'email', 'sent'],
        ],
      );
      const enrolled = Date.parse(state.enrolledAt);
      const offsets = state.contacts.map((c) => Math.round((Date.parse(c.at) - enrolled) / 86_400_000));
      assert.deepEqual(offsets, [0, 0, 3, 7], 'the validation notice, then steps on days 0, 3 and 7');
      assert.equal(state.nextAction, null, 'nothing scheduled after the last step');

      const emails = emailsTo(account.email!);
      assert.equal(emails.length, 2);
      assert.equal(emails[0]!.subject, `Your account ${account.accountId} is past due`);
      assert.ok(emails[0]!.text.includes(`$460.12 due on ${account.dueDate}`), emails[0]!.text);
      assert.match(emails[0]!.text, /from a debt collector/);
      assert.match(emails[0]!.headers['list-unsubscribe'] ?? '', /optout@example\.test/);
      assert.equal(emails[1]!.subject, `Final notice: $460.12 due on account ${account.accountId}`);
      const sms = smsTo(account.phone!);
      assert.equal(sms.length, 1);
      assert.equal(sms[0]!.from, TWILIO_FROM);
      assert.match(sms[0]!.body, /Reply STOP to opt out/);

      const { rows } = await stack.pool.query('SELECT step_id, channel, status FROM outbound_messages WHERE account_key = $1 ORDER BY created_at', [
        accountKey(account.creditorId, account.accountId),
      ]);
      assert.deepEqual(rows.map((r) => [r.step_id, r.channel, r.status]), [
        ['validation-notice', 'letter', 'sent'],
        ['notice-email', 'email', 'sent'],
        ['reminder-sms', 'sms', 'sent'],
        ['final-email', 'email', 'sent'],
      ]);

      await handle.signal(paymentReceivedSignal, { paymentId: `P-${account.accountId}`, amountMinor: 460_12, currency: 'USD' });
      const outcome = await handle.result();
      assert.equal(outcome.stage, 'paid');
      assert.equal(outcome.balance.amountMinor, 0);
      assert.equal(outcome.contactsSent, 4);
      await recordHistory(handle, 'standard-full-cadence-then-paid');
    });
    await assertLedgerBalances(stack.pool);
  });

  it('a payment on day 2 stops the day-3 SMS and the day-7 email', async () => {
    const account = makeAccount({ balanceMinor: 75_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('2 days');
      await reportPayment(stack.client, account.creditorId, account.accountId, { paymentId: `P-${account.accountId}`, amountMinor: 75_00, currency: 'USD' });
      const outcome = await handle.result();
      assert.equal(outcome.stage, 'paid');
      await stack.env.sleep('8 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.contacts.map((c) => c.stepId), ['validation-notice', 'notice-email']);
      assert.deepEqual(state.stageHistory.map((s) => s.stage), ['notice', 'reminding', 'paid']);
      await recordHistory(handle, 'standard-paid-on-day-2');
    });
    assert.equal(emailsTo(account.email!).length, 1);
    assert.equal(smsTo(account.phone!).length, 0);
    const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM outbound_messages WHERE account_key = $1 AND channel <> 'letter'`, [accountKey(account.creditorId, account.accountId)]);
    assert.equal(rows[0].n, 1);
  });

  it('the same payment signalled twice posts once', async () => {
    const account = makeAccount({ balanceMinor: 100_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      const payment = { paymentId: `P-dup-${account.accountId}`, amountMinor: 40_00, currency: 'USD' };
      await handle.signal(paymentReceivedSignal, payment);
      await handle.signal(paymentReceivedSignal, payment);
      await stack.env.sleep('1 hour');
      await handle.signal(paymentReceivedSignal, payment); // a late redelivery, after posting
      await stack.env.sleep('1 hour');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.balance.amountMinor, 60_00);
      assert.equal(state.payments.length, 1);
      assert.equal(await ledgerPayments(account), 1);
      await handle.terminate('test done');
    });
    await assertLedgerBalances(stack.pool);
  });

  it('a partial payment lowers the balance and the cadence goes on', async () => {
    const account = makeAccount({ balanceMinor: 300_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await handle.signal(paymentReceivedSignal, { paymentId: `P-part-${account.accountId}`, amountMinor: 100_00, currency: 'USD' });
      await stack.env.sleep('7 days');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.stage, 'reminding');
      assert.equal(state.balance.amountMinor, 200_00);
      assert.deepEqual(state.contacts.map((c) => c.stepId), ['validation-notice', 'notice-email', 'reminder-sms', 'final-email']);
      assert.match(smsTo(account.phone!)[0]!.body, /\$200\.00 is past due/);
      assert.equal(emailsTo(account.email!)[1]!.subject, `Final notice: $200.00 due on account ${account.accountId}`);
      await handle.terminate('test done');
      await recordHistory(handle, 'standard-partial-payment-duplicate-free');
    });
    await assertLedgerBalances(stack.pool);
  });

  it('an email activity that fails twice and then succeeds sends one email', async () => {
    const account = makeAccount();
    stack.smtp.failNext(2, 451);
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.contacts.find((c) => c.stepId === 'notice-email')!.status, 'sent');
      await handle.terminate('test done');
      await recordHistory(handle, 'standard-email-retried');
    });
    assert.equal(emailsTo(account.email!).length, 1);
    const { rows } = await stack.pool.query(`SELECT attempts, status FROM outbound_messages WHERE account_key = $1 AND channel = 'email'`, [accountKey(account.creditorId, account.accountId)]);
    assert.deepEqual(rows, [{ attempts: 1, status: 'sent' }]);
  });

  it('sends no SMS without SMS consent and records the rule (TCPA)', async () => {
    const account = makeAccount({ consent: { email: true, sms: false } });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('4 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.contacts.map((c) => [c.stepId, c.status, c.rule]), [
        ['validation-notice', 'sent', 'required_notice'],
        ['notice-email', 'sent', 'allowed'],
        ['reminder-sms', 'suppressed', 'tcpa_consent'],
      ]);
      await handle.terminate('test done');
    });
    assert.equal(smsTo(account.phone!).length, 0);
  });

  it('a payment in another currency is refused and recorded, and the balance stays', async () => {
    const account = makeAccount({ balanceMinor: 50_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await handle.signal(paymentReceivedSignal, { paymentId: `P-eur-${account.accountId}`, amountMinor: 50_00, currency: 'EUR' });
      await stack.env.sleep('1 hour');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.balance.amountMinor, 50_00);
      assert.equal(state.payments[0]!.status, 'rejected');
      assert.match(state.payments[0]!.reason!, /EUR does not match the account's USD/);
      assert.equal(await ledgerPayments(account), 0);
      await handle.terminate('test done');
    });
  });

  it('enrolling the same account twice starts nothing new', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const handle = await enroll(account);
      const again = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
      assert.equal(again.status, 'already_enrolled');
      await stack.env.sleep('14 hours'); // past any night the contact window makes the first notice wait
      assert.equal(emailsTo(account.email!).length, 1);
      await handle.terminate('test done');
    });
  });
});
