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
