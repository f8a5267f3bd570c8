/**
 * The PayloadCodec that encrypts every Temporal payload (AES-256-GCM), with envelope encryption:
 * each account (workflow id account/<creditorId>/<accountId>) has its own data key, found through
 * the SDK's serialization context; payloads of no account (no context, other workflows) use the
 * namespace's key. The encrypted payload is the original one (metadata and data, as protobuf),
 * sealed with the data key; its metadata names the cipher, the data key and the master key that
 * wraps it, so any holder of the keyring and the data_keys table reads it without context (the
 * codec endpoint gets none from the Temporal UI).
 *
 * Payloads that are not encrypted pass through decode unchanged: histories recorded before
 * encryption (test/histories) keep replaying, and a worker reads accounts started before it.
 */
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { decode as utf8Decode, encode as utf8Encode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';
import { open, seal } from './envelope';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const CIPHER = 'AES-256-GCM';
export const META = { encoding: 'encoding', cipher: 'encryption-cipher', keyId: 'encryption-key-id', masterKeyId: 'encryption-master-key-id' } as const;

export interface DataKey {
  keyId: string;
  /** account/<creditorId>/<accountId> or namespace/<namespace> */
  owner: string;
  masterKeyId: string;
  key: Buffer;
}
export interface DestroyedKey {
  keyId: string;
  owner: string;
  destroyedAt: string;
}

/** Where data keys live (the data_keys table, src/adapters/data-key.repository.ts). */
export interface DataKeyStore {
  /** The key new payloads of `owner` are sealed with; created (wrapped by the newest master key) when there is none. */
  currentKey(owner: string): Promise<DataKey>;
  /** A key by its id: the key, its tombstone once destroyed, or null when unknown. */
  findKey(keyId: string): Promise<DataKey | DestroyedKey | null>;
}

export class DataKeyDestroyedError extends Error {
  constructor(readonly destroyed: DestroyedKey) {
    super(`payload of ${destroyed.owner} cannot be read: its data key ${destroyed.keyId} was destroyed at ${destroyed.destroyedAt} (crypto-shredded)`);
    this.name = 'DataKeyDestroyedError';
  }
}

const ACCOUNT_WORKFLOW_ID = /^account\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

/** The owner of a payload's data key: the account its workflow (or its activity's workflow) is, else the namespace. */
export function keyOwner(context: SerializationContext | undefined, namespace: string): string {
  const workflowId = context?.workflowId;
  if (workflowId && ACCOUNT_WORKFLOW_ID.test(workflowId)) return workflowId;
  return `namespace/${context?.namespace ?? namespace}`;
}

export const isEncrypted = (payload: Payload): boolean => {
  const encoding = payload.metadata?.[META.encoding];
  return encoding !== undefined && encoding !== null && utf8Decode(encoding) === ENCRYPTED_ENCODING;
};

const metadataText = (payload: Payload, key: string): string | undefined => {
  const value = payload.metadata?.[key];
  return value ? utf8Decode(value) : undefined;
};

/** What a reader sees instead of a payload whose key was destroyed: a JSON string saying so. */
export function destroyedPlaceholder(destroyed: DestroyedKey): Payload {
  return {
    metadata: { [META.encoding]: utf8Encode('json/plain') },
    data: utf8Encode(JSON.stringify(`[personal data destroyed: the data key of ${destroyed.owner} was destroyed at ${destroyed.destroyedAt}]`)),
  };
}

export interface EncryptionCodecOptions {
  store: DataKeyStore;
  /** The namespace whose key seals payloads without an account. */
  namespace: string;
  /**
   * A payload whose key was destroyed: `throw` a DataKeyDestroyedError (workers and clients: code
   * that expects the real value must not get a string instead) or return a `placeholder` (the codec
   * endpoint: what the UI shows).
   */
  onDestroyed?: 'throw' | 'placeholder';
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly options: EncryptionCodecOptions) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const key = await this.options.store.currentKey(keyOwner(context, this.options.namespace));
    return payloads.map((payload) => ({
      metadata: {
        [META.encoding]: utf8Encode(ENCRYPTED_ENCODING),
        [META.cipher]: utf8Encode(CIPHER),
        [META.keyId]: utf8Encode(key.keyId),
        [META.masterKeyId]: utf8Encode(key.masterKeyId),
      },
      data: seal(key.key, temporal.api.common.v1.Payload.encode(payload).finish(), key.keyId),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => this.decodeOne(payload)));
  }

  private async decodeOne(payload: Payload): Promise<Payload> {
    if (!isEncrypted(payload)) return payload;
    const keyId = metadataText(payload, META.keyId);
    const cipher = metadataText(payload, META.cipher);
    if (!keyId || cipher !== CIPHER) throw new Error(`encrypted payload without a key id or with an unknown cipher (${cipher ?? 'none'})`);
    const found = await this.options.store.findKey(keyId);
    if (!found) throw new Error(`encrypted payload with an unknown data key ${keyId} (another database, or a key from another installation)`);
    if ('destroyedAt' in found) {
      if (this.options.onDestroyed === 'placeholder') return destroyedPlaceholder(found);
      throw new DataKeyDestroyedError(found);
    }
    const plaintext = open(found.key, payload.data ?? new Uint8Array(), keyId);
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}
