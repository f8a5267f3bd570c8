/**
 * The queue's sources, in one list: what exists on this branch. Another kind of work is one more
 * module here (a SQL query or a small repository returning QueueItems).
 */
import type { Pool } from 'pg';
import { WORK_KINDS } from '../../domain/engine/work-records';
import { callTasksSource } from './call-tasks.source';
import { engineItemSource } from './engine-items.source';
import type { QueueSource } from './source';
import { unappliedPaymentsSource } from './unapplied-payments.source';

export function queueSources(pool: Pool): QueueSource[] {
  return [callTasksSource(pool), ...WORK_KINDS.map((kind) => engineItemSource(pool, kind)), unappliedPaymentsSource(pool)];
}
export type { QueueSource };
