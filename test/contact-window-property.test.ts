/**
 * A property over the shipped cadences: whatever the debtor's zone and the day the account is
 * enrolled, no email, SMS or call step is ever let out by the gate outside 08:00-21:00 local.
 * The cases come from a seeded generator, so a failure is reproducible.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { evaluateContact, FEDERAL_FLOOR, localDateTime, US_TIME_ZONES, type ContactRequest } from '../src/domain/contact-policy';
import { isDebtorContact } from '../src/domain/cadence';
import { stepDueAtMs } from '../src/domain/schedule';
import { loadCadenceFile } from '../src/schemas/cadence.schema';
import { ROOT } from './helpers/fixtures';

function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cadences = readdirSync(join(ROOT, 'cadences')).map((f) => loadCadenceFile(join(ROOT, 'cadences', f)));
const zones = [...US_TIME_ZONES, 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe'];

describe('contact window property', () => {
  it('no debtor contact of any shipped cadence is allowed outside 08:00-21:00 local, for 2,000 random accounts', () => {
    const random = prng(20261123);
    let checked = 0;
    for (let n = 0; n < 2000; n++) {
      const zone = zones[Math.floor(random() * zones.length)]!;
      const cadence = cadences[Math.floor(random() * cadences.length)]!;
      const enrolledMs = Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 730 * 86_400_000);
      const dueDate = new Date(enrolledMs - Math.floor(random() * 200) * 86_400_000).toISOString().slice(0, 10);
      let previousMs: number | null = null;
      for (const step of cadence.steps) {
        let at = Math.max(stepDueAtMs(step, { cadenceStartedAtMs: enrolledMs, dueDate, previousStepAtMs: previousMs, timezone: zone }), previousMs ?? 0);
        if (isDebtorContact(step.action) && step.action !== 'letter') {
          // As the workflow does: ask, and on a deferral ask again at the time given.
          for (let attempt = 0; ; attempt++) {
            assert.ok(attempt < 5, `${cadence.name}/${step.id} in ${zone}: the gate keeps deferring`);
            const request: ContactRequest = {
              now: new Date(at).toISOString(), channel: step.action, recipient: '+12125550100', purpose: 'collection', timezones: [zone], state: null, city: null,
              consents: [{ channel: 'sms', address: '+12125550100', consented: true }, { channel: 'email', address: '+12125550100', consented: true }],
              optOuts: [], flags: { ceaseCommunication: false, refusedToPay: false, attorneyRepresented: false, deceased: false, bankruptcy: false }, dispute: 'none', history: [],
            };
            const decision = evaluateContact(request, FEDERAL_FLOOR);
            if (decision.kind === 'defer') {
              assert.ok(Date.parse(decision.until) > at, 'a deferral moves forward');
              at = Date.parse(decision.until);
              continue;
            }
            assert.equal(decision.kind, 'allow', `${cadence.name}/${step.id} in ${zone}: ${JSON.stringify(decision)}`);
            const local = localDateTime(new Date(at).toISOString(), zone);
            assert.ok(local.hour >= 8 && local.hour < 21, `${cadence.name}/${step.id} let out at ${local.date} ${local.hour}:${local.minute} in ${zone}`);
            checked++;
            break;
          }
        }
        previousMs = at;
      }
    }
    assert.ok(checked > 4000, `only ${checked} contacts checked`);
  });
});
