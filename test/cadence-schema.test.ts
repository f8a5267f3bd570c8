import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cadenceWarnings, loadCadenceFile, parseCadence } from '../src/schemas/cadence.schema';
import { cadenceCreditorProblems, creditorsUsingCadence, parseCreditorDirectory } from '../src/schemas/creditors.schema';
import { runCli } from '../src/starter';
import { renderStepMessage, templateValues } from '../src/domain/cadence';
import { formatMoney } from '../src/domain/money';
import { DEFAULT_ANSWER_TEMPLATES } from '../src/domain/answer-templates';
import { answerTemplatesSchema } from '../src/schemas/answer-templates.schema';
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

  it('takes a spread from a local time of day, ending by 21:00, and names the step when it does not', () => {
    const doc = standard();
    const i = doc.steps.findIndex((step: { after: string }) => step.after.endsWith('d') && step.after !== '0d');
    doc.steps[i] = { ...doc.steps[i], atLocalTime: '09:00', spread: '4h' };
    assert.equal(parseCadence(doc, 'test.json').steps[i]!.spread, '4h');
    for (const [change, expected] of [
      [{ atLocalTime: undefined, spread: '2h' }, `steps.${i}.spread: step "${doc.steps[i].id}": a spread needs a local time of day`],
      [{ atLocalTime: '19:00', spread: '3h' }, `steps.${i}.spread: step "${doc.steps[i].id}": 19:00 plus 3h ends after 21:00`],
      [{ atLocalTime: '08:00', spread: '13h' }, `steps.${i}.spread: must be between 1 minute and 12 hours`],
      [{ atLocalTime: '08:00', spread: '2d' }, `steps.${i}.spread: must be a duration in minutes or hours`],
    ] as const) {
      const bad = standard();
      bad.steps[i] = { ...bad.steps[i], ...change };
      assert.ok(errorOf(bad).includes(expected), `${JSON.stringify(change)}: ${errorOf(bad)}`);
    }
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

  describe('the debt-collector disclosure (15 U.S.C. 1692e(11), §1006.18(e)(2))', () => {
    it('refuses a collection email whose text or html does not say it is from a debt collector, naming the field and the step', () => {
      const doc = standard();
      doc.templates.final.en.text = 'Dear {{debtorName}}, {{balance}} remains unpaid: {{paymentLink}}. Reply STOP to opt out.';
      doc.templates.notice.en.html = '<p>Dear {{debtorName}}, pay at <a href="{{paymentLink}}">this link</a>. Reply STOP to opt out.</p>';
      const message = errorOf(doc);
      assert.match(message, /templates\.final\.en\.text: step "final-email": an email text must say that it is from a debt collector \("This is a communication from a debt collector", "cobrador de deudas"\)/);
      assert.match(message, /templates\.notice\.en\.html: step "notice-email": an email html must say that it is from a debt collector/);
      assert.doesNotMatch(message, /templates\.(final|notice)\.es/, 'the Spanish parts carry it');
    });

    it('refuses a Spanish SMS without it, naming its language', () => {
      const doc = standard();
      doc.templates.reminder.es.text = '{{creditorId}}: {{balance}} vencido. Pague: {{paymentLink}} Responda STOP para no recibir mensajes.';
      const message = errorOf(doc);
      assert.match(message, /templates\.reminder\.es\.text: step "reminder-sms": an sms text must say that it is from a debt collector/);
      assert.doesNotMatch(message, /templates\.reminder\.en/);
    });

    it('accepts a courtesy reminder before or on the due date without it (it is not collection); its collection steps still need it', () => {
      const cadence = parseCadence({
        name: 'courtesy', version: 1,
        steps: [
          { id: 'soon', action: 'email', from: 'due_date', after: '-3d', template: 'c' },
          { id: 'today', action: 'sms', from: 'due_date', after: '0d', template: 'cs' },
          { id: 'notice', action: 'email', after: '0d', template: 't' },
        ],
        templates: {
          c: { en: { subject: 'Your payment is due soon', text: '{{balance}} is due on {{dueDate}}. Reply STOP to opt out.' } },
          cs: { en: { text: '{{balance}} is due today. Reply STOP to opt out.' }, es: { text: '{{balance}} vence hoy. Responda STOP para no recibir mensajes.' } },
          t: { en: { subject: 'Account {{accountId}}', text: '{{balance}} is unpaid. This is a communication from a debt collector. Reply STOP to opt out.' } },
        },
      });
      assert.equal(cadence.steps.length, 3);
    });

    it('the shipped cadences all carry it in their collection emails and texts', () => {
      for (const file of readdirSync(join(ROOT, 'cadences'))) assert.ok(loadCadenceFile(join(ROOT, 'cadences', file)).steps.length > 0, file);
    });
  });

  it('allows a product variable where only that product can reach the template', () => {
    const cadence = parseCadence({
      name: 'cars', version: 1, products: ['auto_loan'],
      steps: [{ id: 'a', action: 'email', after: '0d', template: 't' }],
      templates: { t: { en: { subject: 'VIN {{collateralVin}}', text: 'Vehicle {{collateralVin}}. Reply STOP to opt out. This is a communication from a debt collector.' } } },
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

describe('threats in cadence messages (§1006.26(b), §1006.38(b))', () => {
  const letterCadence = (text: string, marks: object = {}, action = 'letter') => ({
    name: 'threat', version: 1,
    steps: [{ id: 'warn', action, after: '20d', template: 'w', ...marks }],
    templates: { w: { en: { subject: 'Notice', text: `${text} Reply STOP to opt out.` } } },
  });

  it('refuses a template speaking of attorneys, a suit, a court or legal action on a step not marked threatensSuit', () => {
    for (const text of ['The account may be referred to an attorney.', 'We may file suit.', 'We will sue you.', 'See you in court.', 'We may take legal action.', 'Podemos presentar una demanda.'])
      assert.match(errorOf(letterCadence(text)), /steps\.0\.threatensSuit: step "warn": its template "w" \(en\) speaks of legal action/, text);
    assert.equal(parseCadence(letterCadence('We may file suit.', { threatensSuit: true })).steps[0]!.threatensSuit, true);
    // "A plan to suit you" is no suit; an order to an attorney's office is legal action too.
    parseCadence(letterCadence('We can set up a plan to suit you.'));
    assert.match(errorOf(letterCadence('Placed with our attorney.', {}, 'place_account')), /steps\.0\.threatensSuit/);
  });

  it('refuses a message to the debtor threatening a remedy on a step not marked threatensRemedy', () => {
    for (const text of ['Service may be disconnected.', 'The vehicle may be repossessed.', 'Your loan is in default.', 'Wages may be garnished.'])
      assert.match(errorOf(letterCadence(text)), /steps\.0\.threatensRemedy: step "warn": its template "w" \(en\) threatens a remedy/, text);
    parseCadence(letterCadence('Service may be disconnected.', { threatensRemedy: true }));
    // An order to the creditor's own system names the remedy without threatening the debtor.
    parseCadence({ ...letterCadence('Repossess VIN {{collateralVin}}.', {}, 'order_repossession'), products: ['auto_loan'] });
  });

  it('flags each step threatening a remedy that can fall inside the validation period', () => {
    const cadence = parseCadence({
      name: 'flags', version: 1,
      steps: [
        { id: 'early', action: 'letter', after: '14d', template: 'w', threatensRemedy: true },
        { id: 'chained', action: 'letter', after: '20d', from: 'previous_step', template: 'w', threatensRemedy: true },
        { id: 'late', action: 'letter', after: '45d', template: 'w', threatensRemedy: true },
        { id: 'due', action: 'letter', after: '30d', from: 'due_date', template: 'w', threatensRemedy: true },
        { id: 'plain', action: 'letter', after: '46d', template: 'p' },
      ],
      templates: { w: { en: { subject: 'Notice', text: 'Service may be disconnected.' } }, p: { en: { subject: 'Notice', text: 'Please pay.' } } },
    });
    const warnings = cadenceWarnings(cadence);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /^steps\.0 \(early\): threatens a remedy and comes on day 14 after enrollment, inside the validation period \(it ends 35-41 days/);
    assert.match(warnings[1]!, /^steps\.1 \(chained\): .*day 34 after enrollment/);
    assert.match(warnings[2]!, /^steps\.3 \(due\): threatens a remedy and is counted from the due date/);
    // The shipped cadences: the auto-loan notice of default (day 14) and the utility disconnection warning (day 35).
    assert.deepEqual(cadenceWarnings(loadCadenceFile(join(ROOT, 'cadences', 'auto-loan.yaml'))).map((w) => w.split(':')[0]), ['steps.3 (default-letter)']);
    assert.deepEqual(cadenceWarnings(loadCadenceFile(join(ROOT, 'cadences', 'utility.yaml'))).map((w) => w.split(':')[0]), ['steps.5 (disconnection-warning)']);
  });

  it('the shipped cadences mark every step that threatens or starts legal action', () => {
    const medical = loadCadenceFile(join(ROOT, 'cadences', 'medical.yaml'));
    assert.deepEqual(medical.steps.filter((s) => s.threatensSuit).map((s) => s.id), ['final-letter', 'placement']);
  });
});

describe('cadences and the creditors that use them', () => {
  const withCalls = () => loadCadenceFile(join(ROOT, 'cadences', 'utility.yaml'));
  const directory = (contactPersonName?: string) =>
    parseCreditorDirectory({
      creditors: [{ id: 'cred-a', name: 'A', mailingAddress: ['1 A St'], creditDepartmentEmail: 'a@example.test', ...(contactPersonName ? { contactPersonName } : {}) }, { id: 'cred-b', name: 'B', mailingAddress: ['1 B St'], creditDepartmentEmail: 'b@example.test' }],
      segmentation: { 'cred-a': { rules: [{ product: 'utility', cadence: 'utility' }] } },
    });

  it('a cadence with call steps needs a contact person at every creditor whose segmentation uses it', () => {
    const problems = cadenceCreditorProblems(withCalls(), directory());
    assert.deepEqual(problems, ['creditor cred-a uses cadence utility (segmentation rule 1), whose call steps leave a voicemail, but has no contactPersonName: a limited-content voicemail must name a person the debtor can call back (§1006.2(j))']);
    assert.deepEqual(cadenceCreditorProblems(withCalls(), directory('Dana Whitfield')), []);
    // cred-b runs the directory default (standard), which has no calls.
    assert.deepEqual(cadenceCreditorProblems(loadCadenceFile(join(ROOT, 'cadences', 'standard.json')), directory()), []);
    assert.deepEqual(creditorsUsingCadence(directory(), 'standard').map((u) => [u.creditor.id, u.how]), [['cred-a', "the directory's default cadence"], ['cred-b', "the directory's default cadence"]]);
  });

  it('the command line refuses to save (or pass) such a cadence, naming the creditor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creditors-'));
    const file = join(dir, 'creditors.json');
    writeFileSync(file, JSON.stringify({ creditors: [{ id: 'cred-a', name: 'A', mailingAddress: ['1 A St'], creditDepartmentEmail: 'a@example.test' }], segmentation: { 'cred-a': { rules: [{ cadence: 'utility' }] } } }));
    const previous = { CREDITORS_FILE: process.env.CREDITORS_FILE, DATABASE_URL: process.env.DATABASE_URL };
    process.env.CREDITORS_FILE = file;
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none'; // refused before any database is reached
    try {
      let output = '';
      const code = await runCli(['cadence', 'save', join(ROOT, 'cadences', 'utility.yaml')], (t) => (output += t));
      assert.equal(code, 1);
      assert.match(output, /cadence utility v2 not saved:\n {2}creditor cred-a uses cadence utility \(segmentation rule 1\).*no contactPersonName/);
      output = '';
      assert.equal(await runCli(['cadence', 'validate', join(ROOT, 'cadences', 'auto-loan.yaml')], (t) => (output += t)), 0);
      assert.match(output, /is valid \(6 steps\)\n {2}note: steps\.3 \(default-letter\): threatens a remedy/);
    } finally {
      for (const [name, value] of Object.entries(previous)) if (value === undefined) delete process.env[name]; else process.env[name] = value;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('answer templates (answers to debtors\' questions)', () => {
  const answers = (es: Record<string, string> = {}) => ({
    en: { subject: 'Re: {{accountId}}', text: 'Hello {{debtorName}}, {{answer}} Balance: {{balance}}. A debt collector. Write to {{optOutEmail}} to stop emails.', sms: '{{answer}} (debt collector) Reply STOP to opt out.' },
    es: { subject: 'Re: {{accountId}}', text: 'Hola {{debtorName}}, {{answer}} Cobrador de deudas. Escriba a {{optOutEmail}}.', sms: '{{answer}} (cobrador de deudas) Responda STOP.', ...es },
  });

  it('a cadence may carry its own; they are checked when it is loaded', () => {
    const cadence = parseCadence({ ...standard(), answerTemplates: answers() });
    assert.equal(cadence.answerTemplates!.en.subject, 'Re: {{accountId}}');
  });

  it('a bad one is refused at load, naming the language and the field', () => {
    const refused = errorOf({ ...standard(), answerTemplates: answers({ sms: '{{answer}} {{balanceDue}} Responda STOP.' }) });
    assert.match(refused, /answerTemplates\.es\.sms: unknown variable \{\{balanceDue\}\}; an answer knows debtorName, creditorId, accountId, balance/);
    // The operator's answer must have a place, and a product's variable is not every account's.
    assert.match(errorOf({ ...standard(), answerTemplates: answers({ text: 'Hola {{debtorName}}. Escriba a {{optOutEmail}}.' }) }), /answerTemplates\.es\.text: must contain \{\{answer\}\}/);
    assert.match(errorOf({ ...standard(), answerTemplates: answers({ sms: '{{answer}} {{serviceId}} Responda STOP.' }) }), /answerTemplates\.es\.sms: unknown variable \{\{serviceId\}\}/);
    assert.match(errorOf({ ...standard(), answerTemplates: answers({ sms: '{{answer}}' }) }), /answerTemplates\.es\.sms: must tell how to opt out/);
    // §1006.18(e)(2): an answer says it is from a debt collector, in the email and in the SMS.
    assert.match(errorOf({ ...standard(), answerTemplates: answers({ sms: '{{answer}} Responda STOP.' }) }), /answerTemplates\.es\.sms: must say that it is from a debt collector/);
    assert.match(errorOf({ ...standard(), answerTemplates: { en: { ...answers().en, text: 'Hello {{debtorName}}, {{answer}} Write to {{optOutEmail}} to stop emails.' } } }), /answerTemplates\.en\.text: must say that it is from a debt collector/);
    assert.match(errorOf({ ...standard(), answerTemplates: { es: answers().es } }), /answerTemplates\.en: /);
    assert.match(errorOf({ ...standard(), answerTemplates: { en: { ...answers().en, html: '<p>x</p>' } } }), /answerTemplates\.en: Unrecognized key/);
  });

  it('a creditor may carry its own, checked when the directory is loaded', () => {
    const directory = (answerTemplates: unknown) => parseCreditorDirectory({ creditors: [{ id: 'cred-a', name: 'A', mailingAddress: ['1 A St'], creditDepartmentEmail: 'a@example.test', answerTemplates }] }, 'creditors.json');
    assert.equal(directory(answers()).creditors[0]!.answerTemplates!.es!.sms, '{{answer}} (cobrador de deudas) Responda STOP.');
    assert.throws(() => directory({ en: { ...answers().en, subject: 'About {{acount}}' } }), /creditors\.json is not valid:\n {2}creditors\.0\.answerTemplates\.en\.subject: unknown variable \{\{acount\}\}/);
  });

  it('the shipped default passes its own checks', () => {
    assert.equal(answerTemplatesSchema.safeParse(DEFAULT_ANSWER_TEMPLATES).success, true);
  });
});

describe('HTML parts', () => {
  const cadence = parseCadence({
    name: 'html', version: 1,
    steps: [{ id: 'a', action: 'email', after: '0d', template: 't' }],
    templates: { t: { en: { subject: 'Account of {{debtorName}}', text: 'Dear {{debtorName}}. Reply STOP to opt out. This is a communication from a debt collector.', html: '<p>Dear {{debtorName}},</p><p><a href="{{paymentLink}}">Pay</a> or reply STOP.</p><p>This is a communication from a debt collector.</p>' } } },
  });
  const phishing = '<a href="https://evil.example">Pay here</a>';

  it('escapes every substituted value in the HTML part; the text part and subject stay plain', () => {
    const account = makeAccount({ debtorName: phishing });
    const values = templateValues(account, { amountMinor: 100_00, currency: 'USD' }, { ...settings, paymentLinkBaseUrl: 'https://pay.example.test/?a=1&b=2' });
    const message = renderStepMessage(cadence, cadence.steps[0]!, 'en', values);
    assert.equal(message.html!.split('</p>')[0], '<p>Dear &#60;a href=&#34;https://evil.example&#34;&#62;Pay here&#60;/a&#62;,');
    assert.doesNotMatch(message.html!, /evil\.example">/);
    assert.match(message.html!, /<a href="https:\/\/pay\.example\.test\/\?a=1&#38;b=2\/[^"]+">Pay<\/a>/, 'the template\'s own markup stays, the link\'s & is escaped');
    assert.equal(message.text, `Dear ${phishing}. Reply STOP to opt out. This is a communication from a debt collector.`);
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
