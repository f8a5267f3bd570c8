import type { Pool } from 'pg';
import type { DocumentRepository } from '../adapters/document.repository';
import { renderCollectionLetter } from '../adapters/documents';
import { createLedgerRepository } from '../adapters/ledger.repository';
import type { LetterGateway } from '../adapters/letters';
import { createMessageLog } from '../adapters/message-log.repository';
import { createPersonalDataRepository, PersonalDataError } from '../adapters/personal-data.repository';
import type { AccountProfile } from '../domain/account';
import { validationNoticeText } from '../domain/validation-notice';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import { permanent } from './failures';

export interface ValidationNoticeInput {
  idempotencyKey: string;
  accountKey: string;
  account: AccountProfile;
  dateIso: string; // YYYY-MM-DD, the notice's date
  periodEnds: string; // YYYY-MM-DD
  paymentLink: string;
  collectorName: string;
}

export function createComplianceActivities(deps: { pool: Pool; letters: LetterGateway; documents: DocumentRepository; creditors: CreditorDirectory }) {
  const ledger = createLedgerRepository(deps.pool);
  // The purge also erases the letters' copies at the print-and-mail service.
  const personalData = createPersonalDataRepository(deps.pool, { letters: deps.letters });
  return {
    /**
     * Redacts the debtor's personal data everywhere it is kept; the ledger stays whole. Idempotent.
     * Called from the running workflow, it retires the account's data keys (they still open this
     * run's history); the next run destroys them with destroyRetiredDataKeys.
     */
    async purgePersonalData(input: { accountKey: string; reason: string }) {
      try {
        return await personalData.purgeAccount({ ...input, dataKeys: 'retire' });
      } catch (error) {
        if (error instanceof PersonalDataError) throw permanent('unknown_account', error.message);
        throw error;
      }
    },

    /** Crypto-shredding of the account's earlier runs: destroys the data keys the purge retired. Call it from a run started after the purge. */
    async destroyRetiredDataKeys(input: { accountKey: string }) {
      return personalData.destroyRetiredDataKeys(input.accountKey);
    },

    /** Mails the validation notice (Model Form B-1 content) with the itemization taken from the ledger, once. */
    async sendValidationNotice(input: ValidationNoticeInput): Promise<{ documentId: string; currentMinor: number }> {
      const creditor = deps.creditors.creditors.find((c) => c.id === input.account.creditorId);
      if (!creditor) throw permanent('creditor_not_configured', `creditor ${input.account.creditorId} is not in the creditor directory`);
      const lines = await ledger.statement(input.accountKey);
      const opening = lines.find((l) => l.kind === 'charge');
      const itemization = {
        itemizationDate: input.account.dueDate,
        amountThenMinor: opening?.debitMinor ?? 0,
        interestMinor: 0, // the ledger has no interest or fee entries yet
        feesMinor: 0,
        paymentsAndCreditsMinor: lines.reduce((sum, l) => sum + l.creditMinor, 0),
        currentMinor: lines[lines.length - 1]?.balanceMinor ?? 0,
        currency: input.account.currency,
      };
      const text = validationNoticeText({
        collectorName: input.collectorName,
        creditorName: creditor.name,
        accountId: input.account.accountId,
        debtorName: input.account.debtorName,
        itemization,
        periodEnds: input.periodEnds,
        paymentLink: input.paymentLink,
      });
      const address = [input.account.address.line1, `${input.account.address.city}, ${input.account.address.region} ${input.account.address.postalCode}`];
      const pdf = renderCollectionLetter({
        creditor: { name: creditor.name, mailingAddress: creditor.mailingAddress },
        debtor: { name: input.account.debtorName, mailingAddress: address },
        accountId: input.account.accountId,
        date: input.dateIso,
        subject: text.subject,
        body: text.body,
        amountDue: { amountMinor: itemization.currentMinor, currency: itemization.currency },
        paymentLink: input.paymentLink,
        language: input.account.language,
      });
      await deps.documents.keep({ idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, kind: 'letter', contentType: 'application/pdf', content: pdf });
      const recipient = [input.account.debtorName, ...address];
      await createMessageLog(deps.pool).sendOnce(
        { idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, channel: 'letter', stepId: 'validation-notice', recipient: recipient.join(', '), subject: text.subject, body: text.body },
        () => deps.letters.mail({ idempotencyKey: input.idempotencyKey, recipient, pdf }),
      );
      return { documentId: input.idempotencyKey, currentMinor: itemization.currentMinor };
    },
  };
}
