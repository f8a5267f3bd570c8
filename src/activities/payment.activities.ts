/**
 * Payments through the creditor's processor that the account asks for: a retry of a failed
 * automatic payment from the payment method on file. One charge per idempotency key (the
 * processor's Idempotency-Key), each attempt kept in payment_attempts.
 */
import type { PaymentAttemptRepository } from '../adapters/payment-attempt.repository';
import { ProcessorError, type PaymentProcessors } from '../adapters/payment-processor';
import type { ChargeOnFileInput, EffectValues } from '../domain/engine';
import { permanent } from './failures';

export function createPaymentActivities(deps: { processors?: PaymentProcessors; attempts: PaymentAttemptRepository }) {
  return {
    async chargeOnFile(input: ChargeOnFileInput): Promise<EffectValues['charge_on_file']> {
      const processor = deps.processors?.forCreditor(input.creditorId) ?? null;
      if (!processor) throw permanent('creditor_not_configured', `creditor ${input.creditorId} has no payment processor for retries`);
      const attempt = { attemptKey: input.idempotencyKey, accountKey: input.accountKey, creditorId: input.creditorId, kind: 'retry' as const, processor: processor.name, amountMinor: input.amountMinor, currency: input.currency };
      try {
        const result = await processor.chargeSavedMethod({
          amountMinor: input.amountMinor,
          currency: input.currency,
          paymentMethod: input.paymentMethod,
          idempotencyKey: input.idempotencyKey,
          metadata: { creditorId: input.creditorId, accountId: input.accountId, source: 'card_on_file', retryOf: input.originalPaymentId, attempt: String(input.attempt) },
        });
        await deps.attempts.record({ ...attempt, processorId: result.paymentIntentId || null, status: result.status, declineCode: result.declineCode });
        return { status: result.status, paymentId: result.paymentIntentId, declineCode: result.declineCode, message: result.message };
      } catch (error) {
        if (error instanceof ProcessorError && error.permanent) {
          await deps.attempts.record({ ...attempt, processorId: null, status: 'refused', declineCode: null });
          throw permanent('processor_refused', error.message);
        }
        throw error; // the processor is unreachable or failing: retried
      }
    },
  };
}
