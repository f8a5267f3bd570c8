/**
 * The engine's rules for the work of people and outside services, without any server: locating
 * a debtor whose every channel failed (skip trace, §1006.10 inquiries, verification, resuming),
 * field visits and each outcome, insurance claims (pending, denied → appeal → paid, the patient
 * billed only the rest), and the work items replies, disputes and refused steps make.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountProfile } from '../src/domain/account';
import type { Cadence } from '../src/domain/cadence';
import { fromCarried, initialState } from '../src/domain/engine';
import { locationContactRule } from '../src/domain/engine/locating';
import { zonedTimeToUtcMs } from '../src/domain/schedule';
import { parseCadence } from '../src/schemas/cadence.schema';
import { World } from './helpers/engine-world';
import { account as baseAccount, NY, START } from './helpers/engine-fixtures';


const cadence: Cadence = parseCadence({
  name: 'work',
  version: 1,
  steps: [
    { id: 'notice', action: 'email', after: '0d', template: 't' },
    { id: 'text', action: 'sms', after: '3d', template: 's' },
    { id: 'letter', action: 'letter', after: '7d', template: 'l' },
    { id: 'visit', action: 'field_visit', after: '10d' },
    { id: 'final', action: 'email', after: '20d', template: 't' },
    { id: 'disconnect', action: 'order_disconnection', after: '45d' },
  ],
  templates: {
    t: { en: { subject: 'Account {{accountId}}', text: 'Dear {{debtorName}}, {{balance}} is due. Reply STOP to opt out. This is a communication from a debt collector.' } },
    s: { en: { text: '{{balance}} due on {{accountId}}. Reply STOP to opt out. This is a communication from a debt collector.' } },
    l: { en: { subject: 'Your account', text: 'Dear {{debtorName}}, {{balance}} is due.' } },
  },
});

const claims: Cadence = parseCadence({
  name: 'claims',
  version: 1,
  products: ['medical'],
  steps: [
    { id: 'claim', action: 'claim_status', after: '0d' },
    { id: 'bill', action: 'email', after: '2d', template: 't' },
    { id: 'bill-again', action: 'email', after: '40d', template: 't' },
  ],
  templates: { t: { en: { subject: 'Your bill', text: 'Dear {{debtorName}}, {{balance}} is yours to pay. Reply STOP to opt out. This is a communication from a debt collector.' } } },
});

/** The engine tests' account, as the work queue's debtor. */
const account = (overrides: Partial<AccountProfile> = {}): AccountProfile =>
  baseAccount({ accountId: 'W-1', creditorId: 'cred-work', debtorName: 'Wanda Worker', email: 'work@example.test', ...overrides });

const FOUND = { traceId: 'tr-1', candidates: [{ kind: 'email' as const, value: 'new@traced.example.test', confidence: 71 }, { kind: 'address' as const, value: '9 Elm St, Albany, NY 12207, US', address: { line1: '9 Elm St', city: 'Albany', region: 'NY', postalCode: '12207', country: 'US' }, confidence: 82 }, { kind: 'phone' as const, value: '+15550200001', confidence: 64 }] };

function allChannelsDead(w: World): void {
  w.comply({ kind: 'contact_invalid', channel: 'email', address: 'work@example.test', reason: 'hard bounce', source: 'bounce' });
  w.comply({ kind: 'contact_invalid', channel: 'sms', address: '+12125550123', reason: '30003', source: 'status_callback' });
  w.comply({ kind: 'mail_returned', reason: 'moved, left no address', source: 'post_office' });
}

