/**
 * The contact-policy gate. Before any outbound contact the workflow asks `evaluateContact` whether
 * it may reach the debtor now (`allow`), later (`defer` to an exact instant) or not at all
 * (`suppress`). Pure and deterministic, because it runs in Temporal's workflow sandbox: no clock,
 * no I/O, no randomness; local times come from Intl.DateTimeFormat with a timeZone. Inputs and
 * outputs are plain JSON, so a decision and its inputs can be kept as proof.
 *
 * Check order; the first rule that fails decides, later rules are not looked at:
 *  1. deceased, bankruptcy_stay          collection stops; only required notices by letter pass
 *  2. cease communication / refused      only the one confirmation of §1006.6(c)(2) passes, once
 *  3. attorney represented               nothing goes to the consumer
 *  4. dispute pending verification       only required notices pass
 *  5. no recipient
 *  6. opt-out of that medium at that address; SMS consent (always, TCPA); email opt-in (if the rules ask)
 *  7. time of day in every candidate zone (not letters); no usable zone → location_unknown
 *  8. call attempts per 7 days, silence after a telephone conversation (calls and voicemails)
 *  9. contact caps per 7 days of state, city or creditor packs
 * Rules 7-9 depend on time. A `defer` names the first of them failing now, and its `until` is the
 * earliest instant at which all of 7-9 pass together, so the workflow does not wake up only to be
 * deferred again. Required notices skip 8 and 9: they must go out, and they do not pressure.
 */

export type ContactChannel = 'email' | 'sms' | 'call' | 'voicemail' | 'letter';
export const CONTACT_CHANNELS: readonly ContactChannel[] = ['email', 'sms', 'call', 'voicemail', 'letter'];

/**
 * A required notice: the validation notice, a transfer or placement notice, a dispute's
 * verification, a notice to an estate or trustee. `cease_confirmation` is the one further contact
 * §1006.6(c)(2) allows after a cease request or a refusal to pay (collection is terminated, or a
 * named remedy may be invoked): the only contact that passes rule 2, and only once.
 */
export type ContactPurpose = 'collection' | 'required_notice' | 'cease_confirmation';
export type DisputeState = 'none' | 'pending_verification' | 'verified';

export interface ChannelAddress {
  channel: ContactChannel;
  address: string; // email address, E.164 number, or postal address for letters
}
/**
 * Consent as recorded, oldest first: the last record for an address decides. Consent belongs to
 * the address (a number, an email address), never to the account: a new number has none until it
 * is given for that number. Where it came from and when are kept with it (TCPA, reassigned numbers).
 */
export interface ConsentRecord extends ChannelAddress {
  consented: boolean;
  /** Where the consent (or its withdrawal) came from: 'enrollment', 'reply', 'form', 'operator', 'contact change: …'. */
  source?: string;
  /** When it was recorded (ISO instant). */
  at?: string;
}
export interface ContactFlags {
  ceaseCommunication: boolean; // a written request to cease communication (§1006.6(c))
  refusedToPay: boolean;
  attorneyRepresented: boolean;
  deceased: boolean;
  bankruptcy: boolean;
}
/** One contact on this debt. A call that reached the consumer is one entry of kind 'conversation'. */
export interface ContactHistoryEntry {
  channel: ContactChannel;
  at: string; // ISO instant
  kind: 'attempt' | 'conversation';
  /** The consumer asked for this contact (12 CFR 1006.14(b)(3)): it does not count towards caps. */
  consumerRequested?: boolean;
  /** The confirmation after a cease request (§1006.6(c)(2)) was sent: no other may follow. */
  ceaseConfirmation?: boolean;
}

export interface ContactRequest {
  now: string; // ISO instant with Z or an offset
  channel: ContactChannel;
  recipient: string | null;
  purpose: ContactPurpose;
  /** IANA zones where the debtor may be (address and phone may disagree); empty = unknown. */
  timezones: string[];
  state: string | null; // USPS code, for the record; rules come from rulesFor(state, city)
  city: string | null;
  consents: ConsentRecord[];
  /** Requests not to use a medium at an address (§1006.6(e) opt-out, §1006.14(h) medium request). */
  optOuts: ChannelAddress[];
  flags: ContactFlags;
  dispute: DisputeState;
  history: ContactHistoryEntry[];
}

