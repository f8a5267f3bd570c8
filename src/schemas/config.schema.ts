import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { E164 } from './text';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const port = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number({ error: 'must be a port number' }).int('must be a whole port number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535').default(fallback));
const count = (fallback: number, min = 0) =>
  z.preprocess(emptyToUndefined, z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be ${min} or more`).default(fallback));
const bool = z.preprocess(
  emptyToUndefined,
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
);
const url = (protocols: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, `must be a URL starting with ${protocols.join(' or ')}//`)
      .optional(),
  );

/** A master key of PAYLOAD_KEYS / PAYLOAD_KEYS_FILE: an id (kept beside each data key it wraps) and 32 bytes. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/**
 * A keyring, newest first: `id:base64key` entries separated by commas or new lines (a key file may
 * hold `#` comments). Each key is 32 random bytes (AES-256), e.g. `openssl rand -base64 32`.
 * Throws a message without any key material in it.
 */
export function parsePayloadKeyring(text: string): MasterKey[] {
  const entries = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*$/, '').split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('holds no key (expected id:base64key, newest first)');
  const keys: MasterKey[] = [];
  entries.forEach((entry, i) => {
    const match = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/_-]+={0,2})$/.exec(entry);
    if (!match) throw new Error(`entry ${i + 1} is not id:base64key (id of letters, digits, . _ -)`);
    const key = Buffer.from(match[2]!, 'base64');
    if (key.length !== 32) throw new Error(`key "${match[1]}" is ${key.length} bytes; a key is 32 random bytes in base64 (openssl rand -base64 32)`);
    if (keys.some((k) => k.id === match[1])) throw new Error(`key id "${match[1]}" appears twice`);
    keys.push({ id: match[1]!, key });
  });
  return keys;
}

