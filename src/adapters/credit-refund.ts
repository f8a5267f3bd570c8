/**
 * Refunds a credit the product holds (customer_credit, an overpayment): a refund order to the
 * creditor's system through its signed webhook, sent once per refund id (escalation_orders,
 * deliverOnce) and tried again with growing pauses until acknowledged, then posted in the ledger
 * once (customer_credit to cash). Run again with the same refund id after a failure, it neither
 * orders nor posts twice. The order carries amounts and ids only, no personal data.
 *
 * The credit is reserved before the order leaves: under the account's row lock (the lock a credit
 * application and a returned payment take), the refund checks what is available (held, less other
 * refunds ordered and not yet posted) and records its order. From then on the amount is not applied
 * elsewhere nor taken back by a return, so the refund can always post once acknowledged.
 */
import type { Pool } from 'pg';
import { resolveSecret, type CreditorDirectory } from '../schemas/creditors.schema';
import { createLedgerRepository, derivedBalances, refundsPendingMinor } from './ledger.repository';
import { withTransaction } from './postgres';
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
  const payloadOf = (amountMinor: number) => ({ type: 'credit_refund.ordered', idempotencyKey, creditorId: row.creditor_id, accountId: row.account_id, amountMinor, currency: row.currency });
  const reserved = await reserve(deps.pool, { accountKey: input.accountKey, idempotencyKey, destination: settings.webhookUrl, payloadOf });
  if ('posted' in reserved) return { status: 'already_refunded', refundedMinor: reserved.posted.amountMinor, currency: row.currency, refundedAt: reserved.posted.at.toISOString(), orderReference: '' };
  const { amountMinor } = reserved;
  const payload = payloadOf(amountMinor);
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
      // A refused order reserves nothing any more (the credit may be applied or refunded again).
      if (refused) await deps.pool.query(`UPDATE escalation_orders SET status = 'refused' WHERE idempotency_key = $1 AND status = 'sending'`, [idempotencyKey]);
      if (refused || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause *= 2;
    }
  }
}

/**
 * Reserves the refund's credit once per refund id, under the account's row lock: the refund posted
 * already (nothing to do), the order recorded already (its amount, whatever the credit is now), or
 * a new order of all of the credit available, recorded as sending before anything is sent. A
 * refused order asked again is reserved again if the credit is still available.
 */
async function reserve(
  pool: Pool,
  order: { accountKey: string; idempotencyKey: string; destination: string; payloadOf: (amountMinor: number) => object },
): Promise<{ posted: { amountMinor: number; at: Date } } | { amountMinor: number }> {
  const { accountKey, idempotencyKey } = order;
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT 1 FROM debtor_accounts WHERE account_key = $1 FOR UPDATE`, [accountKey]);
    const posted = await client.query<{ amount_minor: string; effective_at: Date }>(`SELECT amount_minor, effective_at FROM ledger_transactions WHERE idempotency_key = $1`, [idempotencyKey]);
    if (posted.rows[0]) return { posted: { amountMinor: Number(posted.rows[0].amount_minor), at: posted.rows[0].effective_at } };
    const ordered = await client.query<{ payload: { amountMinor: number }; status: string }>(`SELECT payload, status FROM escalation_orders WHERE idempotency_key = $1`, [idempotencyKey]);
    const earlier = ordered.rows[0];
    // The amount ordered first is the amount refunded, whatever the credit is now.
    if (earlier && earlier.status !== 'refused') return { amountMinor: earlier.payload.amountMinor };
    const held = (await derivedBalances(client, accountKey)).creditMinor;
    const pending = await refundsPendingMinor(client, accountKey, idempotencyKey);
    const available = held - pending;
    const amountMinor = earlier?.payload.amountMinor ?? available;
    const pendingNote = pending > 0 ? ` (${pending} of the ${held} held is already ordered refunded: a refund is pending)` : '';
    if (available <= 0) throw new RangeError(`accountKey: account ${accountKey} holds no credit to refund${pendingNote}`);
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > available)
      throw new RangeError(`amountMinor: ${amountMinor} ordered before is more than the ${available} account ${accountKey} has available to refund${pendingNote}`);
    if (earlier) await client.query(`UPDATE escalation_orders SET status = 'sending' WHERE idempotency_key = $1`, [idempotencyKey]);
    else
      await client.query(`INSERT INTO escalation_orders (idempotency_key, account_key, kind, destination, payload, status) VALUES ($1, $2, 'credit_refund', $3, $4, 'sending')`, [
        idempotencyKey,
        accountKey,
        order.destination,
        JSON.stringify(order.payloadOf(amountMinor)),
      ]);
    return { amountMinor };
  });
}
