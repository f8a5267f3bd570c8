/**
 * After a death, once the retention period is over (§1006.100), the debtor's personal data goes
 * from the account's state too (the activity has redacted Postgres and the files, and destroyed
 * the account's data key): names, addresses, numbers, and every free text that may quote them.
 * Amounts, dates, stages, rules and statuses stay: they are the financial and compliance record.
 */
import type { Ctx } from './context';

const REDACTED = '[redacted]';

export function redactPersonalData(ctx: Ctx): void {
  const s = ctx.s;
  const c = s.compliance;
  const address = s.profile.address;
  s.profile = {
    ...s.profile,
    debtorName: REDACTED,
    email: s.profile.email === null ? null : REDACTED,
    phone: s.profile.phone === null ? null : REDACTED,
    address: { line1: REDACTED, city: REDACTED, region: address.region, postalCode: REDACTED, country: address.country },
  };
  for (const contact of s.contacts) contact.recipient = contact.recipient ? REDACTED : null;
  for (const invalid of s.invalidContacts) invalid.address = REDACTED;
  for (const call of s.callAttempts ?? []) Object.assign(call, { phone: REDACTED, reason: call.reason === null ? null : REDACTED, note: call.note === null ? null : REDACTED });
  // A third party's address and what they or an operator said (the record of why stays: reason, source, times).
  for (const further of s.furtherContacts) Object.assign(further, { key: REDACTED, note: further.note === '' ? '' : REDACTED });
  // Third parties asked for location information, and the trace's candidates: their emails, numbers and addresses (how many, their kinds, statuses and ratings stay).
  s.locationContacts = s.locationContacts.map(() => REDACTED);
  s.locatedContacts = s.locatedContacts.map(() => REDACTED);
  for (const candidate of s.locating?.candidates ?? []) {
    candidate.value = REDACTED;
    if (candidate.address) candidate.address = { line1: REDACTED, city: REDACTED, region: candidate.address.region, postalCode: REDACTED, country: candidate.address.country };
  }
  c.optOuts = c.optOuts.map((o) => ({ ...o, address: REDACTED }));
  c.consents = c.consents.map((o) => ({ ...o, address: REDACTED }));
  for (const event of c.events) event.detail = REDACTED;
  for (const step of s.steps) if (step.detail !== null) step.detail = REDACTED;
  for (const change of s.stageHistory) change.reason = REDACTED;
  if (s.pausedReason) s.pausedReason = REDACTED;
  const rep = c.representative;
  if (rep) c.representative = { ...rep, name: REDACTED, address: { line1: REDACTED, city: REDACTED, region: rep.address.region, postalCode: REDACTED, country: rep.address.country } };
  c.personalDataPurged = true;
  s.nextAction = null;
  s.keysToDestroy = 'continue_first';
}
