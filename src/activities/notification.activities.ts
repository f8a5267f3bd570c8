import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import type { MessageLog, SendOutcome } from '../adapters/message-log.repository';
import { messageId, type Mailer } from '../adapters/smtp.mailer';
import { unsubscribeUrl } from '../adapters/unsubscribe-link';
import type { SmsGateway } from '../adapters/twilio.sms';
import { permanent } from './failures';
import type { OptOutRepository } from '../adapters/opt-out.repository';

export interface SendEmailInput {
  idempotencyKey: string;
  accountKey: string;
  stepId: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** A §1006.10 location inquiry: from the neutral business name, and no account named in its headers. */
  location?: { businessName: string };
}

export interface SendSmsInput {
  idempotencyKey: string;
  accountKey: string;
  stepId: string;
  to: string;
  body: string;
}

export interface NotificationDeps {
  messageLog: MessageLog;
  mailer: Mailer;
  sms: SmsGateway;
  optOutEmail: string;
  /** Where a number the carrier reports unsubscribed (Twilio 21610) is kept, as an SMS STOP is. */
  optOuts: Pick<OptOutRepository, 'record'>;
  /** Public base URL and secret of the unsubscribe link; without them only the mailto opt-out. */
  unsubscribe?: { baseUrl: string; secret: string };
}

/** SMTP 5xx (other than 552 size limits some servers send temporarily) means the address is refused for good. */
function isPermanentSmtpRejection(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** Twilio 21610: the number replied STOP to our sending number; Twilio refuses every message to it until START. */
function isTwilioUnsubscribed(error: unknown): boolean {
  return (error as { code?: number }).code === 21610;
}

/** A provider's refusal, without the address (failure messages reach Temporal's history). */
function withoutAddress(error: unknown, address: string): string {
  return String((error as Error).message ?? error).split(address).join('<recipient>');
}

/** Twilio 4xx other than 429 (rate limit) is a permanent refusal such as an invalid number. */
function isPermanentTwilioRejection(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429;
}

export function createNotificationActivities(deps: NotificationDeps) {
  return {
    async sendEmail(input: SendEmailInput): Promise<SendOutcome> {
      try {
        const outcome = await deps.messageLog.sendOnce(
          { idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, channel: 'email', stepId: input.stepId, recipient: input.to, subject: input.subject, body: input.text },
          () =>
            deps.mailer.send({
              to: input.to,
              subject: input.subject,
              text: input.text,
              html: input.html,
              // A location inquiry's Message-ID must not name the account either: a hash of the same key (stable across retries).
              messageId: messageId(input.location ? createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 32) : input.idempotencyKey),
              listUnsubscribe: [
                input.location ? `<mailto:${deps.optOutEmail}?subject=unsubscribe>` : `<mailto:${deps.optOutEmail}?subject=unsubscribe%20${encodeURIComponent(input.accountKey)}>`,
                ...(deps.unsubscribe ? [`<${unsubscribeUrl(deps.unsubscribe.baseUrl, deps.unsubscribe.secret, input.accountKey, input.to)}>`] : []),
              ].join(', '),
              oneClickUnsubscribe: deps.unsubscribe !== undefined,
              ...(input.location ? { fromName: input.location.businessName } : {}),
            }),
        );
        log.debug('email', { key: input.idempotencyKey, status: outcome.status });
        return outcome;
      } catch (error) {
        if (isPermanentSmtpRejection(error)) throw permanent('recipient_rejected', `SMTP refused the address: ${withoutAddress(error, input.to)}`);
        throw error;
      }
    },

    async sendSms(input: SendSmsInput): Promise<SendOutcome> {
      try {
        const outcome = await deps.messageLog.sendOnce(
          { idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, channel: 'sms', stepId: input.stepId, recipient: input.to, subject: null, body: input.body },
          () => deps.sms.send({ to: input.to, body: input.body }),
          // Twilio has no idempotency key for a send, but lists what was sent: ask before sending again.
          (since) => deps.sms.findSent({ to: input.to, body: input.body, since }),
        );
        log.debug('sms', { key: input.idempotencyKey, status: outcome.status });
        return outcome;
      } catch (error) {
        if (isTwilioUnsubscribed(error)) {
          // Kept like an SMS STOP (for every creditor: the number stopped our sending number), so no later text is tried.
          await deps.optOuts.record('sms', input.to, [], 'carrier_unsubscribed_21610');
          throw permanent('recipient_opted_out', 'Twilio 21610: the number replied STOP to this sender; kept as an SMS opt-out');
        }
        if (isPermanentTwilioRejection(error)) throw permanent('recipient_rejected', `Twilio refused the number: ${withoutAddress(error, input.to)}`);
        throw error;
      }
    },
  };
}
