import { z } from 'zod';
import { instantOutOfRange, isIsoCurrency, MAX_AMOUNT_MINOR } from '../domain/money';
import { PAYMENT_SOURCES } from '../domain/engine/records';
import { identifier } from './account.schema';

/**
 * A date-time of money that moved: ISO 8601 with a zone, no more than a day ahead of now and no
 * more than ten years back (a wrong date is refused here, where it arrives, not by the ledger later).
 */
export const recentInstant = z
  .string()
  .pipe(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }))
  .superRefine((value, ctx) => {
    const problem = instantOutOfRange(value, Date.now());
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A payment as a payment system reports it; amounts are integer minor units. */
export const paymentSchema = z.object({
  paymentId: identifier,
  amountMinor: z
    .number({ error: 'must be a number of minor units' })
    .int('must be whole minor units (cents)')
    .positive('must be greater than zero')
    .max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`),
  currency: z.string().refine(isIsoCurrency, 'is not an ISO 4217 currency code'),
  receivedAt: recentInstant.optional(),
  /** debtor_page (a checkout from the debtor's page) and card_on_file (a retry) get the debtor a receipt. */
  source: z.enum(PAYMENT_SOURCES, { error: `must be one of ${PAYMENT_SOURCES.join(', ')}` }).optional(),
});

/** A payment the processor declined: a debtor's attempt, or an automatic payment from a method on file (`retry`). */
export const paymentFailureSchema = z.object({
  paymentId: identifier,
  amountMinor: paymentSchema.shape.amountMinor,
  currency: paymentSchema.shape.currency,
  declineCode: z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be a decline code such as insufficient_funds'),
  message: z.string().max(300).optional(),
  failedAt: recentInstant.optional(),
  retry: z.object({ paymentMethod: z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be the processor\'s payment method id') }).strict().optional(),
}).strict();
export type PaymentInput = z.infer<typeof paymentSchema>;
