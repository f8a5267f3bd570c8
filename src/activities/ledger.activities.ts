import type { Pool } from 'pg';
import { LedgerError, type AdjustmentInput, type LedgerRepository, type OpenAccountInput, type PostPaymentInput, type ReversePaymentInput, type WriteOffInput } from '../adapters/ledger.repository';
import type { ArrangementSnapshot } from '../domain/engine';
import { permanent } from './failures';

export function createLedgerActivities(ledger: LedgerRepository, pool: Pool) {
  async function translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // Ledger refusals are facts about the input, not outages: retrying cannot help.
      if (error instanceof LedgerError) throw permanent(error.code, error.message);
      throw error;
    }
  }
  return {
    /** Opens the account in the ledger with its debts; idempotent per account. */
    openLedgerAccount(input: OpenAccountInput) {
      return translate(() => ledger.openAccount(input));
    },
    /** Posts a payment exactly once per payment id, allocated over the debts; returns the derived balances. */
    postPayment(input: PostPaymentInput) {
      return translate(() => ledger.postPayment(input));
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
