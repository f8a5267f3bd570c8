import type { Pool, PoolClient } from 'pg';
import { toCsv } from './csv';
import { toSafeInteger } from './postgres';

export type GateDecision = 'allow' | 'defer' | 'suppress';

export interface ComplianceReportQuery {
  creditorId?: string;
  accountKey?: string;
  from: string; // ISO instant, inclusive
  to: string; // ISO instant, exclusive
}

export interface ComplianceTotals {
  allowed: number;
  deferred: number;
  suppressed: number;
  sent: number;
}

export interface RuleCount {
  rule: string;
  decision: GateDecision;
  channel: string;
  count: number;
}

export interface AccountTotals extends ComplianceTotals {
  accountKey: string;
  creditorId: string;
  accountId: string;
}

export interface ComplianceReport {
  /** Half-open: a decision or send at `from` counts, one at `to` belongs to the next period. */
  period: { from: string; to: string };
  scope: { creditorId: string | null; accountKey: string | null };
  /** Decisions of the contact-policy gate (a deferred contact decided again counts again) and messages sent. */
  totals: ComplianceTotals;
  byRule: RuleCount[];
  sentByChannel: Array<{ channel: string; count: number }>;
  /** Accounts with a decision or a sent message in the period; absent when the report is for one account. */
  byAccount?: AccountTotals[];
}

const MEASURE_OF: Record<GateDecision, keyof ComplianceTotals> = { allow: 'allowed', defer: 'deferred', suppress: 'suppressed' };
const MEASURES: readonly (keyof ComplianceTotals)[] = ['allowed', 'deferred', 'suppressed', 'sent'];