/** A cap on contacts per 7 consecutive days across some channels, from a state, city or creditor pack. */
export interface ContactCap {
  source: string;
  maxContacts: number;
  channels: ContactChannel[];
}

/** Rules are data, so a pack can be stored, compared and merged. */
export interface ContactRules {
  windowStartHour: number; // local, inclusive
  windowEndHour: number; // local, exclusive
  maxCallAttemptsPer7Days: number;
  /** Days without calls after a telephone conversation, the conversation day being day 1. */
  silenceDaysAfterConversation: number;
  contactCaps: ContactCap[];
  /** Email needs recorded opt-in consent. SMS always does (TCPA), so it has no switch. */
  emailRequiresOptIn: boolean;
}
export type RulePack = Partial<ContactRules>;

export type RuleId =
  | 'deceased'
  | 'bankruptcy_stay'
  | 'reg_f_1006_6_c_cease_communication'
  | 'reg_f_1006_6_b_2_attorney_represented'
  | 'reg_f_1006_38_dispute_pending'
  | 'no_recipient'
  | 'reg_f_1006_6_e_opt_out'
  | 'tcpa_consent'
  | 'email_opt_in_consent'
  | 'location_unknown'
  | 'reg_f_1006_6_b_1_i_time_of_day'
  | 'reg_f_1006_14_b_2_call_frequency'
  | 'reg_f_1006_14_b_2_after_conversation'
  | 'state_contact_frequency';

export type ContactPolicyDecision =
  | { kind: 'allow'; rule: 'allowed'; checked: RuleId[] }
  | { kind: 'defer'; until: string; rule: RuleId; reason: string }
  | { kind: 'suppress'; rule: RuleId; reason: string };

// ---- rule packs ---------------------------------------------------------------------------------

/** Regulation F as it applies to every account. */
export const FEDERAL_FLOOR: ContactRules = {
  windowStartHour: 8, // 12 CFR 1006.6(b)(1)(i): not before 08:00 ...
  windowEndHour: 21, // ... nor at or after 21:00 local
  maxCallAttemptsPer7Days: 7, // 12 CFR 1006.14(b)(2)(i)
  silenceDaysAfterConversation: 7, // 12 CFR 1006.14(b)(2)(ii)
  contactCaps: [],
  emailRequiresOptIn: false,
};

const EVERY_CHANNEL: ContactChannel[] = [...CONTACT_CHANNELS];

/** Packs by USPS state code. */
export const STATE_PACKS: Record<string, RulePack> = {
  // 940 CMR 7.04(1)(f): at most 2 communications initiated by telephone, text or recorded message per 7 days per debt.
  MA: { contactCaps: [{ source: 'Massachusetts 940 CMR 7.04(1)(f)', maxContacts: 2, channels: ['sms', 'call', 'voicemail'] }] },
  // RCW 19.16.250: no more than 3 communications with the debtor in a week; every medium counts.
  WA: { contactCaps: [{ source: 'Washington RCW 19.16.250', maxContacts: 3, channels: EVERY_CHANNEL }] },
};

// NYC DCWP rules (6 RCNY 5-77): 3 contacts per 7 days across channels; email and text need opt-in.
const NEW_YORK_CITY: RulePack = {
  contactCaps: [{ source: 'New York City 6 RCNY 5-77', maxContacts: 3, channels: EVERY_CHANNEL }],
  emailRequiresOptIn: true,
};
/** Packs by "STATE/CITY", upper case. The boroughs are listed because addresses often name them. */
export const CITY_PACKS: Record<string, RulePack> = Object.fromEntries(
  ['NEW YORK', 'NEW YORK CITY', 'NYC', 'MANHATTAN', 'BROOKLYN', 'BRONX', 'THE BRONX', 'QUEENS', 'STATEN ISLAND'].map((city) => [`NY/${city}`, NEW_YORK_CITY]),
);

/**
 * Whether a US address's ZIP code is in New York City: Manhattan (100–102), Staten Island (103),
 * the Bronx (104), Brooklyn (112) and Queens (111, 113, 114, 116, and 11004–11005; the rest of 110
 * is Nassau County). Addresses in Queens name their neighbourhood ("Flushing", "Astoria") more
 * often than the borough, so the city's name alone misses them.
 */
