/**
 * Regulation F §1006.30(a): a debt collector may furnish information about a debt to a consumer
 * reporting agency only after it has spoken with the consumer about the debt, or has mailed a
 * letter or sent an electronic message about it and waited a reasonable time (14 consecutive
 * days) for a notice that it could not be delivered. A debt under dispute is reported as
 * disputed (Metro 2 compliance condition code XB).
 */
export interface ReportingFacts {
  now: string; // ISO instant
  conversations: string[]; // ISO instants of telephone or in-person conversations about the debt
  sent: { channel: 'letter' | 'email' | 'sms'; at: string; undeliverable: boolean }[];
  dispute: 'none' | 'pending_verification' | 'verified';
  disputedOutsideValidationPeriod: boolean;
}

export type ReportingDecision =
  | { allowed: true; basis: 'conversation' | 'delivered_message'; complianceConditionCode: 'XB' | null }
  | { allowed: false; reason: string; earliest: string | null };

const WAIT_MS = 14 * 86_400_000;

export function mayFurnishToCreditBureaus(facts: ReportingFacts): ReportingDecision {
  const now = Date.parse(facts.now);
  const code = facts.dispute === 'pending_verification' || facts.disputedOutsideValidationPeriod ? 'XB' : null;
  if (facts.conversations.some((at) => Date.parse(at) <= now)) return { allowed: true, basis: 'conversation', complianceConditionCode: code };
  const delivered = facts.sent.filter((m) => !m.undeliverable && m.channel !== 'sms').map((m) => Date.parse(m.at)).sort((a, b) => a - b);
  const first = delivered[0];
  if (first === undefined) return { allowed: false, reason: 'no conversation and no letter or email about the debt yet', earliest: null };
  if (now - first >= WAIT_MS) return { allowed: true, basis: 'delivered_message', complianceConditionCode: code };
  return { allowed: false, reason: 'waiting 14 days for a notice of undeliverability', earliest: new Date(first + WAIT_MS).toISOString() };
}

/**
 * What the account knows that credit reporting needs and the ledger does not: kept by the account
 * engine in Postgres (table `account_reporting`) whenever one of these facts changes, so the
 * monthly file is written from one query, without asking every workflow. Every fact carries the
 * instant it became true, so a file for an earlier month reports the account as it stood then.
 */
export interface AccountReportingFacts {
  accountKey: string;
  creditorId: string;
  accountId: string;
  product: string;
  currency: string;
  /** Who and where, for the base segment; null once personal data was purged after a death. */
  consumer: { name: string; address: { line1: string; city: string; region: string; postalCode: string; country: string }; phone: string | null } | null;
  /** When the account was placed with the collector (Metro 2 "date opened" for collection accounts). */
  enrolledAt: string;
  /** Where collection ended, and when; 'open' while it goes on (paused, on a plan… all count as open). */
  stage: 'open' | 'paid' | 'settled' | 'charged_off' | 'placed' | 'closed';
  endedAt: string | null;
  /** Closed by an operator because the consumer asked for it (compliance condition XA). */
  closedAtConsumerRequest: boolean;
  /** A dispute (within or after the validation period): when received, when answered, and whether the consumer disagrees with the answer. */
  dispute: { disputedAt: string; resolvedAt: string | null; consumerDisagrees: boolean } | null;
  deceasedAt: string | null;
  bankruptcy: { at: string; chapter: number | null } | null;
  /** §1006.30(a): the first conversation about the debt, and the first letter or email not known to be undeliverable. */
  firstConversationAt: string | null;
  firstMessageAt: string | null;
}
