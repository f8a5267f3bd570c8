-- Opt-outs kept durably per address (an SMS number, an email address) and creditor, written
-- before the account workflows are told: if telling them fails, the opt-out still holds, because
-- every contact looks here at the moment it is sent. creditor_id '*' applies to every creditor.
CREATE TABLE address_opt_outs (
  channel      text        NOT NULL CHECK (channel IN ('email', 'sms', 'call')),
  address      text        NOT NULL,
  creditor_id  text        NOT NULL,
  source       text        NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address, creditor_id)
);
