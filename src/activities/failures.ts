import { ApplicationFailure } from '@temporalio/common';

/** Failure types that never succeed on retry; the workflow matches on these names. */
export const PERMANENT_FAILURES = {
  unknownAccount: 'unknown_account',
  currencyMismatch: 'currency_mismatch',
  paymentIdReused: 'payment_id_reused',
  unknownPayment: 'unknown_payment',
  invalidPosting: 'invalid_posting',
  recipientRejected: 'recipient_rejected',
  recipientOptedOut: 'recipient_opted_out',
  creditorNotConfigured: 'creditor_not_configured',
  orderRefused: 'order_refused',
  cadenceNotFound: 'cadence_not_found',
  processorRefused: 'processor_refused',
} as const;
export type PermanentFailure = (typeof PERMANENT_FAILURES)[keyof typeof PERMANENT_FAILURES];

export function permanent(type: PermanentFailure, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
