/** The benchmark's ceilings: a workflow that does nothing, and one that only takes signals. */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export async function benchNoop(): Promise<void> {
  // Nothing: its start rate is the server's and client's ceiling for starting any workflow.
}

export const benchPing = defineSignal<[number]>('benchPing');
export const benchDone = defineSignal('benchDone');

export async function benchSignalTarget(): Promise<number> {
  let pings = 0;
  let done = false;
  setHandler(benchPing, () => void (pings += 1));
  setHandler(benchDone, () => void (done = true));
  await condition(() => done);
  return pings;
}
