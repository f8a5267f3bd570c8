import { formatMoney } from './money';

/** The itemization of Regulation F §1006.34(c)(2), from one itemization date used consistently. */
export interface Itemization {
  itemizationDate: string; // YYYY-MM-DD
  amountThenMinor: number;
  interestMinor: number;
  feesMinor: number;
  paymentsAndCreditsMinor: number;
  currentMinor: number;
  currency: string;
}

export interface ValidationNoticeFacts {
  collectorName: string;
  creditorName: string;
  accountId: string;
  debtorName: string;
  itemization: Itemization;
  /** The end of the validation period (§1006.34(b)(5)): disputes by then stop collection. */
  periodEnds: string; // YYYY-MM-DD
  paymentLink: string;
}

/** One movement of the receivable, as the ledger's statement lists it (src/adapters/ledger.repository.ts). */
export interface ReceivableLine {
  date: string; // YYYY-MM-DD, the posting's effective date (UTC)
  kind: string; // charge | payment | fee | interest | credit | reversal | write_off
  debitMinor: number;
  creditMinor: number;
}

/**
 * The itemization date: the account's due date, or the due date of its latest invoice when that
 * is later, so that every invoice (principal) is in the amount owed on that date and what follows
 * is only interest, fees, payments and credits (§1006.34(b)(3), (c)(2)(vi)-(viii)). Used for every
 * figure of the notice, so the one date is used consistently.
 */
export function itemizationDate(lines: readonly ReceivableLine[], dueDate: string): string {
  return lines.filter((l) => l.kind === 'charge').reduce((latest, l) => (l.date > latest ? l.date : latest), dueDate);
}

/**
 * §1006.34(c)(2)(vi)-(viii) from the ledger: what was owed at the end of the itemization date, then
 * the interest, fees, and payments and credits posted after it, and what is owed now, so that
 * amountThen + interest + fees - paymentsAndCredits = current, to the cent. A returned payment
 * takes its payment back (it is a negative payment, not a charge); a write-off is a credit.
 */
export function itemize(lines: readonly ReceivableLine[], facts: { itemizationDate: string; currency: string }): Itemization {
  const net = (l: ReceivableLine) => l.debitMinor - l.creditMinor;
  const item: Itemization = { itemizationDate: facts.itemizationDate, amountThenMinor: 0, interestMinor: 0, feesMinor: 0, paymentsAndCreditsMinor: 0, currentMinor: 0, currency: facts.currency };
  for (const line of lines) {
    item.currentMinor += net(line);
    if (line.date <= facts.itemizationDate) item.amountThenMinor += net(line);
    else if (line.kind === 'interest') item.interestMinor += net(line);
    else if (line.kind === 'fee') item.feesMinor += net(line);
    else if (['payment', 'credit', 'write_off', 'reversal'].includes(line.kind)) item.paymentsAndCreditsMinor -= net(line);
    else throw new RangeError(`a ${line.kind} posted on ${line.date}, after the itemization date ${facts.itemizationDate}, is none of interest, fees, payments or credits`);
  }
  return item;
}

/**
 * §1006.38(b): what a message that threatens a remedy during the validation period says, when the
 * creditor sends it then rather than holding it, so it does not overshadow the debtor's rights.
 */
export function rightsStatement(language: 'en' | 'es', facts: { noticeSentOn: string; periodEnds: string }): string {
  if (language === 'es')
    return `Este mensaje no cambia los derechos descritos en el aviso de validación que le enviamos el ${facts.noticeSentOn}. Hasta el ${facts.periodEnds} usted todavía puede disputar toda o parte de la deuda, o pedir el nombre y la dirección del acreedor original; si nos escribe antes de esa fecha, debemos detener el cobro hasta enviarle esa información.`;
  return `This message does not change the rights described in the validation notice we sent you on ${facts.noticeSentOn}. Until ${facts.periodEnds} you may still dispute all or part of the debt, or ask for the name and address of the original creditor; if you write to us by then, we must stop collection until we send you that information.`;
}

/** The itemization lines of §1006.34(c)(2) as a letter prints them (the validation notice's and the verification's). */
export function itemizationLines(i: Itemization): string {
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: i.currency });
  return [
    `As of ${i.itemizationDate}, you owed: ${m(i.amountThenMinor)}`,
    `Between ${i.itemizationDate} and today:`,
    `  You were charged this amount in interest: + ${m(i.interestMinor)}`,
    `  You were charged this amount in fees: + ${m(i.feesMinor)}`,
    // Net of returned payments: a payment made before the itemization date and returned after it shows as added back.
    i.paymentsAndCreditsMinor >= 0 ? `  You paid or were credited this amount toward the debt: - ${m(i.paymentsAndCreditsMinor)}` : `  Payments returned unpaid added back to the debt: + ${m(-i.paymentsAndCreditsMinor)}`,
    `Total amount of the debt now: ${m(i.currentMinor)}`,
  ].join('\n');
}

/** The content of Model Form B-1, in plain text for a letter; amounts from the ledger. */
export function validationNoticeText(facts: ValidationNoticeFacts): { subject: string; body: string } {
  const i = facts.itemization;
  return {
    subject: `Notice of debt: account ${facts.accountId}`,
    body: [
      `${facts.collectorName} is a debt collector. We are trying to collect a debt that you owe to ${facts.creditorName}. We will use any information you give us to help collect the debt.`,
      `Our information shows: you had an account with ${facts.creditorName} with account number ${facts.accountId}.`,
      itemizationLines(i),
      `How can you dispute the debt? Call or write to us by ${facts.periodEnds} to dispute all or part of the debt. If you do not, we will assume that our information is correct. If you write to us by ${facts.periodEnds}, we must stop collection on any amount you dispute until we send you information that shows you owe the debt.`,
      `What else can you do? Write to ask for the name and address of the original creditor, if different from the current creditor. If you write by ${facts.periodEnds}, we must stop collection until we send you that information. Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.`,
      `Pay or arrange a plan at ${facts.paymentLink}.`,
    ].join('\n\n'),
  };
}