describe('locating', () => {
  it('an account with every channel dead enters locating and asks the provider; the cadence is held', () => {
    const w = new World(account(), { start: START, cadence, trace: () => FOUND });
    w.advance({ days: 1 });
    allChannelsDead(w);
    assert.equal(w.state.stage, 'locating');
    assert.equal(w.traces.length, 1);
    // §1006.10: one inquiry per candidate (email and letter); numbers go to a person; none says "debt".
    const inquiries = w.sent.filter((s) => s.effect.purpose.type === 'location');
    assert.deepEqual(inquiries.map((s) => s.effect.channel).sort(), ['email', 'letter']);
    for (const s of inquiries) assert.doesNotMatch(`${s.effect.subject} ${s.effect.text}`, /debt|owe|balance|collect/i);
    assert.equal(w.workItems.at(-1)!.kind, 'trace_confirm');
    w.advance({ days: 20 });
    assert.equal(w.state.contacts.filter((c) => c.stepId === 'text').length, 0, 'no step ran while locating');
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'location').length, 2, 'each third party is asked once');
  });

  it('a reply from a candidate verifies it, and the cadence resumes where it stood, later steps moved by the days held', () => {
    const w = new World(account(), { start: START, cadence, trace: () => FOUND });
    w.advance({ days: 1 });
    allChannelsDead(w);
    w.advance({ days: 5 });
    w.comply({ kind: 'debtor_reply', channel: 'email', from: 'new@traced.example.test', text: 'Yes this is me' });
    assert.equal(w.state.stage, 'reminding');
    assert.equal(w.state.profile.email, 'new@traced.example.test');
    assert.match(w.state.stageHistory.at(-1)!.reason, /located/);
    w.advance({ days: 1 });
    assert.equal(w.sent.filter((s) => s.effect.stepId === 'text').length, 0, 'held 5 days: the day-3 step is now due on day 8');
    w.advance({ days: 2 });
    const text = w.sent.find((s) => s.effect.stepId === 'text')!;
    assert.equal(Date.parse(text.at), zonedTimeToUtcMs('2026-11-10', '10:00', NY));
    // Consent belongs to the address: the debtor wrote from this one, so it may be written to
    // (§1006.6(d)(4)(i)(A)), recorded with the reply as its source; an operator's word would not do.
    assert.equal(text.effect.channel, 'email', 'the phone is still dead: the SMS step falls back to the verified email');
    assert.equal(text.effect.recipient, 'new@traced.example.test');
    assert.deepEqual(
      w.state.compliance.consents.filter((c) => c.address === 'new@traced.example.test').map((c) => [c.channel, c.consented, c.source]),
      [['email', true, 'locating: a reply came from it, the debtor wrote to us from it (§1006.6(d)(4)(i)(A))']],
    );
  });

  it('an operator confirms a candidate address from the work queue', () => {
    const w = new World(account(), { start: START, cadence, trace: () => FOUND });
    allChannelsDead(w);
    const item = w.workItems.find((i) => i.kind === 'trace_confirm')!;
    const address = w.state.locating!.candidates.find((c) => c.kind === 'address')!;
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'confirmed', candidateId: address.id, operator: 'ana' } });
    assert.equal(w.state.stage, 'reminding');
    assert.equal(w.state.profile.address.line1, '9 Elm St');
    assert.equal(w.state.locating, null);
  });

  it('a provider that finds nothing gives the search to a person; contact details found by hand resume the cadence', () => {
    const w = new World(account(), { start: START, cadence });
    w.advance({ days: 1 });
    allChannelsDead(w);
    assert.equal(w.state.locating!.status, 'manual');
    const item = w.workItems.at(-1)!;
    assert.equal(item.kind, 'trace_manual');
    assert.throws(() => w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'found', operator: 'ana' } }), /found: give an email/);
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'found', operator: 'ana', found: { phone: '+15185550199' } } });
    assert.equal(w.state.stage, 'reminding');
    assert.equal(w.state.profile.consent.sms, false, 'a number found by tracing carries no SMS consent');
    // TCPA: consent is the debtor's, for that number; the record says why there is none.
    assert.deepEqual(
      w.state.compliance.consents.filter((c) => c.address === '+15185550199').map((c) => [c.channel, c.consented]),
      [['sms', false]],
    );
  });

  it('state carried from before the work queue loads with empty work', () => {
    const old = initialState(account(), cadence, START) as unknown as Record<string, unknown>;
    for (const key of ['locating', 'returnedMail', 'locationContacts', 'visit', 'claim', 'workOutbox', 'openWork', 'workSeq', 'replies', 'answers', 'answerNotBefore']) delete old[key];
    const state = fromCarried(old as never, account(), cadence, START);
    assert.deepEqual(state.returnedMail, []);
    assert.equal(state.workSeq, 0);
    assert.equal(state.locating, null);
  });
});

