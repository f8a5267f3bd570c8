import nodemailer from 'nodemailer';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Stable across retries so receiving systems can recognise a resend. */
  messageId: string;
  listUnsubscribe: string;
  /** RFC 8058: the List-Unsubscribe URL accepts a one-click POST. */
  oneClickUnsubscribe?: boolean;
  attachments?: { filename: string; content: Buffer | string; contentType: string }[];
  /** Another display name before the sender's address (a §1006.10 location inquiry is signed with a neutral business name). */
  fromName?: string;
}

/** A Message-ID derived from the idempotency key: the same across retries of one send. */
export function messageId(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@dunning.local>`;
}

export interface Mailer {
  send(message: EmailMessage): Promise<string>;
  close(): void;
}

/**
 * Email over SMTP with nodemailer; smtpUrl like smtp://user:pass@host:587 or smtps://host:465.
 * tls (SMTP_TLS): only over TLS with a verified certificate: smtps:// from the start, or smtp://
 * with STARTTLS required (a server that does not offer it is refused); the URL's own options
 * (?ignoreTLS=true, say) are dropped so they cannot weaken it.
 */
export function createSmtpMailer(smtpUrl: string, from: string, tls?: { ca?: string } | null): Mailer {
  let transport;
  if (tls) {
    const url = new URL(smtpUrl);
    url.search = '';
    transport = nodemailer.createTransport({ url: url.toString(), requireTLS: true, tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ca: tls.ca } });
  } else transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
      const info = await transport.sendMail({
        from: message.fromName ? { name: message.fromName, address } : from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html ?? undefined,
        messageId: message.messageId,
        headers: {
          'List-Unsubscribe': message.listUnsubscribe,
          ...(message.oneClickUnsubscribe ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
        },
        attachments: message.attachments,
      });
      return info.messageId;
    },
    close: () => transport.close(),
  };
}
