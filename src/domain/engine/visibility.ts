/**
 * What operators see of an account outside its history: the search attributes (indexed, so
 * queries find accounts) and the current details shown in the Temporal UI, and the full view the
 * accountState query answers. Search attributes and details carry no personal data: ids, product,
 * stage, amounts, cadence and times only.
 */
import { daysPastDue } from '../account';
import { formatMoney } from '../money';
import { describeArrangement } from './arrangement-watch';
import { balance, money, type Ctx } from './context';
import type { AccountStateView } from './records';
import { openQuestions, selfServiceView } from './self-service';
import type { EngineConfig, EngineState } from './state';

export interface Visibility {
  stage: string;
  balanceDueMinor: number;
  nextActionAt: string | null;
  cadenceName: string | null;
  cadenceVersion: number | null;
  daysPastDue: number;
  /** Questions the debtor wrote on their page that no person answered yet. */
  openQuestions: number;
}

export function visibility(state: EngineState, at: string): Visibility {
  return {
    stage: state.stage,
    balanceDueMinor: state.balanceMinor,
    nextActionAt: state.nextAction?.at ?? null,
    cadenceName: state.cadence?.name ?? null,
    cadenceVersion: state.cadence?.version ?? null,
    daysPastDue: daysPastDue(state.profile.dueDate, at),
    openQuestions: openQuestions(state),
  };
}

/**
 * The search attributes to upsert: those that changed since the last upsert. Days past due move
 * every day on their own, so they ride along with a change of something else rather than cost an
 * upsert of their own (the value is exact whenever anything else about the account changes).
 */
export function changedVisibility(last: Visibility | null, now: Visibility): Partial<Visibility> | null {
  const changed: Partial<Visibility> = {};
  let any = false;
  for (const key of ['stage', 'balanceDueMinor', 'nextActionAt', 'cadenceName', 'cadenceVersion'] as const) {
    if (last === null || last[key] !== now[key]) {
      (changed as Record<string, unknown>)[key] = now[key];
      any = true;
    }
  }
  // Published once an account has had a question, so accounts that never had one upsert exactly what they did before.
  if ((last === null && now.openQuestions > 0) || (last !== null && last.openQuestions !== now.openQuestions)) {
    changed.openQuestions = now.openQuestions;
    any = true;
  }
  if (!any) return null;
  if (last === null || last.daysPastDue !== now.daysPastDue) changed.daysPastDue = now.daysPastDue;
  return changed;
}

/** The current details in the Temporal UI (Markdown), without personal data. */
export function currentDetails(state: EngineState, config: EngineConfig, at: string): string {
  const ctx: Ctx = { s: state, config, at, nowMs: Date.parse(at), out: [] }; // read only
  const s = ctx.s;
  const account = s.profile;
  const cadence = s.cadence;
  const last = s.steps[s.steps.length - 1];
  return [
    `${account.creditorId} / ${account.accountId} · ${account.product}`,
    `Stage: **${s.stage}**${s.pausedReason ? ` (${s.pausedReason})` : ''} · Balance due: **${formatMoney(balance(ctx))}** · ${daysPastDue(account.dueDate, ctx.at)} days past due`,
    cadence ? `Cadence: ${cadence.name} v${cadence.version} · step ${Math.min(s.nextStepIndex + 1, cadence.steps.length)} of ${cadence.steps.length}` : 'Cadence: being selected',
    ...(s.creditMinor ? [`Credit held for the debtor: **${money(ctx, s.creditMinor)}** (overpayment; refund or apply)`] : []),
    ...(s.arrangement ? [`Arrangement: ${describeArrangement(ctx)}`] : []),
    ...(openQuestions(s) > 0 ? [`Questions from the debtor waiting for an answer: **${openQuestions(s)}** (\`questions list\`)`] : []),
    s.nextAction ? `Next: ${s.nextAction.description} at ${s.nextAction.at}` : 'Next: waiting for payment',
    last ? `Last: ${last.label} ${last.status} at ${last.at}` : 'No step yet',
  ].join('\n\n');
}

/** The accountState query's answer. */
export function accountView(state: EngineState, config: EngineConfig): AccountStateView {
  const account = state.profile;
  const currency = account.currency;
  const c = state.compliance;
  return {
    accountKey: config.accountKey,
    creditorId: account.creditorId,
    accountId: account.accountId,
    stage: state.stage,
    balance: { amountMinor: state.balanceMinor, currency },
    cadence: { name: state.cadence?.name ?? '(selecting)', version: state.cadence?.version ?? 0 },
    enrolledAt: state.enrolledAt,
    nextAction: state.nextAction,
    contacts: state.contacts,
    payments: state.payments,
    stageHistory: state.stageHistory,
    steps: state.steps,
    pausedReason: state.pausedReason,
    creditBalance: { amountMinor: state.creditMinor, currency },
    arrangements: { active: state.arrangement ? { kind: state.arrangement.kind, id: state.arrangement.id } : null, promises: state.promises, plans: state.plans, extensions: state.extensions },
    invalidContacts: state.invalidContacts,
    callAttempts: state.callAttempts ?? [],
    adjustments: state.adjustments,
    creditMoves: state.creditMoves,
    ...(state.selfService ? { selfService: selfServiceView(state) } : {}),
    work: { locating: state.locating, returnedMail: state.returnedMail, furtherContacts: state.furtherContacts, visit: state.visit, claim: state.claim, openItems: state.openWork },
    compliance: {
      flags: c.flags,
      dispute: c.dispute,
      disputedOutsideValidationPeriod: c.disputedOutsideValidationPeriod,
      validationNotice: c.validationNotice,
      activeMilitaryDuty: c.activeMilitaryDuty ?? false,
      representative: c.representative ?? null,
      optOuts: c.optOuts,
      consents: c.consents,
      events: c.events,
      personalDataPurged: c.personalDataPurged,
    },
  };
}