describe('locating: a third party contacted again (§1006.10(b)(3))', () => {
  const CANDIDATE = 'new@traced.example.test';
  const inquiriesTo = (w: World, value: string) => w.sent.filter((s) => s.effect.purpose.type === 'location' && (s.effect.recipient ?? '').includes(value));
  const located = () => {
    const w = new World(account(), { start: START, cadence, trace: () => FOUND });
    w.advance({ days: 1 });
    allChannelsDead(w);
    assert.equal(inquiriesTo(w, CANDIDATE).length, 1);
    return w;
  };
  const candidate = (w: World, kind: string) => w.state.locating!.candidates.find((c) => c.kind === kind)!;
  const traceItem = (w: World) => w.workItems.filter((i) => i.kind === 'trace_confirm' && w.state.openWork.some((o) => o.id === i.id)).at(-1)!;
  const outcome = (w: World, outcome: string, extra: Record<string, unknown>) => w.control({ kind: 'work_outcome', request: { itemId: traceItem(w).id, outcome, operator: 'ana', ...extra } });
  const neverTheDebt = (w: World) => {
    for (const s of w.sent.filter((x) => x.effect.purpose.type === 'location')) assert.doesNotMatch(`${s.effect.subject} ${s.effect.text}`, /debt|owe|balance|collect|\$|account/i);
  };

  it('a second contact is refused without a reason: none is sent, and an operator must say why', () => {
    const w = located();
    w.advance({ days: 20 });
    assert.equal(inquiriesTo(w, CANDIDATE).length, 1, 'asked once, never again on its own');
    const rule = locationContactRule(w.state, candidate(w, 'email'));
    assert.equal(rule.allowed, false);
    assert.match((rule as { why: string }).why, /already contacted once for location information; §1006\.10\(b\)\(3\) allows another contact only if that person asked for it/);
    // "The earlier answer was wrong" needs the operator's reason; a number is called by a person; an unknown candidate is no candidate.
    assert.throws(() => outcome(w, 'earlier_answer_wrong', { candidateId: candidate(w, 'email').id }), /note: this third party \(email\) was already contacted once for location information; §1006\.10\(b\)\(3\) allows another contact only if .*: say why you believe so/);
    assert.throws(() => outcome(w, 'asked_to_be_contacted_again', { candidateId: candidate(w, 'phone').id }), /candidateId: c\d \(phone\) is a number/);
    assert.throws(() => outcome(w, 'asked_to_be_contacted_again', { candidateId: 'c9' }), /candidateId: not a candidate/);
    w.advance({ days: 5 });
    assert.equal(inquiriesTo(w, CANDIDATE).length, 1, 'a refused request changes nothing');
    assert.deepEqual(w.state.furtherContacts, []);
  });

  it('allowed when the person asks, in a reply: one more inquiry, not two, and the reply verifies nothing and gets no answer about the account', () => {
    const w = located();
    w.advance({ days: 2 });
    w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: "I'm not Wanda, but write to me again next week, I'll ask her brother." });
    assert.equal(w.state.stage, 'locating', 'the third party is not the debtor: nothing verified');
    assert.equal(candidate(w, 'email').status, 'inquired');
    w.advance({ days: 20 });
    const inquiries = inquiriesTo(w, CANDIDATE);
    assert.equal(inquiries.length, 2, 'exactly one further contact');
    assert.equal(inquiries[1]!.effect.stepId, 'location-inquiry-c2-2');
    assert.notEqual(inquiries[1]!.effect.idempotencyKey, inquiries[0]!.effect.idempotencyKey, 'its own send, not the first one again');
    assert.deepEqual(
      w.state.furtherContacts.map((f) => [f.key, f.reason, f.source, f.contactedAt !== null]),
      [[`email:${CANDIDATE}`, 'requested', 'reply', true]],
    );
    assert.match(w.state.furtherContacts[0]!.note, /write to me again next week/);
    assert.match(w.state.compliance.events.find((e) => e.kind === 'location_contact_allowed')!.detail, /the person asked to be contacted again \(their reply/);
    // Their reply is in the queue for a person to read, but no answer about the account may go to them.
    const reply = w.workItems.find((i) => i.kind === 'debtor_reply')!;
    assert.match(reply.title, /third party/);
    assert.throws(() => w.control({ kind: 'work_outcome', request: { itemId: reply.id, outcome: 'answered', answer: 'Your balance is $500.', operator: 'ana' } }), /third party asked for location information: an answer about the account would tell them of the debt/);
    assert.equal(locationContactRule(w.state, candidate(w, 'email')).allowed, false, 'after it, a further one needs a new reason');
    neverTheDebt(w);
  });

  it('allowed when the person asked an operator (a call back, a letter): recorded on the trace item', () => {
    const w = located();
    const address = candidate(w, 'address');
    assert.equal(inquiriesTo(w, '9 Elm St').length, 1);
    outcome(w, 'asked_to_be_contacted_again', { candidateId: address.id, note: 'called back: write again in a week' });
    w.advance({ days: 10 });
    assert.equal(inquiriesTo(w, '9 Elm St').length, 2);
    assert.equal(inquiriesTo(w, '9 Elm St')[1]!.effect.channel, 'letter');
    assert.deepEqual(w.state.furtherContacts.map((f) => [f.reason, f.source, f.by, f.note]), [['requested', 'operator', 'ana', 'called back: write again in a week']]);
    // The trace goes on: a new item to confirm a candidate, with each one's contacts so far.
    const item = traceItem(w);
    assert.deepEqual((item.detail.candidates as { kind: string; contacts: number }[]).map((c) => [c.kind, c.contacts]), [['address', 1], ['email', 1], ['phone', 0]]);
    neverTheDebt(w);
  });

  it('allowed with an operator\'s reason that the earlier answer was wrong or incomplete; one more, then refused again', () => {
    const w = located();
    const email = candidate(w, 'email');
    outcome(w, 'earlier_answer_wrong', { candidateId: email.id, note: 'she said he moved out; the landlord says he is back since Monday' });
    w.advance({ days: 10 });
    assert.equal(inquiriesTo(w, CANDIDATE).length, 2);
    const [further] = w.state.furtherContacts;
    assert.deepEqual([further!.reason, further!.source, further!.by, further!.note], ['earlier_answer_wrong', 'operator', 'ana', 'she said he moved out; the landlord says he is back since Monday']);
    assert.equal(further!.contactedAt, inquiriesTo(w, CANDIDATE)[1]!.at, 'the record says when the contact it allowed was made');
    assert.equal(w.state.contacts.filter((c) => c.stepId.startsWith(`location-inquiry-${email.id}`)).length, 2, 'both contacts are in the history');
    const rule = locationContactRule(w.state, email);
    assert.equal(rule.allowed, false);
    assert.match((rule as { why: string }).why, /already contacted 2 times/);
    neverTheDebt(w);
  });

  it('after a death, the purge takes the third party\'s address and words from the record, and keeps why and when', () => {
    const w = located();
    w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: 'Not me; call me back next week.' });
    w.comply({ kind: 'deceased', dateOfDeath: '2026-11-01' });
    w.advance({ days: 3 * 365 + 1 });
    assert.deepEqual(w.state.furtherContacts.map((f) => [f.key, f.note, f.reason, f.source]), [['[redacted]', '[redacted]', 'requested', 'reply']]);
    // Nor does any third party's email or address stay anywhere in the state (the location contacts, the trace's candidates).
    const json = JSON.stringify(w.state);
    assert.ok(!json.includes(CANDIDATE) && !json.includes('9 Elm St') && !json.includes('+15550200001'), 'a third party address survives the purge');
    assert.equal(w.state.locationContacts.length, 2, 'how many were asked stays');
  });

  it('a further inquiry outside the contact window waits for it, and is still only one', () => {
    const w = located();
    w.advance({ to: new Date(zonedTimeToUtcMs('2026-11-04', '22:00', NY)).toISOString() });
    outcome(w, 'asked_to_be_contacted_again', { candidateId: candidate(w, 'email').id });
    assert.equal(inquiriesTo(w, CANDIDATE).length, 1, 'not at 22:00 local');
    // One request, one more contact: a second request before it is made allows nothing more.
    assert.throws(() => outcome(w, 'earlier_answer_wrong', { candidateId: candidate(w, 'email').id, note: 'and she was wrong' }), /may already be contacted once more \(the person asked to be contacted again .*\), which has not happened yet/);
    w.advance({ days: 3 });
    const inquiries = inquiriesTo(w, CANDIDATE);
    assert.equal(inquiries.length, 2);
    assert.equal(inquiries[1]!.at, new Date(zonedTimeToUtcMs('2026-11-05', '08:00', NY)).toISOString());
  });

  it('the same third party found twice by a trace is one candidate, asked once', () => {
    const twice = { ...FOUND, candidates: [...FOUND.candidates, { ...FOUND.candidates[0]!, value: 'NEW@traced.example.test', confidence: 40 }] };
    const w = new World(account(), { start: START, cadence, trace: () => twice });
    allChannelsDead(w);
    w.advance({ days: 5 });
    assert.equal(w.state.locating!.candidates.filter((c) => c.kind === 'email').length, 1);
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'location' && s.effect.channel === 'email').length, 1);
  });
});

