import { createLedgerRepository } from '../adapters/ledger.repository';
import { createMessageLog } from '../adapters/message-log.repository';
import type { Mailer } from '../adapters/smtp.mailer';
import type { SmsGateway } from '../adapters/twilio.sms';
import type { Pool } from 'pg';
import { createLedgerActivities } from './ledger.activities';
import { createNotificationActivities } from './notification.activities';

export interface ActivityDeps {
  pool: Pool;
  mailer: Mailer;
  sms: SmsGateway;
  optOutEmail: string;
}

/** All activities, closed over their dependencies; workflows import only the type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createLedgerActivities(createLedgerRepository(deps.pool)),
    ...createNotificationActivities({ messageLog: createMessageLog(deps.pool), mailer: deps.mailer, sms: deps.sms, optOutEmail: deps.optOutEmail }),
  };
}
export type Activities = ReturnType<typeof createActivities>;
