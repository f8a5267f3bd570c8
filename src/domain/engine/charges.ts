/**
 * When the creditor's late fees and interest are charged (src/domain/charges.ts says how much):
 * on the day a fee falls due and on the first of each month for the month just ended, while the
 * account is open and past due; never for days a dispute awaited verification or a plan was
 * being kept (those days are suspensions), never after a charge-off (the account has ended).
 */
import { addDays } from '../arrangements';
import { chargeCap, nextChargeDate, type DueCharge } from '../charges';
import { localDateTime } from '../contact-policy';
import { zonedTimeToUtcMs } from '../schedule';
import type { EffectFailure } from './commands';
import { isOpen, note, perform, type Ctx } from './context';

const localToday = (ctx: Ctx) => localDateTime(ctx.at, ctx.s.profile.timezone).date;
const debtsOf = (ctx: Ctx) => ctx.s.profile.debts ?? [{ dueDate: ctx.s.profile.dueDate }];

/** Charges are evaluated for an open, past-due account whose creditor has charge rules. */
function charging(ctx: Ctx): boolean {
  return ctx.config.charges !== undefined && ctx.s.ledgerOpened && isOpen(ctx) && ctx.s.stage !== 'current' && ctx.s.balanceMinor > 0;
}

/** Asks for the charges due by today when one may have fallen due since they were last looked at; true when it did. */
export function planCharges(ctx: Ctx): boolean {
  if (!charging(ctx)) return false;
  const today = localToday(ctx);
  const next = nextChargeDate(ctx.config.charges!.rules, debtsOf(ctx), ctx.s.chargesThrough ?? addDays(ctx.s.profile.dueDate, -1));
  if (next === null || next > today) return false;
  const account = ctx.s.profile;
  perform(ctx, {
    kind: 'accrue_charges',
    input: {
      accountKey: ctx.config.accountKey,
      currency: account.currency,
      through: today,
      at: ctx.at,
      rules: ctx.config.charges!.rules,
      cap: chargeCap(account.address.country === 'US' ? account.address.region : null, account.product, ctx.config.charges!.capOverrides),
      suspensions: ctx.s.chargeSuspensions,
    },
    summary: `late fees and interest due by ${today}`,
  });
  return true;
}

/** When the engine must wake for the next charge (09:00 local that day), or null. */
export function nextChargeWakeMs(ctx: Ctx): number | null {
  if (!charging(ctx)) return null;
  const next = nextChargeDate(ctx.config.charges!.rules, debtsOf(ctx), ctx.s.chargesThrough ?? addDays(ctx.s.profile.dueDate, -1));
  return next === null ? null : zonedTimeToUtcMs(next, '09:00', ctx.s.profile.timezone);
}

export function chargesPosted(ctx: Ctx, through: string, outcome: { value: { balanceMinor: number; creditMinor: number; posted: DueCharge[] } } | { failure: EffectFailure }): void {
  const s = ctx.s;
  s.chargesThrough = through;
  if ('failure' in outcome) {
    note(ctx, '(ledger)', 'charges refused', 'late fees and interest refused by the ledger', 'failed', `${outcome.failure.type}: ${outcome.failure.message}`);
    return;
  }
  s.balanceMinor = outcome.value.balanceMinor;
  s.creditMinor = outcome.value.creditMinor;
  for (const charge of outcome.value.posted)
    s.adjustments.push({ adjustmentId: charge.key, kind: charge.kind, amountMinor: charge.amountMinor, currency: s.profile.currency, description: charge.description, at: ctx.at, status: 'posted', reason: null });
}
