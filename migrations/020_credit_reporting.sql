-- Credit reporting (Metro 2). What each account's workflow knows that the monthly file needs
-- (stage where collection ended, disputes, death, bankruptcy, the contacts Regulation F
-- §1006.30(a) counts, and who and where the consumer is), kept by the account engine whenever one
-- of those facts changes; and a record of every file written and what it furnished per account,
-- so a month written again marks its changed records as corrections and an account furnished
-- before can be deleted (status DA). The records themselves are not kept: only their status,
-- compliance condition code, balance and a fingerprint.
-- No foreign key to debtor_accounts: keeping the facts must never fail and hold the account up
-- (the monthly report joins the ledger's accounts anyway).
CREATE TABLE account_reporting (
  account_key  text PRIMARY KEY,
  creditor_id  text NOT NULL,
  account_id   text NOT NULL,
  facts        jsonb NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  redacted_at  timestamptz
);
CREATE INDEX account_reporting_creditor ON account_reporting (creditor_id);

CREATE TABLE credit_report_files (
  id           bigserial PRIMARY KEY,
  creditor_id  text NOT NULL,
  month        char(7) NOT NULL CHECK (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  created_at   timestamptz NOT NULL,
  records      integer NOT NULL CHECK (records >= 0),
  sha256       char(64) NOT NULL
);
CREATE INDEX credit_report_files_month ON credit_report_files (creditor_id, month, created_at);

CREATE TABLE credit_reported_accounts (
  file_id          bigint NOT NULL REFERENCES credit_report_files(id),
  account_key      text NOT NULL REFERENCES debtor_accounts(account_key),
  month            char(7) NOT NULL,
  status           text NOT NULL,
  compliance_code  text NOT NULL,
  correction       boolean NOT NULL,
  fingerprint      char(64) NOT NULL,
  balance_minor    bigint NOT NULL CHECK (balance_minor >= 0),
  PRIMARY KEY (file_id, account_key)
);
CREATE INDEX credit_reported_accounts_account ON credit_reported_accounts (account_key, month);
