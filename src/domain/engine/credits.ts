/**
 * Held credit that moved outside the workflow: an operator applied this account's credit to another
 * of the debtor's debts, applied another account's credit to this one, or refunded it. The
 * operator's command posted it on the ledger already; the account records each move once (by its
 * id, so a repeated message changes nothing), then reads the ledger's figures back (the ledger is
 * the truth, whatever else was posted meanwhile). A credit applied here is money received: it is
 * recorded with the payments, counts towards a promise or plan, and a balance it clears ends the
 * account as paid exactly as a payment would.
 */
import { formatMoney } from '../money';
import type { EffectFailure, EffectValues } from './commands';
import { money, note, perform, type Ctx } from './context';
import type { CreditApplied, CreditMoveRecord, CreditRefunded } from './records';
import type { PendingCreditMove } from './state';

const accountIdOf = (accountKey: string | null) => accountKey?.split('/').pop() ?? '';

const known = (ctx: Ctx, id: string) => ctx.s.creditMoves.some((m) => m.id === id) || ctx.s.pendingCreditMoves.some((m) => m.id === id);

/** Why a move cannot be this account's, if it cannot (recorded as ignored, with why). */
function unfit(ctx: Ctx, amountMinor: number, currency: string): string | null {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) return 'amountMinor must be a positive whole number of minor units';
  if (currency !== ctx.s.profile.currency) return `currency ${currency} does not match the account's ${ctx.s.profile.currency}`;
  return null;
}

function arrived(ctx: Ctx, move: PendingCreditMove, problem: string | null): void {
  if (problem === null) return void ctx.s.pendingCreditMoves.push(move);
  ctx.s.creditMoves.push({ ...move, status: 'ignored', reason: problem, balanceAfterMinor: null, creditAfterMinor: null });
  note(ctx, '(ledger)', 'credit move ignored', 'credit move ignored', 'failed', `${move.id}: ${problem}`);
}

/** An application of held credit between two of the debtor's accounts; returns this account's side, if it is one of them. */
export function creditApplied(ctx: Ctx, application: CreditApplied): PendingCreditMove['kind'] | null {
  const id = `application/${application?.applicationId}`;
  if (!application || known(ctx, id)) return null;
  const key = ctx.config.accountKey;
  const { sourceAccountKey: source, targetAccountKey: target } = application;
  const kind = source === target ? 'misaddressed' : target === key ? 'applied_in' : source === key ? 'applied_out' : 'misaddressed';
  const move: PendingCreditMove = { id, kind, otherAccountKey: kind === 'applied_in' ? source : target, amount: { amountMinor: application.amountMinor, currency: application.currency }, at: application.appliedAt ?? ctx.at };
  arrived(ctx, move, kind === 'misaddressed' ? `names ${source} and ${target}, not this account as one of two` : unfit(ctx, application.amountMinor, application.currency));
  return ctx.s.pendingCreditMoves.includes(move) ? kind : null;
}

/** A refund of the credit this account held. */
export function creditRefunded(ctx: Ctx, refund: CreditRefunded): void {
  const id = `refund/${refund?.refundId}`;
  if (!refund || known(ctx, id)) return;
  arrived(ctx, { id, kind: 'refunded', otherAccountKey: null, amount: { amountMinor: refund.amountMinor, currency: refund.currency }, at: refund.refundedAt ?? ctx.at }, unfit(ctx, refund.amountMinor, refund.currency));
}

/** Asks the ledger for its figures once for every move waiting (they are all posted already). Returns true when it asked. */
export function planCreditFigures(ctx: Ctx): boolean {
  const waiting = ctx.s.pendingCreditMoves;
  if (waiting.length === 0) return false;
  perform(ctx, { kind: 'ledger_snapshot', purpose: { type: 'credit_moved' }, input: { accountKey: ctx.config.accountKey }, summary: `read the ledger after ${waiting.map((m) => m.id).join(', ')}` });
  return true;
}

/** The ledger's figures after the moves: balance and credit held from it, each move recorded, money applied here among the payments. */
export function creditFiguresRead(ctx: Ctx, outcome: { value: EffectValues['ledger_snapshot'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const moves = s.pendingCreditMoves.splice(0);
  if ('failure' in outcome) {
    for (const move of moves) arrived(ctx, move, `the ledger could not be read: ${outcome.failure.type}: ${outcome.failure.message}`);
    return;
  }
  s.balanceMinor = outcome.value.balanceMinor;
  s.creditMinor = outcome.value.creditMinor;
  for (const move of moves) {
    const recorded: CreditMoveRecord = { ...move, status: 'recorded', reason: null, balanceAfterMinor: s.balanceMinor, creditAfterMinor: s.creditMinor };
    s.creditMoves.push(recorded);
    const amount = formatMoney(move.amount);
    const other = accountIdOf(move.otherAccountKey);
    const ref = move.id.slice(move.id.indexOf('/') + 1);
    if (move.kind === 'applied_in') {
      s.payments.push({ paymentId: `credit:${ref}`, amount: move.amount, receivedAt: move.at, status: 'posted', reason: `credit held on ${other} applied (${ref})`, balanceAfterMinor: s.balanceMinor, creditFrom: move.otherAccountKey! });
      note(ctx, '(ledger)', 'credit applied', 'credit applied from another account', 'done', `${amount} held for the debtor on ${other} applied to this account (${ref}); balance ${money(ctx, s.balanceMinor)}`);
    } else if (move.kind === 'applied_out') {
      note(ctx, '(ledger)', 'credit applied elsewhere', 'credit applied to another account', 'done', `${amount} of the credit held applied to ${other} (${ref}); credit held now ${money(ctx, s.creditMinor)}`);
    } else {
      note(ctx, '(ledger)', 'credit refunded', 'credit refunded', 'done', `${amount} refunded to the debtor (${ref}); credit held now ${money(ctx, s.creditMinor)}`);
    }
  }
}
