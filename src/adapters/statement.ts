/**
 * The statement of account a debtor downloads from their page: every movement of what they owe,
 * from the ledger, with the running balance. A pure function of its input (the PDF writer adds no
 * clock), in the debtor's language.
 */
import type { Language } from '../domain/account';
import { formatMoney } from '../domain/money';
import type { StatementLine } from './ledger.repository';
import { renderTextPdf } from './pdf-writer';

const LABELS = {
  en: { title: 'Statement of account', account: 'Account', date: 'Date', item: 'Item', charged: 'Charged', paid: 'Paid or credited', balance: 'Balance', due: 'Amount due', asOf: 'As of', none: 'No movements recorded.', disclosure: 'This communication is from a debt collector.' },
  es: { title: 'Estado de cuenta', account: 'Cuenta', date: 'Fecha', item: 'Concepto', charged: 'Cargado', paid: 'Pagado o acreditado', balance: 'Saldo', due: 'Importe adeudado', asOf: 'Al', none: 'No hay movimientos registrados.', disclosure: 'Esta comunicación proviene de un cobrador de deudas.' },
} as const;

export function renderStatement(input: { creditorName: string; debtorName: string; accountId: string; currency: string; language: Language; asOf: string; lines: StatementLine[] }): Buffer {
  const l = LABELS[input.language] ?? LABELS.en;
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: input.currency }, input.language);
  const balance = input.lines.at(-1)?.balanceMinor ?? 0;
  return renderTextPdf({
    title: `${l.title} ${input.accountId}`,
    blocks: [
      { kind: 'heading', text: l.title },
      { kind: 'paragraph', text: `${input.creditorName}\n${input.debtorName}\n${l.account}: ${input.accountId}\n${l.asOf} ${input.asOf.slice(0, 10)}` },
      input.lines.length === 0
        ? { kind: 'paragraph', text: l.none }
        : {
            kind: 'table',
            columns: [{ header: l.date }, { header: l.item }, { header: l.charged, align: 'right' }, { header: l.paid, align: 'right' }, { header: l.balance, align: 'right' }],
            rows: input.lines.map((line) => [line.date, line.description, line.debitMinor ? money(line.debitMinor) : '', line.creditMinor ? money(line.creditMinor) : '', money(line.balanceMinor)]),
          },
      { kind: 'paragraph', text: `${l.due}: ${money(balance)}`, size: 13, bold: true },
      { kind: 'line' },
      { kind: 'paragraph', text: l.disclosure, bold: true },
    ],
    footer: `${input.creditorName} · ${l.account} ${input.accountId}`,
    metadata: { author: input.creditorName, subject: l.title, createdAt: input.asOf },
  });
}