export function inNewYorkCity(address: { region: string; postalCode: string; country: string }): boolean {
  if (address.country !== 'US' || address.region.trim().toUpperCase() !== 'NY') return false;
  const zip = /^(\d{5})(?:-\d{4})?$/.exec(address.postalCode.trim())?.[1];
  if (!zip) return false;
  return ['100', '101', '102', '103', '104', '111', '112', '113', '114', '116'].includes(zip.slice(0, 3)) || zip === '11004' || zip === '11005';
}

/** Whether the city's name alone already selects the New York City pack. */
export const namesNewYorkCity = (region: string, city: string): boolean => Object.hasOwn(CITY_PACKS, cityPackKey(region, city));

/** A city pack's key: "STATE/CITY", upper case, spaces collapsed. */
const cityPackKey = (state: string | null, city: string | null): string => `${state?.trim().toUpperCase() ?? ''}/${city?.trim().toUpperCase().replace(/\s+/g, ' ') ?? ''}`;

const WHOLE_NUMBER_FIELDS = [['windowStartHour', 0, 23], ['windowEndHour', 1, 24], ['maxCallAttemptsPer7Days', 0, 1000], ['silenceDaysAfterConversation', 0, 365]] as const;

function checkPack(pack: RulePack, source: string): void {
  const wholeNumber = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  for (const [field, min, max] of WHOLE_NUMBER_FIELDS) {
    const value = pack[field];
    if (value !== undefined && !wholeNumber(value, min, max)) throw new RangeError(`${source}: ${field} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  for (const cap of pack.contactCaps ?? []) {
    if (!wholeNumber(cap.maxContacts, 0, 1000)) throw new RangeError(`${source}: maxContacts must be a whole number from 0 to 1000, got ${cap.maxContacts}`);
    const unknown = cap.channels.find((channel) => !CONTACT_CHANNELS.includes(channel));
    if (unknown !== undefined) throw new RangeError(`${source}: unknown channel "${unknown}" in a contact cap`);
  }
}

/** The stricter of every field: a pack can narrow the rules, never widen them. */
function stricter(base: ContactRules, pack: RulePack, source: string): ContactRules {
  checkPack(pack, source);
  return {
    windowStartHour: Math.max(base.windowStartHour, pack.windowStartHour ?? 0),
    windowEndHour: Math.min(base.windowEndHour, pack.windowEndHour ?? 24),
    maxCallAttemptsPer7Days: Math.min(base.maxCallAttemptsPer7Days, pack.maxCallAttemptsPer7Days ?? Infinity),
    silenceDaysAfterConversation: Math.max(base.silenceDaysAfterConversation, pack.silenceDaysAfterConversation ?? 0),
    // Every cap stays in force on its own channels, so keeping them all is stricter than any one.
    contactCaps: [...base.contactCaps, ...(pack.contactCaps ?? [])].map((cap) => ({ ...cap, channels: [...cap.channels] })),
    emailRequiresOptIn: base.emailRequiresOptIn || (pack.emailRequiresOptIn ?? false),
  };
}

/** Federal floor, then the state's pack, the city's pack and the creditor's own, each only tightening. */
export function rulesFor(state: string | null, city: string | null, creditorOverrides?: RulePack): ContactRules {
  const stateKey = state?.trim().toUpperCase() ?? '';
  const cityKey = cityPackKey(state, city);
  let rules = stricter(FEDERAL_FLOOR, {}, 'federal floor');
  if (Object.hasOwn(STATE_PACKS, stateKey)) rules = stricter(rules, STATE_PACKS[stateKey]!, `state pack ${stateKey}`);
  if (Object.hasOwn(CITY_PACKS, cityKey)) rules = stricter(rules, CITY_PACKS[cityKey]!, `city pack ${cityKey}`);
  if (creditorOverrides) rules = stricter(rules, creditorOverrides, 'creditor pack');
  return rules;
}

// ---- time -----------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Zones taken as "all US zones": the states (incl. Alaska's Aleutians and Hawaii) and the inhabited territories. */
export const US_TIME_ZONES: readonly string[] = [
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles',
  'America/Anchorage', 'America/Adak', 'Pacific/Honolulu', 'America/Puerto_Rico', 'America/St_Thomas',
  'Pacific/Guam', 'Pacific/Saipan', 'Pacific/Pago_Pago',
];

/** Parses an ISO instant; a string without Z or offset would be read in the host's zone, so it is refused. */
function instantMs(iso: string): number {
  const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant with Z or an offset: "${iso}"`);
  return ms;
}

function dateMs(date: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`not a date YYYY-MM-DD: "${date}"`);
  return ms;
}

