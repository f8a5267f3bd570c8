import type { Pool } from 'pg';
import { createCadenceRepository } from '../adapters/cadence.repository';
import { createDocumentRepository } from '../adapters/document.repository';
import type { LetterGateway } from '../adapters/letters';
import { createLedgerRepository } from '../adapters/ledger.repository';
import { createMessageLog } from '../adapters/message-log.repository';
import type { Mailer } from '../adapters/smtp.mailer';
import type { SmsGateway } from '../adapters/twilio.sms';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import { createOptOutRepository } from '../adapters/opt-out.repository';
import type { PageLinkSigner } from '../adapters/debtor-page.repository';
import { createPaymentAttemptRepository } from '../adapters/payment-attempt.repository';
import type { PaymentProcessors } from '../adapters/payment-processor';
import { createPaymentActivities } from './payment.activities';
import { createAccountActivities } from './account.activities';
import { createCadenceActivities } from './cadence.activities';
import { createChargeActivities } from './charges.activities';
import { createComplianceActivities } from './compliance.activities';
import { createDebtorActivities } from './debtor.activities';
import { createDocumentActivities } from './document.activities';
import { createEscalationActivities } from './escalation.activities';
import { createLedgerActivities } from './ledger.activities';
import { createNotificationActivities } from './notification.activities';
import { createReportingActivities } from './reporting.activities';
import type { PayerGateway } from '../adapters/payer.client';
import type { SkipTraceProvider } from '../adapters/skip-trace.client';
import { createWorkActivities } from './work.activities';

export interface ActivityDeps {
  pool: Pool;
  mailer: Mailer;
  sms: SmsGateway;
  letters: LetterGateway;
  creditors: CreditorDirectory;
  optOutEmail: string;
  unsubscribe?: { baseUrl: string; secret: string };
  /** Signs the links to the debtor's page that messages carry; without it {{paymentLink}} stays as rendered. */
  pageLinks?: PageLinkSigner;
  /** Each creditor's payment processor (retries of failed automatic payments). */
  payments?: PaymentProcessors;
  /** Locating debtors; without one a person does it (the work queue). */
  skipTrace?: SkipTraceProvider;
  /** Insurance claims' status and appeals; without one a claim step records that none is configured. */
  payer?: PayerGateway;
  /** The neutral business name of location letters (VOICEMAIL_BUSINESS_NAME). */
  locationBusinessName?: string;
}

/** All activities, closed over their dependencies; workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  const ledger = createLedgerRepository(deps.pool);
  const documents = createDocumentRepository(deps.pool);
  const parts = {
    ...createLedgerActivities(ledger, deps.pool),
    ...createNotificationActivities({ messageLog: createMessageLog(deps.pool), mailer: deps.mailer, sms: deps.sms, optOutEmail: deps.optOutEmail, unsubscribe: deps.unsubscribe, optOuts: createOptOutRepository(deps.pool) }),
    ...createCadenceActivities({ pool: deps.pool, cadences: createCadenceRepository(deps.pool), creditors: deps.creditors }),
    ...createEscalationActivities({ pool: deps.pool, mailer: deps.mailer, creditors: deps.creditors }),
    ...createDocumentActivities({ pool: deps.pool, mailer: deps.mailer, letters: deps.letters, documents, creditors: deps.creditors }),
    ...createComplianceActivities({ pool: deps.pool, letters: deps.letters, documents, creditors: deps.creditors }),
    ...createDebtorActivities({ pool: deps.pool }),
    ...createReportingActivities(deps.pool),
    ...createPaymentActivities({ processors: deps.payments, attempts: createPaymentAttemptRepository(deps.pool) }),
    ...createWorkActivities({ pool: deps.pool, documents, letters: deps.letters, creditors: deps.creditors, skipTrace: deps.skipTrace, payer: deps.payer, locationBusinessName: deps.locationBusinessName ?? 'Client Services' }),
    ...createChargeActivities({ pool: deps.pool, ledger }),
  };
  // The validation notice's link to the debtor's page is signed for that letter.
  const pageLinks = deps.pageLinks;
  if (pageLinks) {
    const send = parts.sendValidationNotice;
    parts.sendValidationNotice = async (input) => send({ ...input, paymentLink: await pageLinks.link(input.accountKey, input.idempotencyKey) });
  }
  // The engine's own activities are built from the others; the others stay for accounts on the earlier engines.
  return { ...parts, ...createAccountActivities({ ...parts, optOuts: createOptOutRepository(deps.pool), pageLinks }) };
}
export type Activities = ReturnType<typeof createActivities>;
