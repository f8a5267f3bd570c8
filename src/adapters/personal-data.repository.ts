import type { Pool, PoolClient } from 'pg';
import { withTransaction } from './postgres';

export class PersonalDataError extends Error {
  constructor(readonly code: 'unknown_account', message: string) {
    super(message);
    this.name = 'PersonalDataError';
  }
}

export interface PurgeResult {
  status: 'purged' | 'already_purged';
  /** Rows redacted by the purge; for already_purged, the count the first purge recorded. */
  rowsRedacted: number;
}

export const REDACTED = '[redacted]';

/**
 * Each statement redacts one table's rows of the account that are not redacted yet. The row stays
 * as the record that a contact happened (channel, step, status, times, document kind); only what
 * names or reaches the person goes. contact_decisions' trigger accepts exactly this update.
 */
const REDACTIONS: readonly string[] = [
  `UPDATE outbound_messages
      SET recipient = '${REDACTED}', subject = CASE WHEN subject IS NULL THEN NULL ELSE '${REDACTED}' END, body = '${REDACTED}', redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  // voicemail (migration 004) is a limited-content message, which may still name the consumer.
  `UPDATE call_tasks
      SET phone = '${REDACTED}', script = '${REDACTED}', voicemail = CASE WHEN voicemail IS NULL THEN NULL ELSE '${REDACTED}' END, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  // Letters and packets hold names and addresses throughout: the bytes go, the row and kind stay.
  `UPDATE documents SET content = ''::bytea, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  // Orders to creditors' systems keep what was ordered and for how much, not whom and where.
  `UPDATE escalation_orders
      SET payload = (payload - 'debtorName' - 'address') || '{"redacted": true}'::jsonb, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  // Credit reporting keeps who and where the consumer is; after the purge nothing identifies them (nothing is furnished).
  `UPDATE account_reporting SET facts = jsonb_set(facts, '{consumer}', 'null'::jsonb), redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  `UPDATE contact_decisions
      SET inputs = jsonb_build_object('redacted', true, 'channel', channel),
          reason = contact_decision_redacted_reason(reason, inputs),
          redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
];

async function purgeInTransaction(client: PoolClient, accountKey: string, reason: string): Promise<PurgeResult> {
  // Serialises purges of one account, so a raced second call waits and then finds the first recorded.
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('personal_data_purge/' || $1, 0))`, [accountKey]);
  const account = await client.query('SELECT 1 FROM debtor_accounts WHERE account_key = $1', [accountKey]);
  if (account.rowCount === 0) throw new PersonalDataError('unknown_account', `no account ${accountKey} to purge`);
  const earlier = await client.query<{ rows_redacted: number }>('SELECT rows_redacted FROM personal_data_purges WHERE account_key = $1', [accountKey]);
  if (earlier.rows[0]) return { status: 'already_purged', rowsRedacted: earlier.rows[0].rows_redacted };

  let rowsRedacted = 0;
  for (const statement of REDACTIONS) rowsRedacted += (await client.query(statement, [accountKey])).rowCount ?? 0;
  await client.query('INSERT INTO personal_data_purges (account_key, reason, rows_redacted) VALUES ($1, $2, $3)', [accountKey, reason, rowsRedacted]);
  return { status: 'purged', rowsRedacted };
}

/** Redaction of a debtor's personal data after retention; ledger rows are never touched. */
export function createPersonalDataRepository(pool: Pool) {
  return {
    /** Redacts everything personal kept for the account, once, in one transaction. */
    async purgeAccount(input: { accountKey: string; reason: string }): Promise<PurgeResult> {
      if (input.reason.trim() === '') throw new RangeError('a purge needs a reason');
      return withTransaction(pool, (client) => purgeInTransaction(client, input.accountKey, input.reason));
    },

    async purgeRecord(accountKey: string): Promise<{ reason: string; purgedAt: string; rowsRedacted: number } | null> {
      const { rows } = await pool.query<{ reason: string; purged_at: Date; rows_redacted: number }>(
        'SELECT reason, purged_at, rows_redacted FROM personal_data_purges WHERE account_key = $1',
        [accountKey],
      );
      const row = rows[0];
      return row ? { reason: row.reason, purgedAt: row.purged_at.toISOString(), rowsRedacted: row.rows_redacted } : null;
    },
  };
}
export type PersonalDataRepository = ReturnType<typeof createPersonalDataRepository>;
