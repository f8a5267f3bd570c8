import { z } from 'zod';

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

    API_PORT: port(8080),
    PUBLIC_BASE_URL: url(['http:', 'https:']),
    UNSUBSCRIBE_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').default('local-unsubscribe-link-secret')),
    PAYMENT_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').default('local-payment-webhook-secret')),
    EMAIL_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').default('local-email-webhook-secret')),

    DUNNING_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('.data')),
    DEMO: z.preprocess(emptyToUndefined, z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((v) => v === 'true')),
  })
  .superRefine((env, ctx) => {
    const twilio = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, env.TWILIO_FROM];
    if (twilio.some((v) => v !== undefined) && twilio.some((v) => v === undefined)) {
      for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const)
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'must be set together with the other TWILIO_ settings' });
    }
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

/** Parses the environment once; a wrong value throws a ConfigError naming each variable at fault. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success)
    throw new ConfigError(result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })));
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
