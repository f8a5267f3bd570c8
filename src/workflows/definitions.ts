/**
 * Signals, queries and search attributes of the account workflow, shared by the workflow,
 * the client code and the tests. Workflow-safe: no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AccountProfile, ContactRecord, PaymentRecord, Stage, StageChange } from '../domain/account';
import type { Cadence, RenderSettings } from '../domain/cadence';
import type { Money } from '../domain/money';

export const ACCOUNT_WORKFLOW_TYPE = 'accountWorkflow';

/** A payment as reported by a payment system; the ledger posts it once per paymentId. */
export interface PaymentReceived {
  paymentId: string;
  amountMinor: number;
  currency: string;
  receivedAt?: string;
}
export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');

export interface NextAction {
  description: string;
  at: string; // ISO
}

export interface AccountStateView {
  accountKey: string;
  creditorId: string;
  accountId: string;
  stage: Stage;
  balance: Money;
  cadence: { name: string; version: number };
  enrolledAt: string;
  nextAction: NextAction | null;
  contacts: ContactRecord[];
  payments: PaymentRecord[];
  stageHistory: StageChange[];
}
export const accountStateQuery = defineQuery<AccountStateView>('accountState');

export interface AccountWorkflowInput {
  account: AccountProfile;
  cadence: Cadence;
  settings: RenderSettings;
}

export interface AccountOutcome {
  stage: Stage;
  balance: Money;
  contactsSent: number;
}

export const searchAttributes = {
  creditorId: defineSearchAttributeKey('DunningCreditorId', SearchAttributeType.KEYWORD),
  accountId: defineSearchAttributeKey('DunningAccountId', SearchAttributeType.KEYWORD),
  product: defineSearchAttributeKey('DunningProduct', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('DunningStage', SearchAttributeType.KEYWORD),
  balanceDueMinor: defineSearchAttributeKey('DunningBalanceDue', SearchAttributeType.INT),
  currency: defineSearchAttributeKey('DunningCurrency', SearchAttributeType.KEYWORD),
  nextActionAt: defineSearchAttributeKey('DunningNextActionAt', SearchAttributeType.DATETIME),
} as const;

/** "Name=Type" pairs, as `temporal server start-dev --search-attribute` and the operator CLI take them. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: string[] = Object.values(searchAttributes).map((key) => {
  const type = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.INT]: 'Int', [SearchAttributeType.DATETIME]: 'Datetime' }[
    key.type as string
  ];
  return `${key.name}=${type}`;
});
