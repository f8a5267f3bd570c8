-- A utility account disconnected by order and then paid (or put on a plan the creditor accepts)
-- gets a reconnection order, kept once per idempotency key like every other order.
ALTER TABLE escalation_orders DROP CONSTRAINT escalation_orders_kind_check;
ALTER TABLE escalation_orders ADD CONSTRAINT escalation_orders_kind_check
  CHECK (kind IN ('credit_department_notice', 'service_disconnection', 'service_reconnection', 'repossession', 'placement'));
