/**
 * Composition root of a worker: configuration → adapters → activities → Worker.
 * Run it alone (`node dist/src/worker.js`) as one of many worker processes against a cluster;
 * `npm start` runs one in-process on the embedded defaults.
 */
import { resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from './activities';
import { createCadenceRepository } from './adapters/cadence.repository';
import { createFolderLetterGateway, type LetterGateway } from './adapters/letters';
import { createPayloadEncryption } from './adapters/payload-encryption';
import { createPool, runMigrations } from './adapters/postgres';
import { createSmtpMailer } from './adapters/smtp.mailer';
import { createTwilioSmsGateway, type TwilioSettings } from './adapters/twilio.sms';
import { createPayerClient, type PayerGateway } from './adapters/payer.client';
import { createSkipTraceClient, type SkipTraceProvider } from './adapters/skip-trace.client';
import { syncCadenceFiles, type SyncReport } from './client/cadences';
import { debtorPageSettingsFor, loadCreditorDirectory, type CreditorDirectory } from './schemas/creditors.schema';
import { databaseTls, debtorPageBaseUrl, loadPayloadKeyring, parseEnv, smtpTls, type Env, type TlsRequirement } from './schemas/config.schema';
import { createPageLinkSigner, type PageLinkSigner } from './adapters/debtor-page.repository';
import { processorsFromDirectory, type PaymentProcessors } from './adapters/payment-processor';
import { temporalConnectionOptions } from './temporal-connection';

export interface WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  smtpUrl: string;
  /** SMTP_TLS: mail only over verified TLS. */
  smtpTls?: TlsRequirement | null;
  emailFrom: string;
  optOutEmail: string;
  twilio: TwilioSettings;
  creditors: CreditorDirectory;
  letters: LetterGateway;
  unsubscribe?: { baseUrl: string; secret: string };
  /** Signs the link to the debtor's page into every message (without it {{paymentLink}} stays unsigned). */
  pageLinks?: PageLinkSigner;
  /** Each creditor's payment processor, for retries of failed automatic payments. */
  payments?: PaymentProcessors;
  skipTrace?: SkipTraceProvider;
  payer?: PayerGateway;
  /** VOICEMAIL_BUSINESS_NAME: signs location letters (it must not say debt collection). */
  locationBusinessName?: string;
  /** Payload encryption (src/adapters/payload-encryption.ts): required, so no worker writes personal data in clear. */
  dataConverter: DataConverter;
  /** Cache, slots and pollers (README, Tuning); default: workerTuning() of the defaults. */
  tuning?: WorkerTuning;
}

/** How much one worker process holds and runs at once (README, Tuning says why each value). */
export interface WorkerTuning {
  /** Workflows kept in memory between their tasks: the bound on the worker's memory, whatever the number of open accounts. */
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  workflowTaskPollers: number;
  activityTaskPollers: number;
}

export function workerTuning(env: Pick<Env, 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS' | 'WORKER_MAX_CONCURRENT_ACTIVITIES' | 'WORKER_WORKFLOW_TASK_POLLERS' | 'WORKER_ACTIVITY_TASK_POLLERS'>): WorkerTuning {
  const maxCachedWorkflows = env.WORKER_MAX_CACHED_WORKFLOWS;
  return {
    maxCachedWorkflows,
    // The SDK refuses more concurrent workflow tasks than cached workflows (unless the cache is off).
    maxConcurrentWorkflowTaskExecutions: maxCachedWorkflows > 0 ? Math.min(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, maxCachedWorkflows) : env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
    workflowTaskPollers: env.WORKER_WORKFLOW_TASK_POLLERS,
    activityTaskPollers: env.WORKER_ACTIVITY_TASK_POLLERS,
  };
}

export async function createDunningWorker(settings: WorkerSettings): Promise<{ worker: Worker; close(): void }> {
  const mailer = createSmtpMailer(settings.smtpUrl, settings.emailFrom, settings.smtpTls);
  const activities = createActivities({
    pool: settings.pool,
    mailer,
    sms: createTwilioSmsGateway(settings.twilio),
    letters: settings.letters,
    creditors: settings.creditors,
    optOutEmail: settings.optOutEmail,
    unsubscribe: settings.unsubscribe,
    pageLinks: settings.pageLinks,
    payments: settings.payments,
    skipTrace: settings.skipTrace,
    payer: settings.payer,
    locationBusinessName: settings.locationBusinessName,
  });
  const tuning = settings.tuning ?? workerTuning(parseEnv({}));
  const worker = await Worker.create({
    connection: settings.connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities,
    dataConverter: settings.dataConverter,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.activityTaskPollers },
  });
  return { worker, close: () => mailer.close() };
}

/** Migrations, then the cadence files into the store; problems are reported, not fatal (saved versions stay in force). */
export async function prepareDatabase(pool: Pool, cadencesDir: string): Promise<{ migrations: string[]; cadences: SyncReport }> {
  const migrations = await runMigrations(pool);
  const cadences = await syncCadenceFiles(createCadenceRepository(pool), resolve(cadencesDir));
  return { migrations, cadences };
}

