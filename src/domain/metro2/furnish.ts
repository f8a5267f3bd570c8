/**
 * What to furnish for one account in one month, as a collection agency reports it (CRRG chapter 6,
 * "Collection agency/debt purchaser" guidelines): portfolio type O, account type 48, terms 001, a
 * K1 segment naming the original creditor, status 93 while in collection, 62 once paid (with
 * special comment AU when settled for less), 97 when charged off, DA to delete an account that
 * must no longer appear. Pure: the facts come from the account's snapshot, the figures from the
 * ledger, the history of what was furnished from the caller.
 *
 * The rules, in order (the first that decides wins):
 *  1. Only US consumers in US dollars with a name and a US address are furnished.
 *  2. An account deleted (DA) or reported paid (62) in an earlier month is not reported again.
 *  3. Medical collections (K1 creditor classification 02): the bureaus do not keep those with an
 *     initial balance under $500 (April 2023), paid ones (July 2022), nor unpaid ones until a year
 *     after the date of first delinquency: not furnished; one furnished before is deleted (DA).
 *  4. Obsolete (FCRA §605(c): 7 years from the date of first delinquency, plus 180 days): not furnished.
 *  5. Placed with another agency or attorney, or closed and returned to the creditor (with a
 *     balance, not at the consumer's request, no death or bankruptcy): deleted if furnished before,
 *     else not furnished (CRRG: accounts forwarded or returned are deleted).
 *  6. Regulation F §1006.30(a): nothing before a conversation, or 14 days after a letter or email
 *     not known to be undeliverable (`mayFurnishToCreditBureaus`).
 *  7. Otherwise the account's status as of the month's end: 93, 62 (+AU), 97; the compliance
 *     condition (XB disputed, XC/XE disagrees after the investigation, XH investigated, XA/XD
 *     closed at the consumer's request); ECOA X for a deceased consumer; the consumer information
 *     indicator of a bankruptcy petition (A, B, C, D by chapter, Z undesignated).
 * The date of first delinquency is 30 days after the oldest invoice's due date (CRRG field 25: "30
 * days after the Due Date"), from the debts as placed: payments, fees or a reopened account never
 * move it (no re-aging).
 */
import { mayFurnishToCreditBureaus, type AccountReportingFacts } from '../credit-reporting';
import { ALPHANUMERIC, type AccountStatusCode, type ComplianceConditionCode, type ConsumerInformationIndicator, type CreditorClassification } from './format';
import type { RecordValues } from './record';

const DAY_MS = 86_400_000;
/** The bureaus' threshold for medical collections: an initial balance under $500 is not reported. */
export const MEDICAL_MINIMUM_MINOR = 500_00;
/** Unpaid medical collections appear only a year after the date of first delinquency. */
const MEDICAL_WAIT_DAYS = 365;
/** FCRA §605(a)(4), (c)(1): seven years from the delinquency's commencement, which begins 180 days after it. */
const OBSOLETE_AFTER_DAYS = 7 * 365 + 2 + 180;

export interface FurnisherSettings {
  /** The identification number the bureaus assigned for this portfolio (CRRG base field 5). */
  identificationNumber: string;
  accountType: '48' | '0C' | '77';
  /** The original creditor, for the K1 segment. */
  originalCreditorName: string;
  creditorClassification: CreditorClassification;
}

/** The ledger's figures for the account as of the month's end, in minor units. */
export interface LedgerFigures {
  /** The debts as placed (the opening charges): Metro 2 "original amount" for collections. */
  originalAmountMinor: number;
  balanceMinor: number;
  /** Outstanding on debts due 30 days or more before the month's end. */
  pastDueMinor: number;
  /** The oldest invoice's due date (YYYY-MM-DD). */
  oldestDueDate: string | null;
  /** Payments received in the month, less those returned. */
  paymentsInMonthMinor: number;
  lastPaymentDate: string | null;
  /** Written off by a charge-off, and when. */
  chargedOffMinor: number;
}

export interface FurnishedBefore {
  month: string;
  status: AccountStatusCode;
  /** Fingerprint of the record (without its time stamp and correction indicator). */
  fingerprint: string;
}

