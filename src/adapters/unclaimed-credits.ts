/**
 * The escheat report: credits the product holds (ledger account customer_credit, an overpayment)
 * and nobody claimed for longer than the creditor's limit, as of a day. A credit is held since the
 * last posting that moved it; money stays integer minor units with its currency.
 */
import type { Pool } from 'pg';

export interface UnclaimedCredit {
  accountKey: string;
  accountId: string;
  currency: string;
  creditMinor: number;
  heldSince: string;
  daysHeld: number;
}

const DAY_MS = 86_400_000;

export async function unclaimedCredits(pool: Pool, input: { creditorId: string; asOf: string; afterDays: number }): Promise<UnclaimedCredit[]> {
  if (!Number.isInteger(input.afterDays) || input.afterDays < 1) throw new RangeError(`afterDays must be a whole number of days of at least 1, got ${input.afterDays}`);
  const asOfMs = Date.parse(input.asOf);
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf must be an ISO instant, got "${input.asOf}"`);
  const { rows } = await pool.query<{ account_key: string; account_id: string; currency: string; credit: string; since: Date }>(
    `SELECT a.account_key, a.account_id, a.currency,
            SUM(e.credit_minor - e.debit_minor)::bigint AS credit, MAX(t.effective_at) AS since
       FROM ledger_entries e
       JOIN ledger_transactions t ON t.id = e.transaction_id
       JOIN debtor_accounts a ON a.account_key = e.account_key
      WHERE a.creditor_id = $1 AND e.ledger_account = 'customer_credit' AND t.effective_at <= $2::timestamptz
      GROUP BY a.account_key, a.account_id, a.currency
     HAVING SUM(e.credit_minor - e.debit_minor) > 0 AND MAX(t.effective_at) <= $3::timestamptz
      ORDER BY a.account_id`,
    [input.creditorId, new Date(asOfMs).toISOString(), new Date(asOfMs - input.afterDays * DAY_MS).toISOString()],
  );
  return rows.map((r) => ({
    accountKey: r.account_key,
    accountId: r.account_id,
    currency: r.currency,
    creditMinor: Number(r.credit),
    heldSince: r.since.toISOString(),
    daysHeld: Math.floor((asOfMs - r.since.getTime()) / DAY_MS),
  }));
}
