import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseEnv } from '../src/schemas/config.schema';

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