describe("locating: who replied (§1006.10: a third party never learns of the debt)", () => {
  const CANDIDATE = 'new@traced.example.test';
  const located = () => {
    const w = new World(account(), { start: START, cadence, trace: () => FOUND });
    w.advance({ days: 1 });
    allChannelsDead(w);
    return w;
  };
  const toCandidate = (w: World) => w.sent.filter((s) => s.effect.recipient === CANDIDATE);
  const candidate = (w: World) => w.state.locating!.candidates.find((c) => c.kind === 'email')!;

  it('a reply that denies being the debtor rejects the candidate: nothing verified, nothing about the account sent to it, no answer allowed', () => {
    const w = located();
    w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: "I'm not Wanda and I don't know anyone by that name." });
    assert.equal(w.state.stage, 'locating');
    assert.equal(candidate(w).status, 'rejected');
    assert.notEqual(w.state.profile.email, CANDIDATE);
    const reply = w.workItems.filter((i) => i.kind === 'debtor_reply').at(-1)!;
    assert.match(reply.title, /third party/);
    assert.throws(() => w.control({ kind: 'work_outcome', request: { itemId: reply.id, outcome: 'answered', answer: 'It is about your balance.', operator: 'ana' } }), /third party/);
    w.advance({ days: 20 });
    assert.deepEqual(toCandidate(w).map((s) => s.effect.purpose.type), ['location'], 'only the one location inquiry');
  });

  it('an unclear reply goes to a person on a trace item, and verifies nothing', () => {
    const w = located();
    w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: 'Who is this? What do you want?' });
    assert.equal(w.state.stage, 'locating');
    assert.equal(candidate(w).status, 'inquired');
    const item = w.workItems.at(-1)!;
    assert.equal(item.kind, 'trace_confirm');
    assert.match(item.title, /candidate c\d replied, and it is not clear whether the debtor wrote/);
    assert.deepEqual((item.detail.reply as { text: string }).text, 'Who is this? What do you want?');
    assert.equal(w.workItems.filter((i) => i.kind === 'debtor_reply').length, 0, 'no reply item that could be answered');
    w.advance({ days: 20 });
    assert.deepEqual(toCandidate(w).map((s) => s.effect.purpose.type), ['location']);
    // The operator who reads it confirms the candidate: then it is the debtor's.
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'confirmed', candidateId: candidate(w).id, operator: 'ana' } });
    assert.equal(w.state.profile.email, CANDIDATE);
  });

  it('the debtor affirming who they are and asking to be called back is the debtor: verified, no second inquiry, the reply answerable', () => {
    const w = located();
    w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: 'Yes this is Wanda, my new email. Please call me back tomorrow.' });
    assert.equal(w.state.stage, 'reminding');
    assert.equal(w.state.profile.email, CANDIDATE);
    assert.deepEqual(w.state.furtherContacts, []);
    const reply = w.workItems.filter((i) => i.kind === 'debtor_reply').at(-1)!;
    assert.match(reply.title, /^Debtor replied/);
    w.control({ kind: 'work_outcome', request: { itemId: reply.id, outcome: 'answered', answer: 'We will call you tomorrow.', operator: 'ana' } });
    w.advance({ days: 1 });
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'location' && s.effect.recipient === CANDIDATE).length, 1);
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'answer' && s.effect.recipient === CANDIDATE).length, 1);
  });

  it('a third party who replies after locating ended is still a third party: no answer about the account; a request to be contacted again is recorded', () => {
    const w = located();
    const item = w.workItems.find((i) => i.kind === 'trace_confirm')!;
    const address = w.state.locating!.candidates.find((c) => c.kind === 'address')!;
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'confirmed', candidateId: address.id, operator: 'ana' } });
    assert.equal(w.state.locating, null);
    w.advance({ days: 1 });
    w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: "I'm not Wanda, but write to me again next week and I'll tell you where she is. What is this about?" });
    const reply = w.workItems.at(-1)!;
    assert.match(reply.title, /third party/);
    assert.throws(() => w.control({ kind: 'work_outcome', request: { itemId: reply.id, outcome: 'answered', answer: 'It is about your balance.', operator: 'ana' } }), /third party asked for location information/);
    assert.deepEqual(w.state.furtherContacts.map((f) => [f.key, f.reason, f.source]), [[`email:${CANDIDATE}`, 'requested', 'reply']]);
    w.advance({ days: 5 });
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'answer').length, 0);
    // The debtor's own replies (from the confirmed address's email, or any other) are still the debtor's.
    w.comply({ kind: 'debtor_reply', channel: 'email', from: 'wanda@elsewhere.example.test', text: 'How much do I owe?' });
    assert.match(w.workItems.at(-1)!.title, /^Debtor replied/);
  });
});

