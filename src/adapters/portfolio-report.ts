import type { Pool, PoolClient } from 'pg';
import {
  buildPortfolioReport,
  CONTACT_MEASURES,
  isCalendarDate,
  periodBounds,
  type ArrangementRecord,
  type ContactCountRow,
  type ContactMeasure,
  type DebtPosition,
  type PortfolioReport,
  type WorkQueueFigures,
} from '../domain/portfolio-metrics';
import { toSafeInteger } from './postgres';

export interface PortfolioReportQuery {
  creditorId?: string;
  /** First day of the period, YYYY-MM-DD (UTC), included. */
  from: string;
  /** Last day of the period, YYYY-MM-DD (UTC), included. */
  to: string;
}

// $1 the period's start, $2 its end (the instant after its last day), $3 the creditor or null.
const IN_SCOPE = `($3::text IS NULL OR a.creditor_id = $3)`;

/**
 * Each debt's receivable at the opening (everything effective before the period) and at the
 * closing (everything effective before its end), and its movements in the period by kind.
 * Derived from entries: balances are never stored.
 */
async function readDebtPositions(client: PoolClient, params: unknown[]): Promise<DebtPosition[]> {
  const IN_PERIOD = 't.effective_at >= $1 AND t.effective_at < $2';
  const { rows } = await client.query<{
    creditor_id: string;
    currency: string;
    account_key: string;
    debt_id: string;
    due_date: string;
    opening: string;
    closing: string;
    charged: string;
    paid: string;
    reversed: string;
    written_off: string;
    adjusted: string;
  }>(
    `SELECT a.creditor_id, a.currency, d.account_key, d.debt_id, to_char(d.due_date, 'YYYY-MM-DD') AS due_date,
            COALESCE(SUM(e.debit_minor - e.credit_minor) FILTER (WHERE t.effective_at < $1), 0) AS opening,
            COALESCE(SUM(e.debit_minor - e.credit_minor), 0) AS closing,
            COALESCE(SUM(e.debit_minor - e.credit_minor) FILTER (WHERE ${IN_PERIOD} AND t.kind IN ('charge', 'fee', 'interest')), 0) AS charged,
            COALESCE(SUM(e.credit_minor - e.debit_minor) FILTER (WHERE ${IN_PERIOD} AND t.kind = 'payment'), 0) AS paid,
            COALESCE(SUM(e.debit_minor - e.credit_minor) FILTER (WHERE ${IN_PERIOD} AND t.kind = 'reversal'), 0) AS reversed,
            COALESCE(SUM(e.credit_minor - e.debit_minor) FILTER (WHERE ${IN_PERIOD} AND t.kind = 'write_off'), 0) AS written_off,
            COALESCE(SUM(e.credit_minor - e.debit_minor) FILTER (WHERE ${IN_PERIOD} AND t.kind NOT IN ('charge', 'fee', 'interest', 'payment', 'reversal', 'write_off')), 0) AS adjusted
       FROM debts d
       JOIN debtor_accounts a ON a.account_key = d.account_key
       JOIN ledger_entries e ON e.account_key = d.account_key AND e.debt_id = d.debt_id AND e.ledger_account = 'receivable'
       JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE t.effective_at < $2 AND ${IN_SCOPE}
      GROUP BY a.creditor_id, a.currency, d.account_key, d.debt_id, d.due_date
      ORDER BY a.creditor_id COLLATE "C", a.currency, d.account_key COLLATE "C", d.due_date, d.debt_id COLLATE "C"`,
    params,
  );
  return rows
    .map((r) => ({
      creditorId: r.creditor_id,
      currency: r.currency,
      accountKey: r.account_key,
      debtId: r.debt_id,
      dueDate: r.due_date,
      openingMinor: toSafeInteger(r.opening, 'opening'),
      closingMinor: toSafeInteger(r.closing, 'closing'),
      chargedMinor: toSafeInteger(r.charged, 'charged'),
      paidMinor: toSafeInteger(r.paid, 'paid'),
      reversedMinor: toSafeInteger(r.reversed, 'reversed'),
      writtenOffMinor: toSafeInteger(r.written_off, 'written_off'),
      adjustedMinor: toSafeInteger(r.adjusted, 'adjusted'),
    }))
    .filter((d) => d.openingMinor !== 0 || d.closingMinor !== 0 || d.chargedMinor !== 0 || d.paidMinor !== 0 || d.reversedMinor !== 0 || d.writtenOffMinor !== 0 || d.adjustedMinor !== 0);
}

