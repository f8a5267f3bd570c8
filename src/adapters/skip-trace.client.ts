/**
 * A skip-trace provider over HTTP, in the shape such providers use: POST a subject (name, last
 * known addresses, phones, emails) with a permissible purpose, get back the persons matched with
 * their addresses, phones and emails, each rated. `npm start` runs a loopback provider of our own
 * (src/local/skip-trace-sink.ts); a real one is another base URL and key (SKIP_TRACE_URL, SKIP_TRACE_API_KEY).
 */
import type { EffectValues } from '../domain/engine';
import type { PostalAddress } from '../domain/engine/work-records';
import { traceResponseSchema } from '../schemas/work.schema';

export interface TraceSubject {
  reference: string;
  name: string;
  addresses: PostalAddress[];
  phones: string[];
  emails: string[];
}

export interface SkipTraceProvider {
  trace(subject: TraceSubject): Promise<EffectValues['trace_request']>;
}

/** The provider refused the request (4xx): asking again cannot help. */
export class TraceRefused extends Error {}

export function createSkipTraceClient(options: { baseUrl: string; apiKey: string; timeoutMs?: number }): SkipTraceProvider {
  return {
    async trace(subject) {
      const response = await fetch(new URL('/v1/traces', options.baseUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', 'idempotency-key': subject.reference },
        body: JSON.stringify({
          reference: subject.reference,
          // GLBA/DPPA: the reason the search is lawful, as providers require it on every request.
          permissiblePurpose: 'collection_of_account',
          subject: {
            fullName: subject.name,
            addresses: subject.addresses.map((a) => ({ street: a.line1, city: a.city, state: a.region, zip: a.postalCode, country: a.country })),
            phones: subject.phones,
            emails: subject.emails,
          },
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      });
      if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new TraceRefused(`the skip-trace provider refused the request (${response.status})`);
      if (!response.ok) throw new Error(`the skip-trace provider answered ${response.status}`);
      const parsed = traceResponseSchema.safeParse(await response.json());
      if (!parsed.success) throw new TraceRefused(`the skip-trace provider's answer is not understood: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
      const candidates: EffectValues['trace_request']['candidates'] = [];
      for (const person of parsed.data.persons) {
        for (const a of person.addresses) {
          const address = { line1: a.street, city: a.city, region: a.state, postalCode: a.zip, country: a.country };
          candidates.push({ kind: 'address', value: `${a.street}, ${a.city}, ${a.state} ${a.zip}, ${a.country}`, address, confidence: a.confidence });
        }
        for (const p of person.phones) candidates.push({ kind: 'phone', value: p.number, confidence: p.confidence });
        for (const e of person.emails) candidates.push({ kind: 'email', value: e.address, confidence: e.confidence });
      }
      return { traceId: parsed.data.traceId, candidates: parsed.data.status === 'hit' ? candidates : [] };
    },
  };
}
