import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inNewYorkCity,
  addBusinessDays,
  evaluateContact,
  FEDERAL_FLOOR,
  isWithinValidationPeriod,
  localDateTime,
  nextInstantInWindow,
  rulesFor,
  US_TIME_ZONES,
  usFederalHolidays,
  validationPeriodEnd,
  type ContactHistoryEntry,
  type ContactPolicyDecision,
  type ContactRequest,
  type ContactRules,
  type RuleId,
} from '../src/domain/contact-policy';

const NY = 'America/New_York';
const HONOLULU = 'Pacific/Honolulu';
const EMAIL = 'dana@example.com';
const PHONE = '+15550100001';
const NO_FLAGS = { ceaseCommunication: false, refusedToPay: false, attorneyRepresented: false, deceased: false, bankruptcy: false };

// Wednesday 2025-01-15 10:00 in New York (EST, UTC-5), consent to email and texts recorded.
function request(overrides: Partial<ContactRequest> = {}): ContactRequest {
  return {
    now: '2025-01-15T15:00:00Z',
    channel: 'email',
    recipient: EMAIL,
    purpose: 'collection',
    timezones: [NY],
    state: 'NY',
    city: 'Albany',
    consents: [
      { channel: 'email', address: EMAIL, consented: true },
      { channel: 'sms', address: PHONE, consented: true },
    ],
    optOuts: [],
    flags: NO_FLAGS,
    dispute: 'none',
    history: [],
    ...overrides,
  };
}
const sms = { channel: 'sms', recipient: PHONE } as const;
const call = { channel: 'call', recipient: PHONE } as const;
const letter = { channel: 'letter', recipient: '1 Main St, Albany, NY 12207' } as const;
const flags = (set: Partial<typeof NO_FLAGS>) => ({ flags: { ...NO_FLAGS, ...set } });
const at = (channel: ContactHistoryEntry['channel'], isos: string[], extra: Partial<ContactHistoryEntry> = {}): ContactHistoryEntry[] =>
  isos.map((iso) => ({ channel, at: iso, kind: 'attempt', ...extra }));
/** Daily call attempts at 14:00 UTC (09:00 in New York) on the given January 2025 days. */
const callsOn = (days: number[], channel: ContactHistoryEntry['channel'] = 'call') => at(channel, days.map((d) => `2025-01-${String(d).padStart(2, '0')}T14:00:00Z`));

const BASE: RuleId[] = [
  'deceased',
  'bankruptcy_stay',
  'reg_f_1006_6_c_cease_communication',
  'reg_f_1006_6_b_2_attorney_represented',
  'reg_f_1006_38_dispute_pending',
  'no_recipient',
  'reg_f_1006_6_e_opt_out',
];
const TOD = 'reg_f_1006_6_b_1_i_time_of_day';
const CALLS = 'reg_f_1006_14_b_2_call_frequency';
const AFTER = 'reg_f_1006_14_b_2_after_conversation';
const STATE = 'state_contact_frequency';
const allow = (...checked: RuleId[]): ContactPolicyDecision => ({ kind: 'allow', rule: 'allowed', checked });
const defer = (until: string, rule: RuleId, reason: string): ContactPolicyDecision => ({ kind: 'defer', until, rule, reason });
const suppress = (rule: RuleId, reason: string): ContactPolicyDecision => ({ kind: 'suppress', rule, reason });

interface Case {
  name: string;
  input: Partial<ContactRequest>;
  rules?: ContactRules;
  expected: ContactPolicyDecision;
}

function runCases(cases: Case[]): void {
  for (const c of cases) it(c.name, () => assert.deepEqual(evaluateContact(request(c.input), c.rules ?? FEDERAL_FLOOR), c.expected));
}

const MA = rulesFor('MA', 'Boston');
const NYC = rulesFor('NY', 'New York');
const WA = rulesFor('WA', 'Seattle');
const MA_REASON = 'Massachusetts 940 CMR 7.04(1)(f): 2 contacts by sms/call/voicemail in the last 7 days (limit 2)';
const NYC_REASON = 'New York City 6 RCNY 5-77: 3 contacts by email/sms/call/voicemail/letter in the last 7 days (limit 3)';

