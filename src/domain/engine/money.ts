/**
 * Money events: payments, returned payments, fees, interest and credits, posted to the ledger one
 * at a time in the order they arrived (the ledger is the truth: every balance comes back from it);
 * an account paid or settled stays open for returned payments, and reopens where it stood.
 */
import type { PaymentRecord, Stage } from '../account';
import { formatMoney } from '../money';
import type { EffectFailure, EffectValues } from './commands';
import { balance, changeStage, money, note, perform, stopClockSince, type Ctx } from './context';
import { planCreditFigures } from './credits';
import type { LedgerAdjustment, PaymentReceived, PaymentReturned } from './records';

const DAY_MS = 86_400_000;

/** Something for the ledger is waiting. */
export const ledgerWork = (ctx: Ctx) => ctx.s.pendingPayments.length > 0 || ctx.s.pendingReturns.length > 0 || ctx.s.pendingAdjustments.length > 0 || ctx.s.pendingCreditMoves.length > 0;

// ---- arriving (signals: recorded at once, posted in order) ---------------------------------------

/** Duplicate deliveries of one payment id are dropped here; the ledger's unique key is the backstop. */
export function paymentArrived(ctx: Ctx, payment: PaymentReceived): void {
  const s = ctx.s;
  if (s.payments.some((p) => p.paymentId === payment?.paymentId) || s.pendingPayments.some((p) => p.paymentId === payment?.paymentId)) return;
  s.pendingPayments.push(payment);
}

export function returnArrived(ctx: Ctx, returned: PaymentReturned): void {
  if (!ctx.s.pendingReturns.some((r) => r.paymentId === returned?.paymentId)) ctx.s.pendingReturns.push(returned);
}

export function adjustmentArrived(ctx: Ctx, adjustment: LedgerAdjustment): void {
  const id = adjustment?.adjustmentId;
  if (!ctx.s.adjustments.some((a) => a.adjustmentId === id) && !ctx.s.pendingAdjustments.some((a) => a.adjustmentId === id)) ctx.s.pendingAdjustments.push(adjustment);
}

// ---- posting -------------------------------------------------------------------------------------

/** Asks the ledger for the first pending money event, or settles it here when it cannot be posted. Returns true when an effect was asked for. */
export function planLedgerWork(ctx: Ctx): boolean {
  const s = ctx.s;
  const currency = s.profile.currency;
  while (s.pendingPayments.length > 0) {
    const payment = s.pendingPayments[0]!;
    const receivedAt = payment.receivedAt ?? ctx.at;
    const invalid =
      !Number.isSafeInteger(payment.amountMinor) || payment.amountMinor <= 0
        ? 'amountMinor must be a positive whole number of minor units'
        : payment.currency !== currency
          ? `currency ${payment.currency} does not match the account's ${currency}`
          : null;
    if (invalid) {
      s.pendingPayments.shift();
      s.payments.push(paymentRecord(payment, receivedAt, 'rejected', invalid));
      continue;
    }
    perform(ctx, { kind: 'post_payment', input: { accountKey: ctx.config.accountKey, paymentId: payment.paymentId, amountMinor: payment.amountMinor, currency, receivedAt }, summary: `post payment ${payment.paymentId} of ${money(ctx, payment.amountMinor)}` });
    return true;
  }
  while (s.pendingReturns.length > 0) {
    const returned = s.pendingReturns[0]!;
    // Credit applied from another account is not a payment a bank can return.
    const payment = s.payments.find((p) => p.paymentId === returned.paymentId && p.status !== 'rejected' && !p.creditFrom);
    if (!payment) {
      s.pendingReturns.shift();
      note(ctx, '(ledger)', 'payment return refused', 'payment return refused', 'failed', `return ${returned.returnId}: no payment ${returned.paymentId} was posted to this account`);
      continue;
    }
    if (payment.status !== 'posted') {
      s.pendingReturns.shift(); // already reversed: the ledger reverses a payment once, whatever the return id
      continue;
    }
    perform(ctx, {
      kind: 'reverse_payment',
      input: { accountKey: ctx.config.accountKey, paymentId: payment.paymentId, returnId: returned.returnId, reason: returned.reason, returnedAt: returned.returnedAt ?? ctx.at, feeMinor: ctx.config.arrangementRules.returnedPaymentFeeMinor },
      summary: `reverse payment ${payment.paymentId} (${returned.reason})`,
    });
    return true;
  }
  while (s.pendingAdjustments.length > 0) {
    const adjustment = s.pendingAdjustments[0]!;
    if (adjustment.currency !== currency) {
      s.pendingAdjustments.shift();
      s.adjustments.push({ ...adjustment, at: ctx.at, status: 'rejected', reason: `currency ${adjustment.currency} does not match the account's ${currency}` });
      continue;
    }
    perform(ctx, {
      kind: 'post_adjustment',
      input: { accountKey: ctx.config.accountKey, adjustmentId: adjustment.adjustmentId, kind: adjustment.kind, amountMinor: adjustment.amountMinor, currency, description: adjustment.description, at: ctx.at },
      summary: `post ${adjustment.kind} ${adjustment.adjustmentId} of ${money(ctx, adjustment.amountMinor)}`,
    });
    return true;
  }
  // Held credit an operator moved (applied, refunded): posted already, its figures read back.
  return planCreditFigures(ctx);
}

