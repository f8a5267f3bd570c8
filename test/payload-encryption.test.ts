/**
 * Payload encryption (src/crypto, src/adapters/data-key.repository.ts) on a real database and the
 * time-skipping test server: every payload kind reaches the codec with its workflow's context and is
 * sealed with that account's own data key; nothing of the debtor is readable in the raw history;
 * unencrypted payloads pass through; master keys rotate (new payloads under the newest, old ones
 * still readable, re-wrap retires the old key); a destroyed data key gives a placeholder to readers,
 * an error to workers and clients, reaches another process's cache through NOTIFY, and the account
 * still gets new payloads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createDataKeyRepository, type DataKeyRepository } from '../src/adapters/data-key.repository';
import { createPayloadEncryption, type PayloadEncryption } from '../src/adapters/payload-encryption';
import { LruCache } from '../src/crypto/lru';
import { DataKeyDestroyedError, EncryptionCodec, ENCRYPTED_ENCODING, META } from '../src/crypto/payload-codec';
import { isPayloadJson, payloadFromJson } from '../src/crypto/payload-json';
import { parsePayloadKeyring, type MasterKey } from '../src/schemas/config.schema';
import { createTestDatabase } from './helpers/database';
import { probeQuery, probeSignal, probeUpdate, probeWorkflow } from './helpers/probe.workflow';
import { createTimeSkippingEnv, quietRuntime, TEST_PAYLOAD_KEYS } from './helpers/stack';

const [NEW, OLD] = parsePayloadKeyring(TEST_PAYLOAD_KEYS) as [MasterKey, MasterKey];
const text = (payload: Payload) => Buffer.from(payload.data ?? []).toString('utf8');
const meta = (payload: Payload, key: string) => Buffer.from(payload.metadata?.[key] ?? []).toString('utf8');
const json = (value: unknown): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
const account = (id: string): SerializationContext => ({ type: 'workflow', namespace: 'default', workflowId: `account/cred-crypto/${id}` });

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const opened: { close(): Promise<void> }[] = [];
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  for (const o of opened) await o.close();
  await db?.drop();
});

function keysWith(keyring: MasterKey[]): DataKeyRepository {
  const keys = createDataKeyRepository({ pool: db.pool, keyring });
  opened.push(keys);
  return keys;
}
const codecOf = (keys: DataKeyRepository, onDestroyed: 'throw' | 'placeholder' = 'throw') => new EncryptionCodec({ store: keys, namespace: 'default', onDestroyed });

describe('payload codec', () => {
  it('seals a payload with the account’s data key: no plaintext, key ids in the metadata, and back again', async () => {
    const keys = keysWith([NEW, OLD]);
    const codec = codecOf(keys);
    const original = json({ debtorName: 'Sofia Brown', email: 'sofia.brown@example.test' });
    const [sealed] = await codec.encode([original], account('A-1'));
    assert.ok(sealed);
    assert.equal(meta(sealed, 'encoding'), ENCRYPTED_ENCODING);
    assert.equal(meta(sealed, META.cipher), 'AES-256-GCM');
    assert.equal(meta(sealed, META.masterKeyId), NEW.id);
    const keyId = meta(sealed, META.keyId);
    assert.match(keyId, /^dk_/);
    assert.doesNotMatch(text(sealed), /Sofia|Brown|sofia/);
    const row = await db.pool.query('SELECT account_key, master_key_id, wrapped_key FROM data_keys WHERE key_id = $1', [keyId]);
    assert.deepEqual([row.rows[0].account_key, row.rows[0].master_key_id], ['account/cred-crypto/A-1', NEW.id]);
    assert.equal(row.rows[0].wrapped_key.length, 60, 'only the wrapped key is stored');

    // Another process (a fresh repository, empty cache) reads it through the table.
    const [decoded] = await codecOf(keysWith([NEW, OLD])).decode([sealed]);
    assert.deepEqual(JSON.parse(text(decoded!)), { debtorName: 'Sofia Brown', email: 'sofia.brown@example.test' });
    assert.equal(meta(decoded!, 'encoding'), 'json/plain');

    // One data key per account; without an account, the namespace's.
    const [other] = await codec.encode([original], account('A-2'));
    assert.notEqual(meta(other!, META.keyId), keyId);
    const [again] = await codec.encode([original], account('A-1'));
    assert.equal(meta(again!, META.keyId), keyId);
    const [loose] = await codec.encode([original]);
    const owner = await db.pool.query('SELECT account_key FROM data_keys WHERE key_id = $1', [meta(loose!, META.keyId)]);
    assert.equal(owner.rows[0].account_key, 'namespace/default');
  });

  it('gives one new account one data key when several processes seal its first payloads at the same moment', async () => {
    // Separate repositories are separate caches, as in separate processes: only the database lock keeps them to one key.
    const processes = [keysWith([NEW, OLD]), keysWith([NEW, OLD]), keysWith([NEW, OLD]), keysWith([NEW, OLD])];
    const owner = `account/cred-crypto/it's-${Date.now()}`; // a quote in the owner: the one-round-trip query quotes its values
    const keys = await Promise.all(processes.map((p) => p.currentKey(owner)));
    assert.equal(new Set(keys.map((k) => k.keyId)).size, 1, keys.map((k) => k.keyId).join(', '));
    assert.ok(keys.every((k) => Buffer.compare(k.key, keys[0]!.key) === 0));
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM data_keys WHERE account_key = $1', [owner]);
    assert.equal(rows[0].n, 1);
    // Another process later finds the same key (unwrapped from the database, not made again).
    const later = await keysWith([NEW, OLD]).currentKey(owner);
    assert.deepEqual([later.keyId, Buffer.compare(later.key, keys[0]!.key)], [keys[0]!.keyId, 0]);
  });

  it('passes unencrypted payloads through (recorded histories, accounts started before encryption)', async () => {
    const codec = codecOf(keysWith([NEW]));
    const plain = json({ debtorName: 'Old Record' });
    const [decoded] = await codec.decode([plain]);
    assert.equal(decoded, plain);
  });

  it('refuses a payload altered in the history', async () => {
    const codec = codecOf(keysWith([NEW]));
    const [sealed] = await codec.encode([json('x')], account('A-3'));
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...sealed, data }]), /unable to authenticate|auth/i);
  });

  it('rotates master keys: new payloads under the newest, old ones readable while the old key stays, re-wrap retires it', async () => {
    const before = codecOf(keysWith([OLD]));
    const [oldPayload] = await before.encode([json('written under the old key')], account('R-1'));
    assert.equal(meta(oldPayload!, META.masterKeyId), OLD.id);

    const rotated = keysWith([NEW, OLD]);
    const after = codecOf(rotated);
    const [newPayload] = await after.encode([json('written after rotation')], account('R-1'));
    assert.equal(meta(newPayload!, META.masterKeyId), NEW.id);
    assert.notEqual(meta(newPayload!, META.keyId), meta(oldPayload!, META.keyId), 'the account got a data key wrapped by the new master key');
    assert.equal(text((await after.decode([oldPayload!]))[0]!), '"written under the old key"');

    // Without the old master key its data keys cannot be opened, and the message says what to do.
    await assert.rejects(codecOf(keysWith([NEW])).decode([oldPayload!]), new RegExp(`master key "${OLD.id}", which is not in the keyring.*keys rewrap`));
    assert.ok((await rotated.rewrap()) >= 1);
    const retired = codecOf(keysWith([NEW]));
    assert.equal(text((await retired.decode([oldPayload!]))[0]!), '"written under the old key"');
    assert.equal(text((await retired.decode([newPayload!]))[0]!), '"written after rotation"');
  });

  it('after an account’s keys are destroyed: readers get a placeholder, workers an error, new payloads a new key; other processes forget at once', async () => {
    const keys = keysWith([NEW]);
    const codec = codecOf(keys);
    const [sealed] = await codec.encode([json({ debtorName: 'Gone Person' })], account('D-1'));
    // A second process (the codec endpoint, another worker) has the key cached and listens for destructions.
    const elsewhere = await createPayloadEncryption({ pool: db.pool, keyring: [NEW], namespace: 'default', listen: true });
    opened.push(elsewhere);
    assert.match(text((await elsewhere.codec.decode([sealed!]))[0]!), /Gone Person/);

    assert.equal(await keys.destroyAccountKeys('account/cred-crypto/D-1'), 1);
    const tombstone = await db.pool.query('SELECT wrapped_key, destroyed_at FROM data_keys WHERE account_key = $1', ['account/cred-crypto/D-1']);
    assert.equal(tombstone.rows[0].wrapped_key, null);
    assert.ok(tombstone.rows[0].destroyed_at instanceof Date);

    await assert.rejects(codec.decode([sealed!]), (e: unknown) => e instanceof DataKeyDestroyedError && /crypto-shredded/.test(e.message));
    const [placeholder] = await codecOf(keys, 'placeholder').decode([sealed!]);
    assert.match(JSON.parse(text(placeholder!)), /^\[personal data destroyed: the data key of account\/cred-crypto\/D-1 was destroyed at \d{4}-/);

    // The other process learns of it through NOTIFY, without waiting for its cache to expire.
    const deadline = Date.now() + 5000;
    for (;;) {
      const outcome = await elsewhere.codec.decode([sealed!]).then(() => 'read', (e: Error) => e.name);
      if (outcome === 'DataKeyDestroyedError') break;
      assert.ok(Date.now() < deadline, 'the other process still reads the destroyed account after 5 s');
      await new Promise((r) => setTimeout(r, 50));
    }

    // Encoding for that workflow still works, with a fresh data key (documented choice), and reads back.
    const [fresh] = await codec.encode([json({ note: 'after the purge' })], account('D-1'));
    assert.notEqual(meta(fresh!, META.keyId), meta(sealed!, META.keyId));
    assert.equal(JSON.parse(text((await codec.decode([fresh!]))[0]!)).note, 'after the purge');
  });
});

describe('the key cache', () => {
  it('is bounded and expires entries', () => {
    let now = 0;
    const cache = new LruCache<string, number>(2, 1000, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1); // a is now the most recent
    cache.set('c', 3);
    assert.equal(cache.get('b'), undefined, 'the least recently used entry went');
    assert.equal(cache.size, 2);
    now = 1001;
    assert.equal(cache.get('a'), undefined, 'an entry older than its maximum age is gone');
  });
});

/** The product's codec with a record of every call's context. */
class RecordingCodec implements PayloadCodec {
  readonly calls: { op: 'encode' | 'decode'; context?: SerializationContext; count: number }[] = [];
  constructor(private readonly inner: PayloadCodec) {}
  encode(payloads: Payload[], context?: SerializationContext) {
    this.calls.push({ op: 'encode', context, count: payloads.length });
    return this.inner.encode(payloads, context);
  }
  decode(payloads: Payload[], context?: SerializationContext) {
    this.calls.push({ op: 'decode', context, count: payloads.length });
    return this.inner.decode(payloads, context);
  }
}

