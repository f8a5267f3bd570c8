/**
 * A real SMTP server on loopback that keeps every message it accepts, as JSON and .eml files,
 * so local runs and tests send real email over SMTP without leaving the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SunkEmail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string | null;
  messageId: string;
  headers: Record<string, string>;
  receivedAt: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  directory: string | null;
  messages(): SunkEmail[];
  /** Answers the next n deliveries with a temporary (421 service not available, 451) or permanent (550) failure (after any failures already asked for). */
  failNext(n: number, code?: 421 | 451 | 550): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startSmtpSink(options: { port?: number; directory?: string } = {}): Promise<SmtpSink> {
  const received: SunkEmail[] = [];
  /** Reply codes for the next deliveries, in order. */
  const failures: number[] = [];
  if (options.directory) mkdirSync(options.directory, { recursive: true });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const failureCode = failures.shift();
        if (failureCode !== undefined) {
          const error = new Error(failureCode === 550 ? 'Mailbox unavailable' : failureCode === 421 ? 'Service not available, try again later' : 'Temporary local problem, try again') as Error & { responseCode: number };
          error.responseCode = failureCode;
          return callback(error);
        }
        try {
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          const toField = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
          const email: SunkEmail = {
            to: toField.flatMap((a) => a.value.map((v) => v.address ?? '')),
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: (parsed.text ?? '').trimEnd(),
            html: typeof parsed.html === 'string' ? parsed.html : null,
            messageId: parsed.messageId ?? '',
            // Raw header values, as the sender wrote them (lower-case names).
            headers: Object.fromEntries(parsed.headerLines.map(({ key, line }) => [key, line.slice(line.indexOf(':') + 1).trim()])),
            receivedAt: new Date().toISOString(),
          };
          received.push(email);
          if (options.directory) {
            const name = `${email.receivedAt.replace(/[:.]/g, '-')}-${received.length}`;
            writeFileSync(join(options.directory, `${name}.eml`), raw);
            writeFileSync(join(options.directory, `${name}.json`), JSON.stringify(email, null, 2));
          }
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    directory: options.directory ?? null,
    messages: () => [...received],
    failNext(n, code = 451) {
      for (let i = 0; i < n; i++) failures.push(code);
    },
    clear: () => void received.splice(0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