const addDays = (date: string, days: number) => new Date(dateMs(date) + days * DAY_MS).toISOString().slice(0, 10);
/** 0 = Sunday ... 6 = Saturday. */
const weekdayOf = (date: string) => new Date(dateMs(date)).getUTCDay();
const iso = (ms: number) => new Date(ms).toISOString();

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    // h23, because some engines print midnight as "24" with hour12: false.
    const options = { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' } as const;
    formatter = new Intl.DateTimeFormat('en-US', options);
    formatters.set(zone, formatter);
  }
  return formatter;
}

function isKnownZone(zone: string): boolean {
  try {
    return formatterFor(zone) !== undefined;
  } catch {
    return false; // Intl throws a RangeError for a zone it does not know
  }
}

type WallClock = { date: string; hour: number; minute: number; second: number };
function wallClock(ms: number, zone: string): WallClock {
  const part: Record<string, string> = {};
  for (const { type, value } of formatterFor(zone).formatToParts(ms)) part[type] = value;
  return { date: `${part.year}-${part.month}-${part.day}`, hour: Number(part.hour), minute: Number(part.minute), second: Number(part.second) };
}

export interface LocalDateTime {
  date: string; // YYYY-MM-DD
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday ... 6 = Saturday
}
export function localDateTime(instantIso: string, zone: string): LocalDateTime {
  const { date, hour, minute } = wallClock(instantMs(instantIso), zone);
  return { date, hour, minute, weekday: weekdayOf(date) };
}

