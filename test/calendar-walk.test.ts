/**
 * The product's calendar rules walked over every day of 2024-2030 (two leap years, every DST
 * change, every holiday next to a weekend): business days, observed federal holidays, the
 * validation period, local times in the debtor's zone and the contact window. The workflow tests
 * compute their expected dates from these same functions, so they hold whatever day they run on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addBusinessDays, isBusinessDay, isWithinValidationPeriod, localDateTime, nextInstantInWindow, usFederalHolidays, validationPeriodEnd } from '../src/domain/contact-policy';
import { addCalendarDays, shiftByLocalDays, zonedTimeToUtcMs } from '../src/domain/schedule';
import { LONGEST_VALIDATION_PERIOD_DAYS, SHORTEST_VALIDATION_PERIOD_DAYS } from '../src/domain/threats';

const FIRST = '2024-01-01';
const LAST = '2030-12-31';
const days: string[] = [];
for (let d = FIRST; d <= LAST; d = addCalendarDays(d, 1)) days.push(d);
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu', 'America/Puerto_Rico', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const hhmm = (ms: number, zone: string) => {
  const l = localDateTime(new Date(ms).toISOString(), zone);
  return `${l.date} ${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
};

describe('calendar rules over every day of 2024-2030', () => {
  it('walks 2,557 days, two of them 29 February', () => {
    assert.equal(days.length, 2557);
    assert.deepEqual(days.filter((d) => d.endsWith('-02-29')), ['2024-02-29', '2028-02-29']);
  });

  it('observes the federal holidays as OPM publishes them (a Saturday holiday on the Friday before, a Sunday one on the Monday after)', () => {
    // Transcribed from OPM's published calendars, not computed.
    assert.deepEqual(usFederalHolidays(2026), ['2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25']);
    assert.deepEqual(usFederalHolidays(2027), ['2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25', '2027-12-24', '2027-12-31']);
    // 1 January 2028 is a Saturday: observed on 31 December 2027, so 2028 has ten.
    assert.deepEqual(usFederalHolidays(2028), ['2028-01-17', '2028-02-21', '2028-05-29', '2028-06-19', '2028-07-04', '2028-09-04', '2028-10-09', '2028-11-10', '2028-11-23', '2028-12-25']);
    for (let year = 2024; year <= 2030; year++) for (const h of usFederalHolidays(year)) assert.ok(weekday(h) >= 1 && weekday(h) <= 5, `${h} is observed on a weekday`);
  });

  it('a business day is a weekday that is not an observed holiday, every day', () => {
    const holidays = new Set(Array.from({ length: 7 }, (_, i) => usFederalHolidays(2024 + i)).flat());
    for (const d of days) assert.equal(isBusinessDay(d), weekday(d) !== 0 && weekday(d) !== 6 && !holidays.has(d), d);
  });

  it('n business days later lands on a business day with exactly n business days in between, and comes back', () => {
    for (const d of days) {
      for (const n of [1, 5, 10]) {
        const later = addBusinessDays(d, n);
        assert.ok(later > d && isBusinessDay(later), `${d} + ${n} = ${later}`);
        let counted = 0;
        for (let x = addCalendarDays(d, 1); x <= later; x = addCalendarDays(x, 1)) if (isBusinessDay(x)) counted++;
        assert.equal(counted, n, `${d} + ${n} business days = ${later}`);
        if (isBusinessDay(d)) assert.equal(addBusinessDays(later, -n), d);
      }
    }
  });

  it('the validation period ends 30 days after receipt, receipt 5 business days after mailing, every day', () => {
    for (const d of days) {
      const end = validationPeriodEnd(d);
      assert.equal(end, addCalendarDays(addBusinessDays(d, 5), 30));
      const span = (Date.parse(end) - Date.parse(d)) / 86_400_000;
      assert.ok(span >= 35 && span <= 42, `${d}: period ends ${end}, ${span} days later`);
      assert.equal(isWithinValidationPeriod(d, end), true);
      assert.equal(isWithinValidationPeriod(d, addCalendarDays(end, 1)), false);
    }
    // The example of Regulation F's commentary: sent 2025-07-02, the period ends 2025-08-09 at the earliest.
    assert.equal(validationPeriodEnd('2025-07-02'), '2025-08-09');
  });

  it('the bounds the cadence validator flags remedy threats by are the shortest and longest periods of the calendar', () => {
    const spans = days.map((d) => (Date.parse(validationPeriodEnd(d)) - Date.parse(d)) / 86_400_000);
    assert.equal(Math.min(...spans), SHORTEST_VALIDATION_PERIOD_DAYS);
    assert.equal(Math.max(...spans), LONGEST_VALIDATION_PERIOD_DAYS);
  });

  it('a local time of day is that time in the zone on that date, across every DST change; a skipped time moves forward by the gap', () => {
    for (const zone of ZONES) {
      for (const d of days) {
        for (const time of ['00:30', '08:00', '09:00', '20:59']) assert.equal(hhmm(zonedTimeToUtcMs(d, time, zone), zone), `${d} ${time}`, zone);
        // 02:30 exists except on a spring-forward day, where it is the first instant after the gap.
        const at = hhmm(zonedTimeToUtcMs(d, '02:30', zone), zone);
        if (at !== `${d} 02:30`) assert.match(at, new RegExp(`^${d} 0(3:00|3:30)$`), `${zone} ${d} 02:30 → ${at}`);
      }
    }
  });

  it('a step moved by local days keeps its wall-clock time', () => {
    for (const zone of ['America/New_York', 'Europe/London', 'Australia/Lord_Howe']) {
      for (const d of days) {
        const tenOClock = zonedTimeToUtcMs(d, '10:00', zone);
        for (const n of [1, 7, 30, -3]) assert.equal(hhmm(shiftByLocalDays(tenOClock, n, zone), zone), `${addCalendarDays(d, n)} 10:00`, `${zone} ${d} ${n}`);
      }
    }
  });

  it('the next instant in the contact window is inside 08:00-21:00 in every zone and the earliest such minute', () => {
    const pairs = [['America/New_York'], ['Pacific/Honolulu', 'America/New_York'], ['America/Los_Angeles', 'America/Denver'], ['Europe/London']];
    for (const zones of pairs) {
      for (const d of days.filter((_, i) => i % 3 === 0)) {
        for (const hour of [2, 7, 12, 20, 22]) {
          const from = Date.parse(`${d}T${String(hour).padStart(2, '0')}:17:00Z`);
          const next = nextInstantInWindow(from, zones, 8, 21);
          assert.ok(next !== null && next >= from, `${zones} ${d} ${hour}h`);
          const inside = (ms: number) => zones.every((z) => {
            const l = localDateTime(new Date(ms).toISOString(), z);
            return l.hour >= 8 && l.hour < 21;
          });
          assert.ok(inside(next), `${zones} from ${new Date(from).toISOString()}: ${new Date(next).toISOString()} is inside`);
          if (next > from) assert.ok(!inside(next - 60_000) || next - 60_000 < from, `${zones}: ${new Date(next).toISOString()} is the first minute inside`);
        }
      }
    }
  });
});
