/**
 * The operators' work queue as a service: the items of every source for the operator's
 * creditors, most urgent first, with who has claimed what; claiming and letting go; completing an
 * item with its outcome, which goes back to the account — the engine's items as the workflow's
 * `recordWorkOutcome` update (its validator refuses an outcome that makes no sense, naming the
 * field), a call as a telephone conversation when the debtor was reached — before the item is
 * closed in its table. An item of another creditor is "not found", never "forbidden".
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createClaimRepository } from '../adapters/work-queue/claims.repository';
import { queueSources, type QueueSource } from '../adapters/work-queue';
import type { OperatorSession } from '../adapters/operator-key.repository';
import { accountKey } from '../domain/account';
import { WORK_KINDS, type WorkKind, type WorkOutcomeRequest } from '../domain/engine/work-records';
import { countByKind, filterQueue, orderQueue, type QueueClaim, type QueueFilter, type QueueItem, type QueueKind } from '../domain/work-queue';
import { workOutcomeFormSchema } from '../schemas/work.schema';
import { complianceEventSignal, recordWorkOutcomeUpdate } from '../workflows/definitions';

export type ListedItem = QueueItem & { claim: QueueClaim | null };
export type Completion = { ok: true } | { ok: false; field: string | null; message: string };

const isEngineKind = (kind: QueueKind): kind is WorkKind => (WORK_KINDS as readonly string[]).includes(kind);

export function createWorkQueue(deps: { pool: Pool; client: Client; sources?: QueueSource[] }) {
  const sources = deps.sources ?? queueSources(deps.pool);
  const claims = createClaimRepository(deps.pool);
  const sourceNamed = (name: string) => sources.find((s) => s.name === name) ?? null;
  const key = (source: string, id: string) => `${source}\u0000${id}`;

  /** The item if it exists, is open and belongs to one of the operator's creditors. */
  async function find(session: OperatorSession, source: string, id: string): Promise<{ item: ListedItem; from: QueueSource } | null> {
    const from = sourceNamed(source);
    const item = from ? await from.get(id) : null;
    if (!from || !item || !session.creditorIds.includes(item.creditorId)) return null;
    const claim = (await claims.live()).get(key(source, id)) ?? null;
    return { item: { ...item, claim }, from };
  }

  const operatorName = (session: OperatorSession) => `${session.label} (operator key ${session.keyId})`;

  return {
    sources,
    async list(session: OperatorSession, filter: QueueFilter, nowMs: number): Promise<{ items: ListedItem[]; counts: Record<QueueKind, number> }> {
      const all = (await Promise.all(sources.map((s) => s.list(session.creditorIds)))).flat();
      const live = await claims.live();
      const listed = all.map((i) => ({ ...i, claim: live.get(key(i.source, i.id)) ?? null }));
      return { items: orderQueue(filterQueue(listed, filter, nowMs), nowMs), counts: countByKind(all) };
    },
    find,
    async claim(session: OperatorSession, source: string, id: string): Promise<Completion> {
      if (!(await find(session, source, id))) return { ok: false, field: null, message: 'no such open item' };
      const held = await claims.claim(source, id, session.keyId);
      return held.claimedBy === session.keyId ? { ok: true } : { ok: false, field: null, message: 'someone else is working on this item' };
    },
    async release(session: OperatorSession, source: string, id: string): Promise<void> {
      await claims.release(source, id, session.keyId);
    },
    async complete(session: OperatorSession, source: string, id: string, form: Record<string, string>): Promise<Completion> {
      const found = await find(session, source, id);
      if (!found) return { ok: false, field: null, message: 'no such open item (it may have been completed already)' };
      const { item, from } = found;
      if (item.claim?.by !== session.keyId) return { ok: false, field: null, message: item.claim ? `${item.claim.label} is working on this item` : 'claim the item first' };
      const parsed = workOutcomeFormSchema(item.kind).safeParse(withAddress(form));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || null;
        return { ok: false, field, message: `${field ?? 'form'}: ${issue.message}` };
      }
      const f = parsed.data;
      const operator = operatorName(session);
      const handle = deps.client.workflow.getHandle(accountKey(item.creditorId, item.accountId));
      try {
        if (isEngineKind(item.kind)) {
          const request: WorkOutcomeRequest = {
            itemId: item.id,
            outcome: f.outcome,
            operator,
            ...(f.note ? { note: f.note } : {}),
            ...(f.answer ? { answer: f.answer } : {}),
            ...(f.candidateId ? { candidateId: f.candidateId } : {}),
            ...(f.promiseAmountMinor !== undefined || f.promiseDate ? { promise: { amountMinor: f.promiseAmountMinor ?? 0, date: f.promiseDate ?? '' } } : {}),
            ...(f.foundEmail || f.foundPhone || f.foundAddress ? { found: { ...(f.foundEmail ? { email: f.foundEmail } : {}), ...(f.foundPhone ? { phone: f.foundPhone } : {}), ...(f.foundAddress ? { address: f.foundAddress } : {}) } } : {}),
          };
          await handle.executeUpdate(recordWorkOutcomeUpdate, { args: [request] });
        } else if (item.kind === 'call_task' && f.outcome === 'spoke_with_debtor') {
          await handle.signal(complianceEventSignal, { kind: 'telephone_conversation', note: `call task ${item.id} (${operator})${f.note ? `: ${f.note}` : ''}` });
        }
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          const cause = error.cause as (Error & { details?: unknown[] }) | undefined;
          const field = (cause?.details?.[0] as { field?: string } | undefined)?.field ?? null;
          return { ok: false, field, message: cause?.message ?? error.message };
        }
        // The account's workflow is gone (the account ended long ago): the item is closed all the same.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      await from.close(item.id, f.outcome, operator);
      await claims.release(source, id, session.keyId);
      return { ok: true };
    },
  };
}
export type WorkQueue = ReturnType<typeof createWorkQueue>;

/** The form's address fields (foundLine1, foundCity, …) as one address, when any is filled in. */
function withAddress(form: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(form)) if (value.trim() !== '' && !name.startsWith('found_')) out[name] = value;
  const parts = { line1: form.found_line1, city: form.found_city, region: form.found_region, postalCode: form.found_postalCode, country: form.found_country };
  if (Object.values(parts).some((v) => v && v.trim() !== '')) out.foundAddress = parts;
  return out;
}
