/**
 * The codec endpoint over real HTTP (Temporal's codec server protocol), on a real database: an
 * operator key and nothing else opens it (a creditor's API key does not); the UI's key-in-path form;
 * CORS for the Temporal UI's origin only; encode and decode round trip; unencrypted payloads pass;
 * a purged account reads as a placeholder and a payload that cannot be decrypted says so, without
 * failing the others; another namespace and malformed bodies are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { createApiKeyRepository } from '../src/adapters/api-key.repository';
import { createDataKeyRepository } from '../src/adapters/data-key.repository';
import { createOperatorKeyRepository } from '../src/adapters/operator-key.repository';
import type { PayloadEncryption } from '../src/adapters/payload-encryption';
import { startApiServer } from '../src/api/server';
import { payloadFromJson, payloadToJson, type PayloadJson } from '../src/crypto/payload-json';
import { createTestDatabase } from './helpers/database';
import { freePort } from './helpers/product';
import { parsePayloadKeyring } from '../src/schemas/config.schema';
import { EXIT, runCli } from '../src/starter';
import { TEST_PAYLOAD_KEYS, testEncryption } from './helpers/stack';

const UI = 'http://127.0.0.1:8233';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let encryption: PayloadEncryption;
let api: Awaited<ReturnType<typeof startApiServer>>;
let operatorKey: string;
let creditorKey: string;

before(async () => {
  db = await createTestDatabase();
  encryption = await testEncryption(db.pool);
  operatorKey = (await createOperatorKeyRepository(db.pool).create('ana')).key;
  creditorKey = (await createApiKeyRepository(db.pool).create({ creditorId: 'cred-test' })).key;
  // Temporal is not needed by the codec routes: a connection that is never used.
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  api = await startApiServer({ client: new Client({ connection }), pool: db.pool, paymentWebhookSecret: 'x'.repeat(16), codecEndpoint: { codec: encryption.readerCodec, namespace: 'default', allowedOrigins: [UI] } });
});
after(async () => {
  await api?.close();
  await encryption?.close();
  await db?.drop();
});

const json = (value: unknown): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
const valueOf = (p: PayloadJson) => JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8'));
const account = (id: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId: `account/cred-codec/${id}` });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { payloads?: PayloadJson[]; error?: { code: string; message: string } } };
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('codec endpoint', () => {
  it('decodes for an operator key only: not without a key, not for a creditor API key, not for a revoked key', async () => {
    const sealed = (await encryption.codec.encode([json({ debtorName: 'Sofia Brown' })], account('C-1'))).map(payloadToJson);
    assert.doesNotMatch(JSON.stringify(sealed), /Sofia/);
    assert.equal((await post('/codec/decode', { payloads: sealed })).status, 401);
    assert.equal((await post('/codec/decode', { payloads: sealed }, bearer(creditorKey))).status, 401);
    const ok = await post('/codec/decode', { payloads: sealed }, bearer(operatorKey));
    assert.equal(ok.status, 200);
    assert.deepEqual(valueOf(ok.body.payloads![0]!), { debtorName: 'Sofia Brown' });
    // The embedded UI's form: the key in the path.
    const inPath = await post(`/codec/ui/${operatorKey}/decode`, { payloads: sealed });
    assert.deepEqual(valueOf(inPath.body.payloads![0]!), { debtorName: 'Sofia Brown' });
    assert.equal((await post(`/codec/ui/${creditorKey.slice(0, 60)}/decode`, { payloads: sealed })).status, 401);

    const revocable = await createOperatorKeyRepository(db.pool).create('ben');
    assert.equal((await post('/codec/decode', { payloads: sealed }, bearer(revocable.key))).status, 200);
    await createOperatorKeyRepository(db.pool).revoke(revocable.keyId);
    assert.equal((await post('/codec/decode', { payloads: sealed }, bearer(revocable.key))).status, 401);
  });

  it('encodes with the namespace key, and what it encodes decodes', async () => {
    const encoded = await post('/codec/encode', { payloads: [payloadToJson(json({ note: 'typed in the UI' }))] }, bearer(operatorKey));
    assert.equal(encoded.status, 200);
    const [payload] = encoded.body.payloads!;
    assert.equal(Buffer.from(payload!.metadata!.encoding!, 'base64').toString(), 'binary/encrypted');
    const keyId = Buffer.from(payload!.metadata!['encryption-key-id']!, 'base64').toString();
    assert.equal((await db.pool.query('SELECT account_key FROM data_keys WHERE key_id = $1', [keyId])).rows[0].account_key, 'namespace/default');
    const decoded = await post('/codec/decode', encoded.body, bearer(operatorKey));
    assert.deepEqual(valueOf(decoded.body.payloads![0]!), { note: 'typed in the UI' });
  });

  it('passes plain payloads, shows a purged account as a placeholder and an undecryptable payload as such, each in its place', async () => {
    const purged = (await encryption.codec.encode([json({ debtorName: 'Gone Person' })], account('C-2'))).map(payloadToJson);
    await encryption.keys.destroyAccountKeys('account/cred-codec/C-2');
    const live = (await encryption.codec.encode([json('still here')], account('C-3'))).map(payloadToJson);
    const forged = payloadToJson({ ...payloadFromJson(live[0]!), metadata: { ...payloadFromJson(live[0]!).metadata, 'encryption-key-id': Buffer.from('dk_unknown') } });
    const plain = payloadToJson(json('plain'));
    const answer = await post('/codec/decode', { payloads: [purged[0], forged, plain, live[0]] }, bearer(operatorKey));
    assert.equal(answer.status, 200);
    const values = answer.body.payloads!.map(valueOf);
    assert.match(values[0], /^\[personal data destroyed: the data key of account\/cred-codec\/C-2 was destroyed at /);
    assert.match(values[1], /^\[payload cannot be decrypted: encrypted payload with an unknown data key dk_unknown/);
    assert.deepEqual(values.slice(2), ['plain', 'still here']);
  });

  it('refuses another namespace and malformed bodies', async () => {
    assert.deepEqual(await post('/codec/decode', { payloads: [] }, { ...bearer(operatorKey), 'x-namespace': 'other' }).then((r) => [r.status, r.body.error?.code]), [400, 'unknown_namespace']);
    assert.deepEqual(await post('/codec/decode', '{not json', bearer(operatorKey)).then((r) => [r.status, r.body.error?.code]), [400, 'malformed_body']);
    assert.deepEqual(await post('/codec/decode', { payloads: [{ metadata: { encoding: 'not base64!' } }] }, bearer(operatorKey)).then((r) => [r.status, r.body.error?.code]), [400, 'invalid_field']);
    assert.deepEqual(await post('/codec/decode', { nothing: true }, bearer(operatorKey)).then((r) => [r.status, r.body.error?.code]), [400, 'invalid_field']);
  });

  it('answers CORS for the Temporal UI’s origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    const allowed = await preflight(UI);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), UI);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const refused = await preflight('https://evil.example');
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);

    const fromUi = await post('/codec/decode', { payloads: [] }, { ...bearer(operatorKey), origin: UI });
    assert.equal(fromUi.status, 200);
    assert.equal(fromUi.headers.get('access-control-allow-origin'), UI);
    const fromUiNoKey = await post('/codec/decode', { payloads: [] }, { origin: UI });
    assert.equal(fromUiNoKey.status, 401, 'the UI reads the refusal too');
    assert.equal(fromUiNoKey.headers.get('access-control-allow-origin'), UI);
    const fromEvil = await post('/codec/decode', { payloads: [] }, { ...bearer(operatorKey), origin: 'https://evil.example' });
    assert.deepEqual([fromEvil.status, fromEvil.body.error?.code, fromEvil.headers.get('access-control-allow-origin')], [403, 'origin_not_allowed', null]);
  });
});

describe('command line: operator keys and master-key rotation', () => {
  it('creates, lists and revokes operator keys, and re-wraps data keys under the newest master key', async () => {
    const saved = { DATABASE_URL: process.env.DATABASE_URL, PAYLOAD_KEYS: process.env.PAYLOAD_KEYS };
    Object.assign(process.env, { DATABASE_URL: db.url, PAYLOAD_KEYS: TEST_PAYLOAD_KEYS });
    const cli = async (...args: string[]) => {
      let output = '';
      const code = await runCli(args, (t) => (output += t));
      return { code, output };
    };
    try {
      const created = await cli('operator-key', 'create', '--operator', 'cy', '--json');
      assert.equal(created.code, EXIT.ok, created.output);
      const { key, keyId } = JSON.parse(created.output) as { key: string; keyId: string };
      assert.equal((await post('/codec/decode', { payloads: [] }, bearer(key))).status, 200);
      assert.match((await cli('operator-key', 'list')).output, new RegExp(`${keyId} cy active`));
      assert.equal((await cli('operator-key', 'create')).code, EXIT.usage);
      // A key made with --creditors also signs in to the work queue for them; a codec-only key does not.
      const keys = createOperatorKeyRepository(db.pool);
      assert.equal(await keys.signIn(key), null, 'a key made without creditors does not open the work queue');
      const scoped = await cli('operator-key', 'create', '--operator', 'ana', '--creditors', 'cred-metro-power,cred-valley-clinic', '--json');
      assert.equal(scoped.code, EXIT.ok, scoped.output);
      const scopedKey = JSON.parse(scoped.output) as { key: string; keyId: string; creditorIds: string[] };
      assert.deepEqual(scopedKey.creditorIds, ['cred-metro-power', 'cred-valley-clinic']);
      assert.deepEqual((await keys.signIn(scopedKey.key))?.session.creditorIds, ['cred-metro-power', 'cred-valley-clinic']);
      assert.match((await cli('operator-key', 'list')).output, new RegExp(`${scopedKey.keyId} ana active \\(work queue: cred-metro-power, cred-valley-clinic\\)`));
      const unknown = await cli('operator-key', 'create', '--operator', 'ana', '--creditors', 'cred-nowhere');
      assert.equal(unknown.code, EXIT.usage);
      assert.match(unknown.output, /--creditors: not in the creditor directory: cred-nowhere/);
      assert.equal((await cli('operator-key', 'revoke', scopedKey.keyId)).code, EXIT.ok);
      assert.equal(await keys.signIn(scopedKey.key), null, 'revoked: no more sign-in');
      assert.equal((await cli('operator-key', 'revoke', keyId)).code, EXIT.ok);
      assert.equal((await post('/codec/decode', { payloads: [] }, bearer(key))).status, 401);

      // A data key wrapped by the older master key moves under the newest.
      const [, old] = parsePayloadKeyring(TEST_PAYLOAD_KEYS);
      await createDataKeyRepository({ pool: db.pool, keyring: [old!] }).currentKey('account/cred-codec/OLD-1');
      const rewrap = await cli('payload-keys', 'rewrap', '--json');
      assert.equal(rewrap.code, EXIT.ok, rewrap.output);
      assert.equal(JSON.parse(rewrap.output).masterKeyId, 'test-new');
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM data_keys WHERE destroyed_at IS NULL AND master_key_id <> 'test-new'`);
      assert.equal(rows[0].n, 0);
    } finally {
      for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
});
