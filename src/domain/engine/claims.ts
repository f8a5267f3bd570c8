/**
 * Insurance claims (medical accounts with a claim id). A `claim_status` step asks the payer for
 * the claim's status (an X12 276 inquiry; the 277 answer's category code says what happened) and
 * the engine asks again while it is pending. A denial produces an appeal letter to the payer (PDF,
 * with the denial reason and the claim's facts), a task for a person, and a follow-up; the payer's
 * payment posts to the ledger as an insurer payment before the patient is billed. While the claim
 * is open, the part billed to the payer is not the patient's to pay: messages show the patient's
 * share only, and the cadence holds when there is none.
 */
import { stepLabel, unmetCondition, type CadenceStep } from '../cadence';
import { formatMoney } from '../money';
import type { EffectFailure, EffectValues } from './commands';
import { perform, recordStep, underClaimMinor, type Ctx } from './context';
import { paymentArrived } from './money';
import { finishStep } from './steps';
import { queueWork } from './work';
import type { ClaimState } from './work-records';

const DAY_MS = 86_400_000;
/** How long after a pending answer the payer is asked again, and after an appeal. */
const RECHECK_DAYS = 7;
const APPEAL_FOLLOW_UP_DAYS = 14;
/** After this many pending answers a person looks at the claim (and the engine still asks). */
const MAX_QUIET_CHECKS = 12;

export const claimOpen = (claim: ClaimState | null): boolean => claim !== null && ['pending', 'denied', 'appealed'].includes(claim.status);

/** The 277 category: A (acknowledged) and P (pending) and R (more information asked) wait, F is final, E an error (ask later). */
export function claimOutcome(category: string, paidMinor: number): 'pending' | 'paid' | 'denied' | 'error' {
  const c = category.toUpperCase();
  if (c.startsWith('F')) return paidMinor > 0 ? 'paid' : 'denied';
  if (c.startsWith('E')) return 'error';
  return 'pending';
}

export function runClaimStep(ctx: Ctx, step: CadenceStep, index: number): void {
  const s = ctx.s;
  const account = s.profile;
  const unmet = unmetCondition(step, account, s.balanceMinor, s.answeredSinceLastStep);
  if (unmet || !account.insuranceClaimId) {
    recordStep(ctx, step, 'skipped', unmet ?? 'the account has no insurance claim id');
    return void finishStep(ctx, step);
  }
  if (s.claim && s.claim.claimId === account.insuranceClaimId && s.claim.status !== 'pending') {
    recordStep(ctx, step, 'done', `claim ${s.claim.status}; followed since the first inquiry`);
    return void finishStep(ctx, step);
  }
  askStatus(ctx, { type: 'step', stepIndex: index }, `${stepLabel(step)} (step ${index + 1})`);
}

function askStatus(ctx: Ctx, purpose: { type: 'step'; stepIndex: number } | { type: 'follow_up' }, label: string): void {
  const s = ctx.s;
  const a = s.profile;
  s.claim ??= { claimId: a.insuranceClaimId!, status: 'pending', billedMinor: s.balanceMinor, paidMinor: 0, payerName: null, payerClaimControlNumber: null, denial: null, lastStatus: null, checks: 0, nextCheckAt: null, appealedAt: null, appeals: 0 };
  const claim = s.claim;
  claim.checks += 1;
  perform(ctx, {
    kind: 'claim_status',
    purpose,
    input: {
      accountKey: ctx.config.accountKey,
      creditorId: a.creditorId,
      reference: `${ctx.config.accountKey}/claim/${claim.claimId}/${claim.checks}`,
      claimId: claim.claimId,
      payerClaimControlNumber: claim.payerClaimControlNumber,
      patientName: a.debtorName,
      serviceDate: a.dueDate,
      chargeMinor: claim.billedMinor,
      currency: a.currency,
    },
    summary: `${label}: claim status inquiry (276)`,
  });
}

