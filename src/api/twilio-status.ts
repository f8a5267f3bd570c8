/**
 * Twilio's status callbacks for the SMS we send (the `statusCallback` URL the SMS adapter passes).
 * The request signature is checked like the inbound SMS webhook's. Each status is kept once per
 * message; an `undelivered` or `failed` whose error code says the number cannot receive texts
 * (a landline, a disconnected or unknown number) tells the account's workflow that the number is
 * invalid, and the cadence falls back to another channel.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import twilio from 'twilio';
import { AccountError, reportComplianceEvent } from '../client/accounts.client';

/** Twilio error codes that mean "this number will not receive a text", not "try again later". */
export const UNREACHABLE_NUMBER_CODES: Record<string, string> = {
  '30003': 'unreachable destination handset',
  '30005': 'unknown destination handset (the number does not exist)',
  '30006': 'landline or unreachable carrier',
  '21211': 'invalid To phone number',
  '21612': 'the To number cannot be reached from this sender',
  '21614': 'the To number is not a mobile number',
};

export interface StatusCallbackResult {
  status: number;
  /** What was done: the status was new and kept, a repeat, or kept and the number reported invalid. */
  outcome?: 'recorded' | 'duplicate' | 'contact_invalid';
  accountKey?: string | null;
}

/** The account a message was sent for; a callback can outrun the commit of the send, so look again briefly. */
async function accountOfMessage(pool: Pool, messageSid: string, attempts = 4): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    const { rows } = await pool.query<{ account_key: string }>(`SELECT account_key FROM outbound_messages WHERE provider_message_id = $1 LIMIT 1`, [messageSid]);
    if (rows[0] || attempt >= attempts) return rows[0]?.account_key ?? null;
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
}

export async function handleTwilioStatus(
  deps: { client: Client; pool: Pool; authToken: string; publicUrl: string },
  request: { signature: string | undefined; params: Record<string, string> },
): Promise<StatusCallbackResult> {
  if (!request.signature || !twilio.validateRequest(deps.authToken, request.signature, deps.publicUrl, request.params)) return { status: 403 };
  const sid = request.params.MessageSid ?? request.params.SmsSid ?? '';
  const status = (request.params.MessageStatus ?? request.params.SmsStatus ?? '').toLowerCase();
  if (!/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid) || !/^[a-z_]{2,30}$/.test(status)) return { status: 400 };
  const errorCode = request.params.ErrorCode || null;
  const to = request.params.To ?? '';

  const seen = await deps.pool.query('SELECT 1 FROM message_status_events WHERE provider_message_id = $1 AND status = $2', [sid, status]);
  if (seen.rowCount) return { status: 204, outcome: 'duplicate' };
  const key = await accountOfMessage(deps.pool, sid);
  const unreachable = (status === 'undelivered' || status === 'failed') && errorCode !== null && errorCode in UNREACHABLE_NUMBER_CODES;
  if (unreachable && key && to) {
    const [, creditorId, accountId] = key.split('/');
    const reason = `SMS ${status}: Twilio error ${errorCode} (${UNREACHABLE_NUMBER_CODES[errorCode!]})`;
    // Signalled before the status is kept: if Temporal is down, Twilio's retry finds nothing kept and signals again.
    await reportComplianceEvent(deps.client, creditorId!, accountId!, { kind: 'contact_invalid', channel: 'sms', address: to, reason, source: 'status_callback' }).catch((error) => {
      if (!(error instanceof AccountError && error.code === 'unknown_account')) throw error; // a closed account texts nobody any more
    });
  }
  await deps.pool.query(
    'INSERT INTO message_status_events (provider_message_id, status, error_code, account_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [sid, status, errorCode, key],
  );
  return { status: 204, outcome: unreachable && key ? 'contact_invalid' : 'recorded', accountKey: key };
}
