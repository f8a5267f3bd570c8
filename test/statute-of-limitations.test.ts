/** Statutes of limitations and the time-barred disclosure: the table, the edges of a period, overrides, texts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FEDERAL_TIME_BARRED_DISCLOSURE,
  isTimeBarred,
  limitationYears,
  STATES_WITH_OWN_TIME_BARRED_DISCLOSURE,
  TIME_BARRED_DISCLOSURE_PLACEHOLDERS,
  timeBarredDisclosure,
  WRITTEN_CONTRACT_LIMITATION_YEARS,
} from '../src/domain/statute-of-limitations';
import { placeholdersIn } from '../src/domain/template';

const STATES_AND_DC = [
  'AK', 'AL', 'AR', 'AZ', 'CA', 'CO', 'CT', 'DC', 'DE', 'FL', 'GA', 'HI', 'IA', 'ID', 'IL', 'IN', 'KS', 'KY', 'LA', 'MA', 'MD', 'ME', 'MI', 'MN', 'MO', 'MS',
  'MT', 'NC', 'ND', 'NE', 'NH', 'NJ', 'NM', 'NV', 'NY', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VA', 'VT', 'WA', 'WI', 'WV', 'WY',
];

describe('limitation table', () => {
  it('has exactly the 50 states and DC, each a positive whole number of years', () => {
    assert.equal(STATES_AND_DC.length, 51);
    assert.deepEqual(Object.keys(WRITTEN_CONTRACT_LIMITATION_YEARS).sort(), STATES_AND_DC);
    for (const [state, years] of Object.entries(WRITTEN_CONTRACT_LIMITATION_YEARS))
      assert.ok(Number.isInteger(years) && years > 0 && years <= 15, `${state}: ${years}`);
  });

  it('reads a few commonly published figures', () => {
    assert.deepEqual(['CA', 'NY', 'TX', 'IL', 'DC'].map((s) => limitationYears(s)), [4, 3, 4, 10, 3]);
  });
});

describe('isTimeBarred', () => {
  // California, 4 years from 2020-03-15: barred from 2024-03-15.
  const ca = (asOf: string) => isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '2020-03-15', asOf });

  it('is not barred on the day before the period ends, and barred on the day it ends', () => {
    assert.deepEqual(ca('2024-03-14T23:59:59.999Z'), { barred: false, years: 4, barredSince: '2024-03-15' });
    assert.deepEqual(ca('2024-03-15T00:00:00Z'), { barred: true, years: 4, barredSince: '2024-03-15' });
    assert.deepEqual(ca('2021-01-01T00:00:00Z'), { barred: false, years: 4, barredSince: '2024-03-15' });
    assert.deepEqual(ca('2030-01-01T00:00:00Z'), { barred: true, years: 4, barredSince: '2024-03-15' });
  });

  it('reads asOf as a UTC date, which is never behind a US zone', () => {
    // 20:00 in New York on the 14th is already the 15th in UTC: treated as barred (the earlier side).
    assert.equal(ca('2024-03-14T20:00:00-05:00').barred, true);
    assert.equal(ca('2024-03-14T18:59:59-05:00').barred, false);
  });

  it('moves 29 February to 28 February in a year without it', () => {
    assert.deepEqual(isTimeBarred({ state: 'NY', lastPaymentOrDueDate: '2020-02-29', asOf: '2023-02-28T00:00:00Z' }), { barred: true, years: 3, barredSince: '2023-02-28' });
    assert.deepEqual(isTimeBarred({ state: 'NY', lastPaymentOrDueDate: '2020-02-29', asOf: '2023-02-27T23:59:59Z' }), { barred: false, years: 3, barredSince: '2023-02-28' });
    assert.equal(isTimeBarred({ state: 'IA', lastPaymentOrDueDate: '2020-02-29', asOf: '2020-03-01T00:00:00Z' }).barredSince, '2030-02-28');
    assert.equal(isTimeBarred({ state: 'NC', lastPaymentOrDueDate: '2021-02-28', asOf: '2020-03-01T00:00:00Z' }).barredSince, '2024-02-28');
  });

  it('applies a creditor override instead of the table, also for a place the table lacks', () => {
    const overrides = { CA: 6, PR: 5 };
    assert.deepEqual(isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '2020-03-15', asOf: '2024-03-15T00:00:00Z', overrides }), { barred: false, years: 6, barredSince: '2026-03-15' });
    assert.deepEqual(isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '2020-03-15', asOf: '2026-03-15T00:00:00Z', overrides }), { barred: true, years: 6, barredSince: '2026-03-15' });
    assert.deepEqual(isTimeBarred({ state: 'PR', lastPaymentOrDueDate: '2020-03-15', asOf: '2025-03-15T00:00:00Z', overrides }), { barred: true, years: 5, barredSince: '2025-03-15' });
    // States the overrides do not name keep the table's figure.
    assert.deepEqual(isTimeBarred({ state: 'TX', lastPaymentOrDueDate: '2020-03-15', asOf: '2024-03-15T00:00:00Z', overrides }), { barred: true, years: 4, barredSince: '2024-03-15' });
  });

  it('refuses an override that is not a positive whole number', () => {
    for (const bad of [0, -3, 2.5, Number.NaN])
      assert.throws(() => isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '2020-03-15', asOf: '2024-03-15T00:00:00Z', overrides: { CA: bad } }), /creditor override for CA: years must be a positive whole number/);
  });

  it('reports an unknown state as not barred, with no period, whatever the age of the debt', () => {
    assert.deepEqual(isTimeBarred({ state: 'ZZ', lastPaymentOrDueDate: '1990-01-01', asOf: '2025-01-01T00:00:00Z' }), { barred: false, years: null, barredSince: null });
    assert.deepEqual(isTimeBarred({ state: 'PR', lastPaymentOrDueDate: '1990-01-01', asOf: '2025-01-01T00:00:00Z' }), { barred: false, years: null, barredSince: null });
  });

  it('takes the state code in any case and with spaces', () => {
    assert.deepEqual(isTimeBarred({ state: ' ca ', lastPaymentOrDueDate: '2020-03-15', asOf: '2024-03-15T00:00:00Z' }), { barred: true, years: 4, barredSince: '2024-03-15' });
  });

  it('refuses an impossible date and an instant without a zone', () => {
    assert.throws(() => isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '2023-02-30', asOf: '2024-03-15T00:00:00Z' }), /lastPaymentOrDueDate is not a date YYYY-MM-DD: "2023-02-30"/);
    assert.throws(() => isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '03/15/2020', asOf: '2024-03-15T00:00:00Z' }), /lastPaymentOrDueDate is not a date/);
    assert.throws(() => isTimeBarred({ state: 'CA', lastPaymentOrDueDate: '2020-03-15', asOf: '2024-03-15T00:00:00' }), /asOf is not an ISO instant with Z or an offset/);
  });
});

describe('timeBarredDisclosure', () => {
  it('gives the federal-style text where a state prescribes none', () => {
    assert.equal(timeBarredDisclosure('OH', 'en'), 'The law limits how long you can be sued on a debt. Because of the age of your debt, {{creditorName}} will not sue you for it.');
    assert.equal(
      timeBarredDisclosure('OH', 'es'),
      'La ley limita el plazo durante el cual se le puede demandar por una deuda. Debido a la antigüedad de su deuda, {{creditorName}} no le demandará por ella.',
    );
    assert.equal(timeBarredDisclosure('ZZ', 'en'), FEDERAL_TIME_BARRED_DISCLOSURE.en);
  });

  it('lists the states with their own text', () => {
    assert.deepEqual(STATES_WITH_OWN_TIME_BARRED_DISCLOSURE, ['CA', 'MA', 'NC', 'NM', 'NY', 'TX', 'WV']);
  });

  it('gives each of those states its own English and Spanish text, with only the known placeholder', () => {
    for (const state of STATES_WITH_OWN_TIME_BARRED_DISCLOSURE) {
      const en = timeBarredDisclosure(state, 'en');
      const es = timeBarredDisclosure(state, 'es');
      assert.notEqual(en, FEDERAL_TIME_BARRED_DISCLOSURE.en, state);
      assert.notEqual(es, FEDERAL_TIME_BARRED_DISCLOSURE.es, state);
      assert.match(en, /sue/i, state);
      assert.match(es, /deuda/i, state);
      assert.match(es, /demand/i, state);
      assert.doesNotMatch(es, /\bthe\b|\bdebt\b/i, `${state}: Spanish text contains English`);
      for (const text of [en, es]) {
        const names = placeholdersIn(text);
        assert.ok(names.length > 0, `${state}: no {{creditorName}}`);
        assert.deepEqual([...new Set(names)], [...TIME_BARRED_DISCLOSURE_PLACEHOLDERS], state);
      }
    }
  });

  it('finds a state text whatever the case of the code', () => {
    assert.equal(timeBarredDisclosure('ca', 'en'), timeBarredDisclosure('CA', 'en'));
    assert.match(timeBarredDisclosure('CA', 'en'), /^The law limits how long you can be sued on a debt\. Because of the age of your debt, we will not sue you for it\. If you do not pay the debt, \{\{creditorName\}\} may report/);
    assert.match(timeBarredDisclosure('NY', 'en'), /New York State Department of Financial Services/);
  });
});
