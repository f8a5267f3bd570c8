-- The operators' work queue (issue 13): tasks the account engine makes for people (debtor replies,
-- disputes to verify, refused steps, trace results, field visits, insurer denials), claims on any
-- queue item whatever table it comes from, the creditors an operator key (013) may work for and
-- its signed-in sessions; appeal letters are kept with the account's documents.

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

-- Operator keys are main's (013_operator_keys, dko_<id>_<secret>, also the codec endpoint's credential):
-- the work queue adds their scope. A key with creditors listed opens the queue page for those
-- creditors only; a key without (a codec-only key) cannot sign in to the queue.
ALTER TABLE operator_keys ADD COLUMN creditor_ids text[] CHECK (creditor_ids IS NULL OR cardinality(creditor_ids) > 0);

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
