/**
 * Every CSV the product writes for a person goes through one writer that defuses spreadsheet
 * formulas (OWASP CSV injection) while negative money stays a number: the placement packet's
 * ledger and contacts, the compliance report and the portfolio report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { complianceReportCsv, type ComplianceReport } from '../src/adapters/compliance-report';
import { csvField, toCsv } from '../src/adapters/csv';
import { renderAccountPacket, type AccountPacketInput } from '../src/adapters/documents';
import { portfolioReportCsv } from '../src/adapters/portfolio-report-output';
import { buildPortfolioReport, type DebtPosition } from '../src/domain/portfolio-metrics';

const HYPERLINK = '=HYPERLINK("https://evil.example","Pay here")';

describe('CSV writer', () => {
  it('writes a formula-like text cell with a leading quote, so a spreadsheet shows it as text', () => {
    assert.equal(csvField(HYPERLINK), `"'=HYPERLINK(""https://evil.example"",""Pay here"")"`);
    assert.equal(csvField('+12125550100'), "'+12125550100");
    assert.equal(csvField('-2+3+cmd|\' /C calc\'!A0'), "'-2+3+cmd|' /C calc'!A0");
    assert.equal(csvField('@SUM(A1:A9)'), "'@SUM(A1:A9)");
    assert.equal(csvField('\t=1+1'), "'\t=1+1");
    assert.equal(csvField('\r=1+1'), `"'\r=1+1"`);
    assert.equal(csvField('-'), "'-");
  });

  it('keeps numbers, and text that is exactly a negative number, as numbers', () => {
    assert.equal(csvField(-1500), '-1500');
    assert.equal(csvField('-1500'), '-1500');
    assert.equal(csvField('-0.05'), '-0.05');
    assert.equal(csvField('-1e5'), "'-1e5", 'only plain decimals pass');
    assert.equal(csvField('-12.'), "'-12.");
    assert.throws(() => csvField(Number.NaN), RangeError);
  });

  it('leaves ordinary text alone and quotes commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvField('Ana Rivera'), 'Ana Rivera');
    assert.equal(csvField('a "b", c\nd'), '"a ""b"", c\nd"');
    assert.equal(csvField(null), '');
    assert.equal(toCsv(['a', 'b'], [['=x', -3]]), "a,b\r\n'=x,-3\r\n");
  });
});

describe('CSV files handed to people', () => {
  it('the placement packet: a formula in a ledger description or a contact reason arrives as text; negative balances stay numbers', () => {
    const input: AccountPacketInput = {
      account: {
        creditorId: 'cred-auto', accountId: 'AL-9', debtorName: HYPERLINK,
        address: { line1: '1 Elm St', city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' },
        phone: '+15125550100', email: 'x@example.test', product: 'auto_loan', currency: 'USD', originalDueDate: '2026-01-15',
      },
      creditorName: 'Lone Star Auto Finance',
      placement: { agencyName: 'Smith & Ortiz', preparedAt: '2026-11-20T15:30:00Z' },
      statement: { openingBalanceMinor: 45_00, currentBalanceMinor: -5_00 },
      ledger: [
        { date: '2026-01-15', kind: 'charge', description: HYPERLINK, debitMinor: 45_00, creditMinor: 0, balanceMinor: 45_00 },
        { date: '2026-02-15', kind: 'payment', description: '@SUM(1+1)*cmd|"/C calc"!A0', debitMinor: 0, creditMinor: 50_00, balanceMinor: -5_00 },
      ],
      contacts: [{ at: '2026-02-01T14:00:00Z', channel: 'email', stepId: 'first-notice', status: 'suppressed', reason: '+1 opt-out', rule: '-1+1' }],
      stages: [],
    };
    const { ledgerCsv, contactsCsv } = renderAccountPacket(input);
    const ledger = parse(ledgerCsv, { columns: true }) as Record<string, string>[];
    assert.equal(ledger[0]!.description, `'${HYPERLINK}`);
    assert.equal(ledger[1]!.description, `'@SUM(1+1)*cmd|"/C calc"!A0`);
    assert.equal(ledger[1]!.balance_minor, '-500', 'a negative balance stays a number');
    const contacts = parse(contactsCsv, { columns: true }) as Record<string, string>[];
    assert.deepEqual([contacts[0]!.reason, contacts[0]!.rule], ["'+1 opt-out", "'-1+1"]);
  });

  it('the compliance report: a formula-like rule name arrives as text', () => {
    const report: ComplianceReport = {
      period: { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
      scope: { creditorId: 'cred-a', accountKey: null },
      totals: { allowed: 0, deferred: 0, suppressed: 1, sent: 0 },
      byRule: [{ rule: '=cmd|"/C calc"!A0', decision: 'suppress', channel: 'sms', count: 1 }],
      sentByChannel: [],
    };
    const rows = parse(complianceReportCsv(report), { columns: true }) as Record<string, string>[];
    assert.equal(rows.find((r) => r.section === 'by_rule')!.rule, `'=cmd|"/C calc"!A0`);
  });

  it('the portfolio report: a creditor id a spreadsheet would compute arrives as text; a negative amount stays a number', () => {
    const debt: DebtPosition = {
      creditorId: '-2-3', currency: 'USD', accountKey: 'account/-2-3/A-1', debtId: 'D1', dueDate: '2026-09-15',
      openingMinor: 10_00, closingMinor: 20_00, chargedMinor: 0, paidMinor: 0, reversedMinor: 10_00, writtenOffMinor: 0, adjustedMinor: 0,
    };
    const report = buildPortfolioReport({ period: { from: '2026-10-01', to: '2026-10-31' }, scope: { creditorId: null }, debts: [debt], promises: [], contacts: [] });
    const rows = parse(portfolioReportCsv(report), { columns: true }) as Record<string, string>[];
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.creditor_id === "'-2-3"), 'the creditor id is text');
    const collected = rows.find((r) => r.section === 'collection' && r.measure === 'collected')!;
    assert.deepEqual([collected.value, collected.amount], ['-1000', '-10.00']);
  });
});
