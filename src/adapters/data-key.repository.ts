/**
 * The data keys of payload encryption (migration 009), kept in Postgres wrapped by a master key
 * (PAYLOAD_KEYS / PAYLOAD_KEYS_FILE, newest first). Unwrapped keys are cached in memory (bounded,
 * least recently used, and for a limited time), because a worker encodes and decodes on every
 * workflow task. A destroyed key's tombstone is cached too, so a shredded account costs one query.
 *
 * Rotation: a new master key (put first in the keyring) wraps every data key created from then on,
 * and an account whose key is wrapped by an older master key gets a new data key for its new
 * payloads; old payloads stay readable as long as the old master key stays in the keyring.
 * `rewrap()` (the CLI's `payload-keys rewrap`) re-wraps every live data key under the newest master key, after
 * which the older master keys can be removed.
 *
 * Crypto-shredding: destroyDataKeys() drops an account's key material in the caller's transaction
 * (the personal-data purge) and tells every process through Postgres NOTIFY to forget its cached
 * copies when the transaction commits; a process that lost its listening connection forgets all.
 *
 * A workflow that is still running cannot lose the keys of its own history: the next replay (a
 * worker restart, a cache eviction, a query) would fail. So a purge from inside the workflow
 * retires the keys instead (retireDataKeys: nothing new is sealed with them, so the workflow's next
 * payloads, such as the input of a continue-as-new, get a fresh key), and the next run destroys the
 * retired keys (destroyDataKeys with retiredOnly) once the run that used them has closed.
 */
import { randomUUID } from 'node:crypto';
import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import { newKey, open, seal } from '../crypto/envelope';
import { LruCache } from '../crypto/lru';
import type { DataKey, DataKeyStore, DestroyedKey } from '../crypto/payload-codec';
import type { MasterKey } from '../schemas/config.schema';

/** NOTIFY channel: an account's keys were retired or destroyed (payload: the account key). */
export const DATA_KEYS_CHANNEL = 'dunning_data_keys_changed';

type Row = { key_id: string; account_key: string; master_key_id: string; wrapped_key: Buffer | null; destroyed_at: Date | null };
type Db = Pool | PoolClient;
const COLUMNS = 'key_id, account_key, master_key_id, wrapped_key, destroyed_at';
/** A wrapped key is bound to its id and owner: moved to another row, it does not open. */
const wrapContext = (keyId: string, owner: string) => `${keyId}|${owner}`;

const notifyChange = (db: Db, accountKey: string) => db.query('SELECT pg_notify($1, $2)', [DATA_KEYS_CHANNEL, accountKey]);

/**
 * Destroys the data keys of the account (the tombstone rows stay): all of them, or (retiredOnly)
 * those retired earlier. In the caller's transaction; every process forgets them at commit.
 * Returns how many keys were destroyed now.
 */
