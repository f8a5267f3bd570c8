/**
 * The monthly Metro 2 furnishing file of one creditor, written from Postgres: the facts each
 * account's engine kept (account_reporting), the ledger's figures as of the month's end, and what
 * earlier files furnished (credit_reported_accounts). The rules are the domain's (metro2/furnish);
 * this module only reads, writes the file and records what it furnished, in one transaction, so a
 * month written again marks changed records as corrections and a later month can delete (DA).
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { AccountReportingFacts } from '../domain/credit-reporting';
import { writeMetro2File, type Metro2DataRecord } from '../domain/metro2/file';
import type { AccountStatusCode } from '../domain/metro2/format';
import { furnish, metro2Text, monthEnd, type FurnishedBefore, type FurnisherSettings, type LedgerFigures } from '../domain/metro2/furnish';
import { withTransaction } from './postgres';

export interface CreditReportSettings extends FurnisherSettings {
  reporterName: string;
  reporterAddress: string;
  reporterTelephoneNumber?: string;
}

export interface CreditReportResult {
  fileId: number;
  text: string;
  furnished: { accountId: string; status: AccountStatusCode; correction: boolean; why: string }[];
  skipped: { accountId: string; reason: string }[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const DAY_MS = 86_400_000;

/** The ledger's figures for an account as of an instant (sums of entries, never stored). */
async function ledgerFigures(pool: Pool, accountKey: string, month: string): Promise<LedgerFigures> {
  const { endMs } = monthEnd(month);
  const end = new Date(endMs).toISOString();
  const start = `${month}-01T00:00:00Z`;
  const pastDueBefore = new Date(endMs - 30 * DAY_MS).toISOString().slice(0, 10);
  const { rows } = await pool.query(
    `SELECT
       COALESCE(SUM(e.debit_minor - e.credit_minor) FILTER (WHERE e.ledger_account = 'receivable'), 0)::bigint AS balance,
       COALESCE(SUM(e.debit_minor) FILTER (WHERE e.ledger_account = 'receivable' AND t.kind = 'charge'), 0)::bigint AS original,
       COALESCE(SUM(e.debit_minor - e.credit_minor) FILTER (WHERE e.ledger_account = 'receivable' AND d.due_date <= $3::date), 0)::bigint AS past_due,
       COALESCE(SUM(e.debit_minor) FILTER (WHERE e.ledger_account = 'cash' AND t.kind = 'payment' AND t.effective_at >= $4::timestamptz), 0)::bigint
         - COALESCE(SUM(e.credit_minor) FILTER (WHERE e.ledger_account = 'cash' AND t.kind = 'reversal' AND t.effective_at >= $4::timestamptz), 0)::bigint AS paid_in_month,
       MAX(t.effective_at) FILTER (WHERE t.kind = 'payment') AS last_payment,
       COALESCE(SUM(e.debit_minor) FILTER (WHERE e.ledger_account = 'write_off'), 0)::bigint AS charged_off
     FROM ledger_entries e
     JOIN ledger_transactions t ON t.id = e.transaction_id
     LEFT JOIN debts d ON d.account_key = e.account_key AND d.debt_id = e.debt_id
     WHERE e.account_key = $1 AND t.effective_at <= $2::timestamptz`,
    [accountKey, end, pastDueBefore, start],
  );
  const oldest = await pool.query(`SELECT to_char(MIN(due_date), 'YYYY-MM-DD') AS due FROM debts WHERE account_key = $1 AND kind = 'invoice'`, [accountKey]);
  const r = rows[0];
  return {
    originalAmountMinor: Number(r.original),
    balanceMinor: Math.max(0, Number(r.balance)),
    pastDueMinor: Math.max(0, Number(r.past_due)),
    oldestDueDate: oldest.rows[0]?.due ?? null,
    paymentsInMonthMinor: Math.max(0, Number(r.paid_in_month)),
    lastPaymentDate: r.last_payment ? new Date(r.last_payment).toISOString().slice(0, 10) : null,
    chargedOffMinor: Number(r.charged_off),
  };
}