function paymentRecord(payment: PaymentReceived, receivedAt: string, status: PaymentRecord['status'], reason: string | null): PaymentRecord {
  return { paymentId: payment.paymentId, amount: { amountMinor: payment.amountMinor, currency: payment.currency }, receivedAt, status, reason, balanceAfterMinor: null };
}

/** A refusal by the ledger is recorded with why; anything else is not a refusal and never reaches here. */
const refused = (failure: EffectFailure) => `${failure.type}: ${failure.message}`;

export function paymentPosted(ctx: Ctx, outcome: { value: EffectValues['post_payment'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const payment = s.pendingPayments.shift();
  if (!payment) return;
  const receivedAt = payment.receivedAt ?? ctx.at;
  if ('failure' in outcome) {
    // The ledger can never take it (the activity kept it as unapplied money): recorded, an operator told, the account goes on.
    s.payments.push(paymentRecord(payment, receivedAt, 'rejected', refused(outcome.failure)));
    note(ctx, '(ledger)', 'payment refused', 'payment refused by the ledger', 'failed', `payment ${payment.paymentId} of ${formatMoney({ amountMinor: payment.amountMinor, currency: payment.currency })} refused (${refused(outcome.failure)}); kept as unapplied money for an operator`);
    return;
  }
  const result = outcome.value;
  const record = paymentRecord(payment, receivedAt, 'posted', null);
  s.balanceMinor = result.balanceMinor;
  record.balanceAfterMinor = result.balanceMinor;
  s.answeredSinceLastStep = true;
  if (result.creditMinor !== undefined) s.creditMinor = result.creditMinor;
  if (result.overpaymentMinor !== undefined && result.overpaymentMinor > 0) {
    // Reported to the operator, who refunds it or applies it; never silently kept.
    record.overpaymentMinor = result.overpaymentMinor;
    note(ctx, '(ledger)', 'overpayment', 'overpayment held as credit', 'done', `${money(ctx, result.overpaymentMinor)} of payment ${payment.paymentId} beyond the balance is held as a credit for the debtor: refund or apply it`);
  }
  s.payments.push(record);
}

export function paymentReversed(ctx: Ctx, outcome: { value: EffectValues['reverse_payment'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const returned = s.pendingReturns.shift();
  if (!returned) return;
  const payment = s.payments.find((p) => p.paymentId === returned.paymentId && p.status === 'posted');
  if ('failure' in outcome || !payment) {
    note(ctx, '(ledger)', 'payment return refused', 'payment return refused', 'failed', 'failure' in outcome ? refused(outcome.failure) : `no posted payment ${returned.paymentId}`);
    return;
  }
  const result = outcome.value;
  s.balanceMinor = result.balanceMinor;
  s.creditMinor = result.creditMinor;
  payment.status = 'reversed';
  payment.reason = `returned: ${returned.reason} (${returned.returnId})`;
  note(
    ctx,
    '(ledger)',
    'payment returned',
    'payment returned',
    'done',
    `payment ${payment.paymentId} of ${formatMoney(payment.amount)} returned (${returned.reason})${result.feeMinor ? `; fee ${money(ctx, result.feeMinor)} charged` : ''}; balance ${formatMoney(balance(ctx))}`,
  );
}

export function adjustmentPosted(ctx: Ctx, outcome: { value: EffectValues['post_adjustment'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const adjustment = s.pendingAdjustments.shift();
  if (!adjustment) return;
  if ('failure' in outcome) {
    s.adjustments.push({ ...adjustment, at: ctx.at, status: 'rejected', reason: refused(outcome.failure) });
    note(ctx, '(ledger)', 'adjustment refused', 'adjustment refused by the ledger', 'failed', `${adjustment.kind} ${adjustment.adjustmentId} refused (${refused(outcome.failure)})`);
    return;
  }
  s.balanceMinor = outcome.value.balanceMinor;
  s.creditMinor = outcome.value.creditMinor;
  s.adjustments.push({ ...adjustment, at: ctx.at, status: 'posted', reason: null });
}

// ---- paid, and the window for payments that come back --------------------------------------------

/** The balance is cleared: the account is paid (an arrangement running ends as kept or completed, elsewhere). */
export function markPaid(ctx: Ctx): void {
  const s = ctx.s;
  s.nextAction = null;
  const last = [...s.payments].reverse().find((p) => p.status === 'posted');
  if (s.stage === 'paused') {
    s.stageBeforePause = null;
    s.pausedReason = null;
    s.pausedAt = null;
  }
  const cause = !last ? null : last.creditFrom ? `credit held on ${last.creditFrom.split('/').pop()} applied (${last.paymentId.replace(/^credit:/, '')})` : `payment ${last.paymentId}`;
  changeStage(ctx, 'paid', cause ? `balance cleared by ${cause}` : 'no balance due');
}

/**
 * A paid or settled account stays open for the creditor's reopen window: a payment that comes
 * back (insufficient funds, chargeback) or a new charge reopens it where the cadence stood.
 * Returns the instant the window closes, or null when it has closed (or the account was reopened).
 */
export function reopenWindow(ctx: Ctx): string | null {
  const s = ctx.s;
  if (s.stage !== 'paid' && s.stage !== 'settled') return null;
  s.endedAt ??= ctx.at;
  const windowEndMs = Date.parse(s.endedAt) + ctx.config.arrangementRules.reopenWindowDays * DAY_MS;
  if (s.balanceMinor > 0) {
    const reopenAs: Stage = s.stageBeforeEnd === 'escalated' ? 'escalated' : 'reminding';
    const returned = [...s.payments].reverse().find((p) => p.status === 'reversed');
    const charged = s.adjustments.filter((a) => a.status === 'posted' && a.kind !== 'credit').pop();
    const why = returned ? `payment ${returned.paymentId} ${returned.reason}` : charged ? `${charged.kind} ${charged.adjustmentId} charged` : 'money is owed again';
    changeStage(ctx, reopenAs, `reopened: ${why}; ${formatMoney(balance(ctx))} due`);
    stopClockSince(ctx, s.endedAt);
    s.endedAt = null;
    return null;
  }
  if (ctx.nowMs >= windowEndMs) return null;
  const until = new Date(windowEndMs).toISOString();
  s.nextAction = { description: 'close once no payment can come back', at: until };
  return until;
}
