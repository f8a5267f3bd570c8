/** An account's history for people: what the workflow did and decided, and the ledger's statement. */
import type { Client } from '@temporalio/client';
import type { StatementLine } from '../adapters/ledger.repository';
import { accountKey } from '../domain/account';
import type { AccountStateView } from '../workflows/definitions';
import { accountState } from './accounts.client';

export interface AccountHistory {
  accountKey: string;
  creditorId: string;
  accountId: string;
  stage: AccountStateView['stage'];
  balance: AccountStateView['balance'];
  cadence: AccountStateView['cadence'];
  enrolledAt: string;
  stageHistory: AccountStateView['stageHistory'];
  steps: NonNullable<AccountStateView['steps']>;
  contacts: AccountStateView['contacts'];
  payments: AccountStateView['payments'];
  arrangements: AccountStateView['arrangements'] | null;
  complianceEvents: NonNullable<AccountStateView['compliance']>['events'];
  /** The receivable's movements with the running balance, from the ledger (the workflow's view may lag a posting). */
  statement: StatementLine[];
  /** What the creditor holds for the debtor (customer_credit): overpayments, refunds, credit applied to the debtor's other accounts. */
  heldCredit: StatementLine[];
}

export async function accountHistory(
  client: Client,
  statement: (accountKey: string, ledgerAccount: 'receivable' | 'customer_credit') => Promise<StatementLine[]>,
  creditorId: string,
  accountId: string,
): Promise<AccountHistory> {
  const state = await accountState(client, creditorId, accountId);
  return {
    accountKey: state.accountKey,
    creditorId,
    accountId,
    stage: state.stage,
    balance: state.balance,
    cadence: state.cadence,
    enrolledAt: state.enrolledAt,
    stageHistory: state.stageHistory,
    steps: state.steps ?? [],
    contacts: state.contacts,
    payments: state.payments,
    arrangements: state.arrangements ?? null,
    complianceEvents: state.compliance?.events ?? [],
    statement: await statement(accountKey(creditorId, accountId), 'receivable'),
    heldCredit: await statement(accountKey(creditorId, accountId), 'customer_credit'),
  };
}
