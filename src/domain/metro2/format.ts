/**
 * The Metro 2® format (character, "426" format) as data: every field of the records this product
 * furnishes, with its position, width, type and the codes it may hold. The writer and the reader
 * (record.ts) and the validator (validate.ts) all work from these tables, so a field is described
 * once.
 *
 * Sources, for every position and width below:
 *  - CDIA, Credit Reporting Resource Guide (CRRG), chapter 4 "Metro 2 Format — Field Definitions":
 *    Header Record (426), Base Segment fields 1–46 (426), K1 Segment (34), Trailer Record (426); the
 *    field numbers in the comments ("CRRG base 17A") are the CRRG's.
 *  - The same layouts as published in moov-io/metro2 pkg/lib/specifications.go (0-based starts:
 *    `baseSegmentCharacterFormat`, `headerRecordCharacterFormat`, `k1SegmentFormat`,
 *    `trailerRecordCharacterFormat`) and Galileo's "Metro 2 Base Segment" table (1-based
 *    positions 1–426), which agree with each other; positions here are 1-based as in the CRRG.
 *  - Codes: CRRG chapter 5, Exhibit 4 (account status), Exhibit 5 (payment history profile),
 *    Exhibit 6/7 (special comments), Exhibit 8 (compliance condition codes), Exhibit 10 (ECOA),
 *    Exhibit 11 (consumer information indicators), K1 creditor classification.
 *
 * Conventions of the format (CRRG chapter 4, "Reporting standards"): alphanumeric fields are
 * left-justified and blank-filled, upper case; numeric and monetary fields are right-justified and
 * zero-filled; monetary fields are whole dollars, cents truncated; dates are MMDDYYYY, zero-filled
 * when not applicable; the Record Descriptor Word counts the whole physical record (base segment
 * 426 + K1 34 = 460).
 */

export type FieldType =
  /** Digits only, right-justified, zero-filled. */
  | 'numeric'
  /** Upper-case letters, digits, blanks and the punctuation Metro 2 accepts; left-justified, blank-filled. */
  | 'alphanumeric'
  /** MMDDYYYY, or all zeros where the field does not apply. */
  | 'date'
  /** MMDDYYYYHHMMSS. */
  | 'timestamp';

export interface FieldSpec {
  /** How code names the field's value ("accountStatus"). */
  key: string;
  /** The name the validator reports ("Account Status"). */
  name: string;
  /** The CRRG field number ("17A"), as the guide numbers it. */
  crrg: string;
  /** 1-based first position in the record, and width in characters. */
  start: number;
  width: number;
  type: FieldType;
  /** A value must be present (not blank, not all zeros). */
  required?: boolean;
  /** The codes the field may hold (blank allowed only if listed as ''). */
  codes?: readonly string[];
  /** A constant the field always holds. */
  constant?: string;
}

export interface RecordLayout {
  name: 'header' | 'base' | 'K1' | 'trailer';
  length: number;
  fields: readonly FieldSpec[];
}

// ---- codes -----------------------------------------------------------------------------------------

/** CRRG Exhibit 4: account status codes (field 17A). The ones a collector uses: 93, 62, 97, DA, DF. */
export const ACCOUNT_STATUS_CODES = ['DA', 'DF', '05', '11', '13', '61', '62', '63', '64', '65', '71', '78', '80', '82', '83', '84', '88', '89', '93', '94', '95', '96', '97'] as const;
export type AccountStatusCode = (typeof ACCOUNT_STATUS_CODES)[number];
/** Statuses that carry a Payment Rating (CRRG field 17B); every other status leaves it blank. */
export const STATUSES_WITH_PAYMENT_RATING: readonly AccountStatusCode[] = ['05', '13', '65', '88', '89', '94', '95'];
export const PAYMENT_RATINGS = ['0', '1', '2', '3', '4', '5', '6', 'G', 'L'] as const;

