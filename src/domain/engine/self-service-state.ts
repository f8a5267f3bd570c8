/**
 * What the account keeps of the debtor's own page (and of payments from a card on file): their
 * contact preferences, the questions waiting for a person, confirmations on their way, payment
 * attempts and the retries of a failed automatic payment. Plain JSON; absent in a state carried
 * from before the page existed, so it is always read through selfServiceOf.
 */
import type { ConfirmationKind } from '../self-service-messages';
import type { ContactPreferences, DebtorQuestion, PaymentAttemptRecord } from './records';

/** A confirmation on its way: by the preferred channel, else email, else SMS, each through the gate. */
export interface PendingConfirmation {
  id: string;
  kind: ConfirmationKind;
  detail: string;
  /** Index into the channels tried in order. */
  option: number;
  /** Deferred by the contact window until then. */
  notBefore: string | null;
  deferrals: number;
}

/** Retries of one failed automatic payment. */
export interface CardRetry {
  paymentId: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  firstFailedAt: string;
  retriesDone: number;
  /** When the next retry is due; null when no more will be made. */
  nextAt: string | null;
}

export interface SelfServiceState {
  preferences: ContactPreferences;
  questions: DebtorQuestion[];
  confirmations: PendingConfirmation[];
  attempts: PaymentAttemptRecord[];
  retries: CardRetry[];
  disputedAmountMinor: number | null;
  originalCreditorRequested: boolean;
  /** Counts confirmations, so each has its own id (and idempotency key). */
  confirmationsMade: number;
}

export function emptySelfService(): SelfServiceState {
  return { preferences: { channel: null, timeOfDay: null }, questions: [], confirmations: [], attempts: [], retries: [], disputedAmountMinor: null, originalCreditorRequested: false, confirmationsMade: 0 };
}

/** The page's state, created on first use (a state from before the page has none). */
export function selfServiceOf(state: { selfService?: SelfServiceState }): SelfServiceState {
  state.selfService ??= emptySelfService();
  return state.selfService;
}

/** Read-only: the page's state without creating it. */
export function readSelfService(state: { selfService?: SelfServiceState }): SelfServiceState {
  return state.selfService ?? emptySelfService();
}
