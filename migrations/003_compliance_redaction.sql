-- Purging a deceased or erased debtor's personal data after retention, while the financial record
-- stays: messages, call tasks, documents and contact decisions are redacted in place (the row is
-- the record that a contact happened); the ledger tables are not touched.

ALTER TABLE outbound_messages ADD COLUMN redacted_at timestamptz;
ALTER TABLE call_tasks ADD COLUMN redacted_at timestamptz;
ALTER TABLE documents ADD COLUMN redacted_at timestamptz;
ALTER TABLE contact_decisions ADD COLUMN redacted_at timestamptz;

-- The addresses a decision's inputs name (recipient, consents, opt-outs), longest first so that a
-- number is not half-replaced through a shorter one it contains.
CREATE FUNCTION contact_decision_addresses(inputs jsonb) RETURNS SETOF text AS $$
  SELECT address FROM (
    SELECT DISTINCT address FROM (
      SELECT inputs ->> 'recipient' AS address
      UNION ALL SELECT btrim(inputs ->> 'recipient')
      UNION ALL SELECT entry ->> 'address' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(inputs -> 'consents') = 'array' THEN inputs -> 'consents' ELSE '[]'::jsonb END) AS entry
      UNION ALL SELECT entry ->> 'address' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(inputs -> 'optOuts') = 'array' THEN inputs -> 'optOuts' ELSE '[]'::jsonb END) AS entry
    ) AS named
    WHERE address IS NOT NULL AND btrim(address) <> ''
  ) AS distinct_addresses
  ORDER BY length(address) DESC, address
$$ LANGUAGE sql IMMUTABLE;

-- A decision's reason quotes the recipient ("dana@example.com opted out of email"): the redacted
-- reason is the same sentence with every address of the inputs replaced by '[redacted]'.
CREATE FUNCTION contact_decision_redacted_reason(reason text, inputs jsonb) RETURNS text AS $$
DECLARE
  redacted text := reason;
  address text;
BEGIN
  IF reason IS NULL THEN RETURN NULL; END IF;
  FOR address IN SELECT * FROM contact_decision_addresses(inputs) LOOP
    redacted := replace(redacted, address, '[redacted]');
  END LOOP;
  RETURN redacted;
END $$ LANGUAGE plpgsql IMMUTABLE;

-- Decisions stay append-only proof; the one change allowed is their redaction, once: inputs become
-- {"redacted": true, "channel": <channel>}, the reason loses the addresses it quotes, redacted_at
-- goes from NULL to a time, and every other column stays as it was.
CREATE FUNCTION contact_decisions_append_or_redact() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.redacted_at IS NULL
     AND NEW.redacted_at IS NOT NULL
     AND NEW.inputs = jsonb_build_object('redacted', true, 'channel', OLD.channel)
     AND NEW.reason IS NOT DISTINCT FROM contact_decision_redacted_reason(OLD.reason, OLD.inputs)
     AND to_jsonb(NEW) - 'inputs' - 'reason' - 'redacted_at' = to_jsonb(OLD) - 'inputs' - 'reason' - 'redacted_at'
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only (the only change allowed is a redaction of a row not yet redacted)', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;

DROP TRIGGER contact_decisions_append_only ON contact_decisions;
CREATE TRIGGER contact_decisions_append_or_redact BEFORE UPDATE OR DELETE ON contact_decisions
  FOR EACH ROW EXECUTE FUNCTION contact_decisions_append_or_redact();

-- One row per purged account: the purge happens once, and this is its record.
CREATE TABLE personal_data_purges (
  account_key    text PRIMARY KEY REFERENCES debtor_accounts(account_key),
  reason         text NOT NULL,
  purged_at      timestamptz NOT NULL DEFAULT now(),
  rows_redacted  integer NOT NULL
);
CREATE TRIGGER personal_data_purges_append_only BEFORE UPDATE OR DELETE ON personal_data_purges
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
