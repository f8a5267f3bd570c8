import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ROOT } from './fixtures';

export const HISTORIES_DIR = join(ROOT, 'test', 'histories');
/**
 * The engine new accounts start on (the workflow's newest patch marker): recordings are named
 * after it, so those of earlier engines stay beside them and keep replaying.
 */
export const CURRENT_ENGINE = 'v3';

/**
 * With RECORD_HISTORIES=1, keeps the workflow's history for the replay suite. Record new
 * histories when behaviour changes on purpose; old ones stay, so running workflows stay safe.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${CURRENT_ENGINE}-${name}.json`), historyToJSON(await handle.fetchHistory()) + '\n');
}
