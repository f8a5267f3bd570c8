/**
 * Composition root of a worker: configuration → adapters → activities → Worker.
 * Run it alone (`node dist/src/worker.js`) as one of many worker processes against a cluster;
 * `npm start` runs one in-process on the embedded defaults.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from './activities';
import { createPool, runMigrations } from './adapters/postgres';
import { createSmtpMailer } from './adapters/smtp.mailer';
import { createTwilioSmsGateway, type TwilioSettings } from './adapters/twilio.sms';
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
}

export async function createDunningWorker(settings: WorkerSettings): Promise<{ worker: Worker; close(): void }> {
  const mailer = createSmtpMailer(settings.smtpUrl, settings.emailFrom);
  const activities = createActivities({
    pool: settings.pool,
    mailer,
    sms: createTwilioSmsGateway(settings.twilio),
    optOutEmail: settings.optOutEmail,
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

export function requireForStandaloneWorker(env: Env) {
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID'] as const).filter((name) => env[name] === undefined);
  if (missing.length > 0)
    throw new Error(`A standalone worker needs ${missing.join(', ')} (and TWILIO_AUTH_TOKEN, TWILIO_FROM); use \`npm start\` for the embedded defaults.`);
  return {
    address: env.TEMPORAL_ADDRESS!,
    databaseUrl: env.DATABASE_URL!,
    smtpUrl: env.SMTP_URL!,
    twilio: { accountSid: env.TWILIO_ACCOUNT_SID!, authToken: env.TWILIO_AUTH_TOKEN!, from: env.TWILIO_FROM!, apiBaseUrl: env.TWILIO_API_BASE_URL },
  };
}

async function main(): Promise<void> {
  const env = parseEnv();
  const required = requireForStandaloneWorker(env);
  const pool = createPool(required.databaseUrl);
  await runMigrations(pool);
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
