/**
 * Work for people: the engine names a task (a debtor's question, a dispute to verify, a refused
 * order, a trace result to confirm, a visit, an insurer's denial) and the shell keeps it in the
 * work queue, one effect per item, before anything else is planned. Each item is remembered as
 * open until an operator reports its outcome (work-outcomes.ts).
 */
import { perform, type Ctx } from './context';
import type { WorkItemDraft, WorkKind } from './work-records';

/** Queues a task for a person; it is kept by the next planning pass. Returns its id. */
export function queueWork(ctx: Ctx, kind: WorkKind, item: Omit<WorkItemDraft, 'id' | 'kind'>): string {
  const s = ctx.s;
  s.workSeq += 1;
  const id = `${ctx.config.accountKey}/work/${s.workSeq}`;
  s.workOutbox.push({ id, kind, ...item });
  s.openWork.push({ id, kind, createdAt: ctx.at });
  return id;
}

/** Keeps the first queued item (an effect the engine waits for); false when there is none. */
export function planWorkOutbox(ctx: Ctx): boolean {
  const item = ctx.s.workOutbox[0];
  if (!item) return false;
  const { creditorId, accountId } = ctx.s.profile;
  perform(ctx, { kind: 'record_work_item', input: { accountKey: ctx.config.accountKey, creditorId, accountId, item }, summary: `work item: ${item.title}` });
  return true;
}

/** The item is kept (or could not be: the queue is a database table, so the shell retries until it can). */
export function workItemKept(ctx: Ctx, itemId: string): void {
  ctx.s.workOutbox = ctx.s.workOutbox.filter((i) => i.id !== itemId);
}

export function openItem(ctx: Ctx, itemId: string) {
  return ctx.s.openWork.find((i) => i.id === itemId) ?? null;
}

export function closeItem(ctx: Ctx, itemId: string): void {
  ctx.s.openWork = ctx.s.openWork.filter((i) => i.id !== itemId);
}

/** The earliest of a given time and the times the work in progress must be looked at again (a claim check, a visit's deadline). */
export function workWake(ctx: Ctx, atMs: number | null): string | null {
  const s = ctx.s;
  const times = [atMs, s.claim?.nextCheckAt ? Date.parse(s.claim.nextCheckAt) : null, s.visit ? Date.parse(s.visit.deadline) : null, s.answers.length > 0 && s.answerNotBefore ? Date.parse(s.answerNotBefore) : null].filter((t): t is number => t !== null && Number.isFinite(t));
  if (times.length === 0) return null;
  return new Date(Math.max(Math.min(...times), ctx.nowMs)).toISOString();
}