/** Promises that were open at some time in the period: made before its end, not resolved before its start. */
async function readPromises(client: PoolClient, params: unknown[]): Promise<ArrangementRecord[]> {
  const { rows } = await client.query<{ arrangement_id: string; creditor_id: string; kind: string; status: string; created_at: Date; resolved_at: Date | null }>(
    `SELECT a.arrangement_id, a.creditor_id, a.kind, a.status, a.created_at, a.resolved_at
       FROM arrangements a
      WHERE a.kind = 'promise' AND a.created_at < $2 AND (a.resolved_at IS NULL OR a.resolved_at >= $1) AND ${IN_SCOPE}
      ORDER BY a.creditor_id COLLATE "C", a.created_at, a.arrangement_id COLLATE "C"`,
    params,
  );
  return rows.map((r) => ({
    arrangementId: r.arrangement_id,
    creditorId: r.creditor_id,
    kind: r.kind,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
  }));
}

/**
 * Contacts per creditor and channel in the period:
 *  sent       — messages delivered (outbound_messages sent: email, sms, letter — the validation
 *               notice included) and call tasks created;
 *  suppressed — gate decisions "suppress"; deferred — gate decisions "defer" (a contact deferred
 *               twice counts twice);
 *  failed     — gate decisions "allow" whose step run (`<account>/step/<n>/<step>`, named in the
 *               decision's key `<account>/decision/<n>/<step>/<at>`) has no sent message or call task;
 *               an arrangement notice's decision counts as delivered when its step id was sent.
 */
async function readContacts(client: PoolClient, params: unknown[]): Promise<ContactCountRow[]> {
  const { rows } = await client.query<{ creditor_id: string; channel: string; measure: string; n: string }>(
    `WITH decisions AS (
       SELECT a.creditor_id, c.channel, c.decision,
              EXISTS (SELECT 1 FROM outbound_messages m WHERE m.idempotency_key = run.key AND m.status = 'sent')
              OR EXISTS (SELECT 1 FROM call_tasks k WHERE k.idempotency_key = run.key)
              -- Arrangement notices (plan reminders, missed-instalment notices…) have one step id each.
              OR (c.step_id ~ '^(plan|promise)_' AND EXISTS (SELECT 1 FROM outbound_messages m WHERE m.account_key = c.account_key AND m.step_id = c.step_id AND m.status = 'sent')) AS delivered
         FROM contact_decisions c
         JOIN debtor_accounts a ON a.account_key = c.account_key
         CROSS JOIN LATERAL (
           SELECT CASE WHEN starts_with(c.idempotency_key, c.account_key || '/decision/')
                       THEN c.account_key || '/step/' || split_part(substr(c.idempotency_key, length(c.account_key) + 11), '/', 1) || '/' || c.step_id
                  END AS key) run
        WHERE c.decided_at >= $1 AND c.decided_at < $2 AND ${IN_SCOPE})
     SELECT creditor_id, channel, measure, count(*) AS n FROM (
       SELECT creditor_id, channel, CASE decision WHEN 'suppress' THEN 'suppressed' WHEN 'defer' THEN 'deferred' ELSE 'failed' END AS measure
         FROM decisions WHERE decision <> 'allow' OR NOT delivered
       UNION ALL
       SELECT a.creditor_id, m.channel, 'sent'
         FROM outbound_messages m JOIN debtor_accounts a ON a.account_key = m.account_key
        WHERE m.status = 'sent' AND m.sent_at >= $1 AND m.sent_at < $2 AND ${IN_SCOPE}
       UNION ALL
       SELECT a.creditor_id, 'call', 'sent'
         FROM call_tasks k JOIN debtor_accounts a ON a.account_key = k.account_key
        WHERE k.created_at >= $1 AND k.created_at < $2 AND ${IN_SCOPE}
     ) counted
     GROUP BY creditor_id, channel, measure
     ORDER BY creditor_id COLLATE "C", channel COLLATE "C", measure COLLATE "C"`,
    params,
  );
  return rows.map((r) => {
    if (!(CONTACT_MEASURES as readonly string[]).includes(r.measure)) throw new RangeError(`unexpected contact measure ${r.measure}`);
    return { creditorId: r.creditor_id, channel: r.channel, measure: r.measure as ContactMeasure, count: toSafeInteger(r.n, 'contact count') };
  });
}

