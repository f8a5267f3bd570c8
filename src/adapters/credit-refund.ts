/**
 * Refunds a credit the product holds (customer_credit, an overpayment): a refund order to the
 * creditor's system through its signed webhook, sent once per refund id (escalation_orders,
 * deliverOnce) and tried again with growing pauses until acknowledged, then posted in the ledger
 * once (customer_credit to cash). Run again with the same refund id after a failure, it neither
 * orders nor posts twice. The order carries amounts and ids only, no personal data.
 */
import type { Pool } from 'pg';
import { resolveSecret, type CreditorDirectory } from '../schemas/creditors.schema';
import { createLedgerRepository } from './ledger.repository';
import { createOrderLog } from './order-log.repository';
import { postSignedWebhook, WebhookRejectedError } from './webhook.client';

export interface CreditRefundResult {
  status: 'refunded' | 'already_refunded';
  refundedMinor: number;
  currency: string;
  /** When the refund was posted (the first time, for a repeat). */
  refundedAt: string;
  orderReference: string;
}

export async function refundHeldCredit(
  deps: { pool: Pool; creditors: CreditorDirectory; attempts?: number; pauseMs?: number },
  input: { accountKey: string; refundId: string; at: string; reason: string },
): Promise<CreditRefundResult> {
  const ledger = createLedgerRepository(deps.pool);
  const account = await deps.pool.query<{ creditor_id: string; account_id: string; currency: string }>(`SELECT creditor_id, account_id, currency FROM debtor_accounts WHERE account_key = $1`, [input.accountKey]);
  const row = account.rows[0];
  if (!row) throw new RangeError(`accountKey: no account ${input.accountKey}`);
  const settings = deps.creditors.creditors.find((c) => c.id === row.creditor_id)?.creditRefund;
  if (!settings) throw new RangeError(`creditor ${row.creditor_id} has no creditRefund webhook in the creditor directory`);
  const idempotencyKey = `${input.accountKey}/refund/${input.refundId}`;
  const posted = await deps.pool.query<{ amount_minor: string; effective_at: Date }>(`SELECT amount_minor, effective_at FROM ledger_transactions WHERE idempotency_key = $1`, [idempotencyKey]);
  const ordered = await deps.pool.query<{ payload: { amountMinor: number } }>(`SELECT payload FROM escalation_orders WHERE idempotency_key = $1`, [idempotencyKey]);
  // The amount ordered first is the amount refunded, whatever the credit is now.
  const amountMinor = ordered.rows[0]?.payload.amountMinor ?? (await ledger.snapshot(input.accountKey)).creditMinor;
  if (posted.rows[0]) return { status: 'already_refunded', refundedMinor: Number(posted.rows[0].amount_minor), currency: row.currency, refundedAt: posted.rows[0].effective_at.toISOString(), orderReference: '' };
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) throw new RangeError(`accountKey: account ${input.accountKey} holds no credit to refund`);
  const payload = { type: 'credit_refund.ordered', idempotencyKey, creditorId: row.creditor_id, accountId: row.account_id, amountMinor, currency: row.currency };
  const attempts = deps.attempts ?? 8;
  let pause = deps.pauseMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const order = await createOrderLog(deps.pool).sendOnce({ kind: 'credit_refund', idempotencyKey, accountKey: input.accountKey, destination: settings.webhookUrl, payload }, () =>
        postSignedWebhook({ url: settings.webhookUrl, secret: resolveSecret(settings), idempotencyKey, payload }),
      );
      const result = await ledger.refundCredit({ accountKey: input.accountKey, idempotencyKey, at: input.at, reason: input.reason, amountMinor });
      return { status: 'refunded', refundedMinor: result.refundedMinor, currency: row.currency, refundedAt: new Date(Date.parse(input.at)).toISOString(), orderReference: order.response };
    } catch (error) {
      const refused = error instanceof WebhookRejectedError && error.status >= 400 && error.status < 500 && ![408, 409, 429].includes(error.status);
      if (refused || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause *= 2;
    }
  }
}