/** The planner's part: an appeal after a denial, a check that is due. True when it asked for one. */
export function planClaim(ctx: Ctx): boolean {
  const claim = ctx.s.claim;
  if (!claim) return false;
  if (claim.status === 'denied' && claim.appeals === 0) {
    const a = ctx.s.profile;
    perform(ctx, {
      kind: 'claim_appeal',
      input: {
        accountKey: ctx.config.accountKey,
        creditorId: a.creditorId,
        accountId: a.accountId,
        idempotencyKey: `${ctx.config.accountKey}/claim/${claim.claimId}/appeal/${claim.appeals + 1}`,
        claimId: claim.claimId,
        payerName: claim.payerName ?? 'the payer',
        payerClaimControlNumber: claim.payerClaimControlNumber,
        denial: claim.denial ?? { code: 'unknown', reason: 'no reason given' },
        billedMinor: claim.billedMinor,
        currency: a.currency,
        patientName: a.debtorName,
        serviceDate: a.dueDate,
        dateIso: ctx.at.slice(0, 10),
      },
      summary: `appeal of the denied claim (reason ${claim.denial?.code ?? 'unknown'})`,
    });
    return true;
  }
  if ((claim.status === 'pending' || claim.status === 'appealed') && claim.nextCheckAt && Date.parse(claim.nextCheckAt) <= ctx.nowMs) {
    askStatus(ctx, { type: 'follow_up' }, 'claim follow-up');
    return true;
  }
  return false;
}

/** Nothing is the patient's to pay while the payer may still pay it all: the cadence waits for the claim. */
export function claimHoldsCadence(ctx: Ctx): boolean {
  return claimOpen(ctx.s.claim) && ctx.s.balanceMinor - underClaimMinor(ctx.s) <= 0;
}

