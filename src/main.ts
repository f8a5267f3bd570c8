/**
 * `npm start`: the whole product on one machine. Every piece not named by an environment
 * variable runs embedded: the Temporal CLI dev server with its UI, Postgres, an SMTP sink and a
 * Twilio-compatible sink on loopback. Then the worker, and (DEMO=true, the default) the demo
 * portfolio on the fast demo cadence.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startApiServer } from './api/server';
import { enrollAccounts } from './client/accounts.client';
import { registerSearchAttributes } from './client/search-attributes';
import { createFolderLetterGateway } from './adapters/letters';
import { createPool } from './adapters/postgres';
import { CADENCES_DIR, DEMO_DIR, placeDemoDebtorsInDaylight, scheduleDemoPayments } from './demo';
import { startEmbeddedPostgres } from './local/embedded-postgres';
import { startSmtpSink } from './local/smtp-sink';
import { resolveTemporalCli, startTemporalDevServer } from './local/temporal-dev-server';
import { startTwilioSink } from './local/twilio-sink';
import { parseAccountsCsv, formatRowError } from './schemas/account-csv';
import { loadCadenceFile } from './schemas/cadence.schema';
import { ConfigError, parseEnv, renderSettings } from './schemas/config.schema';
import { temporalConnectionOptions } from './temporal-connection';
import { createDunningWorker, prepareDatabase } from './worker';
import { loadCreditorDirectory } from './schemas/creditors.schema';
import { startWebhookSink } from './local/webhook-sink';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from './workflows/definitions';

const say = (line: string) => console.log(`[dunning] ${line}`);
const PROJECT_ROOT = join(__dirname, '..', '..');
/** The secret config/creditors.local.json gives its loopback webhooks. */
const LOCAL_WEBHOOK_SECRET = 'local-creditor-webhook-secret';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const env = parseEnv();
  // The SDK logs every bundle and activity at INFO; the product prints its own summary lines instead.
  Runtime.install({ logger: new DefaultLogger((process.env.LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  const dataDir = resolve(env.DUNNING_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];

  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: env.EMBEDDED_POSTGRES_PORT, database: 'dunning' });
      stops.push(db.stop);
      databaseUrl = db.url;
      say(`Postgres (embedded) at 127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}, data in ${join(dataDir, 'postgres')}`);
    }
    const pool = createPool(databaseUrl);
    stops.push(() => pool.end());
    const prepared = await prepareDatabase(pool, env.CADENCES_DIR);
    if (prepared.migrations.length > 0) say(`migrations applied: ${prepared.migrations.join(', ')}`);
    if (prepared.cadences.saved.length > 0) say(`cadences saved: ${prepared.cadences.saved.join(', ')}`);
    prepared.cadences.problems.forEach((problem) => say(`cadence NOT saved: ${problem}`));
    const creditors = loadCreditorDirectory(env.CREDITORS_FILE ?? join(PROJECT_ROOT, 'config', 'creditors.local.json'));
    if (!env.CREDITORS_FILE) {
      const sink = await startWebhookSink({ port: env.WEBHOOK_SINK_PORT, secret: LOCAL_WEBHOOK_SECRET, directory: join(dataDir, 'sinks', 'webhooks') });
      stops.push(sink.close);
      say(`creditors' systems (webhook sink) at ${sink.baseUrl}, every order kept in ${join(dataDir, 'sinks', 'webhooks')}`);
    }
    const lettersDir = env.LETTERS_DIR ?? join(dataDir, 'sinks', 'letters');
    say(`letters (print-and-mail stand-in) kept as PDF in ${lettersDir}`);

    let smtpUrl = env.SMTP_URL;
    if (!smtpUrl) {
      const sink = await startSmtpSink({ port: env.SMTP_SINK_PORT, directory: join(dataDir, 'sinks', 'email') });
      stops.push(sink.close);
      smtpUrl = sink.url;
      say(`SMTP sink at ${sink.url}, every email kept in ${sink.directory}`);
    }

    let twilio = env.TWILIO_ACCOUNT_SID
      ? { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN!, from: env.TWILIO_FROM!, apiBaseUrl: env.TWILIO_API_BASE_URL }
      : undefined;
    if (!twilio) {
      const sink = await startTwilioSink({ port: env.SMS_SINK_PORT, directory: join(dataDir, 'sinks', 'sms') });
      stops.push(sink.close);
      twilio = { accountSid: sink.accountSid, authToken: sink.authToken, from: '+15005550006', apiBaseUrl: sink.baseUrl };
      say(`Twilio-compatible SMS sink at ${sink.baseUrl}, every SMS kept in ${sink.directory}`);
    }

    let address = env.TEMPORAL_ADDRESS;
    let uiUrl: string | null = null;
    if (!address) {
      const cliPath = await resolveTemporalCli(env.TEMPORAL_CLI_PATH);
      const server = await startTemporalDevServer({
        cliPath,
        dbFile: join(dataDir, 'temporal', 'temporal.db'),
        port: env.TEMPORAL_DEV_PORT,
        uiPort: env.TEMPORAL_UI_PORT,
        namespace: env.TEMPORAL_NAMESPACE,
        searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
        logFile: join(dataDir, 'temporal', 'server.log'),
      });
      stops.push(server.stop);
      address = server.address;
      uiUrl = server.uiUrl;
      say(`Temporal dev server at ${address} (history in ${join(dataDir, 'temporal', 'temporal.db')})`);
    }

    const connectionOptions = temporalConnectionOptions(env, address);
    const workerConnection = await NativeConnection.connect(connectionOptions);
    stops.push(() => workerConnection.close());
    const { worker, close } = await createDunningWorker({
      connection: workerConnection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      pool,
      smtpUrl,
      emailFrom: env.EMAIL_FROM,
      optOutEmail: env.OPT_OUT_EMAIL,
      twilio,
      creditors,
      letters: createFolderLetterGateway(lettersDir),
      unsubscribe: { baseUrl: env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.API_PORT}`, secret: env.UNSUBSCRIBE_SECRET },
    });
    stops.push(close);
    const running = worker.run();
    say(`worker polling task queue "${env.TEMPORAL_TASK_QUEUE}" in namespace "${env.TEMPORAL_NAMESPACE}"`);

    const connection = await Connection.connect(connectionOptions);
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    // A dev server's SQLite file from an older version lacks newer search attributes; a cluster may too.
    await registerSearchAttributes(connection, env.TEMPORAL_NAMESPACE)
      .then((added) => added.length > 0 && say(`search attributes registered: ${added.join(', ')}`))
      .catch((error) => say(`could not register search attributes (${(error as Error).message}); register them as the README says`));

    const api = await startApiServer({
      client,
      pool,
      paymentWebhookSecret: env.PAYMENT_WEBHOOK_SECRET,
      twilio: { authToken: twilio.authToken, publicBaseUrl: env.PUBLIC_BASE_URL },
      paymentLinkBaseUrl: env.PAYMENT_LINK_BASE_URL,
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET,
      port: env.API_PORT,
      log: say,
    });
    stops.push(api.close);
    say(`HTTP service at ${api.url} (POST /webhooks/payments signed with PAYMENT_WEBHOOK_SECRET; POST /webhooks/twilio/sms signed by Twilio)`);

    if (env.DEMO) {
      const cadence = loadCadenceFile(join(CADENCES_DIR, 'demo.json'));
      const csv = parseAccountsCsv(readFileSync(join(DEMO_DIR, 'accounts.csv'), 'utf8'));
      csv.errors.forEach((e) => say(`demo portfolio: ${formatRowError(e)}`));
      const demo = placeDemoDebtorsInDaylight(csv.accounts.map((a) => a.account));
      say(`demo debtors placed where it is daytime now: ${demo.zones.join(', ')}`);
      const results = await enrollAccounts(client, demo.accounts, {
        cadence,
        settings: renderSettings(env),
        creditors,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
      });
      const count = (status: string) => results.filter((r) => r.status === status).length;
      say(`demo portfolio: ${count('started')} accounts enrolled, ${count('already_enrolled')} already enrolled, ${count('failed')} failed (cadence ${cadence.name} v${cadence.version})`);
      results.filter((r) => r.status === 'failed').forEach((r) => say(`  ${r.workflowId}: ${'error' in r ? r.error : ''}`));
      stops.push(scheduleDemoPayments(client, say));
    }

    say(`ready in ${Math.round((Date.now() - startedAt) / 100) / 10} s`);
    if (uiUrl) {
      const query = encodeURIComponent(`WorkflowType="accountWorkflow"`);
      say(`Temporal UI: ${uiUrl}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows?query=${query}`);
    }
    say('Stop with Ctrl-C; starting again continues the same accounts.');
    await running;
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch((error) => say(`while stopping: ${(error as Error).message}`));
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
