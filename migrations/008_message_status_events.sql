-- Delivery receipts of outbound messages (Twilio status callbacks), each status once per message.
-- No phone number here: the message row has it, and the personal-data purge redacts it there.
CREATE TABLE message_status_events (
  provider_message_id  text NOT NULL,
  status               text NOT NULL,
  error_code           text,
  -- The account the message was about (through outbound_messages), when it is one of ours.
  account_key          text,
  received_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider_message_id, status)
);
CREATE INDEX message_status_events_account ON message_status_events (account_key, received_at);
-- Status callbacks and bounces find the message by the provider's id.
CREATE INDEX outbound_messages_provider_id ON outbound_messages (provider_message_id) WHERE provider_message_id IS NOT NULL;
