/**
 * The product as `npm start` runs it (src/product.ts), for end-to-end tests: on free loopback
 * ports, its data in a scratch folder, on a fresh database of the suite's Postgres (no second
 * embedded Postgres), demo off unless asked. The settings come from defaults only, not from the
 * test process's environment (but for the Temporal CLI the runner found), so a stray
 * TEMPORAL_ADDRESS or SMTP_URL cannot point it elsewhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProduct, type Product, type ProductPorts } from '../../src/product';
import { parseEnv } from '../../src/schemas/config.schema';
import { createTestDatabase } from './database';
import { ROOT } from './fixtures';
import { quietRuntime } from './stack';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export interface TestProduct extends Product {
  /** The free ports it was started on. */
  ports: Omit<ProductPorts, 'postgres'>;
  /** Every progress line the product printed (`npm start` prefixes them with [dunning]). */
  lines: string[];
  /** Stops the product, drops its database and removes its data folder (kept with KEEP_TEST_DATA=1). */
  stop(): Promise<void>;
}

export async function startTestProduct(options: { demo?: boolean; env?: Record<string, string>; log?: (line: string) => void; paymentReturnAfterMs?: number } = {}): Promise<TestProduct> {
  quietRuntime();
  const dataDir = mkdtempSync(join(tmpdir(), 'dunning-product-'));
  const database = await createTestDatabase();
  const ports = {
    temporal: await freePort(),
    temporalUi: await freePort(),
    api: await freePort(),
    smtpSink: await freePort(),
    smsSink: await freePort(),
    webhookSink: await freePort(),
    paymentSink: await freePort(),
    skipTraceSink: await freePort(),
    payerSink: await freePort(),
  };
  const lines: string[] = [];
  const cleanUp = async () => {
    await database.drop().catch(() => undefined);
    if (process.env.KEEP_TEST_DATA !== '1') rmSync(dataDir, { recursive: true, force: true });
  };
  let product: Product;
  try {
    product = await startProduct({
      env: parseEnv({
        TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
        CADENCES_DIR: join(ROOT, 'cadences'),
        ...options.env,
      }),
      dataDir,
      ports,
      databaseUrl: database.url,
      demo: options.demo ?? false,
      paymentReturnAfterMs: options.paymentReturnAfterMs,
      // The suite's Postgres is named by a URL, but this is still a test: the loopback processor runs.
      loopbackPayments: true,
      log: (line) => {
        lines.push(line);
        options.log?.(line);
      },
    });
  } catch (error) {
    await cleanUp();
    throw new Error(`the product did not start: ${(error as Error).message}\n${lines.map((l) => `  [dunning] ${l}`).join('\n')}`, { cause: error });
  }
  let stopped: Promise<void> | undefined;
  return {
    ...product,
    ports,
    lines,
    stop: () => (stopped ??= product.stop().finally(cleanUp)),
  };
}
