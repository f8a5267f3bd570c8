import { randomBytes } from 'node:crypto';
import { Client as PgClient, type Pool } from 'pg';
import { createPool, runMigrations } from '../../src/adapters/postgres';

/** A fresh, migrated database on the suite's Postgres (scripts/run-tests.mjs starts one). */
export async function createTestDatabase(): Promise<{ url: string; pool: Pool; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString());
  await runMigrations(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const again = new PgClient({ connectionString: base });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** The ledger's invariants: every transaction balances, and debits equal credits overall. */
export async function assertLedgerBalances(pool: Pool): Promise<void> {
  const unbalanced = await pool.query(
    `SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(debit_minor) <> SUM(credit_minor)`,
  );
  if (unbalanced.rowCount !== 0) throw new Error(`unbalanced ledger transactions: ${JSON.stringify(unbalanced.rows)}`);
  const perAccount = await pool.query(`SELECT account_key FROM ledger_entries GROUP BY account_key HAVING SUM(debit_minor) <> SUM(credit_minor)`);
  if (perAccount.rowCount !== 0) throw new Error(`accounts whose entries do not balance: ${JSON.stringify(perAccount.rows)}`);
  // The balance shown anywhere is the receivable's entries; every receivable entry belongs to one of the account's debts.
  const orphans = await pool.query(`SELECT e.id FROM ledger_entries e LEFT JOIN debts d ON d.account_key = e.account_key AND d.debt_id = e.debt_id WHERE e.ledger_account = 'receivable' AND d.debt_id IS NULL`);
  if (orphans.rowCount !== 0) throw new Error(`receivable entries without a debt: ${JSON.stringify(orphans.rows)}`);
  const totals = await pool.query<{ debits: string; credits: string }>('SELECT COALESCE(SUM(debit_minor),0) AS debits, COALESCE(SUM(credit_minor),0) AS credits FROM ledger_entries');
  if (totals.rows[0]!.debits !== totals.rows[0]!.credits) throw new Error(`debits ${totals.rows[0]!.debits} != credits ${totals.rows[0]!.credits}`);
}

/**
 * Every text, JSON and byte column of every table of the public schema, searched for each string
 * (case-insensitive in text, exact bytes in bytea): `table.column:label` for each hit.
 */
export async function findInEveryTable(pool: Pool, needles: Record<string, string>): Promise<string[]> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const hits: string[] = [];
  for (const { table_name: table, column_name: column, data_type: type } of columns) {
    for (const [label, needle] of Object.entries(needles)) {
      const matches = type === 'bytea' ? `position(convert_to($1, 'UTF8') in "${column}") > 0` : `strpos(lower("${column}"::text), lower($1)) > 0`;
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${matches}`, [needle]);
      if (rows[0]!.n > 0) hits.push(`${table}.${column}:${label}`);
    }
  }
  return hits.sort();
}