export function requireForStandaloneWorker(env: Env) {
  const missing: string[] = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID', 'CREDITORS_FILE', 'LETTERS_DIR'] as const).filter((name) => env[name] === undefined);
  const keyring = loadPayloadKeyring(env);
  if (!keyring) missing.push('PAYLOAD_KEYS or PAYLOAD_KEYS_FILE');
  if (missing.length > 0)
    throw new Error(`A standalone worker needs ${missing.join(', ')} (and TWILIO_AUTH_TOKEN, TWILIO_FROM); use \`npm start\` for the embedded defaults.`);
  return {
    keyring: keyring!.keys,
    address: env.TEMPORAL_ADDRESS!,
    databaseUrl: env.DATABASE_URL!,
    smtpUrl: env.SMTP_URL!,
    // Delivery receipts need a URL Twilio can reach: only with PUBLIC_BASE_URL.
    twilio: { accountSid: env.TWILIO_ACCOUNT_SID!, authToken: env.TWILIO_AUTH_TOKEN!, from: env.TWILIO_FROM!, apiBaseUrl: env.TWILIO_API_BASE_URL, statusCallbackBaseUrl: env.PUBLIC_BASE_URL },
    creditorsFile: env.CREDITORS_FILE!,
    lettersDir: env.LETTERS_DIR!,
  };
}

/** The skip-trace provider and the payer the settings name (none: a person locates, claims are not followed). */
export function outsideServices(env: Env): { skipTrace?: SkipTraceProvider; payer?: PayerGateway; locationBusinessName: string } {
  return {
    ...(env.SKIP_TRACE_URL && env.SKIP_TRACE_API_KEY ? { skipTrace: createSkipTraceClient({ baseUrl: env.SKIP_TRACE_URL, apiKey: env.SKIP_TRACE_API_KEY }) } : {}),
    ...(env.PAYER_URL && env.PAYER_API_KEY ? { payer: createPayerClient({ baseUrl: env.PAYER_URL, apiKey: env.PAYER_API_KEY }) } : {}),
    locationBusinessName: env.VOICEMAIL_BUSINESS_NAME,
  };
}

async function main(): Promise<void> {
  const env = parseEnv(process.env, 'worker');
  const required = requireForStandaloneWorker(env);
  const creditors = loadCreditorDirectory(required.creditorsFile);
  const pool = createPool(required.databaseUrl, env.DATABASE_POOL_MAX, databaseTls(env));
  const prepared = await prepareDatabase(pool, env.CADENCES_DIR);
  prepared.cadences.problems.forEach((p) => console.error(`cadence not saved: ${p}`));
  const encryption = await createPayloadEncryption({ pool, keyring: required.keyring, namespace: env.TEMPORAL_NAMESPACE, listen: true, log: (line) => console.warn(line) });
  const connection = await NativeConnection.connect(temporalConnectionOptions(env, required.address));
  const { worker, close } = await createDunningWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    pool,
    smtpUrl: required.smtpUrl,
    smtpTls: smtpTls(env),
    emailFrom: env.EMAIL_FROM,
    optOutEmail: env.OPT_OUT_EMAIL,
    twilio: required.twilio,
    creditors,
    letters: createFolderLetterGateway(required.lettersDir),
    unsubscribe: env.PUBLIC_BASE_URL ? { baseUrl: env.PUBLIC_BASE_URL, secret: env.UNSUBSCRIBE_SECRET } : undefined,
    pageLinks:
      env.PUBLIC_BASE_URL || env.PAYMENT_LINK_BASE_URL
        ? createPageLinkSigner({ pool, secret: env.PORTAL_SECRET, baseUrl: debtorPageBaseUrl(env), linkDays: (creditorId) => debtorPageSettingsFor(creditors, creditorId).linkDays })
        : undefined,
    payments: processorsFromDirectory(creditors, {}),
    ...outsideServices(env),
    dataConverter: encryption.dataConverter,
    tuning: workerTuning(env),
  });
  const stats = env.WORKER_STATS_INTERVAL_MS > 0 ? reportWorkerStats(worker, env.WORKER_STATS_INTERVAL_MS) : undefined;
  try {
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  } finally {
    if (stats) clearInterval(stats);
    close();
    await connection.close();
    await encryption.close();
    await pool.end();
  }
}

/**
 * One JSON line every intervalMs on stdout, `worker-stats {...}`: memory and the SDK's counters,
 * for an operator's log shipper and for `npm run bench` (memory per cached and per open account).
 * The first line comes at once (the topology waits for it as the sign that the worker polls).
 */
export function reportWorkerStats(worker: Worker, intervalMs: number): NodeJS.Timeout {
  // Under `node --expose-gc` (the bench sets it) a full collection runs first, so the heap figure is
  // what the worker really retains, not garbage waiting for the next collection.
  const gc = (globalThis as { gc?: () => void }).gc;
  const report = () => {
    gc?.();
    const status = worker.getStatus();
    const memory = process.memoryUsage();
    const line = {
      at: new Date().toISOString(),
      pid: process.pid,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      cachedWorkflows: status.numCachedWorkflows,
      inFlightActivations: status.numInFlightWorkflowActivations,
      inFlightActivities: status.numInFlightActivities,
      state: status.runState,
    };
    process.stdout.write(`worker-stats ${JSON.stringify(line)}\n`);
  };
  const timer = setInterval(report, intervalMs);
  setImmediate(report);
  timer.unref();
  return timer;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
