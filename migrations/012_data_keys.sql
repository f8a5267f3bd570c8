-- Envelope encryption of Temporal payloads (src/crypto): one data key per account (its workflow id,
-- account/<creditor>/<account>) and one per namespace for payloads that belong to no account. A
-- data key is kept only wrapped (AES-256-GCM) by a master key from PAYLOAD_KEYS / PAYLOAD_KEYS_FILE,
-- named by master_key_id. Crypto-shredding destroys an account's keys: the key material goes, the row
-- stays as the tombstone that says when, so the account's payloads in Temporal's history can never be
-- read again. A retired key seals nothing new but still opens what it sealed: a running workflow
-- retires its account's keys, moves to a new run (sealed with a new key), and that run destroys the
-- retired ones, so no history that a worker may still replay loses its keys.
CREATE TABLE data_keys (
  key_id         text PRIMARY KEY,
  -- account/<creditorId>/<accountId>, or namespace/<namespace>
  account_key    text NOT NULL,
  master_key_id  text NOT NULL,
  -- nonce (12) | ciphertext (32) | tag (16); NULL once destroyed
  wrapped_key    bytea CHECK (wrapped_key IS NULL OR octet_length(wrapped_key) = 60),
  created_at     timestamptz NOT NULL DEFAULT now(),
  retired_at     timestamptz,
  destroyed_at   timestamptz,
  CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
CREATE INDEX data_keys_account ON data_keys (account_key, created_at) WHERE destroyed_at IS NULL;

-- A key is never deleted, and neither a retired nor a destroyed key comes back; the changes allowed
-- are a re-wrap under another master key (same key, new wrapping), the retirement and the destruction.
CREATE FUNCTION data_keys_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.destroyed_at IS NULL
     AND NEW.key_id = OLD.key_id AND NEW.account_key = OLD.account_key AND NEW.created_at = OLD.created_at
     AND (OLD.retired_at IS NULL OR NEW.retired_at IS NOT DISTINCT FROM OLD.retired_at)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'data_keys: a key is never deleted, and a retired or destroyed key stays so';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER data_keys_guard BEFORE UPDATE OR DELETE ON data_keys
  FOR EACH ROW EXECUTE FUNCTION data_keys_guard();