describe('locating: runs recorded before a change replay as they ran (Temporal patches)', () => {
  const CANDIDATE = 'new@traced.example.test';
  const twice = { ...FOUND, candidates: [...FOUND.candidates, { ...FOUND.candidates[0]!, value: 'NEW@traced.example.test', confidence: 40 }] };
  /** A world whose `patched()` answers `applies` and remembers what it was asked. */
  const world = (applies: boolean, trace = FOUND) => {
    const asked: string[] = [];
    const w = new World(account(), { start: START, cadence, trace: () => trace, config: { patched: (change) => (asked.push(change), applies) } });
    return { w, asked };
  };

  it('an account that never locates never asks (no marker in its history)', () => {
    const { w, asked } = world(true);
    w.advance({ days: 30 });
    w.comply({ kind: 'debtor_reply', channel: 'email', from: 'work@example.test', text: 'When is it due?' });
    w.advance({ days: 1 });
    assert.deepEqual(asked, []);
  });

  it('a trace that finds one third party twice: old runs keep both and ask both, as they did; new runs one', () => {
    const old = world(false, twice);
    allChannelsDead(old.w);
    old.w.advance({ days: 5 });
    assert.equal(old.w.state.locating!.candidates.filter((c) => c.kind === 'email').length, 2);
    const oldEmails = old.w.sent.filter((s) => s.effect.purpose.type === 'location' && s.effect.channel === 'email');
    assert.equal(oldEmails.length, 2, 'as the run asked before the change');
    assert.equal(oldEmails[1]!.effect.idempotencyKey, oldEmails[0]!.effect.idempotencyKey, 'the twin with the key it had');
    assert.ok(old.asked.every((c) => c === 'locating-one-per-third-party'));
    const now = world(true, twice);
    allChannelsDead(now.w);
    now.w.advance({ days: 5 });
    assert.equal(now.w.sent.filter((s) => s.effect.purpose.type === 'location' && s.effect.channel === 'email').length, 1);
    assert.ok(now.asked.includes('locating-one-per-third-party'));
  });

  it('a trace without twins never asks about them', () => {
    const { w, asked } = world(true);
    allChannelsDead(w);
    w.advance({ days: 5 });
    assert.ok(!asked.includes('locating-one-per-third-party'));
  });

  it("a reply that is not the debtor's: an old run verifies the candidate, as it did; a reply affirming identity asks nothing", () => {
    const old = world(false);
    allChannelsDead(old.w);
    old.w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: "I'm not Wanda, but write to me again next week." });
    assert.equal(old.w.state.stage, 'reminding', 'verified, as before the change');
    assert.deepEqual(old.asked, ['locating-reply-identity']);
    const affirmed = world(true);
    allChannelsDead(affirmed.w);
    affirmed.w.comply({ kind: 'debtor_reply', channel: 'email', from: CANDIDATE, text: 'Yes, this is Wanda.' });
    assert.equal(affirmed.w.state.stage, 'reminding');
    assert.deepEqual(affirmed.asked, [], 'old and new agree: no marker');
  });
});

