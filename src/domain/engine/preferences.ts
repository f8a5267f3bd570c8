/**
 * The debtor's contact preferences, as the contacts apply them: a preferred channel between email
 * and SMS (when it can be used: an address, not undeliverable, not opted out, consent for texts),
 * and a preferred time of day, which narrows the contact window of collection contacts (a time the
 * debtor said is inconvenient may not be used, §1006.6(b)(1)).
 */
import type { ContactRules } from '../contact-policy';
import type { Ctx } from './context';
import { TIME_OF_DAY_HOURS } from './records';
import { readSelfService } from './self-service-state';

/** Whether a channel can carry a message to the debtor now (the gate still decides each contact). */
export function channelUsable(ctx: Ctx, channel: 'email' | 'sms'): boolean {
  const s = ctx.s;
  const address = channel === 'email' ? s.profile.email : s.profile.phone;
  if (!address) return false;
  if (s.invalidContacts.some((i) => i.channel === channel && i.address === address)) return false;
  if (s.compliance.optOuts.some((o) => o.channel === channel && o.address === address)) return false;
  if (channel === 'sms') return s.profile.consent.sms || s.compliance.consents.some((c) => c.channel === 'sms' && c.address === address && c.consented);
  return true;
}

/** The debtor's preferred channel instead of the step's email or SMS, when it can be used. */
export function preferredChannel(ctx: Ctx, action: 'email' | 'sms' | 'call' | 'letter'): 'email' | 'sms' | null {
  const preferred = readSelfService(ctx.s).preferences.channel;
  if (!preferred || (action !== 'email' && action !== 'sms') || preferred === action) return null;
  return channelUsable(ctx, preferred) ? preferred : null;
}

/** The rules with the window narrowed to the debtor's preferred hours (never widened). */
export function withPreferredHours(ctx: Ctx, rules: ContactRules): ContactRules {
  const timeOfDay = readSelfService(ctx.s).preferences.timeOfDay;
  if (!timeOfDay) return rules;
  const [from, to] = TIME_OF_DAY_HOURS[timeOfDay];
  const start = Math.max(rules.windowStartHour, from);
  const end = Math.min(rules.windowEndHour, to);
  // A preference outside a stricter pack's window cannot narrow it to nothing: the pack's window stands.
  return start < end ? { ...rules, windowStartHour: start, windowEndHour: end } : rules;
}
