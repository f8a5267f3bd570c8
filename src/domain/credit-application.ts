/**
 * Applying a credit the product holds for a debtor (customer_credit: an overpayment) to another
 * open debt of the same debtor at the same creditor. Who counts as the same debtor, how much is
 * applied, and every refusal, decided from facts the ledger and the accounts' workflows give.
 * Pure: no I/O, no clock.
 */
import { isEndStage, type Stage } from './account';
import { formatMoney } from './money';

/** What the ledger knows of one account at the moment of the application (read under its row lock). */
export interface CreditAccountFacts {
  accountKey: string;
  accountId: string;
  creditorId: string;
  currency: string;
  /** What the debtor owes (the receivable over all debts). */
  balanceMinor: number;
  /** What the creditor holds for the debtor (customer_credit). */
  creditMinor: number;
  /** Of the credit held, what the creditor's system was ordered to refund and the ledger has not posted yet: not to be applied. */
  refundsPendingMinor: number;
  /** The creditor's own id for the person (debtor_links); null when none was given or it was redacted. */
  debtorId: string | null;
  /** The account's personal data was purged (a deceased debtor, after the retention period). */
  purged: boolean;
}

/** What an account's workflow says (or, once Temporal no longer keeps it, last recorded) of it. For the target, null: no workflow running; for the source, null: its facts could not be read (refused). */
export interface CreditWorkflowFacts {
  stage: Stage;
  /** §1006.38: a dispute awaits verification, so collection on the account is held. */
  disputePending: boolean;
  deceased: boolean;
  /** A bankruptcy's automatic stay forbids a setoff of the debtor's money against a debt. */
  bankruptcy: boolean;
}

export interface CreditApplicationFacts {
  source: CreditAccountFacts | null;
  target: CreditAccountFacts | null;
  sourceWorkflow: CreditWorkflowFacts | null;
  targetWorkflow: CreditWorkflowFacts | null;
  /** The amount asked for; null: all of the credit held, up to the target's balance. */
  requestedMinor: number | null;
}

export const CREDIT_APPLICATION_REFUSALS = [
  'unknown_creditor',
  'unknown_account',
  'same_account',
  'different_creditor',
  'account_purged',
  'different_debtor',
  'currency_mismatch',
  'invalid_amount',
  'no_credit_held',
  'credit_exceeded',
  'nothing_owed',
  'balance_exceeded',
  'account_closed',
  'collection_held',
  'application_id_reused',
  'legacy_engine',
] as const;
export type CreditApplicationRefusalCode = (typeof CREDIT_APPLICATION_REFUSALS)[number];

/** A refused application: nothing was posted. `field` names what to change (source, target, amountMinor, applicationId). */
export class CreditApplicationRefused extends Error {
  constructor(
    readonly code: CreditApplicationRefusalCode,
    readonly field: 'source' | 'target' | 'amountMinor' | 'applicationId',
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'CreditApplicationRefused';
  }
}

/**
 * Whether two accounts are the same person's, for moving money between them: both carry the
 * creditor's own debtor id, and it is the same. A shared email address or phone number is enough
 * for the contact rules (they err towards protecting the person), but not for money: a household
 * shares a number, and money applied to someone else's debt is hard to take back.
 */
export function sameDebtor(a: Pick<CreditAccountFacts, 'accountId' | 'debtorId'>, b: Pick<CreditAccountFacts, 'accountId' | 'debtorId'>): { same: true } | { same: false; why: string } {
  const missing = [a, b].filter((x) => !x.debtorId).map((x) => x.accountId);
  if (missing.length > 0) return { same: false, why: `the creditor gave no debtor id for ${missing.join(' and ')}, so nothing shows the two accounts are the same debtor's (a shared email or phone is not enough to move money)` };
  if (a.debtorId !== b.debtorId) return { same: false, why: `${a.accountId} and ${b.accountId} belong to different debtors (the creditor's debtor ids differ)` };
  return { same: true };
}

/**
 * The amount to apply, or the first refusal (thrown). Without an amount, all of the credit held is
 * applied up to the target's balance; an amount asked for must fit both the credit held and the
 * target's balance (a collector applies money to a debt, never past it into a new credit).
 */
