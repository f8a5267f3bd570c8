/** The Postgres ledger and message log: exactly-once postings and sends under retries and races. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Activities } from '../src/activities';
import { createLedgerRepository, type LedgerRepository } from '../src/adapters/ledger.repository';
import { createSmtpMailer, type Mailer } from '../src/adapters/smtp.mailer';
import { accountKey } from '../src/domain/account';
import { assertLedgerBalances } from './helpers/database';
import { startSinks, testActivities, TWILIO_FROM, type Sinks } from './helpers/stack';

let sinks: Sinks;
let ledger: LedgerRepository;
let direct: Activities;
// Activities run in an activity context (for their logger); the adapters under them are real.
const activities = new Proxy({} as Activities, {
  get: (_t, name: keyof Activities) => (input: never) => new MockActivityEnvironment().run(direct[name] as (i: never) => Promise<unknown>, input),
}) as Activities;
let mailer: Mailer;
let n = 0;

before(async () => {
  sinks = await startSinks();
  ledger = createLedgerRepository(sinks.pool);
  mailer = createSmtpMailer(sinks.smtp.url, 'Collections <collections@example.test>');
  direct = testActivities(sinks, mailer);
});
after(async () => {
  mailer?.close();
  await sinks?.close();
});

async function openAccount(balance = 100_00, currency = 'USD', debts?: { debtId: string; description: string; amountMinor: number; dueDate: string }[]) {
  n += 1;
  const key = accountKey('cred-ledger', `L-${n}`);
  const opened = await ledger.openAccount({ accountKey: key, creditorId: 'cred-ledger', accountId: `L-${n}`, currency, openingBalanceMinor: balance, dueDate: '2026-09-01', debts });
  assert.equal(opened.balanceMinor, balance);
  return key;
}
const pay = (key: string, paymentId: string, amountMinor: number, currency = 'USD') =>
  ledger.postPayment({ accountKey: key, paymentId, amountMinor, currency, receivedAt: '2026-11-01T12:00:00Z' });

async function rejects(work: Promise<unknown>, type: string, pattern: RegExp) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('ledger', () => {
  it('opens an account once, however often the activity runs', async () => {
    const key = await openAccount(250_00);
    const again = await ledger.openAccount({ accountKey: key, creditorId: 'cred-ledger', accountId: key.split('/')[2]!, currency: 'USD', openingBalanceMinor: 250_00, dueDate: '2026-09-01' });
    assert.deepEqual(again, { status: 'duplicate', balanceMinor: 250_00, creditMinor: 0 });
  });

  it('posts a payment id once, even when delivered again', async () => {
    const key = await openAccount();
    const opening = [{ debtId: 'opening', amountMinor: 30_00 }];
    assert.deepEqual(await pay(key, 'PAY-A', 30_00), { status: 'posted', allocations: opening, overpaymentMinor: 0, balanceMinor: 70_00, creditMinor: 0 });
    assert.deepEqual(await pay(key, 'PAY-A', 30_00), { status: 'duplicate', allocations: opening, overpaymentMinor: 0, balanceMinor: 70_00, creditMinor: 0 });
    await assertLedgerBalances(sinks.pool);
  });

  it('posts the same payment id delivered many times at once exactly once', async () => {
    const key = await openAccount();
    const results = await Promise.all(Array.from({ length: 8 }, () => pay(key, 'PAY-RACE', 10_00)));
    assert.equal(results.filter((r) => r.status === 'posted').length, 1);
    assert.equal(await ledger.balance(key), 90_00);
  });

  it('deliveries of one payment id that waited for the account while another posted it: one posts, the waiters answer duplicate (same allocation) or refuse other details', async () => {
    const key = await openAccount(100_00, 'USD', [
      { debtId: 'older', description: 'August', amountMinor: 40_00, dueDate: '2026-08-01' },
      { debtId: 'newer', description: 'September', amountMinor: 60_00, dueDate: '2026-09-01' },
    ]);
    // Another transaction holds the account, so every delivery reads (the account and any earlier posting) before the first of them can post.
    const holder = await sinks.pool.connect();
    let deliveries: PromiseSettledResult<Awaited<ReturnType<typeof pay>>>[];
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM debtor_accounts WHERE account_key = $1 FOR UPDATE', [key]);
      const settled = Promise.allSettled([pay(key, 'PAY-WAITED', 50_00), pay(key, 'PAY-WAITED', 50_00), pay(key, 'PAY-WAITED', 51_00)]);
      const deadline = Date.now() + 30_000;
      for (let waiting = 0; waiting < 3; ) {
        assert.ok(Date.now() < deadline, `the three deliveries did not all wait for the account (${waiting} waiting)`);
        await new Promise((r) => setTimeout(r, 50));
        const { rows } = await sinks.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF a%' AND query LIKE '%debtor_accounts%'`);
        waiting = rows[0]!.n;
      }
      await holder.query('COMMIT');
      deliveries = await settled;
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
    const posted = deliveries.filter((d) => d.status === 'fulfilled' && d.value.status === 'posted');
    assert.equal(posted.length, 1, 'exactly one delivery posts');
    const winner = (posted[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof pay>>>).value;
    const winnerAmount = winner.allocations.reduce((sum, a) => sum + a.amountMinor, 0) + winner.overpaymentMinor;
    deliveries.forEach((delivery, i) => {
      if (delivery === posted[0]) return;
      const amount = i < 2 ? 50_00 : 51_00;
      if (amount === winnerAmount) {
        assert.equal(delivery.status, 'fulfilled');
        assert.deepEqual((delivery as PromiseFulfilledResult<Awaited<ReturnType<typeof pay>>>).value, { ...winner, status: 'duplicate' });
      } else {
        assert.equal(delivery.status, 'rejected', 'the same id with another amount is refused');
        assert.match(String((delivery as PromiseRejectedResult).reason), /payment id PAY-WAITED was already posted with different details/);
      }
    });
    assert.deepEqual(winner.allocations, [
      { debtId: 'older', amountMinor: 40_00 },
      { debtId: 'newer', amountMinor: winnerAmount - 40_00 },
    ]);
    assert.equal(await ledger.balance(key), 100_00 - winnerAmount);
    await assertLedgerBalances(sinks.pool);
  });

  it('one payment id posted on two accounts at the same moment: one posts, the other is refused as reused', async () => {
    const first = await openAccount(100_00);
    const second = await openAccount(100_00);
    const results = await Promise.allSettled([pay(first, 'PAY-TWICE', 50_00), pay(second, 'PAY-TWICE', 50_00)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value.status === 'posted').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    assert.ok(refused, 'the other posting is refused, not reported as posted');
    assert.match(String(refused.reason), /payment id PAY-TWICE was already posted with different details/);
    assert.equal((await ledger.balance(first)) + (await ledger.balance(second)), 150_00);
    await assertLedgerBalances(sinks.pool);
  });

  it('never loses an update when different payments land on one account at the same moment', async () => {
    const key = await openAccount(1000_00);
    await Promise.all(Array.from({ length: 10 }, (_, i) => pay(key, `PAY-C-${i}`, 7_00)));
    assert.equal(await ledger.balance(key), 1000_00 - 70_00);
    await assertLedgerBalances(sinks.pool);
  });

  it('refuses a payment id reused with other details, a wrong currency and an unknown account, permanently', async () => {
    const key = await openAccount();
    await pay(key, 'PAY-R', 10_00);
    await rejects(activities.postPayment({ accountKey: key, paymentId: 'PAY-R', amountMinor: 11_00, currency: 'USD', receivedAt: '2026-11-01T00:00:00Z' }), 'payment_id_reused', /PAY-R/);
    await rejects(activities.postPayment({ accountKey: key, paymentId: 'PAY-EUR', amountMinor: 10_00, currency: 'EUR', receivedAt: '2026-11-01T00:00:00Z' }), 'currency_mismatch', /EUR.*USD/);
    await rejects(activities.postPayment({ accountKey: 'account/cred-x/none', paymentId: 'PAY-X', amountMinor: 1, currency: 'USD', receivedAt: '2026-11-01T00:00:00Z' }), 'unknown_account', /no account/);
    assert.equal(await ledger.balance(key), 90_00);
  });

  it('keeps ledger rows append-only', async () => {
    await openAccount();
    await assert.rejects(sinks.pool.query('UPDATE ledger_entries SET debit_minor = 1'), /append-only/);
    await assert.rejects(sinks.pool.query('DELETE FROM ledger_transactions'), /append-only/);
  });
});

describe('notification activities', () => {
  const emailInput = (key: string, accountKeyValue: string) => ({ idempotencyKey: key, accountKey: accountKeyValue, stepId: 'notice-email', to: 'once@example.test', subject: 'Hello', text: 'Body', html: null });

  it('sends an email once per idempotency key, also when the activity is retried or raced', async () => {
    const key = await openAccount();
    const first = await activities.sendEmail(emailInput(`${key}/step/0`, key));
    const again = await activities.sendEmail(emailInput(`${key}/step/0`, key));
    const raced = await Promise.all([1, 2, 3].map(() => activities.sendEmail(emailInput(`${key}/step/1`, key))));
    assert.equal(first.status, 'sent');
    assert.equal(again.status, 'already_sent');
    assert.equal(again.providerMessageId, first.providerMessageId);
    assert.equal(raced.filter((r) => r.status === 'sent').length, 1);
    assert.equal(sinks.smtp.messages().filter((m) => m.to.includes('once@example.test')).length, 2);
  });

  it('sends an SMS once per idempotency key through the Twilio client', async () => {
    const key = await openAccount();
    const input = { idempotencyKey: `${key}/sms`, accountKey: key, stepId: 'reminder-sms', to: '+12125559001', body: 'Reminder. Reply STOP to opt out.' };
    const first = await activities.sendSms(input);
    await activities.sendSms(input);
    assert.match(first.providerMessageId, /^SM[0-9a-f]{32}$/);
    const sent = sinks.twilio.messages().filter((m) => m.to === '+12125559001');
    assert.deepEqual(sent.map((m) => [m.from, m.body, m.sid]), [[TWILIO_FROM, input.body, first.providerMessageId]]);
  });

  it('treats a refused recipient as permanent and a provider outage as retryable', async () => {
    const key = await openAccount();
    sinks.twilio.failNext(1, 400);
    await rejects(activities.sendSms({ idempotencyKey: `${key}/bad`, accountKey: key, stepId: 's', to: '+12125559002', body: 'x' }), 'recipient_rejected', /not a valid phone number/);
    sinks.twilio.failNext(1, 500);
    await assert.rejects(activities.sendSms({ idempotencyKey: `${key}/outage`, accountKey: key, stepId: 's', to: '+12125559003', body: 'x' }), (error: unknown) => !(error instanceof ApplicationFailure));
    sinks.smtp.failNext(1, 550);
    await rejects(activities.sendEmail(emailInput(`${key}/mail-bad`, key)), 'recipient_rejected', /SMTP refused/);
    // Nothing was recorded as sent, so a later retry sends.
    const retried = await activities.sendSms({ idempotencyKey: `${key}/outage`, accountKey: key, stepId: 's', to: '+12125559003', body: 'x' });
    assert.equal(retried.status, 'sent');
  });
});
