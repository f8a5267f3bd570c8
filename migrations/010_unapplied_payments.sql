-- Money that arrived but could not be applied to an account (the account had ended or is not
-- enrolled, or the ledger refused the posting): kept for an operator, so no payment is forgotten.
CREATE TABLE unapplied_payments (
  id            bigserial PRIMARY KEY,
  creditor_id   text        NOT NULL,
  account_id    text        NOT NULL,
  payment_id    text        NOT NULL,
  amount_minor  bigint      NOT NULL,
  currency      text        NOT NULL,
  received_at   timestamptz,
  reason        text        NOT NULL,
  source        text        NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  resolution    text,
  UNIQUE (creditor_id, payment_id)
);
CREATE INDEX unapplied_payments_open ON unapplied_payments (creditor_id, recorded_at) WHERE resolved_at IS NULL;
