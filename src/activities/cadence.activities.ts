import type { Pool } from 'pg';
import type { CadenceRepository } from '../adapters/cadence.repository';
import type { AccountProfile } from '../domain/account';
import type { Cadence } from '../domain/cadence';
import { chooseCadence } from '../domain/segmentation';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import { permanent } from './failures';

export interface ContactDecisionRecord {
  idempotencyKey: string;
  accountKey: string;
  stepId: string;
  channel: string;
  decision: 'allow' | 'defer' | 'suppress';
  rule: string;
  reason: string | null;
  deferredUntil: string | null;
  inputs: unknown;
  decidedAt: string;
}

export function createCadenceActivities(deps: { pool: Pool; cadences: CadenceRepository; creditors: CreditorDirectory }) {
  return {
    /** Segmentation: the creditor's first matching rule picks the cadence; its newest saved version is used. */
    async selectCadence(input: { account: AccountProfile; nowIso: string }): Promise<{ cadence: Cadence; rule: number | null }> {
      const own = deps.creditors.segmentation[input.account.creditorId];
      const choice = chooseCadence({ rules: own?.rules ?? [], defaultCadence: own?.defaultCadence ?? deps.creditors.defaultCadence }, input.account, input.nowIso);
      const cadence = await deps.cadences.latest(choice.cadence);
      if (!cadence) throw permanent('cadence_not_found', `cadence ${choice.cadence} (chosen for ${input.account.creditorId}/${input.account.accountId}) is not saved`);
      if (cadence.products && !cadence.products.includes(input.account.product))
        throw permanent('cadence_not_found', `cadence ${cadence.name} is for ${cadence.products.join(', ')}, not ${input.account.product}`);
      return { cadence, rule: choice.rule };
    },

    /** The newest saved version of a named cadence (for operators moving an account). */
    async loadCadence(input: { name: string; version?: number }): Promise<Cadence> {
      const cadence = input.version === undefined ? await deps.cadences.latest(input.name) : await deps.cadences.get(input.name, input.version);
      if (!cadence) throw permanent('cadence_not_found', `cadence ${input.name}${input.version ? ` v${input.version}` : ''} is not saved`);
      return cadence;
    },

    /** Appends a decision of the contact-policy gate to the proof kept in Postgres. */
    async recordContactDecision(record: ContactDecisionRecord): Promise<void> {
      await deps.pool.query(
        `INSERT INTO contact_decisions (idempotency_key, account_key, step_id, channel, decision, rule, reason, deferred_until, inputs, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (idempotency_key) DO NOTHING`,
        [record.idempotencyKey, record.accountKey, record.stepId, record.channel, record.decision, record.rule, record.reason, record.deferredUntil, JSON.stringify(record.inputs), record.decidedAt],
      );
    },
  };
}
