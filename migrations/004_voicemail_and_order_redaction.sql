-- A call task carries the limited-content message (Reg F 1006.2(j)) the caller may leave on voicemail.
ALTER TABLE call_tasks ADD COLUMN voicemail text;

-- Repossession orders name the debtor and their address: a purge redacts those, the order stays.
ALTER TABLE escalation_orders ADD COLUMN redacted_at timestamptz;