async function furnishedBefore(pool: Pool, accountKey: string, month: string, sameMonth: boolean): Promise<FurnishedBefore | null> {
  const { rows } = await pool.query(
    `SELECT a.month, a.status, a.fingerprint FROM credit_reported_accounts a JOIN credit_report_files f ON f.id = a.file_id
      WHERE a.account_key = $1 AND ${sameMonth ? 'a.month = $2' : 'a.month < $2'}
      ORDER BY a.month DESC, f.created_at DESC, f.id DESC LIMIT 1`,
    [accountKey, month],
  );
  return rows[0] ? { month: rows[0].month, status: rows[0].status, fingerprint: rows[0].fingerprint } : null;
}

/** Writes the file for a month (YYYY-MM) and creditor, and records what it furnished. */
export async function writeCreditReport(pool: Pool, input: { creditorId: string; month: string; createdAt: string; settings: CreditReportSettings }): Promise<CreditReportResult> {
  const { date: activityDate } = monthEnd(input.month);
  const accounts = await pool.query<{ account_key: string; facts: AccountReportingFacts }>(
    `SELECT r.account_key, r.facts FROM account_reporting r JOIN debtor_accounts a ON a.account_key = r.account_key
      WHERE r.creditor_id = $1 ORDER BY r.account_id`,
    [input.creditorId],
  );
  const records: Metro2DataRecord[] = [];
  const rows: { accountKey: string; status: AccountStatusCode; compliance: string; correction: boolean; fingerprint: string; balanceMinor: number }[] = [];
  const result: Omit<CreditReportResult, 'fileId' | 'text'> = { furnished: [], skipped: [] };
  for (const { account_key: accountKey, facts } of accounts.rows) {
    const ledger = await ledgerFigures(pool, accountKey, input.month);
    const decision = furnish({
      month: input.month,
      createdAt: input.createdAt,
      facts,
      ledger,
      settings: input.settings,
      previous: await furnishedBefore(pool, accountKey, input.month, false),
      sameMonth: await furnishedBefore(pool, accountKey, input.month, true),
      fingerprint: sha256,
    });
    if (decision.kind === 'skip') {
      result.skipped.push({ accountId: facts.accountId, reason: decision.reason });
      continue;
    }
    records.push({ base: decision.base, k1: decision.k1 });
    rows.push({ accountKey, status: decision.status, compliance: String(decision.base.complianceConditionCode ?? ''), correction: decision.correction, fingerprint: decision.fingerprint, balanceMinor: ledger.balanceMinor });
    result.furnished.push({ accountId: facts.accountId, status: decision.status, correction: decision.correction, why: decision.why });
  }
  const s = input.settings;
  const text = writeMetro2File({
    header: {
      activityDate,
      dateCreated: input.createdAt.slice(0, 10),
      reporterName: metro2Text(s.reporterName, 40),
      reporterAddress: metro2Text(s.reporterAddress, 96),
      reporterTelephoneNumber: s.reporterTelephoneNumber ? Number(s.reporterTelephoneNumber.replace(/\D/g, '').slice(-10)) : null,
    },
    records,
  });
  const fileId = await withTransaction(pool, async (client) => {
    const file = await client.query<{ id: string }>(
      `INSERT INTO credit_report_files (creditor_id, month, created_at, records, sha256) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [input.creditorId, input.month, input.createdAt, records.length, sha256(text)],
    );
    const id = Number(file.rows[0]!.id);
    for (const r of rows)
      await client.query(
        `INSERT INTO credit_reported_accounts (file_id, account_key, month, status, compliance_code, correction, fingerprint, balance_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, r.accountKey, input.month, r.status, r.compliance, r.correction, r.fingerprint, r.balanceMinor],
      );
    return id;
  });
  return { fileId, text, ...result };
}