export async function destroyDataKeys(db: Db, accountKey: string, options: { retiredOnly?: boolean } = {}): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE data_keys SET wrapped_key = NULL, destroyed_at = now() WHERE account_key = $1 AND destroyed_at IS NULL AND ($2::boolean IS NOT TRUE OR retired_at IS NOT NULL)`,
    [accountKey, options.retiredOnly ?? false],
  );
  await notifyChange(db, accountKey);
  return rowCount ?? 0;
}

/** Retires the account's live keys: they still open what they sealed, but new payloads get a new key. Returns how many. */
export async function retireDataKeys(db: Db, accountKey: string): Promise<number> {
  const { rowCount } = await db.query('UPDATE data_keys SET retired_at = now() WHERE account_key = $1 AND retired_at IS NULL AND destroyed_at IS NULL', [accountKey]);
  await notifyChange(db, accountKey);
  return rowCount ?? 0;
}

export interface DataKeyRepositoryOptions {
  pool: Pool;
  /** Newest first; the first wraps new data keys. */
  keyring: MasterKey[];
  /** Unwrapped keys kept in memory (default 10,000: 32 bytes each, about 2 MB with their ids). */
  cacheSize?: number;
  /** How long a cached key is trusted without the database (default 5 minutes); destruction is also pushed by NOTIFY. */
  cacheMaxAgeMs?: number;
  /** For messages about the listening connection (default: none). */
  log?: (line: string) => void;
}

export function createDataKeyRepository(options: DataKeyRepositoryOptions) {
  const { pool, keyring } = options;
  const newest = keyring[0];
  if (!newest) throw new Error('payload encryption needs at least one master key');
  const masters = new Map(keyring.map((k) => [k.id, k.key]));
  const size = options.cacheSize ?? 10_000;
  const maxAge = options.cacheMaxAgeMs ?? 5 * 60_000;
  const keys = new LruCache<string, DataKey | DestroyedKey>(size, maxAge);
  const currentByOwner = new LruCache<string, string>(size, maxAge);
  const creating = new Map<string, Promise<DataKey>>();
  let listener: { client: PoolClient; stopped: boolean } | null = null;

  function unwrap(row: Row): DataKey | DestroyedKey {
    if (row.destroyed_at || !row.wrapped_key) return { keyId: row.key_id, owner: row.account_key, destroyedAt: (row.destroyed_at ?? new Date(0)).toISOString() };
    const master = masters.get(row.master_key_id);
    if (!master)
      throw new Error(`data key ${row.key_id} is wrapped by master key "${row.master_key_id}", which is not in the keyring (PAYLOAD_KEYS / PAYLOAD_KEYS_FILE); keep a master key until \`payload-keys rewrap\` has moved its data keys to a newer one`);
    return { keyId: row.key_id, owner: row.account_key, masterKeyId: row.master_key_id, key: open(master, row.wrapped_key, wrapContext(row.key_id, row.account_key)) };
  }

  /**
   * The owner's newest live key under the newest master key, or a new one; one creator at a time per
   * owner (advisory lock). One round trip: the three statements go as one simple query, which
   * Postgres runs as one implicit transaction (the lock is held to its end, a failure rolls all of it
   * back) and, at read committed, each statement with its own snapshot, so the insert sees a key
   * another creator committed while this one waited for the lock. The simple query protocol takes no
   * parameters: the values are quoted by pg's escapeLiteral, the key material is decoded from hex (the same whatever standard_conforming_strings says).
   */
  const loadOrCreate = async (owner: string): Promise<DataKey> => {
    const keyId = `dk_${randomUUID()}`;
    const key = newKey();
    const wrapped = seal(newest.key, key, wrapContext(keyId, owner));
    const [o, m] = [escapeLiteral(owner), escapeLiteral(newest.id)];
    const live = `account_key = ${o} AND master_key_id = ${m} AND retired_at IS NULL AND destroyed_at IS NULL`;
    const results = (await pool.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('data_key/' || ${o}, 0));
       INSERT INTO data_keys (key_id, account_key, master_key_id, wrapped_key)
         SELECT ${escapeLiteral(keyId)}, ${o}, ${m}, decode('${wrapped.toString('hex')}', 'hex')
          WHERE NOT EXISTS (SELECT 1 FROM data_keys WHERE ${live});
       SELECT ${COLUMNS} FROM data_keys WHERE ${live} ORDER BY created_at DESC, key_id LIMIT 1`,
    )) as unknown as { rows: Row[] }[];
    const row = results[results.length - 1]?.rows[0];
    if (!row) throw new Error(`data key of ${owner} neither found nor created`);
    return row.key_id === keyId ? { keyId, owner, masterKeyId: newest.id, key } : (unwrap(row) as DataKey);
  };

  /** Forgets the cached keys of one owner (null: of everyone). */
  function forget(owner: string | null): void {
    if (owner === null) {
      keys.clear();
      currentByOwner.clear();
      return;
    }
    keys.deleteWhere((k) => k.owner === owner);
    currentByOwner.delete(owner);
  }

  async function listen(): Promise<void> {
    const state = { client: await pool.connect(), stopped: false };
    listener = state;
    const restart = (error: Error) => {
      if (state.stopped) return;
      state.stopped = true;
      state.client.release(error);
      forget(null); // notifications may have been missed meanwhile
      options.log?.(`data keys: listening connection lost (${error.message}); reconnecting`);
      setTimeout(() => void listen().catch((e: Error) => restart(e)), 1000).unref();
    };
    state.client.on('error', restart);
    state.client.on('notification', (message) => {
      if (message.channel === DATA_KEYS_CHANNEL && message.payload) forget(message.payload);
    });
    await state.client.query(`LISTEN ${DATA_KEYS_CHANNEL}`);
  }

  const store: DataKeyStore & {
    /** Destroys the account's keys (all, or the retired ones) now and forgets them here at once. */
    destroyAccountKeys(accountKey: string, options?: { retiredOnly?: boolean }): Promise<number>;
    /** Retires the account's keys now: new payloads of the account get a new key. */
    retireAccountKeys(accountKey: string): Promise<number>;
    forget(owner: string | null): void;
    /** Re-wraps every live data key under the newest master key; returns how many moved. */
    rewrap(): Promise<number>;
    /** Listens for destructions by other processes (workers and the codec endpoint do). */
    listen(): Promise<void>;
    close(): Promise<void>;
    readonly newestMasterKeyId: string;
  } = {
    newestMasterKeyId: newest.id,

    async currentKey(owner) {
      const keyId = currentByOwner.get(owner);
      const cached = keyId ? keys.get(keyId) : undefined;
      if (cached && !('destroyedAt' in cached)) return cached;
      let pending = creating.get(owner);
      if (!pending) {
        pending = loadOrCreate(owner).finally(() => creating.delete(owner));
        creating.set(owner, pending);
      }
      const key = await pending;
      keys.set(key.keyId, key);
      currentByOwner.set(owner, key.keyId);
      return key;
    },

    async findKey(keyId) {
      const cached = keys.get(keyId);
      if (cached) return cached;
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM data_keys WHERE key_id = $1`, [keyId]);
      if (!rows[0]) return null;
      const found = unwrap(rows[0]);
      keys.set(keyId, found);
      return found;
    },

    async destroyAccountKeys(accountKey, destroyOptions) {
      const destroyed = await destroyDataKeys(pool, accountKey, destroyOptions);
      forget(accountKey);
      return destroyed;
    },

    async retireAccountKeys(accountKey) {
      const retired = await retireDataKeys(pool, accountKey);
      forget(accountKey);
      return retired;
    },

    forget,

    async rewrap() {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM data_keys WHERE destroyed_at IS NULL AND master_key_id <> $1`, [newest.id]);
      let moved = 0;
      for (const row of rows) {
        const key = unwrap(row) as DataKey;
        const updated = await pool.query('UPDATE data_keys SET master_key_id = $2, wrapped_key = $3 WHERE key_id = $1 AND destroyed_at IS NULL', [
          row.key_id,
          newest.id,
          seal(newest.key, key.key, wrapContext(row.key_id, row.account_key)),
        ]);
        moved += updated.rowCount ?? 0;
      }
      forget(null);
      return moved;
    },

    listen,

    async close() {
      if (listener && !listener.stopped) {
        listener.stopped = true;
        await listener.client.query(`UNLISTEN ${DATA_KEYS_CHANNEL}`).catch(() => undefined);
        listener.client.release();
      }
      listener = null;
    },
  };
  return store;
}
export type DataKeyRepository = ReturnType<typeof createDataKeyRepository>;
