import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startTwilioSink } from '../src/local/twilio-sink';
import { ConfigError, loadPayloadKeyring, parseEnv, SHIPPED_SECRETS, type SettingsRole } from '../src/schemas/config.schema';
import { ROOT } from './helpers/fixtures';

function problems(env: Record<string, string>, role?: SettingsRole) {
  try {
    parseEnv(env, role);
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

  it('gives every embedded server its own port by default (npm start listens on all of them at once)', () => {
    const env = parseEnv({});
    const ports = Object.entries(env).filter(([name]) => /_PORT$/.test(name)) as [string, number][];
    assert.ok(ports.length >= 10, ports.map(([name]) => name).join(', '));
    const byPort = new Map<number, string[]>();
    for (const [name, port] of ports) byPort.set(port, [...(byPort.get(port) ?? []), name]);
    assert.deepEqual([...byPort.values()].filter((names) => names.length > 1), []);
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
    const env = parseEnv({ TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'my-ns.a1b2c', TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'true' }, 'cli');
    assert.equal(env.TEMPORAL_TLS, true);
    assert.equal(env.TEMPORAL_API_KEY, 'key');
  });

  it('requires both halves of an mTLS pair', () => {
    assert.deepEqual(problems({ TEMPORAL_TLS_CERT_PATH: '/tmp/c.pem' }).map((p) => p.variable), ['TEMPORAL_TLS_KEY_PATH']);
  });
});

describe('configuration outside the embedded local mode', () => {
  const own = {
    PAYMENT_WEBHOOK_SECRET: 'a-payment-secret-of-our-own',
    EMAIL_WEBHOOK_SECRET: 'an-email-secret-of-our-own',
    UNSUBSCRIBE_SECRET: 'an-unsubscribe-secret-of-our-own',
    PORTAL_SECRET: 'a-debtor-page-secret-of-our-own',
    PUBLIC_BASE_URL: 'https://collections.example.com',
    DEMO: 'false',
  };

  it('keeps the embedded defaults working with nothing set, the shipped secrets and the demo included', () => {
    const env = parseEnv({});
    assert.equal(env.PAYMENT_WEBHOOK_SECRET, SHIPPED_SECRETS.PAYMENT_WEBHOOK_SECRET);
    assert.equal(env.DEMO, true);
  });

  it('refuses the README\'s secrets, a missing https base URL and an implicit demo once a real server is named, naming each variable', () => {
    for (const real of <Record<string, string>[]>[{ DATABASE_URL: 'postgres://db.internal/dunning' }, { TEMPORAL_ADDRESS: 'temporal.internal:7233' }, { TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15005550006' }, { SMTP_URL: 'smtp://mail.internal:587' }]) {
      const found = problems(real);
      assert.deepEqual(found.map((p) => p.variable), ['PAYMENT_WEBHOOK_SECRET', 'EMAIL_WEBHOOK_SECRET', 'UNSUBSCRIBE_SECRET', 'PORTAL_SECRET', 'PUBLIC_BASE_URL', 'DEMO'], JSON.stringify(real));
    }
    const message = new ConfigError(problems({ DATABASE_URL: 'postgres://db.internal/dunning' })).message;
    assert.match(message, /PAYMENT_WEBHOOK_SECRET: must be set to a secret of your own \(DATABASE_URL names a real server/);
    assert.match(message, /DEMO: must be set explicitly/);
  });

  it('refuses a shipped secret set explicitly and a plain-http base URL', () => {
    const found = problems({ ...own, DATABASE_URL: 'postgres://db/x', TEMPORAL_ADDRESS: 'temporal:7233', PAYMENT_WEBHOOK_SECRET: SHIPPED_SECRETS.PAYMENT_WEBHOOK_SECRET, PUBLIC_BASE_URL: 'http://collections.example.com' });
    assert.deepEqual(found.map((p) => [p.variable, p.message.split(' (')[0]]), [
      ['PAYMENT_WEBHOOK_SECRET', 'must not be the value printed in the README'],
      ['PUBLIC_BASE_URL', 'must start with https://'],
    ]);
    assert.match(found[0]!.message, /\(TEMPORAL_ADDRESS, DATABASE_URL name real servers/);
  });

  it('starts with secrets of its own, an https base URL and DEMO said explicitly (true too)', () => {
    const env = parseEnv({ ...own, DATABASE_URL: 'postgres://db/x' });
    assert.equal(env.DEMO, false);
    assert.equal(parseEnv({ ...own, DEMO: 'true', DATABASE_URL: 'postgres://db/x' }).DEMO, true);
  });

  it('a standalone worker needs its own unsubscribe secret and https only for the links it signs; the command line needs neither', () => {
    const worker = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgres://db/x' };
    assert.doesNotThrow(() => parseEnv(worker, 'worker'));
    assert.deepEqual(problems({ ...worker, PUBLIC_BASE_URL: 'http://x.example' }, 'worker').map((p) => p.variable), ['PUBLIC_BASE_URL', 'UNSUBSCRIBE_SECRET', 'PORTAL_SECRET']);
    assert.doesNotThrow(() => parseEnv(worker, 'cli'));
  });

  it('`npm start` and a standalone worker stop at start-up with the message, before touching anything', () => {
    const env = { PATH: process.env.PATH!, DATABASE_URL: 'postgres://db.invalid/dunning', TEMPORAL_ADDRESS: 'temporal.invalid:7233' };
    const main = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(main.status, 1, main.stderr);
    assert.match(main.stderr, /Invalid configuration:\n  PAYMENT_WEBHOOK_SECRET: must be set to a secret of your own/);
    assert.match(main.stderr, /  DEMO: must be set explicitly/);
    const worker = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'worker.js')], { env: { ...env, PUBLIC_BASE_URL: 'http://collections.example.com' }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(worker.status, 1, worker.stderr);
    assert.match(worker.stderr, /PUBLIC_BASE_URL: must start with https:\/\//);
  });

  it('the local Twilio sink signs with a new token each start, never a value printed anywhere', async () => {
    const [a, b] = await Promise.all([startTwilioSink(), startTwilioSink()]);
    try {
      assert.notEqual(a.authToken, b.authToken);
      assert.ok(a.authToken.length >= 32);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
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