/**
 * The work queue per creditor and kind: items made and completed in the period, and open at its
 * end — the engine's work items, call tasks (no completion time is kept: open means open now) and
 * unapplied payments.
 */
async function readWorkQueue(client: PoolClient, params: unknown[]): Promise<WorkQueueFigures[]> {
  const { rows } = await client.query<{ creditor_id: string; kind: string; created: string; completed: string; open_at_end: string }>(
    `SELECT creditor_id, kind,
            count(*) FILTER (WHERE created_at >= $1 AND created_at < $2) AS created,
            count(*) FILTER (WHERE completed_at >= $1 AND completed_at < $2) AS completed,
            count(*) FILTER (WHERE created_at < $2 AND still_open) AS open_at_end
       FROM (
         SELECT w.creditor_id, w.kind, w.created_at, w.completed_at, (w.completed_at IS NULL OR w.completed_at >= $2) AS still_open FROM work_items w
         UNION ALL
         SELECT a.creditor_id, 'call_task', k.created_at, NULL, k.status = 'open' FROM call_tasks k JOIN debtor_accounts a ON a.account_key = k.account_key
         UNION ALL
         SELECT u.creditor_id, 'unapplied_payment', u.recorded_at, u.resolved_at, (u.resolved_at IS NULL OR u.resolved_at >= $2) FROM unapplied_payments u
       ) a
      WHERE ${IN_SCOPE}
      GROUP BY creditor_id, kind
     HAVING count(*) FILTER (WHERE created_at < $2) > 0
      ORDER BY creditor_id COLLATE "C", kind COLLATE "C"`,
    params,
  );
  return rows.map((r) => ({ creditorId: r.creditor_id, kind: r.kind, created: toSafeInteger(r.created, 'created'), completed: toSafeInteger(r.completed, 'completed'), openAtEnd: toSafeInteger(r.open_at_end, 'open_at_end') }));
}

/**
 * The portfolio report over the days `from`..`to` (both included, UTC), for one creditor or all:
 * aging at the opening and the closing, collection rate and CEI, roll rates, promises kept and
 * contacts per channel. Read in one repeatable-read snapshot, so the sections agree.
 */
export async function portfolioReport(pool: Pool, query: PortfolioReportQuery): Promise<PortfolioReport> {
  for (const field of ['from', 'to'] as const)
    if (!isCalendarDate(query[field])) throw new RangeError(`${field} is not a calendar date YYYY-MM-DD: "${query[field]}"`);
  const period = { from: query.from, to: query.to };
  const bounds = periodBounds(period); // refuses a period that ends before it starts
  const scope = { creditorId: query.creditorId ?? null };
  const params = [bounds.start, bounds.end, scope.creditorId];
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const debts = await readDebtPositions(client, params);
      const promises = await readPromises(client, params);
      const contacts = await readContacts(client, params);
      const work = await readWorkQueue(client, params);
      await client.query('COMMIT');
      return buildPortfolioReport({ period, scope, debts, promises, contacts, work });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}
