/**
 * Twilio's inbound SMS webhook: the request signature is checked with Twilio's own validator;
 * STOP and its synonyms opt that number out on every account that texted it (before the next
 * message, by signal), START opts back in, HELP and PAY are answered with TwiML, and anything
 * else is kept as the debtor's reply for an operator.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import twilio from 'twilio';
import { reportComplianceEvent } from '../client/accounts.client';
import { reportToDebtors } from '../client/debtors';
import { createDebtorMessageRepository } from '../adapters/debtor-message.repository';
import { replyIntent } from '../domain/reply-intent';
import { smsIntent } from '../domain/sms-keywords';

export interface InboundSmsResult {
  status: number;
  twiml: string;
  intent?: string;
  accounts?: string[];
}

const twiml = (message?: string) => {
  const response = new twilio.twiml.MessagingResponse();
  if (message) response.message(message);
  return response.toString();
};

export async function handleInboundSms(
  deps: { client: Client; pool: Pool; authToken: string; publicUrl: string; paymentLinkBaseUrl: string },
  request: { signature: string | undefined; params: Record<string, string> },
): Promise<InboundSmsResult> {
  if (!request.signature || !twilio.validateRequest(deps.authToken, request.signature, deps.publicUrl, request.params))
    return { status: 403, twiml: twiml() };
  const from = request.params.From ?? '';
  const body = request.params.Body ?? '';
  const intent = smsIntent(body);
  // The accounts this number was texted about: a reply answers a message we sent.
  const { rows } = await deps.pool.query<{ account_key: string }>(
    `SELECT DISTINCT account_key FROM outbound_messages WHERE channel = 'sms' AND recipient = $1`,
    [from],
  );
  const accounts = rows.map((r) => r.account_key);
  const each = async (event: Parameters<typeof reportComplianceEvent>[3]) => {
    for (const key of accounts) {
      const [, creditorId, accountId] = key.split('/');
      await reportComplianceEvent(deps.client, creditorId!, accountId!, event).catch(() => undefined); // a closed account needs nothing
    }
  };
  switch (intent) {
    case 'opt_out':
      // The number's opt-out, on every account that texted it and every other account of the same debtors.
      await reportToDebtors(deps, accounts, { kind: 'opt_out', channel: 'sms', address: from, source: 'reply' });
      return { status: 200, twiml: twiml('You will receive no more text messages from us. Reply START to receive them again.'), intent, accounts };
    case 'opt_in':
      await each({ kind: 'opt_in', channel: 'sms', address: from, source: 'reply' });
      return { status: 200, twiml: twiml('Text messages are on again. Reply STOP to opt out.'), intent, accounts };
    case 'help':
      return { status: 200, twiml: twiml('This is a debt collector. Reply PAY for a payment link, STOP to stop texts. Msg&data rates may apply.'), intent, accounts };
    case 'pay': {
      const key = accounts[0];
      const link = key ? `${deps.paymentLinkBaseUrl.replace(/\/$/, '')}/${key.split('/').slice(1).map(encodeURIComponent).join('/')}` : deps.paymentLinkBaseUrl;
      return { status: 200, twiml: twiml(`Pay or set up a plan: ${link} Reply STOP to opt out.`), intent, accounts };
    }
    default: {
      // Free text: one that plainly asks to stop texting revokes consent like STOP (any reasonable means);
      // every free text is also kept for a person, who reads a request about calls or all contact.
      const read = replyIntent(body);
      const stopTexts = read.intent === 'stop_request' && (read.media.length === 0 || read.media.includes('sms'));
      const affected = stopTexts ? await reportToDebtors(deps, accounts, { kind: 'opt_out', channel: 'sms', address: from, source: 'reply' }) : [];
      if (!stopTexts) await each({ kind: 'debtor_reply', channel: 'sms', from, text: body.slice(0, 1600) });
      await createDebtorMessageRepository(deps.pool).keep({
        channel: 'sms',
        sourceId: `sms/${request.params.MessageSid ?? `${from}/${body}`.slice(0, 200)}`,
        from,
        accountKeys: accounts,
        kind: accounts.length === 0 ? 'unmatched' : read.intent === 'stop_request' ? 'stop_request' : 'reply',
        subject: null,
        body: body.slice(0, 1600),
        reading: { intent: read.intent, media: read.media, everything: read.everything },
        applied: stopTexts ? `texts opted out on ${affected.length} account(s)` : null,
      });
      if (stopTexts) return { status: 200, twiml: twiml('You will receive no more text messages from us. Reply START to receive them again.'), intent: 'opt_out', accounts };
      return { status: 200, twiml: twiml(), intent, accounts };
    }
  }
}
