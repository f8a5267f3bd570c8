import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A print-and-mail service: takes a rendered PDF and a mailing address, returns its reference. */
export interface LetterGateway {
  mail(letter: { idempotencyKey: string; recipient: string[]; pdf: Buffer }): Promise<string>;
}

/**
 * The local print-and-mail stand-in: a folder of PDFs, one per letter, named by idempotency key
 * so a retried mailing overwrites rather than duplicates. A real service is another adapter.
 */
export function createFolderLetterGateway(directory: string): LetterGateway {
  mkdirSync(directory, { recursive: true });
  return {
    async mail({ idempotencyKey, recipient, pdf }) {
      const file = join(directory, `${idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '_')}.pdf`);
      writeFileSync(file, pdf);
      writeFileSync(`${file}.address.txt`, recipient.join('\n') + '\n');
      return file;
    },
  };
}
