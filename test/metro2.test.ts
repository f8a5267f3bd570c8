/**
 * The Metro 2 format without any server: the layouts, the writer, the reader, the validator on good
 * and corrupted files, and the rules of what a collector furnishes for an account (furnish.ts),
 * each record compared field by field with the values expected.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AccountReportingFacts } from '../src/domain/credit-reporting';
import { writeMetro2File } from '../src/domain/metro2/file';
import { BASE, HEADER, K1, LAYOUTS, TRAILER } from '../src/domain/metro2/format';
import { furnish, splitName, type FurnishInput, type LedgerFigures } from '../src/domain/metro2/furnish';
import { readRecord, writeRecord } from '../src/domain/metro2/record';
import { validateMetro2File } from '../src/domain/metro2/validate';
import { reportingFacts } from './helpers/reporting-facts';

const header = {
  equifaxProgramIdentifier: 'EFX1234567',
  activityDate: '2026-11-30',
  dateCreated: '2026-12-02',
  reporterName: 'DUNNING COLLECTIONS',
  reporterAddress: '1 COLLECTOR WAY, SPRINGFIELD, NY 10001',
  reporterTelephoneNumber: 5555550100,
};
const base = (overrides: Record<string, unknown> = {}) => ({
  timeStamp: '2026-12-02T10:11:12Z',
  identificationNumber: 'DUNN00001',
  consumerAccountNumber: 'ACC-1',
  portfolioType: 'O',
  accountType: '48',
  dateOpened: '2026-09-15',
  highestCredit: 1234,
  termsDuration: '001',
  accountStatus: '93',
  paymentHistoryProfile: 'GGBBBBBBBBBBBBBBBBBBBBBB',
  currentBalance: 1000,
  amountPastDue: 1000,
  dateOfAccountInformation: '2026-11-30',
  dateOfFirstDelinquency: '2026-08-31',
  surname: 'DOE',
  firstName: 'JANE',
  ecoaCode: '1',
  countryCode: 'US',
  firstLineOfAddress: '1 MAIN ST',
  city: 'ALBANY',
  state: 'NY',
  postalCode: '12207',
  ...overrides,
});
const k1 = { originalCreditorName: 'METRO POWER & LIGHT', creditorClassification: '10' };
const goodFile = () => writeMetro2File({ header, records: [{ base: base(), k1 }, { base: base({ consumerAccountNumber: 'ACC-2', accountStatus: '62', currentBalance: 0, amountPastDue: 0, specialComment: 'AU' }), k1 }] });
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('the Metro 2 layouts', () => {
  for (const layout of LAYOUTS)
    it(`${layout.name}: the fields follow one another and cover ${layout.length} characters exactly`, () => {
      let next = 1;
      for (const field of layout.fields) {
        assert.equal(field.start, next, `${field.name} starts at ${field.start}`);
        next += field.width;
      }
      assert.equal(next - 1, layout.length);
      assert.equal(new Set(layout.fields.map((f) => f.key)).size, layout.fields.length, 'keys are unique');
    });

  it('places the base segment fields where the CRRG puts them (1-based positions)', () => {
    const line = writeRecord(BASE, { ...base(), recordDescriptorWord: 426 });
    const at = (start: number, width: number) => line.slice(start - 1, start - 1 + width);
    assert.equal(at(1, 4), '0426');
    assert.equal(at(5, 1), '1', 'processing indicator');
    assert.equal(at(6, 14), '12022026101112', 'time stamp MMDDYYYYHHMMSS');
    assert.equal(at(21, 20), 'DUNN00001'.padEnd(20));
    assert.equal(at(43, 30), 'ACC-1'.padEnd(30));
    assert.equal(at(73, 1), 'O');
    assert.equal(at(74, 2), '48');
    assert.equal(at(76, 8), '09152026', 'date opened');
    assert.equal(at(93, 9), '000001234', 'highest credit, zero-filled');
    assert.equal(at(102, 3), '001');
    assert.equal(at(124, 2), '93', 'account status 17A');
    assert.equal(at(127, 24), 'GGBBBBBBBBBBBBBBBBBBBBBB');
    assert.equal(at(155, 9), '000001000', 'current balance');
    assert.equal(at(182, 8), '11302026', 'date of account information');
    assert.equal(at(190, 8), '08312026', 'date of first delinquency');
    assert.equal(at(232, 25), 'DOE'.padEnd(25));
    assert.equal(at(257, 20), 'JANE'.padEnd(20));
    assert.equal(at(298, 9), '000000000', 'no SSN: zero-filled');
    assert.equal(at(325, 1), '1', 'ECOA');
    assert.equal(at(330, 32), '1 MAIN ST'.padEnd(32));
    assert.equal(at(414, 2), 'NY');
    assert.equal(at(416, 9), '12207    ');
  });

  it('the writer refuses what does not fit, naming the field', () => {
    assert.throws(() => writeRecord(BASE, base({ currentBalance: 1_000_000_000 })), /Current Balance \(field 21, positions 155–163\): 1000000000 needs 10 digits; the field has 9/);
    assert.throws(() => writeRecord(BASE, base({ surname: 'doe' })), /Surname \(field 30, positions 232–256\): "doe" has characters the format does not allow/);
    assert.throws(() => writeRecord(BASE, base({ amountPastDue: -5 })), /Amount Past Due \(field 22, positions 164–172\): -5 is not a whole number of at least 0/);
    assert.throws(() => writeRecord(BASE, base({ dateOpened: '2026-02-30' })), /Date Opened \(field 10, positions 76–83\): not a date/);
    assert.throws(() => writeRecord(K1, { originalCreditorName: 'X'.repeat(31), creditorClassification: '10' }), /Original Creditor Name \(field 2, positions 3–32\)/);
  });
});

describe('a Metro 2 file', () => {
  it('has a header, one record per account with its K1 segment (RDW 0460), and a trailer with the totals', () => {
    const text = goodFile();
    const [h, r1, r2, t] = lines(text);
    assert.equal(lines(text).length, 4);
    assert.equal(h!.length, 426);
    assert.equal(r1!.length, 460);
    assert.equal(r1!.slice(0, 4), '0460');
    assert.equal(r1!.slice(426, 428), 'K1');
    assert.deepEqual(readRecord(K1, r2!, 426), { segmentIdentifier: 'K1', originalCreditorName: 'METRO POWER & LIGHT', creditorClassification: '10' });
    const trailer = readRecord(TRAILER, t!);
    assert.equal(trailer.recordIdentifier, 'TRAILER');
    assert.equal(trailer.totalBaseRecords, '000000002');
    assert.equal(trailer.totalStatus93, '000000001');
    assert.equal(trailer.totalStatus62, '000000001');
    assert.equal(trailer.totalOriginalCreditorSegments, '000000002');
    assert.equal(trailer.totalSocialSecurityNumbersAll, '000000000');
    const head = readRecord(HEADER, h!);
    assert.equal(head.recordIdentifier, 'HEADER');
    assert.equal(head.activityDate, '11302026');
    assert.equal(head.reporterName, 'DUNNING COLLECTIONS');
  });

  it('reads back without a problem', () => {
    const { problems, summary } = validateMetro2File(goodFile());
    assert.deepEqual(problems, []);
    assert.deepEqual(summary, { baseRecords: 2, statusCounts: { '93': 1, '62': 1 }, k1Segments: 2 });
  });

  const corrupt = (line: number, position: number, text: string) => {
    const all = lines(goodFile());
    const target = all[line - 1]!;
    all[line - 1] = target.slice(0, position - 1) + text + target.slice(position - 1 + text.length);
    return all.join('\n') + '\n';
  };
  const problemsOf = (text: string) => validateMetro2File(text).problems.map((p) => `line ${p.line}, ${p.record}, ${p.field ?? '(record)'}: ${p.message}`);

  const cases: [string, () => string, RegExp][] = [
    ['an account status that is no code', () => corrupt(3, 124, 'ZZ'), /^line 3, base record 2 \(account ACC-2\), Account Status \(field 17A, positions 124–125\): "ZZ" is not a code this field takes/],
    ['a letter in a money field', () => corrupt(2, 155, '00000A000'), /^line 2, base record 1 \(account ACC-1\), Current Balance \(field 21, positions 155–163\): must be digits, zero-filled; found "00000A000"/],
    ['a date that is no date', () => corrupt(2, 190, '13452026'), /^line 2, base record 1 \(account ACC-1\), FCRA Compliance\/Date of First Delinquency \(field 25, positions 190–197\): must be a date MMDDYYYY or zeros; found "13452026"/],
    ['lower case in a name', () => corrupt(2, 232, 'doe'), /Surname \(field 30, positions 232–256\): has characters the format does not allow/],
    ['a payment rating with status 93', () => corrupt(2, 126, '1'), /Payment Rating \(field 17B, position 126\): must be blank with account status 93/],
    ['a compliance condition code that does not exist', () => corrupt(2, 153, 'XZ'), /Compliance Condition Code \(field 20, positions 153–154\): "XZ" is not a code/],
    ['a "B" inside the payment history', () => corrupt(2, 127, 'GBG'), /Payment History Profile \(field 18, positions 127–150\): "B" \(no history before this month\) may not be followed/],
    ['a missing date of first delinquency on a collection', () => corrupt(2, 190, '00000000'), /FCRA Compliance\/Date of First Delinquency \(field 25, positions 190–197\): is required with account status 93/],
    ['a K1 classification that does not exist', () => corrupt(2, 459, '99'), /^line 2, K1 segment of base record 1 \(account ACC-1\), Creditor Classification \(field 3, positions 33–34\): "99" is not a code/],
    ['an RDW that does not match the record', () => corrupt(2, 1, '0426'), /Record Descriptor Word \(field 1, positions 1–4\): says 426 characters, but the record has 460/],
    ['a trailer count that does not match', () => corrupt(4, 12, '000000003'), /^line 4, trailer, Total Base Records \(field 3, positions 12–20\): says 3, but the file holds 2/],
    ['a record cut short', () => lines(goodFile()).map((l, i) => (i === 1 ? l.slice(0, 300) : l)).join('\n'), /^line 2, base record 1 \(account ACC-1\), \(record\): is 300 characters; a base segment alone has 426/],
    ['no trailer', () => lines(goodFile()).slice(0, 3).join('\n'), /^line 3, trailer, \(record\): the last record must be the trailer record/],
  ];
  for (const [name, make, expected] of cases)
    it(`rejects ${name}, naming the record and the field`, () => {
      const found = problemsOf(make());
      assert.ok(found.some((p) => expected.test(p)), `expected ${expected} among:\n${found.join('\n')}`);
    });
});

// ---- what a collector furnishes ---------------------------------------------------------------------

const facts = reportingFacts;
const ledger = (overrides: Partial<LedgerFigures> = {}): LedgerFigures => ({
  originalAmountMinor: 1234_56,
  balanceMinor: 1034_56,
  pastDueMinor: 1000_99,
  oldestDueDate: '2026-08-01',
  paymentsInMonthMinor: 200_00,
  lastPaymentDate: '2026-11-10',
  chargedOffMinor: 0,
  ...overrides,
});
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const input = (overrides: Partial<FurnishInput> = {}): FurnishInput => ({
  month: '2026-11',
  createdAt: '2026-12-02T10:00:00Z',
  facts: facts(),
  ledger: ledger(),
  settings: { identificationNumber: 'DUNN00001', accountType: '48', originalCreditorName: 'Metro Power & Light', creditorClassification: '10' },
  previous: null,
  sameMonth: null,
  fingerprint: sha,
  ...overrides,
});
const reported = (i: FurnishInput) => {
  const result = furnish(i);
  assert.equal(result.kind, 'report', result.kind === 'skip' ? result.reason : '');
  return result as Extract<ReturnType<typeof furnish>, { kind: 'report' }>;
};
/** The record as the file holds it, read back field by field. */
const fields = (i: FurnishInput) => {
  const r = reported(i);
  return readRecord(BASE, writeRecord(BASE, { ...r.base, recordDescriptorWord: 460 }));
};

