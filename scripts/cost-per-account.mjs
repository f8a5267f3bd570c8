// What one account costs in Temporal: history events and billable actions (Temporal Cloud's
// rules, src/tools/history-cost.ts, every run of a continue-as-new chain) for one 90-day account
// on each shipped cadence, on the
// time-skipping test server with Postgres and the sinks: enrolled, then a partial payment on day 10
// and another on day 50, then left to run to day 90.
//
//   npm run build && node scripts/cost-per-account.mjs [--json] [--trace <cadence name>]
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { temporal } = require('@temporalio/proto');
const json = process.argv.includes('--json');
/** A marker's subject in a trace: a local activity's type, a patch's id (Core writes both as JSON). */
const markerWhat = (attributes) => {
  try {
    const data = attributes.details?.data?.payloads?.[0]?.data ?? attributes.details?.['patch-data']?.payloads?.[0]?.data;
    const parsed = data ? JSON.parse(Buffer.from(data).toString('utf8')) : null;
    return parsed ? ` ${parsed.activity_type ?? parsed.activityType ?? parsed.id ?? ''}` : '';
  } catch {
    return '';
  }
};
/** --trace NAME prints that cadence's history, one event a line (type, and what it was). */
const traceIndex = process.argv.indexOf('--trace');
const trace = traceIndex > 0 ? process.argv[traceIndex + 1] : null;
const say = (line) => process.stderr.write(`[cost] ${line}\n`);

const ensure = (script) => execFileSync('bash', [join(root, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
process.env.TEMPORAL_TEST_SERVER_PATH ??= ensure('ensure-test-server.sh');

let database;
if (!process.env.TEST_DATABASE_URL) {
  const { startEmbeddedPostgres } = require(join(root, 'dist/src/local/embedded-postgres.js'));
  const { mkdtempSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const scratch = mkdtempSync(join(tmpdir(), 'dunning-cost-pg-'));
  chmodSync(scratch, 0o755);
  const { createServer } = await import('node:net');
  const port = await new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
  database = await startEmbeddedPostgres({ dataDir: join(scratch, 'data'), port, database: 'dunning_cost' });
  process.env.TEST_DATABASE_URL = database.url;
}

const { startTimeSkippingStack } = require(join(root, 'dist/test/helpers/stack.js'));
const { makeAccount, settings } = require(join(root, 'dist/test/helpers/fixtures.js'));
const { enrollAccount, reportPayment } = require(join(root, 'dist/src/client/accounts.client.js'));
const { loadCadenceFile } = require(join(root, 'dist/src/schemas/cadence.schema.js'));
const { countActions } = require(join(root, 'dist/src/tools/history-cost.js'));

const PRODUCT_FACTS = {
  utility: { serviceId: 'SVC-1' },
  auto_loan: { collateralVin: '1HGCM82633A004352' },
  medical: { insuranceClaimId: 'CLM-1' },
};

const stack = await startTimeSkippingStack();
const rows = [];
try {
  const files = readdirSync(join(root, 'cadences')).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();
  for (const file of files) {
    const cadence = loadCadenceFile(join(root, 'cadences', file));
    const product = cadence.products?.[0] ?? 'credit_card';
    // Creditor cred-test is in the test creditor directory with what letters and orders need.
    const account = makeAccount({ product, balanceMinor: 900_00, creditorId: product === 'utility' ? 'cred-metro-power' : product === 'auto_loan' ? 'cred-swift-auto' : product === 'medical' ? 'cred-valley-clinic' : 'cred-test', ...(PRODUCT_FACTS[product] ?? {}) });
    say(`${cadence.name} v${cadence.version} (${product}): enrolling, then 90 days with payments on days 10 and 50…`);
    const history = await stack.run(async () => {
      const { workflowId } = await enrollAccount(stack.client, { account, cadence, settings, taskQueue: stack.taskQueue, creditors: stack.creditors });
      const handle = stack.client.workflow.getHandle(workflowId);
      const firstRunId = (await handle.describe()).runId;
      await stack.env.sleep('10 days');
      await reportPayment(stack.client, account.creditorId, account.accountId, { paymentId: `${account.accountId}-P1`, amountMinor: 100_00, currency: 'USD' });
      await stack.env.sleep('40 days');
      await reportPayment(stack.client, account.creditorId, account.accountId, { paymentId: `${account.accountId}-P2`, amountMinor: 100_00, currency: 'USD' });
      await stack.env.sleep('40 days');
      const fetched = await handle.fetchHistory();
      const counted = await countActions(stack.client, workflowId, firstRunId);
      await handle.terminate('cost probe done').catch(() => undefined);
      return { fetched, counted };
    });
    const events = history.fetched.events ?? [];
    if (trace === cadence.name)
      for (const e of events) {
        const type = String(temporal.api.enums.v1.EventType[e.eventType] ?? e.eventType).replace('EVENT_TYPE_', '');
        const t = e.eventTime ? new Date(Number(e.eventTime.seconds) * 1000).toISOString() : '';
        const what = e.markerRecordedEventAttributes ? ` ${e.markerRecordedEventAttributes.markerName}${markerWhat(e.markerRecordedEventAttributes)}` : e.timerStartedEventAttributes ? ` ${Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0) / 3600} h` : e.activityTaskScheduledEventAttributes ? ` ${e.activityTaskScheduledEventAttributes.activityType?.name}` : e.upsertWorkflowSearchAttributesEventAttributes ? ` ${Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).join(',')}` : '';
        process.stderr.write(`  ${e.eventId} ${t} ${type}${what}\n`);
      }
    const cost = history.counted;
    rows.push({ cadence: `${cadence.name} v${cadence.version}`, product, events: cost.events, actions: cost.billableActions, actionsByKind: cost.actionsByKind, byType: cost.eventsByType });
    say(`${cadence.name}: ${cost.events} events, ${cost.billableActions} billable actions`);
  }
} finally {
  await stack.close();
  if (database) await database.stop();
}
if (json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('| cadence | product | history events | billable actions | actions by kind |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.cadence} | ${r.product} | ${r.events} | ${r.actions ?? '?'} | ${Object.entries(r.actionsByKind).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
}
