/**
 * The law inside the cadence engine, under time skipping on real infrastructure: the validation
 * notice, disputes, opt-outs by reply, cease and attorney representation, a deceased debtor's
 * data purged after retention, and no remedy during the validation period.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enrollAccount } from '../src/client/accounts.client';
import { accountKey, type AccountProfile } from '../src/domain/account';
import type { Cadence } from '../src/domain/cadence';
import { localDateTime, validationPeriodEnd } from '../src/domain/contact-policy';
import { addCalendarDays, zonedTimeToUtcMs } from '../src/domain/schedule';
import { parseCadence } from '../src/schemas/cadence.schema';
import type { accountWorkflow } from '../src/workflows/account.workflow';
import { accountStateQuery, changeContactDetailsUpdate, complianceEventSignal, ledgerAdjustmentSignal, type ComplianceEvent, type LedgerAdjustment } from '../src/workflows/definitions';
import { assertLedgerBalances } from './helpers/database';
import { makeAccount, settings, standardCadence, testDate } from './helpers/fixtures';
import { recordHistory } from './helpers/histories';
import { Worker } from '@temporalio/worker';
import { readPdf } from './helpers/pdf-text';
import { startTimeSkippingStack, workflowBundle, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
before(async () => {
  stack = await startTimeSkippingStack();
});
after(async () => {
  await stack?.close();
});

async function enroll(account: AccountProfile, cadence: Cadence = standardCadence()) {
  const result = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue });
  return stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
}
const key = (a: AccountProfile) => accountKey(a.creditorId, a.accountId);
const signal = (handle: Awaited<ReturnType<typeof enroll>>, event: ComplianceEvent) => handle.signal(complianceEventSignal, event);
/** The text of a letter kept as PDF in `documents`, read back as a viewer does. */
const keptPdf = async (idempotencyKey: string) => {
  const { rows } = await stack.pool.query(`SELECT content FROM documents WHERE idempotency_key = $1`, [idempotencyKey]);
  assert.equal(rows.length, 1, `no document ${idempotencyKey}`);
  return (await readPdf(rows[0].content)).text.replace(/\s+/g, ' ');
};
const sentSteps = async (handle: Awaited<ReturnType<typeof enroll>>) =>
  (await handle.query(accountStateQuery)).contacts.map((c) => `${c.stepId}:${c.status}${c.rule && c.status !== 'sent' ? `:${c.rule}` : ''}`);

