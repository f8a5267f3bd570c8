import type { Pool, PoolClient } from 'pg';
import { allocatePayment, type Allocation, type AllocationRule } from '../domain/allocation';
import type { DebtLine } from '../domain/account';
import { MAX_AMOUNT_MINOR, MAX_BALANCE_MINOR } from '../domain/money';
import { toSafeInteger, withTransaction } from './postgres';

export class LedgerError extends Error {
  constructor(readonly code: 'unknown_account' | 'currency_mismatch' | 'payment_id_reused' | 'unknown_payment' | 'invalid_posting', message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** credit_transfer: a held credit on its way from one of the debtor's accounts to another (nets to zero over the two). */
type LedgerAccount = 'receivable' | 'revenue' | 'cash' | 'fee_income' | 'interest_income' | 'customer_credit' | 'write_off' | 'adjustments' | 'credit_transfer';
type TransactionKind = 'charge' | 'payment' | 'fee' | 'interest' | 'credit' | 'reversal' | 'write_off' | 'refund' | 'credit_application';

export interface OpenAccountInput {
  accountKey: string;
  creditorId: string;
  accountId: string;
  currency: string;
  openingBalanceMinor: number;
  dueDate: string;
  /** The invoices making up the opening balance; absent: one debt "opening" of the whole balance. */
  debts?: DebtLine[];
  allocationRule?: AllocationRule;
}

export interface PostPaymentInput {
  accountKey: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt: string;
}

export interface ReversePaymentInput {
  accountKey: string;
  paymentId: string;
  /** The processor's id of the return (NSF, chargeback, bounced check). */
  returnId: string;
  reason: string;
  returnedAt: string;
  /** The creditor's returned-payment fee, added as its own debt; 0 for none. */
  feeMinor: number;
}

/** A fee or interest charged (its own debt), or a credit granted (allocated over the debts like a payment). */
export interface AdjustmentInput {
  accountKey: string;
  adjustmentId: string;
  kind: 'fee' | 'interest' | 'credit';
  amountMinor: number;
  currency: string;
  description: string;
  at: string;
}

export interface WriteOffInput {
  accountKey: string;
  idempotencyKey: string;
  reason: string;
  at: string;
}

export interface StatementLine {
  date: string;
  kind: string;
  description: string;
  debitMinor: number;
  creditMinor: number;
  balanceMinor: number;
}

export interface DebtBalance {
  debtId: string;
  kind: string;
  description: string;
  dueDate: string;
  outstandingMinor: number;
}

/** Balances after a posting, all derived from entries. */
export interface PostingResult {
  status: 'posted' | 'duplicate';
  /** What the debtor owes: the receivable over all debts. */
  balanceMinor: number;
  /** What the creditor owes the debtor (overpayments held as credit). */
  creditMinor: number;
}

export interface PaymentPostingResult extends PostingResult {
  allocations: Allocation[];
  overpaymentMinor: number;
}

export interface ReversalResult extends PostingResult {
  /** 'posted': reversed now; 'duplicate': this payment was reversed before. */
  reversedMinor: number;
  feeMinor: number;
}

/** The account's balances as its entries add up now (inside a caller's transaction too). */
export async function derivedBalances(client: PoolClient | Pool, accountKey: string): Promise<{ balanceMinor: number; creditMinor: number }> {
  const { rows } = await client.query<{ receivable: string; credit: string }>(
    `SELECT COALESCE(SUM(debit_minor - credit_minor) FILTER (WHERE ledger_account = 'receivable'), 0) AS receivable,
            COALESCE(SUM(credit_minor - debit_minor) FILTER (WHERE ledger_account = 'customer_credit'), 0) AS credit
       FROM ledger_entries WHERE account_key = $1`,
    [accountKey],
  );
  return { balanceMinor: toSafeInteger(rows[0]!.receivable, 'receivable'), creditMinor: toSafeInteger(rows[0]!.credit, 'customer_credit') };
}

/**
 * Credit ordered refunded and not yet posted: the creditor's system was (or is being) told to pay it
 * out (escalation_orders, kind credit_refund), so it is no longer the debtor's to apply elsewhere
 * nor the ledger's to take back. A refund the creditor refused (status refused) reserves nothing.
 */
export async function refundsPendingMinor(client: PoolClient | Pool, accountKey: string, exceptKey?: string): Promise<number> {
  const { rows } = await client.query<{ pending: string }>(
    `SELECT COALESCE(SUM((o.payload->>'amountMinor')::bigint), 0) AS pending
       FROM escalation_orders o
      WHERE o.account_key = $1 AND o.kind = 'credit_refund' AND o.status <> 'refused' AND o.idempotency_key IS DISTINCT FROM $2
        AND NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.idempotency_key = o.idempotency_key)`,
    [accountKey, exceptKey ?? null],
  );
  return toSafeInteger(rows[0]!.pending, 'pending refunds');
}

export async function debtBalances(client: PoolClient | Pool, accountKey: string): Promise<DebtBalance[]> {
  const { rows } = await client.query<{ debt_id: string; kind: string; description: string; due_date: string; outstanding: string }>(
    `SELECT d.debt_id, d.kind, d.description, to_char(d.due_date, 'YYYY-MM-DD') AS due_date,
            COALESCE(SUM(e.debit_minor - e.credit_minor), 0) AS outstanding
       FROM debts d LEFT JOIN ledger_entries e ON e.account_key = d.account_key AND e.debt_id = d.debt_id
      WHERE d.account_key = $1
      GROUP BY d.debt_id, d.kind, d.description, d.due_date
      ORDER BY d.due_date, d.debt_id`,
    [accountKey],
  );
  return rows.map((r) => ({ debtId: r.debt_id, kind: r.kind, description: r.description, dueDate: r.due_date, outstandingMinor: toSafeInteger(r.outstanding, 'outstanding') }));
}

/**
 * The double-entry ledger. Every posting is one transaction whose debits equal its credits
 * (checked by a deferred trigger at commit), exactly once per idempotency key; an account's row
 * lock serialises postings on it, so concurrent payments never lose an update. Balances are
 * always sums of entries, never stored.
 */
/** Reads the currency an account is kept in, or null before its workflow opened it in the ledger (the money signals' check). */
export const ledgerCurrencyOf =
  (pool: Pool) =>
  async (accountKey: string): Promise<string | null> => {
    const { rows } = await pool.query<{ currency: string }>('SELECT currency FROM debtor_accounts WHERE account_key = $1', [accountKey]);
    return rows[0]?.currency ?? null;
  };

export function createLedgerRepository(pool: Pool) {
  return {
    /** Creates the account, its debts and their charges once; later calls return the current balances. */
    async openAccount(input: OpenAccountInput): Promise<PostingResult> {
      const debts = input.debts ?? [{ debtId: 'opening', description: 'Opening balance', amountMinor: input.openingBalanceMinor, dueDate: input.dueDate }];
      const total = debts.reduce((sum, d) => sum + d.amountMinor, 0);
      if (total !== input.openingBalanceMinor) throw new LedgerError('invalid_posting', `debts add up to ${total}, not the opening balance of ${input.openingBalanceMinor}`);
      if (total > MAX_BALANCE_MINOR) throw new LedgerError('invalid_posting', `an opening balance of ${total} is more than ${MAX_BALANCE_MINOR} minor units`);
      return withTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO debtor_accounts (account_key, creditor_id, account_id, currency, allocation_rule)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_key) DO NOTHING`,
          [input.accountKey, input.creditorId, input.accountId, input.currency, input.allocationRule ?? 'oldest_first'],
        );
        const account = await lockAccount(client, input.accountKey);
        if (account.currency !== input.currency)
          throw new LedgerError('currency_mismatch', `account ${input.accountKey} is kept in ${account.currency}, not ${input.currency}`);
        let posted = false;
        for (const debt of debts) {
          await client.query(
            `INSERT INTO debts (account_key, debt_id, kind, description, due_date) VALUES ($1, $2, 'invoice', $3, $4) ON CONFLICT DO NOTHING`,
            [input.accountKey, debt.debtId, debt.description, debt.dueDate],
          );
          // The first debt keeps the key accounts opened before several debts existed used.
          const idempotencyKey = debt === debts[0] ? `${input.accountKey}/opening-balance` : `${input.accountKey}/charge/${debt.debtId}`;
          posted =
            (await insertTransaction(client, {
              accountKey: input.accountKey,
              kind: 'charge',
              idempotencyKey,
              externalId: debt.debtId,
              amountMinor: debt.amountMinor,
              currency: input.currency,
              effectiveAt: `${debt.dueDate}T00:00:00Z`,
              entries: [
                { ledgerAccount: 'receivable', debtId: debt.debtId, debit: debt.amountMinor, credit: 0 },
                { ledgerAccount: 'revenue', debit: 0, credit: debt.amountMinor },
              ],
            })) !== null || posted;
        }
        return { status: posted ? 'posted' : 'duplicate', ...(await derivedBalances(client, input.accountKey)) };
      });
    },

    /**
     * Posts a payment once per payment id, spread over the debts by the creditor's allocation
     * rule; whatever exceeds the balance is held as a credit. A duplicate returns the balances.
     */
    async postPayment(input: PostPaymentInput): Promise<PaymentPostingResult> {
      postableAmount(input.amountMinor);
      postableInstant(input.receivedAt, 'receivedAt');
      return withTransaction(pool, async (client) => {
        const { account, earlier } = await lockAccountFindingPayment(client, input.accountKey, input.paymentId);
        if (account.currency !== input.currency)
          throw new LedgerError('currency_mismatch', `payment ${input.paymentId} is in ${input.currency} but account ${input.accountKey} is kept in ${account.currency}`);
        const idempotencyKey = paymentKey(account.creditorId, input.paymentId);
        const duplicate = async (earlier: NonNullable<Awaited<ReturnType<typeof findTransaction>>>): Promise<PaymentPostingResult> => {
          if (earlier.accountKey !== input.accountKey || earlier.amountMinor !== input.amountMinor)
            throw new LedgerError('payment_id_reused', `payment id ${input.paymentId} was already posted with different details (${earlier.accountKey}, ${earlier.amountMinor})`);
          const entries = await transactionEntries(client, earlier.id);
          const allocations = entries.filter((e) => e.ledgerAccount === 'receivable').map((e) => ({ debtId: e.debtId!, amountMinor: e.credit }));
          const overpaymentMinor = entries.filter((e) => e.ledgerAccount === 'customer_credit').reduce((s, e) => s + e.credit, 0);
          return { status: 'duplicate', allocations, overpaymentMinor, ...(await derivedBalances(client, input.accountKey)) };
        };
        if (earlier) return duplicate(earlier);
        const debts = await debtBalances(client, input.accountKey);
        const { allocations, overpaymentMinor } = allocatePayment(debts, input.amountMinor, account.allocationRule);
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
            ...allocations.map((a) => ({ ledgerAccount: 'receivable' as const, debtId: a.debtId, debit: 0, credit: a.amountMinor })),
            ...(overpaymentMinor > 0 ? [{ ledgerAccount: 'customer_credit' as const, debit: 0, credit: overpaymentMinor }] : []),
          ],
        });
        // The same id posted at this moment on another account (the row lock is per account): the unique key decided.
        if (inserted === null) return duplicate((await findTransaction(client, idempotencyKey))!);
        return { status: 'posted', allocations, overpaymentMinor, ...(await derivedBalances(client, input.accountKey)) };
      });
    },

    /**
     * A payment that came back (insufficient funds, chargeback, bounced check): its entries are
     * mirrored once (the reversal references it, uniquely), and the creditor's fee is charged as
     * its own debt. A second notice of the same return changes nothing.
     */
    async reversePayment(input: ReversePaymentInput): Promise<ReversalResult> {
      postableInstant(input.returnedAt, 'returnedAt');
      return withTransaction(pool, async (client) => {
        const account = await lockAccount(client, input.accountKey);
        const original = await findTransaction(client, paymentKey(account.creditorId, input.paymentId));
        if (!original || original.accountKey !== input.accountKey)
          throw new LedgerError('unknown_payment', `no payment ${input.paymentId} was posted to ${input.accountKey}`);
        const reversalKey = `reversal/${account.creditorId}/${input.paymentId}`;
        const earlier = await findTransaction(client, reversalKey);
        if (earlier) return { status: 'duplicate', reversedMinor: original.amountMinor, feeMinor: 0, ...(await derivedBalances(client, input.accountKey)) };
        const entries = await transactionEntries(client, original.id);
        // The payment's overpayment is taken back only as far as it is still held (and not ordered
        // refunded): what was applied to another debt or refunded was paid with money that bounced,
        // so the debtor owes it again here, as a debt of its own. Held credit never goes negative.
        const overpaidMinor = entries.filter((e) => e.ledgerAccount === 'customer_credit').reduce((sum, e) => sum + e.credit - e.debit, 0);
        const held = (await derivedBalances(client, input.accountKey)).creditMinor - (await refundsPendingMinor(client, input.accountKey));
        const takenBackMinor = Math.max(0, Math.min(overpaidMinor, held));
        const owedAgainMinor = overpaidMinor - takenBackMinor;
        const owedAgainDebt = `returned-credit-${input.paymentId}`.slice(0, 64);
        if (owedAgainMinor > 0)
          await client.query(`INSERT INTO debts (account_key, debt_id, kind, description, due_date) VALUES ($1, $2, 'invoice', $3, $4::date) ON CONFLICT DO NOTHING`, [
            input.accountKey,
            owedAgainDebt,
            `Credit from returned payment ${input.paymentId} already applied or refunded`,
            input.returnedAt.slice(0, 10),
          ]);
        const reversal = await insertTransaction(client, {
          accountKey: input.accountKey,
          kind: 'reversal',
          idempotencyKey: reversalKey,
          externalId: input.returnId,
          amountMinor: original.amountMinor,
          currency: account.currency,
          effectiveAt: input.returnedAt,
          reversesId: original.id,
          reason: input.reason,
          entries: [
            ...entries.filter((e) => e.ledgerAccount !== 'customer_credit').map((e) => ({ ledgerAccount: e.ledgerAccount, debtId: e.debtId ?? undefined, debit: e.credit, credit: e.debit })),
            ...(takenBackMinor > 0 ? [{ ledgerAccount: 'customer_credit' as const, debit: takenBackMinor, credit: 0 }] : []),
            ...(owedAgainMinor > 0 ? [{ ledgerAccount: 'receivable' as const, debtId: owedAgainDebt, debit: owedAgainMinor, credit: 0 }] : []),
          ],
        });
        let feeMinor = 0;
        if (reversal !== null && input.feeMinor > 0) {
          const debtId = `returned-fee-${input.paymentId}`.slice(0, 64);
          await client.query(`INSERT INTO debts (account_key, debt_id, kind, description, due_date) VALUES ($1, $2, 'fee', $3, $4::date) ON CONFLICT DO NOTHING`, [
            input.accountKey,
            debtId,
            `Returned payment fee (${input.paymentId}: ${input.reason})`,
            input.returnedAt.slice(0, 10),
          ]);
          await insertTransaction(client, {
            accountKey: input.accountKey,
            kind: 'fee',
            idempotencyKey: `fee/returned/${account.creditorId}/${input.paymentId}`,
            externalId: input.returnId,
            amountMinor: input.feeMinor,
            currency: account.currency,
            effectiveAt: input.returnedAt,
            reason: 'returned payment fee',
            entries: [
              { ledgerAccount: 'receivable', debtId, debit: input.feeMinor, credit: 0 },
              { ledgerAccount: 'fee_income', debit: 0, credit: input.feeMinor },
            ],
          });
          feeMinor = input.feeMinor;
        }
        return { status: reversal === null ? 'duplicate' : 'posted', reversedMinor: original.amountMinor, feeMinor, ...(await derivedBalances(client, input.accountKey)) };
      });
    },

    /**
     * Fees and interest become debts of their own (receivable against fee or interest income);
     * a credit reduces the debts by the allocation rule (against adjustments) and may not exceed
     * what is owed. Once per adjustment id; the same id with other details is refused.
     */
    async postAdjustment(input: AdjustmentInput): Promise<PostingResult> {
      postableAmount(input.amountMinor);
      postableInstant(input.at, 'at');
      return withTransaction(pool, async (client) => {
        const account = await lockAccount(client, input.accountKey);
        if (account.currency !== input.currency) throw new LedgerError('currency_mismatch', `adjustment ${input.adjustmentId} is in ${input.currency} but account ${input.accountKey} is kept in ${account.currency}`);
        const idempotencyKey = `adjustment/${account.creditorId}/${input.adjustmentId}`;
        const duplicate = async (earlier: NonNullable<Awaited<ReturnType<typeof findTransaction>>>): Promise<PostingResult> => {
          if (earlier.accountKey !== input.accountKey || earlier.amountMinor !== input.amountMinor || earlier.kind !== input.kind)
            throw new LedgerError('payment_id_reused', `adjustment id ${input.adjustmentId} was already posted with different details`);
          return { status: 'duplicate', ...(await derivedBalances(client, input.accountKey)) };
        };
        const earlier = await findTransaction(client, idempotencyKey);
        if (earlier) return duplicate(earlier);
        let entries: EntryDraft[];
        if (input.kind === 'credit') {
          const { allocations, overpaymentMinor } = allocatePayment(await debtBalances(client, input.accountKey), input.amountMinor, account.allocationRule);
          if (overpaymentMinor > 0) throw new LedgerError('invalid_posting', `a credit of ${input.amountMinor} is more than the ${input.amountMinor - overpaymentMinor} owed`);
          entries = [{ ledgerAccount: 'adjustments', debit: input.amountMinor, credit: 0 }, ...allocations.map((a) => ({ ledgerAccount: 'receivable' as const, debtId: a.debtId, debit: 0, credit: a.amountMinor }))];
        } else {
          const owed = (await debtBalances(client, input.accountKey)).reduce((sum, d) => sum + d.outstandingMinor, 0);
          if (owed + input.amountMinor > MAX_BALANCE_MINOR)
            throw new LedgerError('invalid_posting', `a ${input.kind} of ${input.amountMinor} would take the balance past ${MAX_BALANCE_MINOR} minor units`);
          const debtId = `${input.kind}-${input.adjustmentId}`.slice(0, 64);
          await client.query(`INSERT INTO debts (account_key, debt_id, kind, description, due_date) VALUES ($1, $2, $3, $4, $5::date) ON CONFLICT DO NOTHING`, [input.accountKey, debtId, input.kind, input.description, input.at.slice(0, 10)]);
          entries = [
            { ledgerAccount: 'receivable', debtId, debit: input.amountMinor, credit: 0 },
            { ledgerAccount: input.kind === 'fee' ? 'fee_income' : 'interest_income', debit: 0, credit: input.amountMinor },
          ];
        }
        const inserted = await insertTransaction(client, { accountKey: input.accountKey, kind: input.kind, idempotencyKey, externalId: input.adjustmentId, amountMinor: input.amountMinor, currency: input.currency, effectiveAt: input.at, reason: input.description, entries });
        if (inserted === null) return duplicate((await findTransaction(client, idempotencyKey))!);
        return { status: 'posted', ...(await derivedBalances(client, input.accountKey)) };
      });
    },

    /** Writes off everything still owed (a settlement for less, a charge-off), once per key. */
    async writeOff(input: WriteOffInput): Promise<PostingResult & { writtenOffMinor: number }> {
      return withTransaction(pool, async (client) => {
        const account = await lockAccount(client, input.accountKey);
        const existing = await findTransaction(client, input.idempotencyKey);
        if (existing) return { status: 'duplicate', writtenOffMinor: existing.amountMinor, ...(await derivedBalances(client, input.accountKey)) };
        const open = (await debtBalances(client, input.accountKey)).filter((d) => d.outstandingMinor > 0);
        const total = open.reduce((s, d) => s + d.outstandingMinor, 0);
        if (total === 0) return { status: 'duplicate', writtenOffMinor: 0, ...(await derivedBalances(client, input.accountKey)) };
        await insertTransaction(client, {
          accountKey: input.accountKey,
          kind: 'write_off',
          idempotencyKey: input.idempotencyKey,
          externalId: null,
          amountMinor: total,
          currency: account.currency,
          effectiveAt: input.at,
          reason: input.reason,
          entries: [
            { ledgerAccount: 'write_off', debit: total, credit: 0 },
            ...open.map((d) => ({ ledgerAccount: 'receivable' as const, debtId: d.debtId, debit: 0, credit: d.outstandingMinor })),
          ],
        });
        return { status: 'posted', writtenOffMinor: total, ...(await derivedBalances(client, input.accountKey)) };
      });
    },

    /** Posts the refund of a held credit (customer_credit to cash) once per key, never more than is held; a duplicate returns the first amount. */
    async refundCredit(input: WriteOffInput & { amountMinor: number }): Promise<PostingResult & { refundedMinor: number }> {
      postableAmount(input.amountMinor);
      return withTransaction(pool, async (client) => {
        const account = await lockAccount(client, input.accountKey);
        const existing = await findTransaction(client, input.idempotencyKey);
        if (existing) return { status: 'duplicate', refundedMinor: existing.amountMinor, ...(await derivedBalances(client, input.accountKey)) };
        const held = (await derivedBalances(client, input.accountKey)).creditMinor;
        if (input.amountMinor > held) throw new LedgerError('invalid_posting', `amountMinor ${input.amountMinor} is more than the ${held} account ${input.accountKey} holds as credit`);
        await insertTransaction(client, {
          accountKey: input.accountKey,
          kind: 'refund',
          idempotencyKey: input.idempotencyKey,
          externalId: null,
          amountMinor: input.amountMinor,
          currency: account.currency,
          effectiveAt: input.at,
          reason: input.reason,
          entries: [
            { ledgerAccount: 'customer_credit', debit: input.amountMinor, credit: 0 },
            { ledgerAccount: 'cash', debit: 0, credit: input.amountMinor },
          ],
        });
        return { status: 'posted', refundedMinor: input.amountMinor, ...(await derivedBalances(client, input.accountKey)) };
      });
    },

    async balance(accountKey: string): Promise<number> {
      return (await derivedBalances(pool, accountKey)).balanceMinor;
    },

    /** Balances and each debt's outstanding amount, as the ledger derives them now. */
    async snapshot(accountKey: string): Promise<{ balanceMinor: number; creditMinor: number; debts: DebtBalance[] }> {
      const { rowCount } = await pool.query('SELECT 1 FROM debtor_accounts WHERE account_key = $1', [accountKey]);
      if (!rowCount) throw new LedgerError('unknown_account', `no account ${accountKey} in the ledger`);
      return { ...(await derivedBalances(pool, accountKey)), debts: await debtBalances(pool, accountKey) };
    },

    /**
     * A ledger account's movements in order, with the running balance: the receivable (what is owed:
     * statements and packets), or customer_credit (what is held for the debtor: overpayments, refunds, applications).
     */
    async statement(accountKey: string, ledgerAccount: 'receivable' | 'customer_credit' = 'receivable'): Promise<StatementLine[]> {
      const { rows } = await pool.query<{ effective_at: Date; kind: TransactionKind; external_id: string | null; reason: string | null; debt_id: string | null; debit_minor: string; credit_minor: string }>(
        `SELECT t.effective_at, t.kind, t.external_id, t.reason, e.debt_id, SUM(e.debit_minor) AS debit_minor, SUM(e.credit_minor) AS credit_minor
           FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE e.account_key = $1 AND e.ledger_account = $2
          GROUP BY t.id, t.effective_at, t.kind, t.external_id, t.reason, e.debt_id
          ORDER BY t.effective_at, t.id, e.debt_id`,
        [accountKey, ledgerAccount],
      );
      let running = 0;
      return rows.map((row) => {
        const debitMinor = toSafeInteger(row.debit_minor, 'debit_minor');
        const creditMinor = toSafeInteger(row.credit_minor, 'credit_minor');
        running += ledgerAccount === 'receivable' ? debitMinor - creditMinor : creditMinor - debitMinor;
        return { date: row.effective_at.toISOString().slice(0, 10), kind: row.kind, description: describe(row), debitMinor, creditMinor, balanceMinor: running };
      });
    },
  };
}
export type LedgerRepository = ReturnType<typeof createLedgerRepository>;

function describe(row: { kind: TransactionKind; external_id: string | null; reason: string | null; debt_id: string | null }): string {
  switch (row.kind) {
    case 'charge':
      return row.debt_id === 'opening' ? 'Opening balance' : `Invoice ${row.debt_id ?? ''}`.trim();
    case 'payment':
      return `Payment ${row.external_id ?? ''}`.trim();
    case 'reversal':
      return `Payment returned (${row.reason ?? 'returned'})`;
    case 'fee':
      return `Fee: ${row.reason ?? ''}`.trim();
    case 'write_off':
      return `Written off: ${row.reason ?? ''}`.trim();
    case 'interest':
      return `Interest: ${row.reason ?? ''}`.trim();
    case 'credit':
      return `Credit: ${row.reason ?? ''}`.trim();
    case 'refund':
      return `Credit refunded: ${row.reason ?? ''}`.trim();
    case 'credit_application':
      return `Credit ${row.reason ?? 'applied'}`;
    default:
      return row.kind;
  }
}

/** A positive whole amount the ledger can add up exactly. */
function postableAmount(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new LedgerError('invalid_posting', `amountMinor must be a positive whole number of minor units, got ${amountMinor}`);
  if (amountMinor > MAX_AMOUNT_MINOR) throw new LedgerError('invalid_posting', `amountMinor ${amountMinor} is more than ${MAX_AMOUNT_MINOR} minor units`);
}

/** A date-time Postgres can store (years 1900-9999); anything else is a mistake to refuse, not to retry. */
function postableInstant(iso: string, field: string): void {
  const ms = Date.parse(iso);
  const year = Number.isNaN(ms) ? NaN : new Date(ms).getUTCFullYear();
  if (!(year >= 1900 && year <= 9999)) throw new LedgerError('invalid_posting', `${field} ${JSON.stringify(iso)} is not a date-time the ledger can keep`);
}

async function lockAccount(client: PoolClient, accountKey: string) {
  const { rows } = await client.query<{ currency: string; creditor_id: string; allocation_rule: AllocationRule }>(
    'SELECT currency, creditor_id, allocation_rule FROM debtor_accounts WHERE account_key = $1 FOR UPDATE',
    [accountKey],
  );
  const row = rows[0];
  if (!row) throw new LedgerError('unknown_account', `no account ${accountKey} in the ledger`);
  return { currency: row.currency, creditorId: row.creditor_id, allocationRule: row.allocation_rule };
}

const paymentKey = (creditorId: string, paymentId: string) => `payment/${creditorId}/${paymentId}`;

/**
 * The account locked and, in the same round trip, the payment's earlier posting if there is one.
 * A posting of the same id committed while this waited for the lock may be missed by the join (it
 * read before the wait): the insert's unique key then decides, and the caller reads it again.
 */
async function lockAccountFindingPayment(client: PoolClient, accountKey: string, paymentId: string) {
  const { rows } = await client.query<{ currency: string; creditor_id: string; allocation_rule: AllocationRule; id: string | null; t_account_key: string | null; kind: TransactionKind | null; amount_minor: string | null }>(
    `SELECT a.currency, a.creditor_id, a.allocation_rule, t.id, t.account_key AS t_account_key, t.kind, t.amount_minor
       FROM debtor_accounts a LEFT JOIN ledger_transactions t ON t.idempotency_key = 'payment/' || a.creditor_id || '/' || $2
      WHERE a.account_key = $1
        FOR UPDATE OF a`,
    [accountKey, paymentId],
  );
  const row = rows[0];
  if (!row) throw new LedgerError('unknown_account', `no account ${accountKey} in the ledger`);
  return {
    account: { currency: row.currency, creditorId: row.creditor_id, allocationRule: row.allocation_rule },
    earlier: row.id === null ? null : { id: row.id, accountKey: row.t_account_key!, kind: row.kind!, amountMinor: toSafeInteger(row.amount_minor!, 'amount_minor') },
  };
}

async function findTransaction(client: PoolClient, idempotencyKey: string) {
  const { rows } = await client.query<{ id: string; account_key: string; kind: TransactionKind; amount_minor: string }>('SELECT id, account_key, kind, amount_minor FROM ledger_transactions WHERE idempotency_key = $1', [idempotencyKey]);
  const row = rows[0];
  return row ? { id: row.id, accountKey: row.account_key, kind: row.kind, amountMinor: toSafeInteger(row.amount_minor, 'amount_minor') } : null;
}

export interface EntryDraft {
  ledgerAccount: LedgerAccount;
  debtId?: string;
  debit: number;
  credit: number;
}

async function transactionEntries(client: PoolClient, transactionId: string): Promise<(Omit<EntryDraft, 'debtId'> & { debtId: string | null })[]> {
  const { rows } = await client.query<{ ledger_account: LedgerAccount; debt_id: string | null; debit_minor: string; credit_minor: string }>(
    'SELECT ledger_account, debt_id, debit_minor, credit_minor FROM ledger_entries WHERE transaction_id = $1 ORDER BY id',
    [transactionId],
  );
  return rows.map((r) => ({ ledgerAccount: r.ledger_account, debtId: r.debt_id, debit: toSafeInteger(r.debit_minor, 'debit_minor'), credit: toSafeInteger(r.credit_minor, 'credit_minor') }));
}

export interface TransactionDraft {
  accountKey: string;
  kind: TransactionKind;
  idempotencyKey: string;
  externalId: string | null;
  amountMinor: number;
  currency: string;
  effectiveAt: string;
  reversesId?: string;
  reason?: string;
  entries: EntryDraft[];
}

/**
 * Inserts a transaction and its entries; null when the idempotency key was posted before. Inside
 * the caller's transaction (several postings commit together). One statement, one round trip: the
 * entries are inserted from the transaction the same statement inserted, in the order given, and
 * none when the key was already there (the CTE returns no row).
 */
export async function insertTransaction(client: PoolClient, draft: TransactionDraft): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `WITH t AS (
       INSERT INTO ledger_transactions (account_key, kind, idempotency_key, external_id, amount_minor, currency, effective_at, reverses_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id
     ), entries AS (
       INSERT INTO ledger_entries (transaction_id, account_key, ledger_account, debt_id, debit_minor, credit_minor, currency)
       SELECT t.id, $1, e.ledger_account, e.debt_id, e.debit_minor, e.credit_minor, $6
         FROM t, unnest($10::text[], $11::text[], $12::bigint[], $13::bigint[]) WITH ORDINALITY AS e(ledger_account, debt_id, debit_minor, credit_minor, n)
        ORDER BY e.n
     )
     SELECT id FROM t`,
    [
      draft.accountKey,
      draft.kind,
      draft.idempotencyKey,
      draft.externalId,
      draft.amountMinor,
      draft.currency,
      draft.effectiveAt,
      draft.reversesId ?? null,
      draft.reason ?? null,
      draft.entries.map((e) => e.ledgerAccount),
      draft.entries.map((e) => e.debtId ?? null),
      draft.entries.map((e) => e.debit),
      draft.entries.map((e) => e.credit),
    ],
  );
  return rows[0]?.id ?? null;
}
