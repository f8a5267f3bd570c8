/**
 * The collector's negotiating tools under time skipping, on real Temporal and Postgres: promises
 * kept, partly kept and broken; plans through on-time, late and missed instalments to default and
 * to completion; a settlement; extensions and their limits; returned payments that reopen a paid
 * account; several debts, overpayments and concurrent payments. After every test the ledger
 * balances and agrees with what each workflow shows.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { AccountError, acceptPlan, enrollAccount, grantExtension, proposePlans, recordPromise, reportAdjustment } from '../src/client/accounts.client';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { accountKey, type AccountProfile } from '../src/domain/account';
import { addDays, DEFAULT_ARRANGEMENT_RULES } from '../src/domain/arrangements';
import { chargeCap, dueCharges } from '../src/domain/charges';
import { localDateTime } from '../src/domain/contact-policy';
import { parseCadence } from '../src/schemas/cadence.schema';
import { parseCreditorDirectory } from '../src/schemas/creditors.schema';
import type { accountWorkflow } from '../src/workflows/account.workflow';
import { accountStateQuery, closeAccountUpdate, pauseAccountUpdate, resumeAccountUpdate, paymentReceivedSignal, paymentReturnedSignal, promiseToPaySignal, type AccountStateView } from '../src/workflows/definitions';
import { assertLedgerBalances } from './helpers/database';
import { makeAccount, settings, testDate } from './helpers/fixtures';
import { recordHistory } from './helpers/histories';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
before(async () => {
  stack = await startTimeSkippingStack();
});
after(async () => {
  await stack?.close();
});
// The ledger balances after every test: every transaction's debits equal its credits, in total too.
afterEach(async () => {
  await assertLedgerBalances(stack.pool);
});

/** Reminders every few days, then a credit department notice: enough steps to see holds and harder steps. */
const cadence = parseCadence({
  name: 'arrangement-test',
  version: 1,
  steps: [
    { id: 'notice-email', after: '0d', action: 'email', template: 'mail' },
    { id: 'reminder-sms', after: '3d', action: 'sms', template: 'text' },
    { id: 'second-email', after: '6d', action: 'email', template: 'mail' },
    { id: 'final-email', after: '10d', action: 'email', template: 'mail', stage: 'escalated' },
    { id: 'credit-notice', after: '40d', action: 'notify_credit_department', template: 'credit' },
  ],
  templates: {
    mail: { en: { subject: 'You owe {{balance}}', text: 'You owe {{balance}}. Pay at {{paymentLink}}. To opt out write to {{optOutEmail}}. This is a communication from a debt collector.' } },
    text: { en: { text: 'You owe {{balance}}. Pay at {{paymentLink}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
    credit: { en: { subject: 'Account {{accountId}} past due', text: '{{balance}} past due.' } },
  },
});

/** cred-test as the worker knows it, with the arrangement rules these tests need. */
const creditors = parseCreditorDirectory({
  creditors: [
    {
      id: 'cred-test',
      name: 'Test Creditor',
      mailingAddress: ['1 Test Way'],
      creditDepartmentEmail: 'credit@cred-test.example.test',
      arrangements: { settlement: { allowed: true, floorPercent: 60 }, returnedPaymentFeeMinor: 25_00, extension: { maxDays: 30, approvalAboveDays: 14, maxPerAccount: 2 } },
    },
    {
      // A creditor whose contracts allow a late fee and interest.
      id: 'cred-charges',
      name: 'Charging Creditor',
      mailingAddress: ['2 Test Way'],
      creditDepartmentEmail: 'credit@cred-charges.example.test',
      charges: { lateFee: { amountMinor: 25_00, afterDaysPastDue: 30, per: 'debt' }, interest: { annualRateBps: 1200, accrual: 'daily' } },
    },
  ],
});

type Handle = ReturnType<TimeSkippingStack['client']['workflow']['getHandle']>;
async function enroll(account: AccountProfile): Promise<Handle> {
  const result = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue, creditors });
  return stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
}
const state = (handle: Handle): Promise<AccountStateView> => handle.query(accountStateQuery);
const key = (a: AccountProfile) => accountKey(a.creditorId, a.accountId);
/** The debtor's calendar date now, on the test server's clock. */
const today = async (account: AccountProfile) => localDateTime(new Date(await stack.env.currentTimeMs()).toISOString(), account.timezone).date;
const pay = (handle: Handle, paymentId: string, amountMinor: number, currency = 'USD') => handle.signal(paymentReceivedSignal, { paymentId, amountMinor, currency });
const sent = async (handle: Handle) => (await state(handle)).contacts.filter((c) => c.status === 'sent').map((c) => c.stepId);
const ledger = () => createLedgerRepository(stack.pool);

