import type { Pool, PoolClient } from 'pg';
import { toSafeInteger, withTransaction } from './postgres';

export class LedgerError extends Error {
  constructor(readonly code: 'unknown_account' | 'currency_mismatch' | 'payment_id_reused', message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

export interface OpenAccountInput {
  accountKey: string;
  creditorId: string;
  accountId: string;
  currency: string;
  openingBalanceMinor: number;
  dueDate: string;
}

export interface PostPaymentInput {
  accountKey: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt: string;
}

export interface StatementLine {
  date: string;
  kind: string;
  description: string;
  debitMinor: number;
  creditMinor: number;
  balanceMinor: number;
}

export interface PostingResult {
  status: 'posted' | 'duplicate';
  balanceMinor: number;
}

async function receivableBalance(client: PoolClient | Pool, accountKey: string): Promise<number> {
  const { rows } = await client.query<{ balance: string }>(
    `SELECT COALESCE(SUM(debit_minor - credit_minor), 0) AS balance
       FROM ledger_entries WHERE account_key = $1 AND ledger_account = 'receivable'`,
    [accountKey],
  );
  return toSafeInteger(rows[0]!.balance, 'balance');
}

/** The double-entry ledger: postings are exactly once per idempotency key, balances are derived. */
export function createLedgerRepository(pool: Pool) {
  return {
    /** Creates the account and its opening charge once; later calls return the current balance. */
    async openAccount(input: OpenAccountInput): Promise<PostingResult> {
      return withTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO debtor_accounts (account_key, creditor_id, account_id, currency)
           VALUES ($1, $2, $3, $4) ON CONFLICT (account_key) DO NOTHING`,
          [input.accountKey, input.creditorId, input.accountId, input.currency],
        );
        const account = await lockAccount(client, input.accountKey);
        if (account.currency !== input.currency)
          throw new LedgerError('currency_mismatch', `account ${input.accountKey} is kept in ${account.currency}, not ${input.currency}`);
        const inserted = await insertTransaction(client, {
          accountKey: input.accountKey,
          kind: 'charge',
          idempotencyKey: `${input.accountKey}/opening-balance`,
          externalId: null,
          amountMinor: input.openingBalanceMinor,
          currency: input.currency,
          effectiveAt: `${input.dueDate}T00:00:00Z`,
          entries: [
            { ledgerAccount: 'receivable', debit: input.openingBalanceMinor, credit: 0 },
            { ledgerAccount: 'revenue', debit: 0, credit: input.openingBalanceMinor },
          ],
        });
        return { status: inserted ? 'posted' : 'duplicate', balanceMinor: await receivableBalance(client, input.accountKey) };
      });
    },

    /** Posts a payment once per payment id; a duplicate delivery returns the balance without posting. */
    async postPayment(input: PostPaymentInput): Promise<PostingResult> {
      return withTransaction(pool, async (client) => {
        // The row lock serialises concurrent postings on one account, so no update is lost.
        const account = await lockAccount(client, input.accountKey);
        if (account.currency !== input.currency)
          throw new LedgerError('currency_mismatch', `payment ${input.paymentId} is in ${input.currency} but account is kept in ${account.currency}`);
        const idempotencyKey = `payment/${account.creditorId}/${input.paymentId}`;
        const inserted = await insertTransaction(client, {
          accountKey: input.accountKey,
          kind: 'payment',
          idempotencyKey,
          externalId: input.paymentId,
          amountMinor: input.amountMinor,
          currency: input.currency,
          effectiveAt: input.receivedAt,
          entries: [
            { ledgerAccount: 'cash', debit: input.amountMinor, credit: 0 },
            { ledgerAccount: 'receivable', debit: 0, credit: input.amountMinor },
          ],
        });
        if (!inserted) {
          const { rows } = await client.query<{ account_key: string; amount_minor: string }>(
            'SELECT account_key, amount_minor FROM ledger_transactions WHERE idempotency_key = $1',
            [idempotencyKey],
          );
          const first = rows[0]!;
          if (first.account_key !== input.accountKey || toSafeInteger(first.amount_minor, 'amount_minor') !== input.amountMinor)
            throw new LedgerError('payment_id_reused', `payment id ${input.paymentId} was already posted with different details (${first.account_key}, ${first.amount_minor})`);
        }
        return { status: inserted ? 'posted' : 'duplicate', balanceMinor: await receivableBalance(client, input.accountKey) };
      });
    },

    balance(accountKey: string): Promise<number> {
      return receivableBalance(pool, accountKey);
    },

    /** The receivable's movements in order, with the running balance, for statements and packets. */
    async statement(accountKey: string): Promise<StatementLine[]> {
      const { rows } = await pool.query<{ effective_at: Date; kind: string; external_id: string | null; debit_minor: string; credit_minor: string }>(
        `SELECT t.effective_at, t.kind, t.external_id, e.debit_minor, e.credit_minor
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE e.account_key = $1 AND e.ledger_account = 'receivable'
          ORDER BY t.effective_at, t.id`,
        [accountKey],
      );
      let running = 0;
      return rows.map((row) => {
        const debitMinor = toSafeInteger(row.debit_minor, 'debit_minor');
        const creditMinor = toSafeInteger(row.credit_minor, 'credit_minor');
        running += debitMinor - creditMinor;
        return {
          date: row.effective_at.toISOString().slice(0, 10),
          kind: row.kind,
          description: row.kind === 'charge' ? 'Opening balance' : `Payment ${row.external_id ?? ''}`.trim(),
          debitMinor,
          creditMinor,
          balanceMinor: running,
        };
      });
    },
  };
}
export type LedgerRepository = ReturnType<typeof createLedgerRepository>;

async function lockAccount(client: PoolClient, accountKey: string) {
  const { rows } = await client.query<{ currency: string; creditor_id: string }>(
    'SELECT currency, creditor_id FROM debtor_accounts WHERE account_key = $1 FOR UPDATE',
    [accountKey],
  );
  const row = rows[0];
  if (!row) throw new LedgerError('unknown_account', `no account ${accountKey} in the ledger`);
  return { currency: row.currency, creditorId: row.creditor_id };
}

interface TransactionDraft {
  accountKey: string;
  kind: 'charge' | 'payment';
  idempotencyKey: string;
  externalId: string | null;
  amountMinor: number;
  currency: string;
  effectiveAt: string;
  entries: { ledgerAccount: 'receivable' | 'revenue' | 'cash'; debit: number; credit: number }[];
}

/** Inserts a transaction and its entries; false when the idempotency key was posted before. */
async function insertTransaction(client: PoolClient, draft: TransactionDraft): Promise<boolean> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO ledger_transactions (account_key, kind, idempotency_key, external_id, amount_minor, currency, effective_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [draft.accountKey, draft.kind, draft.idempotencyKey, draft.externalId, draft.amountMinor, draft.currency, draft.effectiveAt],
  );
  const id = rows[0]?.id;
  if (id === undefined) return false;
  for (const entry of draft.entries)
    await client.query(
      `INSERT INTO ledger_entries (transaction_id, account_key, ledger_account, debit_minor, credit_minor, currency)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, draft.accountKey, entry.ledgerAccount, entry.debit, entry.credit, draft.currency],
    );
  return true;
}
