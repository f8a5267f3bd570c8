import type { Pool } from 'pg';
import { createOrderLog } from '../adapters/order-log.repository';
import type { DocumentRepository } from '../adapters/document.repository';
import { renderAccountPacket, renderCollectionLetter } from '../adapters/documents';
import { createLedgerRepository } from '../adapters/ledger.repository';
import { createMessageLog } from '../adapters/message-log.repository';
import type { LetterGateway } from '../adapters/letters';
import { messageId, type Mailer } from '../adapters/smtp.mailer';
import type { AccountProfile, ContactRecord, Language, StageChange } from '../domain/account';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import { itemizationDate, itemizationLines, itemize } from '../domain/validation-notice';
import { permanent } from './failures';

export interface SendLetterInput {
  idempotencyKey: string;
  accountKey: string;
  creditorId: string;
  debtorName: string;
  address: AccountProfile['address'];
  subject: string;
  body: string;
  balanceMinor: number;
  currency: string;
  language: Language;
  dateIso: string; // YYYY-MM-DD, the letter's date
  paymentLink: string;
  /** The account's due date: the letter ends with the itemization from the ledger (a dispute's verification), as the validation notice does. */
  itemizeFrom?: string;
}

export interface PlaceAccountInput {
  idempotencyKey: string;
  accountKey: string;
  creditorId: string;
  account: AccountProfile;
  subject: string;
  text: string;
  contacts: ContactRecord[];
  stageHistory: StageChange[];
  openingBalanceMinor: number;
  balanceMinor: number;
  currency: string;
}

export function createDocumentActivities(deps: { pool: Pool; mailer: Mailer; letters: LetterGateway; documents: DocumentRepository; creditors: CreditorDirectory }) {
  const ledger = createLedgerRepository(deps.pool);
  const messages = createMessageLog(deps.pool);
  const orders = createOrderLog(deps.pool);
  const creditor = (id: string) => {
    const found = deps.creditors.creditors.find((c) => c.id === id);
    if (!found) throw permanent('creditor_not_configured', `creditor ${id} is not in the creditor directory`);
    return found;
  };
  const mailingAddress = (address: AccountProfile['address']) => [address.line1, `${address.city}, ${address.region} ${address.postalCode}`, ...(address.country === 'US' ? [] : [address.country])];

  return {
    /** Renders the letter as PDF, keeps it with the account, and hands it to print-and-mail once. */
    async sendLetter(input: SendLetterInput): Promise<{ documentId: string; status: 'mailed' | 'already_mailed' }> {
      const from = creditor(input.creditorId);
      let body = input.body;
      let amountDue = { amountMinor: input.balanceMinor, currency: input.currency };
      if (input.itemizeFrom) {
        // The same itemization as the validation notice's, from the ledger as it stands now.
        const lines = await ledger.statement(input.accountKey);
        const itemization = itemize(lines, { itemizationDate: itemizationDate(lines, input.itemizeFrom), currency: input.currency });
        body = `${body}\n\n${itemizationLines(itemization)}`;
        amountDue = { amountMinor: itemization.currentMinor, currency: itemization.currency };
      }
      const pdf = renderCollectionLetter({
        creditor: { name: from.name, mailingAddress: from.mailingAddress },
        debtor: { name: input.debtorName, mailingAddress: mailingAddress(input.address) },
        accountId: input.accountKey.split('/').pop()!,
        date: input.dateIso,
        subject: input.subject,
        body,
        amountDue,
        paymentLink: input.paymentLink,
        language: input.language,
      });
      await deps.documents.keep({ idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, kind: 'letter', contentType: 'application/pdf', content: pdf });
      const recipient = [input.debtorName, ...mailingAddress(input.address)];
      const outcome = await messages.sendOnce(
        { idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, channel: 'letter', stepId: input.idempotencyKey.split('/').pop()!, recipient: recipient.join(', '), subject: input.subject, body },
        () => deps.letters.mail({ idempotencyKey: input.idempotencyKey, recipient, pdf }),
      );
      return { documentId: input.idempotencyKey, status: outcome.status === 'sent' ? 'mailed' : 'already_mailed' };
    },

    /** Builds the placement packet (statement, ledger, contact history) and sends it to the creditor's attorney or agency once. */
    async placeAccount(input: PlaceAccountInput): Promise<{ destination: string; agencyName: string; status: 'acknowledged' | 'already_acknowledged' }> {
      const settings = creditor(input.creditorId);
      if (!settings.placement) throw permanent('creditor_not_configured', `creditor ${input.creditorId} has no attorney or agency for placements`);
      const placement = settings.placement;
      const { account } = input;
      const packet = renderAccountPacket({
        account: {
          creditorId: account.creditorId,
          accountId: account.accountId,
          debtorName: account.debtorName,
          address: account.address,
          phone: account.phone,
          email: account.email,
          product: account.product,
          currency: account.currency,
          originalDueDate: account.dueDate,
          collateralVin: account.collateralVin ?? undefined,
          serviceId: account.serviceId ?? undefined,
          insuranceClaimId: account.insuranceClaimId ?? undefined,
        },
        creditorName: settings.name,
        placement: { agencyName: placement.agencyName, preparedAt: input.stageHistory[input.stageHistory.length - 1]?.at.slice(0, 10) ?? account.dueDate },
        statement: { openingBalanceMinor: input.openingBalanceMinor, currentBalanceMinor: input.balanceMinor },
        ledger: await ledger.statement(input.accountKey),
        contacts: input.contacts.map((c) => ({ at: c.at, channel: c.channel, stepId: c.stepId, status: c.status, reason: c.reason, rule: c.rule })),
        stages: input.stageHistory,
      });
      const keep = (suffix: string, kind: 'placement_packet' | 'placement_ledger_csv' | 'placement_contacts_csv', contentType: string, content: Buffer) =>
        deps.documents.keep({ idempotencyKey: `${input.idempotencyKey}/${suffix}`, accountKey: input.accountKey, kind, contentType, content });
      await keep('packet.pdf', 'placement_packet', 'application/pdf', packet.pdf);
      await keep('ledger.csv', 'placement_ledger_csv', 'text/csv', Buffer.from(packet.ledgerCsv));
      await keep('contacts.csv', 'placement_contacts_csv', 'text/csv', Buffer.from(packet.contactsCsv));
      const destination = `mailto:${placement.email}`;
      const outcome = await orders.sendOnce(
        { kind: 'placement', idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, destination, payload: { agencyName: placement.agencyName, balanceMinor: input.balanceMinor, currency: input.currency } },
        () =>
          deps.mailer.send({
            to: placement.email,
            subject: input.subject,
            text: input.text,
            html: null,
            messageId: messageId(input.idempotencyKey),
            listUnsubscribe: `<mailto:${placement.email}>`,
            attachments: [
              { filename: `${account.accountId}-packet.pdf`, content: packet.pdf, contentType: 'application/pdf' },
              { filename: `${account.accountId}-ledger.csv`, content: packet.ledgerCsv, contentType: 'text/csv' },
              { filename: `${account.accountId}-contacts.csv`, content: packet.contactsCsv, contentType: 'text/csv' },
            ],
          }),
      );
      return { destination, agencyName: placement.agencyName, status: outcome.status };
    },
  };
}
