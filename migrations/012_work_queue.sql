-- The operators' work queue (issue 13): tasks the account engine makes for people (debtor replies,
-- disputes to verify, refused steps, trace results, field visits, insurer denials), claims on any
-- queue item whatever table it comes from, operator keys (scoped to creditors, stored hashed) and
-- their signed-in sessions; appeal letters are kept with the account's documents.

CREATE TABLE work_items (
  item_id       text PRIMARY KEY,            -- <account key>/work/<n>: the engine's id, so a retried activity keeps it once
  account_key   text NOT NULL REFERENCES debtor_accounts(account_key),
  creditor_id   text NOT NULL,
  account_id    text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('debtor_reply', 'dispute', 'escalation', 'trace_confirm', 'trace_manual', 'field_visit', 'insurer_denial')),
  title         text NOT NULL,
  priority      integer NOT NULL CHECK (priority BETWEEN 1 AND 5),
  due_at        timestamptz,
  detail        jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  outcome       text,
  completed_by  text,
  completed_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  redacted_at   timestamptz
);
CREATE INDEX work_items_open ON work_items (creditor_id, priority, created_at) WHERE status = 'open';

-- One person works an item at a time: a claim names the source and the item's id in it, and
-- lapses after its expiry so an item nobody finished goes back to the queue.
CREATE TABLE work_claims (
  source       text NOT NULL,
  item_id      text NOT NULL,
  claimed_by   text NOT NULL,                -- the operator key's id
  claimed_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (source, item_id)
);

-- Operator keys: ok_<id>_<secret>; only the SHA-256 of the secret is kept. Separate from creditors'
-- API keys: an operator works for one or more creditors (the scope), never through the REST API.
CREATE TABLE operator_keys (
  key_id         text PRIMARY KEY,
  label          text NOT NULL,
  creditor_ids   text[] NOT NULL CHECK (cardinality(creditor_ids) > 0),
  secret_sha256  bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz
);

-- A signed-in page session: the cookie carries a random token, only its SHA-256 is kept, with the
-- form token (CSRF) of the session; a revoked key ends its sessions.
CREATE TABLE operator_sessions (
  token_sha256  bytea PRIMARY KEY CHECK (octet_length(token_sha256) = 32),
  key_id        text NOT NULL REFERENCES operator_keys(key_id),
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);

ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('letter', 'placement_packet', 'placement_ledger_csv', 'placement_contacts_csv', 'claim_appeal', 'location_letter'));
