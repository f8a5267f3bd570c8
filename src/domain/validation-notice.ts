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

/** The content of Model Form B-1, in plain text for a letter; amounts from the ledger. */
export function validationNoticeText(facts: ValidationNoticeFacts): { subject: string; body: string } {
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: facts.itemization.currency });
  const i = facts.itemization;
  return {
    subject: `Notice of debt: account ${facts.accountId}`,
    body: [
      `${facts.collectorName} is a debt collector. We are trying to collect a debt that you owe to ${facts.creditorName}. We will use any information you give us to help collect the debt.`,
      `Our information shows: you had an account with ${facts.creditorName} with account number ${facts.accountId}.`,
      [
        `As of ${i.itemizationDate}, you owed: ${m(i.amountThenMinor)}`,
        `Between ${i.itemizationDate} and today:`,
        `  You were charged this amount in interest: + ${m(i.interestMinor)}`,
        `  You were charged this amount in fees: + ${m(i.feesMinor)}`,
        `  You paid or were credited this amount toward the debt: - ${m(i.paymentsAndCreditsMinor)}`,
        `Total amount of the debt now: ${m(i.currentMinor)}`,
      ].join('\n'),
      `How can you dispute the debt? Call or write to us by ${facts.periodEnds} to dispute all or part of the debt. If you do not, we will assume that our information is correct. If you write to us by ${facts.periodEnds}, we must stop collection on any amount you dispute until we send you information that shows you owe the debt.`,
      `What else can you do? Write to ask for the name and address of the original creditor, if different from the current creditor. If you write by ${facts.periodEnds}, we must stop collection until we send you that information. Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.`,
      `Pay or arrange a plan at ${facts.paymentLink}.`,
    ].join('\n\n'),
  };
}