describe('validation notice and disputes', () => {
  it('mails the validation notice first, itemized from the ledger, with the end of the validation period', async () => {
    const account = makeAccount({ balanceMinor: 321_09, dueDate: testDate(-75) });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      const state = await handle.query(accountStateQuery);
      const sentOn = localDateTime(state.compliance!.validationNotice!.sentAt, account.timezone).date;
      assert.equal(state.compliance!.validationNotice!.periodEnds, validationPeriodEnd(sentOn));
      assert.equal(state.contacts[0]!.stepId, 'validation-notice');
      const { rows } = await stack.pool.query(`SELECT body FROM outbound_messages WHERE idempotency_key = $1`, [`${key(account)}/validation-notice`]);
      const body: string = rows[0].body;
      assert.match(body, /is a debt collector/);
      assert.match(body, new RegExp(`As of ${account.dueDate}, you owed: \\$321\\.09`));
      assert.match(body, /You paid or were credited this amount toward the debt: - \$0\.00/);
      assert.match(body, /Total amount of the debt now: \$321\.09/);
      assert.match(body, new RegExp(`by ${state.compliance!.validationNotice!.periodEnds} to dispute`));
      await handle.terminate('test done');
    });
  });

  it('itemizes the fees and interest the ledger holds when the notice goes out, so the figures add up', async () => {
    const account = makeAccount({ balanceMinor: 300_00, dueDate: testDate(-75) });
    await stack.run(async () => {
      // The fee arrives with the start, so it is posted before the first communication.
      const fee: LedgerAdjustment = { adjustmentId: 'LATE-FEE-1', kind: 'fee', amountMinor: 25_00, currency: 'USD', description: 'late fee' };
      const handle = await stack.client.workflow.signalWithStart<typeof accountWorkflow, [LedgerAdjustment]>('accountWorkflow', {
        workflowId: key(account),
        taskQueue: stack.taskQueue,
        args: [{ account, cadence: standardCadence(), settings }],
        signal: ledgerAdjustmentSignal,
        signalArgs: [fee],
      });
      await stack.env.sleep('1 hour');
      const { rows } = await stack.pool.query(`SELECT body FROM outbound_messages WHERE idempotency_key = $1`, [`${key(account)}/validation-notice`]);
      const body: string = rows[0].body;
      // 300.00 owed on the due date + 25.00 fee - 0.00 paid = 325.00 (by hand).
      assert.match(body, new RegExp(`As of ${account.dueDate}, you owed: \\$300\\.00`));
      assert.match(body, /charged this amount in interest: \+ \$0\.00/);
      assert.match(body, /charged this amount in fees: \+ \$25\.00/);
      assert.match(body, /Total amount of the debt now: \$325\.00/);
      await handle.terminate('test done');
    });
  });

  it('a dispute within the validation period halts the cadence until verification is sent, then it goes on', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await signal(handle, { kind: 'dispute', via: 'letter', note: 'not my debt' });
      await stack.env.sleep('12 days');
      assert.deepEqual(await sentSteps(handle), ['validation-notice:sent', 'notice-email:sent']);
      let state = await handle.query(accountStateQuery);
      assert.equal(state.compliance!.dispute, 'pending_verification');
      assert.equal(state.nextAction!.description, 'waiting for dispute verification');
      await signal(handle, { kind: 'verification_sent', note: 'statement mailed' });
      await stack.env.sleep('8 days');
      // The response to the dispute: the verification itself, itemized from the ledger, mailed and kept as PDF.
      assert.deepEqual(await sentSteps(handle), ['validation-notice:sent', 'notice-email:sent', 'dispute-verification-1:sent', 'reminder-sms:sent', 'final-email:sent']);
      const pdf = await keptPdf(`${key(account)}/dispute-verification-1`);
      assert.match(pdf, /This letter is the verification of the debt/);
      assert.match(pdf, new RegExp(`As of ${account.dueDate}, you owed: \\$${(account.balanceMinor / 100).toFixed(2).replace('.', '\\.')}`));
      assert.match(pdf, /Total amount of the debt now:/);
      state = await handle.query(accountStateQuery);
      assert.equal(state.steps!.find((x) => x.stepId === 'dispute-verification-1')?.status, 'done');
      // The held days moved the rest of the cadence: the SMS came 3 days after the notice plus the 12 held.
      const sms = state.contacts.find((c) => c.stepId === 'reminder-sms')!;
      // Counted in the debtor's calendar days (a DST change in between makes one of them 23 or 25 hours).
      const localDay = (iso: string) => Date.parse(new Intl.DateTimeFormat('en-CA', { timeZone: account.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso)));
      const held = (localDay(sms.at) - localDay(state.enrolledAt)) / 86_400_000;
      assert.ok(held >= 15 && held <= 16, `SMS on local day ${held} (enrolled ${state.enrolledAt}, SMS ${sms.at}, ${account.timezone})`);
      await handle.terminate('test done');
      await recordHistory(handle, 'dispute-then-verification');
    });
  });

  it('a dispute after the validation period is recorded and reported, and collection goes on', async () => {
    const account = makeAccount();
    const cadence = parseCadence({
      name: 'late-dispute', version: 1,
      steps: [{ id: 'first', action: 'email', after: '0d', template: 't' }, { id: 'later', action: 'email', after: '60d', template: 't' }],
      templates: { t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } } },
    });
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('1 hour');
      // The period's end comes from the calendar rules (5 business days, then 30 days): over
      // Christmas or Thanksgiving it ends later than most of the year. The dispute comes the day after.
      const { periodEnds } = (await handle.query(accountStateQuery)).compliance!.validationNotice!;
      const dayAfter = zonedTimeToUtcMs(addCalendarDays(periodEnds, 1), '12:00', account.timezone);
      await stack.env.sleep(dayAfter - (await stack.env.currentTimeMs()));
      await signal(handle, { kind: 'dispute', via: 'phone' });
      // Then past the later step (60 days after enrollment; the period ends by day 43 at the latest).
      const enrolledAt = Date.parse((await handle.query(accountStateQuery)).enrolledAt);
      await stack.env.sleep(enrolledAt + 61 * 86_400_000 - (await stack.env.currentTimeMs()));
      const state = await handle.query(accountStateQuery);
      assert.equal(state.compliance!.dispute, 'none');
      assert.equal(state.compliance!.disputedOutsideValidationPeriod, true);
      assert.match(state.compliance!.events[0]!.detail, /^outside the validation period/);
      assert.deepEqual(await sentSteps(handle), ['validation-notice:sent', 'first:sent', 'later:sent']);
      await handle.terminate('test done');
    });
  });
});

