/**
 * A workflow that moves a value through every kind of payload Temporal keeps or returns (input,
 * signal, query, update, activity input and result, local activity result, workflow result), for
 * the payload-encryption test to check that each one is sealed with the workflow's own data key.
 */
import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export interface ProbeActivities {
  echo(text: string): Promise<string>;
}
export const probeSignal = defineSignal<[string]>('probeSignal');
export const probeQuery = defineQuery<string, [string]>('probeQuery');
export const probeUpdate = defineUpdate<string, [string]>('probeUpdate');

const { echo } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<ProbeActivities>({ startToCloseTimeout: '10 seconds' });

export async function probeWorkflow(input: { name: string }): Promise<string> {
  let signalled = '';
  let updated = '';
  setHandler(probeSignal, (text) => void (signalled = text));
  setHandler(probeQuery, (text) => `${input.name} ${text}`);
  setHandler(probeUpdate, (text) => (updated = `${text} updated`));
  const remote = await echo(`activity ${input.name}`);
  const nearby = await local.echo(`local ${input.name}`);
  await condition(() => signalled !== '' && updated !== '');
  return [remote, nearby, signalled, updated].join(' | ');
}
