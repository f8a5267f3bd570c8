/**
 * A worker on real infrastructure for workflow tests: the time-skipping test server (or the dev
 * server), a fresh Postgres database, the SMTP sink and the Twilio-compatible sink.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Pool } from 'pg';
import { createActivities } from '../../src/activities';
import { registerSearchAttributes } from '../../src/client/search-attributes';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCadenceRepository } from '../../src/adapters/cadence.repository';
import { createPayloadEncryption, type PayloadEncryption } from '../../src/adapters/payload-encryption';
import { parsePayloadKeyring } from '../../src/schemas/config.schema';
import { createFolderLetterGateway } from '../../src/adapters/letters';
import { createSmtpMailer, type Mailer } from '../../src/adapters/smtp.mailer';
import { syncCadenceFiles } from '../../src/client/cadences';
import { startWebhookSink, type WebhookSink } from '../../src/local/webhook-sink';
import { parseCreditorDirectory, type CreditorDirectory } from '../../src/schemas/creditors.schema';
import { ROOT, testClockOffsetMs } from './fixtures';
import { createTwilioSmsGateway } from '../../src/adapters/twilio.sms';
import { startSmtpSink, type SmtpSink } from '../../src/local/smtp-sink';
import { startTwilioSink, type TwilioSink } from '../../src/local/twilio-sink';
import { createTestDatabase } from './database';
import { createPayerClient } from '../../src/adapters/payer.client';
import { createSkipTraceClient } from '../../src/adapters/skip-trace.client';
import { startPayerSink, type PayerSink } from '../../src/local/payer-sink';
import { startSkipTraceSink, type SkipTraceSink } from '../../src/local/skip-trace-sink';
import { useCodecForRecordedHistories } from './histories';

let runtimeInstalled = false;
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** The suite's master keys (PAYLOAD_KEYS format, newest first): fixed, so the CLI in a test reads what the test's worker wrote. */
export const TEST_PAYLOAD_KEYS = 'test-new:lY+hBKszDyeq6HoecnTpvYbKngnUnGGVT7P/OK7pZss=,test-old:JpzSutmr30k3/1O/Ew75Wb/WgT2mCNc7ecKb4q6KRJk=';

/** Payload encryption over a test database, as the product sets it up (listening for key destructions). */
export function testEncryption(pool: Pool, namespace = 'default'): Promise<PayloadEncryption> {
  return createPayloadEncryption({ pool, keyring: parsePayloadKeyring(TEST_PAYLOAD_KEYS), namespace, listen: true });
}

export const TWILIO_FROM = '+15005550006';
export const TASK_QUEUE = 'dunning-test';

export interface Sinks {
  skipTrace: SkipTraceSink;
  payer: PayerSink;
  smtp: SmtpSink;
  twilio: TwilioSink;
  webhooks: WebhookSink;
  lettersDir: string;
  creditors: CreditorDirectory;
  pool: Pool;
  databaseUrl: string;
  /** Payload encryption of every Temporal connection in the test (worker, client). */
  encryption: PayloadEncryption;
  close(): Promise<void>;
}

export const WEBHOOK_SECRET = 'test-creditor-webhook-secret';

/** The shipped local creditor directory, its webhooks pointed at this test's webhook sink. */
export function testCreditors(webhookBaseUrl: string): CreditorDirectory {
  const text = readFileSync(join(ROOT, 'config', 'creditors.local.json'), 'utf8')
    .replaceAll('http://127.0.0.1:8027', webhookBaseUrl)
    .replaceAll('local-creditor-webhook-secret', WEBHOOK_SECRET);
  const directory = JSON.parse(text);
  // The creditors tests invent, with just what a validation notice and a letter need.
  for (const id of ['cred-test', 'cred-versioned', 'cred-visible', 'cred-restart', 'cred-charges'])
    directory.creditors.push({ id, name: `Test Creditor ${id}`, mailingAddress: ['1 Test Way', 'Springfield, NY 10001'], creditDepartmentEmail: `credit@${id}.example.test` });
  return parseCreditorDirectory(directory);
}

/** Real sinks and a fresh database with the shipped cadences saved, as a worker finds them. */
export async function startSinks(): Promise<Sinks> {
  const [smtp, twilio, webhooks, db, skipTrace, payer] = await Promise.all([startSmtpSink(), startTwilioSink(), startWebhookSink({ secret: WEBHOOK_SECRET }), createTestDatabase(), startSkipTraceSink(), startPayerSink()]);
  const report = await syncCadenceFiles(createCadenceRepository(db.pool), join(ROOT, 'cadences'));
  if (report.problems.length > 0) throw new Error(`shipped cadences do not load:\n${report.problems.join('\n')}`);
  const lettersDir = mkdtempSync(join(tmpdir(), 'dunning-letters-'));
  const encryption = await testEncryption(db.pool);
  useCodecForRecordedHistories(encryption.codec);
  return {
    skipTrace,
    payer,
    smtp,
    twilio,
    webhooks,
    lettersDir,
    creditors: testCreditors(webhooks.baseUrl),
    pool: db.pool,
    databaseUrl: db.url,
    encryption,
    async close() {
      await Promise.all([smtp.close(), twilio.close(), webhooks.close(), skipTrace.close(), payer.close()]);
      await encryption.close();
      await db.drop();
      rmSync(lettersDir, { recursive: true, force: true });
    },
  };
}

