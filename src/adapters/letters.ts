import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A print-and-mail service: takes a rendered PDF and a mailing address, returns its reference. */
export interface LetterGateway {
  mail(letter: { idempotencyKey: string; recipient: string[]; pdf: Buffer }): Promise<string>;
  /** Deletes what the service keeps of a letter (the personal-data purge); nothing when it has none. */
  erase?(letter: { idempotencyKey: string }): Promise<void>;
}

/**
 * The local print-and-mail stand-in: a folder of PDFs, one per letter, named by idempotency key
 * so a retried mailing overwrites rather than duplicates. A real service is another adapter.
 */
export function createFolderLetterGateway(directory: string): LetterGateway {
  mkdirSync(directory, { recursive: true });
  const fileOf = (idempotencyKey: string) => join(directory, `${idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '_')}.pdf`);
  return {
    async mail({ idempotencyKey, recipient, pdf }) {
      const file = fileOf(idempotencyKey);
      writeFileSync(file, pdf);
      writeFileSync(`${file}.address.txt`, recipient.join('\n') + '\n');
      return file;
    },
    async erase({ idempotencyKey }) {
      const file = fileOf(idempotencyKey);
      rmSync(file, { force: true });
      rmSync(`${file}.address.txt`, { force: true });
    },
  };
}