/** What the workflow shows is what the ledger derives. */
async function assertWorkflowMatchesLedger(handle: Handle, account: AccountProfile) {
  const view = await state(handle);
  const snapshot = await ledger().snapshot(key(account));
  assert.equal(view.balance.amountMinor, snapshot.balanceMinor, 'workflow balance = ledger receivable');
  assert.equal(view.creditBalance?.amountMinor ?? 0, snapshot.creditMinor, 'workflow credit = ledger customer credit');
  assert.equal(snapshot.debts.reduce((s, d) => s + d.outstandingMinor, 0), snapshot.balanceMinor, 'debts add up to the balance');
}

async function refused(work: Promise<unknown>, field: string, pattern: RegExp) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof AccountError, String(error));
    assert.equal(error.field, field, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

async function arrangementRow(account: AccountProfile, id: string) {
  const { rows } = await stack.pool.query('SELECT status, kind, amount_minor FROM arrangements WHERE arrangement_id = $1', [`${key(account)}/${id}`]);
  return rows[0];
}

describe('promises to pay', () => {
  it('a kept promise stops reminders while it is open, then the cadence goes on where it stood', async () => {
    const account = makeAccount({ balanceMinor: 200_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      assert.deepEqual(await sent(handle), ['validation-notice', 'notice-email']);
      const promise = await recordPromise(stack.client, account.creditorId, account.accountId, { amountMinor: 50_00, date: addDays(await today(account), 5), channel: 'phone', takenBy: 'agent.kim' });
      assert.equal(promise.status, 'open');
      assert.equal((await state(handle)).stage, 'promised');
      await stack.env.sleep('4 days'); // the SMS reminder (day 3) is held
      assert.deepEqual(await sent(handle), ['validation-notice', 'notice-email']);
      assert.match((await state(handle)).nextAction!.description, /check promise of \$50\.00/);
      await pay(handle, 'PAY-K1', 50_00);
      await stack.env.sleep('1 minute');
      let view = await state(handle);
      assert.equal(view.arrangements!.promises[0]!.status, 'kept');
      assert.equal(view.stage, 'reminding');
      assert.equal((await arrangementRow(account, 'promise-1')).status, 'kept');
      await stack.env.sleep('6 days');
      view = await state(handle);
      assert.ok(view.contacts.some((c) => c.stepId === 'reminder-sms' && c.status === 'sent'), 'reminders resume after the promise');
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('a partly kept promise asks for the rest and resumes the cadence', async () => {
    const account = makeAccount({ balanceMinor: 200_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await recordPromise(stack.client, account.creditorId, account.accountId, { amountMinor: 80_00, date: addDays(await today(account), 2), channel: 'sms', takenBy: 'portal' });
      await stack.env.sleep('1 day');
      await pay(handle, 'PAY-P1', 30_00);
      await stack.env.sleep('7 days');
      const view = await state(handle);
      const promise = view.arrangements!.promises[0]!;
      assert.equal(promise.status, 'partial');
      assert.equal(promise.paidMinor, 30_00);
      assert.notEqual(view.stage, 'promised');
      const { rows } = await stack.pool.query('SELECT channel, body FROM outbound_messages WHERE idempotency_key = $1', [`${key(account)}/arrangement/promise-1/partial`]);
      assert.equal(rows.length, 1, 'one message asks for the rest');
      assert.match(rows[0].body, /\$50\.00 of the amount you promised/);
      assert.equal((await arrangementRow(account, 'promise-1')).status, 'partial');
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('a broken promise is recorded and the cadence resumes at a harder step', async () => {
    const account = makeAccount({ balanceMinor: 200_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await recordPromise(stack.client, account.creditorId, account.accountId, { amountMinor: 100_00, date: addDays(await today(account), 2), channel: 'phone', takenBy: 'agent.kim' });
      await stack.env.sleep('8 days'); // promised date + 3 days' grace, checked the next morning
      const view = await state(handle);
      assert.equal(view.arrangements!.promises[0]!.status, 'broken');
      const skipped = view.steps!.find((s) => s.stepId === 'reminder-sms');
      assert.equal(skipped?.status, 'skipped');
      assert.match(skipped!.detail!, /promise promise-1 broken: moved on to a harder step/);
      assert.deepEqual(await sent(handle), ['validation-notice', 'notice-email', 'second-email'], 'the SMS reminder never went; the next email did, at once');
      assert.equal((await arrangementRow(account, 'promise-1')).status, 'broken');
      await recordHistory(handle, 'promise-broken');
    });
  });

  it('a promise signalled by an inbound system is validated the same way; a refused one is recorded, not thrown', async () => {
    const account = makeAccount({ balanceMinor: 90_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      await handle.signal(promiseToPaySignal, { amountMinor: 500_00, date: addDays(await today(account), 3), channel: 'portal', takenBy: 'ivr' });
      await stack.env.sleep('1 minute');
      let view = await state(handle);
      assert.equal(view.arrangements!.promises.length, 0);
      assert.match(view.compliance!.events.find((e) => e.kind === 'rejected_promise')!.detail, /amountMinor: \$500\.00 is more than the balance of \$90\.00/);
      await handle.signal(promiseToPaySignal, { amountMinor: 40_00, date: addDays(await today(account), 3), channel: 'portal', takenBy: 'ivr' });
      await stack.env.sleep('1 minute');
      view = await state(handle);
      assert.equal(view.stage, 'promised');
      assert.equal(view.arrangements!.promises[0]!.takenBy, 'ivr');
    });
  });

  it('a pause and a promise that overlap stop the cadence clock once, not twice', async () => {
    const account = makeAccount({ balanceMinor: 200_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await handle.executeUpdate(pauseAccountUpdate, { args: [{ reason: 'debtor in hospital' }] });
      await recordPromise(stack.client, account.creditorId, account.accountId, { amountMinor: 50_00, date: addDays(await today(account), 7), channel: 'phone', takenBy: 'agent.kim' });
      await stack.env.sleep('5 days');
      await handle.executeUpdate(resumeAccountUpdate, { args: [{ reason: 'back home' }] });
      assert.equal((await state(handle)).stage, 'promised');
      await pay(handle, 'PAY-O1', 50_00);
      await stack.env.sleep('1 minute');
      assert.equal((await state(handle)).arrangements!.promises[0]!.status, 'kept');
      // Held from day 1 to day 6: the day-3 text moves to about day 8, not day 13 (pause and promise counted apart).
      await stack.env.sleep('4 days');
      const view = await state(handle);
      assert.ok(view.contacts.some((c) => c.stepId === 'reminder-sms' && c.status === 'sent'), `the text went by day 10: ${JSON.stringify(view.nextAction)}`);
    });
  });

  it('an open promise ends as cancelled when an operator closes the account', async () => {
    const account = makeAccount({ balanceMinor: 200_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      await recordPromise(stack.client, account.creditorId, account.accountId, { amountMinor: 50_00, date: addDays(await today(account), 5), channel: 'phone', takenBy: 'agent.kim' });
      await handle.executeUpdate(closeAccountUpdate, { args: [{ reason: 'sold to another agency' }] });
      const outcome = await handle.result();
      assert.equal(outcome.stage, 'closed');
      const view = await state(handle);
      assert.equal(view.arrangements!.active, null);
      assert.equal(view.arrangements!.promises[0]!.status, 'cancelled');
      assert.equal((await arrangementRow(account, 'promise-1')).status, 'cancelled');
    });
  });

  it('refuses a promise above the balance, in the past or beyond the creditor limit, naming the field', async () => {
    const account = makeAccount({ balanceMinor: 90_00 });
    await stack.run(async () => {
      await enroll(account);
      await stack.env.sleep('1 hour');
      const day = await today(account);
      const promise = (amountMinor: number, date: string) => recordPromise(stack.client, account.creditorId, account.accountId, { amountMinor, date, channel: 'phone', takenBy: 'agent' });
      await refused(promise(95_00, addDays(day, 3)), 'amountMinor', /\$95\.00 is more than the balance of \$90\.00/);
      await refused(promise(50_00, addDays(day, -1)), 'date', /is in the past/);
      await refused(promise(50_00, addDays(day, 45)), 'date', /at most 30 days ahead/);
      await refused(promise(-5, addDays(day, 3)), 'amountMinor', /greater than zero/);
      await promise(50_00, addDays(day, 3));
      await assert.rejects(promise(20_00, addDays(day, 4)), /active promise/);
    });
  });
});

describe('repayment plans', () => {
  it('proposes plans from the budget and refuses one the budget cannot carry', async () => {
    const account = makeAccount({ balanceMinor: 1200_00 });
    await stack.run(async () => {
      await enroll(account);
      await stack.env.sleep('1 hour');
      const proposals = await proposePlans(stack.client, account.creditorId, account.accountId, { monthlyIncomeMinor: 3000_00, monthlyExpensesMinor: 2600_00 });
      assert.deepEqual(proposals.map((p) => p.frequency), ['weekly', 'fortnightly', 'monthly']);
      const monthly = proposals.find((p) => p.frequency === 'monthly')!;
      assert.equal(monthly.affordableInstalmentMinor, 200_00); // half of the 400.00 left each month
      assert.equal(monthly.instalmentMinor, 200_00);
      assert.equal(monthly.schedule.length, 6);
      const tight = await proposePlans(stack.client, account.creditorId, account.accountId, { monthlyIncomeMinor: 2000_00, monthlyExpensesMinor: 1900_00 });
      assert.equal(tight.find((p) => p.frequency === 'monthly')!.feasible, false);
      await refused(acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'monthly', instalmentMinor: 300_00, monthlyIncomeMinor: 3000_00, monthlyExpensesMinor: 2600_00, acceptedBy: 'agent' }), 'instalmentMinor', /more than the budget allows/);
      await refused(acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'monthly', instalmentMinor: 50_00, acceptedBy: 'agent' }), 'instalmentMinor', /past the creditor's 12-month limit/);
    });
  });

  it('watches each instalment: on time, late, missed; the shortfall moves to the end and the plan completes as paid', async () => {
    const account = makeAccount({ balanceMinor: 300_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      const plan = await acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'weekly', instalmentMinor: 100_00, acceptedBy: 'agent.kim' });
      assert.deepEqual(plan.schedule.map((i) => i.amountMinor), [100_00, 100_00, 100_00]);
      assert.equal((await state(handle)).stage, 'on_plan');
      await pay(handle, 'PLAN-1', 100_00);
      await stack.env.sleep('9 days'); // instalment 2 falls due on day 7: reminded, then a notice
      await pay(handle, 'PLAN-2', 100_00); // late, within the grace period
      await stack.env.sleep('12 days'); // instalment 3 (day 14) is not paid within its grace: missed
      let view = await state(handle);
      let watched = view.arrangements!.plans[0]!;
      assert.deepEqual(watched.schedule.map((i) => i.status), ['paid', 'late', 'missed', 'due']);
      assert.equal(watched.misses, 1);
      assert.equal(watched.schedule[3]!.amountMinor, 100_00);
      assert.equal(view.stage, 'on_plan', 'one miss is within the creditor limit');
      const reminders = await stack.pool.query(`SELECT idempotency_key FROM outbound_messages WHERE idempotency_key LIKE $1 ORDER BY idempotency_key`, [`${key(account)}/arrangement/plan-1/%`]);
      assert.deepEqual(reminders.rows.map((r) => r.idempotency_key.split('/arrangement/')[1]), ['plan-1/2/late', 'plan-1/2/reminder', 'plan-1/3/late', 'plan-1/3/reminder', 'plan-1/4/reminder']);
      assert.deepEqual(
        await sent(handle),
        ['validation-notice', 'notice-email', 'plan_reminder-plan-1-2-reminder', 'plan_missed-plan-1-2-late', 'plan_reminder-plan-1-3-reminder', 'plan_missed-plan-1-3-late', 'plan_reminder-plan-1-4-reminder'],
        'no cadence reminder while on the plan; the moved shortfall gets its own reminder',
      );
      await pay(handle, 'PLAN-3', 100_00);
      await stack.env.sleep('1 minute');
      view = await state(handle);
      watched = view.arrangements!.plans[0]!;
      assert.equal(watched.status, 'completed');
      assert.equal(view.stage, 'paid');
      assert.equal((await arrangementRow(account, 'plan-1')).status, 'completed');
      await recordHistory(handle, 'plan-late-missed-completed');
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('puts a plan in default after the creditor number of misses and resumes collection for the rest', async () => {
    const account = makeAccount({ balanceMinor: 300_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'weekly', instalmentMinor: 100_00, acceptedBy: 'agent.kim' });
      await pay(handle, 'PLAN-D1', 100_00);
      await stack.env.sleep('22 days');
      const view = await state(handle);
      const plan = view.arrangements!.plans[0]!;
      assert.equal(plan.status, 'defaulted', JSON.stringify({ plan, steps: view.steps!.slice(-8), next: view.nextAction, stage: view.stage }));
      assert.equal(plan.misses, 2);
      assert.notEqual(view.stage, 'on_plan');
      assert.equal(view.balance.amountMinor, 200_00);
      const notices = await stack.pool.query(`SELECT 1 FROM outbound_messages WHERE idempotency_key = $1`, [`${key(account)}/arrangement/plan-1/default`]);
      assert.equal(notices.rowCount, 1, 'the debtor is told the plan ended');
      const skipped = view.steps!.find((s) => s.stepId === 'reminder-sms');
      assert.match(skipped?.detail ?? '', /plan plan-1 in default: moved on to a harder step/);
      assert.ok(view.contacts.some((c) => c.stepId === 'second-email' && c.status === 'sent'), 'collection resumed');
      assert.equal((await arrangementRow(account, 'plan-1')).status, 'defaulted');
      await recordHistory(handle, 'plan-default');
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('settles for less within the creditor floor and writes off the difference', async () => {
    const account = makeAccount({ balanceMinor: 500_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await refused(acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'monthly', settlementAmountMinor: 250_00, instalmentMinor: 250_00, acceptedBy: 'agent' }), 'settlementAmountMinor', /below the creditor's floor of 60% \(\$300\.00\)/);
      const plan = await acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'monthly', settlementAmountMinor: 350_00, instalmentMinor: 175_00, acceptedBy: 'supervisor.lee' });
      assert.equal(plan.terms.settlement, true);
      assert.deepEqual(plan.schedule.map((i) => i.amountMinor), [175_00, 175_00]);
      await pay(handle, 'SETTLE-1', 175_00);
      await stack.env.sleep('20 days');
      await pay(handle, 'SETTLE-2', 175_00);
      await stack.env.sleep('1 minute');
      const view = await state(handle);
      assert.equal(view.stage, 'settled');
      await recordHistory(handle, 'settlement');
      assert.equal(view.balance.amountMinor, 0);
      const writeOff = await stack.pool.query(`SELECT amount_minor FROM ledger_transactions WHERE account_key = $1 AND kind = 'write_off'`, [key(account)]);
      assert.deepEqual(writeOff.rows.map((r) => Number(r.amount_minor)), [150_00]);
      await assertWorkflowMatchesLedger(handle, account);
    });
  });
});

describe('credit extensions', () => {
  it('refuses extensions beyond the limits with a clear error, grants one within them, and resumes dunning after the new date', async () => {
    const account = makeAccount({ balanceMinor: 150_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      const day = await today(account);
      const extend = (newDueDate: string, approver?: string) => grantExtension(stack.client, account.creditorId, account.accountId, { newDueDate, reason: 'hospital stay', grantedBy: 'agent.kim', ...(approver ? { approver } : {}) });
      await refused(extend(addDays(day, 45), 'supervisor.lee'), 'newDueDate', /45 days is longer than the creditor's limit of 30 days/);
      await refused(extend(addDays(day, 20)), 'approver', /an extension of 20 days \(over 14\) needs an approver/);
      await refused(extend(addDays(day, 20), 'agent.kim'), 'approver', /someone other than the person granting/);
      const granted = await extend(addDays(day, 20), 'supervisor.lee');
      assert.equal(granted.days, 20);
      assert.equal((await state(handle)).stage, 'extended');
      await stack.env.sleep('19 days');
      assert.deepEqual(await sent(handle), ['validation-notice', 'notice-email'], 'no dunning during the extension');
      await stack.env.sleep('4 days');
      const view = await state(handle);
      assert.equal(view.arrangements!.extensions[0]!.status, 'ended');
      assert.equal(view.stage, 'reminding');
      assert.ok(view.contacts.some((c) => c.stepId === 'reminder-sms' && c.status === 'sent'), 'dunning resumed after the new date');
      await recordHistory(handle, 'extension-then-resumed');
    });
  });
});

describe('ledger postings through the workflow', () => {
  it("charges late fees and interest by the creditor's rules, once per debt and period, and none for the days a plan is kept", async () => {
    const account = makeAccount({ creditorId: 'cred-charges', balanceMinor: 1000_00, dueDate: testDate(-45) });
    const rules = creditors.creditors.find((c) => c.id === 'cred-charges')!.charges!;
    const expected = (through: string, suspensions: { from: string; to: string | null }[]) =>
      dueCharges({
        debts: [{ debtId: 'opening', dueDate: account.dueDate, originalMinor: 1000_00, changes: [{ date: account.dueDate, deltaMinor: 1000_00 }] }],
        rules: { lateFee: rules.lateFee, interest: rules.interest },
        cap: chargeCap('NY', account.product),
        through,
        suspensions,
        currency: 'USD',
      }).map((c) => [c.key, c.amountMinor]);
    const posted = async (handle: Handle) => (await state(handle)).adjustments!.filter((a) => a.status === 'posted').map((a) => [a.adjustmentId, a.amountMinor]);
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      // 45 days past due: the late fee (due at 30 days) and interest for every month that ended since the due date.
      assert.deepEqual(await posted(handle), expected(await today(account), []));
      assert.ok((await posted(handle)).some(([k]) => k === 'late-fee.opening.once'));
      // A plan stops the charges while it is kept; it goes into default after two misses and they resume.
      await acceptPlan(stack.client, account.creditorId, account.accountId, { frequency: 'weekly', acceptedBy: 'ana' });
      await stack.env.sleep('75 days');
      const view = await state(handle);
      const plan = view.arrangements!.plans[0]!;
      assert.equal(plan.status, 'defaulted', JSON.stringify({ plan, steps: view.steps!.slice(-8), next: view.nextAction, stage: view.stage }));
      const local = (iso: string) => localDateTime(iso, account.timezone).date;
      assert.deepEqual(await posted(handle), expected(await today(account), [{ from: local(plan.acceptedAt), to: local(plan.resolvedAt!) }]));
      // Each charge is one ledger transaction, visible in the statement.
      const { rows } = await stack.pool.query(`SELECT external_id, count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind IN ('fee', 'interest') GROUP BY external_id`, [key(account)]);
      assert.ok(rows.length >= 3 && rows.every((r) => r.n === 1), JSON.stringify(rows));
      const statement = await ledger().statement(key(account));
      assert.ok(statement.some((l) => /^Fee: Late fee on opening/.test(l.description)));
      assert.ok(statement.some((l) => /^Interest: Interest on opening for \d{4}-\d{2} \(12\.00% a year, daily\)/.test(l.description)));
      await assertWorkflowMatchesLedger(handle, account);
      await handle.terminate('test done');
    });
  });

  it('a returned payment reverses its entries, adds the fee and reopens a paid account where the cadence stood', async () => {
    const account = makeAccount({ balanceMinor: 120_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 day');
      await pay(handle, 'PAY-R1', 120_00);
      await stack.env.sleep('1 minute');
      assert.equal((await state(handle)).stage, 'paid');
      await stack.env.sleep('5 days');
      await handle.signal(paymentReturnedSignal, { paymentId: 'PAY-R1', returnId: 'RET-1', reason: 'insufficient_funds' });
      await handle.signal(paymentReturnedSignal, { paymentId: 'PAY-R1', returnId: 'RET-1-AGAIN', reason: 'insufficient_funds' });
      await stack.env.sleep('1 minute');
      let view = await state(handle);
      assert.equal(view.stage, 'reminding');
      assert.equal(view.balance.amountMinor, 145_00, 'the payment is owed again, with the returned-payment fee');
      assert.equal(view.payments[0]!.status, 'reversed');
      assert.match(view.stageHistory.at(-1)!.reason, /reopened: payment PAY-R1 returned: insufficient_funds/);
      const reversals = await stack.pool.query(`SELECT kind FROM ledger_transactions WHERE account_key = $1 ORDER BY id`, [key(account)]);
      assert.deepEqual(reversals.rows.map((r) => r.kind), ['charge', 'payment', 'reversal', 'fee']);
      await stack.env.sleep('4 days');
      view = await state(handle);
      assert.ok(view.contacts.some((c) => c.stepId === 'reminder-sms' && c.status === 'sent'), 'the cadence goes on from where it stood');
      await recordHistory(handle, 'payment-returned-reopened');
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('a paid account continued as new during its reopen window still reopens on a return, and closes when the window is over', async () => {
    const account = makeAccount({ balanceMinor: 100_00 });
    await stack.run(async () => {
      const started = await stack.client.workflow.start('accountWorkflow', {
        workflowId: key(account),
        taskQueue: stack.taskQueue,
        args: [{ account, cadence, settings, maxHistoryEvents: 30, arrangementRules: { ...DEFAULT_ARRANGEMENT_RULES, reopenWindowDays: 60 } }],
      });
      const handle = stack.client.workflow.getHandle<typeof accountWorkflow>(key(account));
      await stack.env.sleep('1 hour');
      await pay(handle, 'PAY-W1', 100_00);
      await stack.env.sleep('1 day');
      assert.equal((await state(handle)).stage, 'paid');
      // Late payments on a paid account: each one is held as a credit and lengthens the history.
      for (let i = 1; i <= 8; i++) {
        await pay(handle, `PAY-LATE-${i}`, 1_00);
        await stack.env.sleep('1 hour');
      }
      assert.notEqual((await handle.describe()).runId, started.firstExecutionRunId, 'continued as new inside the window');
      let view = await state(handle);
      assert.equal(view.creditBalance!.amountMinor, 8_00);
      await handle.signal(paymentReturnedSignal, { paymentId: 'PAY-W1', returnId: 'RET-W1', reason: 'chargeback' });
      await stack.env.sleep('1 minute');
      view = await state(handle);
      assert.equal(view.stage, 'reminding');
      assert.equal(view.balance.amountMinor, 100_00);
      await pay(handle, 'PAY-W2', 100_00);
      await stack.env.sleep('61 days');
      const outcome = await handle.result();
      assert.equal(outcome.stage, 'paid', 'the window closed and the workflow ended');
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('allocates payments oldest debt first, holds an overpayment as a credit and refuses a foreign currency', async () => {
    const account = makeAccount({
      balanceMinor: 150_00,
      debts: [
        { debtId: 'INV-2', description: 'September', amountMinor: 50_00, dueDate: '2026-09-01' },
        { debtId: 'INV-1', description: 'August', amountMinor: 100_00, dueDate: '2026-08-01' },
      ],
    });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      await pay(handle, 'PAY-A1', 120_00);
      await pay(handle, 'PAY-EUR', 10_00, 'EUR');
      await stack.env.sleep('1 minute');
      let snapshot = await ledger().snapshot(key(account));
      assert.deepEqual(snapshot.debts.map((d) => [d.debtId, d.outstandingMinor]), [['INV-1', 0], ['INV-2', 30_00]]);
      let view = await state(handle);
      assert.equal(view.payments[1]!.status, 'rejected');
      assert.match(view.payments[1]!.reason!, /currency EUR does not match the account's USD/);
      await pay(handle, 'PAY-A2', 50_00);
      await stack.env.sleep('1 minute');
      view = await state(handle);
      assert.equal(view.stage, 'paid');
      assert.equal(view.creditBalance!.amountMinor, 20_00);
      assert.equal(view.payments[2]!.overpaymentMinor, 20_00);
      assert.match(view.steps!.find((s) => s.action === 'overpayment')!.detail!, /\$20\.00 of payment PAY-A2 beyond the balance is held as a credit/);
      snapshot = await ledger().snapshot(key(account));
      assert.equal(snapshot.creditMinor, 20_00);
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('charges fees and interest as debts of their own, grants a credit by the allocation rule, refuses a credit above the balance, and a fee reopens a paid account', async () => {
    const account = makeAccount({ balanceMinor: 100_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      const adjust = (adjustmentId: string, kind: 'fee' | 'interest' | 'credit', amountMinor: number, currency = 'USD') =>
        reportAdjustment(stack.client, account.creditorId, account.accountId, { adjustmentId, kind, amountMinor, currency, description: `${kind} ${adjustmentId}` });
      await adjust('LATE-FEE-1', 'fee', 15_00);
      await adjust('INT-NOV', 'interest', 2_50);
      await adjust('LATE-FEE-1', 'fee', 15_00); // delivered twice: posted once
      await adjust('GOODWILL-1', 'credit', 10_00);
      await adjust('TOO-MUCH', 'credit', 500_00);
      await refused(adjust('EUR-FEE', 'fee', 5_00, 'EUR'), 'currency', /kept in USD/);
      await stack.env.sleep('1 minute');
      let view = await state(handle);
      assert.equal(view.balance.amountMinor, 100_00 + 15_00 + 2_50 - 10_00);
      assert.deepEqual(view.adjustments!.map((a) => [a.adjustmentId, a.status]), [['LATE-FEE-1', 'posted'], ['INT-NOV', 'posted'], ['GOODWILL-1', 'posted'], ['TOO-MUCH', 'rejected']]);
      assert.match(view.adjustments![3]!.reason!, /invalid_posting: a credit of 50000 is more than the 10750 owed/);
      const snapshot = await ledger().snapshot(key(account));
      // The credit went to the oldest debt first: the opening balance (due 2026-10-01), not the fee or interest charged today.
      assert.deepEqual(snapshot.debts.map((d) => [d.kind, d.outstandingMinor]), [['invoice', 90_00], ['fee', 15_00], ['interest', 2_50]]);
      await pay(handle, 'PAY-ALL', 107_50);
      await stack.env.sleep('1 minute');
      assert.equal((await state(handle)).stage, 'paid');
      await adjust('LATE-FEE-2', 'fee', 15_00);
      await stack.env.sleep('1 minute');
      view = await state(handle);
      assert.equal(view.stage, 'reminding');
      assert.match(view.stageHistory.at(-1)!.reason, /reopened: fee LATE-FEE-2 charged; \$15\.00 due/);
      await assertWorkflowMatchesLedger(handle, account);
    });
  });

  it('posts two payments that arrive at the same moment and a duplicate payment id once', async () => {
    const account = makeAccount({ balanceMinor: 500_00 });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('1 hour');
      await Promise.all([pay(handle, 'PAY-S1', 70_00), pay(handle, 'PAY-S2', 30_00), pay(handle, 'PAY-S1', 70_00)]);
      await stack.env.sleep('1 minute');
      const view = await state(handle);
      assert.equal(view.balance.amountMinor, 400_00);
      assert.deepEqual(view.payments.map((p) => p.paymentId).sort(), ['PAY-S1', 'PAY-S2']);
      const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'payment'`, [key(account)]);
      assert.equal(rows[0].n, 2);
      await assertWorkflowMatchesLedger(handle, account);
    });
  });
});
