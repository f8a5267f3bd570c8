/**
 * The command line's key commands (src/starter.ts dispatches to them):
 *   operator-key create --operator NAME [--creditors <id>[,<id>…]] | operator-key revoke <keyId> | operator-key list
 *     (with --creditors the key also signs in to the work queue page /queue for those creditors)
 *   payload-keys rewrap      re-wraps every data key under the newest master key (then older master keys can go)
 */
import type { Pool } from 'pg';
import { createDataKeyRepository } from './adapters/data-key.repository';
import { createOperatorKeyRepository } from './adapters/operator-key.repository';
import type { MasterKey } from './schemas/config.schema';
import { controlCharacterProblem } from './schemas/text';

export interface KeyCommandIo {
  print(human: string, data: unknown): void;
  /** A usage error for the caller to report (exit 1). */
  usage(message: string): Error;
}

/** knownCreditorIds: the creditor directory's ids, when there is one, to refuse a scope naming others. */
export async function operatorKeyCommand(args: string[], options: Map<string, string>, pool: Pool, io: KeyCommandIo, knownCreditorIds?: string[]): Promise<void> {
  const [verb, keyId] = args;
  const keys = createOperatorKeyRepository(pool);
  if (verb === 'create') {
    const operator = options.get('operator')?.trim();
    if (!operator) throw io.usage('operator-key create needs --operator NAME (who holds it)');
    const problem = operator.length > 200 ? 'must be at most 200 characters' : controlCharacterProblem(operator);
    if (problem) throw io.usage(`--operator ${problem}`);
    const creditors = options.has('creditors') ? (options.get('creditors') ?? '').split(',').map((c) => c.trim()).filter(Boolean) : undefined;
    if (creditors && creditors.length === 0) throw io.usage('--creditors needs <id>[,<id>…]');
    const unknown = creditors && knownCreditorIds ? creditors.filter((id) => !knownCreditorIds.includes(id)) : [];
    if (unknown.length > 0) throw io.usage(`--creditors: not in the creditor directory: ${unknown.join(', ')}`);
    const created = await keys.create(operator, creditors);
    io.print(
      `operator key ${created.keyId} for ${created.operator}:\n${created.key}\nIt is shown only now (only its hash is kept). It opens the codec endpoint, which reads every account: ` +
        `Authorization: Bearer ${created.key.slice(0, 20)}… (Temporal CLI: --codec-endpoint <service>/codec --codec-auth "Bearer …")` +
        (creditors ? `; and the work queue at /queue for ${creditors.join(', ')}` : ''),
      created,
    );
  } else if (verb === 'revoke') {
    if (!keyId) throw io.usage('operator-key revoke needs the key id (the part after dko_)');
    const outcome = await keys.revoke(keyId);
    if (outcome === 'unknown') throw io.usage(`no operator key ${keyId}`);
    io.print(outcome === 'revoked' ? `operator key ${keyId} revoked (its work queue sessions ended)` : `operator key ${keyId} was already revoked`, { keyId, status: outcome });
  } else if (verb === 'list') {
    const list = await keys.list();
    io.print(list.map((k) => `${k.keyId} ${k.operator} ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}${k.creditorIds ? ` (work queue: ${k.creditorIds.join(', ')})` : ''}`).join('\n') || 'no operator keys', { keys: list });
  } else throw io.usage('operator-key create --operator NAME [--creditors <id>[,<id>…]] | operator-key revoke <keyId> | operator-key list');
}

export async function payloadKeysCommand(args: string[], pool: Pool, keyring: MasterKey[], io: KeyCommandIo): Promise<void> {
  if (args[0] !== 'rewrap') throw io.usage('payload-keys rewrap (every data key re-wrapped under the newest master key of PAYLOAD_KEYS / PAYLOAD_KEYS_FILE)');
  const moved = await createDataKeyRepository({ pool, keyring }).rewrap();
  io.print(`${moved} data keys re-wrapped under master key "${keyring[0]!.id}"; master keys after it are no longer needed once every worker runs with this keyring`, { rewrapped: moved, masterKeyId: keyring[0]!.id });
}