describe('opt-outs, cease, attorney', () => {
  const mixed = parseCadence({
    name: 'mixed', version: 1,
    steps: [
      { id: 'email-1', action: 'email', after: '0d', template: 't' },
      { id: 'sms-1', action: 'sms', after: '1d', template: 's' },
      { id: 'email-2', action: 'email', after: '2d', template: 't' },
      { id: 'sms-2', action: 'sms', after: '3d', template: 's' },
    ],
    templates: { t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } }, s: { en: { text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } } },
  });

  it('STOP by SMS suppresses every later SMS to that number but not email', async () => {
    const account = makeAccount();
    await stack.run(async () => {
      const handle = await enroll(account, mixed);
      await stack.env.sleep('16 hours'); // after the day-0 email, however long the night held it
      await signal(handle, { kind: 'opt_out', channel: 'sms', address: account.phone!, source: 'reply' });
      await stack.env.sleep('4 days');
      assert.deepEqual(await sentSteps(handle), [
        'validation-notice:sent',
        'email-1:sent',
        'sms-1:suppressed:reg_f_1006_6_e_opt_out',
        'email-2:sent',
        'sms-2:suppressed:reg_f_1006_6_e_opt_out',
      ]);
      await handle.terminate('test done');
      await recordHistory(handle, 'sms-opt-out-by-reply');
    });
    assert.equal(stack.twilio.messages().filter((m) => m.to === account.phone).length, 0);
    assert.equal(stack.smtp.messages().filter((m) => m.to.includes(account.email!)).length, 2);
  });

  it('a new number has no SMS consent until it is given for it: texts stop at the change, email goes on', async () => {
    const account = makeAccount();
    const newPhone = `+1917555${account.phone!.slice(-4)}`;
    await stack.run(async () => {
      const handle = await enroll(account, mixed);
      await stack.env.sleep('16 hours');
      await handle.executeUpdate(changeContactDetailsUpdate, { args: [{ phone: newPhone, reason: 'debtor moved', operator: 'ana' }] });
      await stack.env.sleep('4 days');
      assert.deepEqual(await sentSteps(handle), ['validation-notice:sent', 'email-1:sent', 'sms-1:suppressed:tcpa_consent', 'email-2:sent', 'sms-2:suppressed:tcpa_consent']);
      const decision = await stack.pool.query(`SELECT reason FROM contact_decisions WHERE account_key = $1 AND step_id = 'sms-1' AND decision = 'suppress'`, [key(account)]);
      assert.match(decision.rows[0].reason, new RegExp(`no recorded consent to texts at \\${newPhone}`));
      await handle.terminate('test done');
    });
    assert.equal(stack.twilio.messages().filter((m) => m.to === newPhone || m.to === account.phone).length, 0);
  });

  it('a change of phone and time zone replays deterministically: the debtor link it saves does not run beside the main loop', async () => {
    // The update saves the debtor's new link (a local activity) while the main loop runs its own
    // (a work item for the dispute) and publishes the new next action time. Two local activities at
    // once finish in separate activations on a new run and in one on replay, so the update's answer
    // and the upsert came out in another order on replay: a nondeterminism, found by a query that
    // replayed the account (accounts-api, compliance facts).
    for (const wait of [null, '16 hours'] as const) {
      const account = makeAccount();
      const newPhone = `+1312555${account.phone!.slice(-4)}`;
      await stack.run(async () => {
        const handle = await enroll(account, mixed);
        await signal(handle, { kind: 'dispute', via: 'portal', note: 'not mine' });
        if (wait) await stack.env.sleep(wait);
        await handle.executeUpdate(changeContactDetailsUpdate, { args: [{ phone: newPhone, timezone: 'America/Chicago', reason: 'debtor moved', operator: 'ana' }] });
        const link = await stack.pool.query(`SELECT phone FROM debtor_links WHERE account_key = $1`, [key(account)]);
        assert.deepEqual(link.rows, [{ phone: newPhone }], 'the link is saved before the update answers');
        await signal(handle, { kind: 'bankruptcy', caseNumber: '26-10001', chapter: 7 });
        await stack.env.sleep('1 hour');
        const history = await handle.fetchHistory();
        assert.ok(history.events?.some((e) => e.workflowExecutionUpdateCompletedEventAttributes), 'the history has the update');
        await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: stack.encryption.dataConverter }, history, handle.workflowId);
      });
    }
  });

  it('a request to cease communication, and attorney representation, suppress every later contact', async () => {
    for (const event of [{ kind: 'cease_communication', via: 'letter' }, { kind: 'attorney_representation', attorney: 'J. Doe, Esq.' }] as ComplianceEvent[]) {
      const account = makeAccount();
      await stack.run(async () => {
        const handle = await enroll(account, mixed);
        await stack.env.sleep('16 hours'); // after the day-0 email, however long the night held it
        await signal(handle, event);
        await stack.env.sleep('4 days');
        let steps = await sentSteps(handle);
        assert.deepEqual(steps.slice(0, 2), ['validation-notice:sent', 'email-1:sent']);
        if (event.kind === 'cease_communication') {
          // The one contact §1006.6(c)(2) still allows: the confirmation, through the gate, mailed and kept as PDF.
          assert.equal(steps[2], 'cease-confirmation:sent');
          const pdf = await keptPdf(`${key(account)}/cease-confirmation`);
          assert.match(pdf, /This letter confirms it/);
          assert.match(pdf, /only further communication the law allows/);
          const { rows } = await stack.pool.query(`SELECT decision, rule FROM contact_decisions WHERE account_key = $1 AND step_id = 'cease-confirmation'`, [key(account)]);
          assert.deepEqual(rows, [{ decision: 'allow', rule: 'allowed' }]);
          // A second request does not bring a second confirmation.
          await signal(handle, event);
          await stack.env.sleep('2 days');
          steps = await sentSteps(handle);
          assert.equal(steps.filter((x) => x.startsWith('cease-confirmation')).length, 1);
        }
        steps = steps.filter((x) => !x.startsWith('cease-confirmation'));
        assert.ok(steps.slice(2).every((s) => s.includes(':suppressed:')), `${event.kind}: ${steps.join(', ')}`);
        await handle.terminate('test done');
      });
    }
  });
});

