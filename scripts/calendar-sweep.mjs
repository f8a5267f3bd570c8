// Runs the time-skipping test files with the test server's clock moved to dates that stress the
// calendar: the week before Christmas, New Year's Eve, the eve of Thanksgiving, the days the
// clocks change in the US, and 29 February of the next leap year (each the next one from today),
// at a late-night and a daytime hour. Prints a table of what passed.
//
//   npm run build && node scripts/calendar-sweep.mjs [file fragments…]   (default: every time-skipping file)
//
// The clock can only move forward, so each date is the next such date after today.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['account-workflow', 'cadence-engine', 'compliance-workflow', 'arrangements.test', 'accounts-api', 'cli-arrangements', 'payment-webhook', 'api-webhooks'];

const now = new Date();
const ymd = (d) => d.toISOString().slice(0, 10);
const utc = (y, m, d) => new Date(Date.UTC(y, m - 1, d));
/** The nth weekday (0 = Sunday) of a month; n = -1 for the last. */
const nthWeekday = (y, m, weekday, n) => {
  if (n > 0) {
    const first = utc(y, m, 1);
    return utc(y, m, 1 + ((weekday - first.getUTCDay() + 7) % 7) + (n - 1) * 7);
  }
  const last = utc(y, m + 1, 0);
  return utc(y, m, last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7));
};
/** The first date after today that `make(year)` gives, this year or a later one. */
const next = (make) => {
  for (let y = now.getUTCFullYear(); ; y++) {
    const d = make(y);
    if (d && d > now) return d;
  }
};
const isLeap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const dates = [
  ['week before Christmas', next((y) => utc(y, 12, 19))],
  ["New Year's Eve", next((y) => utc(y, 12, 31))],
  ['eve of Thanksgiving', next((y) => new Date(nthWeekday(y, 11, 4, 4).getTime() - 86_400_000))],
  ['US clocks go forward', next((y) => nthWeekday(y, 3, 0, 2))],
  ['US clocks go back', next((y) => nthWeekday(y, 11, 0, 1))],
  ['29 February', next((y) => (isLeap(y) ? utc(y, 2, 29) : null))],
  ['3 July (holiday next to a weekend)', next((y) => utc(y, 7, 3))],
];
const hours = [6, 15]; // 01:00/02:00 and 10:00/11:00 in New York

const rows = [];
for (const [label, date] of dates) {
  for (const hour of hours) {
    const target = new Date(date.getTime() + hour * 3_600_000);
    const offsetMs = target.getTime() - now.getTime();
    const days = Math.floor(offsetMs / 86_400_000);
    const offsetHours = Math.floor((offsetMs - days * 86_400_000) / 3_600_000);
    const started = Date.now();
    process.stdout.write(`[sweep] ${label}: clock at ${target.toISOString().slice(0, 13)}:xx (offset ${days} d ${offsetHours} h)… `);
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), ...files], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TEST_CLOCK_OFFSET_DAYS: String(days), TEST_CLOCK_OFFSET_HOURS: String(offsetHours) },
      maxBuffer: 256 * 1024 * 1024,
    });
    const count = (name) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(run.stdout)?.[1] ?? NaN);
    const failed = [...run.stdout.matchAll(/^✖ (.+?) \(\d/gm)].map((m) => m[1]).filter((t) => t !== 'failing tests:');
    const row = { label, clock: `${ymd(target)} ${String(hour).padStart(2, '0')}:00Z`, tests: count('tests'), pass: count('pass'), fail: count('fail'), seconds: Math.round((Date.now() - started) / 1000), failed: [...new Set(failed)] };
    rows.push(row);
    console.log(`${row.pass}/${row.tests} passed in ${row.seconds} s${row.fail ? `; FAILED: ${row.failed.join('; ')}` : ''}`);
  }
}
console.log('\n| dates the test clock was moved to | clock (UTC) | passed |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.label} | ${r.clock} | ${r.pass} of ${r.tests}${r.fail ? ` (failed: ${r.failed.join('; ')})` : ''} |`);
process.exit(rows.every((r) => r.fail === 0 && r.tests > 0) ? 0 : 1);
