import type { Pool } from 'pg';
import { deliverOnce } from './delivery-log';

export type OrderKind = 'credit_department_notice' | 'service_disconnection' | 'service_reconnection' | 'repossession' | 'placement' | 'credit_refund';

/** Orders to creditors' systems and agents, each delivered once per idempotency key (see deliverOnce). */
export function createOrderLog(pool: Pool) {
  return {
    async sendOnce(
      order: { kind: OrderKind; idempotencyKey: string; accountKey: string; destination: string; payload: object },
      deliver: () => Promise<string>,
    ): Promise<{ status: 'acknowledged' | 'already_acknowledged'; response: string }> {
      const outcome = await deliverOnce(
        pool,
        {
          key: order.idempotencyKey,
          insert: {
            text: `INSERT INTO escalation_orders (idempotency_key, account_key, kind, destination, payload, status)
                   VALUES ($1, $2, $3, $4, $5, 'sending') ON CONFLICT (idempotency_key) DO NOTHING`,
            values: [order.idempotencyKey, order.accountKey, order.kind, order.destination, JSON.stringify(order.payload)],
          },
          find: { text: `SELECT status = 'acknowledged' AS done, response AS reference FROM escalation_orders WHERE idempotency_key = $1`, values: [order.idempotencyKey] },
          markDone: { text: `UPDATE escalation_orders SET status = 'acknowledged', response = $1, acknowledged_at = now() WHERE idempotency_key = $2`, values: [order.idempotencyKey] },
        },
        deliver,
      );
      return { status: outcome.status === 'delivered' ? 'acknowledged' : 'already_acknowledged', response: outcome.reference };
    },
  };
}
