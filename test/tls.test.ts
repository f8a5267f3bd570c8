/**
 * TLS required by configuration (SMTP_TLS, DATABASE_TLS, TEMPORAL_TLS), against real servers: a
 * server without TLS is refused rather than spoken to in clear, and the URL's own options cannot
 * weaken the requirement; with TLS and a trusted certificate the mail goes, over TLS; a certificate
 * that is not trusted is refused. The certificate is made for the test with openssl.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { SMTPServer } from 'smtp-server';
import { createPool } from '../src/adapters/postgres';
import { createSmtpMailer } from '../src/adapters/smtp.mailer';
import { startSmtpSink, type SmtpSink } from '../src/local/smtp-sink';
import { parseEnv } from '../src/schemas/config.schema';
import { temporalConnectionOptions } from '../src/temporal-connection';
import { freePort } from './helpers/product';
import { createTimeSkippingEnv, quietRuntime } from './helpers/stack';

let dir: string;
let cert: string;
let key: string;
let plainSink: SmtpSink;
let tlsServer: SMTPServer;
let tlsPort: number;
const received: { secure: boolean; to: string }[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dunning-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  [cert, key] = [readFileSync(join(dir, 'cert.pem'), 'utf8'), readFileSync(join(dir, 'key.pem'), 'utf8')];
  plainSink = await startSmtpSink();
  tlsPort = await freePort();
  tlsServer = new SMTPServer({
    key,
    cert,
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push({ secure: session.secure, to: session.envelope.rcptTo.map((r) => r.address).join(',') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => tlsServer.listen(tlsPort, '127.0.0.1', resolve));
});
after(async () => {
  await plainSink?.close();
  await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const message = (to: string) => ({ to, subject: 'Your account', text: 'Hello', html: null, messageId: `<${to}@dunning.local>`, listUnsubscribe: '<https://example.test/u>' });

describe('SMTP_TLS', () => {
  it('refuses a server that offers no STARTTLS, even when the URL says to ignore TLS', async () => {
    for (const url of [plainSink.url, `${plainSink.url}?ignoreTLS=true`]) {
      const mailer = createSmtpMailer(url, 'Collections <c@example.test>', {});
      await assert.rejects(mailer.send(message('a@example.test')), /STARTTLS|TLS/i);
      mailer.close();
    }
    assert.equal(plainSink.messages().length, 0, 'nothing was sent in clear');
    // Without the requirement the same server takes the mail (the control).
    const plain = createSmtpMailer(plainSink.url, 'Collections <c@example.test>');
    await plain.send(message('b@example.test'));
    plain.close();
    assert.equal(plainSink.messages().length, 1);
  });

  it('sends over STARTTLS to a server whose certificate it trusts, and refuses one it does not', async () => {
    const trusting = createSmtpMailer(`smtp://localhost:${tlsPort}?ignoreTLS=true`, 'Collections <c@example.test>', { ca: cert });
    await trusting.send(message('c@example.test'));
    trusting.close();
    assert.deepEqual(received, [{ secure: true, to: 'c@example.test' }]);
    const systemCas = createSmtpMailer(`smtp://localhost:${tlsPort}`, 'Collections <c@example.test>', {});
    await assert.rejects(systemCas.send(message('d@example.test')), /self[- ]signed|certificate/i);
    systemCas.close();
    assert.equal(received.length, 1);
  });
});

describe('DATABASE_TLS', () => {
  it('refuses a Postgres without TLS, whatever sslmode the URL names', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const control = createPool(base, 1);
    assert.equal((await control.query('SELECT 1 AS one')).rows[0].one, 1);
    await control.end();
    for (const url of [base, `${base}${base.includes('?') ? '&' : '?'}sslmode=disable`]) {
      const pool = createPool(url, 1, {});
      await assert.rejects(pool.query('SELECT 1'), /does not support SSL/i);
      await pool.end();
    }
  });
});

describe('TEMPORAL_TLS', () => {
  it('does not speak to a Temporal server in clear', { timeout: 60_000 }, async () => {
    quietRuntime();
    const env = await createTimeSkippingEnv();
    try {
      const address = env.address;
      const plain = await Connection.connect({ ...temporalConnectionOptions(parseEnv({}), address), connectTimeout: '5s' });
      await plain.close();
      await assert.rejects(Connection.connect({ ...temporalConnectionOptions(parseEnv({ TEMPORAL_TLS: 'true' }), address), connectTimeout: '3s' }));
    } finally {
      await env.teardown();
    }
  });
});
