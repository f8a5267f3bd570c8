import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadPayloadKeyring, parseEnv } from '../src/schemas/config.schema';

function problems(env: Record<string, string>) {
  try {
    parseEnv(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const env = parseEnv({});
    assert.equal(env.TEMPORAL_ADDRESS, undefined);
    assert.equal(env.TEMPORAL_NAMESPACE, 'default');
    assert.equal(env.DATABASE_URL, undefined);
    assert.equal(env.TEMPORAL_UI_PORT, 8233);
    assert.equal(env.DEMO, true);
  });

  it('names each variable with a wrong value', () => {
    const found = problems({ TEMPORAL_ADDRESS: 'http://x', DATABASE_URL: 'mysql://db/x', TEMPORAL_UI_PORT: '99999', SMTP_URL: 'localhost:25', DEMO: 'yes' });
    assert.deepEqual(found.map((p) => p.variable).sort(), ['DATABASE_URL', 'DEMO', 'SMTP_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_PORT']);
    assert.match(new ConfigError(found).message, /TEMPORAL_UI_PORT: must be 1-65535/);
  });

  it('requires the Twilio settings together', () => {
    const found = problems({ TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32) });
    assert.deepEqual(found.map((p) => p.variable).sort(), ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM']);
  });

  it('rejects a malformed Twilio account sid and sender', () => {
    const found = problems({ TWILIO_ACCOUNT_SID: 'nope', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '555-1234' });
    assert.deepEqual(found.map((p) => p.variable).sort(), ['TWILIO_ACCOUNT_SID', 'TWILIO_FROM']);
  });

  it('accepts a cluster with an API key and TLS', () => {
    const env = parseEnv({ TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'my-ns.a1b2c', TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'true' });
    assert.equal(env.TEMPORAL_TLS, true);
    assert.equal(env.TEMPORAL_API_KEY, 'key');
  });

  it('requires both halves of an mTLS pair', () => {
    assert.deepEqual(problems({ TEMPORAL_TLS_CERT_PATH: '/tmp/c.pem' }).map((p) => p.variable), ['TEMPORAL_TLS_KEY_PATH']);
  });
});

describe('payload encryption keys', () => {
  const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

  it('reads a keyring, newest first, from PAYLOAD_KEYS or a key file with comments', () => {
    const env = parseEnv({ PAYLOAD_KEYS: `k2:${key(2)}, k1:${key(1)}` });
    assert.deepEqual(env.PAYLOAD_KEYS?.map((k) => [k.id, k.key[0]]), [['k2', 2], ['k1', 1]]);
    const dir = mkdtempSync(join(tmpdir(), 'dunning-keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, `# made on first start, keep it\nk3:${key(3)}  # newest\n\nk2:${key(2)},k1:${key(1)}\n`);
      const loaded = loadPayloadKeyring(parseEnv({ PAYLOAD_KEYS_FILE: file }));
      assert.deepEqual(loaded?.keys.map((k) => k.id), ['k3', 'k2', 'k1']);
      assert.equal(loaded?.source, file);
      assert.equal(loadPayloadKeyring(parseEnv({}), join(dir, 'absent')), null, 'no local key file yet: none');
      assert.throws(() => loadPayloadKeyring(parseEnv({ PAYLOAD_KEYS_FILE: join(dir, 'absent') })), (e: unknown) => e instanceof ConfigError && e.problems[0]!.variable === 'PAYLOAD_KEYS_FILE');
      writeFileSync(file, `k1:${key(1).slice(0, 20)}\n`);
      assert.throws(() => loadPayloadKeyring(parseEnv({ PAYLOAD_KEYS_FILE: file })), /PAYLOAD_KEYS_FILE: .* key "k1" is 15 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names PAYLOAD_KEYS for a malformed keyring without echoing the key, and refuses both settings at once', () => {
    const found = problems({ PAYLOAD_KEYS: 'k1:c2VjcmV0LXNob3J0' });
    assert.deepEqual(found.map((p) => p.variable), ['PAYLOAD_KEYS']);
    assert.doesNotMatch(found[0]!.message, /c2VjcmV0/);
    assert.deepEqual(problems({ PAYLOAD_KEYS: 'no-colon' }).map((p) => p.variable), ['PAYLOAD_KEYS']);
    assert.deepEqual(problems({ PAYLOAD_KEYS: `a:${key(1)},a:${key(2)}` }).map((p) => p.message), ['key id "a" appears twice']);
    assert.deepEqual(problems({ PAYLOAD_KEYS: `a:${key(1)}`, PAYLOAD_KEYS_FILE: '/x' }).map((p) => p.variable), ['PAYLOAD_KEYS_FILE']);
  });

  it('reads the Temporal UI origins and the TLS settings, naming a wrong value', () => {
    const env = parseEnv({ TEMPORAL_UI_ORIGINS: 'https://ui.example.com, http://127.0.0.1:8233', DATABASE_TLS: 'true', SMTP_TLS: 'true' });
    assert.deepEqual(env.TEMPORAL_UI_ORIGINS, ['https://ui.example.com', 'http://127.0.0.1:8233']);
    assert.deepEqual([env.DATABASE_TLS, env.SMTP_TLS], [true, true]);
    assert.deepEqual(problems({ TEMPORAL_UI_ORIGINS: 'https://ui.example.com/path', DATABASE_TLS: 'yes' }).map((p) => p.variable).sort(), ['DATABASE_TLS', 'TEMPORAL_UI_ORIGINS']);
    // A CA file without TLS required would be silently unused.
    assert.deepEqual(problems({ SMTP_TLS_CA_PATH: '/ca.pem', DATABASE_TLS_CA_PATH: '/ca.pem' }).map((p) => p.variable).sort(), ['DATABASE_TLS', 'SMTP_TLS']);
  });
});
