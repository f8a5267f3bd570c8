import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateContact, FEDERAL_FLOOR, type ContactRequest } from '../src/domain/contact-policy';
import { candidateZones, STATE_ZONES } from '../src/domain/us-zones';

describe('candidate zones from the address', () => {
  it('trusts a recorded zone that agrees with the address', () => {
    assert.deepEqual(candidateZones('America/New_York', 'US', 'NY'), ['America/New_York']);
    assert.deepEqual(candidateZones('America/Denver', 'US', 'TX'), ['America/Denver']);
    assert.deepEqual(candidateZones('Europe/Berlin', 'DE', 'BE'), ['Europe/Berlin']);
  });

  it('adds the address zones when they disagree, so the gate keeps to the common window', () => {
    const zones = candidateZones('America/New_York', 'US', 'HI');
    assert.deepEqual(zones, ['America/New_York', 'Pacific/Honolulu']);
    const request = (now: string): ContactRequest => ({
      now, channel: 'email', recipient: 'a@example.test', purpose: 'collection', timezones: zones, state: 'HI', city: null,
      consents: [{ channel: 'email', address: 'a@example.test', consented: true }], optOuts: [],
      flags: { ceaseCommunication: false, refusedToPay: false, attorneyRepresented: false, deceased: false, bankruptcy: false }, dispute: 'none', history: [],
    });
    // 10:00 in New York is 05:00 in Honolulu: wait until 08:00 Honolulu (13:00 New York).
    const decision = evaluateContact(request('2026-12-01T15:00:00Z'), FEDERAL_FLOOR);
    assert.equal(decision.kind, 'defer');
    assert.equal(decision.kind === 'defer' && decision.until, '2026-12-01T18:00:00.000Z');
    assert.equal(decision.rule, 'reg_f_1006_6_b_1_i_time_of_day');
    assert.equal(evaluateContact(request('2026-12-01T18:00:00Z'), FEDERAL_FLOOR).kind, 'allow');
  });

  it('adds the zones of the phone number\'s state when it disagrees with the recorded zone', () => {
    assert.deepEqual(candidateZones('America/New_York', 'US', 'NY', '+12125550100'), ['America/New_York']);
    assert.deepEqual(candidateZones('America/New_York', 'US', 'NY', '+13105550100'), ['America/New_York', 'America/Los_Angeles']);
    assert.deepEqual(candidateZones('America/New_York', 'US', 'CA', '+13105550100'), ['America/New_York', 'America/Los_Angeles']);
    assert.deepEqual(candidateZones('Europe/Berlin', 'DE', 'BE', '+4930123456'), ['Europe/Berlin']);
  });

  it('covers every state, DC and the territories with zones Intl knows', () => {
    assert.equal(Object.keys(STATE_ZONES).length, 56);
    for (const zone of Object.values(STATE_ZONES).flat()) assert.doesNotThrow(() => new Intl.DateTimeFormat('en-US', { timeZone: zone }), zone);
  });
});
