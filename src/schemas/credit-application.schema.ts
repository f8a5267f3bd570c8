/** An application of held credit as it crosses a boundary (the command line): accounts as `creditor/account`. */
import { z } from 'zod';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { identifier } from './account.schema';
import { plainText } from './text';

const accountRef = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,64}\/[A-Za-z0-9._-]{1,64}$/, 'must be creditor/account (letters, digits, ".", "_" and "-", at most 64 each)')
  .transform((v) => {
    const [creditorId, accountId] = v.split('/') as [string, string];
    return { creditorId, accountId };
  });

export const creditApplicationRequestSchema = z
  .object({
    source: accountRef,
    target: accountRef,
    applicationId: identifier,
    /** Absent: all of the credit held, up to the target's balance. */
    amountMinor: z.number({ error: 'must be a number of minor units' }).int('must be whole minor units (cents)').positive('must be greater than zero').max(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR} minor units`).optional(),
    reason: plainText(200).optional(),
  })
  .strict();
export type CreditApplicationRequestInput = z.input<typeof creditApplicationRequestSchema>;
