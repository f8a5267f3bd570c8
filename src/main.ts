/**
 * `npm start`: the whole product on one machine. Every piece not named by an environment
 * variable runs embedded: the Temporal CLI dev server with its UI, Postgres, an SMTP sink and a
 * Twilio-compatible sink on loopback. Then the worker, and (DEMO=true, the default) the demo
 * portfolio on the fast demo cadence. The start-up itself is startProduct (src/product.ts).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startProduct } from './product';
import { ConfigError, parseEnv } from './schemas/config.schema';

const say = (line: string) => console.log(`[dunning] ${line}`);

async function main(): Promise<void> {
  const startedAt = Date.now();
  const env = parseEnv();
  // The SDK logs every bundle and activity at INFO; the product prints its own summary lines instead.
  Runtime.install({ logger: new DefaultLogger((process.env.LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  const product = await startProduct({ env, log: say });
  try {
    say(`ready in ${Math.round((Date.now() - startedAt) / 100) / 10} s`);
    const uiUrl = product.uiWorkflowsUrl(`WorkflowType="accountWorkflow"`);
    if (uiUrl) say(`Temporal UI: ${uiUrl}`);
    say('Stop with Ctrl-C; starting again continues the same accounts.');
    // The Runtime stops the worker on Ctrl-C (SIGINT) or SIGTERM; then everything else stops.
    await product.running;
  } finally {
    await product.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
