/**
 * The letters owed outside the cadence (issue 14): the confirmation after a cease request or a
 * refusal to pay (§1006.6(c)(2), once), the notice of the debt's placement with an agency or
 * attorney, and the response to a dispute with the verification and the itemization. Each is
 * queued by the fact that owes it, goes through the gate as one `contact` effect by letter (kept
 * as PDF by the letter activity), and lands in the account's contacts and steps.
 */
import { localDateTime } from '../contact-policy';
import { ceaseConfirmationText, disputeVerificationText, placementNoticeText, remedyAhead, type OwedLetterKind } from '../owed-letters';
import type { ContactEffect, EffectFailure, EffectValues } from './commands';
import { balance, note, type Ctx } from './context';
import { contactRecord, letterDetails, letterRecipient, requestContact } from './contacts';
import type { OwedLetter } from './state';

export type { OwedLetter };

const DEFAULT_COLLECTOR_NAME = 'Dunning Collections';

const LABELS: Record<OwedLetterKind, string> = {
  cease_confirmation: 'confirmation after a cease request (§1006.6(c)(2))',
  placement_notice: 'notice of placement with an agency or attorney',
  dispute_verification: 'verification of the disputed debt, itemized',
};

/** Queues a letter unless one of that id is already owed or was sent. */
function owe(ctx: Ctx, letter: OwedLetter): void {
  const s = ctx.s;
  s.lettersOwed ??= [];
  if (s.lettersOwed.some((l) => l.id === letter.id) || s.contacts.some((c) => c.stepId === letter.id)) return;
  s.lettersOwed.push(letter);
}

/** A cease request or a refusal to pay: the one confirmation, owed once for the account's life. */
export function oweCeaseConfirmation(ctx: Ctx): void {
  if (ctx.s.compliance.ceaseConfirmationOwed) return;
  ctx.s.compliance.ceaseConfirmationOwed = true;
  owe(ctx, { kind: 'cease_confirmation', id: 'cease-confirmation', owedSince: ctx.at });
}

/** Verification sent for a dispute: the response letter, one per dispute. */
export function oweVerification(ctx: Ctx, disputedAt: string | null): void {
  const n = (ctx.s.lettersOwedCount ?? 0) + 1;
  ctx.s.lettersOwedCount = n;
  owe(ctx, { kind: 'dispute_verification', id: `dispute-verification-${n}`, owedSince: ctx.at, disputedAt });
}

/** The account was placed (the agency or attorney acknowledged it): the debtor is told with whom. */
export function owePlacementNotice(ctx: Ctx, placedWith: string): void {
  owe(ctx, { kind: 'placement_notice', id: 'placement-notice', owedSince: ctx.at, placedWith });
}

/** Asks for the first owed letter; false when none is owed. */
export function planOwedLetter(ctx: Ctx): boolean {
  const s = ctx.s;
  const letter = s.lettersOwed?.[0];
  if (!letter) return false;
  const account = s.profile;
  const common = { collectorName: ctx.config.settings.collectorName ?? DEFAULT_COLLECTOR_NAME, creditorId: account.creditorId, accountId: account.accountId, debtorName: account.debtorName, balance: balance(ctx) };
  const day = (iso: string) => localDateTime(iso, account.timezone).date;
  let text: { subject: string; body: string };
  let letterExtra: { itemizeFrom?: string } = {};
  switch (letter.kind) {
    case 'cease_confirmation': {
      const ahead = (s.cadence?.steps ?? []).slice(s.nextStepIndex).map((step) => step.action);
      text = ceaseConfirmationText({ ...common, remedy: remedyAhead(ahead), requestedOn: day(letter.owedSince) });
      break;
    }
    case 'placement_notice':
      text = placementNoticeText({ ...common, placedWith: letter.placedWith ?? 'a collection agency', placedOn: day(letter.owedSince) });
      break;
    case 'dispute_verification':
      text = disputeVerificationText({ ...common, disputedOn: letter.disputedAt ? day(letter.disputedAt) : null, dueDate: account.dueDate, debts: (account.debts ?? []).map((d) => ({ description: d.description, amountMinor: d.amountMinor })) });
      // The itemization comes from the ledger, as the validation notice's does: the letter activity adds it.
      letterExtra = { itemizeFrom: account.dueDate };
      break;
  }
  requestContact(ctx, {
    purpose: { type: 'owed_letter', letterId: letter.id },
    requestPurpose: letter.kind === 'cease_confirmation' ? 'cease_confirmation' : 'required_notice',
    idempotencyKey: `${ctx.config.accountKey}/${letter.id}`,
    stepId: letter.id,
    channel: 'letter',
    recipient: letterRecipient(ctx),
    subject: text.subject,
    text: text.body,
    html: null,
    letter: { ...letterDetails(ctx), ...letterExtra },
    summary: `${LABELS[letter.kind]} mailed`,
  });
  return true;
}

/** The owed letter's result: a contact and a line in the steps; it is owed no more, sent or not (letters are not deferred). */
export function owedLetterResult(ctx: Ctx, effect: ContactEffect & { purpose: { type: 'owed_letter' } }, outcome: { value: EffectValues['contact'] } | { failure: EffectFailure }): void {
  const s = ctx.s;
  const letter = s.lettersOwed?.find((l) => l.id === effect.purpose.letterId);
  s.lettersOwed = (s.lettersOwed ?? []).filter((l) => l.id !== effect.purpose.letterId);
  const contact = contactRecord(ctx, effect, outcome);
  if (contact.status === 'sent' && 'value' in outcome && outcome.value.decision.kind !== 'allow') contact.status = 'suppressed';
  s.contacts.push(contact);
  const kind = letter?.kind ?? 'cease_confirmation';
  const detail = contact.status === 'sent' ? `letter to ${effect.recipient}` : `${contact.rule}: ${contact.reason}`;
  note(ctx, effect.stepId, kind, LABELS[kind], contact.status === 'sent' ? 'done' : contact.status === 'suppressed' ? 'suppressed' : 'failed', detail);
}
