/**
 * The printed documents of collection: the dunning letter mailed to the debtor, and the packet
 * (PDF plus two CSV files) sent with an account placed with an attorney or collection agency.
 * Pure functions of their input: the same account renders the same bytes on every retry.
 */
import type { AccountProfile, Channel, ContactRecord, Language, Product, Stage } from '../domain/account';
import { formatMoney, money, type Money } from '../domain/money';
import { toCsv } from './csv';
import { renderTextPdf, type PdfBlock } from './pdf-writer';
import type { StatementLine } from './ledger.repository';

export const DEBT_COLLECTOR_DISCLOSURE = 'This communication is from a debt collector.';

export interface CollectionLetterInput {
  creditor: { name: string; mailingAddress: string[] };
  debtor: { name: string; mailingAddress: string[] };
  accountId: string;
  /** The letter's date (YYYY-MM-DD or ISO date-time); also the PDF's creation date. */
  date: string;
  subject: string;
  /** Already-rendered text; paragraphs separated by a blank line, single line breaks kept. */
  body: string;
  amountDue: Money;
  paymentLink: string;
  /** Labels and number/date formats; the body is already in the debtor's language. Default 'en'. */
  language?: Language;
}

export interface PacketAccount {
  creditorId: string;
  accountId: string;
  debtorName: string;
  address: AccountProfile['address'];
  phone: string | null;
  email: string | null;
  product: Product;
  currency: string;
  originalDueDate: string; // YYYY-MM-DD
  collateralVin?: string | null;
  serviceId?: string | null;
  insuranceClaimId?: string | null;
}

/** One ledger line: the ledger repository's statement line; amounts in minor units. */
export type PacketLedgerEntry = StatementLine;

/** A contact decision, as the workflow records it (ContactRecord fits). */
export interface PacketContact {
  at: string;
  channel: Channel;
  stepId: string;
  status: ContactRecord['status'];
  reason: string | null;
  rule?: string;
}

export interface PacketStageChange {
  stage: Stage;
  at: string;
  reason: string;
}

export interface AccountPacketInput {
  account: PacketAccount;
  creditorName: string;
  /** preparedAt (ISO) dates the packet and the PDF, so a retry renders the same bytes. */
  placement: { agencyName: string; preparedAt: string };
  statement: { openingBalanceMinor: number; currentBalanceMinor: number };
  ledger: PacketLedgerEntry[];
  contacts: PacketContact[];
  stages: PacketStageChange[];
}

export interface AccountPacket {
  pdf: Buffer;
  ledgerCsv: string;
  contactsCsv: string;
}

export const LEDGER_CSV_COLUMNS = ['creditor_id', 'account_id', 'date', 'kind', 'description', 'debit_minor', 'credit_minor', 'balance_minor', 'currency'] as const;
export const CONTACTS_CSV_COLUMNS = ['creditor_id', 'account_id', 'at', 'channel', 'step_id', 'status', 'reason', 'rule'] as const;

const LABELS = {
  en: { re: 'Re', account: 'Account', amountDue: 'Amount due', payOnline: 'Pay online' },
  es: { re: 'Asunto', account: 'Cuenta', amountDue: 'Importe adeudado', payOnline: 'Pague en línea' },
} as const;

