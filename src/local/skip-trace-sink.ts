/**
 * The product's own skip-trace provider on loopback (the default of `npm start`): answers the
 * skip-trace API (POST /v1/traces) with made-up candidates derived from the subject — a new
 * street in the same city, a number in the fictional 555-02xx range and an address at
 * traced.example.test, each with a confidence — or with no hit for a subject named "Unfindable".
 * Every request is kept, so tests can see what the product asked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, replyJson } from './loopback';

export interface SkipTraceSink {
  baseUrl: string;
  apiKey: string;
  requests(): { reference: string; fullName: string; permissiblePurpose: string }[];
  close(): Promise<void>;
}

export async function startSkipTraceSink(options: { port?: number; apiKey?: string } = {}): Promise<SkipTraceSink> {
  const apiKey = options.apiKey ?? `st_${randomBytes(16).toString('hex')}`;
  const requests: { reference: string; fullName: string; permissiblePurpose: string }[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') return replyJson(res, 404, { error: 'not_found' });
    if (req.headers.authorization !== `Bearer ${apiKey}`) return replyJson(res, 401, { error: 'unauthorized' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { reference?: string; permissiblePurpose?: string; subject?: { fullName?: string; addresses?: { city?: string; state?: string; zip?: string; country?: string }[] } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return replyJson(res, 400, { error: 'malformed_body' });
    }
    const name = String(body.subject?.fullName ?? '');
    if (!name || !body.permissiblePurpose) return replyJson(res, 422, { error: 'subject.fullName and permissiblePurpose are required' });
    requests.push({ reference: String(body.reference ?? ''), fullName: name, permissiblePurpose: body.permissiblePurpose });
    const traceId = `trace_${createHash('sha256').update(String(body.reference)).digest('hex').slice(0, 12)}`;
    if (/unfindable/i.test(name)) return replyJson(res, 200, { traceId, status: 'no_hit', persons: [] });
    const seed = createHash('sha256').update(name).digest();
    const last = body.subject?.addresses?.[0] ?? {};
    const slug = name.toLowerCase().replace(/[^a-z]+/g, '.').replace(/^\.|\.$/g, '');
    return replyJson(res, 200, {
      traceId,
      status: 'hit',
      persons: [
        {
          addresses: [{ street: `${100 + (seed[0]! % 800)} Traced Avenue`, city: last.city ?? 'Springfield', state: last.state ?? 'NY', zip: last.zip ?? '12207', country: last.country ?? 'US', confidence: 82 }],
          phones: [{ number: `+1555020${String(seed.readUInt16BE(1) % 10000).padStart(4, '0')}`, type: 'mobile', confidence: 64 }],
          emails: [{ address: `${slug || 'someone'}@traced.example.test`, confidence: 71 }],
        },
      ],
    });
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => replyJson(res, 500, { error: 'internal' })));
  const port = await listenOnLoopback(server, options.port);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    requests: () => [...requests],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
