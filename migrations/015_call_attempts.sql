-- Calls people placed ("dialling now", Reg F 1006.14(b)(2)): each dial the contact-policy gate was
-- asked about, with its answer, and what came of the call. The gate's inputs are kept in
-- contact_decisions (idempotency key <account>/dial/<attempt>); this is the work queue's view and
-- what the creditor's other accounts of the same person count against their call caps.
CREATE TABLE call_attempts (
  account_key  text NOT NULL REFERENCES debtor_accounts(account_key),
  attempt_id   text NOT NULL,
  creditor_id  text NOT NULL,
  task_id      text,
  phone        text NOT NULL,
  operator     text NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('allow', 'defer', 'suppress')),
  rule         text NOT NULL,
  asked_at     timestamptz NOT NULL,
  outcome      text CHECK (outcome IN ('no_answer', 'voicemail', 'wrong_number', 'conversation')),
  outcome_at   timestamptz,
  note         text,
  redacted_at  timestamptz,
  PRIMARY KEY (account_key, attempt_id)
);
CREATE INDEX call_attempts_creditor_phone ON call_attempts (creditor_id, phone, asked_at);