const keyring = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .transform((text, ctx) => {
      try {
        return parsePayloadKeyring(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
);

/**
 * The secrets' values on embedded defaults. They are printed in the README, so anyone could sign
 * a payment webhook or an unsubscribe link with them: outside the embedded local mode they are
 * refused (see deploymentProblems).
 */
export const SHIPPED_SECRETS = {
  UNSUBSCRIBE_SECRET: 'local-unsubscribe-link-secret',
  PAYMENT_WEBHOOK_SECRET: 'local-payment-webhook-secret',
  EMAIL_WEBHOOK_SECRET: 'local-email-webhook-secret',
  PORTAL_SECRET: 'local-debtor-page-secret',
} as const;
type SecretName = keyof typeof SHIPPED_SECRETS;
const secret = (name: SecretName) => z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').default(SHIPPED_SECRETS[name]));

/**
 * Every setting the product reads from its environment. Anything unset falls back to an
 * embedded default (dev server, embedded Postgres, loopback sinks) when the process runs them.
 */
export const envSchema = z
  .object({
    TEMPORAL_ADDRESS: z.preprocess(emptyToUndefined, z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233').optional()),
    TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().default('default')),
    TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().default('dunning')),
    TEMPORAL_API_KEY: optionalString,
    TEMPORAL_TLS: bool,
    TEMPORAL_TLS_CERT_PATH: optionalString,
    TEMPORAL_TLS_KEY_PATH: optionalString,
    TEMPORAL_TLS_CA_PATH: optionalString,
    TEMPORAL_TLS_SERVER_NAME: optionalString,
    TEMPORAL_CLI_PATH: optionalString,
    TEMPORAL_DEV_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),

    DATABASE_URL: url(['postgres:', 'postgresql:']),
    /** Connections each worker or service process keeps to Postgres (README, Tuning). */
    DATABASE_POOL_MAX: count(20, 1),

    /** Worker tuning (README, Tuning): workflows kept in memory, task slots, pollers, a periodic stats line. */
    WORKER_MAX_CACHED_WORKFLOWS: count(500),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count(40, 2),
    WORKER_MAX_CONCURRENT_ACTIVITIES: count(40, 1),
    WORKER_WORKFLOW_TASK_POLLERS: count(8, 1),
    WORKER_ACTIVITY_TASK_POLLERS: count(8, 1),
    WORKER_STATS_INTERVAL_MS: count(0),
    EMBEDDED_POSTGRES_PORT: port(54329),

    SMTP_URL: url(['smtp:', 'smtps:']),
    SMTP_SINK_PORT: port(2525),
    EMAIL_FROM: z.preprocess(emptyToUndefined, z.string().default('Collections <collections@example.test>')),
    OPT_OUT_EMAIL: z.preprocess(emptyToUndefined, z.email({ error: 'must be an email address' }).default('optout@example.test')),
    COLLECTOR_NAME: z.preprocess(emptyToUndefined, z.string().min(1).default('Dunning Collections')),
    VOICEMAIL_BUSINESS_NAME: z.preprocess(
      emptyToUndefined,
      z.string().refine((v) => !/\b(debt|collect\w*|account|credit\w*|loan|recovery)\b/i.test(v), 'must not say debt collection (Reg F 1006.2(j) limited-content message)').default('Client Services'),
    ),
    CALLBACK_PHONE: z.preprocess(emptyToUndefined, z.string().regex(/^\+?[0-9 ()-]{7,20}$/, 'must be a phone number').default('+1 555 555 0100')),
    PAYMENT_LINK_BASE_URL: url(['http:', 'https:']),

    TWILIO_ACCOUNT_SID: z.preprocess(emptyToUndefined, z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional()),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM: z.preprocess(emptyToUndefined, z.string().regex(E164, 'must be an E.164 number such as +15005550006').optional()),
    TWILIO_API_BASE_URL: url(['http:', 'https:']),
    SMS_SINK_PORT: port(8026),

    CREDITORS_FILE: optionalString,
    CADENCES_DIR: z.preprocess(emptyToUndefined, z.string().default('cadences')),
    LETTERS_DIR: optionalString,
    WEBHOOK_SINK_PORT: port(8027),

    SKIP_TRACE_URL: url(['http:', 'https:']),
    SKIP_TRACE_API_KEY: optionalString,
    SKIP_TRACE_SINK_PORT: port(8028),
    PAYER_URL: url(['http:', 'https:']),
    PAYER_API_KEY: optionalString,
    PAYER_SINK_PORT: port(8029),

    API_PORT: port(8080),
    PUBLIC_BASE_URL: url(['http:', 'https:']),
    UNSUBSCRIBE_SECRET: secret('UNSUBSCRIBE_SECRET'),
    PAYMENT_WEBHOOK_SECRET: secret('PAYMENT_WEBHOOK_SECRET'),
    EMAIL_WEBHOOK_SECRET: secret('EMAIL_WEBHOOK_SECRET'),
    PORTAL_SECRET: secret('PORTAL_SECRET'),
    PAYMENT_PROCESSOR_SINK_PORT: port(8030),

    DUNNING_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('.data')),
    DEMO: z.preprocess(emptyToUndefined, z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((v) => v === 'true')),

    // Payload encryption (README, Personal data in Temporal): master keys, newest first.
    PAYLOAD_KEYS: keyring,
    PAYLOAD_KEYS_FILE: optionalString,
    /** Origins of the Temporal UI allowed to call the codec endpoint (CORS), comma-separated; default the embedded UI's. */
    TEMPORAL_UI_ORIGINS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
        .refine((origins) => origins.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'must be origins like https://temporal-ui.example.com, comma-separated (scheme and host, no path)')
        .optional(),
    ),

    // TLS required on the connections to Postgres and SMTP (Temporal: TEMPORAL_TLS above).
    DATABASE_TLS: bool,
    DATABASE_TLS_CA_PATH: optionalString,
    SMTP_TLS: bool,
    SMTP_TLS_CA_PATH: optionalString,
  })
  .superRefine((env, ctx) => {
    const twilio = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, env.TWILIO_FROM];
    if (twilio.some((v) => v !== undefined) && twilio.some((v) => v === undefined)) {
      for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const)
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'must be set together with the other TWILIO_ settings' });
    }
    for (const [url, key] of [['SKIP_TRACE_URL', 'SKIP_TRACE_API_KEY'], ['PAYER_URL', 'PAYER_API_KEY']] as const)
      if ((env[url] === undefined) !== (env[key] === undefined)) ctx.addIssue({ code: 'custom', path: [env[url] ? key : url], message: `must be set together with ${env[url] ? url : key}` });
    if ((env.TEMPORAL_TLS_CERT_PATH === undefined) !== (env.TEMPORAL_TLS_KEY_PATH === undefined))
      ctx.addIssue({ code: 'custom', path: [env.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'], message: 'mTLS needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH' });
    if (env.PAYLOAD_KEYS !== undefined && env.PAYLOAD_KEYS_FILE !== undefined)
      ctx.addIssue({ code: 'custom', path: ['PAYLOAD_KEYS_FILE'], message: 'set PAYLOAD_KEYS or PAYLOAD_KEYS_FILE, not both' });
    if (env.DATABASE_TLS_CA_PATH !== undefined && !env.DATABASE_TLS)
      ctx.addIssue({ code: 'custom', path: ['DATABASE_TLS'], message: 'must be true when DATABASE_TLS_CA_PATH is set' });
    if (env.SMTP_TLS_CA_PATH !== undefined && !env.SMTP_TLS)
      ctx.addIssue({ code: 'custom', path: ['SMTP_TLS'], message: 'must be true when SMTP_TLS_CA_PATH is set' });
  });

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Who reads the settings: `product` is `npm start` (src/main.ts: the HTTP service, the worker, the
 * demo), `worker` a standalone worker (src/worker.ts: it signs unsubscribe links), `cli` the
 * command line (it serves nothing and signs nothing).
 */
export type SettingsRole = 'product' | 'worker' | 'cli';

/** Settings that name a real server or provider: with any of them set, the process is not the embedded local mode. */
export const REAL_SERVER_SETTINGS = ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'TWILIO_ACCOUNT_SID'] as const;

