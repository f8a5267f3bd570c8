import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AREA_CODE_STATES, stateOfPhone } from '../src/domain/area-codes';

const US_CODES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA',
  'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK',
  'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
  'DC', 'PR', 'VI', 'GU', 'MP', 'AS',
];

describe('area codes', () => {
  it('maps well-known area codes to their state or territory', () => {
    const expected: Record<string, string> = {
      '212': 'NY', '213': 'CA', '312': 'IL', '305': 'FL', '808': 'HI', '907': 'AK', '202': 'DC',
      '787': 'PR', '340': 'VI', '671': 'GU', '670': 'MP', '684': 'AS', '602': 'AZ', '915': 'TX',
      '208': 'ID', '541': 'OR', '270': 'KY', '906': 'MI',
    };
    for (const [code, state] of Object.entries(expected)) {
      assert.equal(AREA_CODE_STATES[code], state, `table entry for ${code}`);
      assert.equal(stateOfPhone(`+1${code}5550123`), state, `stateOfPhone for ${code}`);
    }
  });

  it('gives null for toll-free, non-geographic and Canadian codes', () => {
    for (const code of ['800', '888', '900', '500', '416', '604', '514', '403']) {
      assert.equal(stateOfPhone(`+1${code}5550123`), null, code);
      assert.equal(AREA_CODE_STATES[code], undefined, code);
    }
  });

  it('gives null for malformed and non-NANP numbers', () => {
    for (const input of [
      '', '+1', '+1212555012', '+121255501234', '12125550123', '+1 212 555 0123', '+1(212)5550123',
      '+12125550123 ', ' +12125550123', '+442071234567', '+4921255501234', '+1212555012a', '+1toString000',
      '+1__proto__00',
    ]) {
      assert.equal(stateOfPhone(input), null, JSON.stringify(input));
    }
    assert.equal(stateOfPhone('+12125550123'), 'NY');
  });

  it('uses only the 50 states, DC and the five inhabited territories', () => {
    assert.equal(new Set(US_CODES).size, 56);
    for (const [code, state] of Object.entries(AREA_CODE_STATES)) {
      assert.ok(US_CODES.includes(state), `${code} → ${state}`);
    }
    for (const state of US_CODES) {
      assert.ok(Object.values(AREA_CODE_STATES).includes(state), `no area code for ${state}`);
    }
  });

  it('has only 3-digit keys not starting with 0 or 1, and at least 300 of them', () => {
    const keys = Object.keys(AREA_CODE_STATES);
    for (const key of keys) assert.match(key, /^[2-9]\d{2}$/);
    assert.ok(keys.length >= 300, `only ${keys.length} entries`);
  });
});