describe('every kind of payload, through a worker and a client', () => {
  it('reaches the codec with its workflow’s id and is sealed with that account’s key in the history', { timeout: 120_000 }, async () => {
    quietRuntime();
    const encryption: PayloadEncryption = await createPayloadEncryption({ pool: db.pool, keyring: [NEW, OLD], namespace: 'default', listen: true });
    opened.push(encryption);
    const codec = new RecordingCodec(encryption.codec);
    const dataConverter = { payloadCodecs: [codec] };
    const env = await createTimeSkippingEnv(dataConverter);
    try {
      const workflowId = 'account/cred-crypto/PROBE-1';
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'probe',
        workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./helpers/probe.workflow'), logger: new DefaultLogger('WARN') }),
        activities: { echo: async (t: string) => `${t} echoed` },
        dataConverter,
      });
      const name = 'Sofia Brown';
      const result = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(probeWorkflow, { taskQueue: 'probe', workflowId, args: [{ name }] });
        assert.equal(await handle.query(probeQuery, 'queried'), `${name} queried`);
        assert.equal(await handle.executeUpdate(probeUpdate, { args: [`${name} update`] }), `${name} update updated`);
        await handle.signal(probeSignal, `${name} signal`);
        return handle.result();
      });
      assert.equal(result, `activity ${name} echoed | local ${name} echoed | ${name} signal | ${name} update updated`);

      // The contexts the SDK gave the codec: every call for this workflow named it.
      const withPayloads = codec.calls.filter((c) => c.count > 0);
      const lacking = withPayloads.filter((c) => c.context?.workflowId !== workflowId);
      assert.deepEqual(lacking.map((c) => `${c.op} ${c.context?.type ?? 'no context'}`), [], 'calls without the workflow id');
      const kinds = new Set(withPayloads.map(({ op, context }) => `${op} ${context!.type}${context!.type === 'activity' ? (context!.isLocal ? ' local' : ' remote') : ''}`));
      for (const kind of ['encode workflow', 'decode workflow', 'encode activity remote', 'decode activity remote', 'encode activity local', 'decode activity local'])
        assert.ok(kinds.has(kind), `no ${kind} call (saw ${[...kinds].join(', ')})`);

      // The raw history: the name nowhere in clear, and every payload sealed with this account's data key.
      const raw = historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory());
      assert.doesNotMatch(Buffer.from(raw).toString(), /Sofia|Brown/);
      assert.ok(!raw.includes(Buffer.from(name).toString('base64').slice(0, 12)), 'the name appears base64-encoded in the history');
      const events = (JSON.parse(raw) as { events: Record<string, unknown>[] }).events;
      const seen = new Map<string, string[]>();
      // A local activity's marker also carries the SDK's own bookkeeping (details.data: seq, attempt,
      // activity type, times), written by the SDK's core, not through the codec, and holding no user
      // data; the activity's result is details.result.
      const collect = (value: unknown, eventType: string, key = '') => {
        if (eventType === 'EVENT_TYPE_MARKER_RECORDED' && key === 'data' && typeof value === 'object') return;
        if (isPayloadJson(value)) return void (seen.get(eventType) ?? seen.set(eventType, []).get(eventType)!).push(meta(payloadFromJson(value), META.keyId) || `PLAINTEXT ${JSON.stringify(value)}`);
        if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) collect(v, eventType, k);
      };
      for (const event of events) collect(event, String(event.eventType));
      const { rows } = await db.pool.query<{ key_id: string }>('SELECT key_id FROM data_keys WHERE account_key = $1', [workflowId]);
      const accountKeys = new Set(rows.map((r) => r.key_id));
      for (const eventType of [
        'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
        'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
        'EVENT_TYPE_MARKER_RECORDED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
      ]) {
        const keyIds = seen.get(eventType);
        assert.ok(keyIds && keyIds.length > 0, `no payload in ${eventType}`);
        for (const keyId of keyIds) assert.ok(accountKeys.has(keyId), `${eventType}: a payload sealed with ${keyId}, not the account's key`);
      }
    } finally {
      await env.teardown();
    }
  });
});
