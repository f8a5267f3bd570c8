/**
 * Recorded histories of real accounts replayed against the current workflow code: a change that
 * would break a running account (non-determinism) fails here before it reaches a worker.
 * Record more with RECORD_HISTORIES=1 npm test.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import type { PayloadEncryption } from '../src/adapters/payload-encryption';
import { createTestDatabase } from './helpers/database';
import { HISTORIES_DIR } from './helpers/histories';
import { quietRuntime, testEncryption, workflowBundle } from './helpers/stack';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

// The recorded histories are in clear (recorded decoded): replayed through the product's codec, which
// passes unencrypted payloads through, as a worker reads accounts that started before encryption.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let encryption: PayloadEncryption;
before(async () => {
  db = await createTestDatabase();
  encryption = await testEncryption(db.pool);
});
after(async () => {
  await encryption?.close();
  await db?.drop();
});

describe('replay of recorded histories', () => {
  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 4, `expected recorded histories in ${HISTORIES_DIR}`);
  });
  it('a run that says engine: 3 and whose history has the engine-v3 marker replays: what a worker that does not read the field records on it', async () => {
    // In a rollout that wrote the field while older workers still polled (ENGINE_SAID_BY_INPUT), one of them runs the
    // run's first task and asks the patch live; the workers that read the field ask it too when they replay.
    quietRuntime();
    const json = JSON.parse(readFileSync(join(HISTORIES_DIR, 'v3-standard-paid-on-day-2.json'), 'utf8'));
    const input = json.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
    const patches = json.events.flatMap((e: { markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads: { data: string }[] }> } }) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch' ? [JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details!['patch-data']!.payloads[0]!.data, 'base64').toString()).id] : [],
    );
    assert.ok(patches.includes('engine-v3'), `the recording has the engine-v3 marker (${patches.join(', ')})`);
    input.data = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(input.data, 'base64').toString()), engine: 3 })).toString('base64');
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryption.dataConverter }, historyFromJSON(json), 'engine-said-over-marker');
  });
  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      quietRuntime();
      const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryption.dataConverter }, history, file.replace(/\.json$/, ''));
    });
  }
});
