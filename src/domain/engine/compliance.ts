/**
 * Legal facts about the account (disputes, cease requests, representation, death, bankruptcy,
 * opt-outs and opt-ins, conversations, replies, undeliverable addresses, military duty), applied
 * the moment they arrive so they hold before the next contact. A malformed one is recorded, never thrown.
 */
import { updateHold, withinValidationPeriod, type Ctx } from './context';
import { reportingState } from './reporting';
import { oweCeaseConfirmation, oweVerification } from './letters';
import type { ComplianceEvent } from './records';

export function applyComplianceEvent(ctx: Ctx, event: ComplianceEvent): void {
  const s = ctx.s;
  const c = s.compliance;
  const at = ctx.at;
  const record = (detail: string) => c.events.push({ kind: String(event?.kind), at, detail });
  switch (event?.kind) {
    case 'dispute': {
      const within = withinValidationPeriod(ctx, event.receivedAt);
      if (within && c.dispute !== 'pending_verification') {
        c.dispute = 'pending_verification';
        c.disputeHeldAt = at;
        updateHold(ctx);
      } else if (!within) c.disputedOutsideValidationPeriod = true;
      // Credit reporting: disputed (XB) from now until it is answered, whichever period it came in.
      const r = reportingState(s);
      if (!r.dispute || r.dispute.resolvedAt) r.dispute = { disputedAt: at, resolvedAt: null, consumerDisagrees: false };
      record(`${within ? 'within' : 'outside'} the validation period, by ${event.via}${event.note ? `: ${event.note}` : ''}`);
      return;
    }
    case 'verification_sent': {
      const r = reportingState(s);
      // The response to the dispute: the verification itself, itemized, by letter (only when a dispute was recorded).
      if ((r.dispute && !r.dispute.resolvedAt) || c.dispute === 'pending_verification') oweVerification(ctx, r.dispute?.disputedAt ?? null);
      if (r.dispute && !r.dispute.resolvedAt) r.dispute = { ...r.dispute, resolvedAt: at, consumerDisagrees: event.consumerDisagrees === true };
      if (c.dispute === 'pending_verification') {
        c.dispute = 'verified';
        c.disputeHeldAt = null;
        updateHold(ctx);
      }
      record(`verification sent${event.consumerDisagrees ? '; the consumer disagrees' : ''}${event.note ? `: ${event.note}` : ''}`);
      return;
    }
    case 'cease_communication':
      c.flags.ceaseCommunication = true;
      oweCeaseConfirmation(ctx);
      record(`by ${event.via}`);
      return;
    case 'refusal_to_pay':
      c.flags.refusedToPay = true;
      oweCeaseConfirmation(ctx);
      record(`by ${event.via}`);
      return;
    case 'attorney_representation':
      c.flags.attorneyRepresented = true;
      record(`represented by ${event.attorney}`);
      return;
    case 'deceased':
      c.flags.deceased = true;
      if (event.estateRepresentative) c.representative = { ...event.estateRepresentative, role: 'estate', notifiedAt: null };
      record(`date of death ${event.dateOfDeath ?? 'unknown'}`);
      return;
    case 'bankruptcy':
      c.flags.bankruptcy = true;
      if (event.trustee) c.representative = { ...event.trustee, role: 'trustee', notifiedAt: null };
      reportingState(s).bankruptcyChapter = typeof event.chapter === 'number' ? event.chapter : null;
      record(`case ${event.caseNumber}${event.chapter ? `, chapter ${event.chapter}` : ''}`);
      return;
    case 'opt_out':
      if (!c.optOuts.some((o) => o.channel === event.channel && o.address === event.address)) c.optOuts.push({ channel: event.channel, address: event.address });
      record(`${event.channel} ${event.address} by ${event.source}`);
      return;
    case 'opt_in':
      c.optOuts = c.optOuts.filter((o) => !(o.channel === event.channel && o.address === event.address));
      c.consents.push({ channel: event.channel, address: event.address, consented: true, source: event.source, at });
      record(`${event.channel} ${event.address} by ${event.source}`);
      return;
    case 'telephone_conversation':
      c.conversations.push(event.at ?? at);
      record(event.note ?? 'telephone conversation about the debt');
      return;
    case 'debtor_reply':
      s.answeredSinceLastStep = true;
      record(`${event.channel} from ${event.from}: ${String(event.text).slice(0, 300)}`);
      return;
    case 'contact_invalid':
      if (!s.invalidContacts.some((i) => i.channel === event.channel && i.address === event.address)) s.invalidContacts.push({ channel: event.channel, address: event.address, reason: event.reason, at });
      record(`${event.channel} ${event.address} cannot be delivered to (${event.reason}, from ${event.source})`);
      return;
    case 'active_military_duty':
      c.activeMilitaryDuty = event.active === true;
      record(`${event.active ? 'on' : 'no longer on'} active duty${event.note ? `: ${event.note}` : ''}`);
      return;
    default:
      c.events.push({ kind: 'rejected_event', at, detail: `unknown compliance event ${JSON.stringify(event).slice(0, 200)}` });
  }
}
