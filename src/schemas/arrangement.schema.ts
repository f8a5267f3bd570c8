/** Arrangement requests and payment returns as they cross a boundary (HTTP, command line). */
import { z } from 'zod';
import { PLAN_FREQUENCIES, PROMISE_CHANNELS } from '../domain/arrangements';
import { RETURN_REASONS } from '../domain/engine/records';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { identifier, isCalendarDate } from './account.schema';
import { recentInstant } from './payment.schema';
import { postalAddressSchema } from './address';
import { E164, plainText } from './text';

const minor = (what: string) => z.number({ error: `must be a number of minor units (${what})` }).int('must be whole minor units (cents)').max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`).min(-MAX_AMOUNT_MINOR, 'is too small');
const date = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD');
const person = plainText(200);

export const promiseRequestSchema = z.object({
  amountMinor: minor('the promised amount').positive('must be greater than zero'),
  date,
  channel: z.enum(PROMISE_CHANNELS, { error: `must be one of ${PROMISE_CHANNELS.join(', ')}` }),
  takenBy: person,
}).strict();

export const budgetSchema = z.object({
  monthlyIncomeMinor: minor('monthly income').nonnegative('must not be negative').optional(),
  monthlyExpensesMinor: minor('monthly expenses').nonnegative('must not be negative').optional(),
  startDate: date.optional(),
  settlementAmountMinor: minor('the settlement amount').positive('must be greater than zero').optional(),
}).strict();

export const planRequestSchema = budgetSchema.extend({
  frequency: z.enum(PLAN_FREQUENCIES, { error: `must be one of ${PLAN_FREQUENCIES.join(', ')}` }),
  instalmentMinor: minor('each instalment').positive('must be greater than zero').optional(),
  downPaymentMinor: minor('the down payment').nonnegative('must not be negative').optional(),
  acceptedBy: person,
  /** Accepted by the debtor on their page (they get a confirmation). */
  via: z.literal('debtor_page').optional(),
}).strict();

export const extensionRequestSchema = z.object({
  newDueDate: date,
  reason: z.string().trim().min(1, 'is required').max(500),
  grantedBy: person,
  approver: person.optional(),
}).strict();

export const paymentReturnSchema = z.object({
  paymentId: identifier,
  returnId: identifier,
  reason: z.enum(RETURN_REASONS, { error: `must be one of ${RETURN_REASONS.join(', ')}` }),
  returnedAt: recentInstant.optional(),
}).strict();

export const ledgerAdjustmentSchema = z.object({
  adjustmentId: identifier,
  kind: z.enum(['fee', 'interest', 'credit'], { error: 'must be fee, interest or credit' }),
  amountMinor: minor('the adjustment').positive('must be greater than zero'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code'),
  description: plainText(200),
}).strict();

export const contactDetailsChangeSchema = z.object({
  email: z.email({ error: 'is not a valid email address' }).max(254).nullable().optional(),
  phone: z.string().regex(E164, 'must be an E.164 phone number such as +12125550100').nullable().optional(),
  address: postalAddressSchema().optional(),
  timezone: z.string().max(64).optional(),
  /** Consent given with the new details, for those addresses only, and where it came from (e.g. "debtor gave the number by phone"). */
  consent: z.object({
    email: z.boolean().optional(),
    sms: z.boolean().optional(),
    source: z.string().trim().min(1, 'is required: where the consent came from').max(200),
  }).strict().optional(),
  reason: z.string().trim().min(1, 'is required').max(500),
  operator: plainText(200).optional(),
  /** Changed by the debtor on their page (they get a confirmation); not for the REST API. */
  via: z.literal('debtor_page').optional(),
}).strict();

/** The first problem, as "field: message", for errors that name the field at fault. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  return { field: issue.path.join('.') || '(body)', message: issue.message };
}
