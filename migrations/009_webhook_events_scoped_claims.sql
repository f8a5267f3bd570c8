-- Provider events are processed once per (source, creditor, event id): two creditors' payment
-- processors may both send an event "evt_1", and one must not be refused as the other's replay.
-- The mail provider serves every creditor, so its events carry creditor_id '' (its ids are unique
-- across the provider). An event is claimed by one atomic insert before its effect ('processing'),
-- marked 'done' after it, and the claim is removed when the effect fails, so the provider's retry
-- can succeed; a claim left 'processing' by a process that died is taken over after 5 minutes.
ALTER TABLE webhook_events ADD COLUMN creditor_id text;
UPDATE webhook_events SET creditor_id = CASE WHEN source = 'payments' THEN split_part(account_key, '/', 2) ELSE '' END;
ALTER TABLE webhook_events ALTER COLUMN creditor_id SET NOT NULL;
ALTER TABLE webhook_events ADD COLUMN status text NOT NULL DEFAULT 'done' CHECK (status IN ('processing', 'done'));
ALTER TABLE webhook_events ALTER COLUMN status DROP DEFAULT;
ALTER TABLE webhook_events ADD COLUMN claim_token uuid;
ALTER TABLE webhook_events ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_pkey;
ALTER TABLE webhook_events ADD PRIMARY KEY (source, creditor_id, event_id);
