/**
 * The person behind a creditor's accounts: which accounts are the same debtor's (the creditor's
 * debtor id, or the same email or phone), the facts that belong to the person (opt-outs, cease
 * requests, attorney representation, conversations) and the calls placed to them, so that every
 * account of the person honours them (Reg F 1006.6, 1006.14(b)(2)).
 */
import type { Pool } from 'pg';
import type { ChannelAddress, ContactHistoryEntry } from '../domain/contact-policy';
import type { CallElsewhere } from '../domain/engine/records';

export interface DebtorLink {
  accountKey: string;
  creditorId: string;
  debtorId: string | null;
  email: string | null;
  phone: string | null;
}

export type PersonFactKind = 'opt_out' | 'cease_communication' | 'attorney_representation' | 'conversation';

/** What the person's other accounts at the creditor know, as the gate takes it. */
export interface FactsElsewhere {
  optOuts: ChannelAddress[];
  ceaseCommunication: boolean;
  attorneyRepresented: boolean;
  /** Calls placed (or call tasks created and not reported dialled) and conversations, on the other accounts. */
  calls: CallElsewhere[];
}

const normalEmail = (email: string | null) => (email ? email.trim().toLowerCase() : null);
const normalPhone = (phone: string | null) => (phone ? phone.replace(/[^\d+]/g, '') : null);

/** The accounts of the same person at the same creditor, other than `accountKey` (a CTE: `siblings(account_key)`). */
const SIBLINGS = `
  siblings AS (
    SELECT other.account_key FROM debtor_links me JOIN debtor_links other
      ON other.creditor_id = me.creditor_id AND other.account_key <> me.account_key
     AND (other.debtor_id = me.debtor_id OR other.email = me.email OR other.phone = me.phone)
     WHERE me.account_key = $1
  )`;

/** How far back calls elsewhere matter: the 7-day window and the 7 days after a conversation. */
const CALL_LOOKBACK_MS = 8 * 86_400_000;

export function createDebtorRepository(pool: Pool) {
  return {
    /** Records (or updates) who the account's debtor is. */
    async link(input: DebtorLink): Promise<void> {
      await pool.query(
        `INSERT INTO debtor_links (account_key, creditor_id, debtor_id, email, phone) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_key) DO UPDATE SET debtor_id = EXCLUDED.debtor_id, email = EXCLUDED.email, phone = EXCLUDED.phone, updated_at = now()
         WHERE debtor_links.redacted_at IS NULL`,
        [input.accountKey, input.creditorId, input.debtorId, normalEmail(input.email), normalPhone(input.phone)],
      );
    },

    /** The other accounts of the same person at the creditor. */
    async siblings(accountKey: string): Promise<string[]> {
      const { rows } = await pool.query<{ account_key: string }>(`WITH ${SIBLINGS} SELECT account_key FROM siblings ORDER BY account_key`, [accountKey]);
      return rows.map((r) => r.account_key);
    },

    /** A fact of the person's, reported on one account. */
    async recordFact(fact: { accountKey: string; kind: PersonFactKind; channel?: string | null; address?: string | null; at: string }): Promise<void> {
      await pool.query(`INSERT INTO debtor_facts (account_key, kind, channel, address, at) VALUES ($1, $2, $3, $4, $5)`, [fact.accountKey, fact.kind, fact.channel ?? null, fact.address ?? null, fact.at]);
    },

    /**
     * What the person's other accounts at the creditor know: their facts, and the calls of the 8 days
     * before `at` (the gate looks at the 7 x 24 hours before its own instant, and at the last
     * conversation's 7 days).
     */
    async factsElsewhere(accountKey: string, at: string): Promise<FactsElsewhere> {
      const since = new Date(Date.parse(at) - CALL_LOOKBACK_MS).toISOString();
      const facts = await pool.query<{ account_key: string; kind: PersonFactKind; channel: string | null; address: string | null; at: Date }>(
        `WITH ${SIBLINGS} SELECT f.account_key, f.kind, f.channel, f.address, f.at FROM debtor_facts f JOIN siblings s ON s.account_key = f.account_key
          WHERE f.redacted_at IS NULL ORDER BY f.at`,
        [accountKey],
      );
      // Allowed dials, and call tasks no one reported dialling (each counts once, when it was created).
      const calls = await pool.query<{ account_key: string; at: Date; kind: 'attempt' | 'conversation' }>(
        `WITH ${SIBLINGS}
         SELECT a.account_key, a.asked_at AS at, CASE WHEN a.outcome = 'conversation' THEN 'conversation' ELSE 'attempt' END AS kind
           FROM call_attempts a JOIN siblings s ON s.account_key = a.account_key
          WHERE a.decision = 'allow' AND a.asked_at > $2
         UNION ALL
         SELECT t.account_key, t.created_at AS at, 'attempt' AS kind
           FROM call_tasks t JOIN siblings s ON s.account_key = t.account_key
          WHERE t.created_at > $2
            AND NOT EXISTS (SELECT 1 FROM call_attempts d WHERE d.account_key = t.account_key AND d.task_id = t.idempotency_key AND d.decision = 'allow')
         ORDER BY at`,
        [accountKey, since],
      );
      const out: FactsElsewhere = { optOuts: [], ceaseCommunication: false, attorneyRepresented: false, calls: [] };
      for (const f of facts.rows) {
        if (f.kind === 'opt_out' && f.channel && f.address) out.optOuts.push({ channel: f.channel as ChannelAddress['channel'], address: f.address });
        if (f.kind === 'cease_communication') out.ceaseCommunication = true;
        if (f.kind === 'attorney_representation') out.attorneyRepresented = true;
        if (f.kind === 'conversation' && f.at.getTime() > Date.parse(since)) out.calls.push({ accountKey: f.account_key, at: f.at.toISOString(), kind: 'conversation' });
      }
      // One entry per call placed: a conversation counts as an attempt too, and starts the silence after it.
      for (const c of calls.rows) out.calls.push({ accountKey: c.account_key, at: c.at.toISOString(), kind: c.kind });
      return out;
    },
  };
}
export type DebtorRepository = ReturnType<typeof createDebtorRepository>;

/** The gate's history entries for calls elsewhere. */
export const asHistory = (calls: readonly CallElsewhere[]): ContactHistoryEntry[] => calls.map((c) => ({ channel: 'call', at: c.at, kind: c.kind }));
