/**
 * The work items the account engine makes for people (`work_items`, migration 012): kept once per
 * item id (the activity may run again), listed for the work queue, closed with an outcome.
 */
import type { Pool } from 'pg';
import type { WorkItemDraft, WorkKind } from '../domain/engine/work-records';

export interface WorkItemRow {
  itemId: string;
  accountKey: string;
  creditorId: string;
  accountId: string;
  kind: WorkKind;
  title: string;
  priority: number;
  dueAt: string | null;
  detail: Record<string, unknown>;
  status: 'open' | 'done';
  outcome: string | null;
  completedBy: string | null;
  createdAt: string;
}

type Row = { item_id: string; account_key: string; creditor_id: string; account_id: string; kind: WorkKind; title: string; priority: number; due_at: Date | null; detail: Record<string, unknown>; status: 'open' | 'done'; outcome: string | null; completed_by: string | null; created_at: Date };
const COLUMNS = 'item_id, account_key, creditor_id, account_id, kind, title, priority, due_at, detail, status, outcome, completed_by, created_at';
const toRow = (r: Row): WorkItemRow => ({
  itemId: r.item_id,
  accountKey: r.account_key,
  creditorId: r.creditor_id,
  accountId: r.account_id,
  kind: r.kind,
  title: r.title,
  priority: r.priority,
  dueAt: r.due_at ? r.due_at.toISOString() : null,
  detail: r.detail,
  status: r.status,
  outcome: r.outcome,
  completedBy: r.completed_by,
  createdAt: r.created_at.toISOString(),
});

export function createWorkItemRepository(pool: Pool) {
  return {
    async record(input: { accountKey: string; creditorId: string; accountId: string; item: WorkItemDraft }): Promise<void> {
      const { item } = input;
      await pool.query(
        `INSERT INTO work_items (item_id, account_key, creditor_id, account_id, kind, title, priority, due_at, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (item_id) DO NOTHING`,
        [item.id, input.accountKey, input.creditorId, input.accountId, item.kind, item.title, item.priority, item.dueAt, JSON.stringify(item.detail)],
      );
    },
    async listOpen(filter: { creditorIds: string[]; kinds: WorkKind[] }): Promise<WorkItemRow[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM work_items WHERE status = 'open' AND creditor_id = ANY($1) AND kind = ANY($2) ORDER BY priority, created_at`,
        [filter.creditorIds, filter.kinds],
      );
      return rows.map(toRow);
    },
    async get(itemId: string): Promise<WorkItemRow | null> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM work_items WHERE item_id = $1`, [itemId]);
      return rows[0] ? toRow(rows[0]) : null;
    },
    /** Closes an open item; false when it was already closed (by someone else, or by the account). */
    async complete(itemId: string, outcome: string, by: string): Promise<boolean> {
      const result = await pool.query(`UPDATE work_items SET status = 'done', outcome = $2, completed_by = $3, completed_at = now() WHERE item_id = $1 AND status = 'open'`, [itemId, outcome, by]);
      return (result.rowCount ?? 0) > 0;
    },
    /** Open and completed items per creditor and kind, for the portfolio report. */
    async counts(filter: { creditorId?: string; from: string; to: string }): Promise<{ creditorId: string; kind: string; open: number; created: number; completed: number }[]> {
      const { rows } = await pool.query<{ creditor_id: string; kind: string; open: string; created: string; completed: string }>(
        `SELECT creditor_id, kind,
                count(*) FILTER (WHERE status = 'open' AND created_at < $2) AS open,
                count(*) FILTER (WHERE created_at >= $1 AND created_at < $2) AS created,
                count(*) FILTER (WHERE completed_at >= $1 AND completed_at < $2) AS completed
           FROM work_items WHERE ($3::text IS NULL OR creditor_id = $3) GROUP BY creditor_id, kind ORDER BY creditor_id, kind`,
        [filter.from, filter.to, filter.creditorId ?? null],
      );
      return rows.map((r) => ({ creditorId: r.creditor_id, kind: r.kind, open: Number(r.open), created: Number(r.created), completed: Number(r.completed) }));
    },
  };
}
export type WorkItemRepository = ReturnType<typeof createWorkItemRepository>;