export function claimStatusResult(ctx: Ctx, purpose: { type: 'step'; stepIndex: number } | { type: 'follow_up' }, outcome: { value: EffectValues['claim_status'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const claim = s.claim!;
  const step = purpose.type === 'step' ? s.cadence?.steps[purpose.stepIndex] : undefined;
  const current = step !== undefined && purpose.type === 'step' && purpose.stepIndex === s.nextStepIndex;
  let detail: string;
  if ('failure' in outcome) {
    claim.nextCheckAt = new Date(ctx.nowMs + DAY_MS).toISOString();
    detail = `the payer could not be asked: ${outcome.failure.message}; asked again tomorrow`;
  } else {
    const v = outcome.value;
    claim.payerName = v.payerName ?? claim.payerName;
    claim.payerClaimControlNumber = v.payerClaimControlNumber ?? claim.payerClaimControlNumber;
    claim.lastStatus = { category: v.category, code: v.code, at: ctx.at };
    if (v.billedMinor > 0 && claim.paidMinor === 0) claim.billedMinor = Math.min(v.billedMinor, s.balanceMinor);
    const result = claimOutcome(v.category, v.paidMinor);
    if (result === 'paid') {
      const newly = Math.max(0, Math.min(v.paidMinor, claim.billedMinor) - claim.paidMinor);
      if (newly > 0) paymentArrived(ctx, { paymentId: `insurer-${claim.claimId}-${claim.checks}`, amountMinor: newly, currency: s.profile.currency, receivedAt: ctx.at });
      claim.paidMinor += newly;
      claim.status = 'paid';
      claim.nextCheckAt = null;
      detail = `${v.category} (${v.code}): the payer paid ${formatMoney({ amountMinor: newly, currency: s.profile.currency })}, posted as an insurer payment; the patient owes the rest`;
    } else if (result === 'denied') {
      claim.denial = v.denial ?? { code: v.code, reason: 'denied' };
      if (claim.appeals === 0) {
        claim.status = 'denied';
        detail = `${v.category} (${v.code}): denied (${claim.denial.code}: ${claim.denial.reason}); an appeal follows`;
      } else {
        claim.status = 'closed';
        claim.nextCheckAt = null;
        queueWork(ctx, 'insurer_denial', { title: 'Insurer upheld a denial after appeal', priority: 2, dueAt: null, detail: { claimId: claim.claimId, denial: claim.denial, payer: claim.payerName, billedMinor: claim.billedMinor, currency: s.profile.currency, appealedAt: claim.appealedAt } });
        detail = `${v.category} (${v.code}): the denial stands after the appeal; the patient is billed the balance`;
      }
    } else {
      claim.nextCheckAt = new Date(ctx.nowMs + RECHECK_DAYS * DAY_MS).toISOString();
      detail = `${v.category} (${v.code}): ${result === 'error' ? 'the payer answered with an error' : 'pending'}; asked again ${claim.nextCheckAt.slice(0, 10)}`;
      if (claim.checks === MAX_QUIET_CHECKS)
        queueWork(ctx, 'insurer_denial', { title: `Claim still pending after ${claim.checks} inquiries`, priority: 4, dueAt: null, detail: { claimId: claim.claimId, payer: claim.payerName, lastStatus: claim.lastStatus } });
    }
  }
  s.compliance.events.push({ kind: 'claim_status', at: ctx.at, detail });
  if (current) {
    recordStep(ctx, step, 'failure' in outcome ? 'failed' : 'done', detail);
    finishStep(ctx, step);
  }
}

export function claimAppealResult(ctx: Ctx, outcome: { value: EffectValues['claim_appeal'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const claim = s.claim!;
  claim.appeals += 1;
  claim.status = 'appealed';
  claim.appealedAt = ctx.at;
  claim.nextCheckAt = new Date(ctx.nowMs + APPEAL_FOLLOW_UP_DAYS * DAY_MS).toISOString();
  const sent = 'value' in outcome;
  queueWork(ctx, 'insurer_denial', {
    title: sent ? 'Insurer denied a claim: appeal sent, review it' : 'Insurer denied a claim: the appeal could not be sent',
    priority: sent ? 3 : 1,
    dueAt: claim.nextCheckAt,
    detail: { claimId: claim.claimId, payer: claim.payerName, denial: claim.denial, billedMinor: claim.billedMinor, currency: s.profile.currency, documentId: sent ? outcome.value.documentId : null, error: sent ? null : outcome.failure.message, followUp: claim.nextCheckAt },
  });
  s.compliance.events.push({ kind: 'claim_appeal', at: ctx.at, detail: sent ? `appeal letter ${outcome.value.documentId} sent to the payer; follow-up ${claim.nextCheckAt.slice(0, 10)}` : `appeal not sent: ${outcome.failure.message}` });
}

/** The appeal letter's text: the claim's facts and the denial, asking for reconsideration. */
export function appealLetterLines(facts: { payerName: string; claimId: string; payerClaimControlNumber: string | null; patientName: string; serviceDate: string; billedMinor: number; currency: string; denial: { code: string; reason: string }; creditorName: string; dateIso: string }): string[] {
  return [
    `Date: ${facts.dateIso}`,
    `To: ${facts.payerName}, claims appeals`,
    `Re: request for reconsideration of claim ${facts.claimId}${facts.payerClaimControlNumber ? ` (payer claim control number ${facts.payerClaimControlNumber})` : ''}`,
    `Patient: ${facts.patientName}. Date of service: ${facts.serviceDate}. Amount billed: ${formatMoney({ amountMinor: facts.billedMinor, currency: facts.currency })}.`,
    `The claim was denied with reason ${facts.denial.code}: ${facts.denial.reason}.`,
    `On behalf of ${facts.creditorName}, we ask you to reconsider the claim: the service was provided as billed, and the documentation the denial calls for is available on request. Please reprocess the claim and send the payment, or a detailed explanation of the denial, to the provider.`,
    `Sincerely, the billing office of ${facts.creditorName}`,
  ];
}
