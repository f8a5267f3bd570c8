/**
 * The paths of issue 13 under time skipping on real infrastructure (the test server, Postgres,
 * the SMTP and Twilio sinks, the loopback skip-trace provider and payer): an account whose every
 * channel died is traced, a candidate verified by the debtor's reply, and the cadence resumes; a
 * third party who asks to be contacted again gets one more inquiry, and one more letter goes on an
 * operator's reason (§1006.10(b)(3)); a
 * provider that finds nothing gives the search to a person, whose contact details resume it; a
 * field visit with each outcome; a claim denied, appealed, paid by the insurer, and the patient
 * billed only the rest; a debtor's question answered through the gate. Outcomes go through the work queue service as an operator's would.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createOperatorKeyRepository, type OperatorSession } from '../src/adapters/operator-key.repository';
import { portfolioReport } from '../src/adapters/portfolio-report';
import { renderPortfolioReport } from '../src/adapters/portfolio-report-output';
import { enrollAccount } from '../src/client/accounts.client';
import { createWorkQueue } from '../src/client/work-queue';
import { type AccountProfile } from '../src/domain/account';
import type { Cadence } from '../src/domain/cadence';
import { loadCadenceFile, parseCadence } from '../src/schemas/cadence.schema';
import { localDateTime } from '../src/domain/contact-policy';
import { addCalendarDays, zonedTimeToUtcMs } from '../src/domain/schedule';
import { parseCreditorDirectory } from '../src/schemas/creditors.schema';
import type { accountWorkflow } from '../src/workflows/account.workflow';
import { accountStateQuery, complianceEventSignal, type ComplianceEvent } from '../src/workflows/definitions';
import { assertLedgerBalances } from './helpers/database';
import { makeAccount, ROOT, settings } from './helpers/fixtures';
import { readPdf } from './helpers/pdf-text';
import { startTimeSkippingStack, type TimeSkippingStack } from './helpers/stack';

let stack: TimeSkippingStack;
let session: OperatorSession;
before(async () => {
  stack = await startTimeSkippingStack();
  const keys = createOperatorKeyRepository(stack.pool);
  const created = await keys.create('Ana Operator', ['cred-test']);
  session = (await keys.signIn(created.key))!.session;
});
after(async () => {
  await stack?.close();
});

const cadence: Cadence = parseCadence({
  name: 'work-paths',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'text', action: 'sms', after: '3d', template: 's' },
    { id: 'letter', action: 'letter', after: '7d', template: 'l' },
    { id: 'final', action: 'email', after: '12d', template: 't' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. This is a debt collector. Reply STOP to opt out.' } },
    s: { en: { text: '{{balance}} due on {{accountId}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
    l: { en: { subject: 'Your account', text: 'Dear {{debtorName}}, {{balance}} is due.' } },
  },
});

const visits: Cadence = parseCadence({
  name: 'visit-paths',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'visit', action: 'field_visit', after: '1d' },
    { id: 'call', action: 'call', after: '4d', template: 'c' },
    { id: 'final', action: 'email', after: '12d', template: 't' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. This is a debt collector. Reply STOP to opt out.' } },
    c: { en: { text: 'Call {{debtorName}} about {{balance}}.' } },
  },
});

async function enroll(account: AccountProfile, with_: Cadence) {
  const result = await enrollAccount(stack.client, { account, cadence: with_, settings, taskQueue: stack.taskQueue });
  return stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
}
type Handle = Awaited<ReturnType<typeof enroll>>;
const signal = (handle: Handle, event: ComplianceEvent) => handle.signal(complianceEventSignal, event);
const state = (handle: Handle) => handle.query(accountStateQuery);
const queue = () => createWorkQueue({ pool: stack.pool, client: stack.client });

async function openItems(accountId: string, kind: string): Promise<{ item_id: string; detail: Record<string, unknown> }[]> {
  const { rows } = await stack.pool.query(`SELECT item_id, detail FROM work_items WHERE account_id = $1 AND kind = $2 AND status = 'open' ORDER BY created_at`, [accountId, kind]);
  return rows;
}

async function completeItem(kind: string, itemId: string, form: Record<string, string>) {
  const q = queue();
  const source = `work_items:${kind}`;
  assert.deepEqual(await q.claim(session, source, itemId), { ok: true });
  return q.complete(session, source, itemId, form);
}

async function killChannels(handle: Handle, account: AccountProfile) {
  await signal(handle, { kind: 'contact_invalid', channel: 'email', address: account.email!, reason: 'hard bounce', source: 'bounce' });
  await signal(handle, { kind: 'contact_invalid', channel: 'sms', address: account.phone!, reason: '30003', source: 'status_callback' });
  await signal(handle, { kind: 'mail_returned', reason: 'moved, left no address', source: 'post_office' });
}

describe('locating', () => {
  it('every channel dead → traced → a candidate email verified by the debtor\'s reply → the cadence resumes there', async () => {
    const account = makeAccount({ debtorName: 'Tess Locke' });
    const candidate = 'tess.locke@traced.example.test';
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('1 hour');
      await killChannels(handle, account);
      await stack.env.sleep('1 day');
      let s = await state(handle);
      assert.equal(s.stage, 'locating');
      assert.equal(stack.skipTrace.requests().filter((r) => r.fullName === 'Tess Locke').length, 1);
      assert.equal(stack.skipTrace.requests()[0]!.permissiblePurpose, 'collection_of_account');
      // §1006.10: the inquiry to the candidate asks only how to reach the person, never about a debt.
      const inquiry = stack.smtp.messages().find((m) => m.to.includes(candidate))!;
      assert.ok(inquiry, 'a location inquiry went to the candidate email');
      assert.doesNotMatch(`${inquiry.subject}\n${inquiry.text}`, /debt|owe|balance|collect|\$/i);
      // Nor its headers: from the neutral business name, no creditor or account named.
      assert.match(inquiry.from, /^"?Client Services"? <collections@example\.test>$/);
      assert.doesNotMatch(inquiry.headers['list-unsubscribe'] ?? '', /cred-test|account/);
      assert.doesNotMatch(inquiry.headers['message-id'] ?? '', /cred-test|account/);
      assert.equal((await openItems(account.accountId, 'trace_confirm')).length, 1);
      await stack.env.sleep('3 days');
      assert.equal((await state(handle)).contacts.filter((c) => c.stepId === 'text').length, 0, 'the cadence is held while locating');
      assert.equal(stack.smtp.messages().filter((m) => m.to.includes(candidate)).length, 1, '§1006.10: the third party is asked once, not again days later');

      await signal(handle, { kind: 'debtor_reply', channel: 'email', from: candidate, text: 'Yes, this is Tess.' });
      await stack.env.sleep('1 hour');
      s = await state(handle);
      assert.notEqual(s.stage, 'locating');
      assert.match(s.stageHistory.at(-1)!.reason, /located: a contact reaches the debtor again/);
      await stack.env.sleep('5 days');
      s = await state(handle);
      const text = s.contacts.find((c) => c.stepId === 'text')!;
      assert.equal(text.status, 'sent');
      // The debtor wrote from that address, so it may be written to (§1006.6(d)(4)(i)(A)): consent
      // belongs to the address, and the reply is recorded as its source.
      assert.equal(text.channel, 'email', 'the number is still dead: the SMS step goes to the verified email');
      assert.equal(text.recipient, candidate);
      assert.match(s.compliance?.consents?.find((c) => c.channel === 'email' && c.address === candidate && c.consented)?.source ?? '', /a reply came from it/);
      await handle.terminate('test done');
    });
  });

  it('§1006.10: a third party who replies "not Rhea, don\'t know her" is never verified and never hears of the debt', async () => {
    const account = makeAccount({ debtorName: 'Rhea Stranger' });
    const candidate = 'rhea.stranger@traced.example.test';
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('1 hour');
      await killChannels(handle, account);
      await stack.env.sleep('1 day');
      assert.equal((await state(handle)).stage, 'locating');
      await signal(handle, { kind: 'debtor_reply', channel: 'email', from: candidate, text: "I'm not Rhea and I don't know anyone by that name." });
      await stack.env.sleep('6 days');
      const s = await state(handle);
      assert.equal(s.stage, 'locating', 'nothing verified by a denial');
      const toCandidate = stack.smtp.messages().filter((m) => m.to.includes(candidate));
      assert.equal(toCandidate.length, 1, 'only the one location inquiry');
      for (const m of toCandidate) assert.doesNotMatch(`${m.subject}\n${m.text}`, /debt|owe|balance|collect|\$/i);
      await handle.terminate('test done');
    });
  });

  it('§1006.10(b)(3): inquiry sent → the third party asks to be contacted again → one more inquiry, not two; the operator\'s reason allows one more letter', async () => {
    const account = makeAccount({ debtorName: 'Rhea Referral' });
    const candidate = 'rhea.referral@traced.example.test';
    const toCandidate = () => stack.smtp.messages().filter((m) => m.to.includes(candidate));
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('1 hour');
      await killChannels(handle, account);
      await stack.env.sleep('1 day');
      assert.equal(toCandidate().length, 1, 'the first location inquiry');
      const [traceItem] = await openItems(account.accountId, 'trace_confirm');
      assert.ok(traceItem);

      // Their reply comes by email, as any reply does: it asks to be written to again.
      await signal(handle, { kind: 'debtor_reply', channel: 'email', from: candidate, text: "I'm not Rhea, but write to me again next week, I'll ask her sister for her address." });
      // A day: the inquiry goes when the gate allows it, which at some hours of the test clock is the next morning in the debtor's zone.
      await stack.env.sleep('1 day');
      assert.equal(toCandidate().length, 2, 'one more inquiry, as they asked');
      await stack.env.sleep('10 days');
      assert.equal(toCandidate().length, 2, 'not two more: a further contact needs a further reason');
      for (const m of toCandidate()) assert.doesNotMatch(`${m.subject}\n${m.text}`, /debt|owe|balance|collect|\$/i);
      let s = await state(handle);
      assert.equal(s.stage, 'locating', 'the third party is not the debtor: nothing was verified by their reply');
      assert.deepEqual(s.work!.furtherContacts.map((f) => [f.key, f.reason, f.source, f.contactedAt !== null]), [[`email:${candidate}`, 'requested', 'reply', true]]);
      const [reply] = await openItems(account.accountId, 'debtor_reply');
      const answered = await completeItem('debtor_reply', reply!.item_id, { outcome: 'answered', answer: 'Your balance is due.' });
      assert.equal(answered.ok, false);
      assert.match((answered as { message: string }).message, /third party asked for location information/);

      // The operator's own reason, on the trace item: the earlier answer was wrong. Without a reason it is refused, naming the field.
      const address = (traceItem.detail.candidates as { id: string; kind: string }[]).find((c) => c.kind === 'address')!;
      const refused = await completeItem('trace_confirm', traceItem.item_id, { outcome: 'earlier_answer_wrong', candidateId: address.id });
      assert.deepEqual([refused.ok, (refused as { field: string }).field], [false, 'note']);
      assert.match((refused as { message: string }).message, /§1006\.10\(b\)\(3\)/);
      assert.deepEqual(await queue().complete(session, 'work_items:trace_confirm', traceItem.item_id, { outcome: 'earlier_answer_wrong', candidateId: address.id, note: 'the neighbour says she moved back in' }), { ok: true });
      await stack.env.sleep('1 day');
      s = await state(handle);
      const letters = s.contacts.filter((c) => c.stepId.startsWith(`location-inquiry-${address.id}`));
      assert.deepEqual(letters.map((c) => [c.stepId, c.channel, c.status]), [[`location-inquiry-${address.id}`, 'letter', 'sent'], [`location-inquiry-${address.id}-2`, 'letter', 'sent']]);
      assert.equal(s.work!.furtherContacts.at(-1)!.note, 'the neighbour says she moved back in');
      assert.equal((await openItems(account.accountId, 'trace_confirm')).length, 1, 'a new trace item for the next confirmation');
      await handle.terminate('test done');
    });
  });

  it('a provider that finds nothing → a task for a person → contact details found by hand resume the cadence', async () => {
    const account = makeAccount({ debtorName: 'Unfindable Person' });
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('1 hour');
      await killChannels(handle, account);
      await stack.env.sleep('1 hour');
      assert.equal((await state(handle)).stage, 'locating');
      const [item] = await openItems(account.accountId, 'trace_manual');
      assert.ok(item, 'the search went to a person');
      const refused = await completeItem('trace_manual', item.item_id, { outcome: 'found', foundPhone: '12345' });
      assert.equal(refused.ok, false);
      assert.match((refused as { message: string }).message, /foundPhone: must be E\.164/);
      assert.deepEqual(await queue().complete(session, 'work_items:trace_manual', item.item_id, { outcome: 'found', foundEmail: 'found.by.hand@example.test' }), { ok: true });
      await stack.env.sleep('1 hour');
      const s = await state(handle);
      assert.notEqual(s.stage, 'locating');
      assert.equal((await openItems(account.accountId, 'trace_manual')).length, 0);
      // Past day 12 and the next morning: the final email falls due at enrollment's time of day, which may be night in the debtor's zone.
      await stack.env.sleep('13 days');
      const contacts = (await state(handle)).contacts;
      // An address an operator found carries no consent of the debtor's (consent belongs to the
      // address and only the debtor gives it): the dead number's SMS step does not fall back to it...
      assert.equal(contacts.find((c) => c.stepId === 'text')?.channel, 'letter');
      // ...but the cadence resumed through it: the next email step goes to the address found by hand.
      const final = contacts.find((c) => c.stepId === 'final');
      assert.deepEqual([final?.status, final?.channel, final?.recipient], ['sent', 'email', 'found.by.hand@example.test']);
      await handle.terminate('test done');
    });
  });
});

describe('answers to debtors', () => {
  it('a question answered from the queue goes out through the gate, by the same mailer, with the disclosure and the opt-out', async () => {
    const account = makeAccount({ debtorName: 'Quinn Asker' });
    await stack.run(async () => {
      const handle = await enroll(account, cadence);
      await stack.env.sleep('1 hour');
      await signal(handle, { kind: 'debtor_reply', channel: 'email', from: account.email!, text: 'Why is the amount higher than last month?' });
      await stack.env.sleep('1 minute');
      const [item] = await openItems(account.accountId, 'debtor_reply');
      assert.ok(item, 'the question is in the work queue');
      assert.deepEqual(await completeItem('debtor_reply', item.item_id, { outcome: 'answered', answer: 'It includes the late fee of October.' }), { ok: true });
      await stack.env.sleep('1 day');
      const answers = stack.smtp.messages().filter((m) => m.to.includes(account.email!) && m.text.includes('It includes the late fee of October.'));
      assert.equal(answers.length, 1, 'sent once');
      assert.match(answers[0]!.text, /debt collector/);
      assert.ok(answers[0]!.headers['list-unsubscribe'], 'the opt-out header of every email');
      const { rows } = await stack.pool.query(`SELECT decision FROM contact_decisions WHERE account_key = $1 AND step_id = 'answer'`, [`account/${account.creditorId}/${account.accountId}`]);
      assert.ok(rows.length > 0 && rows.at(-1).decision === 'allow', `the gate decided on the answer: ${JSON.stringify(rows)}`);
      assert.equal((await openItems(account.accountId, 'debtor_reply')).length, 0);
      await handle.terminate('test done');
    });
  });

  it("the creditor's answer template from the directory reaches the account: the answer is rendered from it", async () => {
    const account = makeAccount({ debtorName: 'Cora Template' });
    const answerTemplates = {
      en: { subject: 'Metro answers: {{accountId}}', text: 'Hi {{debtorName}}, {{answer}} ({{balance}} open.) {{collectorName}} is a debt collector; write to {{optOutEmail}} to stop emails.', sms: '{{answer}} ({{collectorName}}, a debt collector.) Reply STOP to opt out.' },
    };
    const creditors = parseCreditorDirectory({ creditors: [{ id: account.creditorId, name: 'Test Creditor', mailingAddress: ['1 Test St'], creditDepartmentEmail: 'credit@example.test', answerTemplates }] });
    await stack.run(async () => {
      const result = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue, creditors });
      const handle = stack.client.workflow.getHandle<typeof accountWorkflow>(result.workflowId);
      await stack.env.sleep('1 hour');
      await signal(handle, { kind: 'debtor_reply', channel: 'email', from: account.email!, text: 'What is still open?' });
      await stack.env.sleep('1 minute');
      const [item] = await openItems(account.accountId, 'debtor_reply');
      assert.deepEqual(await completeItem('debtor_reply', item!.item_id, { outcome: 'answered', answer: 'Only the October bill.' }), { ok: true });
      await stack.env.sleep('1 day');
      const [answer, ...more] = stack.smtp.messages().filter((m) => m.to.includes(account.email!) && m.text.includes('Only the October bill.'));
      assert.equal(more.length, 0);
      assert.equal(answer!.subject, `Metro answers: ${account.accountId}`);
      assert.match(answer!.text, /^Hi Cora Template, Only the October bill\. \(\$[\d,.]+ open\.\) Dunning Collections is a debt collector/);
      await handle.terminate('test done');
    });
  });
});

describe('field visits', () => {
  it('each outcome the visitor reports is an event the account acts on', async () => {
    const outcomes = ['spoke_with_debtor', 'promise_taken', 'not_home', 'moved', 'refused'] as const;
    const accounts = outcomes.map(() => makeAccount({ balanceMinor: 300_00 }));
    await stack.run(async () => {
      const handles = await Promise.all(accounts.map((a) => enroll(a, visits)));
      await stack.env.sleep('2 days');
      const talkedAt = await stack.env.currentTimeMs();
      for (const [n, outcome] of outcomes.entries()) {
        const [item] = await openItems(accounts[n]!.accountId, 'field_visit');
        assert.ok(item, `a visit task for ${outcome}`);
        assert.match(String(item.detail.script), /§1006\.10/);
        const extra: Record<string, string> = outcome === 'promise_taken' ? { promiseAmountMinor: '10000', promiseDate: new Date((await stack.env.currentTimeMs()) + 3 * 86_400_000).toISOString().slice(0, 10) } : {};
        assert.deepEqual(await completeItem('field_visit', item.item_id, { outcome, ...extra }), { ok: true }, outcome);
      }
      await stack.env.sleep('4 days');
      const [spoke, promised, notHome, moved, refused] = await Promise.all(handles.map(state));
      // No call within 7 days of the conversation at the door: the gate holds the call step back.
      assert.equal(spoke!.contacts.find((c) => c.stepId === 'call'), undefined);
      const { rows: held } = await stack.pool.query<{ decision: string; rule: string; deferred_until: Date | null }>(
        `SELECT decision, rule, deferred_until FROM contact_decisions WHERE account_key = $1 AND step_id = 'call'`,
        [`account/cred-test/${accounts[0]!.accountId}`],
      );
      // Never allowed, and held at least until 7 days after the conversation. The rule named is the
      // first one that holds it: after the conversation, or, when the step falls due at night in the
      // debtor's zone (it depends on the test clock's hour), the time of day, deferred past both.
      assert.ok(held.length > 0 && held.every((d) => d.decision !== 'allow' && ['reg_f_1006_14_b_2_after_conversation', 'reg_f_1006_6_b_1_i_time_of_day'].includes(d.rule)), JSON.stringify(held));
      // The product counts the 7 days in the debtor's local calendar days, the conversation's day being day 1.
      const zone = accounts[0]!.timezone;
      const firstFreeDay = zonedTimeToUtcMs(addCalendarDays(localDateTime(new Date(talkedAt).toISOString(), zone).date, 7), '00:00', zone);
      assert.ok(Math.max(...held.map((d) => d.deferred_until?.getTime() ?? 0)) >= firstFreeDay, JSON.stringify({ talkedAt: new Date(talkedAt), firstFreeDay: new Date(firstFreeDay), held }));
      assert.equal(notHome!.contacts.find((c) => c.stepId === 'call')!.status, 'sent');
      assert.equal(promised!.stage, 'promised');
      assert.equal(promised!.arrangements!.promises[0]!.channel, 'in_person');
      assert.deepEqual(moved!.work!.returnedMail, ['1 Main St, Springfield, NY 12207, US']);
      assert.equal(refused!.stage, 'escalated');
      for (const handle of handles) await handle.terminate('test done');
    });
  });
});

describe('insurance claims', () => {
  it('a claim denied → appeal letter to the payer → paid by the insurer → the patient billed only the rest', async () => {
    const claimId = `CLM-DENY-${Date.now().toString(36)}`;
    const account = makeAccount({ product: 'medical', insuranceClaimId: claimId, balanceMinor: 500_00 });
    await stack.run(async () => {
      const handle = await enroll(account, loadCadenceFile(join(ROOT, 'cadences', 'medical-claims.yaml')));
      await stack.env.sleep('1 hour');
      const appeal = stack.payer.appeals().find((a) => a.claimId === claimId)!;
      assert.ok(appeal, 'the appeal went to the payer');
      const text = (await readPdf(appeal.pdf)).text;
      assert.match(text, /CARC 197/);
      assert.match(text, new RegExp(claimId));
      assert.match(text, /\$500\.00/);
      const [denial] = await openItems(account.accountId, 'insurer_denial');
      assert.ok(denial, 'the denial is in the work queue');
      const { rows: docs } = await stack.pool.query(`SELECT kind FROM documents WHERE account_key = $1 AND kind = 'claim_appeal'`, [`account/${account.creditorId}/${account.accountId}`]);
      assert.equal(docs.length, 1);

      await stack.env.sleep('6 days');
      let s = await state(handle);
      assert.equal(s.contacts.filter((c) => c.stepId === 'statement-letter').length, 0, 'the patient is not billed for the part under appeal');
      await stack.env.sleep('10 days');
      s = await state(handle);
      const insurer = s.payments.find((p) => p.paymentId.startsWith('insurer-'))!;
      assert.equal(insurer.amount.amountMinor, 400_00);
      assert.equal(s.balance.amountMinor, 100_00);
      await stack.env.sleep('1 day');
      const { rows } = await stack.pool.query(`SELECT body FROM outbound_messages WHERE account_key = $1 AND step_id = 'statement-letter'`, [`account/${account.creditorId}/${account.accountId}`]);
      assert.equal(rows.length, 1);
      assert.match(rows[0].body, /\$100\.00 is your responsibility/);
      await handle.terminate('test done');
      await assertLedgerBalances(stack.pool);
    });
  });
});

describe('the portfolio report', () => {
  it('counts the work queue per creditor and kind: made, completed, open at the end of the period', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const report = await portfolioReport(stack.pool, { from: day(-1), to: day(1), creditorId: 'cred-test' });
    const kind = (k: string) => report.workQueue.find((w) => w.kind === k)!;
    assert.deepEqual(kind('field_visit'), { creditorId: 'cred-test', kind: 'field_visit', created: 5, completed: 5, openAtEnd: 0 });
    assert.deepEqual(kind('trace_manual'), { creditorId: 'cred-test', kind: 'trace_manual', created: 1, completed: 1, openAtEnd: 0 });
    assert.equal(kind('insurer_denial').openAtEnd, 1);
    const csv = renderPortfolioReport(report, 'csv');
    assert.match(csv, /,cred-test,,work_queue,,field_visit,completed,count,5,/);
  });
});
