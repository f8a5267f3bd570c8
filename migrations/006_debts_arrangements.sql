-- Several debts (invoices, fees) per account, more kinds of ledger transaction (fees, credits,
-- reversals, write-offs), the overpayment credit account, and arrangements (promises to pay,
-- repayment plans, credit extensions) as the reports read them.

ALTER TABLE debtor_accounts ADD COLUMN allocation_rule text NOT NULL DEFAULT 'oldest_first'
  CHECK (allocation_rule IN ('oldest_first', 'newest_first', 'largest_first', 'smallest_first', 'proportional'));

CREATE TABLE debts (
  account_key  text NOT NULL REFERENCES debtor_accounts(account_key),
  debt_id      text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('invoice', 'fee', 'interest')),
  description  text NOT NULL,
  due_date     date NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_key, debt_id)
);

ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('charge', 'payment', 'fee', 'interest', 'credit', 'reversal', 'write_off'));
-- A transaction is reversed at most once: the unique key makes a duplicate return a no-op.
ALTER TABLE ledger_transactions ADD COLUMN reverses_id bigint UNIQUE REFERENCES ledger_transactions(id);
ALTER TABLE ledger_transactions ADD COLUMN reason text;

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_ledger_account_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_ledger_account_check
  CHECK (ledger_account IN ('receivable', 'revenue', 'cash', 'fee_income', 'interest_income', 'customer_credit', 'write_off', 'adjustments'));
ALTER TABLE ledger_entries ADD COLUMN debt_id text;

-- Accounts opened before this migration hold one debt: their opening balance.
INSERT INTO debts (account_key, debt_id, kind, description, due_date)
SELECT account_key, 'opening', 'invoice', 'Opening balance', (effective_at AT TIME ZONE 'UTC')::date
  FROM ledger_transactions WHERE kind = 'charge' AND idempotency_key LIKE '%/opening-balance'
ON CONFLICT DO NOTHING;
ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only;
UPDATE ledger_entries SET debt_id = 'opening' WHERE ledger_account = 'receivable';
ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only;

-- Receivable entries always name their debt; no other entry does.
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_debt_named CHECK ((ledger_account = 'receivable') = (debt_id IS NOT NULL));
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_debt_exists FOREIGN KEY (account_key, debt_id) REFERENCES debts(account_key, debt_id);
CREATE INDEX ledger_entries_debt ON ledger_entries (account_key, debt_id);

-- The workflow keeps each arrangement's current state here (upserted by id), for reports and operators.
CREATE TABLE arrangements (
  arrangement_id  text PRIMARY KEY,
  account_key     text NOT NULL REFERENCES debtor_accounts(account_key),
  creditor_id     text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('promise', 'plan', 'extension')),
  -- promise: open, kept, partial, broken, cancelled; plan: active, completed, defaulted, cancelled; extension: active, ended
  status          text NOT NULL,
  amount_minor    bigint CHECK (amount_minor >= 0),
  currency        char(3),
  due_date        date,
  created_at      timestamptz NOT NULL,
  resolved_at     timestamptz,
  detail          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX arrangements_creditor ON arrangements (creditor_id, kind, created_at);
