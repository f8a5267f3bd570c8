/**
 * Applies a credit one account holds (customer_credit, an overpayment) to another open debt of the
 * same debtor at the same creditor, in ONE database transaction: both accounts locked (in key
 * order, so two applications in opposite directions cannot deadlock), the facts read under the
 * locks, the rules of src/domain/credit-application.ts, then two ledger postings and the
 * application's row. On the source: customer_credit to credit_transfer; on the target:
 * credit_transfer to the receivable, allocated like a payment by the creditor's rule. Once per
 * application id and creditor: the same id again returns the first application, the same id with
 * other accounts or another amount is refused. A refusal posts nothing.
 */
import type { Pool, PoolClient } from 'pg';
import { allocatePayment, type Allocation, type AllocationRule } from '../domain/allocation';
import { decideCreditApplication, repeatOf, type CreditAccountFacts, type CreditApplicationRecord, type CreditWorkflowFacts } from '../domain/credit-application';
import { debtBalances, derivedBalances, insertTransaction, refundsPendingMinor } from './ledger.repository';
import { toSafeInteger, withTransaction } from './postgres';

export interface CreditApplicationRequest {
  creditorId: string;
  applicationId: string;
  sourceAccountKey: string;
  targetAccountKey: string;
  /** null: all of the credit held, up to the target's balance. */
  amountMinor: number | null;
  reason: string;
  at: string;
  /** What each account's workflow says (stage, holds): the target's null when no workflow runs; the source's null when its facts could not be read (refused). */
  workflows: { source: CreditWorkflowFacts | null; target: CreditWorkflowFacts | null };
}

export interface CreditApplicationResult extends CreditApplicationRecord {
  status: 'applied' | 'already_applied';
  /** How the amount was spread over the target's debts. */
  allocations: Allocation[];
  /** Both accounts' balances as the ledger derives them after the application. */
  source: { balanceMinor: number; creditMinor: number };
  target: { balanceMinor: number; creditMinor: number };
}

/** Thrown inside the transaction when another one took the same application id first: rolled back, then answered as a repeat. */
class TakenMeanwhile extends Error {}

const COLUMNS = `creditor_id, application_id, source_account_key, target_account_key, amount_minor, currency, applied_at, reason, target_transaction_id`;

interface ApplicationRow {
  creditor_id: string;
  application_id: string;
  source_account_key: string;
  target_account_key: string;
  amount_minor: string;
  currency: string;
  applied_at: Date;
  reason: string;
  target_transaction_id: string;
}

const record = (r: ApplicationRow): CreditApplicationRecord => ({
  creditorId: r.creditor_id,
  applicationId: r.application_id,
  sourceAccountKey: r.source_account_key,
  targetAccountKey: r.target_account_key,
  amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
  currency: r.currency,
  appliedAt: r.applied_at.toISOString(),
  reason: r.reason,
});