describe('field visits', () => {
  const visiting = (outcome: string, extra: Record<string, unknown> = {}) => {
    const w = new World(account(), { start: START, cadence });
    w.advance({ days: 10 });
    const item = w.workItems.find((i) => i.kind === 'field_visit')!;
    assert.ok(item, 'the visit step made a task');
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome, operator: 'vic', ...extra } });
    return w;
  };

  it('makes a task with the address, a window inside the contact window, and what the visitor may say', () => {
    const w = new World(account(), { start: START, cadence });
    w.advance({ days: 10 });
    const item = w.workItems.find((i) => i.kind === 'field_visit')!;
    const window = item.detail.window as { from: string; to: string };
    const hour = (iso: string) => Number(new Intl.DateTimeFormat('en-US', { timeZone: NY, hour: 'numeric', hourCycle: 'h23' }).format(new Date(iso)));
    assert.ok(hour(window.from) >= 8 && hour(window.to) <= 21, `${window.from}–${window.to}`);
    assert.match(String(item.detail.script), /§1006\.10/);
    assert.equal(item.detail.address, '1 Main St, Albany, NY 12207, US');
  });

  it('spoke with debtor: a conversation is recorded (no calls for 7 days)', () => {
    const w = visiting('spoke_with_debtor');
    assert.equal(w.state.compliance.conversations.length, 1);
    assert.equal(w.state.visit, null);
  });

  it('promise taken: the account is promised', () => {
    const w = visiting('promise_taken', { promise: { amountMinor: 100_00, date: '2026-11-20' } });
    assert.equal(w.state.stage, 'promised');
    assert.equal(w.state.promises[0]!.channel, 'in_person');
  });

  it('not home: recorded, the cadence goes on', () => {
    const w = visiting('not_home');
    w.advance({ days: 11 });
    assert.ok(w.state.contacts.some((c) => c.stepId === 'final' && c.status === 'sent'));
  });

  it('moved: the address is marked returned', () => {
    const w = visiting('moved');
    assert.deepEqual(w.state.returnedMail, ['1 Main St, Albany, NY 12207, US']);
  });

  it('refused: the account goes to an operator (escalated)', () => {
    const w = visiting('refused');
    assert.equal(w.state.stage, 'escalated');
  });

  it('an outcome the kind does not take is refused, naming the field', () => {
    const w = new World(account(), { start: START, cadence });
    w.advance({ days: 10 });
    const item = w.workItems.find((i) => i.kind === 'field_visit')!;
    assert.throws(() => w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'verification_sent', operator: 'vic' } }), /outcome: must be one of/);
    assert.throws(() => w.control({ kind: 'work_outcome', request: { itemId: 'nope', outcome: 'not_home', operator: 'vic' } }), /itemId/);
  });

  it('no visit after a cease request', () => {
    const w = new World(account(), { start: START, cadence });
    w.comply({ kind: 'cease_communication', via: 'letter' });
    w.advance({ days: 11 });
    assert.equal(w.workItems.filter((i) => i.kind === 'field_visit').length, 0);
    assert.equal(w.state.steps.find((s) => s.stepId === 'visit')!.status, 'suppressed');
  });
});

