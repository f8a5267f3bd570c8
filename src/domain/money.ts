/**
 * Money is always an integer number of minor units (cents) with an ISO 4217 currency code.
 * No floating point ever touches an amount; formatting works on integer digits.
 */
export interface Money {
  amountMinor: number;
  currency: string;
}

export function isIsoCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('currency').includes(code);
}

/** Number of digits after the decimal point for a currency (USD 2, JPY 0, KWD 3). */
export function minorUnitDigits(currency: string): number {
  return currencyFormatter('en-US', currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Building an Intl.NumberFormat costs far more than formatting with one (a letter formats dozens
 * of amounts; a workflow task several): one formatter per locale and currency, kept. The set of
 * pairs is small (two locales × the currencies in use), and a formatter has no state.
 */
const currencyFormatters = new Map<string, Intl.NumberFormat>();
function currencyFormatter(locale: 'en-US' | 'es-US', currency: string): Intl.NumberFormat {
  const key = `${locale} ${currency}`;
  let formatter = currencyFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    currencyFormatters.set(key, formatter);
  }
  return formatter;
}

export function money(amountMinor: number, currency: string): Money {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amountMinor must be a safe integer, got ${amountMinor}`);
  return { amountMinor, currency };
}

/** "$1,234.56" for en, "1234,56 US$" style for es; exact, via a decimal string. */
export function formatMoney(value: Money, language: string = 'en'): string {
  const digits = minorUnitDigits(value.currency);
  const negative = value.amountMinor < 0;
  const abs = Math.abs(value.amountMinor);
  const scale = 10 ** digits;
  const whole = Math.trunc(abs / scale);
  const fraction = String(abs % scale).padStart(digits, '0');
  const decimal = `${negative ? '-' : ''}${whole}${digits > 0 ? '.' + fraction : ''}`;
  const formatter = currencyFormatter(language === 'es' ? 'es-US' : 'en-US', value.currency);
  // Intl.NumberFormat formats decimal strings exactly (no binary floating point on the way).
  return formatter.format(decimal as unknown as number);
}

/**
 * The largest single amount the product takes (a payment, a fee, a debt): 10^12 minor units
 * ($10 billion), far above any consumer debt and far below where integer arithmetic stops being
 * exact. Balances may add up to MAX_BALANCE_MINOR. Larger values are refused at the edge and,
 * as a backstop, by the ledger, so no posting can push an account past what the code can count.
 */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;
export const MAX_BALANCE_MINOR = 10 * MAX_AMOUNT_MINOR;

/**
 * How far from now a payment's or a return's own date may lie: at most a day ahead (clocks
 * disagree), at most ten years back (no processor reports older money as new). Outside that the
 * date is a mistake, and a mistaken date must be refused where it arrives, not discovered later.
 */
export function instantOutOfRange(iso: string, nowMs: number): string | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return 'is not a date-time';
  if (ms > nowMs + 86_400_000) return 'is more than a day in the future';
  if (ms < nowMs - 10 * 366 * 86_400_000) return 'is more than ten years in the past';
  return null;
}
