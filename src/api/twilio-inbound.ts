/**
 * Twilio's inbound SMS webhook: the request signature is checked with Twilio's own validator.
 * A text carries no reference to the message it answers, so it answers the latest text we sent to
 * that number: a free-text reply is kept on that account only, and PAY is answered with that
 * account's link. STOP and its synonyms opt the number out on every account we texted at it
 * (before the next message, by signal); START opts back in on the answered creditor's accounts at
 * that number. Who gets what, and why: src/api/inbound.ts.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import twilio from 'twilio';
import { createOptOutRepository } from '../adapters/opt-out.repository';
import { createOutboundLookup } from '../adapters/outbound-lookup';
import { smsIntent } from '../domain/sms-keywords';
import { creditorOf, idsOf, reportToAccounts } from './inbound';

export interface InboundSmsResult {
  status: number;
  twiml: string;
  intent?: string;
  /** The accounts the message was applied to. */
  accounts?: string[];
}

const twiml = (message?: string) => {
  const response = new twilio.twiml.MessagingResponse();
  if (message) response.message(message);
  return response.toString();
};

export async function handleInboundSms(
  deps: { client: Client; pool: Pool; authToken: string; publicUrl: string; paymentLinkBaseUrl: string; signedLink?: (accountKey: string, issuedFor: string) => Promise<string> },
  request: { signature: string | undefined; params: Record<string, string> },
): Promise<InboundSmsResult> {
  if (!request.signature || !twilio.validateRequest(deps.authToken, request.signature, deps.publicUrl, request.params))
    return { status: 403, twiml: twiml() };
  const from = request.params.From ?? '';
  const body = request.params.Body ?? '';
  const intent = smsIntent(body);
  const lookup = createOutboundLookup(deps.pool);
  const answered = await lookup.latestAccountMessaged('sms', from);
  switch (intent) {
    case 'opt_out': {
      const accounts = await lookup.accountsMessaged('sms', from);
      // Kept first: if telling the accounts fails (the answer is then 5xx and Twilio retries), every
      // contact still finds the opt-out here when it is about to be sent.
      await createOptOutRepository(deps.pool).record('sms', from, accounts.map(creditorOf), 'reply');
      await reportToAccounts(deps.client, accounts, { kind: 'opt_out', channel: 'sms', address: from, source: 'reply' });
      return { status: 200, twiml: twiml('You will receive no more text messages from us. Reply START to receive them again.'), intent, accounts };
    }
    case 'opt_in': {
      const accounts = answered ? (await lookup.accountsMessaged('sms', from)).filter((key) => creditorOf(key) === creditorOf(answered)) : [];
      if (answered) await createOptOutRepository(deps.pool).remove('sms', from, creditorOf(answered));
      await reportToAccounts(deps.client, accounts, { kind: 'opt_in', channel: 'sms', address: from, source: 'reply' });
      return { status: 200, twiml: twiml('Text messages are on again. Reply STOP to opt out.'), intent, accounts };
    }
    case 'help':
      return { status: 200, twiml: twiml('This is a debt collector. Reply PAY for a payment link, STOP to stop texts. Msg&data rates may apply.'), intent, accounts: [] };
    case 'pay': {
      const base = deps.paymentLinkBaseUrl.replace(/\/$/, '');
      // The signed link to the debtor's page of the account answered, issued for this reply.
      const link = !answered
        ? deps.paymentLinkBaseUrl
        : deps.signedLink
          ? await deps.signedLink(answered, `${answered}/sms-pay/${request.params.MessageSid ?? Date.now()}`)
          : `${base}/${[idsOf(answered).creditorId, idsOf(answered).accountId].map(encodeURIComponent).join('/')}`;
      return { status: 200, twiml: twiml(`Pay or set up a plan: ${link} Reply STOP to opt out.`), intent, accounts: answered ? [answered] : [] };
    }
    default: {
      const accounts = answered ? [answered] : [];
      await reportToAccounts(deps.client, accounts, { kind: 'debtor_reply', channel: 'sms', from, text: body.slice(0, 1600) });
      return { status: 200, twiml: twiml(), intent, accounts };
    }
  }
}
