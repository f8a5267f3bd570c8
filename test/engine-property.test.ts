/**
 * Property tests of the account engine over seeded random event sequences (payments, duplicates,
 * foreign currencies, returns, fees and credits, opt-outs, disputes and verification, cease
 * requests, deaths, pauses, skips, promises, plans, closes, and time passing), without any server.
 * After every event: the balance and the credit are never negative; no contact went out that the
 * law forbids at that moment (independently of the gate: the facts the test itself sent); nothing
 * was sent after the account ended; and the same events give the same state, with or without a
 * continue-as-new anywhere in between.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountProfile } from '../src/domain/account';
import { addDays } from '../src/domain/arrangements';
import { localDateTime } from '../src/domain/contact-policy';
import { isEndStage } from '../src/domain/account';
import { candidateZones } from '../src/domain/us-zones';
import { parseCadence } from '../src/schemas/cadence.schema';
import { loadCadenceFile } from '../src/schemas/cadence.schema';
import { join } from 'node:path';
import type { DialAnswer } from '../src/domain/engine';
import { World } from './helpers/engine-world';
import { ROOT } from './helpers/fixtures';

const SEQUENCES = Number(process.env.ENGINE_PROPERTY_SEQUENCES ?? 300);
const EVENTS_PER_SEQUENCE = 40;

function random(seed: number) {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ZONES = [
  { timezone: 'America/New_York', region: 'NY', city: 'Albany', phone: '+15185550100' },
  { timezone: 'America/Los_Angeles', region: 'CA', city: 'Fresno', phone: '+15595550100' },
  { timezone: 'Pacific/Honolulu', region: 'HI', city: 'Hilo', phone: '+18085550100' },
  { timezone: 'America/Chicago', region: 'MA', city: 'Boston', phone: '+16175550100' }, // zone and state disagree
];

const cadences = ['standard.json', 'utility.yaml', 'auto-loan.yaml', 'medical.yaml'].map((f) => loadCadenceFile(join(ROOT, 'cadences', f)));
const quick = parseCadence({
  name: 'quick', version: 1,
  steps: [
    { id: 'e1', action: 'email', after: '0d', template: 't' },
    { id: 's1', action: 'sms', after: '1d', template: 's' },
    { id: 'c1', action: 'call', after: '2d', template: 's' },
    { id: 'l1', action: 'letter', after: '3d', template: 't' },
    { id: 'e2', action: 'email', after: '20d', template: 't' },
    { id: 'end', action: 'close', after: '90d' },
  ],
  templates: { t: { en: { subject: 'Account {{accountId}}', text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } }, s: { en: { text: '{{balance}} due. Reply STOP to opt out. This is a communication from a debt collector.' } } },
});

/** When each fact arrived, as the number of contacts sent before it. */
interface Facts {
  optOuts: { channel: string; address: string; at: number }[];
  cease: number | null;
  deceased: number | null;
  disputes: { from: number; to: number | null }[];
  /** Numbers with SMS consent, from when (enrollment's, or given with a new number). */
  smsConsent: { address: string; at: number }[];
}

