-- A debtor with several accounts at one creditor (Reg F 1006.6(c), 1006.6(b)(2), 1006.6(e),
-- 1006.14(b)(2)): opt-outs, cease requests, attorney representation and the call caps belong to the
-- person and the number, not to one account.
--
-- debtor_links: who each account's debtor is, as far as we know: the creditor's own id for the
-- person (debtor_id, when the creditor gives one) and the account's email and phone (normalised:
-- lower case; digits and +). Accounts of one creditor are the same person's when any of the three match.
CREATE TABLE debtor_links (
  account_key  text PRIMARY KEY REFERENCES debtor_accounts(account_key),
  creditor_id  text NOT NULL,
  debtor_id    text,
  email        text,
  phone        text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  redacted_at  timestamptz
);
CREATE INDEX debtor_links_debtor ON debtor_links (creditor_id, debtor_id) WHERE debtor_id IS NOT NULL;
CREATE INDEX debtor_links_email ON debtor_links (creditor_id, email) WHERE email IS NOT NULL;
CREATE INDEX debtor_links_phone ON debtor_links (creditor_id, phone) WHERE phone IS NOT NULL;

-- The person's facts as reported on one account: every other account of the same person at the
-- creditor honours them too (signalled at once, and re-checked by the gate when each contact is sent,
-- so an account enrolled later is covered). Append-only but for redaction.
CREATE TABLE debtor_facts (
  id           bigserial PRIMARY KEY,
  -- The account it was reported on (perhaps before its first workflow task opened it in the ledger).
  account_key  text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('opt_out', 'cease_communication', 'attorney_representation', 'conversation')),
  channel      text,
  address      text,
  at           timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  redacted_at  timestamptz
);
CREATE INDEX debtor_facts_account ON debtor_facts (account_key, at);
