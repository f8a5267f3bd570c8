/**
 * Reads a Metro 2 file back and checks it against the format: the header first and the trailer
 * last, each data record's length against its Record Descriptor Word, every field's width, type
 * and code (format.ts), the rules between fields the CRRG states (a payment rating only with the
 * statuses that take one, a date of first delinquency with the delinquent statuses, no "B" inside
 * the payment history), and the trailer's totals against the records. Every problem names the
 * line, the record (with its account number) and the field, so a corrupted file can be fixed
 * where it broke.
 */
import {
  ACCOUNT_STATUS_CODES,
  BASE,
  HEADER,
  K1,
  PAYMENT_HISTORY_CODES,
  STATUSES_WITH_PAYMENT_RATING,
  TRAILER,
  TRAILER_STATUS_COUNTS,
  ALPHANUMERIC,
  type FieldSpec,
  type RecordLayout,
} from './format';
import { describeField, isoFromMetro2Date, readRecord } from './record';

export interface Metro2Problem {
  /** 1-based line of the file. */
  line: number;
  /** "header", "base record 3 (account ACC-7)", "K1 segment of base record 3 (account ACC-7)", "trailer". */
  record: string;
  /** The field's name, CRRG number and positions, or null for a problem with the record as a whole. */
  field: string | null;
  message: string;
}

export interface Metro2FileSummary {
  baseRecords: number;
  statusCounts: Record<string, number>;
  k1Segments: number;
}

/** CRRG base field 25, hierarchy rule 1: these statuses report the date of first delinquency. */
const DELINQUENT_STATUSES = ['61', '62', '63', '64', '65', '71', '78', '80', '82', '83', '84', '88', '89', '93', '94', '95', '96', '97'];
/** Appended segments by identifier and length (CRRG chapter 4 "segment lengths"); only K1's fields are checked. */
const SEGMENT_LENGTHS: Record<string, number> = { J1: 100, J2: 200, K1: 34, K2: 34, K3: 40, K4: 30, L1: 54, N1: 146 };

function checkField(field: FieldSpec, text: string, problem: (field: FieldSpec, message: string) => void): void {
  const trimmed = text.trimEnd();
  if (text.length !== field.width) return problem(field, `is ${text.length} characters; the field has ${field.width}`);
  if (field.constant !== undefined) {
    const expected = field.type === 'numeric' ? field.constant.padStart(field.width, '0') : field.constant.padEnd(field.width, ' ');
    if (text !== expected) problem(field, `must be "${expected.trimEnd() || '(blank)'}", found "${trimmed}"`);
    return;
  }
  switch (field.type) {
    case 'numeric':
      if (!/^\d+$/.test(text)) return problem(field, `must be digits, zero-filled; found "${text}"`);
      if (field.required && /^0+$/.test(text)) return problem(field, 'is required (found zeros)');
      break;
    case 'alphanumeric':
      if (!ALPHANUMERIC.test(text)) return problem(field, `has characters the format does not allow (upper case, digits, blank, - / . , # & '): "${trimmed}"`);
      if (text.trimStart() !== text && trimmed !== '') return problem(field, `must be left-justified: "${text}"`);
      if (field.required && trimmed === '') return problem(field, 'is required (found blanks)');
      break;
    case 'date': {
      const iso = isoFromMetro2Date(text);
      if (iso === undefined) return problem(field, `must be a date MMDDYYYY or zeros; found "${text}"`);
      if (field.required && iso === null) return problem(field, 'is required (found zeros)');
      break;
    }
    case 'timestamp': {
      const date = isoFromMetro2Date(text.slice(0, 8));
      const [hh, mm, ss] = [text.slice(8, 10), text.slice(10, 12), text.slice(12, 14)].map(Number);
      if (!date || !/^\d{14}$/.test(text) || hh! > 23 || mm! > 59 || ss! > 59) return problem(field, `must be MMDDYYYYHHMMSS; found "${text}"`);
      break;
    }
  }
  if (field.codes && !field.codes.includes(trimmed)) problem(field, `"${trimmed || '(blank)'}" is not a code this field takes (${field.codes.filter((c) => c !== '').join(', ')}${field.codes.includes('') ? ', or blank' : ''})`);
}