describe('deceased debtor', () => {
  it('stops everything at once and purges personal data after retention while the ledger stays', async () => {
    const account = makeAccount({ balanceMinor: 99_00, debtorName: 'Late Debtor' });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await signal(handle, { kind: 'deceased', dateOfDeath: '2026-11-20' });
      await stack.env.sleep('10 days');
      let state = await handle.query(accountStateQuery);
      assert.equal(state.stage, 'closed');
      assert.match(state.stageHistory[state.stageHistory.length - 1]!.reason, /deceased/);
      assert.deepEqual(state.contacts.map((c) => c.stepId), ['validation-notice', 'notice-email']);
      assert.equal(state.nextAction!.description, 'purge personal data');
      const outcome = await handle.result(); // skips the three-year retention
      assert.equal(outcome.stage, 'closed');
      state = await handle.query(accountStateQuery);
      assert.equal(state.compliance!.personalDataPurged, true);
      // The purge retires the account's data keys (the run's own history must stay readable), the
      // workflow continues as new with the redacted state, and the new run destroys them: Temporal's
      // copy of the earlier run can no longer be read.
      const keys = await stack.pool.query('SELECT count(*) FILTER (WHERE destroyed_at IS NOT NULL)::int AS destroyed, count(*) FILTER (WHERE retired_at IS NOT NULL AND destroyed_at IS NULL)::int AS retired FROM data_keys WHERE account_key = $1', [key(account)]);
      assert.ok(keys.rows[0].destroyed >= 1, 'the retired data keys were destroyed by the next run');
      assert.equal(keys.rows[0].retired, 0);

      await recordHistory(handle, 'deceased-then-purged');
    });
    const leftovers = await stack.pool.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE account_key = $1 AND (recipient LIKE '%' || $2 || '%' OR body LIKE '%' || $3 || '%')`,
      [key(account), account.email, account.debtorName],
    );
    assert.equal(leftovers.rows[0].n, 0);
    const ledger = await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE account_key = $1`, [key(account)]);
    assert.equal(ledger.rows[0].n, 2);
    await assertLedgerBalances(stack.pool);
  });
});

describe('creditor contact rules', () => {
  it('a creditor window narrower than the law (10:00-18:00) holds the first email until 10:00 local', async () => {
    const account = makeAccount();
    const creditors = { ...stack.creditors, creditors: stack.creditors.creditors.map((c) => (c.id === 'cred-test' ? { ...c, contactRules: { windowStartHour: 10, windowEndHour: 18 } } : c)) };
    const cadence = parseCadence({ name: 'late-morning', version: 1, steps: [{ id: 'hello', action: 'email', after: '1d', atLocalTime: '07:00', template: 't' }], templates: { t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } } } });
    await stack.run(async () => {
      const result = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue, creditors });
      const handle = stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
      await stack.env.sleep('2 days');
      const state = await handle.query(accountStateQuery);
      const hello = state.contacts.find((c) => c.stepId === 'hello')!;
      const local = localDateTime(hello.at, account.timezone);
      assert.deepEqual([local.hour, local.minute], [10, 0]);
      await handle.terminate('test done');
    });
  });
});

