-- A credit the product holds (customer_credit, an overpayment) refunded to the debtor: ordered
-- once through the creditor's signed webhook (kept in escalation_orders like every order), then
-- posted in the ledger as a 'refund' (customer_credit to cash).
ALTER TABLE escalation_orders DROP CONSTRAINT escalation_orders_kind_check;
ALTER TABLE escalation_orders ADD CONSTRAINT escalation_orders_kind_check
  CHECK (kind IN ('credit_department_notice', 'service_disconnection', 'service_reconnection', 'repossession', 'placement', 'credit_refund'));
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('charge', 'payment', 'fee', 'interest', 'credit', 'reversal', 'write_off', 'refund'));
