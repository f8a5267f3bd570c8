import { z } from 'zod';
import { isIsoCurrency } from '../domain/money';
import { identifier } from './account.schema';

/** A payment as a payment system reports it; amounts are integer minor units. */
export const paymentSchema = z.object({
  paymentId: identifier,
  amountMinor: z
    .number({ error: 'must be a number of minor units' })
    .int('must be whole minor units (cents)')
    .positive('must be greater than zero')
    .refine(Number.isSafeInteger, 'is too large'),
  currency: z.string().refine(isIsoCurrency, 'is not an ISO 4217 currency code'),
  receivedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
});
export type PaymentInput = z.infer<typeof paymentSchema>;