/** Amounts cross this boundary only as whole minor units; anything else is a caller bug, not a rounding question. */
function minor(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be an integer number of minor units, got ${value}`);
  return value;
}

const LONG_DATE = {
  en: new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }),
  es: new Intl.DateTimeFormat('es-US', { dateStyle: 'long', timeZone: 'UTC' }),
};

/** "September 1, 2026" / "1 de septiembre de 2026", from the calendar date as written (no zone shift). */
function longDate(iso: string, language: Language): string {
  const day = Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(day)) throw new RangeError(`not an ISO date: "${iso}"`);
  return LONG_DATE[language === 'es' ? 'es' : 'en'].format(day);
}

/** "2026-09-03 14:05 UTC": one zone for every row, so an agency reads the sequence unambiguously. */
function utcMinute(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RangeError(`not an ISO time: "${iso}"`);
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function renderCollectionLetter(input: CollectionLetterInput): Buffer {
  const language = input.language ?? 'en';
  const labels = LABELS[language];
  const size = 11;
  const paragraph = (text: string, bold = false): PdfBlock => ({ kind: 'paragraph', text, size, bold });
  const amountDue = formatMoney(money(minor(input.amountDue.amountMinor, 'amountDue'), input.amountDue.currency), language);
  const bodyParagraphs = input.body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const blocks: PdfBlock[] = [
    { kind: 'heading', level: 2, text: input.creditor.name },
    paragraph(input.creditor.mailingAddress.join('\n')),
    { kind: 'line' },
    paragraph(longDate(input.date, language)),
    paragraph(''), // a blank line either side of the recipient's block, as a typed letter has
    paragraph([input.debtor.name, ...input.debtor.mailingAddress].join('\n')),
    paragraph(''),
    paragraph(`${labels.re}: ${input.subject}\n${labels.account}: ${input.accountId}`, true),
    ...bodyParagraphs.map((text) => paragraph(text)),
    { kind: 'paragraph', text: `${labels.amountDue}: ${amountDue}`, size: 13, bold: true },
    paragraph(`${labels.payOnline}: ${input.paymentLink}`),
    { kind: 'line' },
    // Spanish letters carry the disclosure in both languages; the English sentence is always printed verbatim.
    ...(language === 'es' ? [paragraph('Esta comunicación proviene de un cobrador de deudas.', true)] : []),
    paragraph(DEBT_COLLECTOR_DISCLOSURE, true),
  ];
  return renderTextPdf({
    title: input.subject,
    blocks,
    footer: `${input.creditor.name} · ${labels.account} ${input.accountId}`,
    metadata: { author: input.creditor.name, subject: input.subject, createdAt: input.date },
  });
}

export function renderAccountPacket(input: AccountPacketInput): AccountPacket {
  const { account, statement } = input;
  const amount = (value: number, what: string) => formatMoney(money(minor(value, what), account.currency));
  const ledger = input.ledger.map((entry, i) => ({
    ...entry,
    debitMinor: minor(entry.debitMinor, `ledger[${i}].debitMinor`),
    creditMinor: minor(entry.creditMinor, `ledger[${i}].creditMinor`),
    balanceMinor: minor(entry.balanceMinor, `ledger[${i}].balanceMinor`),
  }));
  const totalDebits = ledger.reduce((sum, e) => sum + e.debitMinor, 0);
  const totalCredits = ledger.reduce((sum, e) => sum + e.creditMinor, 0);
  const { line1, city, region, postalCode, country } = account.address;
  const summary: string[][] = [
    ['Creditor', `${input.creditorName} (${account.creditorId})`],
    ['Account id', account.accountId],
    ['Debtor', account.debtorName],
    ['Mailing address', `${line1}\n${city}, ${region} ${postalCode}\n${country}`],
    ['Phone', account.phone ?? '—'],
    ['Email', account.email ?? '—'],
    ['Product', account.product.replace(/_/g, ' ')],
    ['Currency', account.currency],
    ['Original due date', account.originalDueDate],
    ['Current balance', amount(statement.currentBalanceMinor, 'statement.currentBalanceMinor')],
  ];
  if (account.collateralVin) summary.push(['Collateral VIN', account.collateralVin]);
  if (account.serviceId) summary.push(['Service id', account.serviceId]);
  if (account.insuranceClaimId) summary.push(['Insurance claim id', account.insuranceClaimId]);
  const tableOrNone = (columns: { header: string; align?: 'right' }[], rows: string[][]): PdfBlock =>
    rows.length > 0 ? { kind: 'table', columns, rows } : { kind: 'paragraph', text: 'None recorded.' };

  const blocks: PdfBlock[] = [
    { kind: 'heading', text: `Account placement: ${account.debtorName}` },
    { kind: 'paragraph', text: `${input.creditorName} places this account with ${input.placement.agencyName}. Prepared ${utcMinute(input.placement.preparedAt)}.` },
    { kind: 'table', columns: [{ header: 'Item' }, { header: 'Detail' }], rows: summary },
    { kind: 'heading', level: 2, text: 'Statement' },
    {
      kind: 'table',
      columns: [{ header: 'Item' }, { header: `Amount (${account.currency})`, align: 'right' }],
      rows: [
        ['Opening balance', amount(statement.openingBalanceMinor, 'statement.openingBalanceMinor')],
        [`Debits in the ledger (${ledger.length} entries)`, amount(totalDebits, 'total debits')],
        ['Credits in the ledger', amount(totalCredits, 'total credits')],
        ['Current balance', amount(statement.currentBalanceMinor, 'statement.currentBalanceMinor')],
      ],
    },
    { kind: 'heading', level: 2, text: 'Ledger' },
    tableOrNone(
      [{ header: 'Date' }, { header: 'Kind' }, { header: 'Description' }, { header: 'Debit', align: 'right' }, { header: 'Credit', align: 'right' }, { header: 'Balance', align: 'right' }],
      ledger.map((e) => [e.date, e.kind, e.description, e.debitMinor ? amount(e.debitMinor, 'debit') : '', e.creditMinor ? amount(e.creditMinor, 'credit') : '', amount(e.balanceMinor, 'balance')]),
    ),
    { kind: 'heading', level: 2, text: 'Contact history' },
    tableOrNone(
      [{ header: 'Time' }, { header: 'Channel' }, { header: 'Step' }, { header: 'Status' }, { header: 'Reason / rule' }],
      input.contacts.map((c) => [utcMinute(c.at), c.channel, c.stepId, c.status, [c.reason, c.rule && `rule: ${c.rule}`].filter(Boolean).join('; ')]),
    ),
    { kind: 'heading', level: 2, text: 'Stage history' },
    tableOrNone([{ header: 'Time' }, { header: 'Stage' }, { header: 'Reason' }], input.stages.map((s) => [utcMinute(s.at), s.stage, s.reason])),
    { kind: 'line' },
    { kind: 'paragraph', size: 8, text: `Amounts in ${account.currency}. The ledger and contact CSV files carry the same entries, amounts in integer minor units.` },
  ];
  const pdf = renderTextPdf({
    title: `Account placement ${account.creditorId}/${account.accountId}`,
    blocks,
    footer: `${input.creditorName} · placement of account ${account.accountId} with ${input.placement.agencyName}`,
    metadata: { author: input.creditorName, subject: `Placement with ${input.placement.agencyName}`, createdAt: input.placement.preparedAt },
  });

  const ids = [account.creditorId, account.accountId];
  const ledgerCsv = toCsv(
    LEDGER_CSV_COLUMNS,
    ledger.map((e) => [...ids, e.date, e.kind, e.description, e.debitMinor, e.creditMinor, e.balanceMinor, account.currency]),
  );
  const contactsCsv = toCsv(
    CONTACTS_CSV_COLUMNS,
    input.contacts.map((c) => [...ids, c.at, c.channel, c.stepId, c.status, c.reason, c.rule]),
  );
  return { pdf, ledgerCsv, contactsCsv };
}