function sequence(seed: number, canAt: number | null): { w: World; facts: Facts } {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
  const place = pick(ZONES);
  const cadence = rnd() < 0.5 ? quick : pick(cadences);
  const product = cadence.products?.[0] ?? 'credit_card';
  const profile: AccountProfile = {
    accountId: `P-${seed}`, creditorId: 'cred-prop', product, debtorName: 'Prop Debtor', email: `p${seed}@example.test`, phone: place.phone, language: 'en',
    address: { line1: '1 Main St', city: place.city, region: place.region, postalCode: '00000', country: 'US' }, timezone: place.timezone, currency: 'USD',
    balanceMinor: 100_00 + Math.floor(rnd() * 900_00), dueDate: '2026-08-01', consent: { email: rnd() < 0.9, sms: rnd() < 0.7 },
    serviceId: 'SVC', collateralVin: '1HGCM82633A004352', insuranceClaimId: 'CLM',
  };
  const start = new Date(Date.parse('2026-11-02T00:00:00Z') + Math.floor(rnd() * 400) * 86_400_000 + Math.floor(rnd() * 24 * 60) * 60_000).toISOString();
  const w = new World(profile, { start, cadence });
  const facts: Facts = { optOuts: [], cease: null, deceased: null, disputes: [], smsConsent: profile.consent.sms ? [{ address: profile.phone!, at: 0 }] : [] };
  let payments = 0;
  for (let n = 0; n < EVENTS_PER_SEQUENCE && !w.completed; n++) {
    if (n === canAt) w.continueAsNew();
    const roll = rnd();
    // Facts are placed by how many contacts had gone out before them (several events share an instant).
    const at = w.sent.length;
    const tryControl = (control: Parameters<World['control']>[0]): boolean => {
      try {
        w.control(control);
        return true;
      } catch (error) {
        if ((error as Error).name !== 'EngineRefusal') throw error;
        return false;
      }
    };
    if (roll < 0.35) w.advance({ ms: Math.floor(rnd() * 6 * 86_400_000) });
    else if (roll < 0.5) {
      const id = rnd() < 0.2 && payments > 0 ? `PAY-${Math.floor(rnd() * payments)}` : `PAY-${payments++}`;
      w.pay({ paymentId: id, amountMinor: Math.max(1, Math.floor(rnd() * profile.balanceMinor * 0.6)), ...(rnd() < 0.05 ? { currency: 'EUR' } : {}) });
    } else if (roll < 0.55 && payments > 0) w.returned({ paymentId: `PAY-${Math.floor(rnd() * payments)}`, returnId: `R-${n}`, reason: 'insufficient_funds' });
    else if (roll < 0.6) w.adjust({ adjustmentId: `ADJ-${n}`, kind: pick(['fee', 'interest', 'credit'] as const), amountMinor: Math.floor(rnd() * 50_00) + 1, currency: 'USD', description: 'adjustment' });
    else if (roll < 0.66) {
      const channel = pick(['email', 'sms'] as const);
      const address = channel === 'email' ? profile.email! : profile.phone!;
      w.comply({ kind: 'opt_out', channel, address, source: 'reply' });
      facts.optOuts.push({ channel, address, at });
    } else if (roll < 0.7) {
      w.comply({ kind: 'dispute', via: 'letter' });
      if (w.state.compliance.dispute === 'pending_verification' && !facts.disputes.some((d) => d.to === null)) facts.disputes.push({ from: at, to: null });
    } else if (roll < 0.74) {
      w.comply({ kind: 'verification_sent' });
      const open = facts.disputes.find((d) => d.to === null);
      if (open) open.to = at;
    } else if (roll < 0.76) {
      w.comply({ kind: 'cease_communication', via: 'letter' });
      facts.cease ??= at;
    } else if (roll < 0.77) {
      w.comply({ kind: 'deceased' });
      facts.deceased ??= at;
    } else if (roll < 0.82) tryControl({ kind: pick(['pause', 'resume', 'skip', 'repeat'] as const), request: { reason: 'operator' } });
    else if (roll < 0.87) tryControl({ kind: 'promise', request: { amountMinor: Math.max(1, Math.floor(w.state.balanceMinor / 2)), date: addDays(localDateTime(w.now(), profile.timezone).date, 1 + Math.floor(rnd() * 10)), channel: 'phone', takenBy: 'op' } });
    else if (roll < 0.9) tryControl({ kind: 'plan', request: { frequency: pick(['weekly', 'monthly'] as const), acceptedBy: 'op' } });
    else if (roll < 0.91) tryControl({ kind: 'close', request: { reason: 'done' } });
    else if (roll < 0.96) {
      // People dialling now, a few times some hours apart; what came of each allowed call.
      for (let calls = 1 + Math.floor(rnd() * 6); calls > 0; calls--) {
        try {
          const answer = w.control({ kind: 'dial', request: { operator: 'op' } }) as DialAnswer;
          if (answer.decision === 'allow' && rnd() < 0.8) w.control({ kind: 'call_outcome', request: { attemptId: answer.attemptId, outcome: pick(['no_answer', 'no_answer', 'no_answer', 'voicemail', 'conversation', 'wrong_number'] as const) } });
        } catch (error) {
          if ((error as Error).name !== 'EngineRefusal') throw error;
        }
        w.advance({ ms: Math.floor(rnd() * 8 * 3_600_000) });
      }
    } else if (roll < 0.98) {
      // A new number (same area code, so the same zones): with consent given for it, or without.
      const phone = `${place.phone.slice(0, -4)}${String(1000 + n).slice(-4)}`;
      const consent = rnd() < 0.5;
      if (tryControl({ kind: 'contact_details', request: { phone, ...(consent ? { consent: { sms: true, source: 'debtor gave it' } } : {}), reason: 'new number' } }) && consent) facts.smsConsent.push({ address: phone, at });
    }
    else w.advance({ ms: Math.floor(rnd() * 40 * 86_400_000) });
    checkInvariants(w, facts, seed);
  }
  return { w, facts };
}

