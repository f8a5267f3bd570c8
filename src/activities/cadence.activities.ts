import type { Pool } from 'pg';
import type { CadenceRepository } from '../adapters/cadence.repository';
import type { AccountProfile } from '../domain/account';
import type { Cadence } from '../domain/cadence';
import type { CallAttemptSnapshot } from '../domain/engine';
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
  /** Appends a decision of the contact-policy gate to the proof kept in Postgres. */
  const recordContactDecision = async (record: ContactDecisionRecord): Promise<void> => {
    await deps.pool.query(
      `INSERT INTO contact_decisions (idempotency_key, account_key, step_id, channel, decision, rule, reason, deferred_until, inputs, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (idempotency_key) DO NOTHING`,
      [record.idempotencyKey, record.accountKey, record.stepId, record.channel, record.decision, record.rule, record.reason, record.deferredUntil, JSON.stringify(record.inputs), record.decidedAt],
    );
  };
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

    recordContactDecision,

    /** A call a person asked to place: the gate's decision as proof (once), and the attempt as it stands now (its outcome once reported). */
    async recordCallAttempt(snapshot: CallAttemptSnapshot): Promise<void> {
      const a = snapshot.attempt;
      if (snapshot.decision)
        await recordContactDecision({ idempotencyKey: snapshot.decision.decisionKey, accountKey: snapshot.accountKey, stepId: `dial-${a.id}`, channel: 'call', decision: a.decision, rule: a.rule, reason: a.reason, deferredUntil: a.until, inputs: snapshot.decision.request, decidedAt: a.at });
      await deps.pool.query(
        `INSERT INTO call_attempts (account_key, attempt_id, creditor_id, task_id, phone, operator, decision, rule, asked_at, outcome, outcome_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (account_key, attempt_id) DO UPDATE SET outcome = EXCLUDED.outcome, outcome_at = EXCLUDED.outcome_at, note = EXCLUDED.note`,
        [snapshot.accountKey, a.id, snapshot.creditorId, a.taskId, a.phone, a.operator, a.decision, a.rule, a.at, a.outcome, a.outcomeAt, a.note],
      );
    },
  };
}
