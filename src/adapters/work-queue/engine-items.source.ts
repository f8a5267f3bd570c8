/**
 * The tasks the account engine makes for people (`work_items`): one source per kind — debtor
 * replies, disputes to verify, refused steps, trace results to confirm, debtors to locate by hand,
 * field visits, insurer denials — all read from the one table the engine writes.
 */
import type { Pool } from 'pg';
import type { WorkKind } from '../../domain/engine/work-records';
import type { QueueItem } from '../../domain/work-queue';
import { createWorkItemRepository, type WorkItemRow } from '../work-items.repository';
import type { QueueSource } from './source';

const toItem = (r: WorkItemRow): QueueItem => ({
  source: `work_items:${r.kind}`,
  id: r.itemId,
  kind: r.kind,
  creditorId: r.creditorId,
  accountId: r.accountId,
  title: r.title,
  priority: r.priority,
  createdAt: r.createdAt,
  dueAt: r.dueAt,
  detail: r.detail,
});

export function engineItemSource(pool: Pool, kind: WorkKind): QueueSource {
  const items = createWorkItemRepository(pool);
  return {
    name: `work_items:${kind}`,
    kinds: [kind],
    async list(creditorIds) {
      return (await items.listOpen({ creditorIds, kinds: [kind] })).map(toItem);
    },
    async get(id) {
      const row = await items.get(id);
      return row && row.kind === kind && row.status === 'open' ? toItem(row) : null;
    },
    close: (id, outcome, by) => items.complete(id, outcome, by),
  };
}
