/**
 * The monthly Metro 2 file written from Postgres: the facts the account engine kept, the ledger's
 * figures as of the month's end, what earlier files furnished. Each record is read back and
 * compared field by field; the validator reads the whole file back; the CLI writes and validates.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { createReportingActivities } from '../src/activities/reporting.activities';
import { writeCreditReport, type CreditReportSettings } from '../src/adapters/credit-report';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import type { AccountReportingFacts } from '../src/domain/credit-reporting';
import { BASE, K1 } from '../src/domain/metro2/format';
import { readRecord } from '../src/domain/metro2/record';
import { validateMetro2File } from '../src/domain/metro2/validate';
import { runCli } from '../src/starter';
import { createTestDatabase } from './helpers/database';
import { reportingFacts } from './helpers/reporting-facts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;
before(async () => {
  db = await createTestDatabase();
  pool = db.pool;
});
after(async () => db?.drop());

const settings = (classification: CreditReportSettings['creditorClassification'] = '10'): CreditReportSettings => ({
  identificationNumber: 'DUNN00001',
  accountType: '48',
  originalCreditorName: 'Metro Power & Light',
  creditorClassification: classification,
  reporterName: 'Dunning Collections',
  reporterAddress: '1 Collector Way, Springfield, NY 10001',
  reporterTelephoneNumber: '+15555550100',
});

async function account(creditorId: string, accountId: string, balanceMinor: number, facts: Partial<AccountReportingFacts> = {}): Promise<string> {
  const accountKey = `account/${creditorId}/${accountId}`;
  await createLedgerRepository(pool).openAccount({ accountKey, creditorId, accountId, currency: 'USD', openingBalanceMinor: balanceMinor, dueDate: '2026-08-01' });
  await createReportingActivities(pool).saveReportingFacts(reportingFacts({ accountKey, creditorId, accountId, ...facts }));
  return accountKey;
}

/** The data records of a file, base and K1 read back by field. */
function dataRecords(text: string) {
  return text
    .split('\n')
    .filter((l) => l.length > 426 || (l.length === 426 && !l.startsWith('0426HEADER') && !l.startsWith('0426TRAILER')))
    .map((line) => ({ base: readRecord(BASE, line), k1: line.length > 426 ? readRecord(K1, line, 426) : null }));
}

