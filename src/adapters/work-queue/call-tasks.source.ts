/** Call tasks (`call_tasks`): a person calls the debtor with the step's script and the limited-content voicemail. */
import type { Pool } from 'pg';
import type { QueueItem } from '../../domain/work-queue';
import type { QueueSource } from './source';

type Row = { idempotency_key: string; creditor_id: string; account_id: string; phone: string; script: string; voicemail: string | null; created_at: Date };
const SELECT = `SELECT t.idempotency_key, a.creditor_id, a.account_id, t.phone, t.script, t.voicemail, t.created_at
                  FROM call_tasks t JOIN debtor_accounts a ON a.account_key = t.account_key`;

const toItem = (r: Row): QueueItem => ({
  source: 'call_tasks',
  id: r.idempotency_key,
  kind: 'call_task',
  creditorId: r.creditor_id,
  accountId: r.account_id,
  title: `Call the debtor (${r.idempotency_key.split('/').pop()})`,
  priority: 3,
  createdAt: r.created_at.toISOString(),
  dueAt: null,
  detail: { phone: r.phone, script: r.script, voicemail: r.voicemail },
});

export function callTasksSource(pool: Pool): QueueSource {
  return {
    name: 'call_tasks',
    kinds: ['call_task'],
    async list(creditorIds) {
      const { rows } = await pool.query<Row>(`${SELECT} WHERE t.status = 'open' AND t.redacted_at IS NULL AND a.creditor_id = ANY($1)`, [creditorIds]);
      return rows.map(toItem);
    },
    async get(id) {
      const { rows } = await pool.query<Row>(`${SELECT} WHERE t.idempotency_key = $1 AND t.status = 'open'`, [id]);
      return rows[0] ? toItem(rows[0]) : null;
    },
    async close(id, outcome) {
      const result = await pool.query(`UPDATE call_tasks SET status = $2 WHERE idempotency_key = $1 AND status = 'open'`, [id, outcome === 'cancelled' ? 'cancelled' : 'done']);
      return (result.rowCount ?? 0) > 0;
    },
  };
}
