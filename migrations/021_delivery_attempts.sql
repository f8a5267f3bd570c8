-- Each time a message or an order is handed to its receiver (SMTP, Twilio, a creditor's webhook),
-- before the hand-over, on its own connection: an attempt that never got an outcome (the process
-- died, or the database commit failed after the receiver accepted) tells the retry that the
-- receiver may already have it, so it looks there first where the receiver allows a look-up.
-- One row per hand-over; an attempt with no outcome is one the retry cannot be sure about.
CREATE TABLE delivery_attempts (
  id            bigserial PRIMARY KEY,
  idempotency_key text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  -- null: unknown (in flight, or the process died); accepted, refused (the receiver said no), recovered (found at the receiver)
  outcome       text CHECK (outcome IN ('accepted', 'refused', 'recovered')),
  finished_at   timestamptz
);
CREATE INDEX delivery_attempts_open ON delivery_attempts (idempotency_key) WHERE outcome IS NULL;
