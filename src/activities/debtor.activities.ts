import type { Pool } from 'pg';
import { createDebtorRepository, type DebtorLink, type FactsElsewhere } from '../adapters/debtor.repository';

/** The person behind the creditor's accounts: who each account's debtor is, and what their other accounts know. */
export function createDebtorActivities(deps: { pool: Pool }) {
  const debtors = createDebtorRepository(deps.pool);
  return {
    /** Records who the account's debtor is (debtor id, email, phone); safe to repeat. */
    async linkDebtor(link: DebtorLink): Promise<void> {
      await debtors.link(link);
    },
    /** The person's facts and calls on their other accounts at the creditor, as of `at`. */
    async debtorFactsElsewhere(input: { accountKey: string; at: string }): Promise<FactsElsewhere> {
      return debtors.factsElsewhere(input.accountKey, input.at);
    },
  };
}
