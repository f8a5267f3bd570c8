/**
 * Personal visits: a `field_visit` step makes a task for a field visitor — the address, the
 * window the contact-policy gate allows (its hours in every zone the debtor may be in, the
 * creditor's and the state's stricter ones included), and what the visitor may say. The gate's
 * suppressions hold for visits as for every contact (cease, attorney, dispute, death, bankruptcy).
 * The visitor's outcome comes back through the work queue (work-outcomes.ts).
 */
import { stepLabel, unmetCondition, type CadenceStep } from '../cadence';
import { evaluateContact, nextInstantInWindow, rulesFor } from '../contact-policy';
import { formatMoney } from '../money';
import { note, recordStep, type Ctx } from './context';
import { contactRequest, letterRecipient } from './contacts';
import { finishStep } from './steps';
import { closeItem, queueWork } from './work';
import { addressLine, WORK_OUTCOMES } from './work-records';

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 15 * 60_000;
/** Days after the window the visitor has to report the outcome. */
const REPORT_DAYS = 7;
const DEFAULT_COLLECTOR = 'Dunning Collections';

/** The first stretch of time, from `fromMs`, inside the contact window in every candidate zone. */
export function visitWindow(fromMs: number, zones: readonly string[], startHour: number, endHour: number): { from: number; to: number } | null {
  const from = nextInstantInWindow(fromMs, zones, startHour, endHour);
  if (from === null) return null;
  let to = from;
  while (to - from < DAY_MS && nextInstantInWindow(to + QUARTER_HOUR_MS, zones, startHour, endHour) === to + QUARTER_HOUR_MS) to += QUARTER_HOUR_MS;
  return { from, to: to + QUARTER_HOUR_MS };
}

export function runVisit(ctx: Ctx, step: CadenceStep, index: number): void {
  const s = ctx.s;
  const account = s.profile;
  const unmet = unmetCondition(step, account, s.balanceMinor, s.answeredSinceLastStep);
  if (unmet) {
    recordStep(ctx, step, 'skipped', unmet);
    return void finishStep(ctx, step);
  }
  if (s.returnedMail.includes(addressLine(account.address))) {
    recordStep(ctx, step, 'skipped', 'the address is known to be wrong (mail returned)');
    return void finishStep(ctx, step);
  }
  // The gate's suppressions (a letter's: no time of day), then its hours for the window.
  const request = contactRequest(ctx, 'letter', letterRecipient(ctx));
  const rules = rulesFor(request.state, request.city, ctx.config.contactRules);
  const decision = evaluateContact(request, rules);
  if (decision.kind === 'suppress') {
    recordStep(ctx, step, 'suppressed', `${decision.rule}: ${decision.reason}`);
    return void finishStep(ctx, step);
  }
  const window = visitWindow(ctx.nowMs, request.timezones, rules.windowStartHour, rules.windowEndHour);
  if (!window) {
    recordStep(ctx, step, 'skipped', 'no hour is inside the contact window in every zone the debtor may be in');
    return void finishStep(ctx, step);
  }
  const windowFrom = new Date(window.from).toISOString();
  const windowTo = new Date(window.to).toISOString();
  const itemId = queueWork(ctx, 'field_visit', {
    title: `Field visit (${stepLabel(step)}, step ${index + 1})`,
    priority: 2,
    dueAt: windowTo,
    detail: {
      address: addressLine(account.address),
      window: { from: windowFrom, to: windowTo, zones: request.timezones },
      script: visitScript(ctx),
      outcomes: WORK_OUTCOMES.field_visit,
    },
  });
  s.visit = { itemId, stepId: step.id, windowFrom, windowTo, deadline: new Date(window.to + REPORT_DAYS * DAY_MS).toISOString() };
  recordStep(ctx, step, 'done', `field visit task created for ${windowFrom} to ${windowTo}`);
  finishStep(ctx, step);
}

/** What the visitor may say and do (Regulation F: who may hear about the debt, when, and how to leave). */
export function visitScript(ctx: Ctx): string {
  const a = ctx.s.profile;
  const collector = ctx.config.settings.collectorName ?? DEFAULT_COLLECTOR;
  const balance = formatMoney({ amountMinor: ctx.s.balanceMinor, currency: a.currency });
  return [
    `Visit only inside the window shown; leave at once if asked to, and do not come back if told not to.`,
    `Ask for ${a.debtorName} by name. Say who you are and that you are from ${collector}.`,
    `Speak about the account only with ${a.debtorName}, and only after they confirm who they are: "This is an attempt to collect a debt by a debt collector; the balance is ${balance}." Offer the payment link or a promise to pay.`,
    `To anyone else: ask only how to reach ${a.debtorName} (§1006.10); never say it is about a debt, and leave nothing in writing that says so.`,
    `Report the outcome: spoke with debtor, promise taken (amount and date), not home, moved, or refused.`,
  ].join('\n');
}

/** A visit whose outcome never came: recorded, and it no longer waits. */
export function planVisitDeadline(ctx: Ctx): void {
  const visit = ctx.s.visit;
  if (!visit || Date.parse(visit.deadline) > ctx.nowMs) return;
  note(ctx, visit.stepId, 'field_visit', 'field visit', 'failed', 'no outcome reported by the visitor');
  closeItem(ctx, visit.itemId);
  ctx.s.visit = null;
}
