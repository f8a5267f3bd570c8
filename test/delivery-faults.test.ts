/**
 * Providers that fail, and a process that dies between a provider's acceptance and the database
 * commit, against the real SMTP and Twilio-compatible sinks and Postgres: nothing sent twice where
 * the provider allows a look-up, the retry rules by reply code, the carrier's unsubscribe kept.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMessageLog } from '../src/adapters/message-log.repository';
import { createOptOutRepository } from '../src/adapters/opt-out.repository';
import { createSmtpMailer, messageId, type Mailer } from '../src/adapters/smtp.mailer';
import { createTwilioSmsGateway, type SmsGateway } from '../src/adapters/twilio.sms';
import { createNotificationActivities } from '../src/activities/notification.activities';
import { startSinks, TWILIO_FROM, type Sinks } from './helpers/stack';

let sinks: Sinks;
let mailer: Mailer;
let sms: SmsGateway;
let activities: ReturnType<typeof createNotificationActivities>;
let n = 0;

/** A gateway that hands the message to the provider and then dies before the caller hears back (as a killed worker, or a lost commit). */
class LostAfterAccept extends Error {}
function diesAfterAccept<T extends object>(gateway: T, method: keyof T): T {
  return {
    ...gateway,
    [method]: async (...args: unknown[]) => {
      await (gateway[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      throw new LostAfterAccept('connection lost after the provider accepted');
    },
  };
}

/** The account a message belongs to (outbound messages reference it). */
async function account(): Promise<string> {
  n += 1;
  const key = `account/cred-test/F-${n}`;
  await sinks.pool.query(`INSERT INTO debtor_accounts (account_key, creditor_id, account_id, currency) VALUES ($1, 'cred-test', $2, 'USD')`, [key, `F-${n}`]);
  return key;
}

const email = async () => {
  await account();
  return { idempotencyKey: `account/cred-test/F-${n}/step/reminder/email`, accountKey: `account/cred-test/F-${n}`, stepId: 'reminder', to: `fault-${n}@example.test`, subject: 'Reminder', text: `Reminder ${n}`, html: null };
};
const text = async () => {
  await account();
  return { idempotencyKey: `account/cred-test/F-${n}/step/nudge/sms`, accountKey: `account/cred-test/F-${n}`, stepId: 'nudge', to: `+1202555${String(1000 + n).slice(-4)}`, body: `Reminder ${n}: pay at https://pay.example.test` };
};

async function attempts(key: string): Promise<string[]> {
  const { rows } = await sinks.pool.query<{ outcome: string | null }>(`SELECT outcome FROM delivery_attempts WHERE idempotency_key = $1 ORDER BY id`, [key]);
  return rows.map((r) => r.outcome ?? 'open');
}

/** The activities as a worker runs them (they log through the activity context). */
function notification(deps: { mailer?: Mailer; sms?: SmsGateway } = {}): ReturnType<typeof createNotificationActivities> {
  const plain = createNotificationActivities({
    messageLog: createMessageLog(sinks.pool),
    mailer: deps.mailer ?? mailer,
    sms: deps.sms ?? sms,
    optOutEmail: 'optout@example.test',
    optOuts: createOptOutRepository(sinks.pool),
  });
  return {
    sendEmail: (input) => new MockActivityEnvironment().run(plain.sendEmail, input),
    sendSms: (input) => new MockActivityEnvironment().run(plain.sendSms, input),
  };
}

/** Real sinks, a database, and the activities over them, for the tests of one describe block. */
function withProviders(): void {
  before(async () => {
    sinks = await startSinks();
    mailer = createSmtpMailer(sinks.smtp.url, 'Collections <collections@example.test>');
    sms = createTwilioSmsGateway({ accountSid: sinks.twilio.accountSid, authToken: sinks.twilio.authToken, from: TWILIO_FROM, apiBaseUrl: sinks.twilio.baseUrl });
    activities = notification();
  });
  after(async () => {
    mailer.close();
    await sinks.close();
  });
}

describe('a provider accepted, then the process died before the commit', () => {
  withProviders();
  beforeEach(() => {
    sinks.smtp.clear();
    sinks.twilio.clear();
  });

  test('a text is found at Twilio on the retry and not sent again', async () => {
    const message = await text();
    await assert.rejects(notification({ sms: diesAfterAccept(sms, 'send') }).sendSms(message), LostAfterAccept);
    assert.equal(sinks.twilio.messages().length, 1);
    const { rows: before } = await sinks.pool.query(`SELECT status FROM outbound_messages WHERE idempotency_key = $1`, [message.idempotencyKey]);
    assert.deepEqual(before, [{ status: 'sending' }], 'the send was never recorded as done');
    assert.deepEqual(await attempts(message.idempotencyKey), ['open']);

    const retried = await activities.sendSms(message);
    assert.equal(sinks.twilio.messages().length, 1, 'the retry found the text at Twilio');
    assert.equal(retried.status, 'already_sent');
    assert.equal(retried.providerMessageId, sinks.twilio.messages()[0]!.sid);
    const { rows } = await sinks.pool.query(`SELECT status, provider_message_id FROM outbound_messages WHERE idempotency_key = $1`, [message.idempotencyKey]);
    assert.deepEqual(rows, [{ status: 'sent', provider_message_id: sinks.twilio.messages()[0]!.sid }]);
    assert.deepEqual(await attempts(message.idempotencyKey), ['recovered']);
  });

  test('two attempts at the same time send one text (the second waits for the first, then finds it sent)', async () => {
    const message = await text();
    const outcomes = await Promise.all([activities.sendSms(message), activities.sendSms(message), activities.sendSms(message)]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['already_sent', 'already_sent', 'sent']);
    assert.equal(sinks.twilio.messages().filter((m) => m.body === message.body).length, 1);
  });

  test('a text that never reached Twilio is sent on the retry (the look-up finds nothing)', async () => {
    const message = await text();
    const neverSent: SmsGateway = { ...sms, send: async () => Promise.reject(new LostAfterAccept('socket hang up')) };
    await assert.rejects(notification({ sms: neverSent }).sendSms(message), LostAfterAccept);
    // The same number got another text before: a different body is not this message.
    await sms.send({ to: message.to, body: 'another message' });
    const retried = await activities.sendSms(message);
    assert.equal(retried.status, 'sent');
    assert.deepEqual(sinks.twilio.messages().map((m) => m.body), ['another message', message.body]);
    assert.deepEqual(await attempts(message.idempotencyKey), ['accepted', 'accepted']);
  });

  test('an email goes again, with the same Message-ID (SMTP has no look-up: the one duplicate a receiver must drop)', async () => {
    const message = await email();
    await assert.rejects(notification({ mailer: diesAfterAccept(mailer, 'send') }).sendEmail(message), LostAfterAccept);
    const retried = await activities.sendEmail(message);
    assert.equal(retried.status, 'sent');
    const got = sinks.smtp.messages();
    assert.equal(got.length, 2);
    assert.deepEqual(got.map((m) => m.messageId), [messageId(message.idempotencyKey), messageId(message.idempotencyKey)]);
    // A third call finds it done and sends nothing.
    assert.equal((await activities.sendEmail(message)).status, 'already_sent');
    assert.equal(sinks.smtp.messages().length, 2);
  });
});

describe('providers answering with errors', () => {
  withProviders();

  for (const code of [421, 451] as const) {
    test(`SMTP ${code} is retried and the email goes once`, async () => {
      const message = await email();
      sinks.smtp.failNext(1, code);
      const error = await activities.sendEmail(message).then(() => null, (e: unknown) => e);
      assert.ok(error, `SMTP ${code} fails the attempt`);
      assert.ok(!(error instanceof ApplicationFailure && error.nonRetryable), 'a temporary refusal is retried');
      assert.equal((await activities.sendEmail(message)).status, 'sent');
      assert.equal(sinks.smtp.messages().filter((m) => m.messageId === messageId(message.idempotencyKey)).length, 1);
      assert.deepEqual(await attempts(message.idempotencyKey), ['refused', 'accepted']);
    });
  }

  test('SMTP 550 is final, and the failure does not carry the address', async () => {
    const message = await email();
    sinks.smtp.failNext(1, 550);
    const error = (await activities.sendEmail(message).then(() => null, (e: unknown) => e)) as ApplicationFailure;
    assert.ok(error instanceof ApplicationFailure && error.nonRetryable);
    assert.equal(error.type, 'recipient_rejected');
    assert.doesNotMatch(error.message, new RegExp(message.to));
  });

  for (const status of [429, 500]) {
    test(`Twilio ${status} is retried and the text goes once`, async () => {
      const message = await text();
      sinks.twilio.failNext(1, status);
      const error = await activities.sendSms(message).then(() => null, (e: unknown) => e);
      assert.ok(error && !(error instanceof ApplicationFailure && error.nonRetryable), `Twilio ${status} is retried`);
      assert.equal((await activities.sendSms(message)).status, 'sent');
      assert.equal(sinks.twilio.messages().filter((m) => m.body === message.body).length, 1);
      assert.deepEqual(await attempts(message.idempotencyKey), ['refused', 'accepted']);
    });
  }

  test('Twilio 21610 (the number replied STOP to our sender) is final and kept as an opt-out for every creditor', async () => {
    const message = await text();
    const optOuts = createOptOutRepository(sinks.pool);
    assert.equal(await optOuts.optedOut('sms', message.to, 'cred-metro-power'), false);
    sinks.twilio.failNext(1, 21610);
    const error = (await activities.sendSms(message).then(() => null, (e: unknown) => e)) as ApplicationFailure;
    assert.ok(error instanceof ApplicationFailure && error.nonRetryable);
    assert.equal(error.type, 'recipient_opted_out');
    assert.doesNotMatch(error.message, /\+1202/);
    assert.equal(await optOuts.optedOut('sms', message.to, 'cred-metro-power'), true);
    assert.equal(await optOuts.optedOut('sms', message.to, 'cred-test'), true);
  });
});