/** CRRG Exhibit 8: compliance condition codes (field 20); blank = nothing new this period. */
export const COMPLIANCE_CONDITION_CODES = {
  XA: 'account closed at consumer’s request',
  XB: 'account information disputed by consumer under the FCRA (investigation in progress)',
  XC: 'completed investigation of FCRA dispute — consumer disagrees',
  XD: 'account closed at consumer’s request and in dispute under the FCRA',
  XE: 'account closed at consumer’s request and dispute investigation completed — consumer disagrees',
  XF: 'account in dispute under the Fair Credit Billing Act',
  XG: 'FCBA dispute resolved — consumer disagrees',
  XH: 'account previously in dispute — investigation completed, reported by data furnisher',
  XJ: 'account closed at consumer’s request and in dispute under the FCBA',
  XR: 'removal of the most recently reported compliance condition code',
} as const;
export type ComplianceConditionCode = keyof typeof COMPLIANCE_CONDITION_CODES;

/** CRRG Exhibit 11: consumer information indicators (field 38), two characters, blank-filled. */
export const CONSUMER_INFORMATION_INDICATORS = {
  A: 'petition for Chapter 7 bankruptcy',
  B: 'petition for Chapter 11 bankruptcy',
  C: 'petition for Chapter 12 bankruptcy',
  D: 'petition for Chapter 13 bankruptcy',
  E: 'discharged through Chapter 7',
  F: 'discharged through Chapter 11',
  G: 'discharged through Chapter 12',
  H: 'discharged/completed through Chapter 13',
  I: 'Chapter 7 dismissed',
  J: 'Chapter 11 dismissed',
  K: 'Chapter 12 dismissed',
  L: 'Chapter 13 dismissed',
  M: 'Chapter 7 withdrawn',
  N: 'Chapter 11 withdrawn',
  O: 'Chapter 12 withdrawn',
  P: 'Chapter 13 withdrawn',
  Q: 'removes a previously reported bankruptcy indicator',
  R: 'reaffirmation of debt',
  S: 'removes previously reported reaffirmation indicators',
  T: 'credit grantor cannot locate consumer',
  U: 'consumer now located',
  V: 'Chapter 7 reaffirmation of debt rescinded',
  Z: 'bankruptcy, undesignated chapter',
  '1A': 'personal receivership',
  '2A': 'lease assumption',
} as const;
export type ConsumerInformationIndicator = keyof typeof CONSUMER_INFORMATION_INDICATORS;