/** smsStatusCallbackBaseUrl: the HTTP service Twilio (the sink) reports SMS delivery to. */
export interface TestWorkerOptions {
  smsStatusCallbackBaseUrl?: string;
  /** 0: no workflow is kept between tasks, so every task replays its history first. */
  maxCachedWorkflows?: number;
}

export function testActivities(sinks: Sinks, mailer: Mailer, options: TestWorkerOptions = {}) {
  return createActivities({
    pool: sinks.pool,
    mailer,
    sms: createTwilioSmsGateway({ accountSid: sinks.twilio.accountSid, authToken: sinks.twilio.authToken, from: TWILIO_FROM, apiBaseUrl: sinks.twilio.baseUrl, statusCallbackBaseUrl: options.smsStatusCallbackBaseUrl }),
    letters: createFolderLetterGateway(sinks.lettersDir),
    creditors: sinks.creditors,
    optOutEmail: 'optout@example.test',
    unsubscribe: { baseUrl: 'https://collections.example.test', secret: UNSUBSCRIBE_SECRET },
    skipTrace: createSkipTraceClient({ baseUrl: sinks.skipTrace.baseUrl, apiKey: sinks.skipTrace.apiKey }),
    payer: createPayerClient({ baseUrl: sinks.payer.baseUrl, apiKey: sinks.payer.apiKey }),
  });
}

export const UNSUBSCRIBE_SECRET = 'test-unsubscribe-link-secret';

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundled once per test file: a Worker runs only once, so each test gets a new one over the same bundle. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: new DefaultLogger('WARN') });
  return bundle;
}

export async function createTestWorker(connection: NativeConnection, namespace: string, sinks: Sinks, taskQueue = TASK_QUEUE, options: TestWorkerOptions = {}): Promise<{ worker: Worker; close(): void }> {
  const mailer = createSmtpMailer(sinks.smtp.url, 'Collections <collections@example.test>');
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: testActivities(sinks, mailer, options),
    dataConverter: sinks.encryption.dataConverter,
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
  return { worker, close: () => mailer.close() };
}

export interface TimeSkippingStack extends Sinks {
  env: TestWorkflowEnvironment;
  client: Client;
  /** The task queue of the current run: each run has its own, so a workflow a failed test left open cannot stall the next. */
  taskQueue: string;
  /** Runs fn while a fresh worker polls (with the stack's worker options, and these over them). */
  run<T>(fn: () => Promise<T>, workerOptions?: TestWorkerOptions): Promise<T>;
}

/**
 * The time-skipping test server with a client using `dataConverter`. The SDK gives the Java server
 * 5 s to start; a busy machine (the JVM starting on 2 loaded cores) can take longer, so a start that
 * timed out is tried again before the test fails.
 */
export async function createTimeSkippingEnv(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (!path) throw new Error('TEMPORAL_TEST_SERVER_PATH is not set: run the suite with `npm test`');
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } }, client: { dataConverter } });
    } catch (error) {
      if (attempt >= 6 || !/did not start within/.test((error as Error).message)) throw error;
    }
  }
}

export async function startTimeSkippingStack(options: TestWorkerOptions = {}): Promise<TimeSkippingStack> {
  quietRuntime();
  // The sinks first: the environment's client needs their database for payload encryption.
  const sinks = await startSinks();
  let env: TestWorkflowEnvironment;
  try {
    env = await createTimeSkippingEnv(sinks.encryption.dataConverter);
  } catch (error) {
    await sinks.close(); // nothing left open to hold the test process
    throw error;
  }
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  // TEST_CLOCK_OFFSET_DAYS and TEST_CLOCK_OFFSET_HOURS move the test server's clock forward, to
  // check that no test depends on the date or the hour it runs at (scripts/calendar-sweep.mjs).
  const offsetMs = testClockOffsetMs();
  if (offsetMs > 0) await env.sleep(offsetMs);
  let runs = 0;
  const stack: TimeSkippingStack = {
    ...sinks,
    env,
    client: env.client,
    taskQueue: TASK_QUEUE,
    async run(fn, workerOptions = {}) {
      stack.taskQueue = `${TASK_QUEUE}-${++runs}`;
      const { worker, close } = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', sinks, stack.taskQueue, { ...options, ...workerOptions });
      try {
        return await worker.runUntil(async () => {
          const result = await fn();
          // A moment of workflow time so nothing is in flight when the worker stops: the test
          // server stops skipping time for good after a worker stopped with an activity running.
          await env.sleep('1 second');
          return result;
        });
      } finally {
        close();
        // A workflow left open (a test failed half-way) would later hold a workflow task that no
        // worker serves, and the test server does not skip time while one is outstanding, so the
        // next test would stall. Runs are sequential within a file: end whatever is still open.
        const open = await env.connection.workflowService.listOpenWorkflowExecutions({ namespace: env.namespace ?? 'default', maximumPageSize: 1000 });
        for (const execution of open.executions) {
          const workflowId = execution.execution?.workflowId;
          if (workflowId) await env.client.workflow.getHandle(workflowId).terminate('test run ended').catch(() => undefined);
        }
      }
    },
    async close() {
      await sinks.close();
      await env.teardown();
    },
  };
  return stack;
}