describe('what a collector furnishes for an account', () => {
  it('an account in collection: status 93, the ledger figures in whole dollars, the first delinquency 30 days after the oldest due date', () => {
    const f = fields(input());
    assert.deepEqual(
      {
        status: f.accountStatus, portfolio: f.portfolioType, type: f.accountType, terms: f.termsDuration, opened: f.dateOpened,
        original: f.highestCredit, balance: f.currentBalance, pastDue: f.amountPastDue, paid: f.actualPaymentAmount, info: f.dateOfAccountInformation,
        dofd: f.dateOfFirstDelinquency, closed: f.dateClosed, lastPayment: f.dateOfLastPayment, ccc: f.complianceConditionCode, ecoa: f.ecoaCode,
        cii: f.consumerInformationIndicator, history: f.paymentHistoryProfile, correction: f.correctionIndicator,
      },
      {
        status: '93', portfolio: 'O', type: '48', terms: '001', opened: '09152026',
        original: '000001234', balance: '000001034', pastDue: '000001000', paid: '000000200', info: '11302026',
        dofd: '08312026', closed: '00000000', lastPayment: '11102026', ccc: '', ecoa: '1',
        cii: '', history: 'GGBBBBBBBBBBBBBBBBBBBBBB', correction: '0',
      },
    );
    assert.deepEqual(
      { surname: f.surname, first: f.firstName, middle: f.middleName, line1: f.firstLineOfAddress, city: f.city, state: f.state, zip: f.postalCode, phone: f.telephoneNumber, ssn: f.socialSecurityNumber, dob: f.dateOfBirth },
      { surname: 'DOE', first: 'JANE', middle: 'Q', line1: '1 MAIN ST., APT #4', city: 'ALBANY', state: 'NY', zip: '122071234', phone: '2125550123', ssn: '000000000', dob: '00000000' },
    );
    assert.deepEqual(reported(input()).k1, { originalCreditorName: 'METRO POWER & LIGHT', creditorClassification: '10' });
  });

  it('names: accents dropped, hyphens kept, a generation suffix in its own field', () => {
    assert.deepEqual(splitName('José Martínez-Reyes Jr.'), { surname: 'MARTINEZ-REYES', firstName: 'JOSE', middleName: '', generationCode: 'J' });
    assert.deepEqual(splitName('Ana María de la Cruz'), { surname: 'CRUZ', firstName: 'ANA', middleName: 'MARIA DE LA', generationCode: '' });
  });

  const statuses: [string, Partial<AccountReportingFacts>, Partial<LedgerFigures>, Record<string, string>][] = [
    ['paid in the month: 62, the date paid as date of account information and date closed, no balance', { stage: 'paid', endedAt: '2026-11-20T10:00:00Z' }, { balanceMinor: 0 }, { accountStatus: '62', specialComment: '', currentBalance: '000000000', amountPastDue: '000000000', dateOfAccountInformation: '11202026', dateClosed: '11202026', dateOfFirstDelinquency: '08312026' }],
    ['settled for less: 62 with special comment AU', { stage: 'settled', endedAt: '2026-11-20T10:00:00Z' }, { balanceMinor: 0 }, { accountStatus: '62', specialComment: 'AU' }],
    ['charged off: 97 with the amount charged off', { stage: 'charged_off', endedAt: '2026-11-05T10:00:00Z' }, { chargedOffMinor: 1034_56 }, { accountStatus: '97', originalChargeOffAmount: '000001034', currentBalance: '000001034' }],
    ['paid after the month: still 93 for that month', { stage: 'paid', endedAt: '2026-12-01T10:00:00Z' }, {}, { accountStatus: '93', dateClosed: '00000000' }],
    ['a dispute under investigation: XB', { dispute: { disputedAt: '2026-11-03T10:00:00Z', resolvedAt: null, consumerDisagrees: false } }, {}, { complianceConditionCode: 'XB' }],
    ['a dispute answered: XH', { dispute: { disputedAt: '2026-10-03T10:00:00Z', resolvedAt: '2026-11-03T10:00:00Z', consumerDisagrees: false } }, {}, { complianceConditionCode: 'XH' }],
    ['a dispute answered, the consumer disagreeing: XC', { dispute: { disputedAt: '2026-10-03T10:00:00Z', resolvedAt: '2026-11-03T10:00:00Z', consumerDisagrees: true } }, {}, { complianceConditionCode: 'XC' }],
    ['a dispute answered after the month: still XB for it', { dispute: { disputedAt: '2026-10-03T10:00:00Z', resolvedAt: '2026-12-03T10:00:00Z', consumerDisagrees: false } }, {}, { complianceConditionCode: 'XB' }],
    ['closed at the consumer’s request: XA', { stage: 'closed', endedAt: '2026-11-03T10:00:00Z', closedAtConsumerRequest: true }, {}, { accountStatus: '93', complianceConditionCode: 'XA' }],
    ['closed at the consumer’s request while disputed: XD', { stage: 'closed', endedAt: '2026-11-03T10:00:00Z', closedAtConsumerRequest: true, dispute: { disputedAt: '2026-11-01T10:00:00Z', resolvedAt: null, consumerDisagrees: false } }, {}, { complianceConditionCode: 'XD' }],
    ['a deceased consumer: ECOA X', { deceasedAt: '2026-11-03T10:00:00Z', stage: 'closed', endedAt: '2026-11-03T10:00:00Z' }, {}, { accountStatus: '93', ecoaCode: 'X' }],
    ['a Chapter 13 petition: indicator D', { bankruptcy: { at: '2026-11-03T10:00:00Z', chapter: 13 }, stage: 'closed', endedAt: '2026-11-03T10:00:00Z' }, {}, { accountStatus: '93', consumerInformationIndicator: 'D' }],
    ['a petition of no known chapter: indicator Z', { bankruptcy: { at: '2026-11-03T10:00:00Z', chapter: null } }, {}, { consumerInformationIndicator: 'Z' }],
    ['charged off before the month: L in the history', { stage: 'charged_off', endedAt: '2026-10-05T10:00:00Z' }, { chargedOffMinor: 1000_00 }, { accountStatus: '97', paymentHistoryProfile: 'LGBBBBBBBBBBBBBBBBBBBBBB' }],
  ];
  for (const [name, f, l, expected] of statuses)
    it(name, () => {
      const record = fields(input({ facts: facts(f), ledger: ledger(l) }));
      for (const [key, value] of Object.entries(expected)) assert.equal(record[key], value, key);
    });

  const skips: [string, Partial<FurnishInput>, RegExp][] = [
    ['nothing before §1006.30(a) allows it (a letter 10 days before the month’s end)', { facts: facts({ enrolledAt: '2026-11-20T10:00:00Z', firstMessageAt: '2026-11-20T10:00:05Z' }) }, /^Regulation F §1006\.30\(a\): waiting 14 days for a notice of undeliverability \(from 2026-12-04\)/],
    ['nothing without a letter, an email or a conversation', { facts: facts({ firstMessageAt: null }) }, /no conversation and no letter or email/],
    ['a medical collection under $500', { settings: { identificationNumber: 'D1', accountType: '48', originalCreditorName: 'Valley Clinic', creditorClassification: '02' }, ledger: ledger({ originalAmountMinor: 499_99, oldestDueDate: '2025-01-01' }) }, /medical collection with an initial balance under \$500/],
    ['a paid medical collection', { settings: { identificationNumber: 'D1', accountType: '48', originalCreditorName: 'Valley Clinic', creditorClassification: '02' }, facts: facts({ stage: 'paid', endedAt: '2026-11-03T10:00:00Z' }), ledger: ledger({ oldestDueDate: '2025-01-01' }) }, /paid medical collection/],
    ['a medical collection within a year of its first delinquency', { settings: { identificationNumber: 'D1', accountType: '48', originalCreditorName: 'Valley Clinic', creditorClassification: '02' } }, /not reported until a year after the date of first delinquency \(2027-08-31\)/],
    ['an account placed with an attorney before it was ever furnished', { facts: facts({ stage: 'placed', endedAt: '2026-11-03T10:00:00Z' }) }, /placed with another agency or attorney/],
    ['an obsolete debt', { ledger: ledger({ oldestDueDate: '2019-01-01' }) }, /obsolete: the delinquency of 2019-01-31/],
    ['an account reported paid before', { previous: { month: '2026-10', status: '62', fingerprint: 'x' } }, /reported paid in the file for 2026-10/],
    ['an account deleted before', { previous: { month: '2026-10', status: 'DA', fingerprint: 'x' } }, /deleted in the file for 2026-10/],
    ['a consumer whose personal data was purged', { facts: facts({ consumer: null }) }, /personal data purged/],
    ['a one-word name', { facts: facts({ consumer: { ...facts().consumer!, name: 'Cher' } }) }, /needs a first name and a surname/],
  ];
  for (const [name, overrides, reason] of skips)
    it(`does not furnish ${name}`, () => {
      const result = furnish(input(overrides));
      assert.equal(result.kind, 'skip');
      assert.match((result as { reason: string }).reason, reason);
    });

  it('a medical collection of $500 or more, unpaid a year after its first delinquency, is furnished', () => {
    const medical = { identificationNumber: 'D1', accountType: '48' as const, originalCreditorName: 'Valley Clinic', creditorClassification: '02' as const };
    assert.equal(fields(input({ settings: medical, ledger: ledger({ originalAmountMinor: 500_00, oldestDueDate: '2025-10-01' }) })).accountStatus, '93');
  });

  it('deletes (DA) what was furnished and may no longer be: paid medical, placed, returned to the creditor', () => {
    const previous = { month: '2026-10', status: '93' as const, fingerprint: 'x' };
    const medical = { identificationNumber: 'D1', accountType: '48' as const, originalCreditorName: 'Valley Clinic', creditorClassification: '02' as const };
    const paidMedical = fields(input({ previous, settings: medical, facts: facts({ stage: 'paid', endedAt: '2026-11-03T10:00:00Z' }), ledger: ledger({ oldestDueDate: '2025-01-01' }) }));
    assert.deepEqual([paidMedical.accountStatus, paidMedical.currentBalance, paidMedical.dateOfFirstDelinquency, paidMedical.complianceConditionCode], ['DA', '000000000', '00000000', '']);
    assert.equal(fields(input({ previous, facts: facts({ stage: 'placed', endedAt: '2026-11-03T10:00:00Z' }) })).accountStatus, 'DA');
    assert.equal(fields(input({ previous, facts: facts({ stage: 'closed', endedAt: '2026-11-03T10:00:00Z' }) })).accountStatus, 'DA');
  });

  it('once furnished, an account keeps being furnished even if §1006.30(a) would not allow a first report', () => {
    const later = input({ facts: facts({ firstMessageAt: null }), previous: { month: '2026-10', status: '93', fingerprint: 'x' } });
    assert.equal(fields(later).accountStatus, '93');
  });

  it('the date of first delinquency never moves: payments, a reopened account, a later fee leave it where the oldest due date put it', () => {
    const first = fields(input());
    const afterFee = fields(input({ month: '2027-02', ledger: ledger({ balanceMinor: 1500_00, oldestDueDate: '2026-08-01', lastPaymentDate: '2027-01-20' }) }));
    assert.equal(first.dateOfFirstDelinquency, '08312026');
    assert.equal(afterFee.dateOfFirstDelinquency, '08312026');
  });

  it('a month written again with other content is a correction (indicator 1); the same content is not', () => {
    const original = reported(input());
    assert.equal(reported(input({ sameMonth: { month: '2026-11', status: '93', fingerprint: original.fingerprint } })).correction, false);
    const changed = input({ ledger: ledger({ balanceMinor: 900_00 }), sameMonth: { month: '2026-11', status: '93', fingerprint: original.fingerprint } });
    assert.equal(reported(changed).correction, true);
    assert.equal(fields(changed).correctionIndicator, '1');
    assert.equal(reported(input({ createdAt: '2026-12-05T00:00:00Z' })).fingerprint, original.fingerprint, 'the time stamp alone changes nothing');
  });

  it('every furnished record passes the validator', () => {
    const records = [...statuses.map(([, f, l]) => reported(input({ facts: facts(f), ledger: ledger(l) })))].map((r) => ({ base: r.base, k1: r.k1 }));
    const { problems } = validateMetro2File(writeMetro2File({ header, records }));
    assert.deepEqual(problems, []);
  });
});