function checkInvariants(w: World, facts: Facts, seed: number): void {
  const s = w.state;
  assert.ok(s.balanceMinor >= 0, `seed ${seed}: balance ${s.balanceMinor} below zero`);
  assert.ok(s.creditMinor >= 0, `seed ${seed}: credit ${s.creditMinor} below zero`);
  const zones = candidateZones(w.profile.timezone, 'US', w.profile.address.region, w.profile.phone);
  w.sent.forEach(({ at, effect, stage }, t) => {
    const required = effect.request.purpose !== 'collection';
    // After a cease request only the one confirmation (§1006.6(c)(2)) goes, once.
    if (facts.cease !== null && t >= facts.cease) assert.ok(effect.request.purpose === 'cease_confirmation' && w.sent.filter((x) => x.effect.request.purpose === 'cease_confirmation').length === 1, `seed ${seed}: ${effect.stepId} at ${at}, after a cease request`);
    if (effect.channel !== 'letter')
      for (const zone of zones) {
        const hour = localDateTime(at, zone).hour;
        assert.ok(hour >= 8 && hour < 21, `seed ${seed}: ${effect.channel} ${effect.stepId} at ${at} is ${hour}:xx in ${zone}`);
      }
    assert.ok(!facts.optOuts.some((o) => o.at <= t && o.channel === effect.channel && o.address === effect.recipient), `seed ${seed}: ${effect.channel} to an opted-out address at ${at}`);
    if (!required) {
      assert.ok(facts.cease === null || t < facts.cease, `seed ${seed}: ${effect.stepId} at ${at}, after a cease request`);
      assert.ok(!facts.disputes.some((d) => d.from <= t && (d.to === null || t < d.to)), `seed ${seed}: ${effect.stepId} while a dispute awaited verification`);
    }
    assert.ok(facts.deceased === null || t < facts.deceased || (required && effect.channel === 'letter'), `seed ${seed}: ${effect.stepId} after the debtor's death`);
    // TCPA: a text goes only to a number that has consent of its own, given before it.
    if (effect.channel === 'sms') assert.ok(facts.smsConsent.some((c) => c.address === effect.recipient && c.at <= t), `seed ${seed}: SMS to ${effect.recipient} at ${at} without consent for that number`);
    // Nothing after the account ended (a reopened account is open again).
    assert.ok(!isEndStage(stage) || required, `seed ${seed}: ${effect.stepId} sent at ${at} while the account was ${stage}`);
  });
  // Calls people placed, with the call tasks no one reported dialling (§1006.14(b)(2), independently of the gate):
  // inside 08:00-21:00 everywhere, never an 8th in 7 x 24 hours, none after a conversation until its 7th day.
  const dialled = new Set(s.callAttempts.filter((a) => a.decision === 'allow' && a.taskId).map((a) => a.taskId));
  const calls = [
    ...s.contacts.filter((c) => c.channel === 'call' && c.status === 'sent' && !dialled.has(c.providerMessageId)).map((c) => Date.parse(c.at)),
    ...s.callAttempts.filter((a) => a.decision === 'allow').map((a) => Date.parse(a.at)),
  ];
  const conversations = s.callAttempts.filter((a) => a.outcome === 'conversation');
  for (const attempt of s.callAttempts.filter((a) => a.decision === 'allow')) {
    const t = Date.parse(attempt.at);
    for (const zone of zones) {
      const hour = localDateTime(attempt.at, zone).hour;
      assert.ok(hour >= 8 && hour < 21, `seed ${seed}: call ${attempt.id} at ${attempt.at} is ${hour}:xx in ${zone}`);
    }
    const before = calls.filter((c) => c > t - 7 * 86_400_000 && c < t).length;
    assert.ok(before < 7, `seed ${seed}: call ${attempt.id} at ${attempt.at} after ${before} calls in 7 days`);
    const day = localDateTime(attempt.at, zones[0]!).date;
    const talked = conversations.find((c) => Date.parse(c.at) < t && day < addDays(localDateTime(c.at, zones[0]!).date, 7));
    assert.ok(!talked, `seed ${seed}: call ${attempt.id} on ${day}, after the conversation of ${talked?.at}`);
  }
}

describe('the account engine over random event sequences', () => {
  it(`holds every invariant over ${SEQUENCES} sequences of ${EVENTS_PER_SEQUENCE} events`, () => {
    const started = Date.now();
    let decisions = 0;
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const { w } = sequence(seed, null);
      decisions += w.state.effects;
    }
    const seconds = (Date.now() - started) / 1000;
    assert.ok(decisions > SEQUENCES, 'the sequences did something');
    process.stdout.write(`# ${SEQUENCES} sequences, ${decisions} effects decided in ${seconds.toFixed(1)} s\n`);
  });

  it('gives the same state for the same events, with or without a continue-as-new in between', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const plain = sequence(seed, null).w;
      const again = sequence(seed, null).w;
      assert.deepEqual(again.state, plain.state, `seed ${seed}: not deterministic`);
      const carried = sequence(seed, 1 + (seed % (EVENTS_PER_SEQUENCE - 1))).w;
      assert.deepEqual(carried.state, plain.state, `seed ${seed}: continue-as-new changed the outcome`);
      assert.deepEqual(carried.sent.map((s) => [s.at, s.effect.stepId]), plain.sent.map((s) => [s.at, s.effect.stepId]));
    }
  });
});
