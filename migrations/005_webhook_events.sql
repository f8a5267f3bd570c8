-- Each payment processor event is processed once: its id is recorded after Temporal accepted it.
CREATE TABLE webhook_events (
  source       text NOT NULL,
  event_id     text NOT NULL,
  account_key  text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, event_id)
);
