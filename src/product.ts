/**
 * The whole product on one machine, as `npm start` runs it: every piece not named by a setting
 * runs embedded (the Temporal CLI dev server with its UI, Postgres, an SMTP sink, a
 * Twilio-compatible sink, the creditors' systems stand-in on loopback), then the worker, the HTTP
 * service and, when asked, the demo portfolio. `src/main.ts` is the command-line entry that calls
 * it with the environment's settings; end-to-end tests call it on free ports in a scratch folder
 * (test/helpers/product.ts).
 *
 * It does not install the Temporal SDK's Runtime (logger, shutdown signals): that belongs to the
 * process (main.ts, or the test).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { startApiServer } from './api/server';
import { createApiKeyRepository } from './adapters/api-key.repository';
import { ensureLocalApiKeys } from './local/api-keys';
import { enrollAccounts, type EnrollResult } from './client/accounts.client';
import { registerSearchAttributes } from './client/search-attributes';
import { createFolderLetterGateway } from './adapters/letters';
import { createPayloadEncryption, type PayloadEncryption } from './adapters/payload-encryption';
import { createPool } from './adapters/postgres';
import { CADENCES_DIR, DEMO_DIR, placeDemoDebtorsInDaylight, scheduleDemoPayments } from './demo';
import { startEmbeddedPostgres } from './local/embedded-postgres';
import { ensureLocalPayloadKeyFile, LOCAL_PAYLOAD_KEY_FILE } from './local/payload-keys';
import { startSmtpSink, type SmtpSink } from './local/smtp-sink';
import { resolveTemporalCli, startTemporalDevServer } from './local/temporal-dev-server';
import { startTwilioSink, type TwilioSink } from './local/twilio-sink';
import { startWebhookSink, type WebhookSink } from './local/webhook-sink';
import { parseAccountsCsv, formatRowError } from './schemas/account-csv';
import { loadCadenceFile } from './schemas/cadence.schema';
import { ConfigError, databaseTls, debtorPageBaseUrl, isEmbeddedLocalMode, loadPayloadKeyring, parseEnv, renderSettings, smtpTls, type Env } from './schemas/config.schema';
import { debtorPageSettingsFor, loadCreditorDirectory, parseCreditorDirectory, type CreditorDirectory } from './schemas/creditors.schema';
import { createPageLinkSigner } from './adapters/debtor-page.repository';
import { processorsFromDirectory } from './adapters/payment-processor';
import { startPaymentProcessorSink, type PaymentProcessorSink } from './local/payment-processor-sink';
import { temporalConnectionOptions } from './temporal-connection';
import { createDunningWorker, outsideServices, prepareDatabase, workerTuning } from './worker';
import { createOperatorKeyRepository } from './adapters/operator-key.repository';
import { createPayerClient } from './adapters/payer.client';
import { createSkipTraceClient } from './adapters/skip-trace.client';
import { ensureLocalOperatorKey } from './local/operator-key';
import { startPayerSink, type PayerSink } from './local/payer-sink';
import { startSkipTraceSink, type SkipTraceSink } from './local/skip-trace-sink';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from './workflows/definitions';

const PROJECT_ROOT = join(__dirname, '..', '..');
/** The creditor directory `npm start` uses when CREDITORS_FILE names none. */
export const LOCAL_CREDITORS_FILE = join(PROJECT_ROOT, 'config', 'creditors.local.json');
/** The secret config/creditors.local.json gives its loopback webhooks. */
const LOCAL_WEBHOOK_SECRET = 'local-creditor-webhook-secret';
/** Where config/creditors.local.json points its webhooks: the webhook sink on its default port. */
const LOCAL_WEBHOOK_BASE_URL = 'http://127.0.0.1:8027';

/** Ports of the embedded pieces; each defaults to its setting (TEMPORAL_DEV_PORT, …). */
export interface ProductPorts {
  temporal: number;
  temporalUi: number;
  /** The HTTP service (API_PORT). */
  api: number;
  smtpSink: number;
  smsSink: number;
  webhookSink: number;
  /** The loopback payment processor (PAYMENT_PROCESSOR_SINK_PORT). */
  paymentSink: number;
  /** The loopback skip-trace provider and payer (SKIP_TRACE_SINK_PORT, PAYER_SINK_PORT); unused when SKIP_TRACE_URL / PAYER_URL name real ones. */
  skipTraceSink?: number;
  payerSink?: number;
  /** The embedded Postgres (EMBEDDED_POSTGRES_PORT); unused with a databaseUrl. */
  postgres: number;
}

