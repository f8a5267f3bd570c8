import { z } from 'zod';
import { LANGUAGES, PRODUCTS, type AccountProfile } from '../domain/account';
import { isIsoCurrency, MAX_AMOUNT_MINOR } from '../domain/money';
import { checkRegion, keptRegion, postalAddressSchema } from './address';
import { E164, optionalPlainText, plainText } from './text';

/** The columns of the standard import format, in order. */
export const ACCOUNT_CSV_COLUMNS = [
  'account_id', 'creditor_id', 'product', 'debtor_name', 'email', 'phone', 'language',
  'address_line1', 'city', 'region', 'postal_code', 'country', 'timezone', 'currency',
  'balance_cents', 'due_date', 'email_consent', 'sms_consent', 'service_id', 'collateral_vin', 'insurance_claim_id',
] as const;

export const identifier = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"');

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const optionalText = z.string().trim().transform((v) => (v === '' ? null : v));
/** Email addresses: at most 254 characters (RFC 5321's path limit). */
const MAX_EMAIL = 254;
/** Product references (service id, VIN, claim id): one line, bounded. */
const MAX_REFERENCE = 100;
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => v === 'true' || v === 'false', 'must be true or false')
  .transform((v) => v === 'true');

export const minorUnits = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^-?\d+(\.\d+)?$/.test(v), `must be a whole number of minor units (cents)`)
    .refine((v) => !v.includes('.'), `must be whole minor units (cents), not a decimal amount`)
    .refine((v) => !v.startsWith('-'), `must not be negative`)
    .transform((v) => Number(v))
    .refine((v) => Number.isSafeInteger(v) && v <= MAX_AMOUNT_MINOR, `is too large (at most ${MAX_AMOUNT_MINOR} minor units)`)
    .refine((v) => v > 0, `must be greater than zero (${what})`);

/** One row of the standard account CSV, as strings, to a validated AccountProfile. */
export const accountCsvRowSchema = z
  .object({
    account_id: identifier,
    creditor_id: identifier,
    product: z.enum(PRODUCTS, { error: `must be one of ${PRODUCTS.join(', ')}` }),
    debtor_name: plainText(200),
    email: optionalText.refine((v) => v === null || (v.length <= MAX_EMAIL && z.email().safeParse(v).success), 'is not a valid email address'),
    phone: optionalText.refine((v) => v === null || E164.test(v), 'must be an E.164 phone number such as +12125550100'),
    language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }),
    address_line1: plainText(200),
    city: plainText(100),
    region: plainText(100),
    postal_code: plainText(20),
    country: z.string().trim().regex(/^[A-Z]{2}$/, 'must be a two-letter ISO country code'),
    timezone: z.string().trim().refine(isValidTimeZone, 'is not an IANA time zone such as America/New_York'),
    currency: z.string().trim().refine(isIsoCurrency, 'is not an ISO 4217 currency code'),
    balance_cents: minorUnits('nothing to collect'),
    due_date: z.string().trim().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'),
    email_consent: flag,
    sms_consent: flag,
    service_id: optionalPlainText(MAX_REFERENCE),
    collateral_vin: optionalPlainText(MAX_REFERENCE),
    insurance_claim_id: optionalPlainText(MAX_REFERENCE),
    // Optional column beyond the standard format.
    risk_score: optionalText
      .refine((v) => v === null || /^\d{1,4}$/.test(v), 'must be a whole number 0-1000')
      .transform((v) => (v === null ? null : Number(v)))
      .refine((v) => v === null || v <= 1000, 'must be a whole number 0-1000')
      .optional(),
    // Optional column: the creditor's id for the person, the same on each of their accounts.
    debtor_id: optionalText.refine((v) => v === null || identifier.safeParse(v).success, 'may contain only letters, digits, ".", "_" and "-" (at most 64)').optional(),
  })
  .superRefine((row, ctx) => checkRegion(row.country, row.region, ctx))
  .transform(
    (row): AccountProfile => ({
      accountId: row.account_id,
      creditorId: row.creditor_id,
      product: row.product,
      debtorName: row.debtor_name,
      email: row.email,
      phone: row.phone,
      language: row.language,
      address: { line1: row.address_line1, city: row.city, region: keptRegion(row.country, row.region), postalCode: row.postal_code, country: row.country },
      timezone: row.timezone,
      currency: row.currency,
      balanceMinor: row.balance_cents,
      dueDate: row.due_date,
      consent: { email: row.email_consent, sms: row.sms_consent },
      serviceId: row.service_id,
      collateralVin: row.collateral_vin,
      insuranceClaimId: row.insurance_claim_id,
      riskScore: row.risk_score ?? null,
      ...(row.debtor_id ? { debtorId: row.debtor_id } : {}),
    }),
  );

const debtLineSchema = z.object({
  debtId: identifier,
  description: plainText(200),
  amountMinor: z.number().int('must be whole minor units (cents)').positive('must be greater than zero').max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`),
  dueDate: z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'),
});

/** An account as JSON (the HTTP API), with the same rules as a CSV row, plus optional invoices. */
export const accountJsonSchema = z
  .object({
    accountId: identifier,
    creditorId: identifier,
    product: z.enum(PRODUCTS, { error: `must be one of ${PRODUCTS.join(', ')}` }),
    debtorName: plainText(200),
    email: z.email({ error: 'is not a valid email address' }).max(MAX_EMAIL, `must be at most ${MAX_EMAIL} characters`).nullable().default(null),
    phone: z.string().regex(E164, 'must be an E.164 phone number such as +12125550100').nullable().default(null),
    language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).default('en'),
    address: postalAddressSchema(),
    timezone: z.string().refine(isValidTimeZone, 'is not an IANA time zone such as America/New_York'),
    currency: z.string().refine(isIsoCurrency, 'is not an ISO 4217 currency code'),
    balanceMinor: z.number({ error: 'must be a number of minor units' }).int('must be whole minor units (cents)').positive('must be greater than zero').max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`),
    dueDate: z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD'),
    consent: z.object({ email: z.boolean(), sms: z.boolean() }).default({ email: false, sms: false }),
    serviceId: plainText(MAX_REFERENCE).nullable().default(null),
    collateralVin: plainText(MAX_REFERENCE).nullable().default(null),
    insuranceClaimId: plainText(MAX_REFERENCE).nullable().default(null),
    riskScore: z.number().int().min(0).max(1000).nullable().default(null),
    debts: z.array(debtLineSchema).min(1, 'needs at least one debt when given').optional(),
    /** The creditor's id for the person, the same on each of their accounts (opt-outs, cease, attorney and call caps apply across them). */
    debtorId: identifier.nullable().optional(),
  })
  .strict()
  .superRefine((account, ctx) => {
    if (!account.debts) return;
    const total = account.debts.reduce((sum, d) => sum + d.amountMinor, 0);
    if (total !== account.balanceMinor) ctx.addIssue({ code: 'custom', path: ['debts'], message: `add up to ${total}, not the balance of ${account.balanceMinor}` });
    const ids = new Set<string>();
    account.debts.forEach((d, i) => {
      if (ids.has(d.debtId)) ctx.addIssue({ code: 'custom', path: ['debts', i, 'debtId'], message: `${d.debtId} is listed twice` });
      ids.add(d.debtId);
    });
  }) satisfies z.ZodType<AccountProfile, unknown>;
