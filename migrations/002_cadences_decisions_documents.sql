-- Cadences as versioned documents, the contact-policy decisions, call tasks, documents
-- (letters, placement packets) and orders sent to creditors' systems.

CREATE TABLE cadences (
  name        text NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  document    jsonb NOT NULL,
  saved_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
-- A saved version never changes: running accounts rely on it.
CREATE TRIGGER cadences_immutable BEFORE UPDATE OR DELETE ON cadences
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Every decision of the contact-policy gate, kept as proof (Reg F 1006.100: 3 years after the last activity).
CREATE TABLE contact_decisions (
  idempotency_key  text PRIMARY KEY,
  account_key      text NOT NULL REFERENCES debtor_accounts(account_key),
  step_id          text NOT NULL,
  channel          text NOT NULL,
  decision         text NOT NULL CHECK (decision IN ('allow', 'defer', 'suppress')),
  rule             text NOT NULL,
  reason           text,
  deferred_until   timestamptz,
  inputs           jsonb NOT NULL,
  decided_at       timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_decisions_account ON contact_decisions (account_key, decided_at);
CREATE TRIGGER contact_decisions_append_only BEFORE UPDATE OR DELETE ON contact_decisions
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE call_tasks (
  idempotency_key  text PRIMARY KEY,
  account_key      text NOT NULL REFERENCES debtor_accounts(account_key),
  phone            text NOT NULL,
  script           text NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
  idempotency_key  text PRIMARY KEY,
  account_key      text NOT NULL REFERENCES debtor_accounts(account_key),
  kind             text NOT NULL CHECK (kind IN ('letter', 'placement_packet', 'placement_ledger_csv', 'placement_contacts_csv')),
  content_type     text NOT NULL,
  content          bytea NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_account ON documents (account_key, created_at);

-- Orders to creditors' systems and agents: disconnection, repossession, placement, credit department notices.
CREATE TABLE escalation_orders (
  idempotency_key  text PRIMARY KEY,
  account_key      text NOT NULL REFERENCES debtor_accounts(account_key),
  kind             text NOT NULL CHECK (kind IN ('credit_department_notice', 'service_disconnection', 'repossession', 'placement')),
  destination      text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL CHECK (status IN ('sending', 'acknowledged')),
  response         text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  acknowledged_at  timestamptz
);

-- Letters are outbound messages too (mailed through print-and-mail), once per idempotency key.
ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_channel_check;
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_channel_check CHECK (channel IN ('email', 'sms', 'letter'));
