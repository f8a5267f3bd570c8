/**
 * The operators' work queue, as rules: what an item is (whatever table it comes from), the order
 * a person should take them in (overdue first, then the most urgent, then the oldest), the
 * filters (creditor, kind, age), and the outcomes each kind takes. Pure: sources read the items,
 * the page shows them.
 */
import { WORK_OUTCOMES, type WorkKind } from './engine/work-records';

export const QUEUE_KINDS = ['call_task', 'debtor_reply', 'dispute', 'escalation', 'trace_confirm', 'trace_manual', 'field_visit', 'insurer_denial', 'unapplied_payment'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

export const KIND_LABELS: Record<QueueKind, string> = {
  call_task: 'Call task',
  debtor_reply: 'Debtor reply or question',
  dispute: 'Dispute to verify',
  escalation: 'Refused order or step',
  trace_confirm: 'Trace result to confirm',
  trace_manual: 'Debtor to locate by hand',
  field_visit: 'Field visit',
  insurer_denial: 'Insurer denial',
  unapplied_payment: 'Unapplied payment',
};

/** Outcomes per kind; the engine's kinds take what the account's workflow accepts. */
export const QUEUE_OUTCOMES: Record<QueueKind, readonly string[]> = {
  ...(WORK_OUTCOMES as Record<WorkKind, readonly string[]>),
  call_task: ['spoke_with_debtor', 'no_answer', 'wrong_number', 'cancelled'],
  unapplied_payment: ['applied_elsewhere', 'refunded', 'kept_as_credit'],
};

export interface QueueItem {
  /** The source module that owns the item (its table), and the item's id there. */
  source: string;
  id: string;
  kind: QueueKind;
  creditorId: string;
  accountId: string;
  title: string;
  /** 1 most urgent … 5. */
  priority: number;
  createdAt: string;
  dueAt: string | null;
  /** What the person needs (shown on the item's page only). */
  detail: Record<string, unknown>;
}

export interface QueueClaim {
  by: string;
  label: string;
  until: string;
}

export interface QueueFilter {
  creditorId?: string;
  kind?: QueueKind;
  /** Only items at least this many days old. */
  minAgeDays?: number;
}

const DAY_MS = 86_400_000;

export function ageDays(createdAt: string, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - Date.parse(createdAt)) / DAY_MS));
}

/** Overdue items first, then by priority, then the oldest; ties by id so the order is stable. */
export function orderQueue<T extends QueueItem>(items: T[], nowMs: number): T[] {
  const overdue = (i: QueueItem) => (i.dueAt !== null && Date.parse(i.dueAt) <= nowMs ? 0 : 1);
  return [...items].sort((a, b) => overdue(a) - overdue(b) || a.priority - b.priority || Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function filterQueue<T extends QueueItem>(items: T[], filter: QueueFilter, nowMs: number): T[] {
  return items.filter((i) => (!filter.creditorId || i.creditorId === filter.creditorId) && (!filter.kind || i.kind === filter.kind) && (!filter.minAgeDays || ageDays(i.createdAt, nowMs) >= filter.minAgeDays));
}

/** How many of each kind, for the page's summary and the portfolio report. */
export function countByKind(items: QueueItem[]): Record<QueueKind, number> {
  const counts = Object.fromEntries(QUEUE_KINDS.map((k) => [k, 0])) as Record<QueueKind, number>;
  for (const item of items) counts[item.kind] += 1;
  return counts;
}

export function ageText(createdAt: string, nowMs: number): string {
  const minutes = Math.max(0, Math.floor((nowMs - Date.parse(createdAt)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} days`;
}
