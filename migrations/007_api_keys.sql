-- API keys, one creditor each. Only a hash of the secret is kept: the key is shown once, when
-- created. A revoked key stays (revoked_at) so the audit trail keeps who used which key.
CREATE TABLE api_keys (
  key_id         text PRIMARY KEY,
  creditor_id    text NOT NULL,
  -- SHA-256 of the secret part of dk_<key_id>_<secret>; the secret is 256 random bits, so a fast hash is enough.
  secret_sha256  bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  label          text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz
);
CREATE INDEX api_keys_creditor ON api_keys (creditor_id) WHERE revoked_at IS NULL;
