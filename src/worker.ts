/**
 * Composition root of a worker: configuration → adapters → activities → Worker.
 * Run it alone (`node dist/src/worker.js`) as one of many worker processes against a cluster;
 * `npm start` runs one in-process on the embedded defaults.
 */
import { resolve } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from './activities';
import { createCadenceRepository } from './adapters/cadence.repository';
import { createFolderLetterGateway, type LetterGateway } from './adapters/letters';
import { createPool, runMigrations } from './adapters/postgres';
import { createSmtpMailer } from './adapters/smtp.mailer';
import { createTwilioSmsGateway, type TwilioSettings } from './adapters/twilio.sms';
import { syncCadenceFiles, type SyncReport } from './client/cadences';
import { loadCreditorDirectory, type CreditorDirectory } from './schemas/creditors.schema';
import { parseEnv, type Env } from './schemas/config.schema';
import { temporalConnectionOptions } from './temporal-connection';

export interface WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  smtpUrl: string;
  emailFrom: string;
  optOutEmail: string;
  twilio: TwilioSettings;
  creditors: CreditorDirectory;
  letters: LetterGateway;
  unsubscribe?: { baseUrl: string; secret: string };
}

export async function createDunningWorker(settings: WorkerSettings): Promise<{ worker: Worker; close(): void }> {
  const mailer = createSmtpMailer(settings.smtpUrl, settings.emailFrom);
  const activities = createActivities({
    pool: settings.pool,
    mailer,
    sms: createTwilioSmsGateway(settings.twilio),
    letters: settings.letters,
    creditors: settings.creditors,
    optOutEmail: settings.optOutEmail,
    unsubscribe: settings.unsubscribe,
  });
  const worker = await Worker.create({
    connection: settings.connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities,
  });
  return { worker, close: () => mailer.close() };
}

/**
 * Migrations, then the cadence files into the store (checked against the creditors that use them);
 * problems are reported, not fatal (saved versions stay in force).
 */
export async function prepareDatabase(pool: Pool, cadencesDir: string, creditors?: CreditorDirectory): Promise<{ migrations: string[]; cadences: SyncReport }> {
  const migrations = await runMigrations(pool);
  const cadences = await syncCadenceFiles(createCadenceRepository(pool), resolve(cadencesDir), creditors);
  return { migrations, cadences };
}

export function requireForStandaloneWorker(env: Env) {
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID', 'CREDITORS_FILE', 'LETTERS_DIR'] as const).filter((name) => env[name] === undefined);
  if (missing.length > 0)
    throw new Error(`A standalone worker needs ${missing.join(', ')} (and TWILIO_AUTH_TOKEN, TWILIO_FROM); use \`npm start\` for the embedded defaults.`);
  return {
    address: env.TEMPORAL_ADDRESS!,
    databaseUrl: env.DATABASE_URL!,
    smtpUrl: env.SMTP_URL!,
    // Delivery receipts need a URL Twilio can reach: only with PUBLIC_BASE_URL.
    twilio: { accountSid: env.TWILIO_ACCOUNT_SID!, authToken: env.TWILIO_AUTH_TOKEN!, from: env.TWILIO_FROM!, apiBaseUrl: env.TWILIO_API_BASE_URL, statusCallbackBaseUrl: env.PUBLIC_BASE_URL },
    creditorsFile: env.CREDITORS_FILE!,
    lettersDir: env.LETTERS_DIR!,
  };
}

async function main(): Promise<void> {
  const env = parseEnv();
  const required = requireForStandaloneWorker(env);
  const creditors = loadCreditorDirectory(required.creditorsFile);
  const pool = createPool(required.databaseUrl);
  const prepared = await prepareDatabase(pool, env.CADENCES_DIR, creditors);
  prepared.cadences.problems.forEach((p) => console.error(`cadence not saved: ${p}`));
  const connection = await NativeConnection.connect(temporalConnectionOptions(env, required.address));
  const { worker, close } = await createDunningWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    pool,
    smtpUrl: required.smtpUrl,
    emailFrom: env.EMAIL_FROM,
    optOutEmail: env.OPT_OUT_EMAIL,
    twilio: required.twilio,
    creditors,
    letters: createFolderLetterGateway(required.lettersDir),
    unsubscribe: env.PUBLIC_BASE_URL ? { baseUrl: env.PUBLIC_BASE_URL, secret: env.UNSUBSCRIBE_SECRET } : undefined,
  });
  try {
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  } finally {
    close();
    await connection.close();
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
