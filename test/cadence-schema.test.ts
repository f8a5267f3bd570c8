import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCadence } from '../src/schemas/cadence.schema';
import { renderStepMessage, templateValues } from '../src/domain/cadence';
import { formatMoney } from '../src/domain/money';
import { makeAccount, ROOT, settings } from './helpers/fixtures';

const standard = () => JSON.parse(readFileSync(join(ROOT, 'cadences', 'standard.json'), 'utf8'));

function errorOf(document: unknown): string {
  try {
    parseCadence(document, 'test.json');
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected the cadence to be refused');
}

describe('cadence documents', () => {
  it('accepts the shipped cadences', () => {
    for (const name of ['standard', 'demo']) {
      const cadence = parseCadence(JSON.parse(readFileSync(join(ROOT, 'cadences', `${name}.json`), 'utf8')));
      assert.equal(cadence.steps.length, 3);
    }
  });

  it('names the step and field of an unknown template', () => {
    const doc = standard();
    doc.steps[1].template = 'missing';
    assert.match(errorOf(doc), /steps\.1\.template: step "reminder-sms": unknown template "missing"/);
  });

  it('refuses a template variable that does not exist, when the cadence is saved', () => {
    const doc = standard();
    doc.templates.final.es.text += ' {{ssn}}';
    assert.match(errorOf(doc), /templates\.final\.es\.text: .*unknown variable \{\{ssn\}\}/);
  });

  it('refuses steps out of order, bad durations and an email without a subject', () => {
    const doc = standard();
    doc.steps[2].after = '1d';
    doc.steps[0].after = 'tomorrow';
    delete doc.templates.notice.en.subject;
    const message = errorOf(doc);
    assert.match(message, /steps\.0\.after: must be a duration/);
    assert.match(message, /templates\.notice\.en\.subject: step "notice-email": an email template needs a subject/);
  });

  it('refuses steps out of ascending order', () => {
    const doc = standard();
    doc.steps[2].after = '1d';
    assert.match(errorOf(doc), /steps\.2\.after: step "final-email": steps must be in ascending order/);
  });

  it('renders Spanish templates and falls back to English', () => {
    const cadence = parseCadence(standard());
    const account = makeAccount({ language: 'es', balanceMinor: 1234_56 });
    const values = templateValues(account, { amountMinor: 1234_56, currency: 'USD' }, settings);
    const message = renderStepMessage(cadence, cadence.steps[0]!, 'es', values);
    assert.match(message.subject!, /^Su cuenta/);
    assert.match(message.text, /1234,56|1\.234,56|1,234\.56/);
  });
});

describe('money formatting', () => {
  it('formats integer minor units exactly, whatever the currency exponent', () => {
    assert.equal(formatMoney({ amountMinor: 46012, currency: 'USD' }), '$460.12');
    assert.equal(formatMoney({ amountMinor: 5, currency: 'USD' }), '$0.05');
    assert.equal(formatMoney({ amountMinor: 900719925474099, currency: 'USD' }), '$9,007,199,254,740.99');
    assert.equal(formatMoney({ amountMinor: 1500, currency: 'JPY' }), '¥1,500');
    assert.match(formatMoney({ amountMinor: 1234, currency: 'KWD' }), /^KWD\s1\.234$/);
  });
});
