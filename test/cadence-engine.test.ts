/**
 * The sample cadences from enrollment to their end under time skipping, with the exact messages,
 * letters, orders and stage history; operator controls; continue-as-new with signals in flight.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { accountStartOptions, enrollAccount } from '../src/client/accounts.client';
import { accountKey, type AccountProfile } from '../src/domain/account';
import type { Cadence } from '../src/domain/cadence';
import { CadenceConflictError, createCadenceRepository } from '../src/adapters/cadence.repository';
import { parseCadence } from '../src/schemas/cadence.schema';
import type { accountWorkflow } from '../src/workflows/account.workflow';
import {
  accountStateQuery,
  ENGINE_SAID_BY_INPUT,
  closeAccountUpdate,
  moveToCadenceUpdate,
  pauseAccountUpdate,
  paymentReceivedSignal,
  repeatLastStepUpdate,
  resumeAccountUpdate,
  skipNextStepUpdate,
} from '../src/workflows/definitions';
import { assertLedgerBalances } from './helpers/database';
import { makeAccount, settings, standardCadence } from './helpers/fixtures';
import { HISTORIES_DIR, decodedHistoryJson, recordHistory } from './helpers/histories';
import { readPdf } from './helpers/pdf-text';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
before(async () => {
  stack = await startTimeSkippingStack();
});
after(async () => {
  await stack?.close();
});

function localTime(iso: string, zone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return { weekday: parts.weekday!, time: `${parts.hour}:${parts.minute}`, hour: Number(parts.hour) };
}

async function enroll(account: AccountProfile, options: { cadence?: Cadence; withCreditors?: boolean } = {}) {
  const result = await enrollAccount(stack.client, { account, cadence: options.cadence, settings, taskQueue: stack.taskQueue, ...(options.withCreditors ? { creditors: stack.creditors } : {}) });
  assert.equal(result.status, 'started');
  return stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
}

const key = (a: AccountProfile) => accountKey(a.creditorId, a.accountId);
const lettersOf = (a: AccountProfile) => readdirSync(stack.lettersDir).filter((f) => f.startsWith(key(a).replace(/[^A-Za-z0-9.-]/g, '_')) && f.endsWith('.pdf'));
const emailsTo = (address: string) => stack.smtp.messages().filter((m) => m.to.includes(address));

describe('sample cadences, enrollment to end', () => {
  it('utility: reminders by email, mail, SMS and call, a written warning, the credit department, then a signed disconnection order', async () => {
    const account = makeAccount({ creditorId: 'cred-metro-power', product: 'utility', serviceId: 'SVC-77', balanceMinor: 184_20, timezone: 'America/Chicago' });
    await stack.run(async () => {
      const handle = await enroll(account, { withCreditors: true });
      await stack.env.sleep('50 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.cadence, { name: 'utility', version: 2 });
      assert.deepEqual(
        state.steps!.map((s) => [s.stepId, s.status]),
        [
          ['notice-email', 'done'],
          ['notice-letter', 'done'],
          ['reminder-sms', 'done'],
          ['reminder-email', 'done'],
          ['collector-call', 'done'],
          ['disconnection-warning', 'done'],
          ['credit-department', 'done'],
          ['disconnection', 'done'],
        ],
      );
      assert.deepEqual(state.stageHistory.map((s) => s.stage), ['notice', 'reminding', 'escalated']);
      assert.equal(state.stage, 'escalated');
      // Letters are mailed, not received, at the step's time: the hour rule is for calls, texts and email.
      for (const contact of state.contacts.filter((c) => c.channel !== 'letter')) {
        const local = localTime(contact.at, account.timezone);
        assert.ok(local.hour >= 8 && local.hour < 21, `${contact.stepId} at ${local.time} local is outside 08:00-21:00`);
      }
      const sms = state.contacts.find((c) => c.stepId === 'reminder-sms')!;
      const smsLocal = localTime(sms.at, account.timezone);
      assert.equal(smsLocal.time, '10:00');
      assert.ok(!['Sat', 'Sun'].includes(smsLocal.weekday), `SMS on a ${smsLocal.weekday}`);
      assert.equal(localTime(state.contacts.find((c) => c.stepId === 'reminder-email')!.at, account.timezone).time, '09:30');

      assert.deepEqual(emailsTo(account.email!).map((m) => m.subject), [
        `Your cred-metro-power account ${account.accountId} is past due`,
        `Reminder: $184.20 is past due on account ${account.accountId}`,
      ]);
      const creditNotice = emailsTo('credit@metro-power.example.test').filter((m) => m.subject.includes(account.accountId));
      assert.equal(creditNotice.length, 1);
      assert.equal(lettersOf(account).length, 3, 'the validation notice and two cadence letters');
      const orders = stack.webhooks.received().filter((w) => w.payload.accountId === account.accountId);
      assert.equal(orders.length, 1);
      assert.equal(orders[0]!.path, '/creditors/cred-metro-power/disconnections');
      assert.deepEqual([orders[0]!.payload.type, orders[0]!.payload.serviceId, orders[0]!.payload.balanceMinor], ['service_disconnection.ordered', 'SVC-77', 184_20]);
      const calls = await stack.pool.query('SELECT phone, script, voicemail FROM call_tasks WHERE account_key = $1', [key(account)]);
      assert.equal(calls.rowCount, 1);
      assert.match(calls.rows[0].script, /Ask for Test Debtor only/);
      // §1006.2(j): the voicemail names the creditor's contact person (config/creditors.local.json).
      assert.equal(calls.rows[0].voicemail, 'Hello, this message is for Test Debtor. This is Dana Whitfield from Client Services. Please call us back at +1 555 555 0100. Thank you.');
      // §1006.38(b): the disconnection warning (day 35) waited for the validation period to end.
      const warnedOn = localTime(state.steps!.find((s) => s.stepId === 'disconnection-warning')!.at, account.timezone);
      const { periodEnds } = state.compliance!.validationNotice!;
      assert.ok(state.steps!.find((s) => s.stepId === 'disconnection-warning')!.at.slice(0, 10) > periodEnds, `warned ${state.steps!.find((s) => s.stepId === 'disconnection-warning')!.at}, period ends ${periodEnds}`);
      assert.equal(warnedOn.time, '09:00');
      const decisions = await stack.pool.query(`SELECT count(*)::int AS n FROM contact_decisions WHERE account_key = $1 AND decision = 'allow'`, [key(account)]);
      assert.equal(decisions.rows[0].n, 6);
      await recordHistory(handle, 'utility-to-disconnection');
      // Paid after the disconnection: the service is ordered back on, the same signed way, once.
      await handle.signal(paymentReceivedSignal, { paymentId: `${account.accountId}-ALL`, amountMinor: 184_20, currency: 'USD' });
      await stack.env.sleep('1 hour');
      const after = stack.webhooks.received().filter((w) => w.payload.accountId === account.accountId);
      assert.deepEqual(after.map((w) => [w.path, w.payload.type]), [
        ['/creditors/cred-metro-power/disconnections', 'service_disconnection.ordered'],
        ['/creditors/cred-metro-power/disconnections', 'service_reconnection.ordered'],
      ]);
      const paid = await handle.query(accountStateQuery);
      assert.equal(paid.stage, 'paid');
      assert.match(paid.steps!.at(-1)!.detail!, /^reconnection of SVC-77 acknowledged by .*: the balance is paid/);
      const { rows: kinds } = await stack.pool.query(`SELECT kind, status FROM escalation_orders WHERE account_key = $1 ORDER BY kind`, [key(account)]);
      assert.deepEqual(kinds, [{ kind: 'credit_department_notice', status: 'acknowledged' }, { kind: 'service_disconnection', status: 'acknowledged' }, { kind: 'service_reconnection', status: 'acknowledged' }]);
      await handle.terminate('test done');
    });
  });

  it('auto loan: ends in a repossession order naming the collateral', async () => {
    const account = makeAccount({ creditorId: 'cred-swift-auto', product: 'auto_loan', collateralVin: '1HGCM82633A004352', balanceMinor: 2_450_00, timezone: 'America/Denver' });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('47 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.cadence, { name: 'auto-loan', version: 2 });
      assert.deepEqual(state.steps!.map((s) => s.stepId), ['notice-email', 'reminder-sms', 'collector-call', 'default-letter', 'credit-department', 'repossession']);
      assert.deepEqual(state.stageHistory.map((s) => s.stage), ['notice', 'reminding', 'escalated']);
      const order = stack.webhooks.received().find((w) => w.payload.accountId === account.accountId)!;
      assert.equal(order.path, '/creditors/cred-swift-auto/repossessions');
      assert.equal(order.payload.collateralVin, '1HGCM82633A004352');
      assert.equal(lettersOf(account).length, 2, 'the validation notice and the default letter');
      await handle.terminate('test done');
    });
  });

  it('medical: ends placed with an attorney, with the packet (PDF, ledger CSV, contact CSV) sent and kept', async () => {
    const account = makeAccount({ creditorId: 'cred-valley-clinic', product: 'medical', insuranceClaimId: 'CLM-9', balanceMinor: 612_00, timezone: 'America/Phoenix' });
    await stack.run(async () => {
      const handle = await enroll(account);
      await stack.env.sleep('20 days');
      await handle.signal(paymentReceivedSignal, { paymentId: `P-med-${account.accountId}`, amountMinor: 100_00, currency: 'USD' });
      await stack.env.sleep('45 days');
      const outcome = await handle.result();
      assert.equal(outcome.stage, 'placed');
      assert.equal(outcome.balance.amountMinor, 512_00);
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.steps!.map((s) => [s.stepId, s.status]), [
        ['statement-letter', 'done'],
        ['notice-email', 'done'],
        ['reminder-sms', 'done'],
        ['collector-call', 'done'],
        ['final-letter', 'done'],
        ['check-arrangement', 'done'],
        ['placement', 'done'],
        // The debtor is told of the placement, by letter, once the attorney acknowledged it.
        ['placement-notice', 'done'],
      ]);
      assert.deepEqual(state.stageHistory.map((s) => s.stage), ['notice', 'reminding', 'escalated', 'placed']);
      const packet = emailsTo('placements@baxter-reed.example.test').find((m) => m.subject.includes(account.accountId))!;
      assert.ok(packet, 'placement email sent to the attorney');
      const documents = await stack.pool.query('SELECT kind FROM documents WHERE account_key = $1 ORDER BY kind', [key(account)]);
      assert.deepEqual(documents.rows.map((r) => r.kind), ['letter', 'letter', 'letter', 'letter', 'placement_contacts_csv', 'placement_ledger_csv', 'placement_packet']);
      const { rows: notice } = await stack.pool.query(`SELECT content FROM documents WHERE idempotency_key = $1`, [`${key(account)}/placement-notice`]);
      const text = (await readPdf(notice[0].content)).text.replace(/\s+/g, ' ');
      assert.match(text, /was placed with .+ for collection/);
      await recordHistory(handle, 'medical-to-placement');
    });
    await assertLedgerBalances(stack.pool);
  });
});

describe('contact window and operator controls', () => {
  const tinyCadence = (steps: Cadence['steps']): Cadence =>
    parseCadence({
      name: 'tiny',
      version: 1,
      steps,
      templates: { t: { en: { subject: 'Reminder {{accountId}}', text: 'Balance {{balance}}. Reply STOP to opt out. This is a communication from a debt collector.' } } },
    });

  it('a step due at 03:00 local waits until the window opens at 08:00', async () => {
    const account = makeAccount({ timezone: 'Pacific/Honolulu' });
    const cadence = tinyCadence([{ id: 'early', action: 'email', after: '1d', atLocalTime: '03:00', template: 't' }]);
    await stack.run(async () => {
      const handle = await enroll(account, { cadence });
      await stack.env.sleep('3 days');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.contacts.map((c) => c.stepId), ['validation-notice', 'early']);
      assert.equal(localTime(state.contacts[1]!.at, 'Pacific/Honolulu').time, '08:00');
      const deferred = await stack.pool.query(`SELECT rule FROM contact_decisions WHERE account_key = $1 AND decision = 'defer'`, [key(account)]);
      assert.deepEqual(deferred.rows.map((r) => r.rule), ['reg_f_1006_6_b_1_i_time_of_day']);
      await handle.terminate('test done');
    });
  });

  it('pause holds every step until resume; skip, repeat, move and close do what they say', async () => {
    // Steps at 10:00 local, and the last one far away, so the outcome does not depend on the hour the test runs.
    const account = makeAccount();
    const cadence = tinyCadence([
      { id: 'one', action: 'email', after: '1d', atLocalTime: '10:00', template: 't' },
      { id: 'two', action: 'email', after: '3d', atLocalTime: '10:00', template: 't' },
      { id: 'three', action: 'email', after: '5d', atLocalTime: '10:00', template: 't' },
      { id: 'four', action: 'email', after: '40d', atLocalTime: '10:00', template: 't' },
    ]);
    const localDay = (iso: string) => Date.parse(`${new Intl.DateTimeFormat('en-CA', { timeZone: account.timezone }).format(new Date(iso))}T00:00:00Z`) / 86_400_000;
    await stack.run(async () => {
      const handle = await enroll(account, { cadence });
      await stack.env.sleep('2 days');
      await assert.rejects(handle.executeUpdate(pauseAccountUpdate, { args: [{ reason: '' }] }), WorkflowUpdateFailedError);
      await assert.rejects(handle.executeUpdate(resumeAccountUpdate, { args: [{ reason: 'not paused' }] }), WorkflowUpdateFailedError);
      const paused = await handle.executeUpdate(pauseAccountUpdate, { args: [{ reason: 'debtor in hospital', operator: 'ops-1' }] });
      assert.equal(paused.stage, 'paused');
      await stack.env.sleep('10 days');
      assert.deepEqual((await handle.query(accountStateQuery)).contacts.map((c) => c.stepId), ['validation-notice', 'one']);
      const resumed = await handle.executeUpdate(resumeAccountUpdate, { args: [{ reason: 'debtor back home' }] });
      assert.equal(resumed.stage, 'reminding');
      // Ten days paused move every later step ten days: 'two' is due on local day 3 + 10, at 10:00.
      assert.equal(resumed.nextAction!.description, 'email two');
      assert.equal(localDay(resumed.nextAction!.at) - localDay(resumed.enrolledAt), 13);
      assert.equal(localTime(resumed.nextAction!.at, account.timezone).time, '10:00');
      await handle.executeUpdate(skipNextStepUpdate, { args: [{ reason: 'debtor asked for fewer emails' }] });
      await stack.env.sleep('5 days');
      await handle.executeUpdate(repeatLastStepUpdate, { args: [{ reason: 'first copy bounced' }] });
      await stack.env.sleep('2 days');
      let state = await handle.query(accountStateQuery);
      assert.deepEqual(state.steps!.filter((s) => s.stepId !== '(operator)').map((s) => [s.stepId, s.status]), [
        ['one', 'done'],
        ['two', 'skipped'],
        ['three', 'done'],
        ['three', 'done'],
      ]);
      const moved = await handle.executeUpdate(moveToCadenceUpdate, { args: [{ reason: 'creditor asked', cadence: 'standard' }] });
      assert.deepEqual(moved.cadence, { name: 'standard', version: 1 });
      await stack.env.sleep('1 day');
      state = await handle.query(accountStateQuery);
      assert.equal(state.contacts[state.contacts.length - 1]!.stepId, 'notice-email');
      const closed = await handle.executeUpdate(closeAccountUpdate, { args: [{ reason: 'creditor recalled the account' }] });
      assert.equal(closed.stage, 'closed');
      assert.equal((await handle.result()).stage, 'closed');
      await recordHistory(handle, 'operator-controls');
      assert.deepEqual(state.stageHistory.map((s) => s.stage), ['notice', 'reminding', 'paused', 'reminding', 'reminding']);
      assert.equal(emailsTo(account.email!).length, 4);
    });
  });
});

describe('cadence versions, orders and terminal steps', () => {
  it('a new cadence version applies to new enrollments while running accounts keep theirs', async () => {
    const repository = createCadenceRepository(stack.pool);
    const v1 = parseCadence({
      name: 'versioned', version: 1, steps: [{ id: 'hello', action: 'email', after: '0d', template: 't' }, { id: 'again', action: 'email', after: '5d', template: 't' }],
      templates: { t: { en: { subject: 'v1 {{accountId}}', text: 'First version. Reply STOP to opt out. This is a communication from a debt collector.' } } },
    });
    assert.equal((await repository.save(v1)).status, 'saved');
    assert.equal((await repository.save(v1)).status, 'unchanged');
    await assert.rejects(repository.save({ ...v1, description: 'edited in place' }), CadenceConflictError);
    const early = makeAccount({ creditorId: 'cred-versioned' });
    const late = makeAccount({ creditorId: 'cred-versioned' });
    await stack.run(async () => {
      const first = await enroll(early, { cadence: (await repository.latest('versioned'))! });
      await stack.env.sleep('1 day');
      await repository.save({ ...v1, version: 2, templates: { t: { en: { subject: 'v2 {{accountId}}', text: 'Second version. Reply STOP to opt out. This is a communication from a debt collector.' } } } });
      const second = await enroll(late, { cadence: (await repository.latest('versioned'))! });
      await stack.env.sleep('6 days');
      assert.deepEqual((await first.query(accountStateQuery)).cadence, { name: 'versioned', version: 1 });
      assert.deepEqual((await second.query(accountStateQuery)).cadence, { name: 'versioned', version: 2 });
      assert.deepEqual(emailsTo(early.email!).map((m) => m.subject), [`v1 ${early.accountId}`, `v1 ${early.accountId}`]);
      assert.deepEqual(emailsTo(late.email!).map((m) => m.subject), [`v2 ${late.accountId}`, `v2 ${late.accountId}`]);
      await first.terminate('test done');
      await second.terminate('test done');
    });
  });

  it('retries a disconnection order until the creditor acknowledges it, and delivers it once', async () => {
    const account = makeAccount({ creditorId: 'cred-metro-power', product: 'utility', serviceId: 'SVC-RETRY' });
    const cadence = parseCadence({ name: 'cut-off', version: 1, steps: [{ id: 'cut', action: 'order_disconnection', after: '1h' }], templates: {} });
    stack.webhooks.failNext(3, 503);
    await stack.run(async () => {
      const handle = await enroll(account, { cadence });
      await stack.env.sleep('50 days'); // no remedy before the validation period has ended
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.steps!.map((s) => [s.stepId, s.status]), [['cut', 'done']]);
      await handle.terminate('test done');
    });
    const deliveries = stack.webhooks.received().filter((w) => w.payload.serviceId === 'SVC-RETRY');
    assert.equal(deliveries.length, 1, 'three 503s, then one acknowledged delivery');
    const { rows } = await stack.pool.query(`SELECT status FROM escalation_orders WHERE account_key = $1`, [key(account)]);
    assert.deepEqual(rows, [{ status: 'acknowledged' }]);
  });

  it('a charge-off step ends the account as charged_off with its reason', async () => {
    const account = makeAccount({ product: 'credit_card' });
    const cadence = parseCadence({
      name: 'card-charge-off', version: 1,
      steps: [{ id: 'notice', action: 'email', after: '0d', template: 't' }, { id: 'charge-off', label: 'charge-off at 180 days', action: 'charge_off', after: '180d' }],
      templates: { t: { en: { subject: 'Card {{accountId}}', text: 'Past due. Reply STOP to opt out. This is a communication from a debt collector.' } } },
    });
    await stack.run(async () => {
      const handle = await enroll(account, { cadence });
      await stack.env.sleep('181 days');
      const outcome = await handle.result();
      assert.equal(outcome.stage, 'charged_off');
      const state = await handle.query(accountStateQuery);
      assert.deepEqual(state.stageHistory.map((s) => s.stage), ['notice', 'reminding', 'charged_off']);
      assert.match(state.stageHistory[2]!.reason, /charge-off at 180 days \(cadence card-charge-off v1\)/);
      // The receivable is written off in the ledger; the balance is derived from entries, so it is zero.
      const { rows } = await stack.pool.query(`SELECT kind, amount_minor::int AS amount FROM ledger_transactions WHERE account_key = $1 ORDER BY id`, [accountKey(account.creditorId, account.accountId)]);
      assert.deepEqual(rows.map((r) => [r.kind, r.amount]), [['charge', account.balanceMinor], ['write_off', account.balanceMinor]]);
      assert.equal(outcome.balance.amountMinor, 0);
      assert.match(state.steps!.at(-1)!.detail!, /\$120\.00 written off/);
    });
  });
});

describe('continue-as-new', () => {
  it('keeps balance, history and payments across runs, and applies each payment once even mid-switch', async () => {
    const account = makeAccount({ balanceMinor: 500_00 });
    await stack.run(async () => {
      const started = await stack.client.workflow.start('accountWorkflow', {
        workflowId: key(account),
        taskQueue: stack.taskQueue,
        args: [{ account, cadence: standardCadence(), settings, maxHistoryEvents: 40 }],
      });
      const firstRunId = started.firstExecutionRunId;
      const handle = stack.client.workflow.getHandle<typeof accountWorkflow>(key(account));
      for (let i = 1; i <= 12; i++) {
        await handle.signal(paymentReceivedSignal, { paymentId: `P-can-${i}`, amountMinor: 10_00, currency: 'USD' });
        await handle.signal(paymentReceivedSignal, { paymentId: `P-can-${i}`, amountMinor: 10_00, currency: 'USD' });
        await stack.env.sleep('6 hours');
      }
      await stack.env.sleep('8 days');
      const state = await handle.query(accountStateQuery);
      const description = await handle.describe();
      assert.notEqual(description.runId, firstRunId, 'the workflow continued as new');
      // A run that did not say its engine hands no engine to the next (ENGINE_SAID_BY_INPUT is false).
      assert.equal('engine' in (await continuedInput(stack.client.workflow.getHandle(key(account), firstRunId))), false);
      assert.equal(state.balance.amountMinor, 500_00 - 12 * 10_00);
      assert.deepEqual(state.payments.map((p) => p.paymentId), Array.from({ length: 12 }, (_, i) => `P-can-${i + 1}`));
      assert.deepEqual(state.contacts.map((c) => c.stepId), ['validation-notice', 'notice-email', 'reminder-sms', 'final-email']);
      const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE account_key = $1 AND kind = 'payment'`, [key(account)]);
      assert.equal(rows[0].n, 12);
      await handle.terminate('test done');
      await recordHistory(handle, 'continued-as-new-run');
    });
    await assertLedgerBalances(stack.pool);
  });
});

/** The patches a run's history asked, and whether any task upserted TemporalChangeVersion. */
async function patchesOf(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    patches: events.flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? [JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details!['patch-data']!.payloads![0]!.data!).toString()).id as string] : [])),
    changeVersionUpserts: events.filter((e) => 'TemporalChangeVersion' in (e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})).length,
  };
}