/** CRRG Exhibit 10: ECOA codes (field 37). X: consumer deceased; Z: delete consumer. */
export const ECOA_CODES = ['1', '2', '3', '5', '7', 'T', 'W', 'X', 'Z'] as const;
/** CRRG Exhibit 5: payment history profile (field 18), one character a month, most recent first. */
export const PAYMENT_HISTORY_CODES = ['0', '1', '2', '3', '4', '5', '6', 'B', 'D', 'E', 'G', 'H', 'J', 'K', 'L'] as const;
/** CRRG Exhibit 7: special comments (field 19), blank for none. A collector uses AU: paid for less than the full balance. */
export const SPECIAL_COMMENT_CODES = ['', 'B', 'C', 'H', 'I', 'M', 'O', 'S', 'V', 'AB', 'AC', 'AH', 'AI', 'AM', 'AN', 'AO', 'AP', 'AS', 'AT', 'AU', 'AV', 'AW', 'AX', 'AZ', 'BA', 'BB', 'BC', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BK', 'BL', 'BN', 'BO', 'BP', 'BS', 'BT', 'CH', 'CI', 'CJ', 'CK', 'CL', 'CM', 'CN', 'CO', 'CP', 'CS', 'DE'] as const;
/** CRRG field 8: portfolio type. Collection accounts are Open (O). */
export const PORTFOLIO_TYPES = ['C', 'I', 'M', 'O', 'R'] as const;
/** CRRG Exhibit 1: account types. Collection reporting uses 48 (collection agency/attorney), 0C (debt purchaser) or 77 (returned check). */
export const ACCOUNT_TYPES = ['00', '01', '02', '03', '04', '05', '06', '07', '08', '0A', '0C', '0F', '0G', '10', '11', '12', '13', '15', '17', '18', '19', '1C', '20', '22', '23', '25', '26', '29', '2A', '2C', '37', '3A', '43', '47', '48', '4D', '50', '5A', '5B', '65', '66', '67', '68', '69', '6A', '6B', '6D', '70', '71', '72', '73', '74', '75', '77', '7A', '7B', '89', '8A', '8B', '90', '91', '92', '93', '95', '9A', '9B'] as const;
export const COLLECTION_ACCOUNT_TYPES = ['48', '0C', '77'] as const;
/** K1 field 3: creditor classification of the original creditor; 02 is medical/health care. */
export const CREDITOR_CLASSIFICATIONS = {
  '01': 'retail',
  '02': 'medical/health care',
  '03': 'oil company',
  '04': 'government',
  '05': 'personal services',
  '06': 'insurance',
  '07': 'educational',
  '08': 'banking',
  '09': 'rental/leasing',
  '10': 'utilities',
  '11': 'cable/cellular',
  '12': 'financial',
  '13': 'credit union',
  '14': 'automotive',
  '15': 'check guarantee',
} as const;
export type CreditorClassification = keyof typeof CREDITOR_CLASSIFICATIONS;

const codes = (o: object) => Object.keys(o);

// ---- layouts ---------------------------------------------------------------------------------------

/** CRRG Header Record, 426 characters (moov `headerRecordCharacterFormat`). */
export const HEADER: RecordLayout = {
  name: 'header',
  length: 426,
  fields: [
    { key: 'recordDescriptorWord', name: 'Record Descriptor Word', crrg: '1', start: 1, width: 4, type: 'numeric', required: true, constant: '0426' },
    { key: 'recordIdentifier', name: 'Record Identifier', crrg: '2', start: 5, width: 6, type: 'alphanumeric', required: true, constant: 'HEADER' },
    { key: 'cycleIdentifier', name: 'Cycle Identifier', crrg: '3', start: 11, width: 2, type: 'alphanumeric' },
    { key: 'innovisProgramIdentifier', name: 'Innovis Program Identifier', crrg: '4', start: 13, width: 10, type: 'alphanumeric' },
    { key: 'equifaxProgramIdentifier', name: 'Equifax Program Identifier', crrg: '5', start: 23, width: 10, type: 'alphanumeric' },
    { key: 'experianProgramIdentifier', name: 'Experian Program Identifier', crrg: '6', start: 33, width: 5, type: 'alphanumeric' },
    { key: 'transunionProgramIdentifier', name: 'TransUnion Program Identifier', crrg: '7', start: 38, width: 10, type: 'alphanumeric' },
    { key: 'activityDate', name: 'Activity Date', crrg: '8', start: 48, width: 8, type: 'date', required: true },
    { key: 'dateCreated', name: 'Date Created', crrg: '9', start: 56, width: 8, type: 'date', required: true },
    { key: 'programDate', name: 'Program Date', crrg: '10', start: 64, width: 8, type: 'date' },
    { key: 'programRevisionDate', name: 'Program Revision Date', crrg: '11', start: 72, width: 8, type: 'date' },
    { key: 'reporterName', name: 'Reporter Name', crrg: '12', start: 80, width: 40, type: 'alphanumeric', required: true },
    { key: 'reporterAddress', name: 'Reporter Address', crrg: '13', start: 120, width: 96, type: 'alphanumeric', required: true },
    { key: 'reporterTelephoneNumber', name: 'Reporter Telephone Number', crrg: '14', start: 216, width: 10, type: 'numeric' },
    { key: 'softwareVendorName', name: 'Software Vendor Name', crrg: '15', start: 226, width: 40, type: 'alphanumeric' },
    { key: 'softwareVersionNumber', name: 'Software Version Number', crrg: '16', start: 266, width: 5, type: 'alphanumeric' },
    { key: 'prbcProgramIdentifier', name: 'PRBC Program Identifier', crrg: '17', start: 271, width: 10, type: 'alphanumeric' },
    { key: 'reserved18', name: 'Reserved', crrg: '18', start: 281, width: 146, type: 'alphanumeric', constant: '' },
  ],
};

/** CRRG Base Segment, fields 1–46, 426 characters (moov `baseSegmentCharacterFormat`; Galileo's table). */
export const BASE: RecordLayout = {
  name: 'base',
  length: 426,
  fields: [
    // The RDW counts the appended segments too (426 + K1 34 = 0460); the validator checks it against the line.
    { key: 'recordDescriptorWord', name: 'Record Descriptor Word', crrg: '1', start: 1, width: 4, type: 'numeric', required: true },
    { key: 'processingIndicator', name: 'Processing Indicator', crrg: '2', start: 5, width: 1, type: 'numeric', required: true, constant: '1' },
    { key: 'timeStamp', name: 'Time Stamp', crrg: '3', start: 6, width: 14, type: 'timestamp', required: true },
    { key: 'correctionIndicator', name: 'Correction Indicator', crrg: '4', start: 20, width: 1, type: 'numeric', codes: ['0', '1'] },
    { key: 'identificationNumber', name: 'Identification Number', crrg: '5', start: 21, width: 20, type: 'alphanumeric', required: true },
    { key: 'cycleIdentifier', name: 'Cycle Identifier', crrg: '6', start: 41, width: 2, type: 'alphanumeric' },
    { key: 'consumerAccountNumber', name: 'Consumer Account Number', crrg: '7', start: 43, width: 30, type: 'alphanumeric', required: true },
    { key: 'portfolioType', name: 'Portfolio Type', crrg: '8', start: 73, width: 1, type: 'alphanumeric', required: true, codes: PORTFOLIO_TYPES },
    { key: 'accountType', name: 'Account Type', crrg: '9', start: 74, width: 2, type: 'alphanumeric', required: true, codes: ACCOUNT_TYPES },
    { key: 'dateOpened', name: 'Date Opened', crrg: '10', start: 76, width: 8, type: 'date', required: true },
    { key: 'creditLimit', name: 'Credit Limit', crrg: '11', start: 84, width: 9, type: 'numeric' },
    { key: 'highestCredit', name: 'Highest Credit or Original Loan Amount', crrg: '12', start: 93, width: 9, type: 'numeric' },
    { key: 'termsDuration', name: 'Terms Duration', crrg: '13', start: 102, width: 3, type: 'alphanumeric', required: true },
    { key: 'termsFrequency', name: 'Terms Frequency', crrg: '14', start: 105, width: 1, type: 'alphanumeric', codes: ['', 'D', 'P', 'W', 'B', 'E', 'M', 'L', 'Q', 'T', 'S', 'Y'] },
    { key: 'scheduledMonthlyPaymentAmount', name: 'Scheduled Monthly Payment Amount', crrg: '15', start: 106, width: 9, type: 'numeric' },
    { key: 'actualPaymentAmount', name: 'Actual Payment Amount', crrg: '16', start: 115, width: 9, type: 'numeric' },
    { key: 'accountStatus', name: 'Account Status', crrg: '17A', start: 124, width: 2, type: 'alphanumeric', required: true, codes: ACCOUNT_STATUS_CODES },
    { key: 'paymentRating', name: 'Payment Rating', crrg: '17B', start: 126, width: 1, type: 'alphanumeric', codes: ['', ...PAYMENT_RATINGS] },
    { key: 'paymentHistoryProfile', name: 'Payment History Profile', crrg: '18', start: 127, width: 24, type: 'alphanumeric', required: true },
    { key: 'specialComment', name: 'Special Comment', crrg: '19', start: 151, width: 2, type: 'alphanumeric', codes: SPECIAL_COMMENT_CODES },
    { key: 'complianceConditionCode', name: 'Compliance Condition Code', crrg: '20', start: 153, width: 2, type: 'alphanumeric', codes: ['', ...codes(COMPLIANCE_CONDITION_CODES)] },
    { key: 'currentBalance', name: 'Current Balance', crrg: '21', start: 155, width: 9, type: 'numeric' },
    { key: 'amountPastDue', name: 'Amount Past Due', crrg: '22', start: 164, width: 9, type: 'numeric' },
    { key: 'originalChargeOffAmount', name: 'Original Charge-off Amount', crrg: '23', start: 173, width: 9, type: 'numeric' },
    { key: 'dateOfAccountInformation', name: 'Date of Account Information', crrg: '24', start: 182, width: 8, type: 'date', required: true },
    { key: 'dateOfFirstDelinquency', name: 'FCRA Compliance/Date of First Delinquency', crrg: '25', start: 190, width: 8, type: 'date' },
    { key: 'dateClosed', name: 'Date Closed', crrg: '26', start: 198, width: 8, type: 'date' },
    { key: 'dateOfLastPayment', name: 'Date of Last Payment', crrg: '27', start: 206, width: 8, type: 'date' },
    { key: 'interestTypeIndicator', name: 'Interest Type Indicator', crrg: '28', start: 214, width: 1, type: 'alphanumeric', codes: ['', 'F', 'V'] },
    { key: 'reserved29', name: 'Reserved', crrg: '29', start: 215, width: 17, type: 'alphanumeric', constant: '' },
    { key: 'surname', name: 'Surname', crrg: '30', start: 232, width: 25, type: 'alphanumeric', required: true },
    { key: 'firstName', name: 'First Name', crrg: '31', start: 257, width: 20, type: 'alphanumeric', required: true },
    { key: 'middleName', name: 'Middle Name', crrg: '32', start: 277, width: 20, type: 'alphanumeric' },
    { key: 'generationCode', name: 'Generation Code', crrg: '33', start: 297, width: 1, type: 'alphanumeric', codes: ['', 'J', 'S', '2', '3', '4', '5', '6', '7', '8', '9'] },
    { key: 'socialSecurityNumber', name: 'Social Security Number', crrg: '34', start: 298, width: 9, type: 'numeric' },
    { key: 'dateOfBirth', name: 'Date of Birth', crrg: '35', start: 307, width: 8, type: 'date' },
    { key: 'telephoneNumber', name: 'Telephone Number', crrg: '36', start: 315, width: 10, type: 'numeric' },
    { key: 'ecoaCode', name: 'ECOA Code', crrg: '37', start: 325, width: 1, type: 'alphanumeric', required: true, codes: ECOA_CODES },
    { key: 'consumerInformationIndicator', name: 'Consumer Information Indicator', crrg: '38', start: 326, width: 2, type: 'alphanumeric', codes: ['', ...codes(CONSUMER_INFORMATION_INDICATORS)] },
    { key: 'countryCode', name: 'Country Code', crrg: '39', start: 328, width: 2, type: 'alphanumeric' },
    { key: 'firstLineOfAddress', name: 'First Line of Address', crrg: '40', start: 330, width: 32, type: 'alphanumeric', required: true },
    { key: 'secondLineOfAddress', name: 'Second Line of Address', crrg: '41', start: 362, width: 32, type: 'alphanumeric' },
    { key: 'city', name: 'City', crrg: '42', start: 394, width: 20, type: 'alphanumeric', required: true },
    { key: 'state', name: 'State', crrg: '43', start: 414, width: 2, type: 'alphanumeric', required: true },
    { key: 'postalCode', name: 'Postal/Zip Code', crrg: '44', start: 416, width: 9, type: 'alphanumeric', required: true },
    { key: 'addressIndicator', name: 'Address Indicator', crrg: '45', start: 425, width: 1, type: 'alphanumeric', codes: ['', 'C', 'Y', 'N', 'M', 'S', 'B', 'U', 'D', 'P'] },
    { key: 'residenceCode', name: 'Residence Code', crrg: '46', start: 426, width: 1, type: 'alphanumeric', codes: ['', 'O', 'R'] },
  ],
};

/** CRRG K1 Segment (original creditor name), 34 characters (moov `k1SegmentFormat`). */
export const K1: RecordLayout = {
  name: 'K1',
  length: 34,
  fields: [
    { key: 'segmentIdentifier', name: 'Segment Identifier', crrg: '1', start: 1, width: 2, type: 'alphanumeric', required: true, constant: 'K1' },
    { key: 'originalCreditorName', name: 'Original Creditor Name', crrg: '2', start: 3, width: 30, type: 'alphanumeric', required: true },
    { key: 'creditorClassification', name: 'Creditor Classification', crrg: '3', start: 33, width: 2, type: 'numeric', required: true, codes: codes(CREDITOR_CLASSIFICATIONS) },
  ],
};

/** The status codes the trailer counts, in its order (CRRG Trailer Record; moov `trailerRecordCharacterFormat`). */
export const TRAILER_STATUS_COUNTS = ['DA', '05', '11', '13', '61', '62', '63', '64', '65', '71', '78', '80', '82', '83', '84', '88', '89', '93', '94', '95', '96', '97'] as const;

const count = (key: string, name: string, crrg: string, start: number): FieldSpec => ({ key, name, crrg, start, width: 9, type: 'numeric' });

/** CRRG Trailer Record, 426 characters: totals of what the file holds. */
export const TRAILER: RecordLayout = {
  name: 'trailer',
  length: 426,
  fields: [
    { key: 'recordDescriptorWord', name: 'Record Descriptor Word', crrg: '1', start: 1, width: 4, type: 'numeric', required: true, constant: '0426' },
    { key: 'recordIdentifier', name: 'Record Identifier', crrg: '2', start: 5, width: 7, type: 'alphanumeric', required: true, constant: 'TRAILER' },
    count('totalBaseRecords', 'Total Base Records', '3', 12),
    { key: 'reserved4', name: 'Reserved', crrg: '4', start: 21, width: 9, type: 'alphanumeric', constant: '' },
    count('totalStatusDF', 'Total of Status Code DF', '5', 30),
    count('totalAssociatedConsumerSegmentsJ1', 'Total Associated Consumer Segments (J1)', '6', 39),
    count('totalAssociatedConsumerSegmentsJ2', 'Total Associated Consumer Segments (J2)', '7', 48),
    count('blockCount', 'Block Count', '8', 57),
    // Fields 9-30: one count per status code, 9 positions each, from position 66.
    ...TRAILER_STATUS_COUNTS.map((code, i) => count(`totalStatus${code}`, `Total of Status Code ${code}`, String(9 + i), 66 + 9 * i)),
    count('totalEcoaZ', 'Total of ECOA Code Z', '31', 264),
    count('totalEmploymentSegments', 'Total Employment Segments', '32', 273),
    count('totalOriginalCreditorSegments', 'Total Original Creditor Segments', '33', 282),
    count('totalPurchasedFromSoldToSegments', 'Total Purchased From/Sold To Segments', '34', 291),
    count('totalMortgageInformationSegments', 'Total Mortgage Information Segments', '35', 300),
    count('totalSpecializedPaymentInformationSegments', 'Total Specialized Payment Information Segments', '36', 309),
    count('totalChangeSegments', 'Total Change Segments', '37', 318),
    count('totalSocialSecurityNumbersAll', 'Total Social Security Numbers (all segments)', '38', 327),
    count('totalSocialSecurityNumbersBase', 'Total Social Security Numbers (base segments)', '39', 336),
    count('totalSocialSecurityNumbersJ1', 'Total Social Security Numbers (J1 segments)', '40', 345),
    count('totalSocialSecurityNumbersJ2', 'Total Social Security Numbers (J2 segments)', '41', 354),
    count('totalDatesOfBirthAll', 'Total Dates of Birth (all segments)', '42', 363),
    count('totalDatesOfBirthBase', 'Total Dates of Birth (base segments)', '43', 372),
    count('totalDatesOfBirthJ1', 'Total Dates of Birth (J1 segments)', '44', 381),
    count('totalDatesOfBirthJ2', 'Total Dates of Birth (J2 segments)', '45', 390),
    count('totalTelephoneNumbersAll', 'Total Telephone Numbers (all segments)', '46', 399),
    { key: 'reserved47', name: 'Reserved', crrg: '47', start: 408, width: 19, type: 'alphanumeric', constant: '' },
  ],
};

/** The layouts in one place, so tests can check that each covers its length exactly once. */
export const LAYOUTS: readonly RecordLayout[] = [HEADER, BASE, K1, TRAILER];

/** Characters an alphanumeric field may hold: upper case, digits, blank and address/name punctuation. */
export const ALPHANUMERIC = /^[A-Z0-9 \-\/.,#&']*$/;