export interface ProductOptions {
  /** The settings, as parseEnv() reads them; default parseEnv(process.env). The options below override them. */
  env?: Env;
  /** Where embedded pieces keep their data (DUNNING_DATA_DIR). */
  dataDir?: string;
  ports?: Partial<ProductPorts>;
  /** An existing database (DATABASE_URL) instead of the embedded Postgres; migrations and cadences are applied to it. */
  databaseUrl?: string;
  /** Enroll the demo portfolio and report its payments (DEMO). */
  demo?: boolean;
  /** Each progress line, without a prefix; default: none. */
  log?: (line: string) => void;
  /** How long after a success the loopback processor's "returned later" card comes back (default 60 s). */
  paymentReturnAfterMs?: number;
  /** Run the loopback payment processor (default: only in the embedded local mode, as it takes test cards as real money). */
  loopbackPayments?: boolean;
  /**
   * Run a worker inside this process (default true). The production topology (src/topology.ts)
   * says false and runs its workers as separate processes (src/worker.ts).
   */
  inProcessWorker?: boolean;
  /** The UI of the Temporal server named by TEMPORAL_ADDRESS (a Temporal UI server), for the links printed. */
  temporalUiUrl?: string;
}

export interface Product {
  /** The settings in force, options applied. */
  settings: Env;
  dataDir: string;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** The dev server's UI (null when TEMPORAL_ADDRESS names another server). */
    uiUrl: string | null;
    /** Embedded: the Temporal CLI dev server this product started. */
    embedded: boolean;
  };
  /** A client on the product's namespace; closed by stop(). */
  client: Client;
  /** The HTTP service, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** The codec endpoint the embedded UI uses (with its operator key in the path); null when Temporal is not embedded. */
  uiCodecEndpoint: string | null;
  databaseUrl: string;
  /** The product's own pool; ended by stop(). */
  pool: Pool;
  /** Payload encryption of every Temporal connection (the data keys, the codecs). */
  encryption: PayloadEncryption;
  /** The loopback sinks started (null where a setting named a real service). */
  sinks: { smtp: SmtpSink | null; twilio: TwilioSink | null; webhooks: WebhookSink | null; lettersDir: string; payments: PaymentProcessorSink | null; skipTrace: SkipTraceSink | null; payer: PayerSink | null };
  /** Where debtors reach their page (the base of every message's signed link). */
  debtorPageUrl: string;
  /** npm start's operator key for the work queue (all local creditors), kept in the data folder; null with a real creditor directory. */
  operatorKey: string | null;
  creditors: CreditorDirectory;
  /** The in-process worker (null with inProcessWorker: false). */
  worker: Worker | null;
  /** The demo's enrollments (null without the demo). */
  demo: { results: (EnrollResult | { status: 'failed'; workflowId: string; error: string })[] } | null;
  /** The UI's workflow list, filtered by a visibility query (null without the UI). */
  uiWorkflowsUrl(query?: string): string | null;
  /** Settles when the worker stops: after stop(), or on the Runtime's shutdown signals (Ctrl-C); rejects if it fails. Without an in-process worker: after stop(). */
  running: Promise<void>;
  /** Stops the worker, then everything else in the reverse order of start. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startProduct(options: ProductOptions = {}): Promise<Product> {
  const say = options.log ?? (() => undefined);
  const base = options.env ?? parseEnv();
  const ports = options.ports ?? {};
  const env: Env = {
    ...base,
    DUNNING_DATA_DIR: options.dataDir ?? base.DUNNING_DATA_DIR,
    DATABASE_URL: options.databaseUrl ?? base.DATABASE_URL,
    DEMO: options.demo ?? base.DEMO,
    TEMPORAL_DEV_PORT: ports.temporal ?? base.TEMPORAL_DEV_PORT,
    TEMPORAL_UI_PORT: ports.temporalUi ?? base.TEMPORAL_UI_PORT,
    API_PORT: ports.api ?? base.API_PORT,
    SMTP_SINK_PORT: ports.smtpSink ?? base.SMTP_SINK_PORT,
    SMS_SINK_PORT: ports.smsSink ?? base.SMS_SINK_PORT,
    WEBHOOK_SINK_PORT: ports.webhookSink ?? base.WEBHOOK_SINK_PORT,
    PAYMENT_PROCESSOR_SINK_PORT: ports.paymentSink ?? base.PAYMENT_PROCESSOR_SINK_PORT,
    SKIP_TRACE_SINK_PORT: ports.skipTraceSink ?? base.SKIP_TRACE_SINK_PORT,
    PAYER_SINK_PORT: ports.payerSink ?? base.PAYER_SINK_PORT,
    EMBEDDED_POSTGRES_PORT: ports.postgres ?? base.EMBEDDED_POSTGRES_PORT,
  };
  const dataDir = resolve(env.DUNNING_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];
  let running: Promise<void> | undefined;
  let worker: Worker | undefined;
  let stopping: Promise<void> | undefined;
  let stopped: () => void = () => undefined;

  const stop = () => {
    stopping ??= (async () => {
      if (worker && running) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined); // the caller of running sees its failure
      }
      for (const step of stops.reverse()) await Promise.resolve().then(step).catch((error) => say(`while stopping: ${(error as Error).message}`));
      stopped();
    })();
    return stopping;
  };

  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: env.EMBEDDED_POSTGRES_PORT, database: 'dunning' });
      stops.push(db.stop);
      databaseUrl = db.url;
      say(`Postgres (embedded) at 127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}, data in ${db.dataDir}`);
    }
    // DATABASE_TLS and SMTP_TLS apply to the servers named by DATABASE_URL and SMTP_URL, not to the embedded loopback ones.
    const pool = createPool(databaseUrl, env.DATABASE_POOL_MAX, env.DATABASE_URL ? databaseTls(env) : null);
    stops.push(() => pool.end());
    const prepared = await prepareDatabase(pool, env.CADENCES_DIR);
    if (prepared.migrations.length > 0) say(`migrations applied: ${prepared.migrations.join(', ')}`);
    if (prepared.cadences.saved.length > 0) say(`cadences saved: ${prepared.cadences.saved.join(', ')}`);
    prepared.cadences.problems.forEach((problem) => say(`cadence NOT saved: ${problem}`));

    // Payload encryption: configured master keys, else (embedded Temporal only) a key file made once in the data folder.
    const localKeyFile = join(dataDir, LOCAL_PAYLOAD_KEY_FILE);
    if (!env.PAYLOAD_KEYS && !env.PAYLOAD_KEYS_FILE) {
      if (env.TEMPORAL_ADDRESS) throw new ConfigError([{ variable: 'PAYLOAD_KEYS', message: 'a Temporal server other than the embedded one needs PAYLOAD_KEYS or PAYLOAD_KEYS_FILE (the master keys of payload encryption)' }]);
      if (ensureLocalPayloadKeyFile(localKeyFile)) say(`payload encryption: generated a master key in ${localKeyFile} (keep it: without it these accounts cannot be read back from Temporal; PAYLOAD_KEYS or PAYLOAD_KEYS_FILE set your own)`);
    }
    const keyring = loadPayloadKeyring(env, localKeyFile)!;
    const encryption = await createPayloadEncryption({ pool, keyring: keyring.keys, namespace: env.TEMPORAL_NAMESPACE, listen: true, log: say });
    stops.push(() => encryption.close());
    say(`payload encryption: every Temporal payload sealed with per-account data keys, master key "${keyring.keys[0]!.id}" from ${keyring.source}`);

    let creditors: CreditorDirectory;
    let webhooks: WebhookSink | null = null;
    if (env.CREDITORS_FILE) creditors = loadCreditorDirectory(env.CREDITORS_FILE);
    else {
      webhooks = await startWebhookSink({ port: env.WEBHOOK_SINK_PORT, secret: LOCAL_WEBHOOK_SECRET, directory: join(dataDir, 'sinks', 'webhooks') });
      stops.push(webhooks.close);
      // The shipped directory points its webhooks at the sink's default port; follow the sink wherever it listens.
      const text = readFileSync(LOCAL_CREDITORS_FILE, 'utf8').replaceAll(LOCAL_WEBHOOK_BASE_URL, webhooks.baseUrl);
      creditors = parseCreditorDirectory(JSON.parse(text), LOCAL_CREDITORS_FILE);
      say(`creditors' systems (webhook sink) at ${webhooks.baseUrl}, every order kept in ${join(dataDir, 'sinks', 'webhooks')}`);
    }
    const lettersDir = env.LETTERS_DIR ?? join(dataDir, 'sinks', 'letters');
    say(`letters (print-and-mail stand-in) kept as PDF in ${lettersDir}`);

    let smtp: SmtpSink | null = null;
    let smtpUrl = env.SMTP_URL;
    if (!smtpUrl) {
      smtp = await startSmtpSink({ port: env.SMTP_SINK_PORT, directory: join(dataDir, 'sinks', 'email') });
      stops.push(smtp.close);
      smtpUrl = smtp.url;
      say(`SMTP sink at ${smtp.url}, every email kept in ${smtp.directory}`);
    }

    let twilioSink: TwilioSink | null = null;
    let twilio = env.TWILIO_ACCOUNT_SID
      ? { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN!, from: env.TWILIO_FROM!, apiBaseUrl: env.TWILIO_API_BASE_URL, statusCallbackBaseUrl: env.PUBLIC_BASE_URL }
      : undefined;
    if (!twilio) {
      twilioSink = await startTwilioSink({ port: env.SMS_SINK_PORT, directory: join(dataDir, 'sinks', 'sms') });
      stops.push(twilioSink.close);
      // The sink reports delivery to the HTTP service as Twilio would (undelivered for +1555010xxxx).
      const statusCallbackBaseUrl = env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.API_PORT}`;
      twilio = { accountSid: twilioSink.accountSid, authToken: twilioSink.authToken, from: '+15005550006', apiBaseUrl: twilioSink.baseUrl, statusCallbackBaseUrl };
      say(`Twilio-compatible SMS sink at ${twilioSink.baseUrl}, every SMS kept in ${twilioSink.directory}`);
    }

    // The loopback payment processor only in the embedded local mode: it accepts test cards, and real
    // accounts must never be "paid" with one. Its events go to this product's payment webhook.
    let paymentSink: PaymentProcessorSink | null = null;
    if (options.loopbackPayments ?? isEmbeddedLocalMode(env)) {
      paymentSink = await startPaymentProcessorSink({
        port: env.PAYMENT_PROCESSOR_SINK_PORT,
        webhookUrl: `http://127.0.0.1:${env.API_PORT}/webhooks/payments`,
        webhookSecret: env.PAYMENT_WEBHOOK_SECRET,
        directory: join(dataDir, 'sinks', 'payments'),
        returnAfterMs: options.paymentReturnAfterMs,
        log: say,
      });
      stops.push(paymentSink.close);
      say(`payment processor (loopback, test cards) at ${paymentSink.baseUrl}, every payment kept in ${join(dataDir, 'sinks', 'payments')}`);
    }
    const processors = processorsFromDirectory(creditors, { loopback: paymentSink ? { baseUrl: paymentSink.baseUrl, secretKey: paymentSink.secretKey } : undefined });
    const debtorPageUrl = debtorPageBaseUrl(env);
    const pageLinks = createPageLinkSigner({ pool, secret: env.PORTAL_SECRET, baseUrl: debtorPageUrl, linkDays: (creditorId) => debtorPageSettingsFor(creditors, creditorId).linkDays });
    // Skip tracing and insurance claims: the settings' services, else the product's own loopback ones.
    let { skipTrace, payer } = outsideServices(env);
    let skipTraceSink: SkipTraceSink | null = null;
    let payerSink: PayerSink | null = null;
    if (!skipTrace) {
      skipTraceSink = await startSkipTraceSink({ port: env.SKIP_TRACE_SINK_PORT });
      stops.push(skipTraceSink.close);
      skipTrace = createSkipTraceClient({ baseUrl: skipTraceSink.baseUrl, apiKey: skipTraceSink.apiKey });
      say(`skip-trace provider (loopback) at ${skipTraceSink.baseUrl}`);
    }
    if (!payer) {
      payerSink = await startPayerSink({ port: env.PAYER_SINK_PORT });
      stops.push(payerSink.close);
      payer = createPayerClient({ baseUrl: payerSink.baseUrl, apiKey: payerSink.apiKey });
      say(`payer (loopback, 276/277 as JSON) at ${payerSink.baseUrl}`);
    }

    let address = env.TEMPORAL_ADDRESS;
    let uiUrl: string | null = null;
    let uiCodecEndpoint: string | null = null;
    // One local operator key (data folder) for the embedded UI's codec endpoint and, with the local creditors, the work queue.
    const localOperatorKey = () => ensureLocalOperatorKey(createOperatorKeyRepository(pool), join(dataDir, 'operator-key.local.json'), env.CREDITORS_FILE ? [] : creditors.creditors.map((c) => c.id));
    if (!address) {
      // The embedded UI reads accounts through the product's codec endpoint; it has no login, so its operator key is in the URL.
      const operatorKey = await localOperatorKey();
      uiCodecEndpoint = `http://127.0.0.1:${env.API_PORT}/codec/ui/${operatorKey.key}`;
      const cliPath = await resolveTemporalCli(env.TEMPORAL_CLI_PATH);
      const server = await startTemporalDevServer({
        cliPath,
        dbFile: join(dataDir, 'temporal', 'temporal.db'),
        port: env.TEMPORAL_DEV_PORT,
        uiPort: env.TEMPORAL_UI_PORT,
        namespace: env.TEMPORAL_NAMESPACE,
        searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
        logFile: join(dataDir, 'temporal', 'server.log'),
        uiCodecEndpoint,
      });
      stops.push(server.stop);
      address = server.address;
      uiUrl = server.uiUrl;
      say(`Temporal dev server at ${address} (history in ${join(dataDir, 'temporal', 'temporal.db')})`);
    }

    const connectionOptions = temporalConnectionOptions(env, address);
    if (options.inProcessWorker ?? true) {
      const workerConnection = await NativeConnection.connect(connectionOptions);
      stops.push(() => workerConnection.close());
      const created = await createDunningWorker({
        connection: workerConnection,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        pool,
        smtpUrl,
        smtpTls: env.SMTP_URL ? smtpTls(env) : null,
        emailFrom: env.EMAIL_FROM,
        optOutEmail: env.OPT_OUT_EMAIL,
        twilio,
        creditors,
        letters: createFolderLetterGateway(lettersDir),
        unsubscribe: { baseUrl: env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.API_PORT}`, secret: env.UNSUBSCRIBE_SECRET },
        pageLinks,
        payments: processors,
        tuning: workerTuning(env),
        dataConverter: encryption.dataConverter,
        skipTrace,
        payer,
        locationBusinessName: env.VOICEMAIL_BUSINESS_NAME,
      });
      stops.push(created.close);
      worker = created.worker;
      running = worker.run();
      // Until someone awaits it, a failure of the worker must not become an unhandled rejection.
      running.catch(() => undefined);
      say(`worker polling task queue "${env.TEMPORAL_TASK_QUEUE}" in namespace "${env.TEMPORAL_NAMESPACE}"`);
    } else running = new Promise<void>((done) => (stopped = done));
    uiUrl ??= options.temporalUiUrl ?? null;

    const connection = await Connection.connect(connectionOptions);
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: encryption.dataConverter });
    // A dev server's SQLite file from an older version lacks newer search attributes; a cluster may too.
    await registerSearchAttributes(connection, env.TEMPORAL_NAMESPACE)
      .then((added) => added.length > 0 && say(`search attributes registered: ${added.join(', ')}`))
      .catch((error) => say(`could not register search attributes (${(error as Error).message}); register them as the README says`));

    let operatorKey: string | null = null;
    const allowedOrigins = env.TEMPORAL_UI_ORIGINS ?? (uiUrl ? [uiUrl, uiUrl.replace('127.0.0.1', 'localhost')] : []);
    const api = await startApiServer({
      client,
      pool,
      paymentWebhookSecret: env.PAYMENT_WEBHOOK_SECRET,
      twilio: { authToken: twilio.authToken, publicBaseUrl: env.PUBLIC_BASE_URL },
      paymentLinkBaseUrl: env.PAYMENT_LINK_BASE_URL,
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET,
      emailWebhookSecret: env.EMAIL_WEBHOOK_SECRET,
      codecEndpoint: { codec: encryption.readerCodec, namespace: env.TEMPORAL_NAMESPACE, allowedOrigins },
      enrollment: { taskQueue: env.TEMPORAL_TASK_QUEUE, settings: renderSettings(env), creditors },
      debtorPage: { secret: env.PORTAL_SECRET, baseUrl: debtorPageUrl, creditors, processors },
      port: env.API_PORT,
      log: say,
      workQueue: { secure: (env.PUBLIC_BASE_URL ?? '').startsWith('https://') },
    });
    stops.push(api.close);
    say(
      `codec endpoint ${api.url}/codec (operator keys: operator-key create)` +
        (uiCodecEndpoint ? `; the Temporal UI decrypts through it, the history holds only ciphertext` : allowedOrigins.length > 0 ? `; CORS for ${allowedOrigins.join(', ')}` : '; no UI origin allowed (TEMPORAL_UI_ORIGINS)'),
    );
    say(`HTTP service at ${api.url}: REST API /v1 with API keys (document at ${api.url}/v1/openapi.json); webhooks /webhooks/payments, /webhooks/email, /webhooks/twilio/sms and /status; the debtors' page at ${debtorPageUrl}/<token of a message's link>`);
    if (!env.CREDITORS_FILE) {
      // The local creditors get one API key each, kept in the data folder for curl (never for a real directory).
      const local = await ensureLocalApiKeys(createApiKeyRepository(pool), creditors.creditors.map((c) => c.id), join(dataDir, 'api-keys.local.json'));
      say(`API keys of the local creditors in ${local.file}${local.created.length > 0 ? ` (new: ${local.created.join(', ')})` : ''}`);
      operatorKey = (await localOperatorKey()).key;
      say(`work queue at ${api.url}/queue; the local operator key is in ${join(dataDir, 'operator-key.local.json')}`);
    }

    let demo: Product['demo'] = null;
    if (env.DEMO) {
      const cadence = loadCadenceFile(join(CADENCES_DIR, 'demo.json'));
      const csv = parseAccountsCsv(readFileSync(join(DEMO_DIR, 'accounts.csv'), 'utf8'));
      csv.errors.forEach((e) => say(`demo portfolio: ${formatRowError(e)}`));
      const placed = placeDemoDebtorsInDaylight(csv.accounts.map((a) => a.account));
      say(`demo debtors placed where it is daytime now: ${placed.zones.join(', ')}`);
      const results = await enrollAccounts(client, placed.accounts, {
        cadence,
        settings: renderSettings(env),
        creditors,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
      });
      const count = (status: string) => results.filter((r) => r.status === status).length;
      say(`demo portfolio: ${count('started')} accounts enrolled, ${count('already_enrolled')} already enrolled, ${count('failed')} failed (cadence ${cadence.name} v${cadence.version})`);
      results.filter((r) => r.status === 'failed').forEach((r) => say(`  ${r.workflowId}: ${'error' in r ? r.error : ''}`));
      stops.push(scheduleDemoPayments(client, say));
      demo = { results };
    }

    return {
      settings: env,
      dataDir,
      temporal: { address, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, uiUrl, embedded: env.TEMPORAL_ADDRESS === undefined },
      client,
      apiUrl: api.url,
      uiCodecEndpoint,
      databaseUrl,
      pool,
      encryption,
      sinks: { smtp, twilio: twilioSink, webhooks, lettersDir, payments: paymentSink, skipTrace: skipTraceSink, payer: payerSink },
      debtorPageUrl,
      operatorKey,
      creditors,
      worker: worker ?? null,
      demo,
      uiWorkflowsUrl: (query?: string) =>
        uiUrl && `${uiUrl}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE)}/workflows${query ? `?query=${encodeURIComponent(query)}` : ''}`,
      running,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