describe('insurance claims', () => {
  const medical = () => account({ product: 'medical', insuranceClaimId: 'CLM-DENY-1', serviceId: null });

  it('a denied claim gets an appeal and a task; the insurer pays after it, and the patient is billed only the rest', () => {
    const w = new World(medical(), {
      start: START,
      cadence: claims,
      payer: (input, world) =>
        world.appeals.length === 0
          ? { category: 'F2', code: '65', payerName: 'Plan', payerClaimControlNumber: 'PCN1', billedMinor: input.chargeMinor, paidMinor: 0, denial: { code: 'CARC 197', reason: 'precertification absent' } }
          : { category: 'F1', code: '65', payerName: 'Plan', payerClaimControlNumber: 'PCN1', billedMinor: input.chargeMinor, paidMinor: 400_00, denial: null },
    });
    assert.equal(w.appeals.length, 1);
    assert.equal(w.workItems.at(-1)!.kind, 'insurer_denial');
    w.advance({ days: 5 });
    assert.equal(w.sent.filter((s) => s.effect.stepId === 'bill').length, 0, 'nothing is the patient\'s while the whole bill is under appeal');
    w.advance({ days: 10 });
    assert.equal(w.claims.length, 2, 'followed up after the appeal');
    assert.equal(w.state.payments[0]!.paymentId, 'insurer-CLM-DENY-1-2');
    assert.equal(w.state.balanceMinor, 100_00);
    const bill = w.sent.find((s) => s.effect.stepId === 'bill')!;
    assert.match(bill.effect.text, /\$100\.00 is yours to pay/);
  });

  it('a pending claim is asked about again a week later', () => {
    const w = new World(medical(), { start: START, cadence: claims });
    w.advance({ days: 8 });
    assert.equal(w.claims.length, 2);
  });

  it('no claim id: the step is skipped', () => {
    const w = new World(account({ product: 'medical' }), { start: START, cadence: claims });
    assert.equal(w.state.steps.find((s) => s.stepId === 'claim')!.status, 'skipped');
  });
});

