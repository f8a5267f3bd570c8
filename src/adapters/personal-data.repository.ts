import type { Pool, PoolClient } from 'pg';
import { destroyDataKeys, retireDataKeys } from './data-key.repository';
import type { LetterGateway } from './letters';
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
  /** Data keys of the account destroyed now (crypto-shredding of its Temporal payloads; 0 when already destroyed). */
  dataKeysDestroyed: number;
  /** Data keys retired now (dataKeys: 'retire'), for the workflow's next run to destroy. */
  dataKeysRetired: number;
  /** Letters erased from the print-and-mail service's store (the local folder); 0 without a gateway that keeps them. */
  lettersErased: number;
}

export interface PurgeOptions {
  /** Where letters were mailed: its copies are erased too (the folder stand-in keeps every PDF and address). */
  letters?: LetterGateway;
  /** This process's data-key cache, to forget the account at once (other processes hear it through NOTIFY). */
  dataKeys?: { forget(owner: string): void };
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
  // Calls people placed keep when, by whom, the gate's answer and the outcome; not the number or the note.
  `UPDATE call_attempts SET phone = '${REDACTED}', note = CASE WHEN note IS NULL THEN NULL ELSE '${REDACTED}' END, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  // Who the debtor was (their other accounts are no longer found through it), and the addresses of their facts.
  `UPDATE debtor_links SET debtor_id = NULL, email = NULL, phone = NULL, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  `UPDATE debtor_facts SET address = CASE WHEN address IS NULL THEN NULL ELSE '${REDACTED}' END, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
  // What the debtor wrote to us (a message may concern several accounts: any of them purged redacts it).
  `UPDATE debtor_messages SET from_address = '${REDACTED}', subject = CASE WHEN subject IS NULL THEN NULL ELSE '${REDACTED}' END, body = '${REDACTED}', redacted_at = now()
    WHERE $1 = ANY(account_keys) AND redacted_at IS NULL`,
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
  // Questions written on the debtor's page (migration 018) are the debtor's own words: the text
  // and the answer's note go, the row (when asked, when and by whom answered) stays.
  `UPDATE debtor_questions
      SET text = '${REDACTED}', answer_note = CASE WHEN answer_note IS NULL THEN NULL ELSE '${REDACTED}' END
    WHERE account_key = $1 AND text <> '${REDACTED}'`,
  // Work-queue items (migration 012): what the person had to do stays (kind, title, outcome), not the debtor's words or addresses.
  `UPDATE work_items SET detail = '{"redacted": true}'::jsonb, redacted_at = now()
    WHERE account_key = $1 AND redacted_at IS NULL`,
];

/** The letters mailed for the account (their idempotency keys name them at the print-and-mail service). */
async function letterKeys(client: PoolClient, accountKey: string): Promise<string[]> {
  const { rows } = await client.query<{ idempotency_key: string }>(
    `SELECT idempotency_key FROM outbound_messages WHERE account_key = $1 AND channel = 'letter'
      UNION SELECT idempotency_key FROM documents WHERE account_key = $1 AND kind = 'letter'`,
    [accountKey],
  );
  return rows.map((r) => r.idempotency_key).sort();
}

/**
 * What becomes of the account's data keys: `destroy` (the default) when the account's workflow has
 * closed or is not the caller; `retire` from inside the running workflow, which must then close its
 * run (continue-as-new with the redacted state) and destroy the retired keys in the next run
 * (destroyRetiredDataKeys), so that no history a worker may still replay loses its keys.
 */
export type DataKeyFate = 'destroy' | 'retire';

async function purgeInTransaction(client: PoolClient, accountKey: string, reason: string, fate: DataKeyFate, options: PurgeOptions): Promise<PurgeResult> {
  // Serialises purges of one account, so a raced second call waits and then finds the first recorded.
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('personal_data_purge/' || $1, 0))`, [accountKey]);
  const account = await client.query('SELECT 1 FROM debtor_accounts WHERE account_key = $1', [accountKey]);
  if (account.rowCount === 0) throw new PersonalDataError('unknown_account', `no account ${accountKey} to purge`);
  // Crypto-shredding: Temporal's copy of the account (every payload sealed with its keys) becomes
  // unreadable at commit. Done on every call, so keys made after an earlier purge go too.
  const dataKeysDestroyed = fate === 'destroy' ? await destroyDataKeys(client, accountKey) : 0;
  const dataKeysRetired = fate === 'retire' ? await retireDataKeys(client, accountKey) : 0;
  // Copies outside the database; erasing is idempotent, so a purge that failed after it is simply repeated.
  let lettersErased = 0;
  if (options.letters?.erase) {
    for (const idempotencyKey of await letterKeys(client, accountKey)) {
      await options.letters.erase({ idempotencyKey });
      lettersErased += 1;
    }
  }
  const earlier = await client.query<{ rows_redacted: number }>('SELECT rows_redacted FROM personal_data_purges WHERE account_key = $1', [accountKey]);
  if (earlier.rows[0]) return { status: 'already_purged', rowsRedacted: earlier.rows[0].rows_redacted, dataKeysDestroyed, dataKeysRetired, lettersErased };

  let rowsRedacted = 0;
  for (const statement of REDACTIONS) rowsRedacted += (await client.query(statement, [accountKey])).rowCount ?? 0;
  await client.query('INSERT INTO personal_data_purges (account_key, reason, rows_redacted) VALUES ($1, $2, $3)', [accountKey, reason, rowsRedacted]);
  return { status: 'purged', rowsRedacted, dataKeysDestroyed, dataKeysRetired, lettersErased };
}

/**
 * Redaction of a debtor's personal data after retention; ledger rows are never touched. The purge
 * reaches every copy the product keeps: the Postgres tables, the account's data keys (so its
 * payloads in Temporal's history are unreadable at once) and the letters' store.
 */
export function createPersonalDataRepository(pool: Pool, options: PurgeOptions = {}) {
  return {
    /** Redacts everything personal kept for the account, once, in one transaction; destroys its data keys and erases its letters on every call. */
    async purgeAccount(input: { accountKey: string; reason: string; dataKeys?: DataKeyFate }): Promise<PurgeResult> {
      if (input.reason.trim() === '') throw new RangeError('a purge needs a reason');
      const result = await withTransaction(pool, (client) => purgeInTransaction(client, input.accountKey, input.reason, input.dataKeys ?? 'destroy', options));
      options.dataKeys?.forget(input.accountKey);
      return result;
    },

    /** The second half of a purge from a running workflow: destroys the keys its earlier run retired. */
    async destroyRetiredDataKeys(accountKey: string): Promise<{ dataKeysDestroyed: number }> {
      const dataKeysDestroyed = await destroyDataKeys(pool, accountKey, { retiredOnly: true });
      options.dataKeys?.forget(accountKey);
      return { dataKeysDestroyed };
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