/** Embedded local mode: every piece is the embedded one (dev server, embedded Postgres, loopback sinks). */
export function isEmbeddedLocalMode(env: Pick<Env, (typeof REAL_SERVER_SETTINGS)[number]>): boolean {
  return REAL_SERVER_SETTINGS.every((name) => env[name] === undefined);
}

const isSet = (source: NodeJS.ProcessEnv, name: string) => (source[name] ?? '').trim() !== '';

/**
 * What must not go out of the embedded local mode: the secrets printed in the README (anyone
 * could forge a payment, an opt-out or a reply with them), links and signatures on plain http,
 * and the demo portfolio enrolled because nobody said otherwise (DEMO defaults to true, and would
 * enroll fictitious debtors into the real ledger and text their numbers).
 */
export function deploymentProblems(env: Env, source: NodeJS.ProcessEnv, role: SettingsRole): { variable: string; message: string }[] {
  if (role === 'cli' || isEmbeddedLocalMode(env)) return [];
  const named = REAL_SERVER_SETTINGS.filter((name) => env[name] !== undefined).join(', ');
  const why = `(${named} ${named.includes(',') ? 'name real servers' : 'names a real server'}, so this is not the embedded local mode)`;
  const problems: { variable: string; message: string }[] = [];
  const ownSecret = (name: SecretName) => {
    if (!isSet(source, name)) problems.push({ variable: name, message: `must be set to a secret of your own ${why}` });
    else if (env[name] === SHIPPED_SECRETS[name]) problems.push({ variable: name, message: `must not be the value printed in the README ${why}` });
  };
  const httpsBase = (required: boolean) => {
    if (env.PUBLIC_BASE_URL === undefined) {
      if (required) problems.push({ variable: 'PUBLIC_BASE_URL', message: `must be set to the https URL Twilio and debtors reach the service at ${why}` });
    } else if (new URL(env.PUBLIC_BASE_URL).protocol !== 'https:') problems.push({ variable: 'PUBLIC_BASE_URL', message: `must start with https:// ${why}` });
  };
  const httpsPageBase = () => {
    if (env.PAYMENT_LINK_BASE_URL !== undefined && new URL(env.PAYMENT_LINK_BASE_URL).protocol !== 'https:') problems.push({ variable: 'PAYMENT_LINK_BASE_URL', message: `must start with https:// ${why}` });
  };
  if (role === 'product') {
    ownSecret('PAYMENT_WEBHOOK_SECRET');
    ownSecret('EMAIL_WEBHOOK_SECRET');
    ownSecret('UNSUBSCRIBE_SECRET');
    ownSecret('PORTAL_SECRET');
    httpsBase(true);
    httpsPageBase();
    if (!isSet(source, 'DEMO')) problems.push({ variable: 'DEMO', message: `must be set explicitly (false for real accounts; true enrolls the demo portfolio into this database) ${why}` });
  } else {
    // A standalone worker signs unsubscribe links only when PUBLIC_BASE_URL is set.
    httpsBase(false);
    httpsPageBase();
    if (env.PUBLIC_BASE_URL !== undefined) ownSecret('UNSUBSCRIBE_SECRET');
    // With a public address it signs the links to the debtor's page into every message.
    if (env.PUBLIC_BASE_URL !== undefined || env.PAYMENT_LINK_BASE_URL !== undefined) ownSecret('PORTAL_SECRET');
  }
  return problems;
}

