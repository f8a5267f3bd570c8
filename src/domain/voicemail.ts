/**
 * The limited-content message of Regulation F §1006.2(j): what a caller may leave on a
 * voicemail without it being a communication about the debt. It names the consumer, a business
 * name that does not say debt collection, a callback number, and asks for a reply; it never
 * mentions a debt, a balance, a creditor's collection or the account.
 */
export interface LimitedContentFacts {
  debtorName: string;
  /** The natural person the consumer can reply to (§1006.2(j)(1)(iii)): the creditor's configured contact. */
  callerName: string;
  /** A business name that does not indicate debt collection (§1006.2(j)(1)(ii)). */
  businessName: string;
  callbackPhone: string;
}

const DEBT_WORDS = /\b(debt|debts|collect\w*|owe\w*|balance|past[- ]due|overdue|payment|pay|account|creditor|arrears|delinquen\w*|loan|bill)\b/i;

/** True when a text says something a limited-content message must not. */
export function mentionsDebt(text: string): boolean {
  return DEBT_WORDS.test(text);
}

export function limitedContentMessage(facts: LimitedContentFacts): string {
  const message = `Hello, this message is for ${facts.debtorName}. This is ${facts.callerName} from ${facts.businessName}. Please call us back at ${facts.callbackPhone}. Thank you.`;
  // A business name such as "Debt Recovery Inc." would break the rule. People's names are only
  // names (a caller or a debtor called Bill says nothing about a bill), so they are not checked.
  if (mentionsDebt(facts.businessName)) throw new RangeError(`the voicemail would mention a debt; use a business name that does not: "${facts.businessName}"`);
  return message;
}
