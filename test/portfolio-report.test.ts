/**
 * The portfolio report on a real database: ledger postings made through the ledger repository
 * (several debts, payments, a returned payment with its fee, a write-off), arrangements and
 * contact decisions as the workflow records them; the numbers, the CSV and the HTML page.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pool } from 'pg';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { portfolioReport } from '../src/adapters/portfolio-report';
import { PORTFOLIO_CSV_HEADER, portfolioReportCsv, portfolioReportHtml, portfolioReportText } from '../src/adapters/portfolio-report-output';
import { accountKey } from '../src/domain/account';
import { percentDigits, type PortfolioReport } from '../src/domain/portfolio-metrics';
import { EXIT, runCli } from '../src/starter';
import { assertLedgerBalances, createTestDatabase } from './helpers/database';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;

const PERIOD = { from: '2026-10-01', to: '2026-10-31' };
const A1 = accountKey('cred-port-a', 'PA-1');
const A2 = accountKey('cred-port-a', 'PA-2');
const A3 = accountKey('cred-port-a', 'PA-3');
const B1 = accountKey('cred-port-b', 'PB-1');

const decide = (key: string, run: number, stepId: string, channel: string, decision: 'allow' | 'defer' | 'suppress', rule: string, decidedAt: string) =>
  pool.query(
    `INSERT INTO contact_decisions (idempotency_key, account_key, step_id, channel, decision, rule, reason, inputs, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, NULL, '{}', $7)`,
    [`${key}/decision/${run}/${stepId}/${decidedAt}`, key, stepId, channel, decision, rule, decidedAt],
  );
const message = (idempotencyKey: string, key: string, channel: 'email' | 'sms' | 'letter', status: 'sent' | 'sending', sentAt: string | null) =>
  pool.query(
    `INSERT INTO outbound_messages (idempotency_key, account_key, channel, step_id, recipient, subject, body, status, sent_at)
     VALUES ($1, $2, $3, 'step', 'someone', NULL, 'text', $4, $5)`,
    [idempotencyKey, key, channel, status, sentAt],
  );
const arrangement = (id: string, creditorId: string, key: string, kind: string, status: string, createdAt: string, resolvedAt: string | null) =>
  pool.query(
    `INSERT INTO arrangements (arrangement_id, account_key, creditor_id, kind, status, amount_minor, currency, due_date, created_at, resolved_at)
     VALUES ($1, $2, $3, $4, $5, 10000, 'USD', '2026-10-15', $6, $7)`,
    [id, key, creditorId, kind, status, createdAt, resolvedAt],
  );

before(async () => {
  db = await createTestDatabase();
  pool = db.pool;
  const ledger = createLedgerRepository(pool);

  // PA-1: four invoices (oldest first allocation); INV-4 is due after the period.
  await ledger.openAccount({
    accountKey: A1,
    creditorId: 'cred-port-a',
    accountId: 'PA-1',
    currency: 'USD',
    openingBalanceMinor: 700_00,
    dueDate: '2026-08-15',
    debts: [
      { debtId: 'INV-1', description: 'August', amountMinor: 300_00, dueDate: '2026-08-15' },
      { debtId: 'INV-2', description: 'September', amountMinor: 200_00, dueDate: '2026-09-20' },
      { debtId: 'INV-3', description: 'October', amountMinor: 100_00, dueDate: '2026-10-20' },
      { debtId: 'INV-4', description: 'November', amountMinor: 100_00, dueDate: '2026-11-15' },
    ],
  });
  // Before the period: INV-1 300 → 180.
  await ledger.postPayment({ accountKey: A1, paymentId: 'PAY-A1-1', amountMinor: 120_00, currency: 'USD', receivedAt: '2026-09-25T12:00:00Z' });
  // In the period: 250 → INV-1 180, INV-2 70; returned a week later with a 25.00 fee (its own debt, due 2026-10-12).
  await ledger.postPayment({ accountKey: A1, paymentId: 'PAY-A1-2', amountMinor: 250_00, currency: 'USD', receivedAt: '2026-10-05T12:00:00Z' });
  await ledger.reversePayment({ accountKey: A1, paymentId: 'PAY-A1-2', returnId: 'RET-1', reason: 'insufficient funds', returnedAt: '2026-10-12T09:00:00Z', feeMinor: 25_00 });
  // 50 → INV-1 180 → 130.
  await ledger.postPayment({ accountKey: A1, paymentId: 'PAY-A1-3', amountMinor: 50_00, currency: 'USD', receivedAt: '2026-10-15T12:00:00Z' });

  // PA-2: one old debt, written off in the period.
  await ledger.openAccount({ accountKey: A2, creditorId: 'cred-port-a', accountId: 'PA-2', currency: 'USD', openingBalanceMinor: 400_00, dueDate: '2026-05-01' });
  await ledger.writeOff({ accountKey: A2, idempotencyKey: `${A2}/charge-off`, reason: 'charged off', at: '2026-10-20T10:00:00Z' });

  // PA-3: the same creditor in euros, untouched.
  await ledger.openAccount({ accountKey: A3, creditorId: 'cred-port-a', accountId: 'PA-3', currency: 'EUR', openingBalanceMinor: 500_00, dueDate: '2026-09-10' });

  // PB-1: due on the last day of the period; paid after it.
  await ledger.openAccount({ accountKey: B1, creditorId: 'cred-port-b', accountId: 'PB-1', currency: 'USD', openingBalanceMinor: 1_000_00, dueDate: '2026-10-31' });
  await ledger.postPayment({ accountKey: B1, paymentId: 'PAY-B1-1', amountMinor: 100_00, currency: 'USD', receivedAt: '2026-11-03T12:00:00Z' });

  // Promises (and a plan, which is not a promise).
  await arrangement('pa-1', 'cred-port-a', A1, 'promise', 'kept', '2026-09-28T10:00:00Z', '2026-10-06T10:00:00Z');
  await arrangement('pa-2', 'cred-port-a', A1, 'promise', 'broken', '2026-10-02T10:00:00Z', '2026-10-15T10:00:00Z');
  await arrangement('pa-3', 'cred-port-a', A1, 'promise', 'partial', '2026-10-03T10:00:00Z', '2026-10-31T23:59:59Z');
  await arrangement('pa-4', 'cred-port-a', A1, 'promise', 'open', '2026-10-20T10:00:00Z', null);
  await arrangement('pa-5', 'cred-port-a', A2, 'promise', 'kept', '2026-10-25T10:00:00Z', '2026-11-01T00:00:00Z');
  await arrangement('pa-6', 'cred-port-a', A2, 'promise', 'kept', '2026-08-01T10:00:00Z', '2026-09-01T10:00:00Z');
  await arrangement('pa-7', 'cred-port-a', A1, 'plan', 'active', '2026-10-05T10:00:00Z', null);
  await arrangement('pb-1', 'cred-port-b', B1, 'promise', 'kept', '2026-10-10T10:00:00Z', '2026-10-12T10:00:00Z');

  // Contacts, keyed as the workflow keys them: decision <account>/decision/<run>/<step>/<at>, send <account>/step/<run>/<step>.
  await decide(A1, 0, 'early-email', 'email', 'allow', 'allowed', '2026-09-30T23:59:59Z'); // decided before the period…
  await message(`${A1}/step/0/early-email`, A1, 'email', 'sent', '2026-10-01T00:00:01Z'); // …sent in it
  await message(`${A1}/validation-notice`, A1, 'letter', 'sent', '2026-10-01T10:00:00Z'); // required notice: not gated
  await decide(A1, 1, 'notice-email', 'email', 'allow', 'allowed', '2026-10-02T14:00:00Z');
  await message(`${A1}/step/1/notice-email`, A1, 'email', 'sent', '2026-10-02T14:00:01Z');
  await decide(A1, 2, 'reminder-sms', 'sms', 'suppress', 'tcpa_consent', '2026-10-05T15:00:00Z');
  await decide(A1, 3, 'second-sms', 'sms', 'defer', 'reg_f_1006_6_b_1_i_time_of_day', '2026-10-06T03:00:00Z');
  await decide(A1, 3, 'second-sms', 'sms', 'allow', 'allowed', '2026-10-06T13:00:00Z');
  await message(`${A1}/step/3/second-sms`, A1, 'sms', 'sent', '2026-10-06T13:00:02Z');
  await decide(A1, 4, 'final-email', 'email', 'allow', 'allowed', '2026-10-10T14:00:00Z');
  await message(`${A1}/step/4/final-email`, A1, 'email', 'sending', null); // never delivered: failed
  await decide(A1, 5, 'call-1', 'call', 'allow', 'allowed', '2026-10-11T15:00:00Z');
  await pool.query(`INSERT INTO call_tasks (idempotency_key, account_key, phone, script, created_at) VALUES ($1, $2, '+12125550100', 'script', '2026-10-11T15:00:01Z')`, [`${A1}/step/5/call-1`, A1]);
  await decide(A2, 1, 'letter-1', 'letter', 'suppress', 'reg_f_1006_14_cease', '2026-10-20T12:00:00Z');
  await decide(A2, 2, 'email-2', 'email', 'suppress', 'reg_f_1006_14_cease', '2026-11-01T00:00:00Z'); // the next period's
  await decide(B1, 1, 'notice-email', 'email', 'allow', 'allowed', '2026-10-31T20:00:00Z');
  await message(`${B1}/step/1/notice-email`, B1, 'email', 'sent', '2026-10-31T20:00:01Z');
});
after(async () => {
  await db?.drop();
});

const bucketsOf = (snapshot: PortfolioReport['groups'][number]['closing']) => Object.fromEntries(Object.entries(snapshot.buckets).map(([b, v]) => [b, [v.balanceMinor, v.debts]]));
const nonZero = (to: Record<string, number>) => Object.fromEntries(Object.entries(to).filter(([, v]) => v !== 0));

describe('portfolioReport', () => {
  it('derives receivables, aging, collection rate and CEI per creditor and currency from the ledger', async () => {
    await assertLedgerBalances(pool);
    const report = await portfolioReport(pool, PERIOD);
    assert.deepEqual(report.period, { from: '2026-10-01', to: '2026-10-31', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z', openingAsOf: '2026-09-30', closingAsOf: '2026-10-31' });
    assert.deepEqual(report.groups.map((g) => `${g.creditorId} ${g.currency}`), ['cred-port-a EUR', 'cred-port-a USD', 'cred-port-b USD']);
    const [eur, usd, b] = report.groups as [PortfolioReport['groups'][number], PortfolioReport['groups'][number], PortfolioReport['groups'][number]];

    // cred-port-a USD. Opening (2026-09-30): INV-1 180 (46 days), INV-2 200 (10 days), PA-2 400 (152 days).
    assert.deepEqual(bucketsOf(usd.opening), { current: [0, 0], '1-30': [200_00, 1], '31-60': [180_00, 1], '61-90': [0, 0], '91-120': [0, 0], 'over-120': [400_00, 1] });
    // Closing (2026-10-31): INV-1 130 (77 days), INV-2 200 (41), INV-3 100 (11), the fee 25 (19); INV-4 is not yet charged; PA-2 written off.
    assert.deepEqual(bucketsOf(usd.closing), { current: [0, 0], '1-30': [125_00, 2], '31-60': [200_00, 1], '61-90': [130_00, 1], '91-120': [0, 0], 'over-120': [0, 0] });
    assert.deepEqual(usd.collection, {
      openingReceivablesMinor: 780_00,
      chargesMinor: 125_00, // INV-3 100 + returned-payment fee 25
      paymentsMinor: 300_00, // 250 + 50 applied
      reversalsMinor: 250_00,
      collectedMinor: 50_00,
      writtenOffMinor: 400_00,
      adjustedMinor: 0,
      closingReceivablesMinor: 455_00,
      closingCurrentMinor: 0,
      collectionRate: { numerator: 50_00, denominator: 905_00 }, // 50 ÷ (780 + 125) = 5.52 %
      cei: { numerator: 450_00, denominator: 905_00 }, // (905 − 455) ÷ (905 − 0) = 49.72 %
    });
    assert.equal(percentDigits(usd.collection.collectionRate), '5.52');
    assert.equal(percentDigits(usd.collection.cei), '49.72');
    const ledger = createLedgerRepository(pool);
    assert.equal((await ledger.balance(A1)) + (await ledger.balance(A2)), 455_00 + 100_00, 'the ledger today also holds INV-4, due after the period');

    // EUR kept apart: 500 from 1-30 to 31-60, nothing collected.
    assert.deepEqual([eur.opening.totalMinor, eur.closing.totalMinor, bucketsOf(eur.closing)['31-60']], [500_00, 500_00, [500_00, 1]]);
    assert.deepEqual([eur.collection.collectionRate, eur.collection.cei], [{ numerator: 0, denominator: 500_00 }, { numerator: 0, denominator: 500_00 }]);

    // cred-port-b: charged on the period's last day, current at the closing; paid only after it. CEI has nothing to divide by.
    assert.deepEqual([b.collection.openingReceivablesMinor, b.collection.chargesMinor, b.collection.collectedMinor, b.collection.closingCurrentMinor], [0, 1_000_00, 0, 1_000_00]);
    assert.deepEqual(bucketsOf(b.closing).current, [1_000_00, 1]);
    assert.equal(b.collection.cei, null);
  });

  it('rolls each debt’s opening balance to its bucket at the closing, or out as paid or written off', async () => {
    const report = await portfolioReport(pool, { ...PERIOD, creditorId: 'cred-port-a' });
    const usd = report.groups.find((g) => g.currency === 'USD')!;
    const by = Object.fromEntries(usd.rollRates.map((r) => [r.from, r]));
    assert.deepEqual(nonZero(by['1-30']!.to), { '31-60': 200_00 }); // INV-2, untouched
    assert.deepEqual(nonZero(by['31-60']!.to), { '61-90': 130_00, paid: 50_00 }); // INV-1: 180, of which 50 paid
    assert.equal(percentDigits(by['31-60']!.rollForward), '72.22');
    assert.equal(percentDigits(by['31-60']!.shares.paid), '27.78');
    assert.deepEqual(nonZero(by['over-120']!.to), { 'written-off': 400_00 });
    assert.deepEqual(by['over-120']!.rollForward, { numerator: 0, denominator: 400_00 });
    assert.equal(by.current!.rollForward, null);
  });

  it('counts promises kept per creditor and contacts per channel in the period', async () => {
    const report = await portfolioReport(pool, PERIOD);
    assert.deepEqual(report.promises, [
      { creditorId: 'cred-port-a', made: 4, kept: 1, partial: 1, broken: 1, cancelled: 0, resolved: 3, openAtEnd: 2, keptRate: { numerator: 1, denominator: 3 } },
      { creditorId: 'cred-port-b', made: 1, kept: 1, partial: 0, broken: 0, cancelled: 0, resolved: 1, openAtEnd: 0, keptRate: { numerator: 1, denominator: 1 } },
    ]);
    assert.deepEqual(report.contacts, [
      {
        creditorId: 'cred-port-a',
        channels: [
          { channel: 'email', sent: 2, suppressed: 0, deferred: 0, failed: 1 },
          { channel: 'sms', sent: 1, suppressed: 1, deferred: 1, failed: 0 },
          { channel: 'call', sent: 1, suppressed: 0, deferred: 0, failed: 0 },
          { channel: 'letter', sent: 1, suppressed: 1, deferred: 0, failed: 0 },
        ],
      },
      {
        creditorId: 'cred-port-b',
        channels: [
          { channel: 'email', sent: 1, suppressed: 0, deferred: 0, failed: 0 },
          { channel: 'sms', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
          { channel: 'call', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
          { channel: 'letter', sent: 0, suppressed: 0, deferred: 0, failed: 0 },
        ],
      },
    ]);
  });

  it('filters by creditor, moves with the period and refuses bad dates', async () => {
    const b = await portfolioReport(pool, { ...PERIOD, creditorId: 'cred-port-b' });
    assert.deepEqual(b.scope, { creditorId: 'cred-port-b' });
    assert.deepEqual([b.groups.map((g) => g.creditorId), b.promises.map((p) => p.creditorId), b.contacts.map((c) => c.creditorId)], [['cred-port-b'], ['cred-port-b'], ['cred-port-b']]);
    const none = await portfolioReport(pool, { ...PERIOD, creditorId: 'cred-port-none' });
    assert.deepEqual([none.groups, none.promises, none.contacts], [[], [], []]);

    // November: PB-1's payment of 100 on 1,000 opening.
    const november = await portfolioReport(pool, { from: '2026-11-01', to: '2026-11-30', creditorId: 'cred-port-b' });
    assert.deepEqual(november.groups[0]!.collection.collectionRate, { numerator: 100_00, denominator: 1_000_00 });
    // One day, the period's last: PB-1 is charged that day.
    const lastDay = await portfolioReport(pool, { from: '2026-10-31', to: '2026-10-31', creditorId: 'cred-port-b' });
    assert.equal(lastDay.groups[0]!.collection.chargesMinor, 1_000_00);

    await assert.rejects(portfolioReport(pool, { from: '2026-10-31', to: '2026-10-01' }), /the period must not end before it starts: 2026-10-31 .. 2026-10-01/);
    await assert.rejects(portfolioReport(pool, { from: '2026-10-01T00:00:00Z', to: '2026-10-31' }), /from is not a calendar date YYYY-MM-DD/);
    await assert.rejects(portfolioReport(pool, { from: '2026-10-01', to: '2026-09-31' }), /to is not a calendar date YYYY-MM-DD: "2026-09-31"/);
  });
});

describe('portfolio report output', () => {
  it('writes one long-form CSV with a section column, integer minor units and exact decimals', async () => {
    const csv = portfolioReportCsv(await portfolioReport(pool, PERIOD));
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'period_from,period_to,creditor_id,currency,section,as_of,item,measure,unit,value,amount');
    assert.equal(lines[0], PORTFOLIO_CSV_HEADER.join(','));
    assert.equal(lines.pop(), '', 'CRLF after every row');
    const p = '2026-10-01,2026-10-31';
    for (const expected of [
      `${p},cred-port-a,USD,aging_opening,2026-09-30,over-120,balance,minor,40000,400.00`,
      `${p},cred-port-a,USD,aging_closing,2026-10-31,1-30,balance,minor,12500,125.00`,
      `${p},cred-port-a,USD,aging_closing,2026-10-31,1-30,debts,count,2,`,
      `${p},cred-port-a,USD,aging_closing,2026-10-31,total,balance,minor,45500,455.00`,
      `${p},cred-port-a,USD,collection,,,opening_receivables,minor,78000,780.00`,
      `${p},cred-port-a,USD,collection,,,collected,minor,5000,50.00`,
      `${p},cred-port-a,USD,collection,,,collection_rate,percent,5.52,`,
      `${p},cred-port-a,USD,collection,,,cei,percent,49.72,`,
      `${p},cred-port-a,USD,roll_rate,,31-60,to:61-90,minor,13000,130.00`,
      `${p},cred-port-a,USD,roll_rate,,31-60,roll_forward,percent,72.22,`,
      `${p},cred-port-a,EUR,collection,,,closing_receivables,minor,50000,500.00`,
      `${p},cred-port-b,USD,collection,,,cei,percent,,`,
      `${p},cred-port-a,,promises,,,kept_rate,percent,33.33,`,
      `${p},cred-port-a,,contacts,,email,failed,count,1,`,
      `${p},cred-port-b,,contacts,,email,sent,count,1,`,
    ])
      assert.ok(lines.includes(expected), `missing CSV row ${expected}`);
    // Every row has the header's 11 fields; no roll rows for buckets that were empty at the opening.
    for (const line of lines) assert.equal(line.split(',').length, 11, line);
    assert.equal(lines.filter((l) => l.includes(',roll_rate,,61-90,')).length, 0);
  });

  it('renders one self-contained HTML page with SVG charts and formatted amounts', async () => {
    const html = portfolioReportHtml(await portfolioReport(pool, PERIOD));
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<svg[\s>]/);
    assert.ok((html.match(/<svg[\s>]/g) ?? []).length >= 5, 'aging, rates, promises and contacts charts');
    assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'no external assets');
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
    for (const text of ['$455.00', '$780.00', '€500.00', '49.7%', '5.5%', '72.2%', '33.3%', 'n/a', 'roll', 'cred-port-b'])
      assert.ok(html.includes(text), `the page shows ${text}`);
    // Names are escaped.
    const hostile = await portfolioReport(pool, { ...PERIOD, creditorId: '<b>"x"</b>' });
    assert.match(portfolioReportHtml(hostile), /creditor &lt;b&gt;&quot;x&quot;&lt;\/b&gt;/);
  });

  it('prints a summary per creditor and currency', async () => {
    const text = portfolioReportText(await portfolioReport(pool, { ...PERIOD, creditorId: 'cred-port-a' }));
    assert.match(text, /^Portfolio 2026-10-01 \.\. 2026-10-31 \(creditor cred-port-a; opening as of 2026-09-30, closing as of 2026-10-31\)/);
    assert.match(text, /cred-port-a USD\n {2}receivables \$780\.00 → \$455\.00 \(4 open debts\); charges \$125\.00/);
    assert.match(text, /collection rate 5\.5% {3}CEI 49\.7%/);
    assert.match(text, /cred-port-a promises: 4 made, 3 resolved \(1 kept, 1 partial, 1 broken\), 0 cancelled, 2 open at the end; kept 33\.3%/);
    assert.match(text, /email 2\/0\/0\/1 · sms 1\/1\/1\/0 · call 1\/0\/0\/0 · letter 1\/1\/0\/0/);
  });
});

describe('report portfolio (command line)', () => {
  let scratch: string;
  let savedUrl: string | undefined;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'portfolio-report-'));
    savedUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
  });
  after(() => {
    if (savedUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = savedUrl;
    rmSync(scratch, { recursive: true, force: true });
  });
  const cli = async (...args: string[]) => {
    let output = '';
    const code = await runCli(['report', 'portfolio', ...args], (t) => (output += t));
    return { code, output };
  };

  it('prints the summary by default, CSV or JSON with --format, and writes HTML with --out', async () => {
    const summary = await cli('--from', '2026-10-01', '--to', '2026-10-31', '--creditor', 'cred-port-b');
    assert.equal(summary.code, EXIT.ok, summary.output);
    assert.match(summary.output, /cred-port-b USD\n/);
    assert.match(summary.output, /CEI n\/a/);

    const csv = await cli('--creditor', 'cred-port-b', '--from', '2026-10-01', '--to', '2026-10-31', '--format', 'csv');
    assert.equal(csv.code, EXIT.ok, csv.output);
    assert.ok(csv.output.startsWith(`${PORTFOLIO_CSV_HEADER.join(',')}\r\n`));

    const json = await cli('--from', '2026-10-01', '--to', '2026-10-31', '--format', 'json');
    assert.equal(json.code, EXIT.ok, json.output);
    assert.equal(JSON.parse(json.output).groups.length, 3);

    const file = join(scratch, 'october.html');
    const written = await cli('--from', '2026-10-01', '--to', '2026-10-31', '--out', file);
    assert.equal(written.code, EXIT.ok, written.output);
    assert.equal(written.output, `portfolio report 2026-10-01 .. 2026-10-31 (html) written to ${file}\n`);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /<svg[\s>]/);
    assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  });

  it('refuses missing or malformed dates and unknown formats with exit code 1', async () => {
    const missing = await cli('--from', '2026-10-01');
    assert.equal(missing.code, EXIT.usage);
    assert.match(missing.output, /report portfolio needs --from and --to/);
    const malformed = await cli('--from', '2026-10-01', '--to', '31/10/2026');
    assert.equal(malformed.code, EXIT.usage);
    assert.match(malformed.output, /error: to is not a calendar date YYYY-MM-DD: "31\/10\/2026"/);
    const format = await cli('--from', '2026-10-01', '--to', '2026-10-31', '--format', 'xlsx');
    assert.equal(format.code, EXIT.usage);
    assert.match(format.output, /--format must be csv, html, json or text, got "xlsx"/);
  });
});
