-- A credit the product holds (customer_credit, an overpayment) applied to another open debt of the
-- same debtor at the same creditor. One row per application, its id unique per creditor (the
-- operator's idempotency key), written in the same database transaction as its two ledger
-- postings: on the source account customer_credit to credit_transfer, on the target account
-- credit_transfer to the receivable (allocated by the creditor's rule). credit_transfer nets to zero
-- over the two, so each account's entries still balance on their own.
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('charge', 'payment', 'fee', 'interest', 'credit', 'reversal', 'write_off', 'refund', 'credit_application'));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_ledger_account_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_ledger_account_check
  CHECK (ledger_account IN ('receivable', 'revenue', 'cash', 'fee_income', 'interest_income', 'customer_credit', 'write_off', 'adjustments', 'credit_transfer'));

CREATE TABLE credit_applications (
  creditor_id            text NOT NULL,
  application_id         text NOT NULL,
  source_account_key     text NOT NULL REFERENCES debtor_accounts(account_key),
  target_account_key     text NOT NULL REFERENCES debtor_accounts(account_key),
  amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
  currency               char(3) NOT NULL,
  applied_at             timestamptz NOT NULL,
  reason                 text NOT NULL,
  source_transaction_id  bigint NOT NULL UNIQUE REFERENCES ledger_transactions(id),
  target_transaction_id  bigint NOT NULL UNIQUE REFERENCES ledger_transactions(id),
  recorded_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (creditor_id, application_id),
  CHECK (source_account_key <> target_account_key)
);
CREATE INDEX credit_applications_source ON credit_applications (source_account_key, applied_at);
CREATE INDEX credit_applications_target ON credit_applications (target_account_key, applied_at);
CREATE TRIGGER credit_applications_append_only BEFORE UPDATE OR DELETE ON credit_applications
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
