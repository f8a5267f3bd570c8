/**
 * The letters the law owes the debtor outside the cadence (pure text, no I/O):
 *  - the confirmation after a cease-communication request or a refusal to pay, the one further
 *    contact §1006.6(c)(2) allows: collection efforts are terminated, or the collector may invoke
 *    a named remedy it ordinarily invokes;
 *  - the notice that the debt was placed with (transferred to) an agency or attorney;
 *  - the response to a dispute: the verification of the debt (the itemization from the ledger is
 *    added by the letter activity, from the same builder as the validation notice's).
 */
import { formatMoney, type Money } from './money';

export type OwedLetterKind = 'cease_confirmation' | 'placement_notice' | 'dispute_verification';

/** The remedies a cadence may still invoke after a cease request, in the words a letter names them. */
const REMEDIES: Record<string, string> = {
  order_disconnection: 'disconnect your service',
  order_repossession: 'repossess the collateral securing the debt',
  place_account: 'place your account with another collection agency or an attorney',
};

/** The remedy named in the cease confirmation: the first remedy step the cadence still has ahead, if any. */
export function remedyAhead(actions: readonly string[]): string | null {
  const action = actions.find((a) => a in REMEDIES);
  return action ? REMEDIES[action]! : null;
}

interface Common {
  collectorName: string;
  creditorId: string;
  accountId: string;
  debtorName: string;
  balance: Money;
}

export function ceaseConfirmationText(facts: Common & { remedy: string | null; requestedOn: string }): { subject: string; body: string } {
  const remedy = facts.remedy
    ? `We will not contact you again about this debt except as the law allows. We may ${facts.remedy}, as we ordinarily do when a debt remains unpaid; if we do, the law permits us to tell you so.`
    : 'We are terminating our collection efforts on this debt, and we will not contact you again about it.';
  return {
    subject: `Your request to stop communication: account ${facts.accountId}`,
    body: [
      `Dear ${facts.debtorName},`,
      `On ${facts.requestedOn} we received your request that we stop communicating with you about account ${facts.accountId} with ${facts.creditorId} (balance ${formatMoney(facts.balance)}). This letter confirms it.`,
      remedy,
      'This is the only further communication the law allows us to send you about this debt after your request (12 CFR 1006.6(c)(2)).',
      `${facts.collectorName} is a debt collector. This communication is from a debt collector.`,
    ].join('\n\n'),
  };
}

export function placementNoticeText(facts: Common & { placedWith: string; placedOn: string }): { subject: string; body: string } {
  return {
    subject: `Your account ${facts.accountId} has been placed with ${facts.placedWith}`,
    body: [
      `Dear ${facts.debtorName},`,
      `On ${facts.placedOn} your account ${facts.accountId} with ${facts.creditorId}, with a balance of ${formatMoney(facts.balance)}, was placed with ${facts.placedWith} for collection.`,
      `From now on, please send any payment, question or dispute about this debt to ${facts.placedWith}. Your rights to dispute the debt and to ask for the name and address of the original creditor are unchanged.`,
      `${facts.collectorName} is a debt collector. This communication is from a debt collector.`,
    ].join('\n\n'),
  };
}

export function disputeVerificationText(facts: Common & { disputedOn: string | null; dueDate: string; debts: { description: string; amountMinor: number }[] }): { subject: string; body: string } {
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: facts.balance.currency });
  return {
    subject: `Verification of the debt you disputed: account ${facts.accountId}`,
    body: [
      `Dear ${facts.debtorName},`,
      `${facts.disputedOn ? `On ${facts.disputedOn} you disputed` : 'You disputed'} the debt on account ${facts.accountId}. We have verified it with ${facts.creditorId}, the creditor to whom the debt is owed. This letter is the verification of the debt.`,
      [`Creditor: ${facts.creditorId}`, `Account number: ${facts.accountId}`, `Payment was due on: ${facts.dueDate}`, ...facts.debts.map((d) => `  ${d.description}: ${m(d.amountMinor)}`)].join('\n'),
      'The amount of the debt, itemized from our ledger, follows. Collection, suspended while your dispute was verified, may now resume.',
      `${facts.collectorName} is a debt collector. This communication is from a debt collector.`,
    ].join('\n\n'),
  };
}