/** The input a run handed to its next run when it continued as new (decoded). */
async function continuedInput(handle: WorkflowHandle): Promise<Record<string, unknown>> {
  const history = (await decodedHistoryJson(handle, stack.encryption.codec)) as { events: { workflowExecutionContinuedAsNewEventAttributes?: { input: { payloads: { data: string }[] } } }[] };
  const continued = history.events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
  assert.ok(continued, 'the run continued as new');
  return JSON.parse(Buffer.from(continued.input.payloads[0]!.data, 'base64').toString());
}

describe('engine versions', () => {
  it('enrollment does not say the engine yet (it asks engine-v3); a run that says engine: 3, as the next release will start it, asks no patch and works the same', async () => {
    await stack.run(async () => {
      // This release reads the field and never writes it: a worker of the release before would record the marker on such a run.
      assert.equal(ENGINE_SAID_BY_INPUT, false);
      const enrolled = await enroll(makeAccount({ balanceMinor: 300_00 }), { cadence: standardCadence() });
      const said = makeAccount({ balanceMinor: 300_00 });
      const { args, ...rest } = accountStartOptions({ account: said, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
      assert.equal(args[0].engine, undefined);
      const saying = await stack.client.workflow.start('accountWorkflow', { ...rest, args: [{ ...args[0], engine: 3 as const }] });
      await stack.env.sleep('1 hour');
      for (const handle of [enrolled, saying]) {
        assert.deepEqual((await handle.query(accountStateQuery)).contacts.map((c) => c.stepId).slice(0, 1), ['validation-notice']);
      }
      assert.deepEqual(await patchesOf(enrolled), { patches: ['engine-v3'], changeVersionUpserts: 1 });
      assert.deepEqual(await patchesOf(saying), { patches: [], changeVersionUpserts: 0 });
      await enrolled.terminate('test done');
      await saying.terminate('test done');
    });
  });

  it('a run that says engine: 3 hands it to every run it continues as, and none asks the patch, though each task replays', async () => {
    const account = makeAccount({ balanceMinor: 500_00 });
    await stack.run(
      async () => {
        const { args, ...rest } = accountStartOptions({ account, cadence: standardCadence(), settings, taskQueue: stack.taskQueue });
        const started = await stack.client.workflow.start('accountWorkflow', { ...rest, args: [{ ...args[0], engine: 3 as const, maxHistoryEvents: 40 }] });
        const handle = stack.client.workflow.getHandle<typeof accountWorkflow>(key(account));
        for (let i = 1; i <= 8; i++) {
          await handle.signal(paymentReceivedSignal, { paymentId: `P-said-${i}`, amountMinor: 10_00, currency: 'USD' });
          await stack.env.sleep('6 hours');
        }
        assert.equal((await handle.query(accountStateQuery)).balance.amountMinor, 500_00 - 8 * 10_00);
        // Every run of the chain, from the first to the one running now.
        const latest = (await handle.describe()).runId;
        let runId = started.firstExecutionRunId;
        const runs = [runId];
        while (runId !== latest) {
          const run = stack.client.workflow.getHandle(key(account), runId);
          assert.equal((await continuedInput(run)).engine, 3, `run ${runs.length} hands engine: 3 on`);
          runId = (await run.fetchHistory()).events!.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)!.workflowExecutionContinuedAsNewEventAttributes!.newExecutionRunId!;
          runs.push(runId);
        }
        assert.ok(runs.length >= 2, 'the workflow continued as new');
        for (const id of runs) assert.deepEqual((await patchesOf(stack.client.workflow.getHandle(key(account), id))).patches, [], `run ${runs.indexOf(id) + 1} asked no patch`);
        await handle.terminate('test done');
      },
      { maxCachedWorkflows: 0 },
    );
  });

  it('an account carried across continue-as-new from the second engine goes on, on this one, where it stood', async () => {
    // The input of a run recorded on the second engine, carrying its state (test/histories/v2-continued-as-new-run.json).
    const recorded = JSON.parse(readFileSync(join(HISTORIES_DIR, 'v2-continued-as-new-run.json'), 'utf8'));
    const input = JSON.parse(Buffer.from(recorded.events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data, 'base64').toString('utf8'));
    assert.equal(input.carried.engine, 2);
    await stack.run(async () => {
      const handle = await stack.client.workflow.start('accountWorkflow', { workflowId: key(input.account), taskQueue: stack.taskQueue, args: [{ ...input, maxHistoryEvents: undefined }] });
      await stack.env.sleep('1 hour');
      const state = await handle.query(accountStateQuery);
      assert.equal(state.stage, input.carried.stage);
      assert.equal(state.balance.amountMinor, input.carried.balanceMinor);
      assert.deepEqual(state.payments.map((p) => p.paymentId), input.carried.payments.map((p: { paymentId: string }) => p.paymentId));
      assert.deepEqual(state.contacts.map((c) => c.stepId), input.carried.contacts.map((c: { stepId: string }) => c.stepId), 'nothing sent again');
      // It runs on this engine now (its history has the engine-v3 marker), and takes controls as before.
      assert.deepEqual((await patchesOf(handle)).patches, ['engine-v3']);
      const paused = await handle.executeUpdate(pauseAccountUpdate, { args: [{ reason: 'checking the move' }] });
      assert.equal(paused.stage, 'paused');
      await handle.terminate('test done');
    });
  });
});

