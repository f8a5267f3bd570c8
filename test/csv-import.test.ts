import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAccountsCsv } from '../src/schemas/account-csv';
import { ACCOUNT_CSV_COLUMNS } from '../src/schemas/account.schema';
import { SHARED_DATA } from './helpers/fixtures';

const header = ACCOUNT_CSV_COLUMNS.join(',');
const goodRow = 'ACC-1,cred-a,utility,Ana Rivera,ana@example.test,+12125550100,en,1 Main St,Springfield,NY,10001,US,America/New_York,USD,46012,2026-07-24,true,false,SVC-1,,';

describe('account CSV import', () => {
  it('rejects every bad row of the shared malformed file with its line and field', () => {
    const result = parseAccountsCsv(readFileSync(join(SHARED_DATA, 'malformed-accounts.csv'), 'utf8'));
    assert.deepEqual(
      result.errors.map((e) => [e.line, e.accountId, e.field]),
      [
        [2, 'ACC-BAD-0001', 'balance_cents'],
        [3, 'ACC-BAD-0002', 'email'],
        [4, 'ACC-BAD-0003', 'phone'],
        [5, 'ACC-BAD-0004', 'timezone'],
        [6, 'ACC-BAD-0005', 'balance_cents'],
        [7, 'ACC-BAD-0006', 'creditor_id'],
        [8, 'ACC-BAD-0007', 'due_date'],
        [9, 'ACC-BAD-0008', 'currency'],
      ],
    );
    assert.match(result.errors[0]!.message, /negative/);
    assert.match(result.errors[4]!.message, /whole minor units/);
    // The last row is well-formed on its own; it duplicates an account of the portfolio, which enrollment reports.
    assert.deepEqual(result.accounts.map((a) => [a.line, a.account.accountId]), [[10, 'ACC-07-0000001']]);
  });

  it('accepts the whole shared portfolio and keeps money in integer minor units', () => {
    const result = parseAccountsCsv(readFileSync(join(SHARED_DATA, 'portfolio', 'accounts.csv'), 'utf8'));
    assert.equal(result.errors.length, 0);
    assert.equal(result.accounts.length, 2000);
    const first = result.accounts[0]!.account;
    assert.equal(first.balanceMinor, 46012);
    assert.equal(first.serviceId, 'SVC-1');
    assert.equal(first.collateralVin, null);
    assert.ok(result.accounts.every((a) => Number.isSafeInteger(a.account.balanceMinor) && a.account.balanceMinor > 0));
  });

  it('a file that is not CSV is refused with its line, field and fault, never the value (a name or an address)', () => {
    const result = parseAccountsCsv([header, goodRow.replace('Ana Rivera', 'Ana "AR" Rivera')].join('\n'));
    assert.equal(result.accounts.length, 0);
    assert.deepEqual(result.errors, [{ line: 2, field: '(file)', message: 'not valid CSV: invalid opening quote in field 4', accountId: null }]);
    assert.ok(!JSON.stringify(result.errors).includes('Ana'));
  });

  it('reports a duplicate within one file with the line of the first', () => {
    const result = parseAccountsCsv([header, goodRow, goodRow.replace('Ana Rivera', 'Ana Again')].join('\n'));
    assert.equal(result.accounts.length, 1);
    assert.deepEqual(result.errors, [{ line: 3, field: 'account_id', message: 'duplicate of line 2 (same creditor_id and account_id)', accountId: 'ACC-1' }]);
  });

  it('keeps good rows around a row with the wrong number of fields', () => {
    const result = parseAccountsCsv([header, goodRow, 'ACC-2,cred-a,utility', goodRow.replace('ACC-1', 'ACC-3')].join('\n'));
    assert.deepEqual(result.accounts.map((a) => a.account.accountId), ['ACC-1', 'ACC-3']);
    assert.equal(result.errors[0]!.line, 3);
    assert.equal(result.errors[0]!.field, '(row)');
  });

  it('names every field at fault in one row, once each', () => {
    const row = goodRow.replace('utility', 'boat').replace('true,false', 'yes,false').replace('+12125550100', '12');
    const result = parseAccountsCsv([header, row].join('\n'));
    assert.deepEqual(result.errors.map((e) => e.field).sort(), ['email_consent', 'phone', 'product']);
  });

  it('refuses a file whose header is not the standard one', () => {
    const result = parseAccountsCsv('id,name\n1,x\n');
    assert.equal(result.accounts.length, 0);
    assert.equal(result.errors[0]!.field, '(header)');
    assert.match(result.errors[0]!.message, /missing columns: account_id, creditor_id/);
  });

  it('rejects a zero balance, a huge balance and an id with a slash', () => {
    const rows = [goodRow.replace('46012', '0'), goodRow.replace('ACC-1', 'ACC-9').replace('46012', '99999999999999999999'), goodRow.replace('ACC-1', 'ACC/1')];
    const result = parseAccountsCsv([header, ...rows].join('\n'));
    assert.deepEqual(result.errors.map((e) => [e.line, e.field]), [[2, 'balance_cents'], [3, 'balance_cents'], [4, 'account_id']]);
  });

  it('refuses a line break, a tab or another control character in any text field, naming the line and field', () => {
    const rows = [
      goodRow.replace('Ana Rivera', '"Ana\nRivera"'),
      goodRow.replace('ACC-1', 'ACC-2').replace('1 Main St', '"1 Main St\r\nBcc: x@evil.example"'),
      goodRow.replace('ACC-1', 'ACC-3').replace('Springfield', 'Spring\tfield'),
      goodRow.replace('ACC-1', 'ACC-4').replace('SVC-1', 'SVC\u0000-1'),
      goodRow.replace('ACC-1', 'ACC-5').replace('Ana Rivera', 'Ana \u202Eareviř'),
      goodRow.replace('ACC-1', 'ACC-6'),
    ];
    const result = parseAccountsCsv([header, ...rows].join('\r\n'));
    assert.deepEqual(
      result.errors.map((e) => [e.line, e.accountId, e.field]),
      [[2, 'ACC-1', 'debtor_name'], [4, 'ACC-2', 'address_line1'], [6, 'ACC-3', 'city'], [7, 'ACC-4', 'service_id'], [8, 'ACC-5', 'debtor_name']],
      'the line a record starts on, even after quoted line breaks',
    );
    assert.equal(result.errors[0]!.message, 'must be one line without control characters (found a line break)');
    assert.match(result.errors[2]!.message, /found a tab/);
    assert.match(result.errors[3]!.message, /found the control character U\+0000/);
    assert.match(result.errors[4]!.message, /found the control character U\+202E/);
    assert.deepEqual(result.accounts.map((a) => [a.line, a.account.accountId]), [[9, 'ACC-6']]);
  });

  it('trims spaces around a name and bounds every free-text field', () => {
    const long = 'x'.repeat(201);
    const rows = [
      goodRow.replace('Ana Rivera', '"  Ana Rivera \t"'),
      goodRow.replace('ACC-1', 'ACC-2').replace('Ana Rivera', long),
      goodRow.replace('ACC-1', 'ACC-3').replace('SVC-1', 'S'.repeat(101)),
      goodRow.replace('ACC-1', 'ACC-4').replace('ana@example.test', `${'a'.repeat(250)}@example.test`),
    ];
    const result = parseAccountsCsv([header, ...rows].join('\n'));
    assert.equal(result.accounts[0]!.account.debtorName, 'Ana Rivera');
    assert.deepEqual(result.errors.map((e) => [e.line, e.field, e.message]), [
      [3, 'debtor_name', 'must be at most 200 characters'],
      [4, 'service_id', 'must be at most 100 characters'],
      [5, 'email', 'is not a valid email address'],
    ]);
  });
});