function instant(value: string, field: string): string {
  const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${field} is not an ISO instant with Z or an offset: "${value}"`);
  return new Date(ms).toISOString();
}

// $1 from, $2 to, $3 creditor or null, $4 account or null; `a` is debtor_accounts, `t` the counted table.
const IN_SCOPE = `($3::text IS NULL OR a.creditor_id = $3) AND ($4::text IS NULL OR a.account_key = $4)`;

async function readReport(client: PoolClient, period: { from: string; to: string }, scope: ComplianceReport['scope']): Promise<ComplianceReport> {
  const params = [period.from, period.to, scope.creditorId, scope.accountKey];
  const decisions = await client.query<{ rule: string; decision: GateDecision; channel: string; n: string }>(
    `SELECT t.rule, t.decision, t.channel, count(*) AS n
       FROM contact_decisions t JOIN debtor_accounts a ON a.account_key = t.account_key
      WHERE t.decided_at >= $1 AND t.decided_at < $2 AND ${IN_SCOPE}
      GROUP BY t.rule, t.decision, t.channel
      ORDER BY t.rule COLLATE "C", t.decision COLLATE "C", t.channel COLLATE "C"`,
    params,
  );
  const sent = await client.query<{ channel: string; n: string }>(
    `SELECT t.channel, count(*) AS n
       FROM outbound_messages t JOIN debtor_accounts a ON a.account_key = t.account_key
      WHERE t.status = 'sent' AND t.sent_at >= $1 AND t.sent_at < $2 AND ${IN_SCOPE}
      GROUP BY t.channel ORDER BY t.channel COLLATE "C"`,
    params,
  );

  const byRule = decisions.rows.map((row) => ({ rule: row.rule, decision: row.decision, channel: row.channel, count: toSafeInteger(row.n, 'decision count') }));
  const sentByChannel = sent.rows.map((row) => ({ channel: row.channel, count: toSafeInteger(row.n, 'sent count') }));
  const totals: ComplianceTotals = { allowed: 0, deferred: 0, suppressed: 0, sent: 0 };
  for (const row of byRule) totals[MEASURE_OF[row.decision]] += row.count;
  for (const row of sentByChannel) totals.sent += row.count;
  const report: ComplianceReport = { period, scope, totals, byRule, sentByChannel };
  if (scope.accountKey !== null) return report;

  const accounts = await client.query<{ account_key: string; creditor_id: string; account_id: string; allowed: string; deferred: string; suppressed: string; sent: string }>(
    `WITH d AS (
       SELECT account_key,
              count(*) FILTER (WHERE decision = 'allow') AS allowed,
              count(*) FILTER (WHERE decision = 'defer') AS deferred,
              count(*) FILTER (WHERE decision = 'suppress') AS suppressed
         FROM contact_decisions WHERE decided_at >= $1 AND decided_at < $2 GROUP BY account_key),
     s AS (
       SELECT account_key, count(*) AS sent
         FROM outbound_messages WHERE status = 'sent' AND sent_at >= $1 AND sent_at < $2 GROUP BY account_key)
     SELECT a.account_key, a.creditor_id, a.account_id,
            COALESCE(d.allowed, 0) AS allowed, COALESCE(d.deferred, 0) AS deferred,
            COALESCE(d.suppressed, 0) AS suppressed, COALESCE(s.sent, 0) AS sent
       FROM debtor_accounts a
       LEFT JOIN d ON d.account_key = a.account_key
       LEFT JOIN s ON s.account_key = a.account_key
      WHERE (d.account_key IS NOT NULL OR s.account_key IS NOT NULL) AND ${IN_SCOPE}
      ORDER BY a.account_key COLLATE "C"`,
    params,
  );
  report.byAccount = accounts.rows.map((row) => ({
    accountKey: row.account_key,
    creditorId: row.creditor_id,
    accountId: row.account_id,
    allowed: toSafeInteger(row.allowed, 'allowed'),
    deferred: toSafeInteger(row.deferred, 'deferred'),
    suppressed: toSafeInteger(row.suppressed, 'suppressed'),
    sent: toSafeInteger(row.sent, 'sent'),
  }));
  return report;
}

/**
 * What the contact-policy gate decided and what was sent, for a creditor, an account or everything,
 * over [from, to). Read in one repeatable-read snapshot, so the sections agree with each other.
 */
export async function complianceReport(pool: Pool, query: ComplianceReportQuery): Promise<ComplianceReport> {
  const period = { from: instant(query.from, 'from'), to: instant(query.to, 'to') };
  if (period.from >= period.to) throw new RangeError(`the period must end after it starts: ${period.from} .. ${period.to}`);
  const scope = { creditorId: query.creditorId ?? null, accountKey: query.accountKey ?? null };
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const report = await readReport(client, period, scope);
      await client.query('COMMIT');
      return report;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}

export const COMPLIANCE_CSV_HEADER = ['period_from', 'period_to', 'creditor_id', 'account_key', 'section', 'measure', 'rule', 'channel', 'count'] as const;

/**
 * The report as one CSV table, one count per row (long form, for a spreadsheet's pivot):
 * section totals | by_rule | sent_by_channel | by_account; measure allowed | deferred | suppressed | sent.
 * creditor_id and account_key are the scope, or the account's own on by_account rows. CRLF line ends.
 */
export function complianceReportCsv(report: ComplianceReport): string {
  const { from, to } = report.period;
  const scopeCreditor = report.scope.creditorId ?? '';
  const scopeAccount = report.scope.accountKey ?? '';
  const rows: Array<Array<string | number>> = [];
  const row = (creditorId: string, accountKey: string, section: string, measure: string, rule: string, channel: string, count: number) => {
    if (!Number.isSafeInteger(count)) throw new RangeError(`count is not a safe integer: ${count}`);
    rows.push([from, to, creditorId, accountKey, section, measure, rule, channel, count]);
  };
  for (const measure of MEASURES) row(scopeCreditor, scopeAccount, 'totals', measure, '', '', report.totals[measure]);
  for (const r of report.byRule) row(scopeCreditor, scopeAccount, 'by_rule', MEASURE_OF[r.decision], r.rule, r.channel, r.count);
  for (const s of report.sentByChannel) row(scopeCreditor, scopeAccount, 'sent_by_channel', 'sent', '', s.channel, s.count);
  for (const account of report.byAccount ?? []) for (const measure of MEASURES) row(account.creditorId, account.accountKey, 'by_account', measure, '', '', account[measure]);
  return toCsv(COMPLIANCE_CSV_HEADER, rows);
}
