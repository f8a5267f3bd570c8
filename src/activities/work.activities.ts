/**
 * The activities of the work for people and outside services: keeping a work item for the
 * queue, asking a skip-trace provider, asking a payer for a claim's status (276/277), sending an
 * appeal of a denied claim (PDF, kept with the account's documents), and the §1006.10 location
 * letter to a candidate address (no amount, no word of a debt, a neutral business name).
 */
import type { Pool } from 'pg';
import type { DocumentRepository } from '../adapters/document.repository';
import type { LetterGateway } from '../adapters/letters';
import { PayerRefused, type PayerGateway } from '../adapters/payer.client';
import { renderTextPdf } from '../adapters/pdf-writer';
import { TraceRefused, type SkipTraceProvider } from '../adapters/skip-trace.client';
import { createWorkItemRepository } from '../adapters/work-items.repository';
import type { AccountProfile } from '../domain/account';
import { appealLetterLines, type ClaimAppealInput, type ClaimStatusInput, type EffectValues, type WorkItemDraft } from '../domain/engine';
import type { CreditorDirectory } from '../schemas/creditors.schema';
import { ApplicationFailure } from '@temporalio/common';

export interface WorkActivityDeps {
  pool: Pool;
  documents: DocumentRepository;
  letters: LetterGateway;
  creditors: CreditorDirectory;
  /** Without one, a trace finds nothing and a person locates the debtor. */
  skipTrace?: SkipTraceProvider;
  /** Without one, a claim cannot be followed: the account's step records why. */
  payer?: PayerGateway;
  /** The business name location letters are signed with (it must not say debt collection). */
  locationBusinessName: string;
}

const refused = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);

export function createWorkActivities(deps: WorkActivityDeps) {
  const items = createWorkItemRepository(deps.pool);
  const creditorName = (id: string) => deps.creditors.creditors.find((c) => c.id === id)?.name ?? id;
  return {
    async recordWorkItem(input: { accountKey: string; creditorId: string; accountId: string; item: WorkItemDraft }): Promise<EffectValues['record_work_item']> {
      await items.record(input);
      return { itemId: input.item.id };
    },

    async requestSkipTrace(input: { accountKey: string; creditorId: string; reference: string; subject: { name: string; addresses: AccountProfile['address'][]; phones: string[]; emails: string[] } }): Promise<EffectValues['trace_request']> {
      if (!deps.skipTrace) throw refused('provider_not_configured', 'no skip-trace provider is configured (SKIP_TRACE_URL)');
      try {
        return await deps.skipTrace.trace({ reference: input.reference, ...input.subject });
      } catch (error) {
        if (error instanceof TraceRefused) throw refused('trace_refused', error.message);
        throw error;
      }
    },

    async inquireClaimStatus(input: ClaimStatusInput): Promise<EffectValues['claim_status']> {
      if (!deps.payer) throw refused('payer_not_configured', 'no payer or clearinghouse is configured (PAYER_URL)');
      try {
        return await deps.payer.claimStatus({ ...input, providerName: creditorName(input.creditorId) });
      } catch (error) {
        if (error instanceof PayerRefused) throw refused('payer_refused', error.message);
        throw error;
      }
    },

    async sendClaimAppeal(input: ClaimAppealInput): Promise<EffectValues['claim_appeal']> {
      if (!deps.payer) throw refused('payer_not_configured', 'no payer or clearinghouse is configured (PAYER_URL)');
      const creditor = creditorName(input.creditorId);
      const lines = appealLetterLines({ ...input, creditorName: creditor });
      const pdf = renderTextPdf({
        title: `Appeal of claim ${input.claimId}`,
        blocks: [{ kind: 'heading', level: 2, text: creditor }, { kind: 'heading', text: `Appeal of claim ${input.claimId}` }, ...lines.map((text) => ({ kind: 'paragraph' as const, text, size: 11 }))],
        footer: `${creditor} · claim ${input.claimId}`,
        metadata: { author: creditor, subject: `Appeal of claim ${input.claimId}`, createdAt: input.dateIso },
      });
      await deps.documents.keep({ idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, kind: 'claim_appeal', contentType: 'application/pdf', content: pdf });
      try {
        await deps.payer.submitAppeal({ reference: input.idempotencyKey, claimId: input.claimId, payerClaimControlNumber: input.payerClaimControlNumber, pdf });
      } catch (error) {
        if (error instanceof PayerRefused) throw refused('payer_refused', error.message);
        throw error;
      }
      return { documentId: input.idempotencyKey };
    },

    /** A §1006.10 letter: who is looked for and how to answer, signed with the neutral business name; nothing about a debt. */
    async sendLocationLetter(input: { idempotencyKey: string; accountKey: string; address: AccountProfile['address']; subject: string; body: string; dateIso: string }): Promise<{ documentId: string }> {
      const a = input.address;
      const pdf = renderTextPdf({
        title: input.subject,
        blocks: [
          { kind: 'heading', level: 2, text: deps.locationBusinessName },
          { kind: 'paragraph', text: input.dateIso, size: 11 },
          { kind: 'paragraph', text: ['Resident', a.line1, `${a.city}, ${a.region} ${a.postalCode}`].join('\n'), size: 11 },
          { kind: 'paragraph', text: input.subject, size: 11, bold: true },
          { kind: 'paragraph', text: input.body, size: 11 },
        ],
        metadata: { author: deps.locationBusinessName, subject: input.subject, createdAt: input.dateIso },
      });
      await deps.documents.keep({ idempotencyKey: input.idempotencyKey, accountKey: input.accountKey, kind: 'location_letter', contentType: 'application/pdf', content: pdf });
      const reference = await deps.letters.mail({ idempotencyKey: input.idempotencyKey, recipient: ['Resident', a.line1, `${a.city}, ${a.region} ${a.postalCode}`, a.country], pdf });
      return { documentId: reference };
    },
  };
}