/** The zone's offset from UTC at an instant, from Intl, so DST is whatever the zone had then. */
function offsetMs(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return dateMs(w.date) + ((w.hour * 60 + w.minute) * 60 + w.second) * 1000 - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the zone's clock shows `minuteOfDay` on `date` (second pass settles DST). */
function wallTimeToMs(date: string, minuteOfDay: number, zone: string): number {
  const wall = dateMs(date) + minuteOfDay * MINUTE_MS;
  const guess = wall - offsetMs(wall, zone);
  return wall - offsetMs(guess, zone);
}

const minuteOfDay = (w: WallClock) => w.hour * 60 + w.minute;
const insideWindow = (w: WallClock, startHour: number, endHour: number) => minuteOfDay(w) >= startHour * 60 && minuteOfDay(w) < endHour * 60;

/**
 * The earliest instant at or after `fromMs` whose local time is within [startHour, endHour) in
 * every zone, or null if there is none within 48 hours. While a zone is outside, no instant before
 * its next opening can qualify, so the search jumps to the latest such opening and looks again.
 */
export function nextInstantInWindow(fromMs: number, zones: readonly string[], startHour: number, endHour: number): number | null {
  if (startHour >= endHour) return null;
  let t = fromMs;
  while (t <= fromMs + 2 * DAY_MS) {
    let next = t;
    for (const zone of zones) {
      const w = wallClock(t, zone);
      if (insideWindow(w, startHour, endHour)) continue;
      const openingDate = minuteOfDay(w) < startHour * 60 ? w.date : addDays(w.date, 1);
      next = Math.max(next, wallTimeToMs(openingDate, startHour * 60, zone), t + 1);
    }
    if (next === t) return t;
    t = next;
  }
  return null;
}

const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

// ---- the gate -----------------------------------------------------------------------------------

/** Calls and voicemails are one medium: telephone (a voicemail is a call attempt). */
const isTelephone = (channel: ContactChannel) => channel === 'call' || channel === 'voicemail';
const medium = (channel: ContactChannel) => (isTelephone(channel) ? 'telephone' : channel);

function normalizedAddress(channel: ContactChannel, address: string): string {
  if (channel === 'email' || channel === 'letter') return address.trim().toLowerCase().replace(/\s+/g, ' ');
  return address.replace(/[^\d+]/g, ''); // "+1 (555) 010-0000" and "+15550100000" are one number
}

const sameAddress = (channel: ContactChannel, a: ChannelAddress, recipient: string) =>
  medium(a.channel) === medium(channel) && normalizedAddress(channel, a.address) === normalizedAddress(channel, recipient);

/** Whether the last consent recorded for that address on that channel gives consent. */
export function hasConsent(consents: readonly ConsentRecord[], channel: ContactChannel, recipient: string): boolean {
  let consented = false;
  for (const record of consents) if (record.channel === channel && sameAddress(channel, record, recipient)) consented = record.consented;
  return consented;
}

/** A time-based rule failing at an instant; notBefore null means it never passes again. */
type Block = { reason: string; notBefore: number | null };
type TimedRule = { id: RuleId; check: (t: number) => Block | null };

/** Under the cap while fewer than `max` counted contacts lie in the 7 x 24 hours before t. */
function capBlock(times: number[], max: number, t: number, what: string): Block | null {
  const inWindow = times.filter((at) => at > t - WEEK_MS).sort((a, b) => a - b);
  if (inWindow.length < max) return null;
  // The (count - max + 1)-th oldest must drop out of the window to leave room for one more.
  const dropping = inWindow[inWindow.length - max];
  return { reason: `${inWindow.length} ${what} in the last 7 days (limit ${max})`, notBefore: dropping === undefined ? null : dropping + WEEK_MS };
}

function timedRules(request: ContactRequest, rules: ContactRules, zones: string[]): TimedRule[] {
  const { channel, history } = request;
  const collection = request.purpose === 'collection';
  const counted = history.filter((entry) => !entry.consumerRequested);
  const timed: TimedRule[] = [];

  // 12 CFR 1006.6(b)(1)(i): 08:00-21:00 local, in every zone the consumer may be in. Letters are not timed.
  if (channel !== 'letter') {
    const { windowStartHour: start, windowEndHour: end } = rules;
    timed.push({
      id: 'reg_f_1006_6_b_1_i_time_of_day',
      check: (t) => {
        const outside = zones.filter((zone) => !insideWindow(wallClock(t, zone), start, end));
        if (outside.length === 0) return null;
        return { reason: `outside ${hh(start)}-${hh(end)} local time in ${outside.join(', ')}`, notBefore: nextInstantInWindow(t, zones, start, end) };
      },
    });
  }

  if (collection && isTelephone(channel)) {
    // 12 CFR 1006.14(b)(2)(i): at most 7 call attempts (voicemails and unanswered calls included) in
    // 7 consecutive days, taken as the 7 x 24 hours before now (a rolling window, so a burst late
    // on one day keeps counting into the same hour a week later).
    const calls = counted.filter((entry) => isTelephone(entry.channel)).map((entry) => instantMs(entry.at));
    timed.push({ id: 'reg_f_1006_14_b_2_call_frequency', check: (t) => capBlock(calls, rules.maxCallAttemptsPer7Days, t, 'call attempts') });

    // 12 CFR 1006.14(b)(2)(ii): no call within 7 days after a telephone conversation, the conversation
    // day being day 1, in local calendar days of the first candidate zone: a conversation on Monday
    // means no call until the following Monday.
    const zone = zones[0]!;
    const conversationDays = history
      .filter((entry) => isTelephone(entry.channel) && entry.kind === 'conversation')
      .map((entry) => wallClock(instantMs(entry.at), zone).date)
      .sort();
    const lastConversation = conversationDays[conversationDays.length - 1];
    if (lastConversation !== undefined) {
      const firstFreeDay = addDays(lastConversation, rules.silenceDaysAfterConversation);
      timed.push({
        id: 'reg_f_1006_14_b_2_after_conversation',
        check: (t) =>
          wallClock(t, zone).date >= firstFreeDay
            ? null
            : { reason: `telephone conversation on ${lastConversation}: no calls before ${firstFreeDay} (${zone})`, notBefore: wallTimeToMs(firstFreeDay, 0, zone) },
      });
    }
  }

  // State, city and creditor caps on contacts per 7 days across their channels.
  const caps = rules.contactCaps.filter((cap) => cap.channels.includes(channel));
  if (collection && caps.length > 0) {
    timed.push({
      id: 'state_contact_frequency',
      check: (t) => {
        const blocks = caps.flatMap((cap) => {
          const times = counted.filter((entry) => cap.channels.includes(entry.channel)).map((entry) => instantMs(entry.at));
          const block = capBlock(times, cap.maxContacts, t, `contacts by ${cap.channels.join('/')}`);
          return block ? [{ ...block, reason: `${cap.source}: ${block.reason}` }] : [];
        });
        if (blocks.length === 0) return null;
        const never = blocks.some((block) => block.notBefore === null);
        return { reason: blocks[0]!.reason, notBefore: never ? null : Math.max(...blocks.map((block) => block.notBefore!)) };
      },
    });
  }
  return timed;
}

/** Decides one outbound contact. See the check order at the top of this file. */
export function evaluateContact(request: ContactRequest, rules: ContactRules): ContactPolicyDecision {
  const nowMs = instantMs(request.now);
  const { channel, flags } = request;
  const notice = request.purpose !== 'collection';
  const checked: RuleId[] = [];
  const suppress = (rule: RuleId, reason: string): ContactPolicyDecision => ({ kind: 'suppress', rule, reason });

  // 1. Deceased: only the estate may be reached, and here only with required notices by letter.
  if (flags.deceased && !(notice && channel === 'letter')) return suppress('deceased', 'the consumer is deceased: collection stops; only required notices by letter to the estate');
  checked.push('deceased');
  // 1. Bankruptcy (11 U.S.C. 362 automatic stay): collection stops.
  if (flags.bankruptcy && !(notice && channel === 'letter')) return suppress('bankruptcy_stay', 'bankruptcy automatic stay: collection stops; only required notices by letter');
  checked.push('bankruptcy_stay');

  // 2. 12 CFR 1006.6(c): a cease request or refusal to pay stops everything but one confirmation
  // (collection is terminated, or a named remedy may be invoked), sent once.
  if (flags.ceaseCommunication || flags.refusedToPay) {
    const who = `the consumer ${flags.ceaseCommunication ? 'asked to cease communication' : 'refused to pay'}`;
    if (request.purpose !== 'cease_confirmation') return suppress('reg_f_1006_6_c_cease_communication', `${who}: only the confirmation of §1006.6(c)(2) may be sent`);
    if (request.history.some((h) => h.ceaseConfirmation)) return suppress('reg_f_1006_6_c_cease_communication', `${who}: the confirmation of §1006.6(c)(2) was already sent`);
  }
  checked.push('reg_f_1006_6_c_cease_communication');

  // 3. 12 CFR 1006.6(b)(2): a represented consumer is reached through the attorney.
  if (flags.attorneyRepresented) return suppress('reg_f_1006_6_b_2_attorney_represented', 'the consumer is represented by an attorney: contact the attorney instead');
  checked.push('reg_f_1006_6_b_2_attorney_represented');

  // 4. 12 CFR 1006.38(d)(2): a timely dispute suspends collection until verification is sent.
  if (request.dispute === 'pending_verification' && !notice)
    return suppress('reg_f_1006_38_dispute_pending', 'dispute pending verification: collection is suspended until verification is sent');
  checked.push('reg_f_1006_38_dispute_pending');

  // 5. Nothing to send to.
  const recipient = request.recipient?.trim() ?? '';
  if (recipient === '') return suppress('no_recipient', `no ${channel} recipient on file`);
  checked.push('no_recipient');

  // 6. 12 CFR 1006.6(e): an opt-out of email or text is honoured for that address; a request not to
  // use another medium the same way (1006.14(h)). Other addresses stay open.
  if (request.optOuts.some((optOut) => sameAddress(channel, optOut, recipient))) return suppress('reg_f_1006_6_e_opt_out', `${recipient} opted out of ${medium(channel)}`);
  checked.push('reg_f_1006_6_e_opt_out');
  // TCPA, 47 U.S.C. 227(b)(1)(A)(iii): texts to a mobile need prior express consent, whatever the rules say.
  if (channel === 'sms') {
    if (!hasConsent(request.consents, 'sms', recipient)) return suppress('tcpa_consent', `no recorded consent to texts at ${recipient}`);
    checked.push('tcpa_consent');
  }
  // State and city packs (e.g. New York City) that require opt-in before email.
  if (channel === 'email' && rules.emailRequiresOptIn) {
    if (!hasConsent(request.consents, 'email', recipient)) return suppress('email_opt_in_consent', `no recorded opt-in to email at ${recipient}`);
    checked.push('email_opt_in_consent');
  }

  // 7. 12 CFR 1006.6(b)(1)(i) needs the consumer's location. Unknown: across US_TIME_ZONES the common
  // window is about 3 hours a day (22:00-01:00 UTC), so the account is held for review, not contacted.
  const zones = request.timezones;
  if (channel !== 'letter') {
    if (zones.length === 0) return suppress('location_unknown', 'no candidate time zone for the consumer: held for review');
    const unknown = zones.find((zone) => !isKnownZone(zone));
    if (unknown !== undefined) return suppress('location_unknown', `unrecognised time zone "${unknown}": held for review`);
  }

  // 7-9. Time-based rules: allow, or defer to the earliest instant at which all of them pass.
  const timed = timedRules(request, rules, zones);
  const firstBlock = (t: number) => {
    for (const rule of timed) {
      const block = rule.check(t);
      if (block) return { id: rule.id, ...block };
    }
    return null;
  };
  const blocked = firstBlock(nowMs);
  if (!blocked) return { kind: 'allow', rule: 'allowed', checked: [...checked, ...timed.map((rule) => rule.id)] };
  let t = blocked.notBefore;
  for (let round = 0; t !== null && round < 20; round++) {
    const next = firstBlock(t);
    if (!next) return { kind: 'defer', until: iso(t), rule: blocked.id, reason: blocked.reason };
    t = next.notBefore === null ? null : Math.max(next.notBefore, t + 1);
  }
  return suppress(blocked.id, `${blocked.reason}; no later time satisfies every rule: held for review`);
}

// ---- calendar: holidays, business days, validation period ---------------------------------------

/** The n-th (1-based; -1 = last) given weekday of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = `${year}-${String(month).padStart(2, '0')}-01`;
  if (n > 0) return addDays(first, ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7);
  const last = iso(Date.UTC(year, month, 0)).slice(0, 10); // day 0 of the next month
  return addDays(last, -((weekdayOf(last) - weekday + 7) % 7));
}

/** A fixed-date holiday on a Saturday is observed the Friday before, on a Sunday the Monday after (5 U.S.C. 6103(b)). */
function observed(year: number, monthDay: string): string {
  const date = `${String(year).padStart(4, '0')}-${monthDay}`;
  const weekday = weekdayOf(date);
  return weekday === 6 ? addDays(date, -1) : weekday === 0 ? addDays(date, 1) : date;
}

/** Observed federal holidays (5 U.S.C. 6103(a)) falling in `year`, sorted; Juneteenth from 2021. */
export function usFederalHolidays(year: number): string[] {
  if (!Number.isInteger(year) || year < 1 || year > 9998) throw new RangeError(`not a year: ${year}`);
  const dates = [
    observed(year, '01-01'),
    nthWeekday(year, 1, 1, 3), // Martin Luther King Jr. Day: 3rd Monday of January
    nthWeekday(year, 2, 1, 3), // Washington's Birthday: 3rd Monday of February
    nthWeekday(year, 5, 1, -1), // Memorial Day: last Monday of May
    ...(year >= 2021 ? [observed(year, '06-19')] : []),
    observed(year, '07-04'),
    nthWeekday(year, 9, 1, 1), // Labor Day: 1st Monday of September
    nthWeekday(year, 10, 1, 2), // Columbus Day: 2nd Monday of October
    observed(year, '11-11'),
    nthWeekday(year, 11, 4, 4), // Thanksgiving: 4th Thursday of November
    observed(year, '12-25'),
    observed(year + 1, '01-01'), // Saturday 1 January is observed on 31 December of this year
  ];
  return dates.filter((date) => date.startsWith(`${String(year).padStart(4, '0')}-`)).sort();
}

export function isBusinessDay(date: string): boolean {
  const weekday = weekdayOf(date);
  return weekday !== 0 && weekday !== 6 && !usFederalHolidays(Number(date.slice(0, 4))).includes(date);
}

/** `n` business days after `date` (before, if negative), skipping weekends and federal holidays. */
export function addBusinessDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`business days must be a whole number, got ${n}`);
  dateMs(date);
  let current = date;
  for (let left = Math.abs(n); left > 0; ) {
    current = addDays(current, Math.sign(n));
    if (isBusinessDay(current)) left--;
  }
  return current;
}

/**
 * 12 CFR 1006.34(b)(5): the validation period ends 30 days after receipt, and receipt may be
 * assumed 5 business days after sending (1006.34(b)(5) and (c)(3)(ii)).
 */
export function validationPeriodEnd(sentDate: string): string {
  return addDays(addBusinessDays(sentDate, 5), 30);
}

/** A dispute dated up to and including the last day of the period is timely (earlier ones too). */
export function isWithinValidationPeriod(sentDate: string, disputeDate: string): boolean {
  dateMs(disputeDate);
  return disputeDate <= validationPeriodEnd(sentDate);
}
