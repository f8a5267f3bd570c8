-- Accounts under collection, a double-entry ledger, and every outbound message.
-- Ledger rows are append-only; balances are always derived from entries.

CREATE TABLE debtor_accounts (
  account_key   text PRIMARY KEY,
  creditor_id   text NOT NULL,
  account_id    text NOT NULL,
  currency      char(3) NOT NULL,
  enrolled_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (creditor_id, account_id)
);

CREATE TABLE ledger_transactions (
  id               bigserial PRIMARY KEY,
  account_key      text NOT NULL REFERENCES debtor_accounts(account_key),
  kind             text NOT NULL CHECK (kind IN ('charge', 'payment')),
  -- The caller's idempotency key: a retried or duplicated posting finds its first posting here.
  idempotency_key  text NOT NULL UNIQUE,
  external_id      text,
  amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
  currency         char(3) NOT NULL,
  effective_at     timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id              bigserial PRIMARY KEY,
  transaction_id  bigint NOT NULL REFERENCES ledger_transactions(id),
  account_key     text NOT NULL REFERENCES debtor_accounts(account_key),
  ledger_account  text NOT NULL CHECK (ledger_account IN ('receivable', 'revenue', 'cash')),
  debit_minor     bigint NOT NULL DEFAULT 0 CHECK (debit_minor >= 0),
  credit_minor    bigint NOT NULL DEFAULT 0 CHECK (credit_minor >= 0),
  currency        char(3) NOT NULL,
  CHECK ((debit_minor = 0) <> (credit_minor = 0))
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_key, ledger_account);

-- Every transaction's debits equal its credits, checked at commit.
CREATE FUNCTION ledger_transaction_balances() RETURNS trigger AS $$
DECLARE imbalance bigint;
BEGIN
  SELECT COALESCE(SUM(debit_minor - credit_minor), 0) INTO imbalance
    FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
  IF imbalance <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance (debits - credits = %)', NEW.transaction_id, imbalance;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances();

CREATE FUNCTION refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE outbound_messages (
  -- workflow id + step id: the same step of the same account is sent at most once.
  idempotency_key      text PRIMARY KEY,
  account_key          text NOT NULL REFERENCES debtor_accounts(account_key),
  channel              text NOT NULL CHECK (channel IN ('email', 'sms')),
  step_id              text NOT NULL,
  recipient            text NOT NULL,
  subject              text,
  body                 text NOT NULL,
  status               text NOT NULL CHECK (status IN ('sending', 'sent')),
  provider_message_id  text,
  attempts             integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz
);
CREATE INDEX outbound_messages_account ON outbound_messages (account_key, created_at);
