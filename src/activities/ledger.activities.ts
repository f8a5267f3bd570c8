import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { LedgerError, type AdjustmentInput, type LedgerRepository, type OpenAccountInput, type PostPaymentInput, type ReversePaymentInput, type WriteOffInput } from '../adapters/ledger.repository';
import type { ArrangementSnapshot } from '../domain/engine';
import { createUnappliedPayments } from '../adapters/unapplied-payments.repository';
import { permanent } from './failures';

/** The instant if Postgres can keep it, else none (the reason says what was wrong). */
const validInstant = (iso: string) => {
  const year = new Date(Date.parse(iso)).getUTCFullYear();
  return year >= 1900 && year <= 9999 ? iso : null;
};

/**
 * Postgres's own refusals of a value (SQLSTATE class 22, data exception: a date out of range, a
 * number too large; 23514, a check constraint) are facts about the input too: retrying them would
 * stall the account forever, so they are refused like the ledger's own.
 */
function isDataError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code === '23514');
}

export function createLedgerActivities(ledger: LedgerRepository, pool: Pool) {
  const unapplied = createUnappliedPayments(pool);
  async function translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // Ledger refusals are facts about the input, not outages: retrying cannot help.
      if (error instanceof LedgerError) throw permanent(error.code, error.message);
      if (isDataError(error)) throw permanent('invalid_posting', `the ledger cannot keep this value: ${error.message}`);
      throw error;
    }
  }
  return {
    /** Opens the account in the ledger with its debts; idempotent per account. */
    openLedgerAccount(input: OpenAccountInput) {
      return translate(() => ledger.openAccount(input));
    },
    /** Posts a payment exactly once per payment id, allocated over the debts; returns the derived balances. */
    async postPayment(input: PostPaymentInput) {
      try {
        return await translate(() => ledger.postPayment(input));
      } catch (error) {
        // Money that arrived and cannot be posted is kept for an operator before it is refused.
        if (error instanceof ApplicationFailure && error.nonRetryable) {
          const [, creditorId = '', accountId = ''] = input.accountKey.split('/');
          await unapplied.record({ creditorId, accountId, paymentId: input.paymentId, amountMinor: input.amountMinor, currency: input.currency, receivedAt: validInstant(input.receivedAt), reason: `${error.type}: ${error.message}`, source: 'workflow' });
        }
        throw error;
      }
    },
    /** Reverses a returned payment once and charges the creditor's fee. */
    reversePayment(input: ReversePaymentInput) {
      return translate(() => ledger.reversePayment(input));
    },
    /** A fee, interest or a credit, once per adjustment id. */
    postAdjustment(input: AdjustmentInput) {
      return translate(() => ledger.postAdjustment(input));
    },
    /** Writes off what is still owed, once per key (settlements). */
    writeOffBalance(input: WriteOffInput) {
      return translate(() => ledger.writeOff(input));
    },
    /** The balances and debts as the ledger derives them now. */
    ledgerSnapshot(input: { accountKey: string }) {
      return translate(() => ledger.snapshot(input.accountKey));
    },
    /** Keeps the arrangement's latest state for reports; safe to repeat. */
    async recordArrangement(snapshot: ArrangementSnapshot): Promise<void> {
      await pool.query(
        `INSERT INTO arrangements (arrangement_id, account_key, creditor_id, kind, status, amount_minor, currency, due_date, created_at, resolved_at, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (arrangement_id) DO UPDATE SET status = EXCLUDED.status, amount_minor = EXCLUDED.amount_minor, due_date = EXCLUDED.due_date,
           resolved_at = EXCLUDED.resolved_at, detail = EXCLUDED.detail`,
        [snapshot.arrangementId, snapshot.accountKey, snapshot.creditorId, snapshot.kind, snapshot.status, snapshot.amountMinor, snapshot.currency, snapshot.dueDate, snapshot.createdAt, snapshot.resolvedAt, JSON.stringify(snapshot.detail)],
      );
    },
  };
}
