/**
 * The product's own payer on loopback (the default of `npm start`): answers 276 claim status
 * inquiries with 277s (as JSON) and takes appeals. What happens depends on the claim id:
 * - CLM-DENY-…: denied (F2, CARC 197: precertification absent) until an appeal arrives, then paid
 *   at 80% of the amount billed (F1);
 * - CLM-PAID-…: paid at 80% at once;
 * - anything else: pending (P1) at the first inquiry, paid at 80% from the second on.
 * Every inquiry and appeal is kept, so tests can see what the product sent.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, replyJson } from './loopback';

export interface PayerSink {
  baseUrl: string;
  apiKey: string;
  inquiries(): { claimId: string; charge: string }[];
  appeals(): { claimId: string; pdf: Buffer }[];
  close(): Promise<void>;
}

const PAYER_NAME = 'Loopback Health Plan';

export async function startPayerSink(options: { port?: number; apiKey?: string } = {}): Promise<PayerSink> {
  const apiKey = options.apiKey ?? `py_${randomBytes(16).toString('hex')}`;
  const inquiries: { claimId: string; charge: string }[] = [];
  const appeals: { claimId: string; pdf: Buffer }[] = [];
  const seen = new Map<string, number>();

  const status = (claimId: string, charge: string) => {
    const n = (seen.get(claimId) ?? 0) + 1;
    seen.set(claimId, n);
    const billed = Math.round(Number(charge) * 100);
    const paid = `${Math.floor((billed * 8) / 10 / 100)}.${String(Math.floor((billed * 8) / 10) % 100).padStart(2, '0')}`;
    const appealed = appeals.some((a) => a.claimId === claimId);
    const pcn = `PCN${claimId.replace(/[^A-Z0-9]/gi, '').slice(-8)}`;
    const base = { claimSubmitterTraceNumber: claimId, payerClaimControlNumber: pcn, totalClaimChargeAmount: charge };
    if (/^CLM-DENY/i.test(claimId) && !appealed)
      return { ...base, statusInformation: [{ statusCategoryCode: 'F2', statusCode: '65', entityIdentifierCode: 'PR' }], claimPaymentAmount: '0', denialReason: { code: 'CARC 197', description: 'Precertification/authorization/notification/pre-treatment absent' } };
    if (/^CLM-PAID/i.test(claimId) || appealed || n >= 2)
      return { ...base, statusInformation: [{ statusCategoryCode: 'F1', statusCode: '65', entityIdentifierCode: 'PR' }], claimPaymentAmount: paid, denialReason: null };
    return { ...base, statusInformation: [{ statusCategoryCode: 'P1', statusCode: '20', entityIdentifierCode: 'PR' }], claimPaymentAmount: '0', denialReason: null };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return replyJson(res, 405, { error: 'method_not_allowed' });
    if (req.headers.authorization !== `Bearer ${apiKey}`) return replyJson(res, 401, { error: 'unauthorized' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, any>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return replyJson(res, 400, { error: 'malformed_body' });
    }
    if (req.url === '/x12/276') {
      const inquiry = body.claimStatusInquiry ?? {};
      if (body.transactionSetIdentifierCode !== '276' || typeof inquiry.claimSubmitterTraceNumber !== 'string') return replyJson(res, 400, { error: 'not a 276' });
      inquiries.push({ claimId: inquiry.claimSubmitterTraceNumber, charge: String(inquiry.totalClaimChargeAmount) });
      return replyJson(res, 200, { transactionSetIdentifierCode: '277', controlNumber: body.controlNumber, payer: { name: PAYER_NAME }, claimStatus: [status(inquiry.claimSubmitterTraceNumber, String(inquiry.totalClaimChargeAmount ?? '0'))] });
    }
    if (req.url === '/appeals') {
      const claimId = body.claimSubmitterTraceNumber;
      if (typeof claimId !== 'string' || body.document?.contentType !== 'application/pdf') return replyJson(res, 400, { error: 'an appeal needs the claim and a PDF' });
      if (!appeals.some((a) => a.claimId === claimId)) appeals.push({ claimId, pdf: Buffer.from(String(body.document.base64), 'base64') });
      return replyJson(res, 200, { appealId: `APL-${claimId}` });
    }
    return replyJson(res, 404, { error: 'not_found' });
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => replyJson(res, 500, { error: 'internal' })));
  const port = await listenOnLoopback(server, options.port);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    inquiries: () => [...inquiries],
    appeals: () => [...appeals],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
