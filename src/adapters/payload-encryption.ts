/**
 * Payload encryption as every Temporal connection of the product uses it: the data keys in
 * Postgres (data-key.repository.ts), the codec (src/crypto/payload-codec.ts), and the DataConverter
 * for Worker.create, new Client and the test environments. Workers and the codec endpoint listen for
 * key destructions; a short-lived client (the CLI) does not need to.
 */
import type { DataConverter } from '@temporalio/common';
import type { Pool } from 'pg';
import { EncryptionCodec } from '../crypto/payload-codec';
import type { MasterKey } from '../schemas/config.schema';
import { createDataKeyRepository, type DataKeyRepository } from './data-key.repository';

export interface PayloadEncryption {
  keys: DataKeyRepository;
  /** For workers and clients: a payload whose key was destroyed throws DataKeyDestroyedError. */
  codec: EncryptionCodec;
  /** For readers (the codec endpoint): a payload whose key was destroyed reads as a placeholder string. */
  readerCodec: EncryptionCodec;
  dataConverter: DataConverter;
  close(): Promise<void>;
}

export async function createPayloadEncryption(options: { pool: Pool; keyring: MasterKey[]; namespace: string; listen?: boolean; log?: (line: string) => void }): Promise<PayloadEncryption> {
  const keys = createDataKeyRepository({ pool: options.pool, keyring: options.keyring, log: options.log });
  if (options.listen) await keys.listen();
  const codec = new EncryptionCodec({ store: keys, namespace: options.namespace, onDestroyed: 'throw' });
  return {
    keys,
    codec,
    readerCodec: new EncryptionCodec({ store: keys, namespace: options.namespace, onDestroyed: 'placeholder' }),
    // Failure messages stay in clear (the default failure converter): the SDK does not decode encoded
    // failure attributes on every path (a failed query's message would be lost), so failures must not
    // quote personal data; payloads, details and results are encrypted.
    dataConverter: { payloadCodecs: [codec] },
    close: () => keys.close(),
  };
}
