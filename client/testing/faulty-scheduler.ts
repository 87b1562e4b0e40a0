/**
 * A scheduler that misbehaves, for the client's tests of what the real one never does on
 * purpose: answering 500 or a body that is not the API's, hanging up mid-answer, or never
 * answering. Everything else the client's tests run against the real scheduler (test-scheduler.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** This status with this body (text, or JSON for an object) and content type. */
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  /** Closes the connection before any answer. */
  | { readonly kind: 'hang-up' }
  /** Never answers. */
  | { readonly kind: 'silence' };

export interface FaultyScheduler {
  readonly url: string;
  /** Method, path, headers and body text of each request, in order. */
  readonly requests: { readonly method: string; readonly url: string; readonly headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 that answers every request with `fault` (`/health` included). */
export async function startFaultyScheduler(fault: Fault): Promise<FaultyScheduler> {
  const requests: FaultyScheduler['requests'] = [];
  const server = http.createServer((req, res) => {
    const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' };
    requests.push(request);
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (request.body += chunk));
    if (fault.kind === 'hang-up') return void req.socket.destroy();
    if (fault.kind === 'silence') return;
    const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
    res.writeHead(fault.status, { 'content-type': typeof fault.body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
