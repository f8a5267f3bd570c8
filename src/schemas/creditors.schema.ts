import { readFileSync } from 'node:fs';
import { CREDITOR_CLASSIFICATIONS, type CreditorClassification } from '../domain/metro2/format';
import { z } from 'zod';
import { PRODUCTS } from '../domain/account';
import { ALLOCATION_RULES } from '../domain/allocation';
import { DEFAULT_ARRANGEMENT_RULES, type ArrangementRules } from '../domain/arrangements';
import type { Cadence } from '../domain/cadence';
import { DEFAULT_CARD_RETRY_RULES } from '../domain/card-retry';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { identifier } from './account.schema';
import { answerTemplatesSchema } from './answer-templates.schema';

/** A secret is given inline (local runs) or, better, by the name of an environment variable. */
const secret = z.union([z.object({ secret: z.string().min(16, 'must be at least 16 characters') }), z.object({ secretEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must name an environment variable') })]);
const webhook = z.object({ webhookUrl: z.url({ error: 'must be a URL' }) }).and(secret);

/** A creditor's own contact rules: they can only make the federal and state rules stricter. */
const contactRulesSchema = z
  .object({
    windowStartHour: z.number().int().min(0).max(23).optional(),
    windowEndHour: z.number().int().min(1).max(24).optional(),
    maxCallAttemptsPer7Days: z.number().int().min(0).optional(),
    silenceDaysAfterConversation: z.number().int().min(0).optional(),
    contactCaps: z.array(z.object({ source: z.string().min(1), maxContacts: z.number().int().min(0), channels: z.array(z.enum(['email', 'sms', 'call', 'voicemail', 'letter'])).min(1) })).optional(),
    emailRequiresOptIn: z.boolean().optional(),
  })
  .strict();

const whole = z.number().int().min(0);
const percent = z.number().int().min(0).max(100);
/** The creditor's limits on promises, plans, settlements and extensions; anything left out takes the default. */
const arrangementRulesSchema = z
  .object({
    promise: z.object({ maxDaysAhead: z.number().int().min(1), graceDays: whole }).partial().strict().optional(),
    plan: z
      .object({ minInstalmentMinor: z.number().int().min(1), maxTermMonths: z.number().int().min(1).max(120), minDownPaymentPercent: percent, affordabilityPercent: percent, reminderDaysBefore: whole, graceDays: whole, maxMisses: z.number().int().min(1) })
      .partial()
      .strict()
      .optional(),
    settlement: z.object({ allowed: z.boolean(), floorPercent: percent }).partial().strict().optional(),
    extension: z.object({ maxDays: z.number().int().min(1), maxPerAccount: whole, approvalAboveDays: whole }).partial().strict().optional(),
    returnedPaymentFeeMinor: whole.optional(),
    reopenWindowDays: whole.optional(),
    /** Retries of a failed automatic payment from a card or bank account on file. */
    cardRetries: z.object({ maxRetries: z.number().int().min(0).max(15), withinDays: z.number().int().min(1).max(30) }).partial().strict().optional(),
  })
  .strict();

/** The debtor's own page: how long a link in a message works, what the visitor must know, how many wrong answers lock it. */
const debtorPageSchema = z
  .object({
    linkDays: z.number().int().min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').default(30),
    verification: z.enum(['postal_code', 'account_last4'], { error: 'must be postal_code or account_last4' }).default('postal_code'),
    maxWrongAnswers: z.number().int().min(1).max(20).default(5),
  })
  .strict();
export type DebtorPageSettings = z.infer<typeof debtorPageSchema>;
export const DEFAULT_DEBTOR_PAGE: DebtorPageSettings = { linkDays: 30, verification: 'postal_code', maxWrongAnswers: 5 };

/** The creditor's payment processor: the product's loopback processor, or a Stripe-style API with a secret key from the environment. */
const paymentsSchema = z.discriminatedUnion('processor', [
  z.object({ processor: z.literal('loopback') }).strict(),
  z.object({ processor: z.literal('stripe'), apiBaseUrl: z.url({ error: 'must be a URL' }).default('https://api.stripe.com'), secretKeyEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must name an environment variable') }).strict(),
]);
const minorAmount = z.number().int().positive().max(MAX_AMOUNT_MINOR);
const basisPoints = z.number().int().min(0).max(10_000);
/**
 * Late fees and interest the creditor's contracts allow (§1006.22(b): nothing the agreement does
 * not expressly authorize). capOverrides: "<state>" or "<state>/<product>" → a stricter cap than
 * the table in src/domain/charges.ts, or one it lacks (counsel's review per creditor).
 */
const chargesSchema = z
  .object({
    lateFee: z
      .object({ amountMinor: minorAmount.optional(), percentBps: basisPoints.optional(), afterDaysPastDue: z.number().int().min(1).max(365), per: z.enum(['debt', 'month']), maxPerDebtMinor: minorAmount.optional() })
      .strict()
      .refine((f) => f.amountMinor !== undefined || f.percentBps !== undefined, { message: 'needs amountMinor or percentBps', path: ['amountMinor'] })
      .optional(),
    interest: z.object({ annualRateBps: basisPoints, accrual: z.enum(['daily', 'monthly']) }).strict().optional(),
    capOverrides: z
      .record(z.string().regex(/^[A-Z]{2}(\/[a-z_]+)?$/, 'must be a state code, or state/product'), z.object({ maxAnnualInterestBps: basisPoints, maxLateFeeMinor: minorAmount, interestAllowed: z.boolean(), feesAllowed: z.boolean(), source: z.string() }).partial().strict())
      .optional(),
  })
  .strict();

const creditorSchema = z.object({
  id: identifier,
  name: z.string().min(1),
  mailingAddress: z.array(z.string().min(1)).min(1, 'needs at least one line'),
  creditDepartmentEmail: z.email({ error: 'must be an email address' }),
  /**
   * Utilities: where disconnection orders go (signed webhook, retried until acknowledged); a
   * reconnection order goes the same way when the debt is paid, or on a plan if `reconnectOnPlan`.
   */
  disconnection: webhook.and(z.object({ reconnectOnPlan: z.boolean().default(false) })).optional(),
  /** Lenders: the recovery agent who receives repossession orders, by email or webhook. */
  repossession: z.union([z.object({ email: z.email() }), webhook]).optional(),
  /** Attorney or agency that receives placements (packet as PDF and CSV by email). */
  placement: z.object({ agencyName: z.string().min(1), email: z.email() }).optional(),
  contactRules: contactRulesSchema.optional(),
  /** Send one notice to the estate's representative or the bankruptcy trustee when collection stops. */
  notifyRepresentatives: z.boolean().default(false),
  /** How a payment is spread over the account's debts. */
  allocationRule: z.enum(ALLOCATION_RULES).default('oldest_first'),
  arrangements: arrangementRulesSchema.optional(),
  /**
   * The natural person a limited-content voicemail names for the debtor to call back (§1006.2(j)):
   * a real person's name (or the one alias that person always uses), not a department. Required
   * when any cadence this creditor uses has call steps.
   */
  contactPersonName: z.string().trim().min(2, 'must name a person').max(80).optional(),
  /**
   * Years to sue by USPS code, as counsel reviewed them for this creditor's debts; each replaces
   * the shipped table's figure (src/domain/statute-of-limitations.ts) for that state.
   */
  limitationYears: z.record(z.string().regex(/^[A-Z]{2}$/, 'must be a USPS code such as NY'), z.number().int().min(1, 'must be at least 1 year').max(30)).optional(),
  /**
   * A message that threatens a remedy (disconnection, repossession, default, suit) while the
   * validation period runs: `hold` it until the period has ended (the default), or send it with a
   * plain statement that the debtor's rights to dispute and to ask for the original creditor stand
   * until the period's end (`statement`) (§1006.38(b)).
   */
  remedyThreatsInValidationPeriod: z.enum(['hold', 'statement'], { error: 'must be hold or statement' }).default('hold'),
  debtorPage: debtorPageSchema.optional(),
  /** Answers to debtors' questions for this creditor's accounts, over the shipped ones (a cadence's own come first). */
  answerTemplates: answerTemplatesSchema.optional(),
  /** Without it, the embedded loopback processor when `npm start` runs one; else no payments on the page. */
  payments: paymentsSchema.optional(),
  charges: chargesSchema.optional(),
  /** Where a refund of a credit the product holds is ordered (the creditor's system or payment processor; signed webhook, retried until acknowledged). */
  creditRefund: webhook.optional(),
  /** Escheat: a credit held and unclaimed this many days is reported as unclaimed property (state law sets the limit). */
  unclaimedCreditAfterDays: z.number().int('must be a whole number of days').positive('must be at least 1').default(3 * 365),
  /** Metro 2 furnishing: what the bureaus assigned and whom the file names (no reporting without it). */
  creditReporting: z
    .object({
      identificationNumber: z.string().regex(/^[A-Z0-9]{1,20}$/, 'must be the 1–20 letters and digits the bureaus assigned'),
      accountType: z.enum(['48', '0C', '77']).default('48'),
      originalCreditorName: z.string().min(1).max(30),
      creditorClassification: z.enum(Object.keys(CREDITOR_CLASSIFICATIONS) as [CreditorClassification, ...CreditorClassification[]]),
      reporterName: z.string().min(1).max(40),
      reporterAddress: z.string().min(1).max(96),
      reporterTelephoneNumber: z.string().regex(/^\+?1?\d{10}$/, 'must be a 10-digit US number').optional(),
    })
    .optional(),
});
export type CreditorSettings = z.infer<typeof creditorSchema>;

const segmentRuleSchema = z
  .object({
    cadence: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must name a cadence'),
    product: z.enum(PRODUCTS).optional(),
    minBalanceMinor: z.number().int().nonnegative().optional(),
    maxBalanceMinor: z.number().int().nonnegative().optional(),
    minDaysPastDue: z.number().int().nonnegative().optional(),
    maxDaysPastDue: z.number().int().nonnegative().optional(),
    minRiskScore: z.number().int().min(0).max(1000).optional(),
    maxRiskScore: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

export const creditorDirectorySchema = z.object({
  creditors: z.array(creditorSchema),
  /** Per creditor, the first matching rule picks the cadence; `defaultCadence` when none matches. */
  segmentation: z.record(z.string(), z.object({ rules: z.array(segmentRuleSchema), defaultCadence: z.string().optional() })).default({}),
  defaultCadence: z.string().default('standard'),
});
export type CreditorDirectory = z.infer<typeof creditorDirectorySchema>;
export type SegmentRule = z.infer<typeof segmentRuleSchema>;

export function parseCreditorDirectory(document: unknown, source = 'creditor directory'): CreditorDirectory {
  const result = creditorDirectorySchema.safeParse(document);
  if (!result.success)
    throw new Error(`${source} is not valid:\n${result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const ids = new Set<string>();
  for (const creditor of result.data.creditors) {
    if (ids.has(creditor.id)) throw new Error(`${source}: creditor ${creditor.id} is listed twice`);
    ids.add(creditor.id);
  }
  return result.data;
}

export function loadCreditorDirectory(path: string): CreditorDirectory {
  return parseCreditorDirectory(JSON.parse(readFileSync(path, 'utf8')), path);
}

export function resolveSecret(setting: { secret: string } | { secretEnv: string }, env: NodeJS.ProcessEnv = process.env): string {
  if ('secret' in setting) return setting.secret;
  const value = env[setting.secretEnv];
  if (!value) throw new Error(`environment variable ${setting.secretEnv} (a webhook secret) is not set`);
  return value;
}

/**
 * How a cadence is tied to creditors: cadences are shared documents, and a creditor's accounts run
 * a cadence when its segmentation names it (a rule, or the creditor's default), or when the
 * directory's default applies (a creditor without its own default). Enrolling with a cadence
 * named explicitly (the command line's --cadence) or moving an account to one ties them too; both
 * check the same way (`cadenceCreditorProblems`). The answer says how each creditor uses it.
 */
export function creditorsUsingCadence(directory: CreditorDirectory, cadenceName: string): { creditor: CreditorSettings; how: string }[] {
  return directory.creditors.flatMap((creditor) => {
    const own = directory.segmentation[creditor.id];
    const rules = (own?.rules ?? []).flatMap((rule, i) => (rule.cadence === cadenceName ? [`segmentation rule ${i + 1}`] : []));
    const fallback = own?.defaultCadence ?? directory.defaultCadence;
    const how = [...rules, ...(fallback === cadenceName ? [own?.defaultCadence ? "the creditor's default cadence" : "the directory's default cadence"] : [])];
    return how.length > 0 ? [{ creditor, how: how.join(', ') }] : [];
  });
}

/**
 * Why a cadence may not be used by these creditors as it stands: call steps leave a limited-content
 * voicemail, which must name a natural person the debtor can call back (§1006.2(j)), so every
 * creditor that uses a cadence with call steps needs its `contactPersonName`. Empty when it may.
 */
export function cadenceCreditorProblems(cadence: Cadence, creditors: CreditorDirectory | readonly CreditorSettings[]): string[] {
  if (!cadence.steps.some((step) => step.action === 'call')) return [];
  const using = Array.isArray(creditors) ? creditors.map((creditor) => ({ creditor, how: 'enrollment' })) : creditorsUsingCadence(creditors as CreditorDirectory, cadence.name);
  return using
    .filter(({ creditor }) => !creditor.contactPersonName)
    .map(({ creditor, how }) => `creditor ${creditor.id} uses cadence ${cadence.name} (${how}), whose call steps leave a voicemail, but has no contactPersonName: a limited-content voicemail must name a person the debtor can call back (§1006.2(j))`);
}

/** The creditor's arrangement rules with the defaults filled in. */
export function arrangementRulesFor(creditor: Pick<CreditorSettings, 'arrangements'> | undefined): ArrangementRules {
  const own = creditor?.arrangements ?? {};
  const d = DEFAULT_ARRANGEMENT_RULES;
  return {
    promise: { ...d.promise, ...own.promise },
    plan: { ...d.plan, ...own.plan },
    settlement: { ...d.settlement, ...own.settlement },
    extension: { ...d.extension, ...own.extension },
    returnedPaymentFeeMinor: own.returnedPaymentFeeMinor ?? d.returnedPaymentFeeMinor,
    reopenWindowDays: own.reopenWindowDays ?? d.reopenWindowDays,
    ...(own.cardRetries ? { cardRetries: { ...DEFAULT_CARD_RETRY_RULES, ...own.cardRetries } } : {}),
  };
}

/**
 * Why accounts of this creditor cannot be enrolled, if they cannot: a creditor missing from the
 * directory has no name or address for the validation notice, no segmentation and no limits, so
 * its accounts are refused where they arrive rather than started and stalled.
 */
export function unknownCreditor(directory: CreditorDirectory, creditorId: string): string | null {
  return directory.creditors.some((c) => c.id === creditorId) ? null : `creditor ${creditorId} is not in the creditor directory (CREDITORS_FILE); add it before enrolling its accounts`;
}

/** The creditor's debtor-page settings, defaults filled in. */
export function debtorPageSettingsFor(directory: CreditorDirectory | undefined, creditorId: string): DebtorPageSettings {
  return directory?.creditors.find((c) => c.id === creditorId)?.debtorPage ?? DEFAULT_DEBTOR_PAGE;
}
