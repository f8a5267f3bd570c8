/**
 * A health plan (payer) over HTTP: claim status inquiries in the shape of an X12 276 and answers
 * in the shape of a 277 (005010X212), carried as JSON as clearinghouses' APIs do, and appeals
 * (the letter as PDF with the claim's identifiers). `npm start` runs a loopback payer of our own
 * (src/local/payer-sink.ts); a real clearinghouse is another base URL and key (PAYER_URL, PAYER_API_KEY).
 */
import type { ClaimStatusInput, EffectValues } from '../domain/engine';
import { claimStatusResponseSchema, decimalToMinor, minorToDecimal } from '../schemas/work.schema';

export interface PayerGateway {
  claimStatus(inquiry: ClaimStatusInput & { providerName: string }): Promise<EffectValues['claim_status']>;
  submitAppeal(appeal: { reference: string; claimId: string; payerClaimControlNumber: string | null; pdf: Buffer }): Promise<{ appealId: string }>;
}

export class PayerRefused extends Error {}

export function createPayerClient(options: { baseUrl: string; apiKey: string; timeoutMs?: number }): PayerGateway {
  const post = async (path: string, body: unknown, key: string) => {
    const response = await fetch(new URL(path, options.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new PayerRefused(`the payer refused the request (${response.status})`);
    if (!response.ok) throw new Error(`the payer answered ${response.status}`);
    return response.json() as Promise<unknown>;
  };
  return {
    async claimStatus(inquiry) {
      const answer = await post(
        '/x12/276',
        {
          transactionSetIdentifierCode: '276',
          controlNumber: inquiry.reference,
          informationReceiver: { organizationName: inquiry.providerName, identifier: inquiry.creditorId },
          subscriber: { name: inquiry.patientName },
          claimStatusInquiry: {
            claimSubmitterTraceNumber: inquiry.claimId,
            ...(inquiry.payerClaimControlNumber ? { payerClaimControlNumber: inquiry.payerClaimControlNumber } : {}),
            totalClaimChargeAmount: minorToDecimal(inquiry.chargeMinor),
            serviceDate: inquiry.serviceDate,
          },
        },
        inquiry.reference,
      );
      const parsed = claimStatusResponseSchema.safeParse(answer);
      if (!parsed.success) throw new PayerRefused(`the payer's 277 is not understood: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
      const claim = parsed.data.claimStatus.find((c) => c.claimSubmitterTraceNumber === inquiry.claimId) ?? parsed.data.claimStatus[0]!;
      const status = claim.statusInformation[0]!;
      return {
        category: status.statusCategoryCode,
        code: status.statusCode,
        payerName: parsed.data.payer.name,
        payerClaimControlNumber: claim.payerClaimControlNumber ?? null,
        billedMinor: decimalToMinor(claim.totalClaimChargeAmount),
        paidMinor: decimalToMinor(claim.claimPaymentAmount),
        denial: claim.denialReason ? { code: claim.denialReason.code, reason: claim.denialReason.description } : null,
      };
    },
    async submitAppeal(appeal) {
      const answer = (await post('/appeals', { claimSubmitterTraceNumber: appeal.claimId, payerClaimControlNumber: appeal.payerClaimControlNumber, document: { contentType: 'application/pdf', base64: appeal.pdf.toString('base64') } }, appeal.reference)) as { appealId?: unknown };
      if (typeof answer?.appealId !== 'string') throw new PayerRefused('the payer did not acknowledge the appeal');
      return { appealId: answer.appealId };
    },
  };
}