export interface FurnishInput {
  /** YYYY-MM */
  month: string;
  /** The file's creation instant: the records' time stamp. */
  createdAt: string;
  facts: AccountReportingFacts;
  ledger: LedgerFigures;
  settings: FurnisherSettings;
  /** The latest record furnished in an earlier month, if any. */
  previous: FurnishedBefore | null;
  /** The record furnished for this same month by an earlier file, if the month is written again. */
  sameMonth: FurnishedBefore | null;
  /** A stable digest of a text (the caller's hash function: the domain has no crypto). */
  fingerprint: (text: string) => string;
}

export type Furnishing =
  | { kind: 'report'; status: AccountStatusCode; base: RecordValues; k1: RecordValues; fingerprint: string; correction: boolean; why: string }
  | { kind: 'skip'; reason: string };

// ---- dates and amounts -------------------------------------------------------------------------------

/** The last day of a month (YYYY-MM) and the instant it ends. */
export function monthEnd(month: string): { date: string; endMs: number } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new RangeError(`month must be YYYY-MM, got "${month}"`);
  const [year, m] = month.split('-').map(Number) as [number, number];
  const endMs = Date.UTC(year, m, 1) - 1;
  return { date: new Date(endMs).toISOString().slice(0, 10), endMs };
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const dateOf = (iso: string) => iso.slice(0, 10);
/** Whole dollars, cents truncated (CRRG: monetary fields in whole dollars). */
const dollars = (minor: number) => Math.trunc(Math.max(0, minor) / 100);
const before = (iso: string | null | undefined, endMs: number): iso is string => typeof iso === 'string' && Date.parse(iso) <= endMs;

// ---- text the format accepts -----------------------------------------------------------------------

/** Upper case, accents dropped, anything the format refuses turned into a blank, blanks collapsed, cut to the width. */
export function metro2Text(text: string, width: number, allowed: RegExp = /[^A-Z0-9 \-\/.,#&']/g): string {
  const plain = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(allowed, ' ').replace(/\s+/g, ' ').trim();
  const cut = plain.slice(0, width).trimEnd();
  return ALPHANUMERIC.test(cut) ? cut : '';
}

const GENERATIONS: Record<string, string> = { JR: 'J', JUNIOR: 'J', SR: 'S', SENIOR: 'S', II: '2', III: '3', IV: '4', V: '5', VI: '6', VII: '7', VIII: '8', IX: '9' };

/** "Ana María de la Cruz Jr." → first ANA, middle MARIA DE LA, surname CRUZ, generation J (CRRG fields 30–33: only letters, blanks and hyphens). */
export function splitName(full: string): { surname: string; firstName: string; middleName: string; generationCode: string } {
  const words = metro2Text(full, 200, /[^A-Z \-]/g).split(' ').filter((w) => w !== '' && w !== '-');
  const last = words[words.length - 1];
  const generationCode = words.length > 2 && last && GENERATIONS[last] ? GENERATIONS[last]! : '';
  if (generationCode) words.pop();
  const firstName = words.length > 1 ? words[0]! : '';
  const surname = words[words.length - 1] ?? '';
  return { surname: surname.slice(0, 25), firstName: firstName.slice(0, 20), middleName: words.slice(1, -1).join(' ').slice(0, 20).trimEnd(), generationCode };
}

/** A US number in E.164 as the 10 digits Metro 2 takes (area code + number), else none. */
const usPhone = (phone: string | null) => (phone && /^\+1\d{10}$/.test(phone) ? phone.slice(2) : null);

// ---- the decision ----------------------------------------------------------------------------------

/** The month-by-month history before this month (CRRG field 18, most recent first): G in collection, L charged off, B before placement. */
function paymentHistory(month: string, facts: AccountReportingFacts): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  let profile = '';
  for (let back = 1; back <= 24; back++) {
    const end = Date.UTC(year, m - back, 1) - 1; // the end of the month `back` months earlier
    if (Date.parse(facts.enrolledAt) > end) profile += 'B';
    else profile += facts.stage === 'charged_off' && before(facts.endedAt, end) ? 'L' : 'G';
  }
  return profile;
}