export function decideCreditApplication(facts: CreditApplicationFacts): number {
  const { source, target, requestedMinor } = facts;
  const refuse = (code: CreditApplicationRefusalCode, field: CreditApplicationRefused['field'], message: string): never => {
    throw new CreditApplicationRefused(code, field, message);
  };
  if (!source) return refuse('unknown_account', 'source', 'no such account in the ledger');
  if (!target) return refuse('unknown_account', 'target', 'no such account in the ledger');
  if (source.accountKey === target.accountKey) return refuse('same_account', 'target', 'is the account the credit is held on; name another account of the debtor');
  if (source.creditorId !== target.creditorId) return refuse('different_creditor', 'target', `belongs to creditor ${target.creditorId}, the credit to ${source.creditorId}: a credit is applied only to the same creditor's debts`);
  if (source.purged) return refuse('account_purged', 'source', `${source.accountId}'s personal data was purged; its credit is for the estate, not to apply`);
  if (target.purged) return refuse('account_purged', 'target', `${target.accountId}'s personal data was purged`);
  const debtor = sameDebtor(source, target);
  if (!debtor.same) return refuse('different_debtor', 'target', debtor.why);
  if (source.currency !== target.currency) return refuse('currency_mismatch', 'target', `is kept in ${target.currency}, the credit is in ${source.currency} (never converted)`);
  if (requestedMinor !== null && (!Number.isSafeInteger(requestedMinor) || requestedMinor <= 0)) return refuse('invalid_amount', 'amountMinor', `must be a positive whole number of minor units, got ${requestedMinor}`);
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: source.currency });
  if (source.creditMinor <= 0) return refuse('no_credit_held', 'source', `${source.accountId} holds no credit`);
  const pending = Math.max(0, source.refundsPendingMinor);
  const available = source.creditMinor - pending;
  const refundPending = `${money(pending)} of the ${money(source.creditMinor)} credit ${source.accountId} holds is ordered refunded (a refund is pending), so ${money(Math.max(0, available))} may be applied`;
  if (available <= 0) return refuse('credit_exceeded', 'amountMinor', `${requestedMinor === null ? 'nothing to apply' : `${money(requestedMinor)} is too much`}: ${refundPending}`);
  if (requestedMinor !== null && requestedMinor > available)
    return refuse('credit_exceeded', 'amountMinor', pending > 0 ? `${money(requestedMinor)} is too much: ${refundPending}` : `${money(requestedMinor)} is more than the ${money(source.creditMinor)} credit ${source.accountId} holds`);
  if (target.balanceMinor <= 0) return refuse('nothing_owed', 'target', `${target.accountId} has no open balance`);
  if (requestedMinor !== null && requestedMinor > target.balanceMinor) return refuse('balance_exceeded', 'amountMinor', `${money(requestedMinor)} is more than the ${money(target.balanceMinor)} ${target.accountId} owes (leave the amount out to apply up to the balance)`);
  const tw = facts.targetWorkflow;
  if (!tw || isEndStage(tw.stage)) return refuse('account_closed', 'target', `${target.accountId} is ${tw ? tw.stage : 'not open (its workflow has ended)'}: a credit is applied only to an open account`);
  if (tw.disputePending) return refuse('collection_held', 'target', `a dispute of ${target.accountId} awaits verification: nothing is collected on it until then (§1006.38)`);
  if (tw.deceased || tw.bankruptcy) return refuse('account_closed', 'target', `${target.accountId}'s debtor is ${tw.deceased ? 'deceased' : 'in bankruptcy'}: collection has stopped`);
  const sw = facts.sourceWorkflow;
  if (!sw)
    return refuse('collection_held', 'source', `${source.accountId}'s facts (a death, a bankruptcy) could not be read: its workflow is gone and nothing was recorded for it, and a credit is never applied on unknown facts`);
  if (sw.deceased || sw.bankruptcy) return refuse('collection_held', 'source', `${source.accountId}'s debtor is ${sw.deceased ? 'deceased' : 'in bankruptcy (the automatic stay forbids a setoff)'}: the credit is not applied`);
  return requestedMinor ?? Math.min(available, target.balanceMinor);
}

/** An application already made under an id, as the creditor's ledger keeps it. */
export interface CreditApplicationRecord {
  creditorId: string;
  applicationId: string;
  sourceAccountKey: string;
  targetAccountKey: string;
  amountMinor: number;
  currency: string;
  appliedAt: string;
  reason: string;
}

/**
 * The same application id asked for again: the first application stands when the request names the
 * same accounts (and the same amount, when it names one); anything else is refused.
 */
export function repeatOf(first: CreditApplicationRecord, request: { sourceAccountKey: string; targetAccountKey: string; amountMinor: number | null }): CreditApplicationRecord {
  const differs =
    request.sourceAccountKey !== first.sourceAccountKey ? `source ${first.sourceAccountKey}` : request.targetAccountKey !== first.targetAccountKey ? `target ${first.targetAccountKey}` : request.amountMinor !== null && request.amountMinor !== first.amountMinor ? `amountMinor ${first.amountMinor}` : null;
  if (differs) throw new CreditApplicationRefused('application_id_reused', 'applicationId', `${first.applicationId} was already used for another application (${differs}); use a new id`);
  return first;
}
