import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { decodePayloadsIn } from '../../src/crypto/payload-json';
import { ROOT } from './fixtures';

export const HISTORIES_DIR = join(ROOT, 'test', 'histories');
/**
 * The engine new accounts start on, and how they say so: recordings are named after it, so those
 * of earlier engines stay beside them and keep replaying. `v3-*` began with the `engine-v3` patch
 * marker (enrollment today); `v3-input-*` on the same engine, said by the input (`engine: 3`) with
 * no marker. Files are never overwritten: a change of behaviour records under a new name here
 * (the engine and the change, e.g. `v3-said` once ENGINE_SAID_BY_INPUT is true).
 */
export const CURRENT_ENGINE = 'v3';

let historyCodec: PayloadCodec | undefined;
/** The codec of the test's Temporal connections (startSinks sets it): histories are recorded decoded, so they replay without this run's keys. */
export function useCodecForRecordedHistories(codec: PayloadCodec): void {
  historyCodec = codec;
}

/** The workflow's history as JSON, every payload decoded. */
export async function decodedHistoryJson(handle: WorkflowHandle, codec: PayloadCodec): Promise<unknown> {
  return decodePayloadsIn(JSON.parse(historyToJSON(await handle.fetchHistory())), codec);
}

/**
 * With RECORD_HISTORIES=1, keeps the workflow's history for the replay suite. Record new
 * histories when behaviour changes on purpose; old ones stay, so running workflows stay safe.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  if (!historyCodec) throw new Error('recordHistory: no codec (start the sinks with startSinks)');
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const file = join(HISTORIES_DIR, `${CURRENT_ENGINE}-${name}.json`);
  // A recording is what some running account did: a new one never replaces it ('wx').
  const json = JSON.stringify(await decodedHistoryJson(handle, historyCodec), null, 2) + '\n';
  try {
    writeFileSync(file, json, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new Error(`recordHistory: ${file} exists and is kept; record under a new CURRENT_ENGINE (the change's name, e.g. 'v3-dunning-fees')`);
  }
}
