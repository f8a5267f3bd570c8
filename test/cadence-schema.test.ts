import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCadenceFile, parseCadence } from '../src/schemas/cadence.schema';
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

  it('accepts the YAML sample cadences and names faults in the engine v2 fields', () => {
    for (const name of ['utility', 'auto-loan', 'medical']) assert.ok(loadCadenceFile(join(ROOT, 'cadences', `${name}.yaml`)).steps.length >= 6);
    const base = { name: 'x', version: 1, templates: { t: { en: { subject: 'S', text: 'T {{collateralVin}}' } }, p: { en: { subject: 'P', text: 'placed' } } } };
    const message = errorOf({
      ...base,
      steps: [
        { id: 'a', action: 'email', after: '0d', template: 't', from: 'previous_step' },
        { id: 'b', action: 'place_account', after: '10d', template: 'p' },
        { id: 'c', action: 'sms', after: '12h', businessDays: true },
        { id: 'd', action: 'wait', after: '20d', template: 'p', atLocalTime: '25:00' },
      ],
    });
    assert.match(message, /steps\.0\.from: step "a": the first step has no previous step/);
    assert.match(message, /steps\.1\.action: step "b": place_account ends the account, so it must be the last step/);
    assert.match(message, /steps\.2\.businessDays: step "c": business days need an offset in days/);
    assert.match(message, /steps\.2\.template: step "c": an sms step needs a template/);
    assert.match(message, /steps\.3\.atLocalTime: must be a local time HH:MM/);
    assert.match(message, /templates\.t\.en\.text: .*\{\{collateralVin\}\} exists only for auto_loan accounts/);
  });

  it('refuses an email or SMS text without a way to opt out', () => {
    const doc = standard();
    doc.templates.reminder.es.text = 'Pague ya: {{paymentLink}}';
    assert.match(errorOf(doc), /templates\.reminder\.es\.text: step "reminder-sms": an sms text must tell how to opt out/);
  });

  it('allows a product variable where only that product can reach the template', () => {
    const cadence = parseCadence({
      name: 'cars', version: 1, products: ['auto_loan'],
      steps: [{ id: 'a', action: 'email', after: '0d', template: 't' }],
      templates: { t: { en: { subject: 'VIN {{collateralVin}}', text: 'Vehicle {{collateralVin}}. Reply STOP to opt out.' } } },
    });
    assert.equal(cadence.products![0], 'auto_loan');
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

describe('HTML parts', () => {
  const cadence = parseCadence({
    name: 'html', version: 1,
    steps: [{ id: 'a', action: 'email', after: '0d', template: 't' }],
    templates: { t: { en: { subject: 'Account of {{debtorName}}', text: 'Dear {{debtorName}}. Reply STOP to opt out.', html: '<p>Dear {{debtorName}},</p><p><a href="{{paymentLink}}">Pay</a> or reply STOP.</p>' } } },
  });
  const phishing = '<a href="https://evil.example">Pay here</a>';

  it('escapes every substituted value in the HTML part; the text part and subject stay plain', () => {
    const account = makeAccount({ debtorName: phishing });
    const values = templateValues(account, { amountMinor: 100_00, currency: 'USD' }, { ...settings, paymentLinkBaseUrl: 'https://pay.example.test/?a=1&b=2' });
    const message = renderStepMessage(cadence, cadence.steps[0]!, 'en', values);
    assert.equal(message.html!.split('</p>')[0], '<p>Dear &#60;a href=&#34;https://evil.example&#34;&#62;Pay here&#60;/a&#62;,');
    assert.doesNotMatch(message.html!, /evil\.example">/);
    assert.match(message.html!, /<a href="https:\/\/pay\.example\.test\/\?a=1&#38;b=2\/[^"]+">Pay<\/a>/, 'the template\'s own markup stays, the link\'s & is escaped');
    assert.equal(message.text, `Dear ${phishing}. Reply STOP to opt out.`);
    assert.equal(message.subject, `Account of ${phishing}`);
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
