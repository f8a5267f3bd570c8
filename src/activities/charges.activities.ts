/**
 * Late fees and interest by the creditor's rules: the principal of each invoice over time comes
 * from the ledger, the arithmetic from src/domain/charges.ts, and each charge is posted once (its
 * key is the adjustment id; charges already posted are not computed again, so a payment dated into
 * a past month never changes a posted charge).
 */
import type { Pool } from 'pg';
import type { LedgerRepository } from '../adapters/ledger.repository';
import { toSafeInteger } from '../adapters/postgres';
import { dueCharges, type ChargeCap, type ChargeRules, type DueCharge, type PrincipalDebt, type Suspension } from '../domain/charges';

export interface AccrueChargesInput {
  accountKey: string;
  currency: string;
  /** The debtor's local date: charges due by then are posted. */
  through: string;
  /** When they are posted (ISO). */
  at: string;
  rules: ChargeRules;
  cap: ChargeCap;
  suspensions: Suspension[];
}

export function createChargeActivities(deps: { pool: Pool; ledger: LedgerRepository }) {
  async function principalDebts(accountKey: string): Promise<PrincipalDebt[]> {
    const { rows } = await deps.pool.query<{ debt_id: string; due_date: string; day: string; debit: string; credit: string; kind: string }>(
      `SELECT d.debt_id, to_char(d.due_date, 'YYYY-MM-DD') AS due_date, to_char(t.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              SUM(e.debit_minor) AS debit, SUM(e.credit_minor) AS credit, MIN(t.kind) AS kind
         FROM debts d JOIN ledger_entries e ON e.account_key = d.account_key AND e.debt_id = d.debt_id AND e.ledger_account = 'receivable'
         JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE d.account_key = $1 AND d.kind = 'invoice'
        GROUP BY d.debt_id, d.due_date, t.id, t.effective_at
        ORDER BY d.debt_id, t.effective_at, t.id`,
      [accountKey],
    );
    const byDebt = new Map<string, PrincipalDebt>();
    for (const row of rows) {
      const debt = byDebt.get(row.debt_id) ?? { debtId: row.debt_id, dueDate: row.due_date, originalMinor: 0, changes: [] };
      const debit = toSafeInteger(row.debit, 'debit');
      if (row.kind === 'charge') debt.originalMinor += debit;
      // The charge itself takes effect on the due date (posted so): principal from then on.
      debt.changes.push({ date: row.day, deltaMinor: debit - toSafeInteger(row.credit, 'credit') });
      byDebt.set(row.debt_id, debt);
    }
    return [...byDebt.values()];
  }

  async function postedKeys(accountKey: string): Promise<Set<string>> {
    const { rows } = await deps.pool.query<{ external_id: string }>(`SELECT external_id FROM ledger_transactions WHERE account_key = $1 AND kind IN ('fee', 'interest') AND external_id IS NOT NULL`, [accountKey]);
    return new Set(rows.map((r) => r.external_id));
  }

  return {
    /** Posts every fee and interest charge due by `through` that is not posted yet; returns what it posted and the balances. */
    async accrueCharges(input: AccrueChargesInput): Promise<{ balanceMinor: number; creditMinor: number; posted: DueCharge[] }> {
      const already = await postedKeys(input.accountKey);
      const due = dueCharges({ debts: await principalDebts(input.accountKey), rules: input.rules, cap: input.cap, through: input.through, suspensions: input.suspensions, currency: input.currency }).filter((c) => !already.has(c.key));
      const posted: DueCharge[] = [];
      for (const charge of due) {
        await deps.ledger.postAdjustment({ accountKey: input.accountKey, adjustmentId: charge.key, kind: charge.kind, amountMinor: charge.amountMinor, currency: input.currency, description: charge.description, at: input.at });
        posted.push(charge);
      }
      const snapshot = await deps.ledger.snapshot(input.accountKey);
      return { balanceMinor: snapshot.balanceMinor, creditMinor: snapshot.creditMinor, posted };
    },
  };
}
