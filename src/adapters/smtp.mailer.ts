import nodemailer from 'nodemailer';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Stable across retries so receiving systems can recognise a resend. */
  messageId: string;
  listUnsubscribe: string;
}

export interface Mailer {
  send(message: EmailMessage): Promise<string>;
  close(): void;
}

/** Email over SMTP with nodemailer; smtpUrl like smtp://user:pass@host:587 or smtps://host:465. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      const info = await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html ?? undefined,
        messageId: message.messageId,
        headers: { 'List-Unsubscribe': message.listUnsubscribe },
      });
      return info.messageId;
    },
    close: () => transport.close(),
  };
}