function complianceCode(facts: AccountReportingFacts, endMs: number, closedAtRequest: boolean): ComplianceConditionCode | '' {
  const d = facts.dispute && before(facts.dispute.disputedAt, endMs) ? facts.dispute : null;
  const resolved = d && before(d.resolvedAt, endMs);
  if (d && !resolved) return closedAtRequest ? 'XD' : 'XB';
  if (d && resolved && d.consumerDisagrees) return closedAtRequest ? 'XE' : 'XC';
  if (d && resolved) return 'XH';
  return closedAtRequest ? 'XA' : '';
}

function bankruptcyIndicator(chapter: number | null): ConsumerInformationIndicator {
  return chapter === 7 ? 'A' : chapter === 11 ? 'B' : chapter === 12 ? 'C' : chapter === 13 ? 'D' : 'Z';
}

export function furnish(input: FurnishInput): Furnishing {
  const { facts, ledger, previous, month } = input;
  const { date: asOfDate, endMs } = monthEnd(month);
  const skip = (reason: string): Furnishing => ({ kind: 'skip', reason });
  if (Date.parse(facts.enrolledAt) > endMs) return skip(`enrolled after ${asOfDate}`);
  const consumer = facts.consumer;
  if (!consumer) return skip('personal data purged: nothing identifies the consumer');
  if (facts.currency !== 'USD' || consumer.address.country !== 'US') return skip('only US consumers with debts in US dollars are furnished');
  const name = splitName(consumer.name);
  if (!name.firstName || !name.surname) return skip('the consumer\'s name needs a first name and a surname');
  const postalCode = consumer.address.postalCode.replace(/[^0-9]/g, '');
  if (!/^(\d{5}|\d{9})$/.test(postalCode) || !/^[A-Z]{2}$/.test(consumer.address.region) || !metro2Text(consumer.address.line1, 32) || !metro2Text(consumer.address.city, 20))
    return skip('the consumer\'s address is not a complete US address (street, city, state, 5 or 9 digit ZIP code)');
  if (previous?.status === 'DA') return skip(`deleted in the file for ${previous.month}`);
  if (previous?.status === '62') return skip(`reported paid in the file for ${previous.month}`);

  // The account as it stood at the month's end.
  const ended = before(facts.endedAt, endMs) ? facts.stage : 'open';
  const dofdBasis = ledger.oldestDueDate;
  const dofd = dofdBasis ? addDays(dofdBasis, 30) : null;
  const reportedBefore = previous !== null;
  const medical = input.settings.creditorClassification === '02';
  const deceased = before(facts.deceasedAt, endMs);
  const bankrupt = facts.bankruptcy && before(facts.bankruptcy.at, endMs) ? facts.bankruptcy : null;
  const closedAtRequest = ended === 'closed' && facts.closedAtConsumerRequest;
  const deleteOrSkip = (why: string): Furnishing => (reportedBefore ? record('DA', `delete: ${why}`) : skip(why));

  if (medical) {
    if (ledger.originalAmountMinor < MEDICAL_MINIMUM_MINOR) return deleteOrSkip('medical collection with an initial balance under $500: the bureaus do not report it');
    if (ended === 'paid' || ended === 'settled') return deleteOrSkip('paid medical collection: the bureaus do not report it');
    if (!dofd || addDays(dofd, MEDICAL_WAIT_DAYS) > asOfDate) return skip(`medical collection: not reported until a year after the date of first delinquency (${dofd ? addDays(dofd, MEDICAL_WAIT_DAYS) : 'unknown'})`);
  }
  if (dofd && addDays(dofd, OBSOLETE_AFTER_DAYS) <= asOfDate) return deleteOrSkip(`obsolete: the delinquency of ${dofd} is older than the FCRA allows`);
  if (ended === 'placed') return deleteOrSkip('placed with another agency or attorney, which reports it');
  if (ended === 'closed' && !closedAtRequest && !deceased && !bankrupt) return deleteOrSkip('closed and returned to the creditor');

  if (!reportedBefore) {
    const gate = mayFurnishToCreditBureaus({
      now: new Date(endMs).toISOString(),
      conversations: facts.firstConversationAt ? [facts.firstConversationAt] : [],
      sent: facts.firstMessageAt ? [{ channel: 'letter', at: facts.firstMessageAt, undeliverable: false }] : [],
      dispute: 'none',
      disputedOutsideValidationPeriod: false,
    });
    if (!gate.allowed) return skip(`Regulation F §1006.30(a): ${gate.reason}${gate.earliest ? ` (from ${gate.earliest.slice(0, 10)})` : ''}`);
  }
  if (!dofd) return skip('no due date in the ledger to date the first delinquency from');
  if (ended === 'paid') return record('62', 'paid in full');
  if (ended === 'settled') return record('62', 'paid for less than the full balance (settled)');
  if (ended === 'charged_off') return record('97', 'charged off');
  return record('93', deceased ? 'in collection; consumer deceased' : bankrupt ? 'in collection; bankruptcy petition' : 'in collection');

  function record(status: AccountStatusCode, why: string): Furnishing {
    const c = consumer!;
    const paid = status === '62';
    const deletion = status === 'DA';
    const base: RecordValues = {
      timeStamp: input.createdAt,
      correctionIndicator: 0,
      identificationNumber: input.settings.identificationNumber,
      consumerAccountNumber: metro2Text(facts.accountId, 30),
      portfolioType: 'O',
      accountType: input.settings.accountType,
      dateOpened: dateOf(facts.enrolledAt),
      creditLimit: 0,
      highestCredit: dollars(ledger.originalAmountMinor),
      termsDuration: '001',
      termsFrequency: '',
      scheduledMonthlyPaymentAmount: 0,
      actualPaymentAmount: dollars(ledger.paymentsInMonthMinor),
      accountStatus: status,
      paymentRating: '',
      paymentHistoryProfile: paymentHistory(month, facts),
      specialComment: ended === 'settled' && paid ? 'AU' : '',
      complianceConditionCode: deletion ? '' : complianceCode(facts, endMs, closedAtRequest),
      currentBalance: paid || deletion ? 0 : dollars(ledger.balanceMinor),
      amountPastDue: paid || deletion ? 0 : dollars(ledger.pastDueMinor),
      originalChargeOffAmount: status === '97' ? dollars(ledger.chargedOffMinor) : 0,
      // CRRG field 24: the date paid for 62; the month's end for the others.
      dateOfAccountInformation: paid && facts.endedAt ? dateOf(facts.endedAt) : asOfDate,
      dateOfFirstDelinquency: deletion ? null : dofd,
      dateClosed: paid && facts.endedAt ? dateOf(facts.endedAt) : null,
      dateOfLastPayment: ledger.lastPaymentDate,
      interestTypeIndicator: '',
      surname: name.surname,
      firstName: name.firstName,
      middleName: name.middleName,
      generationCode: name.generationCode,
      socialSecurityNumber: null, // not held by the product: zero-filled, as the CRRG allows when unavailable
      dateOfBirth: null,
      telephoneNumber: usPhone(c.phone),
      ecoaCode: deceased ? 'X' : '1',
      consumerInformationIndicator: bankrupt && !deletion ? bankruptcyIndicator(bankrupt.chapter) : '',
      countryCode: 'US',
      firstLineOfAddress: metro2Text(c.address.line1, 32),
      secondLineOfAddress: '',
      city: metro2Text(c.address.city, 20),
      state: metro2Text(c.address.region, 2),
      postalCode,
      addressIndicator: '',
      residenceCode: '',
    };
    const k1: RecordValues = { originalCreditorName: metro2Text(input.settings.originalCreditorName, 30), creditorClassification: input.settings.creditorClassification };
    const comparable = JSON.stringify({ ...base, timeStamp: null, correctionIndicator: null, k1 });
    const fingerprint = input.fingerprint(comparable);
    // Written again for a month already furnished, with other content: a replacement (CRRG field 4).
    const correction = input.sameMonth !== null && input.sameMonth.fingerprint !== fingerprint;
    base.correctionIndicator = correction ? 1 : 0;
    return { kind: 'report', status, base, k1, fingerprint, correction, why };
  }
}
