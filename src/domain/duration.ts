/** Cadence offsets are short strings ("0s", "90m", "3d") so cadence documents stay readable. */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** "3d", or "-3d" before the anchor (only a due date can be counted back from: the cadence schema checks that). */
export const DURATION_PATTERN = /^(-?)(\d{1,6})(s|m|h|d)$/;

export function durationToMs(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new RangeError(`not a duration: "${text}" (expected a whole number followed by s, m, h or d, e.g. "3d")`);
  const ms = Number(match[2]) * UNIT_MS[match[3] as keyof typeof UNIT_MS];
  return match[1] === '-' ? -ms : ms;
}