describe('contact policy: status rules 1-6, in order', () => {
  runCases([
    { name: 'deceased: collection email suppressed', input: flags({ deceased: true }), expected: suppress('deceased', 'the consumer is deceased: collection stops; only required notices by letter to the estate') },
    { name: 'deceased: a required notice by email is still suppressed', input: { ...flags({ deceased: true }), purpose: 'required_notice' }, expected: suppress('deceased', 'the consumer is deceased: collection stops; only required notices by letter to the estate') },
    { name: 'deceased: a required notice by letter is allowed', input: { ...flags({ deceased: true }), ...letter, purpose: 'required_notice' }, expected: allow(...BASE) },
    { name: 'bankruptcy: collection letter suppressed', input: { ...flags({ bankruptcy: true }), ...letter }, expected: suppress('bankruptcy_stay', 'bankruptcy automatic stay: collection stops; only required notices by letter') },
    { name: 'deceased is checked before bankruptcy and attorney', input: flags({ deceased: true, bankruptcy: true, attorneyRepresented: true }), expected: suppress('deceased', 'the consumer is deceased: collection stops; only required notices by letter to the estate') },
    { name: 'cease request suppresses a collection email', input: flags({ ceaseCommunication: true }), expected: suppress('reg_f_1006_6_c_cease_communication', 'the consumer asked to cease communication: only the confirmation of §1006.6(c)(2) may be sent') },
    { name: 'refusal to pay suppresses a collection SMS', input: { ...flags({ refusedToPay: true }), ...sms }, expected: suppress('reg_f_1006_6_c_cease_communication', 'the consumer refused to pay: only the confirmation of §1006.6(c)(2) may be sent') },
    { name: 'after a cease request, another required notice is suppressed', input: { ...flags({ ceaseCommunication: true }), ...letter, purpose: 'required_notice' }, expected: suppress('reg_f_1006_6_c_cease_communication', 'the consumer asked to cease communication: only the confirmation of §1006.6(c)(2) may be sent') },
    { name: 'the confirmation after a cease request is allowed', input: { ...flags({ ceaseCommunication: true }), ...letter, purpose: 'cease_confirmation' }, expected: allow(...BASE) },
    {
      name: 'the confirmation after a cease request goes once',
      input: { ...flags({ ceaseCommunication: true }), ...letter, purpose: 'cease_confirmation', history: [{ channel: 'letter', at: '2025-01-10T15:00:00Z', kind: 'attempt', ceaseConfirmation: true }] },
      expected: suppress('reg_f_1006_6_c_cease_communication', 'the consumer asked to cease communication: the confirmation of §1006.6(c)(2) was already sent'),
    },
    {
      name: 'the confirmation after a cease request by email still waits for 08:00',
      input: { ...flags({ ceaseCommunication: true }), purpose: 'cease_confirmation', now: '2025-01-15T12:59:00Z' },
      expected: defer('2025-01-15T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York'),
    },
    { name: 'the confirmation after a refusal to pay by phone skips the call cap', input: { ...flags({ refusedToPay: true }), ...call, purpose: 'cease_confirmation', history: callsOn([9, 10, 11, 12, 13, 14, 15]) }, expected: allow(...BASE, TOD) },
    { name: 'attorney: even a required notice goes to the attorney', input: { ...flags({ attorneyRepresented: true }), ...letter, purpose: 'required_notice' }, expected: suppress('reg_f_1006_6_b_2_attorney_represented', 'the consumer is represented by an attorney: contact the attorney instead') },
    { name: 'dispute pending suppresses a collection email', input: { dispute: 'pending_verification' }, expected: suppress('reg_f_1006_38_dispute_pending', 'dispute pending verification: collection is suspended until verification is sent') },
    { name: 'dispute pending lets a required notice through', input: { dispute: 'pending_verification', ...letter, purpose: 'required_notice' }, expected: allow(...BASE) },
    { name: 'verified dispute: collection resumes', input: { dispute: 'verified' }, expected: allow(...BASE, TOD) },
    { name: 'no email address', input: { recipient: null }, expected: suppress('no_recipient', 'no email recipient on file') },
    { name: 'blank phone number', input: { ...sms, recipient: '  ' }, expected: suppress('no_recipient', 'no sms recipient on file') },
    { name: 'SMS opt-out suppresses the next SMS', input: { ...sms, optOuts: [{ channel: 'sms', address: PHONE }] }, expected: suppress('reg_f_1006_6_e_opt_out', '+15550100001 opted out of sms') },
    { name: '... while an email to the same debtor is still allowed', input: { optOuts: [{ channel: 'sms', address: PHONE }] }, expected: allow(...BASE, TOD) },
    { name: 'an opt-out written with punctuation matches the E.164 number', input: { ...sms, optOuts: [{ channel: 'sms', address: '+1 (555) 010-0001' }] }, expected: suppress('reg_f_1006_6_e_opt_out', '+15550100001 opted out of sms') },
    { name: 'opt-out of one email address does not block another', input: { recipient: 'dana@work.example', consents: [], optOuts: [{ channel: 'email', address: EMAIL }] }, expected: allow(...BASE, TOD) },
    { name: 'email opt-out matches regardless of case', input: { recipient: 'Dana@Example.com', optOuts: [{ channel: 'email', address: EMAIL }] }, expected: suppress('reg_f_1006_6_e_opt_out', 'Dana@Example.com opted out of email') },
    { name: 'a request not to be called also stops voicemails', input: { channel: 'voicemail', recipient: PHONE, optOuts: [{ channel: 'call', address: PHONE }] }, expected: suppress('reg_f_1006_6_e_opt_out', '+15550100001 opted out of telephone') },
    { name: 'SMS without recorded consent (TCPA)', input: { ...sms, consents: [] }, expected: suppress('tcpa_consent', 'no recorded consent to texts at +15550100001') },
    { name: 'SMS consent for another number does not count', input: { ...sms, recipient: '+15550100002' }, expected: suppress('tcpa_consent', 'no recorded consent to texts at +15550100002') },
    {
      name: 'the last consent record decides (revoked)',
      input: { ...sms, consents: [{ channel: 'sms', address: PHONE, consented: true }, { channel: 'sms', address: PHONE, consented: false }] },
      expected: suppress('tcpa_consent', 'no recorded consent to texts at +15550100001'),
    },
    { name: 'SMS with consent', input: sms, expected: allow(...BASE, 'tcpa_consent', TOD) },
    { name: 'federal floor: email needs no opt-in', input: { consents: [] }, expected: allow(...BASE, TOD) },
  ]);
});

