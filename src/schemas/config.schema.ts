import { z } from 'zod';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const port = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number({ error: 'must be a port number' }).int('must be a whole port number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535').default(fallback));
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

/**
 * The secrets' values on embedded defaults. They are printed in the README, so anyone could sign
 * a payment webhook or an unsubscribe link with them: outside the embedded local mode they are
 * refused (see deploymentProblems).
 */
export const SHIPPED_SECRETS = {
  UNSUBSCRIBE_SECRET: 'local-unsubscribe-link-secret',
  PAYMENT_WEBHOOK_SECRET: 'local-payment-webhook-secret',
  EMAIL_WEBHOOK_SECRET: 'local-email-webhook-secret',
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
    PAYMENT_LINK_BASE_URL: z.preprocess(emptyToUndefined, z.url({ error: 'must be a URL' }).default('https://pay.example.test')),

    TWILIO_ACCOUNT_SID: z.preprocess(emptyToUndefined, z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional()),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM: z.preprocess(emptyToUndefined, z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15005550006').optional()),
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

    DUNNING_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('.data')),
    DEMO: z.preprocess(emptyToUndefined, z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((v) => v === 'true')),
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
  if (role === 'product') {
    ownSecret('PAYMENT_WEBHOOK_SECRET');
    ownSecret('EMAIL_WEBHOOK_SECRET');
    ownSecret('UNSUBSCRIBE_SECRET');
    httpsBase(true);
    if (!isSet(source, 'DEMO')) problems.push({ variable: 'DEMO', message: `must be set explicitly (false for real accounts; true enrolls the demo portfolio into this database) ${why}` });
  } else {
    // A standalone worker signs unsubscribe links only when PUBLIC_BASE_URL is set.
    httpsBase(false);
    if (env.PUBLIC_BASE_URL !== undefined) ownSecret('UNSUBSCRIBE_SECRET');
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

/** What every enrolled account is given for rendering its messages. */
export function renderSettings(env: Env) {
  return {
    paymentLinkBaseUrl: env.PAYMENT_LINK_BASE_URL,
    optOutEmail: env.OPT_OUT_EMAIL,
    collectorName: env.COLLECTOR_NAME,
    voicemailBusinessName: env.VOICEMAIL_BUSINESS_NAME,
    callbackPhone: env.CALLBACK_PHONE,
  };
}
