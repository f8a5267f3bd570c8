import { readFileSync } from 'node:fs';
import type { Env } from './schemas/config.schema';

/** Connection settings for a self-hosted cluster (mTLS) or Temporal Cloud (API key), from the environment. */
export function temporalConnectionOptions(env: Env, address: string) {
  const mtls = env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
    ? { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) }
    : undefined;
  const useTls = env.TEMPORAL_TLS || mtls !== undefined || env.TEMPORAL_API_KEY !== undefined;
  return {
    address,
    tls: useTls
      ? {
          clientCertPair: mtls,
          serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: env.TEMPORAL_TLS_CA_PATH ? readFileSync(env.TEMPORAL_TLS_CA_PATH) : undefined,
        }
      : undefined,
    apiKey: env.TEMPORAL_API_KEY,
    metadata: env.TEMPORAL_API_KEY ? { 'temporal-namespace': env.TEMPORAL_NAMESPACE } : undefined,
  };
}