/**
 * Parses the environment once; a wrong value throws a ConfigError naming each variable at fault,
 * and so does anything deploymentProblems finds for the process's role.
 */
export function parseEnv(source: NodeJS.ProcessEnv = process.env, role: SettingsRole = 'product'): Env {
  const result = envSchema.safeParse(source);
  if (!result.success)
    throw new ConfigError(result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })));
  const problems = deploymentProblems(result.data, source, role);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/**
 * The master keys in force: PAYLOAD_KEYS, else the file PAYLOAD_KEYS_FILE names, else `fallbackFile`
 * when it exists (the key file `npm start` keeps in its data folder); null when there are none.
 * A file that cannot be read or parsed is a ConfigError naming the variable.
 */
export function loadPayloadKeyring(env: Pick<Env, 'PAYLOAD_KEYS' | 'PAYLOAD_KEYS_FILE'>, fallbackFile?: string): { keys: MasterKey[]; source: string } | null {
  if (env.PAYLOAD_KEYS) return { keys: env.PAYLOAD_KEYS, source: 'PAYLOAD_KEYS' };
  const file = env.PAYLOAD_KEYS_FILE ?? fallbackFile;
  if (file === undefined) return null;
  const variable = env.PAYLOAD_KEYS_FILE ? 'PAYLOAD_KEYS_FILE' : 'the local key file';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!env.PAYLOAD_KEYS_FILE && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError([{ variable, message: `cannot read ${file}: ${(error as Error).message}` }]);
  }
  try {
    return { keys: parsePayloadKeyring(text), source: file };
  } catch (error) {
    throw new ConfigError([{ variable, message: `${file} ${(error as Error).message}` }]);
  }
}

/** A connection that must use TLS, its server certificate checked against the system's CAs or `ca`. */
export interface TlsRequirement {
  /** PEM of the CA (or self-signed certificate) to trust instead of the system's. */
  ca?: string;
}

function tlsRequirement(required: boolean, caPath: string | undefined, variable: string): TlsRequirement | null {
  if (!required) return null;
  if (caPath === undefined) return {};
  try {
    return { ca: readFileSync(caPath, 'utf8') };
  } catch (error) {
    throw new ConfigError([{ variable, message: `cannot read ${caPath}: ${(error as Error).message}` }]);
  }
}

/** DATABASE_TLS: Postgres only over verified TLS (null: as DATABASE_URL says). */
export const databaseTls = (env: Pick<Env, 'DATABASE_TLS' | 'DATABASE_TLS_CA_PATH'>) => tlsRequirement(env.DATABASE_TLS, env.DATABASE_TLS_CA_PATH, 'DATABASE_TLS_CA_PATH');
/** SMTP_TLS: mail only over verified TLS, smtps:// or STARTTLS (null: as SMTP_URL says). */
export const smtpTls = (env: Pick<Env, 'SMTP_TLS' | 'SMTP_TLS_CA_PATH'>) => tlsRequirement(env.SMTP_TLS, env.SMTP_TLS_CA_PATH, 'SMTP_TLS_CA_PATH');

/** What every enrolled account is given for rendering its messages. */
export function renderSettings(env: Env) {
  return {
    paymentLinkBaseUrl: debtorPageBaseUrl(env),
    optOutEmail: env.OPT_OUT_EMAIL,
    collectorName: env.COLLECTOR_NAME,
    voicemailBusinessName: env.VOICEMAIL_BUSINESS_NAME,
    callbackPhone: env.CALLBACK_PHONE,
  };
}

/**
 * Where the debtor's page is reached: the base of every {{paymentLink}} (the worker appends each
 * message's signed token). PAYMENT_LINK_BASE_URL, else PUBLIC_BASE_URL + /p, else the service's
 * own loopback URL + /p (embedded local mode).
 */
export function debtorPageBaseUrl(env: Pick<Env, 'PAYMENT_LINK_BASE_URL' | 'PUBLIC_BASE_URL' | 'API_PORT'>): string {
  return (env.PAYMENT_LINK_BASE_URL ?? `${(env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.API_PORT}`).replace(/\/$/, '')}/p`).replace(/\/$/, '');
}