function checkLayout(layout: RecordLayout, line: string, offset: number, problem: (field: FieldSpec | null, message: string) => void): Record<string, string> {
  for (const field of layout.fields) checkField(field, line.slice(offset + field.start - 1, offset + field.start - 1 + field.width), problem);
  return readRecord(layout, line, offset);
}

export function validateMetro2File(text: string): { problems: Metro2Problem[]; summary: Metro2FileSummary } {
  const problems: Metro2Problem[] = [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const summary: Metro2FileSummary = { baseRecords: 0, statusCounts: {}, k1Segments: 0 };
  const totals = { ecoaZ: 0, ssnBase: 0, dobBase: 0, phones: 0, df: 0 };
  const at = (line: number, record: string) => (field: FieldSpec | null, message: string) =>
    problems.push({ line, record, field: field ? describeField(field) : null, message });

  if (lines.length < 2) {
    problems.push({ line: 1, record: 'file', field: null, message: 'a Metro 2 file has at least a header record and a trailer record' });
    return { problems, summary };
  }
  lines.forEach((line, index) => {
    const number = index + 1;
    const identifier = line.slice(4, 11);
    const isHeader = index === 0;
    const isTrailer = index === lines.length - 1;
    if (isHeader || isTrailer) {
      const layout = isHeader ? HEADER : TRAILER;
      const problem = at(number, layout.name);
      if (isHeader && !identifier.startsWith('HEADER')) return problem(null, `the first record must be the header record (HEADER at position 5), found "${line.slice(0, 20)}"`);
      if (isTrailer && identifier !== 'TRAILER') return problem(null, `the last record must be the trailer record (TRAILER at position 5), found "${line.slice(0, 20)}"`);
      if (line.length !== layout.length) return problem(null, `is ${line.length} characters; the ${layout.name} record has ${layout.length}`);
      if (isTrailer) checkTrailer(checkLayout(TRAILER, line, 0, problem), summary, totals, problem);
      else checkLayout(HEADER, line, 0, problem);
      return;
    }
    summary.baseRecords += 1;
    const accountNumber = line.slice(BASE.fields.find((f) => f.key === 'consumerAccountNumber')!.start - 1, 72).trimEnd();
    const label = `base record ${summary.baseRecords}${accountNumber ? ` (account ${accountNumber})` : ''}`;
    const problem = at(number, label);
    if (identifier.startsWith('HEADER') || identifier === 'TRAILER') return problem(null, `a ${identifier.startsWith('HEADER') ? 'header' : 'trailer'} record may only be the ${identifier.startsWith('HEADER') ? 'first' : 'last'} record`);
    if (line.length < BASE.length) return problem(null, `is ${line.length} characters; a base segment alone has ${BASE.length}`);
    const rdw = line.slice(0, 4);
    if (/^\d{4}$/.test(rdw) && Number(rdw) !== line.length) problem(BASE.fields[0]!, `says ${Number(rdw)} characters, but the record has ${line.length}`);
    const base = checkLayout(BASE, line, 0, problem);
    checkBaseRules(base, problem);
    const status = base.accountStatus!;
    summary.statusCounts[status] = (summary.statusCounts[status] ?? 0) + 1;
    if (status === 'DF') totals.df += 1;
    if (base.ecoaCode === 'Z') totals.ecoaZ += 1;
    if (!/^(0{9}|9{9})$/.test(base.socialSecurityNumber!) && /^\d{9}$/.test(base.socialSecurityNumber!)) totals.ssnBase += 1;
    if (base.dateOfBirth !== '00000000') totals.dobBase += 1;
    if (/^\d{10}$/.test(base.telephoneNumber!) && !/^0+$/.test(base.telephoneNumber!)) totals.phones += 1;
    // Appended segments follow the 426 characters of the base segment.
    let offset = BASE.length;
    while (offset < line.length) {
      const id = line.slice(offset, offset + 2);
      const length = SEGMENT_LENGTHS[id];
      if (!length) return problem(null, `position ${offset + 1}: "${id}" is not a segment identifier (J1, J2, K1, K2, K3, K4, L1, N1)`);
      if (offset + length > line.length) return problem(null, `the ${id} segment at position ${offset + 1} is cut short: ${line.length - offset} of ${length} characters`);
      if (id === 'K1') {
        summary.k1Segments += 1;
        checkLayout(K1, line, offset, at(number, `K1 segment of ${label}`));
      }
      offset += length;
    }
  });
  return { problems, summary };
}

function checkBaseRules(base: Record<string, string>, problem: (field: FieldSpec | null, message: string) => void): void {
  const field = (key: string) => BASE.fields.find((f) => f.key === key)!;
  const status = base.accountStatus!;
  if (!(ACCOUNT_STATUS_CODES as readonly string[]).includes(status)) return; // already named by the code check
  const rating = base.paymentRating!;
  const needsRating = (STATUSES_WITH_PAYMENT_RATING as readonly string[]).includes(status);
  if (needsRating && rating === '') problem(field('paymentRating'), `is required with account status ${status}`);
  if (!needsRating && rating !== '') problem(field('paymentRating'), `must be blank with account status ${status} (found "${rating}")`);
  const history = line24(base.paymentHistoryProfile!);
  const bad = [...history].findIndex((c) => !(PAYMENT_HISTORY_CODES as readonly string[]).includes(c));
  if (bad >= 0) problem(field('paymentHistoryProfile'), `month ${bad + 1}: "${history[bad]}" is not a payment history code (${PAYMENT_HISTORY_CODES.join('')})`);
  else if (/B[^B]/.test(history)) problem(field('paymentHistoryProfile'), `"B" (no history before this month) may not be followed by other values: "${history}"`);
  if (DELINQUENT_STATUSES.includes(status) && base.dateOfFirstDelinquency === '00000000') problem(field('dateOfFirstDelinquency'), `is required with account status ${status}`);
  const dofd = isoFromMetro2Date(base.dateOfFirstDelinquency!);
  const info = isoFromMetro2Date(base.dateOfAccountInformation!);
  if (dofd && info && dofd > info) problem(field('dateOfFirstDelinquency'), `${dofd} is after the date of account information ${info}`);
}

const line24 = (text: string) => text.padEnd(24, ' ');

function checkTrailer(
  trailer: Record<string, string>,
  summary: Metro2FileSummary,
  totals: { ecoaZ: number; ssnBase: number; dobBase: number; phones: number; df: number },
  problem: (field: FieldSpec | null, message: string) => void,
): void {
  const expect = (key: string, actual: number) => {
    const field = TRAILER.fields.find((f) => f.key === key)!;
    const text = trailer[key]!;
    if (/^\d+$/.test(text) && Number(text) !== actual) problem(field, `says ${Number(text)}, but the file holds ${actual}`);
  };
  expect('totalBaseRecords', summary.baseRecords);
  expect('totalStatusDF', totals.df);
  for (const code of TRAILER_STATUS_COUNTS) expect(`totalStatus${code}`, summary.statusCounts[code] ?? 0);
  expect('totalEcoaZ', totals.ecoaZ);
  expect('totalOriginalCreditorSegments', summary.k1Segments);
  expect('totalSocialSecurityNumbersAll', totals.ssnBase);
  expect('totalSocialSecurityNumbersBase', totals.ssnBase);
  expect('totalDatesOfBirthAll', totals.dobBase);
  expect('totalDatesOfBirthBase', totals.dobBase);
  expect('totalTelephoneNumbersAll', totals.phones);
}
