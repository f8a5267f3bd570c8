import type { Pool } from 'pg';
import type { AccountReportingFacts } from '../domain/credit-reporting';

/** Keeps what credit reporting needs of an account (one row per account, replaced each time the facts change). */
export function createReportingActivities(pool: Pool) {
  return {
    async saveReportingFacts(facts: AccountReportingFacts): Promise<void> {
      await pool.query(
        `INSERT INTO account_reporting (account_key, creditor_id, account_id, facts, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (account_key) DO UPDATE SET facts = EXCLUDED.facts, updated_at = now()`,
        [facts.accountKey, facts.creditorId, facts.accountId, JSON.stringify(facts)],
      );
    },
  };
}
