/**
 * The two activities of the account engine's own shape: opening an account (ledger and cadence
 * in one), and one contact that asks the contact-policy gate, keeps its decision as proof and, if
 * allowed, sends — so a contact is one activity, and the gate looks at the contact at the moment
 * it is sent. Both are safe to repeat: the ledger opens once per account, the decision is kept
 * once per key and a message is sent once per idempotency key.
 */
import type { PageLinkSigner } from '../adapters/debtor-page.repository';
import type { OptOutRepository } from '../adapters/opt-out.repository';
import { evaluateContact } from '../domain/contact-policy';
import type { ContactEffect, Effect, EffectValues } from '../domain/engine';
import type { createCadenceActivities } from './cadence.activities';
import type { createDocumentActivities } from './document.activities';
import type { createEscalationActivities } from './escalation.activities';
import type { createLedgerActivities } from './ledger.activities';
import type { createNotificationActivities } from './notification.activities';
import type { createWorkActivities } from './work.activities';

type Parts = { optOuts: Pick<OptOutRepository, 'optedOut'>; pageLinks?: PageLinkSigner } & Pick<ReturnType<typeof createLedgerActivities>, 'openLedgerAccount'> &
  Pick<ReturnType<typeof createCadenceActivities>, 'selectCadence' | 'recordContactDecision'> &
  Pick<ReturnType<typeof createNotificationActivities>, 'sendEmail' | 'sendSms'> &
  Pick<ReturnType<typeof createDocumentActivities>, 'sendLetter'> &
  Pick<ReturnType<typeof createEscalationActivities>, 'createCallTask'> &
  Pick<ReturnType<typeof createWorkActivities>, 'sendLocationLetter'>;

/** The message with the account's {{paymentLink}} replaced by the signed link to the debtor's page issued for it. */
function withSignedLink(effect: ContactEffect, unsigned: string, signed: string): ContactEffect {
  const swap = (text: string) => text.split(unsigned).join(signed);
  return {
    ...effect,
    subject: effect.subject === null ? null : swap(effect.subject),
    text: swap(effect.text),
    html: effect.html === null ? null : swap(effect.html),
    ...(effect.letter ? { letter: { ...effect.letter, paymentLink: signed } } : {}),
  };
}

export function createAccountActivities(parts: Parts) {
  return {
    /** Opens the account in the ledger with its debts and, without a cadence named at enrollment, picks one by segmentation. */
    async openAccount(effect: Extract<Effect, { kind: 'open_account' }>): Promise<EffectValues['open_account']> {
      const opened = await parts.openLedgerAccount(effect.ledger);
      if (!effect.selectCadence) return { balanceMinor: opened.balanceMinor, cadence: null, rule: null };
      const selected = await parts.selectCadence(effect.selectCadence);
      return { balanceMinor: opened.balanceMinor, cadence: selected.cadence, rule: selected.rule };
    },

    /** One contact: the gate's decision (kept), then the message if the gate allows it. */
    async contact(effect: ContactEffect): Promise<EffectValues['contact']> {
      // An opt-out kept by an inbound route holds even if its signal to the account was lost.
      let request = effect.request;
      const creditorId = effect.accountKey.split('/')[1] ?? '';
      if (effect.recipient && effect.channel !== 'letter' && (await parts.optOuts.optedOut(effect.channel, effect.recipient, creditorId)))
        request = { ...request, optOuts: [...request.optOuts, { channel: effect.channel, address: effect.recipient }] };
      const decision = evaluateContact(request, effect.rules);
      await parts.recordContactDecision({
        idempotencyKey: effect.decisionKey,
        accountKey: effect.accountKey,
        stepId: effect.stepId,
        channel: effect.channel,
        decision: decision.kind,
        rule: decision.rule,
        reason: 'reason' in decision ? decision.reason : null,
        deferredUntil: decision.kind === 'defer' ? decision.until : null,
        inputs: request,
        decidedAt: effect.request.now,
      });
      const answer = { kind: decision.kind, rule: decision.rule, reason: 'reason' in decision ? decision.reason : null, until: decision.kind === 'defer' ? decision.until : null };
      if (decision.kind !== 'allow') return { decision: answer, reference: null };
      if (parts.pageLinks && effect.paymentLink) effect = await withSignedLink(effect, effect.paymentLink, await parts.pageLinks.link(effect.accountKey, effect.idempotencyKey));
      const to = effect.recipient!;
      const base = { idempotencyKey: effect.idempotencyKey, accountKey: effect.accountKey, stepId: effect.stepId };
      let reference: string;
      switch (effect.channel) {
        case 'email':
          reference = (await parts.sendEmail({ ...base, to, subject: effect.subject ?? '', text: effect.text, html: effect.html, ...(effect.senderName ? { location: { businessName: effect.senderName } } : {}) })).providerMessageId;
          break;
        case 'sms':
          reference = (await parts.sendSms({ ...base, to, body: effect.text })).providerMessageId;
          break;
        case 'call':
          reference = (await parts.createCallTask({ idempotencyKey: effect.idempotencyKey, accountKey: effect.accountKey, phone: to, script: effect.text, voicemail: effect.voicemail })).taskId;
          break;
        case 'letter':
          // §1006.10: a letter to a trace candidate says nothing of a debt (not the collection letter's layout).
          if (effect.purpose.type === 'location') {
            reference = (await parts.sendLocationLetter({ idempotencyKey: effect.idempotencyKey, accountKey: effect.accountKey, address: effect.letter!.address, subject: effect.subject ?? '', body: effect.text, dateIso: effect.letter!.dateIso })).documentId;
            break;
          }
          reference = (await parts.sendLetter({ ...effect.letter!, idempotencyKey: effect.idempotencyKey, accountKey: effect.accountKey, subject: effect.subject ?? '', body: effect.text })).documentId;
          break;
      }
      return { decision: answer, reference };
    },
  };
}
