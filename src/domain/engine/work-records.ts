/**
 * What the account keeps about the work people and outside services do for it: locating a
 * debtor whose every channel failed (skip tracing), field visits, insurance claims, and the work
 * items an operator finds in the work queue. Plain JSON, like the rest of the state.
 */
import type { AccountProfile, Stage } from '../account';

export type PostalAddress = AccountProfile['address'];

/** A way to reach the debtor that a skip-trace provider (or an operator) suggests; used only once verified. */
export interface TraceCandidate {
  id: string;
  kind: 'email' | 'phone' | 'address';
  /** The email or the E.164 number; for an address, its one-line form. */
  value: string;
  address?: PostalAddress;
  /** 0–100, as the provider rates it. */
  confidence: number;
  status: 'new' | 'inquired' | 'verified' | 'rejected';
  /** The contact window deferred its inquiry until then. */
  notBefore?: string;
}

/**
 * Why a third party may be contacted again for location information (15 U.S.C. 1692b(3), 12 CFR
 * 1006.10(b)(3)): that person asked for it (`requested`), or the collector reasonably believes the
 * earlier answer was wrong or incomplete and that the person now has correct or complete location
 * information (`earlier_answer_wrong`, recorded by an operator with the reason).
 */
export type FurtherContactReason = 'requested' | 'earlier_answer_wrong';

/** One contact of a third party beyond the first, allowed for a reason; kept as the record of why. */
export interface FurtherContact {
  /** The third party (`kind:value`, as `locationContacts` holds it). */
  key: string;
  reason: FurtherContactReason;
  /** Where the reason came from: the person's own reply, or an operator. */
  source: 'reply' | 'operator';
  /** Who recorded it (an operator, or "the third party's reply"), and what they said. */
  by: string;
  note: string;
  allowedAt: string;
  /** When the contact it allowed was made (sent, or stopped by the gate); null while it is still to be made. */
  contactedAt: string | null;
}

/** The account while the debtor is being located: the cadence is held until a verified contact resumes it. */
export interface LocatingState {
  since: string;
  stageBefore: Stage;
  /** tracing: asked the provider; verifying: candidates found, location inquiries out; manual: the provider found nothing, a person searches. */
  status: 'tracing' | 'verifying' | 'manual';
  traceId: string | null;
  candidates: TraceCandidate[];
  /** The work item an operator answers (confirm a candidate, or locate by hand). */
  itemId: string | null;
}

export interface VisitState {
  itemId: string;
  stepId: string;
  windowFrom: string;
  windowTo: string;
  /** No outcome reported by then: recorded as such, and the visit is over. */
  deadline: string;
}

export interface ClaimState {
  claimId: string;
  status: 'pending' | 'denied' | 'appealed' | 'paid' | 'closed';
  /** What the provider billed the payer (capped at what the account owes). */
  billedMinor: number;
  /** Posted as insurer payments so far. */
  paidMinor: number;
  payerName: string | null;
  payerClaimControlNumber: string | null;
  denial: { code: string; reason: string } | null;
  /** The last 277 category and status codes. */
  lastStatus: { category: string; code: string; at: string } | null;
  checks: number;
  nextCheckAt: string | null;
  appealedAt: string | null;
  appeals: number;
}

export const WORK_KINDS = ['debtor_reply', 'dispute', 'escalation', 'trace_confirm', 'trace_manual', 'field_visit', 'insurer_denial'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/** A task for a person, made by the engine; the activity keeps it in `work_items` once per id. */
export interface WorkItemDraft {
  id: string;
  kind: WorkKind;
  /** What the queue shows as the item's title: no personal data (it may reach logs and summaries). */
  title: string;
  /** 1 most urgent … 5. */
  priority: number;
  dueAt: string | null;
  /** What the person needs to do it (may hold personal data: the queue page shows it to operators only). */
  detail: Record<string, unknown>;
}

/** What an operator reports back about a work item (the workflow's update `recordWorkOutcome`). */
export interface WorkOutcomeRequest {
  itemId: string;
  outcome: string;
  operator: string;
  note?: string;
  /** Answers to a debtor's question: the text the operator wrote. */
  answer?: string;
  /** A promise taken on a visit. */
  promise?: { amountMinor: number; date: string };
  /** A candidate confirmed, or contact details found by hand. */
  candidateId?: string;
  found?: { email?: string; phone?: string; address?: PostalAddress };
}

/** Outcomes each kind of work item takes (the queue page offers these, the engine accepts only these). */
export const WORK_OUTCOMES: Record<WorkKind, readonly string[]> = {
  debtor_reply: ['answered', 'no_answer_needed'],
  dispute: ['verification_sent', 'noted'],
  escalation: ['retry_step', 'handled'],
  trace_confirm: ['confirmed', 'none_valid', 'asked_to_be_contacted_again', 'earlier_answer_wrong'],
  trace_manual: ['found', 'not_found'],
  field_visit: ['spoke_with_debtor', 'promise_taken', 'not_home', 'moved', 'refused'],
  insurer_denial: ['appeal_reviewed', 'denial_accepted'],
};

export interface OpenWorkItem {
  id: string;
  kind: WorkKind;
  createdAt: string;
}

/** The engine's part of the state for this work; absent in state carried from before it (fromCarried fills it). */
export interface WorkState {
  locating: LocatingState | null;
  /** Postal addresses (one-line) the post office returned, or a visitor found the debtor moved from. */
  returnedMail: string[];
  /** §1006.10: third parties (an address, number or email) already asked once for location information. */
  locationContacts: string[];
  /** §1006.10(b)(3): each contact of a third party beyond its first, with why it was allowed (the count of a third party's contacts is 1 + those made). */
  furtherContacts: FurtherContact[];
  /** Located contacts (`kind:value`) verified as the debtor's: every other one in `locationContacts` stays a third party's, also after locating ends. */
  locatedContacts: string[];
  visit: VisitState | null;
  claim: ClaimState | null;
  /** Items made but not yet kept by the activity (kept in order, one effect each). */
  workOutbox: WorkItemDraft[];
  openWork: OpenWorkItem[];
  workSeq: number;
  /** Debtor replies waiting for an answer: which item, and where the answer goes. */
  replies: { itemId: string; channel: 'email' | 'sms'; from: string }[];
  /** Answers written by an operator, sent one at a time through the gate. */
  answers: { itemId: string; channel: 'email' | 'sms'; to: string; text: string }[];
  /** The contact window deferred the first answer until then. */
  answerNotBefore: string | null;
}

export function workDefaults(): WorkState {
  return { locating: null, returnedMail: [], locationContacts: [], furtherContacts: [], locatedContacts: [], visit: null, claim: null, workOutbox: [], openWork: [], workSeq: 0, replies: [], answers: [], answerNotBefore: null };
}

export const addressLine = (a: PostalAddress): string => `${a.line1}, ${a.city}, ${a.region} ${a.postalCode}, ${a.country}`;
