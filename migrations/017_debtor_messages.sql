-- What debtors write to us that a person must read (Reg F 1006.6(e), 1006.14(h); TCPA: a revocation by
-- any reasonable means is never dropped): free-text requests to stop ("please stop emailing me"),
-- other replies, and mail to the opt-out address that matches no account. An operator's work queue
-- lists the open ones; what the product already did with each (an opt-out applied) is in `applied`.
CREATE TABLE debtor_messages (
  id            bigserial PRIMARY KEY,
  received_at   timestamptz NOT NULL DEFAULT now(),
  channel       text NOT NULL CHECK (channel IN ('email', 'sms')),
  -- The mail provider's or Twilio's id of the message, once.
  source_id     text NOT NULL UNIQUE,
  from_address  text NOT NULL,
  account_keys  text[] NOT NULL DEFAULT '{}',
  kind          text NOT NULL CHECK (kind IN ('stop_request', 'reply', 'unmatched')),
  subject       text,
  body          text NOT NULL,
  -- What it seems to ask (media named, "stop contacting me"), and what the product did already.
  reading       jsonb NOT NULL DEFAULT '{}'::jsonb,
  applied       text,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  handled_at    timestamptz,
  handled_by    text,
  redacted_at   timestamptz
);
CREATE INDEX debtor_messages_open ON debtor_messages (received_at) WHERE status = 'open';
CREATE INDEX debtor_messages_accounts ON debtor_messages USING gin (account_keys);
