/**
 * What the inbound webhooks (Twilio's SMS, the mail provider's events) share: reporting one fact
 * to the accounts it concerns, and the rule of which accounts those are.
 *
 * Who a message belongs to: what the debtor writes (a reply, a PAY request) and what happened to
 * one of our messages (a bounce) belong to the one account that message was about, found from our
 * own outbound message — never copied to another account, least of all another creditor's. An
 * opt-out (STOP, a spam complaint) is the person's instruction to our sender about their address,
 * so it is applied to every account we have messaged at that address, whichever creditor's: every
 * creditor's messages come from the same sender, and honouring a revocation too narrowly is what
 * the law forbids (TCPA; Reg F §1006.14(h)); the other account learns only that its own recorded
 * address opted out, which it must know to stop. An opt-in (START) is consent, so it is given back
 * only to the accounts of the creditor whose message was answered.
 */
import type { Client } from '@temporalio/client';
import { AccountError, reportComplianceEvent } from '../client/accounts.client';
import type { ComplianceEvent } from '../workflows/definitions';

/** "account/<creditor>/<account>" → its ids. */
export function idsOf(key: string): { creditorId: string; accountId: string } {
  const [, creditorId, accountId] = key.split('/');
  return { creditorId: creditorId!, accountId: accountId! };
}

export const creditorOf = (key: string) => idsOf(key).creditorId;

/**
 * Signals the fact to each account. An account that has ended needs nothing more; anything else
 * (Temporal unreachable) is thrown, so the provider is answered 5xx and retries.
 */
export async function reportToAccounts(client: Client, keys: readonly string[], event: ComplianceEvent): Promise<void> {
  for (const key of keys) {
    const { creditorId, accountId } = idsOf(key);
    await reportComplianceEvent(client, creditorId, accountId, event).catch((error) => {
      if (!(error instanceof AccountError && (error.code === 'unknown_account' || error.code === 'account_closed'))) throw error;
    });
  }
}
