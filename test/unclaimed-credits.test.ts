/** The escheat report of credits held past the creditor's limit, against Postgres and through the CLI. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLedgerRepository } from '../src/adapters/ledger.repository';
import { unclaimedCredits } from '../src/adapters/unclaimed-credits';
import { runCli } from '../src/starter';
import { createTestDatabase } from './helpers/database';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
before(async () => {
  db = await createTestDatabase();
  const ledger = createLedgerRepository(db.pool);
  for (const [id, overpaidAt, extra] of [
    ['OLD', '2023-01-10T12:00:00Z', 25_17],
    ['NEW', '2026-06-01T12:00:00Z', 40_00],
    ['NONE', '2023-01-10T12:00:00Z', 0],
  ] as const) {
    const accountKey = `account/cred-escheat/${id}`;
    await ledger.openAccount({ accountKey, creditorId: 'cred-escheat', accountId: id, currency: 'USD', openingBalanceMinor: 100_00, dueDate: '2022-12-01' });
    await ledger.postPayment({ accountKey, paymentId: `${id}-P1`, amountMinor: 100_00 + extra, currency: 'USD', receivedAt: overpaidAt });
  }
});
after(async () => db?.drop());

describe('the escheat report of unclaimed credits', () => {
  it('lists the credits held longer than the limit, with amount, currency and since when; not younger ones, not accounts without credit', async () => {
    assert.deepEqual(await unclaimedCredits(db.pool, { creditorId: 'cred-escheat', asOf: '2026-12-01T00:00:00Z', afterDays: 3 * 365 }), [
      { accountKey: 'account/cred-escheat/OLD', accountId: 'OLD', currency: 'USD', creditMinor: 25_17, heldSince: '2023-01-10T12:00:00.000Z', daysHeld: 1420 },
    ]);
    assert.deepEqual((await unclaimedCredits(db.pool, { creditorId: 'cred-escheat', asOf: '2026-12-01T00:00:00Z', afterDays: 30 })).map((c) => c.accountId), ['NEW', 'OLD']);
    assert.deepEqual(await unclaimedCredits(db.pool, { creditorId: 'cred-escheat', asOf: '2023-01-01T00:00:00Z', afterDays: 1 }), []);
    await assert.rejects(unclaimedCredits(db.pool, { creditorId: 'cred-escheat', asOf: '2026-12-01T00:00:00Z', afterDays: 0 }), /afterDays must be/);
  });

  it('the CLI reports by the creditor’s limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'escheat-'));
    const creditors = join(dir, 'creditors.json');
    writeFileSync(creditors, JSON.stringify({ creditors: [{ id: 'cred-escheat', name: 'Escheat Power', mailingAddress: ['1 Plaza'], creditDepartmentEmail: 'credit@escheat.test', unclaimedCreditAfterDays: 365 }] }));
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: db.url, CREDITORS_FILE: creditors });
    try {
      let out = '';
      assert.equal(await runCli(['report', 'unclaimed-credits', '--creditor', 'cred-escheat', '--to', '2026-12-01T00:00:00Z'], (t) => (out += t)), 0, out);
      const report = JSON.parse(out);
      assert.deepEqual([report.afterDays, report.credits.map((c: { accountId: string; creditMinor: number }) => [c.accountId, c.creditMinor])], [365, [['OLD', 25_17]]]);
      out = '';
      assert.equal(await runCli(['report', 'unclaimed-credits'], (t) => (out += t)), 1);
      assert.match(out, /needs --creditor/);
    } finally {
      for (const k of ['DATABASE_URL', 'CREDITORS_FILE']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  });
});
