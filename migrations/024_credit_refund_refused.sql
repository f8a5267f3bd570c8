-- A refund order the creditor's system refused (a 4xx answer) is kept as refused: credit ordered
-- refunded and not yet posted is reserved (neither applied to another debt nor taken back by a
-- returned payment), and a refused order must stop reserving it. Running the refund again with the
-- same id reserves it again (status back to sending) if the credit is still there.
ALTER TABLE escalation_orders DROP CONSTRAINT escalation_orders_status_check;
ALTER TABLE escalation_orders ADD CONSTRAINT escalation_orders_status_check CHECK (status IN ('sending', 'acknowledged', 'refused'));
CREATE INDEX IF NOT EXISTS escalation_orders_credit_refunds ON escalation_orders (account_key) WHERE kind = 'credit_refund';
