/**
 * Fixed-width records from values and back, driven by the layouts of format.ts. The writer is
 * strict: a value that does not fit its field (too wide, a character the format does not allow, a
 * negative amount, a date that is not a date) is refused with the field's name, never cut or
 * changed here — deciding what to furnish (furnish.ts) is where text is shortened and cleaned.
 */
import { ALPHANUMERIC, type FieldSpec, type RecordLayout } from './format';

/** A field's value as the writer takes it: text, a whole number, a date (YYYY-MM-DD), an instant (ISO), or nothing. */
export type FieldValue = string | number | null | undefined;
export type RecordValues = Record<string, FieldValue>;

export class Metro2FieldError extends RangeError {
  constructor(
    readonly record: string,
    readonly field: FieldSpec,
    message: string,
  ) {
    super(`${record}: ${describeField(field)}: ${message}`);
    this.name = 'Metro2FieldError';
  }
}

/** "Account Status (field 17A, positions 124–125)". */
export function describeField(field: FieldSpec): string {
  const end = field.start + field.width - 1;
  return `${field.name} (field ${field.crrg}, position${field.width > 1 ? `s ${field.start}–${end}` : ` ${field.start}`})`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD → MMDDYYYY. */
export function metro2Date(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate.slice(0, 10));
  const ms = Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`);
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== isoDate.slice(0, 10)) throw new RangeError(`not a date YYYY-MM-DD: "${isoDate}"`);
  return `${match[2]}${match[3]}${match[1]}`;
}

/** MMDDYYYY → YYYY-MM-DD, or null for a zero-filled date; undefined when it is not a date at all. */
export function isoFromMetro2Date(text: string): string | null | undefined {
  if (/^0{8}$/.test(text)) return null;
  const match = /^(\d{2})(\d{2})(\d{4})$/.exec(text);
  if (!match) return undefined;
  const iso = `${match[3]}-${match[1]}-${match[2]}`;
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === iso ? iso : undefined;
}

function formatField(record: string, field: FieldSpec, value: FieldValue): string {
  const fail = (message: string): never => {
    throw new Metro2FieldError(record, field, message);
  };
  if (field.constant !== undefined) return field.type === 'numeric' ? field.constant.padStart(field.width, '0') : field.constant.padEnd(field.width, ' ');
  const absent = value === null || value === undefined || value === '';
  switch (field.type) {
    case 'numeric': {
      if (absent) return '0'.repeat(field.width);
      const text = typeof value === 'number' ? (Number.isSafeInteger(value) && value >= 0 ? String(value) : fail(`${value} is not a whole number of at least 0`)) : String(value);
      if (!/^\d+$/.test(text)) fail(`"${text}" is not made of digits`);
      if (text.length > field.width) fail(`${text} needs ${text.length} digits; the field has ${field.width}`);
      return text.padStart(field.width, '0');
    }
    case 'alphanumeric': {
      const text = absent ? '' : String(value);
      if (!ALPHANUMERIC.test(text)) fail(`"${text}" has characters the format does not allow (upper-case letters, digits, blank, - / . , # & ')`);
      if (text.length > field.width) fail(`"${text}" is ${text.length} characters; the field has ${field.width}`);
      return text.padEnd(field.width, ' ');
    }
    case 'date':
      if (absent) return '0'.repeat(8);
      try {
        return metro2Date(String(value));
      } catch (error) {
        return fail((error as Error).message);
      }
    case 'timestamp': {
      const ms = absent ? NaN : Date.parse(String(value));
      if (Number.isNaN(ms)) fail(`"${String(value)}" is not an instant`);
      const d = new Date(ms);
      return `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${d.getUTCFullYear()}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
    }
  }
}

/** One record (or appended segment) of a layout, exactly `layout.length` characters. */
export function writeRecord(layout: RecordLayout, values: RecordValues, label: string = layout.name): string {
  let text = '';
  for (const field of layout.fields) {
    if (field.start !== text.length + 1) throw new Error(`layout ${layout.name}: ${field.name} starts at ${field.start}, after ${text.length} characters`);
    text += formatField(label, field, values[field.key]);
  }
  if (text.length !== layout.length) throw new Error(`layout ${layout.name} covers ${text.length} characters, not ${layout.length}`);
  return text;
}

/** The text of each field of a record starting at `offset` in `line` (alphanumeric fields without their trailing blanks). */
export function readRecord(layout: RecordLayout, line: string, offset = 0): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of layout.fields) {
    const raw = line.slice(offset + field.start - 1, offset + field.start - 1 + field.width);
    values[field.key] = field.type === 'alphanumeric' ? raw.trimEnd() : raw;
  }
  return values;
}