describe('the monthly Metro 2 file from Postgres', () => {
  it('furnishes an account in collection with the ledger’s figures, a disputed one with XB, and names why others are not furnished', async () => {
    const creditor = 'cred-furnish';
    await account(creditor, 'ACC-1', 1234_56);
    const disputed = await account(creditor, 'ACC-2', 700_00, { dispute: { disputedAt: '2026-10-20T12:00:00Z', resolvedAt: null, consumerDisagrees: false } });
    await createLedgerRepository(pool).postPayment({ accountKey: disputed, paymentId: 'P-1', amountMinor: 200_00, currency: 'USD', receivedAt: '2026-11-10T15:00:00Z' } as never);
    // §1006.30(a): no conversation, the first letter on 25 November: 14 days not over by 30 November.
    await account(creditor, 'ACC-3', 900_00, { firstMessageAt: '2026-11-25T10:00:00Z' });

    const report = await writeCreditReport(pool, { creditorId: creditor, month: '2026-11', createdAt: '2026-12-02T10:11:12Z', settings: settings() });
    assert.deepEqual(report.furnished.map((f) => [f.accountId, f.status, f.correction]), [['ACC-1', '93', false], ['ACC-2', '93', false]]);
    assert.equal(report.skipped.length, 1);
    assert.match(`${report.skipped[0]!.accountId}: ${report.skipped[0]!.reason}`, /^ACC-3: Regulation F §1006\.30\(a\)/);

    const { problems, summary } = validateMetro2File(report.text);
    assert.deepEqual(problems, []);
    assert.equal(summary.baseRecords, 2);
    const [first, second] = dataRecords(report.text);
    const pick = (r: Record<string, string>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));
    const keys = ['identificationNumber', 'consumerAccountNumber', 'portfolioType', 'accountType', 'dateOpened', 'highestCredit', 'accountStatus', 'complianceConditionCode', 'currentBalance', 'amountPastDue', 'actualPaymentAmount', 'dateOfAccountInformation', 'dateOfFirstDelinquency', 'dateOfLastPayment', 'surname', 'firstName', 'middleName', 'ecoaCode', 'firstLineOfAddress', 'city', 'state', 'postalCode'];
    assert.deepEqual(pick(first!.base, keys), {
      identificationNumber: 'DUNN00001',
      consumerAccountNumber: 'ACC-1',
      portfolioType: 'O',
      accountType: '48',
      dateOpened: '09152026',
      highestCredit: '000001234',
      accountStatus: '93',
      complianceConditionCode: '',
      currentBalance: '000001234',
      amountPastDue: '000001234',
      actualPaymentAmount: '000000000',
      dateOfAccountInformation: '11302026',
      dateOfFirstDelinquency: '08312026',
      dateOfLastPayment: '00000000',
      surname: 'DOE',
      firstName: 'JANE',
      middleName: 'Q',
      ecoaCode: '1',
      firstLineOfAddress: '1 MAIN ST., APT #4',
      city: 'ALBANY',
      state: 'NY',
      postalCode: '122071234',
    });
    assert.deepEqual(pick(second!.base, ['consumerAccountNumber', 'accountStatus', 'complianceConditionCode', 'currentBalance', 'amountPastDue', 'actualPaymentAmount', 'dateOfLastPayment']), {
      consumerAccountNumber: 'ACC-2',
      accountStatus: '93',
      complianceConditionCode: 'XB',
      currentBalance: '000000500',
      amountPastDue: '000000500',
      actualPaymentAmount: '000000200',
      dateOfLastPayment: '11102026',
    });
    assert.deepEqual(first!.k1, { segmentIdentifier: 'K1', originalCreditorName: 'METRO POWER & LIGHT', creditorClassification: '10' });

    const kept = await pool.query(`SELECT a.account_key, a.status, a.compliance_code, a.correction, a.balance_minor::int AS balance FROM credit_reported_accounts a WHERE a.file_id = $1 ORDER BY a.account_key`, [report.fileId]);
    assert.deepEqual(kept.rows, [
      { account_key: `account/${creditor}/ACC-1`, status: '93', compliance_code: '', correction: false, balance: 1234_56 },
      { account_key: disputed, status: '93', compliance_code: 'XB', correction: false, balance: 500_00 },
    ]);
  });

  it('written again for the same month: unchanged records are not corrections, a changed one is; a closed account furnished before is deleted (DA) the next month', async () => {
    const creditor = 'cred-again';
    const key = await account(creditor, 'ACC-1', 800_00);
    const first = await writeCreditReport(pool, { creditorId: creditor, month: '2026-11', createdAt: '2026-12-02T10:00:00Z', settings: settings() });
    assert.deepEqual(first.furnished.map((f) => [f.status, f.correction]), [['93', false]]);
    const same = await writeCreditReport(pool, { creditorId: creditor, month: '2026-11', createdAt: '2026-12-02T11:00:00Z', settings: settings() });
    assert.deepEqual(same.furnished.map((f) => [f.status, f.correction]), [['93', false]]);
    // The dispute the collector had not recorded by the first file: the month's record is corrected.
    await createReportingActivities(pool).saveReportingFacts({ ...(await facts(key)), dispute: { disputedAt: '2026-11-20T10:00:00Z', resolvedAt: null, consumerDisagrees: false } });
    const corrected = await writeCreditReport(pool, { creditorId: creditor, month: '2026-11', createdAt: '2026-12-02T12:00:00Z', settings: settings() });
    assert.deepEqual(corrected.furnished.map((f) => [f.status, f.correction]), [['93', true]]);
    assert.equal(dataRecords(corrected.text)[0]!.base.correctionIndicator, '1');
    assert.equal(dataRecords(corrected.text)[0]!.base.complianceConditionCode, 'XB');
    // Returned to the creditor in December: deleted from the bureaus in December's file, then never again.
    await createReportingActivities(pool).saveReportingFacts({ ...(await facts(key)), stage: 'closed', endedAt: '2026-12-05T10:00:00Z' });
    const december = await writeCreditReport(pool, { creditorId: creditor, month: '2026-12', createdAt: '2027-01-02T10:00:00Z', settings: settings() });
    assert.deepEqual(december.furnished.map((f) => f.status), ['DA']);
    assert.deepEqual(pickBase(december.text, ['accountStatus', 'currentBalance', 'complianceConditionCode']), { accountStatus: 'DA', currentBalance: '000000000', complianceConditionCode: '' });
    const january = await writeCreditReport(pool, { creditorId: creditor, month: '2027-01', createdAt: '2027-02-02T10:00:00Z', settings: settings() });
    assert.deepEqual([january.furnished, january.skipped.map((s) => s.reason)], [[], ['deleted in the file for 2026-12']]);
    assert.deepEqual(validateMetro2File(december.text).problems, []);
  });

  it('medical: under $500 not reported; paid medical not reported', async () => {
    const creditor = 'cred-clinic';
    await account(creditor, 'MED-1', 499_99, { enrolledAt: '2025-06-01T10:00:00Z', firstMessageAt: '2025-06-01T10:00:05Z' });
    await account(creditor, 'MED-2', 900_00, { enrolledAt: '2025-06-01T10:00:00Z', firstMessageAt: '2025-06-01T10:00:05Z', stage: 'paid', endedAt: '2026-10-01T10:00:00Z' });
    const report = await writeCreditReport(pool, { creditorId: creditor, month: '2026-11', createdAt: '2026-12-02T10:00:00Z', settings: settings('02') });
    assert.deepEqual(report.furnished, []);
    assert.deepEqual(report.skipped.map((s) => `${s.accountId}: ${s.reason}`), [
      'MED-1: medical collection with an initial balance under $500: the bureaus do not report it',
      'MED-2: paid medical collection: the bureaus do not report it',
    ]);
  });

  it('the CLI writes a month’s file for a creditor, and validates it; a corrupted file is refused naming line and field', async () => {
    const creditor = 'cred-cli-metro';
    await account(creditor, 'ACC-9', 650_00);
    const dir = mkdtempSync(join(tmpdir(), 'metro2-'));
    const creditors = join(dir, 'creditors.json');
    writeFileSync(creditors, JSON.stringify({ creditors: [{ id: creditor, name: 'Metro Power', mailingAddress: ['1 Power Plaza', 'Albany, NY 12207'], creditDepartmentEmail: 'credit@metro-power.test', creditReporting: { ...settings(), reporterTelephoneNumber: '5555550100' } }] }));
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: db.url, CREDITORS_FILE: creditors });
    try {
      const file = join(dir, 'nov.txt');
      let out = '';
      assert.equal(await runCli(['credit-report', 'write', '--month', '2026-11', '--creditor', creditor, '--out', file], (t) => (out += t)), 0, out);
      assert.match(out, /1 furnished, 0 not furnished written to/);
      out = '';
      assert.equal(await runCli(['credit-report', 'validate', file], (t) => (out += t)), 0, out);
      assert.match(out, /^valid/);
      const lines = readFileSync(file, 'latin1').split('\n');
      lines[1] = lines[1]!.slice(0, 123) + 'ZZ' + lines[1]!.slice(125); // account status, CRRG field 17A, positions 124–125
      writeFileSync(file, lines.join('\n'), 'latin1');
      out = '';
      assert.equal(await runCli(['credit-report', 'validate', file], (t) => (out += t)), 2);
      assert.match(out, /line 2, .*accountStatus|line 2, .*Account Status/i);
      out = '';
      assert.equal(await runCli(['credit-report', 'write', '--month', '2026-13', '--creditor', creditor], (t) => (out += t)), 1);
      assert.match(out, /--month must be YYYY-MM/);
    } finally {
      for (const k of ['DATABASE_URL', 'CREDITORS_FILE']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  });
});

async function facts(key: string): Promise<AccountReportingFacts> {
  return (await pool.query(`SELECT facts FROM account_reporting WHERE account_key = $1`, [key])).rows[0].facts;
}
function pickBase(text: string, keys: string[]) {
  const b = dataRecords(text)[0]!.base;
  return Object.fromEntries(keys.map((k) => [k, b[k]]));
}
