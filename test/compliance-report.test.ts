/** The compliance report on a real database: period edges, scoping, and the exact CSV. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { complianceReport, complianceReportCsv, type ComplianceReport } from '../src/adapters/compliance-report';
import { createTestDatabase } from './helpers/database';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;

const FROM = '2026-10-01T00:00:00.000Z';
const TO = '2026-11-01T00:00:00.000Z';
const A1 = 'account/cred-report-a/A-1';
const A2 = 'account/cred-report-a/A-2';
const B1 = 'account/cred-report-b/B-1';

let decisions = 0;
const decide = (accountKey: string, channel: string, decision: string, rule: string, decidedAt: string) =>
  pool.query(
    `INSERT INTO contact_decisions (idempotency_key, account_key, step_id, channel, decision, rule, reason, inputs, decided_at)
     VALUES ($1, $2, 'step', $3, $4, $5, NULL, '{}', $6)`,
    [`${accountKey}/decision/${++decisions}`, accountKey, channel, decision, rule, decidedAt],
  );
let messages = 0;
const message = (accountKey: string, channel: string, status: 'sent' | 'sending', sentAt: string | null) =>
  pool.query(
    `INSERT INTO outbound_messages (idempotency_key, account_key, channel, step_id, recipient, subject, body, status, sent_at)
     VALUES ($1, $2, $3, 'step', 'someone', NULL, 'text', $4, $5)`,
    [`${accountKey}/message/${++messages}`, accountKey, channel, status, sentAt],
  );

before(async () => {
  db = await createTestDatabase();
  pool = db.pool;
  for (const [key, creditor, account] of [[A1, 'cred-report-a', 'A-1'], [A2, 'cred-report-a', 'A-2'], [B1, 'cred-report-b', 'B-1']] as const)
    await pool.query(`INSERT INTO debtor_accounts (account_key, creditor_id, account_id, currency) VALUES ($1, $2, $3, 'USD')`, [key, creditor, account]);

  // A-1 at the edges of October 2026: exactly at from (counts), 1 ms before from (does not),
  // 1 ms before to (counts), exactly at to (does not).
  await decide(A1, 'email', 'allow', 'allowed', FROM);
  await decide(A1, 'email', 'defer', 'reg_f_1006_6_b_1_i_time_of_day', '2026-09-30T23:59:59.999Z');
  await decide(A1, 'sms', 'suppress', 'tcpa_consent', '2026-10-31T23:59:59.999Z');
  await decide(A1, 'email', 'allow', 'allowed', TO);
  await decide(A1, 'call', 'defer', 'reg_f_1006_6_b_1_i_time_of_day', '2026-10-10T02:00:00Z');
  await decide(A2, 'email', 'suppress', 'reg_f_1006_6_e_opt_out', '2026-10-15T15:00:00Z');
  await decide(A2, 'email', 'allow', 'allowed', '2026-10-15T16:00:00-04:00');
  await decide(B1, 'email', 'allow', 'allowed', '2026-10-05T15:00:00Z');
  await decide(B1, 'sms', 'suppress', 'tcpa_consent', '2026-10-06T15:00:00Z');

  await message(A1, 'email', 'sent', FROM);
  await message(A1, 'sms', 'sent', TO);
  await message(A1, 'email', 'sending', null);
  await message(A2, 'letter', 'sent', '2026-10-20T12:00:00Z');
  await message(B1, 'email', 'sent', '2026-10-05T15:00:01Z');
});
after(async () => {
  await db?.drop();
});

describe('complianceReport', () => {
  it('counts a creditor’s decisions by rule from `from` inclusive to `to` exclusive, and its sent messages', async () => {
    const report = await complianceReport(pool, { creditorId: 'cred-report-a', from: FROM, to: TO });
    assert.deepEqual(report, {
      period: { from: FROM, to: TO },
      scope: { creditorId: 'cred-report-a', accountKey: null },
      totals: { allowed: 2, deferred: 1, suppressed: 2, sent: 2 },
      byRule: [
        { rule: 'allowed', decision: 'allow', channel: 'email', count: 2 },
        { rule: 'reg_f_1006_6_b_1_i_time_of_day', decision: 'defer', channel: 'call', count: 1 },
        { rule: 'reg_f_1006_6_e_opt_out', decision: 'suppress', channel: 'email', count: 1 },
        { rule: 'tcpa_consent', decision: 'suppress', channel: 'sms', count: 1 },
      ],
      sentByChannel: [
        { channel: 'email', count: 1 },
        { channel: 'letter', count: 1 },
      ],
      byAccount: [
        { accountKey: A1, creditorId: 'cred-report-a', accountId: 'A-1', allowed: 1, deferred: 1, suppressed: 1, sent: 1 },
        { accountKey: A2, creditorId: 'cred-report-a', accountId: 'A-2', allowed: 1, deferred: 0, suppressed: 1, sent: 1 },
      ],
    });
  });

  it('moves the edge rows with the period: the rows at the old `to` count in the next period, the one before `from` in the previous', async () => {
    const next = await complianceReport(pool, { accountKey: A1, from: TO, to: '2026-12-01T00:00:00Z' });
    assert.deepEqual(next.totals, { allowed: 1, deferred: 0, suppressed: 0, sent: 1 });
    const previous = await complianceReport(pool, { accountKey: A1, from: '2026-09-01T00:00:00Z', to: FROM });
    assert.deepEqual(previous.byRule, [{ rule: 'reg_f_1006_6_b_1_i_time_of_day', decision: 'defer', channel: 'email', count: 1 }]);
    assert.deepEqual(previous.totals, { allowed: 0, deferred: 1, suppressed: 0, sent: 0 });
    // One millisecond later a period no longer holds the row decided at `from`.
    const later = await complianceReport(pool, { accountKey: A1, from: '2026-10-01T00:00:00.001Z', to: TO });
    assert.deepEqual(later.totals, { allowed: 0, deferred: 1, suppressed: 1, sent: 0 });
  });

  it('scopes to one creditor, leaving the other creditor’s accounts out', async () => {
    const report = await complianceReport(pool, { creditorId: 'cred-report-b', from: FROM, to: TO });
    assert.deepEqual(report.totals, { allowed: 1, deferred: 0, suppressed: 1, sent: 1 });
    assert.deepEqual(report.byAccount?.map((a) => a.accountKey), [B1]);
    const none = await complianceReport(pool, { creditorId: 'cred-report-none', from: FROM, to: TO });
    assert.deepEqual(none.totals, { allowed: 0, deferred: 0, suppressed: 0, sent: 0 });
    assert.deepEqual([none.byRule, none.sentByChannel, none.byAccount], [[], [], []]);
    // An account of another creditor is not in a creditor's report even when named.
    const crossed = await complianceReport(pool, { creditorId: 'cred-report-b', accountKey: A1, from: FROM, to: TO });
    assert.deepEqual(crossed.totals, { allowed: 0, deferred: 0, suppressed: 0, sent: 0 });
  });

  it('reports on everything without a scope, and on one account without a byAccount section', async () => {
    const all = await complianceReport(pool, { from: FROM, to: TO });
    assert.deepEqual(all.scope, { creditorId: null, accountKey: null });
    assert.deepEqual(all.totals, { allowed: 3, deferred: 1, suppressed: 3, sent: 3 });
    assert.deepEqual(all.byAccount?.map((a) => a.accountKey), [A1, A2, B1]);
    const one = await complianceReport(pool, { accountKey: A2, from: FROM, to: TO });
    assert.deepEqual(one.totals, { allowed: 1, deferred: 0, suppressed: 1, sent: 1 });
    assert.equal('byAccount' in one, false);
  });

  it('reads the period in any offset and refuses a period that is empty or has no zone', async () => {
    const report = await complianceReport(pool, { creditorId: 'cred-report-b', from: '2026-09-30T20:00:00-04:00', to: '2026-10-31T20:00:00-04:00' });
    assert.deepEqual(report.period, { from: FROM, to: TO });
    await assert.rejects(complianceReport(pool, { from: TO, to: FROM }), /the period must end after it starts: 2026-11-01T00:00:00.000Z .. 2026-10-01T00:00:00.000Z/);
    await assert.rejects(complianceReport(pool, { from: FROM, to: FROM }), /the period must end after it starts/);
    await assert.rejects(complianceReport(pool, { from: '2026-10-01', to: TO }), /from is not an ISO instant with Z or an offset: "2026-10-01"/);
  });
});

describe('complianceReportCsv', () => {
  it('writes a creditor’s report as RFC 4180 with CRLF, a header row and integer counts', async () => {
    const csv = complianceReportCsv(await complianceReport(pool, { creditorId: 'cred-report-b', from: FROM, to: TO }));
    const p = `${FROM},${TO}`;
    assert.equal(
      csv,
      [
        'period_from,period_to,creditor_id,account_key,section,measure,rule,channel,count',
        `${p},cred-report-b,,totals,allowed,,,1`,
        `${p},cred-report-b,,totals,deferred,,,0`,
        `${p},cred-report-b,,totals,suppressed,,,1`,
        `${p},cred-report-b,,totals,sent,,,1`,
        `${p},cred-report-b,,by_rule,allowed,allowed,email,1`,
        `${p},cred-report-b,,by_rule,suppressed,tcpa_consent,sms,1`,
        `${p},cred-report-b,,sent_by_channel,sent,,email,1`,
        `${p},cred-report-b,${B1},by_account,allowed,,,1`,
        `${p},cred-report-b,${B1},by_account,deferred,,,0`,
        `${p},cred-report-b,${B1},by_account,suppressed,,,1`,
        `${p},cred-report-b,${B1},by_account,sent,,,1`,
      ].join('\r\n') + '\r\n',
    );
  });

  it('quotes fields with commas, quotes and line breaks, and refuses a count that is not a safe integer', () => {
    const report: ComplianceReport = {
      period: { from: FROM, to: TO },
      scope: { creditorId: 'cred,"x"', accountKey: null },
      totals: { allowed: 0, deferred: 0, suppressed: 2, sent: 0 },
      byRule: [{ rule: 'pack "a",\r\nb', decision: 'suppress', channel: 'sms', count: 2 }],
      sentByChannel: [],
    };
    assert.equal(
      complianceReportCsv(report),
      [
        'period_from,period_to,creditor_id,account_key,section,measure,rule,channel,count',
        `${FROM},${TO},"cred,""x""",,totals,allowed,,,0`,
        `${FROM},${TO},"cred,""x""",,totals,deferred,,,0`,
        `${FROM},${TO},"cred,""x""",,totals,suppressed,,,2`,
        `${FROM},${TO},"cred,""x""",,totals,sent,,,0`,
        `${FROM},${TO},"cred,""x""",,by_rule,suppressed,"pack ""a"",\r\nb",sms,2`,
      ].join('\r\n') + '\r\n',
    );
    assert.throws(() => complianceReportCsv({ ...report, totals: { ...report.totals, sent: 1.5 } }), /count is not a safe integer: 1.5/);
  });
});
