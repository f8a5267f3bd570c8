import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 (port 0: any free port) and resolves with the port bound. */
export function listenOnLoopback(server: Pick<Server, 'listen' | 'once' | 'address'>, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** A JSON reply, as the HTTP sinks answer. */
export function replyJson(res: { writeHead(status: number, headers: Record<string, string>): unknown; end(body: string): unknown }, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * A port free on 127.0.0.1 right now (bound and released: the caller binds it next); any port the
 * system hands out, or one drawn from a range.
 */
export async function freeLoopbackPort(range?: { from: number; to: number }): Promise<number> {
  const { createServer } = await import('node:net');
  for (let attempt = 0; ; attempt++) {
    const wanted = range ? range.from + Math.floor(Math.random() * (range.to - range.from)) : 0;
    const server = createServer();
    const port = await new Promise<number | null>((resolve) => {
      server.once('error', () => resolve(null));
      server.listen(wanted, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    if (port !== null) {
      await new Promise<void>((done) => server.close(() => done()));
      return port;
    }
    if (attempt > 50) throw new Error(`no free loopback port${range ? ` in ${range.from}-${range.to}` : ''}`);
  }
}
