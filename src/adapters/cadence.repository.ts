import type { Pool } from 'pg';
import type { Cadence } from '../domain/cadence';
import { parseCadence } from '../schemas/cadence.schema';

export class CadenceConflictError extends Error {
  constructor(readonly cadence: string, readonly version: number) {
    super(`cadence ${cadence} version ${version} is already saved with different content; save it as version ${version + 1}`);
    this.name = 'CadenceConflictError';
  }
}

/** Canonical JSON (sorted keys) so that the same document compares equal whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/** Cadences stored as immutable versioned documents. */
export function createCadenceRepository(pool: Pool) {
  return {
    /** Validates and saves; saving the same version again is a no-op, with other content an error. */
    async save(document: unknown, source?: string): Promise<{ cadence: Cadence; status: 'saved' | 'unchanged' }> {
      const cadence = parseCadence(document, source);
      const inserted = await pool.query('INSERT INTO cadences (name, version, document) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        cadence.name,
        cadence.version,
        JSON.stringify(cadence),
      ]);
      if (inserted.rowCount === 1) return { cadence, status: 'saved' };
      const existing = await this.get(cadence.name, cadence.version);
      if (!existing || canonical(existing) !== canonical(cadence)) throw new CadenceConflictError(cadence.name, cadence.version);
      return { cadence, status: 'unchanged' };
    },

    async get(name: string, version: number): Promise<Cadence | null> {
      const { rows } = await pool.query<{ document: Cadence }>('SELECT document FROM cadences WHERE name = $1 AND version = $2', [name, version]);
      return rows[0]?.document ?? null;
    },

    async latest(name: string): Promise<Cadence | null> {
      const { rows } = await pool.query<{ document: Cadence }>('SELECT document FROM cadences WHERE name = $1 ORDER BY version DESC LIMIT 1', [name]);
      return rows[0]?.document ?? null;
    },

    async list(): Promise<{ name: string; version: number; savedAt: Date }[]> {
      const { rows } = await pool.query<{ name: string; version: number; saved_at: Date }>('SELECT name, version, saved_at FROM cadences ORDER BY name, version');
      return rows.map((r) => ({ name: r.name, version: r.version, savedAt: r.saved_at }));
    },
  };
}
export type CadenceRepository = ReturnType<typeof createCadenceRepository>;
