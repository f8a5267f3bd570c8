/**
 * Facts that belong to the person, not to one account: an opt-out of an address, a request to cease
 * communication, attorney representation, a telephone conversation. Reported on one account, they
 * are applied to every open account of the same debtor at that creditor (the creditor's debtor id,
 * or the same email or phone): signalled to each at once, and kept so that the gate of each account
 * (one enrolled later too) finds them when it next contacts the person. The answer says which
 * accounts were affected.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createDebtorRepository, type PersonFactKind } from '../adapters/debtor.repository';
import { accountKey } from '../domain/account';
import { parseComplianceEvent } from '../schemas/compliance-event.schema';
import type { CallElsewhere, ComplianceEvent } from '../workflows/definitions';
import { AccountError, reportComplianceEvent } from './accounts.client';

/** The kinds of fact that belong to the person (a conversation too: the call caps are the person's). */
const PERSON_FACTS: Partial<Record<ComplianceEvent['kind'], PersonFactKind>> = {
  opt_out: 'opt_out',
  cease_communication: 'cease_communication',
  attorney_representation: 'attorney_representation',
  telephone_conversation: 'conversation',
};

export interface AffectedAccount {
  accountKey: string;
  /** recorded: the account took the fact; ended: it has ended and needs nothing more. */
  status: 'recorded' | 'ended';
  /** The account the fact was reported on, or another of the same person's. */
  via: 'reported' | 'same_debtor';
}

const idsOf = (key: string) => {
  const [, creditorId, accountId] = key.split('/');
  return { creditorId: creditorId!, accountId: accountId! };
};

/**
 * Reports a compliance fact on an account; a fact of the person's goes to every other account of
 * theirs at the creditor too. The account named must exist (unknown_account otherwise); another
 * account that has ended is listed as such.
 */
export async function reportToDebtor(deps: { client: Client; pool: Pool }, creditorId: string, accountId: string, input: unknown): Promise<{ kind: ComplianceEvent['kind']; accounts: AffectedAccount[] }> {
  let event: ComplianceEvent;
  try {
    event = parseComplianceEvent(input);
  } catch (error) {
    throw new AccountError('invalid_event', (error as Error).message);
  }
  const key = accountKey(creditorId, accountId);
  await reportComplianceEvent(deps.client, creditorId, accountId, event);
  const accounts: AffectedAccount[] = [{ accountKey: key, status: 'recorded', via: 'reported' }];
  const kind = PERSON_FACTS[event.kind];
  if (!kind) return { kind: event.kind, accounts };
  const debtors = createDebtorRepository(deps.pool);
  const at = ('receivedAt' in event && event.receivedAt) || ('at' in event && event.at) || new Date().toISOString();
  await debtors.recordFact({ accountKey: key, kind, ...(event.kind === 'opt_out' ? { channel: event.channel, address: event.address } : {}), at });
  for (const sibling of await debtors.siblings(key)) {
    const ids = idsOf(sibling);
    const status = await reportComplianceEvent(deps.client, ids.creditorId, ids.accountId, event).then(
      () => 'recorded' as const,
      (error) => {
        if (error instanceof AccountError && (error.code === 'unknown_account' || error.code === 'account_closed')) return 'ended' as const; // a closed account needs nothing more
        throw error;
      },
    );
    accounts.push({ accountKey: sibling, status, via: 'same_debtor' });
  }
  return { kind: event.kind, accounts };
}

/** The calls placed to the person about their other accounts at the creditor, for "dialling now". */
export async function callsElsewhere(pool: Pool, creditorId: string, accountId: string, at = new Date().toISOString()): Promise<CallElsewhere[]> {
  return (await createDebtorRepository(pool).factsElsewhere(accountKey(creditorId, accountId), at)).calls;
}

/**
 * The same fact for several accounts (those an inbound opt-out concerns), each with the person's
 * other accounts; accounts that have ended are listed as such. Each account once.
 */
export async function reportToDebtors(deps: { client: Client; pool: Pool }, accountKeys: readonly string[], event: ComplianceEvent): Promise<AffectedAccount[]> {
  const seen = new Map<string, AffectedAccount>();
  for (const key of accountKeys) {
    if (seen.has(key)) continue;
    const { creditorId, accountId } = idsOf(key);
    try {
      for (const affected of (await reportToDebtor(deps, creditorId, accountId, event)).accounts) if (!seen.has(affected.accountKey)) seen.set(affected.accountKey, affected);
    } catch (error) {
      if (!(error instanceof AccountError && (error.code === 'unknown_account' || error.code === 'account_closed'))) throw error;
      seen.set(key, { accountKey: key, status: 'ended', via: 'reported' });
    }
  }
  return [...seen.values()];
}
