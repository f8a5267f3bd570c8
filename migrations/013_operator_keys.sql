-- Operators' keys (not creditors' API keys): they open the codec endpoint, which decrypts any
-- account's Temporal payloads. Only a hash of the secret is kept; a revoked key stays for the audit trail.
CREATE TABLE operator_keys (
  key_id         text PRIMARY KEY,
  operator       text NOT NULL CHECK (btrim(operator) <> ''),
  -- SHA-256 of the secret part of dko_<key_id>_<secret>; 256 random bits, so a fast hash is enough.
  secret_sha256  bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz
);
