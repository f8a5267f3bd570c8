import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool, type PoolClient } from 'pg';

/**
 * tls (DATABASE_TLS): only over TLS with a verified server certificate; the URL's own ssl settings
 * (sslmode=disable, say) are dropped so they cannot weaken it.
 */
export function createPool(connectionString: string, max = 10, tls?: { ca?: string } | null): Pool {
  let url = connectionString;
  if (tls) {
    const parsed = new URL(connectionString);
    for (const name of [...parsed.searchParams.keys()]) if (/^ssl/i.test(name)) parsed.searchParams.delete(name);
    url = parsed.toString();
  }
  const pool = new Pool({ connectionString: url, max, ...(tls ? { ssl: { rejectUnauthorized: true, ca: tls.ca } } : {}) });
  // An idle connection dropped by the server (restart, shutdown) must not crash the process;
  // the next query opens a new one.
  pool.on('error', (error) => console.warn(`postgres: idle connection closed: ${error.message}`));
  // The same for a connection in use (a transaction held open while a provider is called): the
  // query in progress, or the next one, fails and its caller retries; the process stays up, and
  // the pool drops the dead connection when it is released.
  pool.on('connect', (client) => client.on('error', (error) => console.warn(`postgres: connection in use closed: ${error.message}`)));
  return pool;
}

/** pg returns int8 as a string: parse it and refuse anything outside the safe integer range. */
export function toSafeInteger(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${column} is not a safe integer: ${String(value)}`);
  return n;
}

export const MIGRATIONS_DIR = join(__dirname, '..', '..', '..', 'migrations');

/**
 * Applies migrations/NNN_*.sql in order, each once, each in its own transaction.
 * An advisory lock lets many workers start at once against one database.
 */
export async function runMigrations(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(727_001)');
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      if (done.has(file)) continue;
      await inTransaction(client, async () => {
        await client.query(readFileSync(join(dir, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      });
      applied.push(file);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(727_001)').catch(() => undefined);
    client.release();
  }
  return applied;
}

export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, () => work(client));
  } finally {
    client.release();
  }
}
