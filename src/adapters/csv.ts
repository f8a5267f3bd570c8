/**
 * The one CSV writer of every file the product hands to a person: the placement packet's ledger
 * and contacts, the compliance report and the portfolio report. RFC 4180 (a header row, CRLF after
 * every record, a field quoted when it holds a comma, a quote or a line break, its quotes doubled),
 * and safe to open in a spreadsheet (OWASP "CSV injection"): a text cell that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return would be read as a formula (a debtor named
 * `=HYPERLINK("https://evil.example","Pay here")` becomes a live link in the attorney's sheet), so
 * it is written with a leading `'`, which spreadsheets show as text.
 *
 * Numbers stay numbers: a cell given as a number is written as is (a number cannot be a formula),
 * and so is text that is exactly a negative decimal number such as `-1500` or `-0.05` (the
 * portfolio report's exact `amount` column), so negative money still sums in a spreadsheet.
 */

export type CsvCell = string | number | null | undefined;

/** Characters that make a spreadsheet read a cell as a formula when they come first. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Text a spreadsheet reads as a plain negative number: nothing else fits in it. */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/** One field, neutralised and quoted as needed. */
export function csvField(value: CsvCell): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`a CSV number must be finite, got ${value}`);
    text = String(value);
  } else text = FORMULA_START.test(value) && !NEGATIVE_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole file: the header row, then each row; CRLF after every record. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('');
}