describe('contact policy: time of day (rule 7)', () => {
  runCases([
    { name: '07:59 local defers to 08:00 local', input: { now: '2025-01-15T12:59:00Z' }, expected: defer('2025-01-15T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: '07:59:30 local defers to 08:00:00 exactly', input: { now: '2025-01-15T12:59:30.250Z' }, expected: defer('2025-01-15T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: '08:00 local is allowed', input: { now: '2025-01-15T13:00:00Z' }, expected: allow(...BASE, TOD) },
    { name: '20:59 local is allowed', input: { now: '2025-01-16T01:59:00Z' }, expected: allow(...BASE, TOD) },
    { name: '21:00 local defers to 08:00 the next day', input: { now: '2025-01-16T02:00:00Z' }, expected: defer('2025-01-16T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'an offset in `now` is honoured', input: { now: '2025-01-15T07:59:00-05:00' }, expected: defer('2025-01-15T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'July (EDT, UTC-4): 07:59 defers to 08:00', input: { now: '2025-07-15T11:59:00Z' }, expected: defer('2025-07-15T12:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'across spring-forward: 21:30 EST defers to 08:00 EDT', input: { now: '2025-03-09T02:30:00Z' }, expected: defer('2025-03-09T12:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'across fall-back: 21:30 EDT defers to 08:00 EST', input: { now: '2025-11-02T01:30:00Z' }, expected: defer('2025-11-02T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'voicemails are timed too', input: { channel: 'voicemail', recipient: PHONE, now: '2025-01-15T12:00:00Z' }, expected: defer('2025-01-15T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'letters are exempt from the hour rule', input: { ...letter, now: '2025-01-15T08:00:00Z' }, expected: allow(...BASE) },
    {
      name: 'Honolulu and New York, January: NY 10:00 defers to NY 13:00 (Honolulu 08:00)',
      input: { timezones: [HONOLULU, NY] },
      expected: defer('2025-01-15T18:00:00.000Z', TOD, 'outside 08:00-21:00 local time in Pacific/Honolulu'),
    },
    { name: 'Honolulu and New York: NY 13:00 is allowed', input: { timezones: [HONOLULU, NY], now: '2025-01-15T18:00:00Z' }, expected: allow(...BASE, TOD) },
    { name: 'Honolulu and New York: NY 20:59 is allowed', input: { timezones: [HONOLULU, NY], now: '2025-01-16T01:59:00Z' }, expected: allow(...BASE, TOD) },
    {
      name: 'Honolulu and New York: NY 21:00 defers to NY 13:00 next day',
      input: { timezones: [HONOLULU, NY], now: '2025-01-16T02:00:00Z' },
      expected: defer('2025-01-16T18:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York'),
    },
    {
      name: 'Honolulu and New York, July (NY on EDT): NY 10:00 defers to NY 14:00',
      input: { timezones: [HONOLULU, NY], now: '2025-07-15T14:00:00Z' },
      expected: defer('2025-07-15T18:00:00.000Z', TOD, 'outside 08:00-21:00 local time in Pacific/Honolulu'),
    },
    {
      name: 'New York and Guam: no common hour at 10:00 NY, next is NY 17:00 (Guam 08:00)',
      input: { timezones: [NY, 'Pacific/Guam'] },
      expected: defer('2025-01-15T22:00:00.000Z', TOD, 'outside 08:00-21:00 local time in Pacific/Guam'),
    },
    { name: 'unknown time zone: held for review', input: { timezones: [] }, expected: suppress('location_unknown', 'no candidate time zone for the consumer: held for review') },
    { name: 'unrecognised zone: held for review', input: { timezones: [NY, 'Mars/Olympus_Mons'] }, expected: suppress('location_unknown', 'unrecognised time zone "Mars/Olympus_Mons": held for review') },
    { name: 'unknown zone does not stop a letter', input: { ...letter, timezones: [] }, expected: allow(...BASE) },
    {
      name: "a creditor's 09:00-20:00 window: 08:30 defers to 09:00",
      input: { now: '2025-01-15T13:30:00Z' },
      rules: rulesFor('NY', 'Albany', { windowStartHour: 9, windowEndHour: 20 }),
      expected: defer('2025-01-15T14:00:00.000Z', TOD, 'outside 09:00-20:00 local time in America/New_York'),
    },
    {
      name: 'an empty window holds the contact for review',
      input: {},
      rules: rulesFor(null, null, { windowStartHour: 21 }),
      expected: suppress(TOD, 'outside 21:00-21:00 local time in America/New_York; no later time satisfies every rule: held for review'),
    },
  ]);
});

describe('contact policy: call frequency (rule 8)', () => {
  // now: Wednesday 2025-01-15 12:00 in New York; calls at 09:00 New York on the listed days.
  const noon = '2025-01-15T17:00:00Z';
  runCases([
    { name: '7th call in 7 days is allowed', input: { ...call, now: noon, history: callsOn([10, 11, 12, 13, 14, 15]) }, expected: allow(...BASE, TOD, CALLS) },
    {
      name: '8th call is deferred until the oldest drops out',
      input: { ...call, now: noon, history: callsOn([9, 10, 11, 12, 13, 14, 15]) },
      expected: defer('2025-01-16T14:00:00.000Z', CALLS, '7 call attempts in the last 7 days (limit 7)'),
    },
    {
      name: 'a call exactly 7 x 24 hours ago no longer counts',
      input: { ...call, now: noon, history: [...at('call', ['2025-01-08T17:00:00Z']), ...callsOn([10, 11, 12, 13, 14, 15])] },
      expected: allow(...BASE, TOD, CALLS),
    },
    { name: 'voicemails count as call attempts', input: { channel: 'voicemail', recipient: PHONE, now: noon, history: [...callsOn([9, 10, 11, 12]), ...callsOn([13, 14, 15], 'voicemail')] }, expected: defer('2025-01-16T14:00:00.000Z', CALLS, '7 call attempts in the last 7 days (limit 7)') },
    {
      name: 'calls the consumer asked for do not count',
      input: { ...call, now: noon, history: [...callsOn([9, 10, 11, 12, 13, 14]), ...at('call', ['2025-01-15T14:00:00Z'], { consumerRequested: true })] },
      expected: allow(...BASE, TOD, CALLS),
    },
    { name: 'texts do not count as calls (federal floor)', input: { ...call, now: noon, history: callsOn([9, 10, 11, 12, 13, 14, 15], 'sms') }, expected: allow(...BASE, TOD, CALLS) },
    {
      name: 'a drop-out at 22:00 local is moved to 08:00 next morning',
      input: { ...call, now: noon, history: [...at('call', ['2025-01-09T03:00:00Z']), ...callsOn([10, 11, 12, 13, 14, 15])] },
      expected: defer('2025-01-16T13:00:00.000Z', CALLS, '7 call attempts in the last 7 days (limit 7)'),
    },
    {
      name: "a creditor's cap of 3 calls",
      input: { ...call, now: noon, history: callsOn([13, 14, 15]) },
      rules: rulesFor(null, null, { maxCallAttemptsPer7Days: 3 }),
      expected: defer('2025-01-20T14:00:00.000Z', CALLS, '3 call attempts in the last 7 days (limit 3)'),
    },
  ]);

  // A telephone conversation on Monday 2025-01-13, 10:00 New York: day 1 of 7; calls resume Monday 2025-01-20.
  const conversation = at('call', ['2025-01-13T15:00:00Z'], { kind: 'conversation' });
  const lateConversation = at('call', ['2025-01-14T02:30:00Z'], { kind: 'conversation' }); // Monday 21:30 in New York, Tuesday in UTC
  const silence = (day: string) => `telephone conversation on 2025-01-13: no calls before ${day} (America/New_York)`;
  runCases([
    { name: 'conversation Monday: a call on Sunday (day 7) is deferred to Monday 08:00', input: { ...call, now: '2025-01-19T15:00:00Z', history: conversation }, expected: defer('2025-01-20T13:00:00.000Z', AFTER, silence('2025-01-20')) },
    { name: 'conversation Monday: a call the following Monday is allowed', input: { ...call, now: '2025-01-20T15:00:00Z', history: conversation }, expected: allow(...BASE, TOD, CALLS, AFTER) },
    { name: 'conversation Monday: the following Monday at 07:30 waits for 08:00', input: { ...call, now: '2025-01-20T12:30:00Z', history: conversation }, expected: defer('2025-01-20T13:00:00.000Z', TOD, 'outside 08:00-21:00 local time in America/New_York') },
    { name: 'days are local: a Monday-evening conversation is Monday', input: { ...call, now: '2025-01-20T15:00:00Z', history: lateConversation }, expected: allow(...BASE, TOD, CALLS, AFTER) },
    { name: 'days are local: ... and Sunday is still day 7', input: { ...call, now: '2025-01-19T15:00:00Z', history: lateConversation }, expected: defer('2025-01-20T13:00:00.000Z', AFTER, silence('2025-01-20')) },
    { name: 'a text conversation does not start the silence', input: { ...call, now: '2025-01-14T15:00:00Z', history: at('sms', ['2025-01-13T15:00:00Z'], { kind: 'conversation' }) }, expected: allow(...BASE, TOD, CALLS) },
    { name: 'an email after a telephone conversation is allowed', input: { now: '2025-01-14T15:00:00Z', history: conversation }, expected: allow(...BASE, TOD) },
    {
      name: "a creditor's 10-day silence",
      input: { ...call, now: '2025-01-20T15:00:00Z', history: conversation },
      rules: rulesFor(null, null, { silenceDaysAfterConversation: 10 }),
      expected: defer('2025-01-23T13:00:00.000Z', AFTER, silence('2025-01-23')),
    },
  ]);
});

describe('contact policy: state and city caps (rule 9)', () => {
  runCases([
    { name: 'Massachusetts: 3rd contact in 7 days (2 texts already) is deferred', input: { ...sms, history: at('sms', ['2025-01-13T15:00:00Z', '2025-01-14T15:00:00Z']) }, rules: MA, expected: defer('2025-01-20T15:00:00.000Z', STATE, MA_REASON) },
    { name: 'Massachusetts: a call after 2 texts is deferred too', input: { ...call, history: at('sms', ['2025-01-13T15:00:00Z', '2025-01-14T15:00:00Z']) }, rules: MA, expected: defer('2025-01-20T15:00:00.000Z', STATE, MA_REASON) },
    { name: 'Massachusetts: email does not count', input: { history: at('sms', ['2025-01-13T15:00:00Z', '2025-01-14T15:00:00Z']) }, rules: MA, expected: allow(...BASE, TOD) },
    { name: 'Massachusetts: a text 8 days ago has dropped out', input: { ...sms, history: at('sms', ['2025-01-07T15:00:00Z', '2025-01-14T15:00:00Z']) }, rules: MA, expected: allow(...BASE, 'tcpa_consent', TOD, STATE) },
    {
      name: 'Massachusetts: the federal call cap is reported first, until is when both pass',
      input: { ...call, now: '2025-01-15T17:00:00Z', history: callsOn([9, 10, 11, 12, 13, 14, 15]) },
      rules: MA,
      expected: defer('2025-01-21T14:00:00.000Z', CALLS, '7 call attempts in the last 7 days (limit 7)'),
    },
    { name: 'New York City requires email opt-in', input: { consents: [] }, rules: NYC, expected: suppress('email_opt_in_consent', 'no recorded opt-in to email at dana@example.com') },
    { name: 'New York City: email with opt-in', input: {}, rules: NYC, expected: allow(...BASE, 'email_opt_in_consent', TOD, STATE) },
    {
      name: 'New York City: 4th contact across channels is deferred (to 08:00)',
      input: { history: [...at('letter', ['2025-01-10T03:00:00Z']), ...at('email', ['2025-01-12T15:00:00Z']), ...at('call', ['2025-01-14T15:00:00Z'])] },
      rules: NYC,
      expected: defer('2025-01-17T13:00:00.000Z', STATE, NYC_REASON),
    },
    {
      name: 'New York City: a letter counts and waits too (not for 08:00)',
      input: { ...letter, history: [...at('letter', ['2025-01-10T03:00:00Z']), ...at('email', ['2025-01-12T15:00:00Z']), ...at('call', ['2025-01-14T15:00:00Z'])] },
      rules: NYC,
      expected: defer('2025-01-17T03:00:00.000Z', STATE, NYC_REASON),
    },
    {
      name: 'Washington: 4th call in a week is deferred (federal alone would allow)',
      input: { ...call, timezones: ['America/Los_Angeles'], history: at('call', ['2025-01-13T18:00:00Z', '2025-01-14T18:00:00Z', '2025-01-15T17:00:00Z']), now: '2025-01-15T20:00:00Z' },
      rules: WA,
      expected: defer('2025-01-20T18:00:00.000Z', STATE, 'Washington RCW 19.16.250: 3 contacts by email/sms/call/voicemail/letter in the last 7 days (limit 3)'),
    },
  ]);
});

describe('rulesFor', () => {
  const maCap = { source: 'Massachusetts 940 CMR 7.04(1)(f)', maxContacts: 2, channels: ['sms', 'call', 'voicemail'] };
  const nycCap = { source: 'New York City 6 RCNY 5-77', maxContacts: 3, channels: ['email', 'sms', 'call', 'voicemail', 'letter'] };
  const cases: { name: string; args: Parameters<typeof rulesFor>; expected: ContactRules }[] = [
    { name: 'no state: the federal floor', args: [null, null], expected: FEDERAL_FLOOR },
    { name: 'a state without a pack', args: ['CA', 'Los Angeles'], expected: FEDERAL_FLOOR },
    { name: 'Massachusetts, any case and spacing', args: ['ma', ' boston '], expected: { ...FEDERAL_FLOOR, contactCaps: [maCap] } as ContactRules },
    { name: 'New York City', args: ['NY', 'New York'], expected: { ...FEDERAL_FLOOR, contactCaps: [nycCap], emailRequiresOptIn: true } as ContactRules },
    { name: 'New York City by borough', args: ['NY', 'Staten  Island'], expected: { ...FEDERAL_FLOOR, contactCaps: [nycCap], emailRequiresOptIn: true } as ContactRules },
    { name: 'New York State outside the city', args: ['NY', 'Buffalo'], expected: FEDERAL_FLOOR },
    { name: 'Washington', args: ['WA', null], expected: { ...FEDERAL_FLOOR, contactCaps: [{ ...nycCap, source: 'Washington RCW 19.16.250' }] } as ContactRules },
    { name: 'an odd state code is no pack', args: ['constructor', '__proto__'], expected: FEDERAL_FLOOR },
    {
      name: 'a looser creditor pack (06-23, 20 calls) is never looser than federal',
      args: [null, null, { windowStartHour: 6, windowEndHour: 23, maxCallAttemptsPer7Days: 20, silenceDaysAfterConversation: 1, emailRequiresOptIn: false }],
      expected: FEDERAL_FLOOR,
    },
    {
      name: 'a looser creditor pack does not undo New York City',
      args: ['NY', 'Brooklyn', { windowStartHour: 6, maxCallAttemptsPer7Days: 20, emailRequiresOptIn: false }],
      expected: { ...FEDERAL_FLOOR, contactCaps: [nycCap], emailRequiresOptIn: true } as ContactRules,
    },
    {
      name: 'a stricter creditor pack tightens every field and adds its cap',
      args: ['MA', 'Boston', { windowStartHour: 9, windowEndHour: 20, maxCallAttemptsPer7Days: 3, silenceDaysAfterConversation: 10, emailRequiresOptIn: true, contactCaps: [{ source: 'creditor', maxContacts: 1, channels: ['email'] }] }],
      expected: { windowStartHour: 9, windowEndHour: 20, maxCallAttemptsPer7Days: 3, silenceDaysAfterConversation: 10, emailRequiresOptIn: true, contactCaps: [maCap, { source: 'creditor', maxContacts: 1, channels: ['email'] }] } as ContactRules,
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(rulesFor(...c.args), c.expected));

  const invalid: { name: string; pack: Parameters<typeof rulesFor>[2]; message: RegExp }[] = [
    { name: 'an hour of 25', pack: { windowStartHour: 25 }, message: /^RangeError: creditor pack: windowStartHour must be a whole number from 0 to 23, got 25$/ },
    { name: 'a cap that is not a number', pack: { maxCallAttemptsPer7Days: Number.NaN }, message: /^RangeError: creditor pack: maxCallAttemptsPer7Days must be a whole number from 0 to 1000, got NaN$/ },
    { name: 'an unknown channel', pack: { contactCaps: [{ source: 'x', maxContacts: 1, channels: ['fax' as 'email'] }] }, message: /^RangeError: creditor pack: unknown channel "fax" in a contact cap$/ },
  ];
  for (const c of invalid) it(`refuses ${c.name}`, () => assert.throws(() => rulesFor(null, null, c.pack), (error: Error) => c.message.test(`${error.name}: ${error.message}`)));

  it('never shares arrays with the packs it merged', () => {
    const rules = rulesFor('MA', null);
    rules.contactCaps[0]!.channels.push('email');
    rules.contactCaps.push({ source: 'x', maxContacts: 0, channels: [] });
    assert.deepEqual(rulesFor('MA', null).contactCaps, [maCap]);
    assert.deepEqual(FEDERAL_FLOOR.contactCaps, []);
  });
});

describe('localDateTime and nextInstantInWindow', () => {
  const cases: { name: string; args: [string, string]; expected: ReturnType<typeof localDateTime> }[] = [
    { name: 'New York in January (EST)', args: ['2025-01-15T12:59:00Z', NY], expected: { date: '2025-01-15', hour: 7, minute: 59, weekday: 3 } },
    { name: 'New York in July (EDT)', args: ['2025-07-15T12:00:00Z', NY], expected: { date: '2025-07-15', hour: 8, minute: 0, weekday: 2 } },
    { name: 'midnight is hour 0', args: ['2025-01-01T05:00:00Z', NY], expected: { date: '2025-01-01', hour: 0, minute: 0, weekday: 3 } },
    { name: 'Guam is already tomorrow', args: ['2025-01-15T20:00:00Z', 'Pacific/Guam'], expected: { date: '2025-01-16', hour: 6, minute: 0, weekday: 4 } },
    { name: 'Honolulu has no DST', args: ['2025-07-15T18:00:00Z', HONOLULU], expected: { date: '2025-07-15', hour: 8, minute: 0, weekday: 2 } },
    { name: 'the hour after spring-forward', args: ['2025-03-09T07:00:00Z', NY], expected: { date: '2025-03-09', hour: 3, minute: 0, weekday: 0 } },
    { name: 'an offset in the input', args: ['2025-01-15T23:30:00-05:00', 'UTC'], expected: { date: '2025-01-16', hour: 4, minute: 30, weekday: 4 } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(localDateTime(...c.args), c.expected));

  it('refuses an instant without zone, and an unknown zone', () => {
    assert.throws(() => localDateTime('2025-01-15T12:00:00', NY), /not an ISO instant with Z or an offset: "2025-01-15T12:00:00"/);
    assert.throws(() => localDateTime('2025-01-15T12:00:00Z', 'Mars/Olympus_Mons'), RangeError);
  });

  // All US zones and territories: only 22:00-01:00 UTC is 08:00-21:00 everywhere (Pago Pago 11:00-14:00, Guam 08:00-11:00, Puerto Rico 18:00-21:00).
  const windows: { name: string; from: string; expected: string | null }[] = [
    { name: 'all US zones, January morning UTC', from: '2025-01-15T12:00:00Z', expected: '2025-01-15T22:00:00.000Z' },
    { name: 'all US zones, July morning UTC', from: '2025-07-15T12:00:00Z', expected: '2025-07-15T22:00:00.000Z' },
    { name: 'all US zones, last minute of the window', from: '2025-01-16T00:59:00Z', expected: '2025-01-16T00:59:00.000Z' },
    { name: 'all US zones, window just closed', from: '2025-01-16T01:00:00Z', expected: '2025-01-16T22:00:00.000Z' },
  ];
  for (const c of windows) it(c.name, () => assert.equal(new Date(nextInstantInWindow(Date.parse(c.from), US_TIME_ZONES, 8, 21)!).toISOString(), c.expected));
  it('an empty window has no next instant', () => assert.equal(nextInstantInWindow(Date.parse('2025-01-15T12:00:00Z'), [NY], 21, 21), null));
});

describe('federal holidays, business days, validation period', () => {
  const holidays: { year: number; expected: string[] }[] = [
    { year: 2025, expected: ['2025-01-01', '2025-01-20', '2025-02-17', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-10-13', '2025-11-11', '2025-11-27', '2025-12-25'] },
    // Saturday 19 June, 25 December and 1 January 2022 are observed on Fridays; Sunday 4 July on Monday.
    { year: 2021, expected: ['2021-01-01', '2021-01-18', '2021-02-15', '2021-05-31', '2021-06-18', '2021-07-05', '2021-09-06', '2021-10-11', '2021-11-11', '2021-11-25', '2021-12-24', '2021-12-31'] },
    // New Year's Day 2022 was observed in 2021; Sunday 19 June and 25 December on Mondays.
    { year: 2022, expected: ['2022-01-17', '2022-02-21', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-10-10', '2022-11-11', '2022-11-24', '2022-12-26'] },
    // Before Juneteenth; Saturday 4 July observed on Friday.
    { year: 2020, expected: ['2020-01-01', '2020-01-20', '2020-02-17', '2020-05-25', '2020-07-03', '2020-09-07', '2020-10-12', '2020-11-11', '2020-11-26', '2020-12-25'] },
    { year: 2026, expected: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25'] },
  ];
  for (const c of holidays) it(`holidays ${c.year}`, () => assert.deepEqual(usFederalHolidays(c.year), c.expected));

  const business: { name: string; args: [string, number]; expected: string }[] = [
    { name: '5 business days over Friday 4 July 2025', args: ['2025-07-02', 5], expected: '2025-07-10' },
    { name: 'Thursday 3 July + 1 skips the holiday and the weekend', args: ['2025-07-03', 1], expected: '2025-07-07' },
    { name: 'Friday + 1 skips MLK Day', args: ['2025-01-17', 1], expected: '2025-01-21' },
    { name: 'Christmas Eve + 1', args: ['2025-12-24', 1], expected: '2025-12-26' },
    { name: 'over New Year', args: ['2025-12-31', 1], expected: '2026-01-02' },
    { name: 'from a Saturday', args: ['2025-07-05', 1], expected: '2025-07-07' },
    { name: 'zero days', args: ['2025-07-05', 0], expected: '2025-07-05' },
    { name: 'backwards over the holiday', args: ['2025-07-07', -1], expected: '2025-07-03' },
  ];
  for (const c of business) it(c.name, () => assert.equal(addBusinessDays(...c.args), c.expected));
  it('refuses fractional days and malformed dates', () => {
    assert.throws(() => addBusinessDays('2025-07-02', 1.5), /business days must be a whole number, got 1.5/);
    assert.throws(() => addBusinessDays('2025-7-2', 1), /not a date YYYY-MM-DD: "2025-7-2"/);
  });

  const periods: { name: string; sent: string; expected: string }[] = [
    { name: 'domain example: sent 2025-07-02, receipt 2025-07-10', sent: '2025-07-02', expected: '2025-08-09' },
    { name: 'over Christmas and New Year: receipt 2025-12-31', sent: '2025-12-23', expected: '2026-01-30' },
    { name: 'sent on a Saturday: receipt Friday 2025-07-11', sent: '2025-07-05', expected: '2025-08-10' },
  ];
  for (const c of periods) it(c.name, () => assert.equal(validationPeriodEnd(c.sent), c.expected));

  const disputes: { name: string; dispute: string; expected: boolean }[] = [
    { name: 'day 30 after mailing is inside', dispute: '2025-08-01', expected: true },
    { name: 'day 36 after mailing is inside (period ends on day 38)', dispute: '2025-08-07', expected: true },
    { name: 'the last day of the period is inside', dispute: '2025-08-09', expected: true },
    { name: 'the day after is outside', dispute: '2025-08-10', expected: false },
    { name: 'a dispute before the notice went out is timely', dispute: '2025-06-30', expected: true },
  ];
  for (const c of disputes) it(`notice sent 2025-07-02: ${c.name}`, () => assert.equal(isWithinValidationPeriod('2025-07-02', c.dispute), c.expected));
});

describe('New York City by ZIP code', () => {
  it('the five boroughs by their ZIP codes (Queens neighbourhoods too), not Nassau County, nor another state', () => {
    const at = (postalCode: string, region = 'NY', country = 'US') => inNewYorkCity({ region, postalCode, country });
    for (const zip of ['10004', '10282', '10301', '10451', '11201', '11101', '11354', '11432', '11691', '11004', '11005', '11354-1234']) assert.equal(at(zip), true, zip);
    for (const zip of ['11001', '11010', '11550', '10501', '12207', '1135', 'ABCDE']) assert.equal(at(zip), false, zip);
    assert.equal(at('10004', 'NJ'), false);
    assert.equal(at('10004', 'NY', 'CA'), false);
  });
});
