/**
 * What credit reporting needs to know of the account, derived from the state: the stage where
 * collection ended, disputes, a death, a bankruptcy, and the contacts §1006.30(a) counts. The
 * facts are kept in Postgres (a save the engine does not wait for) whenever they change, checked
 * only when the engine is about to yield, so the monthly file reads one table instead of asking
 * every workflow, and an account costs one more local activity only when a reportable fact moved.
 */
import { isEndStage } from '../account';
import type { AccountReportingFacts } from '../credit-reporting';
import type { Ctx } from './context';
import type { EngineConfig, EngineState, ReportingState } from './state';

export function reportingState(s: EngineState): ReportingState {
  s.reporting ??= { saved: null, dispute: null, bankruptcyChapter: null, closedAtConsumerRequest: false };
  return s.reporting;
}

export function reportingFacts(s: EngineState, config: EngineConfig): AccountReportingFacts {
  const r = s.reporting ?? { dispute: null, bankruptcyChapter: null, closedAtConsumerRequest: false };
  const c = s.compliance;
  const p = s.profile;
  const ended = isEndStage(s.stage) ? s.stage : null;
  const endedAt = ended ? ([...s.stageHistory].reverse().find((h) => h.stage === ended)?.at ?? null) : null;
  const firstEvent = (kind: string) => c.events.find((e) => e.kind === kind)?.at ?? null;
  const invalidEmails = new Set(s.invalidContacts.filter((i) => i.channel === 'email').map((i) => i.address));
  const delivered = s.contacts
    .filter((m) => m.status === 'sent' && (m.channel === 'letter' || (m.channel === 'email' && !invalidEmails.has(m.recipient ?? ''))))
    .map((m) => m.at)
    .sort();
  const bankruptcyAt = firstEvent('bankruptcy');
  return {
    accountKey: config.accountKey,
    creditorId: p.creditorId,
    accountId: p.accountId,
    product: p.product,
    currency: p.currency,
    consumer: c.personalDataPurged ? null : { name: p.debtorName, address: { ...p.address }, phone: p.phone },
    enrolledAt: s.enrolledAt,
    stage: ended ?? 'open',
    endedAt,
    closedAtConsumerRequest: ended === 'closed' && r.closedAtConsumerRequest,
    dispute: r.dispute,
    deceasedAt: c.flags.deceased ? firstEvent('deceased') : null,
    bankruptcy: c.flags.bankruptcy && bankruptcyAt ? { at: bankruptcyAt, chapter: r.bankruptcyChapter } : null,
    firstConversationAt: [...c.conversations].sort()[0] ?? null,
    firstMessageAt: delivered[0] ?? null,
  };
}

/** When the engine is about to yield: keeps the facts if they changed since they were last kept. */
export function saveReportingFacts(ctx: Ctx): void {
  // Nothing to report before the ledger knows the account (an opening refused pauses it).
  if (!ctx.s.ledgerOpened || !ctx.out.some((c) => c.kind === 'wait' || c.kind === 'complete' || c.kind === 'continue_as_new')) return;
  const facts = reportingFacts(ctx.s, ctx.config);
  const r = reportingState(ctx.s);
  if (JSON.stringify(r.saved) === JSON.stringify(facts)) return;
  r.saved = facts;
  ctx.out.unshift({ kind: 'save_reporting_facts', facts, summary: `credit reporting facts: ${facts.stage}${facts.dispute ? ', disputed' : ''}` });
}
