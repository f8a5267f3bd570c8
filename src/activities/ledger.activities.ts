import { LedgerError, type LedgerRepository, type OpenAccountInput, type PostingResult, type PostPaymentInput } from '../adapters/ledger.repository';
import { permanent } from './failures';

export function createLedgerActivities(ledger: LedgerRepository) {
  async function translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // Ledger refusals are facts about the input, not outages: retrying cannot help.
      if (error instanceof LedgerError) throw permanent(error.code, error.message);
      throw error;
    }
  }
  return {
    /** Opens the account in the ledger with its opening balance; idempotent per account. */
    openLedgerAccount(input: OpenAccountInput): Promise<PostingResult> {
      return translate(() => ledger.openAccount(input));
    },
    /** Posts a payment exactly once per payment id and returns the derived balance. */
    postPayment(input: PostPaymentInput): Promise<PostingResult> {
      return translate(() => ledger.postPayment(input));
    },
  };
}
