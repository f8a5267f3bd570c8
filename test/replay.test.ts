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
  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      quietRuntime();
      const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryption.dataConverter }, history, file.replace(/\.json$/, ''));
    });
  }
});
