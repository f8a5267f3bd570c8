import { z } from 'zod';
import type { ComplianceEvent } from '../domain/engine/records';
import { MAX_AMOUNT_MINOR } from '../domain/money';
import { E164, plainText } from './text';

const when = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional();
const note = z.string().max(500).optional();
const representativeAddress = z.object({ line1: plainText(200), city: plainText(100), region: plainText(100), postalCode: plainText(20), country: z.string().regex(/^[A-Z]{2}$/) });
const representative = z.object({ name: plainText(200), address: representativeAddress }).optional();

/**
 * An opt-out's or opt-in's address in the form the account keeps it: a number in E.164 (as the
 * account's phone must be), an email address. "(212) 555-0100" names no country, so it could never
 * match the account's "+12125550100" and the texts would go on: it is refused, naming the field.
 */
export function addressFitsChannel(event: { channel: 'email' | 'sms' | 'call'; address: string }, ctx: z.RefinementCtx): void {
  const fits = event.channel === 'email' ? z.email().safeParse(event.address.trim()).success : E164.test(event.address);
  if (!fits) ctx.addIssue({ code: 'custom', path: ['address'], message: event.channel === 'email' ? 'is not a valid email address' : 'must be an E.164 phone number such as +12125550100' });
}

/** A compliance event as an operator or an inbound system reports it; checked before it reaches the workflow. */
export const complianceEventSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('dispute'),
      receivedAt: when,
      via: z.enum(['letter', 'email', 'phone', 'sms', 'portal', 'operator', 'debtor_page']),
      note,
      scope: z.enum(['all', 'part']).optional(),
      amountMinor: z.number().int('must be whole minor units (cents)').positive('must be greater than zero').max(MAX_AMOUNT_MINOR).optional(),
    }),
    z.object({ kind: z.literal('original_creditor_request'), receivedAt: when, via: z.enum(['letter', 'email', 'phone', 'debtor_page', 'operator']), note }),
    z.object({ kind: z.literal('verification_sent'), sentAt: when, note, consumerDisagrees: z.boolean().optional() }),
    z.object({ kind: z.literal('cease_communication'), receivedAt: when, via: plainText(100), note }),
    z.object({ kind: z.literal('refusal_to_pay'), receivedAt: when, via: plainText(100), note }),
    z.object({ kind: z.literal('attorney_representation'), attorney: plainText(200), contact: plainText(200).optional() }),
    z.object({ kind: z.literal('deceased'), dateOfDeath: z.iso.date().optional(), estateRepresentative: representative }),
    z.object({ kind: z.literal('bankruptcy'), caseNumber: plainText(100), chapter: z.number().int().optional(), filedOn: z.iso.date().optional(), trustee: representative }),
    z.object({ kind: z.literal('opt_out'), channel: z.enum(['email', 'sms', 'call']), address: z.string().max(254), source: z.enum(['reply', 'link', 'operator', 'debtor_page']) }),
    z.object({ kind: z.literal('opt_in'), channel: z.enum(['email', 'sms']), address: z.string().max(254), source: z.enum(['reply', 'form', 'operator', 'debtor_page']) }),
    z.object({ kind: z.literal('debtor_question'), questionId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a question id'), text: z.string().trim().min(1, 'is required').max(2000), via: z.enum(['debtor_page', 'operator']) }),
    z.object({ kind: z.literal('question_answered'), questionId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a question id'), note }),
    z.object({ kind: z.literal('contact_preferences'), channel: z.enum(['email', 'sms']).nullable().optional(), timeOfDay: z.enum(['morning', 'afternoon', 'evening']).nullable().optional(), via: z.enum(['debtor_page', 'operator']) }),
    z.object({ kind: z.literal('telephone_conversation'), at: when, note }),
    z.object({ kind: z.literal('active_military_duty'), active: z.boolean(), note }),
    z.object({ kind: z.literal('debtor_reply'), channel: z.enum(['sms', 'email']), from: z.string().min(1), text: z.string().max(1600) }),
    z.object({ kind: z.literal('contact_invalid'), channel: z.enum(['email', 'sms']), address: z.string().min(3), reason: z.string().min(1).max(300), source: z.enum(['bounce', 'status_callback', 'operator']) }),
    z.object({ kind: z.literal('mail_returned'), address: representativeAddress.optional(), reason: plainText(300), source: z.enum(['post_office', 'print_vendor', 'operator']) }),
  ],
  { error: 'kind must be one of dispute, original_creditor_request, verification_sent, cease_communication, refusal_to_pay, attorney_representation, deceased, bankruptcy, opt_out, opt_in, debtor_question, question_answered, contact_preferences, telephone_conversation, active_military_duty, debtor_reply, contact_invalid, mail_returned' },
).superRefine((event, ctx) => {
  // On the union, so that its options stay plain objects (the API derives route bodies from them).
  if (event.kind === 'opt_out' || event.kind === 'opt_in') addressFitsChannel(event, ctx);
});

export function parseComplianceEvent(input: unknown): ComplianceEvent {
  const result = complianceEventSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new RangeError(`${issue.path.join('.') || 'event'}: ${issue.message}`);
  }
  return result.data as ComplianceEvent;
}
