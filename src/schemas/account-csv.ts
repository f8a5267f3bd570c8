import { parse } from 'csv-parse/sync';
import type { AccountProfile } from '../domain/account';
import { accountKey } from '../domain/account';
import { ACCOUNT_CSV_COLUMNS, accountCsvRowSchema } from './account.schema';

export interface RowError {
  line: number; // 1-based line in the file; the header is line 1
  field: string;
  message: string;
  accountId: string | null;
}

export interface CsvImport {
  accounts: { line: number; account: AccountProfile }[];
  errors: RowError[];
}

export function formatRowError(e: RowError): string {
  return `line ${e.line}${e.accountId ? ` (${e.accountId})` : ''}: ${e.field}: ${e.message}`;
}

const countLineBreaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/**
 * Parses the standard account CSV. Every bad row is reported with its line and the field at
 * fault; good rows are returned whatever the bad rows around them. A header that is not the
 * standard one is an error for the whole file.
 */
export function parseAccountsCsv(text: string): CsvImport {
  let records: { record: string[]; line: number }[];
  try {
    // Each record's first line, counted from the text itself: a quoted field may span lines
    // (csv-parse's own count gives the record's last line, and counts a quoted CRLF twice).
    let lineBreaks = 0;
    records = (parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, raw: true }) as unknown as { record: string[]; raw: string }[]).map(({ record, raw }) => {
      const line = 1 + lineBreaks + countLineBreaks(/^[\r\n]*/.exec(raw)![0]);
      lineBreaks += countLineBreaks(raw);
      return { record, line };
    });
  } catch (error) {
    // csv-parse quotes the field's value in its message ('value is "Jane "'): a name or an address. Only where, and what kind of fault.
    const { lines, column, code } = error as { lines?: number; column?: number; code?: string };
    const what = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code.toLowerCase().replace(/^csv_/, '').replace(/_/g, ' ') : 'malformed';
    return { accounts: [], errors: [{ line: lines ?? 0, field: '(file)', message: `not valid CSV: ${what}${column !== undefined ? ` in field ${column + 1}` : ''}`, accountId: null }] };
  }
  const [header, ...rows] = records;
  if (!header) return { accounts: [], errors: [{ line: 1, field: '(header)', message: 'the file is empty', accountId: null }] };
  const columns = header.record.map((c) => c.trim());
  const missing = ACCOUNT_CSV_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    return { accounts: [], errors: [{ line: header.line, field: '(header)', message: `missing columns: ${missing.join(', ')}`, accountId: null }] };

  const result: CsvImport = { accounts: [], errors: [] };
  const firstLineOf = new Map<string, number>();
  for (const { record, line } of rows) {
    const rawAccountId = record[columns.indexOf('account_id')]?.trim() || null;
    if (record.length !== columns.length) {
      result.errors.push({ line, field: '(row)', message: `has ${record.length} fields, the header has ${columns.length}`, accountId: rawAccountId });
      continue;
    }
    const raw = Object.fromEntries(columns.map((c, i) => [c, record[i] ?? '']));
    const parsed = accountCsvRowSchema.safeParse(raw);
    if (!parsed.success) {
      // One error per field at fault, so an operator fixes the row in one pass.
      const byField = new Map<string, string>();
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '(row)');
        if (!byField.has(field)) byField.set(field, issue.message);
      }
      for (const [field, message] of byField) result.errors.push({ line, field, message, accountId: rawAccountId });
      continue;
    }
    const key = accountKey(parsed.data.creditorId, parsed.data.accountId);
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      result.errors.push({ line, field: 'account_id', message: `duplicate of line ${first} (same creditor_id and account_id)`, accountId: rawAccountId });
      continue;
    }
    firstLineOf.set(key, line);
    result.accounts.push({ line, account: parsed.data });
  }
  return result;
}
