/**
 * zod at the work queue's boundaries: what a skip-trace provider and a payer answer (their HTTP
 * APIs), and what an operator submits from the work queue page. Errors name the field.
 */
import { z } from 'zod';
import { WORK_OUTCOMES, type WorkKind } from '../domain/engine/work-records';
import { postalAddressSchema } from './address';
import { E164, plainText } from './text';

const address = postalAddressSchema('must be a two-letter country code');
const confidence = z.number().min(0).max(100);

/** A skip-trace provider's answer: the persons it matched, each with addresses, phones and emails rated 0–100. */
export const traceResponseSchema = z.object({
  traceId: z.string().min(1).max(200),
  status: z.enum(['hit', 'no_hit']),
  persons: z
    .array(
      z.object({
        addresses: z.array(z.object({ street: plainText(200), city: plainText(100), state: plainText(100), zip: plainText(20), country: z.string().regex(/^[A-Z]{2}$/).default('US'), confidence })).default([]),
        phones: z.array(z.object({ number: z.string().regex(E164, 'must be E.164'), type: z.string().max(20).optional(), confidence })).default([]),
        emails: z.array(z.object({ address: z.email().max(254), confidence })).default([]),
      }),
    )
    .default([]),
});
export type TraceResponse = z.infer<typeof traceResponseSchema>;

const amount = z.string().regex(/^\d+(\.\d{1,2})?$/, 'must be a decimal amount like "125.00"');

/** A 277 claim status response (X12 005010X212, as JSON): one claim, its status segments (STC), amounts as X12 decimals. */
export const claimStatusResponseSchema = z.object({
  transactionSetIdentifierCode: z.literal('277'),
  payer: z.object({ name: plainText(200) }),
  claimStatus: z
    .array(
      z.object({
        claimSubmitterTraceNumber: z.string().min(1).max(100),
        payerClaimControlNumber: z.string().max(100).nullable().optional(),
        statusInformation: z.array(z.object({ statusCategoryCode: z.string().regex(/^[A-Z][0-9A-Z]{0,2}$/), statusCode: z.string().max(10), entityIdentifierCode: z.string().max(3).optional(), effectiveDate: z.string().max(10).optional() })).min(1),
        totalClaimChargeAmount: amount,
        claimPaymentAmount: amount.default('0'),
        adjudicatedFinalizedDate: z.string().max(10).optional(),
        denialReason: z.object({ code: z.string().min(1).max(20), description: plainText(300) }).nullable().optional(),
      }),
    )
    .min(1),
});
export type ClaimStatusResponse = z.infer<typeof claimStatusResponseSchema>;

/** X12 decimal dollars → minor units, exactly. */
export function decimalToMinor(text: string): number {
  const [whole, fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export const minorToDecimal = (minor: number): string => `${Math.trunc(minor / 100)}.${String(Math.abs(minor % 100)).padStart(2, '0')}`;

/** What an operator submits to complete an item (from the page's form fields). */
export function workOutcomeFormSchema(kind: WorkKind | 'call_task' | 'unapplied_payment') {
  const outcomes = kind === 'call_task' ? ['spoke_with_debtor', 'no_answer', 'wrong_number', 'cancelled'] : kind === 'unapplied_payment' ? ['applied_elsewhere', 'refunded', 'kept_as_credit'] : [...WORK_OUTCOMES[kind]];
  return z.object({
    outcome: z.enum(outcomes as [string, ...string[]], { error: `must be one of ${outcomes.join(', ')}` }),
    note: plainText(500).optional(),
    answer: z.string().trim().min(1).max(1000).optional(),
    candidateId: z.string().regex(/^c\d{1,2}$/).optional(),
    promiseAmountMinor: z.coerce.number().int().positive().optional(),
    promiseDate: z.iso.date().optional(),
    foundEmail: z.email().max(254).optional(),
    foundPhone: z.string().regex(E164, 'must be E.164, e.g. +12125550123').optional(),
    foundAddress: address.optional(),
  });
}