export function createCreditApplications(pool: Pool) {
  async function find(client: Pool | PoolClient, creditorId: string, applicationId: string): Promise<ApplicationRow | null> {
    const { rows } = await client.query<ApplicationRow>(`SELECT ${COLUMNS} FROM credit_applications WHERE creditor_id = $1 AND application_id = $2`, [creditorId, applicationId]);
    return rows[0] ?? null;
  }

  /** The first application under this id, answered as a repeat (with the balances now). */
  async function repeat(client: Pool | PoolClient, row: ApplicationRow, request: CreditApplicationRequest): Promise<CreditApplicationResult> {
    const first = repeatOf(record(row), request);
    const { rows } = await client.query<{ debt_id: string; credit_minor: string }>(`SELECT debt_id, credit_minor FROM ledger_entries WHERE transaction_id = $1 AND ledger_account = 'receivable' ORDER BY id`, [row.target_transaction_id]);
    const allocations = rows.map((r) => ({ debtId: r.debt_id, amountMinor: toSafeInteger(r.credit_minor, 'credit_minor') }));
    return { status: 'already_applied', ...first, allocations, source: await derivedBalances(client, first.sourceAccountKey), target: await derivedBalances(client, first.targetAccountKey) };
  }

  return {
    /** The application made under this id, if any. */
    async find(creditorId: string, applicationId: string): Promise<CreditApplicationRecord | null> {
      const row = await find(pool, creditorId, applicationId);
      return row ? record(row) : null;
    },

    /** The applications an account gave or received, oldest first (for its history). */
    async forAccount(accountKey: string): Promise<CreditApplicationRecord[]> {
      const { rows } = await pool.query<ApplicationRow>(`SELECT ${COLUMNS} FROM credit_applications WHERE source_account_key = $1 OR target_account_key = $1 ORDER BY applied_at, application_id`, [accountKey]);
      return rows.map(record);
    },

    async apply(request: CreditApplicationRequest): Promise<CreditApplicationResult> {
      try {
        return await withTransaction(pool, (client) => applyWithin(client, request));
      } catch (error) {
        if (!(error instanceof TakenMeanwhile)) throw error;
        return repeat(pool, (await find(pool, request.creditorId, request.applicationId))!, request);
      }
    },
  };

  async function applyWithin(client: PoolClient, request: CreditApplicationRequest): Promise<CreditApplicationResult> {
    const keys = [request.sourceAccountKey, request.targetAccountKey];
    const { rows: locked } = await client.query<{ account_key: string; account_id: string; creditor_id: string; currency: string; allocation_rule: AllocationRule }>(
      `SELECT account_key, account_id, creditor_id, currency, allocation_rule FROM debtor_accounts WHERE account_key = ANY($1) ORDER BY account_key FOR UPDATE`,
      [keys],
    );
    const earlier = await find(client, request.creditorId, request.applicationId);
    if (earlier) return repeat(client, earlier, request);
    const facts = async (accountKey: string): Promise<CreditAccountFacts | null> => {
      const row = locked.find((r) => r.account_key === accountKey);
      if (!row) return null;
      const link = await client.query<{ debtor_id: string | null }>(`SELECT debtor_id FROM debtor_links WHERE account_key = $1 AND redacted_at IS NULL`, [accountKey]);
      const purge = await client.query(`SELECT 1 FROM personal_data_purges WHERE account_key = $1`, [accountKey]);
      return {
        accountKey,
        accountId: row.account_id,
        creditorId: row.creditor_id,
        currency: row.currency,
        ...(await derivedBalances(client, accountKey)),
        // Read under the same row lock a refund takes to record its order: what is ordered refunded is not applied.
        refundsPendingMinor: await refundsPendingMinor(client, accountKey),
        debtorId: link.rows[0]?.debtor_id ?? null,
        purged: (purge.rowCount ?? 0) > 0,
      };
    };
    const source = await facts(request.sourceAccountKey);
    const target = await facts(request.targetAccountKey);
    const amountMinor = decideCreditApplication({ source, target, sourceWorkflow: request.workflows.source, targetWorkflow: request.workflows.target, requestedMinor: request.amountMinor });
    const from = source!;
    const to = target!;
    const rule = locked.find((r) => r.account_key === to.accountKey)!.allocation_rule;
    const { allocations, overpaymentMinor } = allocatePayment(await debtBalances(client, to.accountKey), amountMinor, rule);
    if (overpaymentMinor > 0) throw new Error(`a credit application of ${amountMinor} allocated ${overpaymentMinor} past the balance: the rules let through what they must not`);
    const key = `credit-application/${request.creditorId}/${request.applicationId}`;
    const posting = { kind: 'credit_application' as const, externalId: request.applicationId, amountMinor, currency: from.currency, effectiveAt: request.at };
    const sourceTransaction = await insertTransaction(client, {
      ...posting,
      accountKey: from.accountKey,
      idempotencyKey: `${key}/source`,
      reason: `applied to ${to.accountId} (${request.applicationId})`,
      entries: [
        { ledgerAccount: 'customer_credit', debit: amountMinor, credit: 0 },
        { ledgerAccount: 'credit_transfer', debit: 0, credit: amountMinor },
      ],
    });
    const targetTransaction = await insertTransaction(client, {
      ...posting,
      accountKey: to.accountKey,
      idempotencyKey: `${key}/target`,
      reason: `applied from ${from.accountId} (${request.applicationId})`,
      entries: [{ ledgerAccount: 'credit_transfer', debit: amountMinor, credit: 0 }, ...allocations.map((a) => ({ ledgerAccount: 'receivable' as const, debtId: a.debtId, debit: 0, credit: a.amountMinor }))],
    });
    if (sourceTransaction === null || targetTransaction === null) throw new TakenMeanwhile();
    const inserted = await client.query(
      `INSERT INTO credit_applications (creditor_id, application_id, source_account_key, target_account_key, amount_minor, currency, applied_at, reason, source_transaction_id, target_transaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
      [request.creditorId, request.applicationId, from.accountKey, to.accountKey, amountMinor, from.currency, request.at, request.reason, sourceTransaction, targetTransaction],
    );
    if (inserted.rowCount === 0) throw new TakenMeanwhile();
    return {
      status: 'applied',
      creditorId: request.creditorId,
      applicationId: request.applicationId,
      sourceAccountKey: from.accountKey,
      targetAccountKey: to.accountKey,
      amountMinor,
      currency: from.currency,
      appliedAt: new Date(Date.parse(request.at)).toISOString(),
      reason: request.reason,
      allocations,
      source: await derivedBalances(client, from.accountKey),
      target: await derivedBalances(client, to.accountKey),
    };
  }
}
export type CreditApplications = ReturnType<typeof createCreditApplications>;