describe('time-barred debts and active military duty', () => {
  it('a time-barred debt is never threatened with suit and every message carries the disclosure', async () => {
    const account = makeAccount({ dueDate: '2015-03-01' }); // New York address: long past its limitation period
    const cadence = parseCadence({
      name: 'old-debt', version: 1,
      steps: [
        { id: 'reminder', action: 'email', after: '0d', template: 't' },
        { id: 'suit-letter', action: 'letter', after: '2d', template: 'l', threatensSuit: true },
      ],
      templates: {
        t: { en: { subject: 'Account {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
        l: { en: { subject: 'Notice of intent to sue', text: 'We may file suit.' } },
      },
    });
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('3 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.steps!.map((s) => [s.stepId, s.status]), [['reminder', 'done'], ['suit-letter', 'suppressed']]);
      assert.match(state.steps![1]!.detail!, /^reg_f_1006_26_b_time_barred/);
      await handle.terminate('test done');
    });
    const email = stack.smtp.messages().find((m) => m.to.includes(account.email!))!;
    assert.match(email.text, /will not sue you/);
  });

  it('no repossession while the debtor is on active military duty (SCRA)', async () => {
    const account = makeAccount({ creditorId: 'cred-swift-auto', product: 'auto_loan', collateralVin: 'VIN-SCRA-1' });
    const cadence = parseCadence({ name: 'repo-now', version: 1, steps: [{ id: 'repo', action: 'order_repossession', after: '40d', template: 'r' }], templates: { r: { en: { subject: 'Recover {{accountId}}', text: 'Recover the vehicle.' } } } });
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await signal(handle, { kind: 'active_military_duty', active: true, note: 'orders on file' });
      await stack.env.sleep('45 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.steps!.map((s) => [s.stepId, s.status]), [['repo', 'suppressed']]);
      assert.equal(stack.webhooks.received().filter((w) => w.payload.collateralVin === 'VIN-SCRA-1').length, 0);
      await handle.terminate('test done');
    });
  });
});

describe('estate and trustee', () => {
  it('when the creditor asks for it, one notice goes to the estate; nothing more to anyone', async () => {
    const account = makeAccount({ debtorName: 'Ruth Example' });
    const creditors = { ...stack.creditors, creditors: stack.creditors.creditors.map((c) => (c.id === 'cred-test' ? { ...c, notifyRepresentatives: true } : c)) };
    await stack.run(async () => {
      const result = await enrollAccount(stack.client, { account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue, creditors });
      const handle = stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
      await stack.env.sleep('1 day');
      await signal(handle, { kind: 'deceased', estateRepresentative: { name: 'Paul Example', address: { line1: '9 Probate Rd', city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' } } });
      await stack.env.sleep('10 days');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.stage, 'closed');
      assert.deepEqual(state.contacts.map((c) => `${c.stepId}:${c.status}`), ['validation-notice:sent', 'notice-email:sent', 'estate-notice:sent']);
      assert.equal(state.compliance!.representative!.role, 'estate');
      const { rows } = await stack.pool.query(`SELECT recipient, body FROM outbound_messages WHERE idempotency_key = $1`, [`${key(account)}/estate-notice`]);
      assert.match(rows[0].recipient, /^Paul Example \(for the estate of Ruth Example\), 9 Probate Rd, Albany, NY 12207/);
      assert.match(rows[0].body, /Only the estate is responsible for this amount/);
      await handle.terminate('test done');
    });
  });
});

describe('remedies and the validation period', () => {
  it('holds a disconnection order until the validation period has ended', async () => {
    const account = makeAccount({ creditorId: 'cred-metro-power', product: 'utility', serviceId: 'SVC-VP' });
    const cadence = parseCadence({ name: 'quick-cut', version: 1, steps: [{ id: 'cut', action: 'order_disconnection', after: '2d' }], templates: {} });
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('60 days');
      const state = await handle.query(accountStateQuery);
      assert.equal(stack.webhooks.received().filter((w) => w.payload.serviceId === 'SVC-VP').length, 1);
      // Workflow time, not the sink's wall clock: time is skipped here.
      const orderedOn = localDateTime(state.steps!.find((s) => s.stepId === 'cut')!.at, account.timezone).date;
      assert.ok(orderedOn > state.compliance!.validationNotice!.periodEnds, `ordered ${orderedOn}, period ends ${state.compliance!.validationNotice!.periodEnds}`);
      await handle.terminate('test done');
    });
  });
});
