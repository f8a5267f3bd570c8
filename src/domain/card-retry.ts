/**
 * Retries of a failed automatic payment (a card or bank account the creditor keeps on file),
 * spaced by what the issuer said. Pure rules: the decline code decides whether a retry can ever
 * succeed and how long to wait; the creditor's limits bound how many and for how long.
 *
 * Decline codes are Stripe's names (the processor adapter speaks its shape). Card networks treat
 * some declines as final: the issuer will never approve this card for this merchant (lost,
 * stolen, closed, the cardholder revoked the authorization). Retrying those is what the networks
 * fine (Visa's "category 1", Mastercard's "do not try again" merchant advice codes), and for a
 * debtor it is charging a card they stopped — so they are never retried.
 */
export interface CardRetryRules {
  /** Retries after the failed automatic payment (the payment itself not counted). */
  maxRetries: number;
  /** No retry later than this many days after the first failure. */
  withinDays: number;
}

export const DEFAULT_CARD_RETRY_RULES: CardRetryRules = { maxRetries: 3, withinDays: 14 };

export type DeclineClass = 'final' | 'soon' | 'funds' | 'generic';

/** The issuer will not approve this payment method again: never retried. */
export const FINAL_DECLINE_CODES = [
  'do_not_try_again',
  'lost_card',
  'stolen_card',
  'pickup_card',
  'restricted_card',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
  'fraudulent',
  'merchant_blacklist',
  'security_violation',
  'invalid_account',
  'account_closed',
  'expired_card',
  'incorrect_number',
  'invalid_number',
  'card_not_supported',
  'currency_not_supported',
  'transaction_not_allowed',
  'authentication_required',
] as const;

/** A passing fault at the issuer or the network: worth another try within the hour. */
const SOON = ['processing_error', 'try_again_later', 'issuer_not_available', 'reenter_transaction', 'approve_with_id'];
/** Not enough money now: wait for a payday. */
const FUNDS = ['insufficient_funds', 'withdrawal_count_limit_exceeded', 'card_velocity_exceeded'];

export function classifyDecline(code: string): DeclineClass {
  const c = code.trim().toLowerCase();
  if ((FINAL_DECLINE_CODES as readonly string[]).includes(c)) return 'final';
  if (SOON.includes(c)) return 'soon';
  if (FUNDS.includes(c)) return 'funds';
  return 'generic'; // generic_decline, do_not_honor, call_issuer, card_declined, anything unknown
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Pause before retry n (1-based) by class; the last pause repeats. */
const PAUSES: Record<Exclude<DeclineClass, 'final'>, number[]> = {
  soon: [1 * HOUR_MS, 4 * HOUR_MS, 1 * DAY_MS],
  funds: [3 * DAY_MS, 4 * DAY_MS, 7 * DAY_MS],
  generic: [1 * DAY_MS, 2 * DAY_MS, 4 * DAY_MS],
};

export type RetryPlan = { retry: true; atMs: number; reason: string } | { retry: false; reason: string };

/**
 * Whether and when to retry after a decline: `retriesDone` retries have been made since the
 * automatic payment failed at `firstFailedAtMs`; `declinedAtMs` is this decline.
 */
export function planCardRetry(input: { declineCode: string; retriesDone: number; firstFailedAtMs: number; declinedAtMs: number; rules: CardRetryRules }): RetryPlan {
  const kind = classifyDecline(input.declineCode);
  if (kind === 'final') return { retry: false, reason: `${input.declineCode} is a decline the issuer will not reverse: never retried` };
  if (input.retriesDone >= input.rules.maxRetries) return { retry: false, reason: `${input.retriesDone} retries made: the creditor allows ${input.rules.maxRetries}` };
  const pauses = PAUSES[kind];
  const atMs = input.declinedAtMs + pauses[Math.min(input.retriesDone, pauses.length - 1)]!;
  const lastMs = input.firstFailedAtMs + input.rules.withinDays * DAY_MS;
  if (atMs > lastMs) return { retry: false, reason: `the next retry would fall after ${input.rules.withinDays} days from the first failure` };
  return { retry: true, atMs, reason: `${input.declineCode} (${kind === 'funds' ? 'not enough funds: wait for a payday' : kind === 'soon' ? 'a passing fault' : 'a generic decline'})` };
}
