/**
 * A whole Metro 2 file: the header record, one data record per account (base segment plus its K1
 * segment), and the trailer record with the totals the CRRG asks for, computed from the records
 * themselves. Unpacked character format, variable-length records (the Record Descriptor Word
 * of each data record counts its appended segments: 426 + 34 = 0460), one record per line.
 */
import { BASE, HEADER, K1, TRAILER, TRAILER_STATUS_COUNTS } from './format';
import { writeRecord, type RecordValues } from './record';

export interface Metro2DataRecord {
  /** Base segment values by field key; the Record Descriptor Word is filled in here. */
  base: RecordValues;
  /** The original creditor (collection agencies report it on every record). */
  k1?: RecordValues;
}

export interface Metro2FileInput {
  header: RecordValues;
  records: Metro2DataRecord[];
}

const isSet = (value: unknown, zeros: RegExp) => value !== null && value !== undefined && value !== '' && !zeros.test(String(value));

/** The file's text: header, data records, trailer, each ending with a line feed. */
export function writeMetro2File(input: Metro2FileInput): string {
  const lines = [writeRecord(HEADER, input.header)];
  const statusCounts: Record<string, number> = {};
  const totals = { ecoaZ: 0, ssn: 0, dob: 0, phones: 0, k1: 0 };
  input.records.forEach(({ base, k1 }, i) => {
    const label = `base record ${i + 1}${base.consumerAccountNumber ? ` (account ${String(base.consumerAccountNumber)})` : ''}`;
    const k1Text = k1 ? writeRecord(K1, k1, `K1 segment of ${label}`) : '';
    const length = BASE.length + k1Text.length;
    lines.push(writeRecord(BASE, { ...base, recordDescriptorWord: length }, label) + k1Text);
    const status = String(base.accountStatus);
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    if (base.ecoaCode === 'Z') totals.ecoaZ += 1;
    if (isSet(base.socialSecurityNumber, /^(0+|9+)$/)) totals.ssn += 1;
    if (isSet(base.dateOfBirth, /^$/)) totals.dob += 1;
    if (isSet(base.telephoneNumber, /^0+$/)) totals.phones += 1;
    if (k1) totals.k1 += 1;
  });
  const trailer: RecordValues = {
    totalBaseRecords: input.records.length,
    totalStatusDF: statusCounts.DF ?? 0,
    totalEcoaZ: totals.ecoaZ,
    totalOriginalCreditorSegments: totals.k1,
    totalSocialSecurityNumbersAll: totals.ssn,
    totalSocialSecurityNumbersBase: totals.ssn,
    totalDatesOfBirthAll: totals.dob,
    totalDatesOfBirthBase: totals.dob,
    totalTelephoneNumbersAll: totals.phones,
  };
  for (const code of TRAILER_STATUS_COUNTS) trailer[`totalStatus${code}`] = statusCounts[code] ?? 0;
  lines.push(writeRecord(TRAILER, trailer));
  return lines.map((line) => `${line}\n`).join('');
}