describe('work items', () => {
  it('a debtor reply becomes an item; the answer goes through the gate, on the reply\'s channel', () => {
    const w = new World(account(), { start: START, cadence });
    w.comply({ kind: 'debtor_reply', channel: 'email', from: 'work@example.test', text: 'Why is my bill so high?' });
    const item = w.workItems.at(-1)!;
    assert.equal(item.kind, 'debtor_reply');
    assert.doesNotMatch(item.title, /work@example|high/, 'the title carries no personal data');
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'answered', answer: 'It includes last month.', operator: 'ana' } });
    const answer = w.sent.find((s) => s.effect.purpose.type === 'answer')!;
    assert.equal(answer.effect.channel, 'email');
    assert.match(answer.effect.text, /It includes last month\.[\s\S]*debt collector/);
  });

  it('an answer given at night waits for the contact window, like every other message', () => {
    const w = new World(account(), { start: START, cadence });
    w.comply({ kind: 'debtor_reply', channel: 'email', from: 'work@example.test', text: 'Can I pay next week?' });
    const item = w.workItems.at(-1)!;
    w.advance({ to: new Date(zonedTimeToUtcMs('2026-11-02', '22:30', NY)).toISOString() });
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'answered', answer: 'Yes, next Friday works.', operator: 'ana' } });
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'answer').length, 0, 'not sent at 22:30 local');
    w.advance({ days: 1 });
    const answers = w.sent.filter((s) => s.effect.purpose.type === 'answer');
    assert.equal(answers.length, 1, 'sent once, when the window opened');
    assert.equal(answers[0]!.at, new Date(zonedTimeToUtcMs('2026-11-03', '08:00', NY)).toISOString());
    assert.match(answers[0]!.effect.text, /Yes, next Friday works\.[\s\S]*debt collector[\s\S]*To stop emails/);
  });

  it('an answer by SMS goes through the gate too: none to a number the debtor opted out of', () => {
    const w = new World(account(), { start: START, cadence });
    w.comply({ kind: 'debtor_reply', channel: 'sms', from: '+12125550123', text: 'Who is this?' });
    const item = w.workItems.at(-1)!;
    w.comply({ kind: 'opt_out', channel: 'sms', address: '+12125550123', source: 'reply' });
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'answered', answer: 'We are Dunning Collections.', operator: 'ana' } });
    w.advance({ days: 2 });
    assert.equal(w.sent.filter((s) => s.effect.purpose.type === 'answer').length, 0);
    const record = w.state.contacts.find((c) => c.stepId === 'answer')!;
    assert.ok(record, 'the answer is recorded with the gate\'s decision');
    assert.notEqual(record.status, 'sent');
  });

  const answerTemplates = (marker: string) => ({
    en: { subject: `${marker}: {{accountId}}`, text: `${marker} {{debtorName}}: {{answer}} You owe {{balance}}. From a debt collector; write to {{optOutEmail}} to stop emails.`, sms: `${marker} {{answer}} Debt collector. Reply STOP to opt out.` },
    es: { subject: `${marker} es: {{accountId}}`, text: `${marker} es {{debtorName}}: {{answer}} Cobrador de deudas; escriba a {{optOutEmail}}.`, sms: `${marker} es {{answer}} Cobrador de deudas. Responda STOP.` },
  });
  const answered = (w: World, channel: 'email' | 'sms', text: string) => {
    w.comply({ kind: 'debtor_reply', channel, from: channel === 'email' ? 'work@example.test' : '+12125550123', text: 'A question' });
    w.control({ kind: 'work_outcome', request: { itemId: w.workItems.at(-1)!.id, outcome: 'answered', answer: text, operator: 'ana' } });
    return w.sent.filter((s) => s.effect.purpose.type === 'answer');
  };

  it("answers use the shipped template when neither the cadence nor the creditor has one, in the debtor's language", () => {
    const [english] = answered(new World(account(), { start: START, cadence }), 'email', 'It includes last month.');
    assert.equal(english!.effect.subject, 'About your account W-1');
    assert.equal(english!.effect.text, 'Dear Wanda Worker,\n\nIt includes last month.\n\nThis is a communication from a debt collector (Dunning Collections). To stop emails, write to optout@example.test.');
    const [spanish] = answered(new World(account({ language: 'es' }), { start: START, cadence }), 'sms', 'Incluye el mes pasado.');
    assert.equal(spanish!.effect.text, 'Incluye el mes pasado. (Dunning Collections, cobrador de deudas.) Responda STOP para no recibir más mensajes.');
  });

  it("answers use the creditor's template, and the cadence's over it", () => {
    const creditors = new World(account(), { start: START, cadence, config: { answerTemplates: answerTemplates('CREDITOR') } });
    const [byCreditor] = answered(creditors, 'email', 'It includes last month.');
    assert.equal(byCreditor!.effect.subject, 'CREDITOR: W-1');
    assert.equal(byCreditor!.effect.text, 'CREDITOR Wanda Worker: It includes last month. You owe $500.00. From a debt collector; write to optout@example.test to stop emails.');
    const both = new World(account({ language: 'es' }), { start: START, cadence: { ...cadence, answerTemplates: answerTemplates('CADENCE') }, config: { answerTemplates: answerTemplates('CREDITOR') } });
    const [byCadence] = answered(both, 'sms', 'Sí.');
    assert.deepEqual([byCadence!.effect.channel, byCadence!.effect.subject, byCadence!.effect.text], ['sms', '', 'CADENCE es Sí. Cobrador de deudas. Responda STOP.']);
  });

  it("an answer from the creditor's template still waits for the contact window, and an opt-out still stops it", () => {
    const w = new World(account(), { start: START, cadence, config: { answerTemplates: answerTemplates('CREDITOR') } });
    w.advance({ to: new Date(zonedTimeToUtcMs('2026-11-02', '21:30', NY)).toISOString() });
    assert.equal(answered(w, 'email', 'Yes.').length, 0, 'not sent at 21:30 local');
    assert.equal(w.state.contacts.filter((c) => c.stepId === 'answer').length, 0, 'held, not dropped');
    w.advance({ days: 1 });
    const [sent] = w.sent.filter((s) => s.effect.purpose.type === 'answer');
    assert.equal(sent!.at, new Date(zonedTimeToUtcMs('2026-11-03', '08:00', NY)).toISOString());
    assert.match(sent!.effect.text, /^CREDITOR Wanda Worker: Yes\./);
    w.comply({ kind: 'opt_out', channel: 'email', address: 'work@example.test', source: 'reply' });
    assert.equal(answered(w, 'email', 'Again.').length, 1, 'the opted-out address gets no second answer');
    assert.equal(w.state.contacts.filter((c) => c.stepId === 'answer').at(-1)!.status, 'suppressed');
  });

  it('a dispute within the period becomes an item; verification from the queue resumes collection', () => {
    const w = new World(account(), { start: START, cadence });
    w.comply({ kind: 'dispute', via: 'letter' });
    const item = w.workItems.find((i) => i.kind === 'dispute')!;
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'verification_sent', operator: 'ana' } });
    assert.equal(w.state.compliance.dispute, 'verified');
  });

  it('a refused order escalates and becomes an item; retry runs the step again', () => {
    const w = new World(account(), { start: START, cadence, refuse: { order: 'refused (422)' } });
    w.advance({ days: 46 });
    const item = w.workItems.find((i) => i.kind === 'escalation')!;
    assert.equal(w.state.stage, 'escalated');
    const before = w.state.steps.filter((s) => s.stepId === 'disconnect').length;
    w.control({ kind: 'work_outcome', request: { itemId: item.id, outcome: 'retry_step', operator: 'ana' } });
    assert.equal(w.state.steps.filter((s) => s.stepId === 'disconnect').length, before + 1);
  });
});
