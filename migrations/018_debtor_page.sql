-- The debtor's own page (issue 12): signed links per account that expire and can be revoked, the
-- sessions opened by answering the verification question, every answer (right or wrong), the
-- questions debtors write for a person, and every payment attempt through a processor.

-- A link carries only its id and a MAC (the token); what it opens, until when, and whether it was
-- revoked is here. One link per message it went out in (issued_for), so revoking one message's
-- link leaves the others, and revoking an account's links closes them all.
CREATE TABLE debtor_page_links (
  link_id      text PRIMARY KEY,
  account_key  text NOT NULL,
  creditor_id  text NOT NULL,
  issued_for   text NOT NULL,
  issued_at    timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  revoked_by   text
);
CREATE INDEX debtor_page_links_account ON debtor_page_links (account_key, issued_at);

-- A session: the SHA-256 of the cookie's value (the cookie itself is never stored), bound to the
-- link it was opened on and so to one account.
CREATE TABLE debtor_page_sessions (
  session_hash text PRIMARY KEY,
  link_id      text NOT NULL REFERENCES debtor_page_links(link_id),
  account_key  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ended_at     timestamptz
);

-- Every answer to the verification question: wrong answers are counted per account (across its
-- links) to lock guessing, and kept as the log of who tried. The client is a hash, not an address.
CREATE TABLE debtor_page_verifications (
  id            bigserial PRIMARY KEY,
  link_id       text NOT NULL,
  account_key   text NOT NULL,
  succeeded     boolean NOT NULL,
  client        text,
  attempted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX debtor_page_verifications_account ON debtor_page_verifications (account_key, attempted_at);

-- Questions written on the page, for a person to answer (the account keeps only their ids).
CREATE TABLE debtor_questions (
  question_id  text PRIMARY KEY,
  account_key  text NOT NULL,
  creditor_id  text NOT NULL,
  language     text NOT NULL,
  text         text NOT NULL,
  asked_at     timestamptz NOT NULL DEFAULT now(),
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
  answered_at  timestamptz,
  answered_by  text,
  answer_note  text
);
CREATE INDEX debtor_questions_open ON debtor_questions (creditor_id, status, asked_at);

-- Every attempt to take money through a processor: the debtor's checkouts and the retries of a
-- failed automatic payment, once per idempotency key.
CREATE TABLE payment_attempts (
  attempt_key   text PRIMARY KEY,
  account_key   text NOT NULL,
  creditor_id   text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('checkout', 'retry')),
  processor     text NOT NULL,
  processor_id  text,
  amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
  currency      text NOT NULL,
  status        text NOT NULL,
  decline_code  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_attempts_account ON payment_attempts (account_key, created_at);
