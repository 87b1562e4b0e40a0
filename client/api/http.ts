import http from 'node:http';
import type https from 'node:https';

/**
 * One HTTP exchange with a JSON API over node:http: the CLI's transport. node:http is part of
 * Node's startup snapshot, where loading the undici package costs more than the whole round
 * trip of a warm `aurora job create`. node:https loads only for https URLs.
 */

export interface HttpExchange {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The longest the server may stay silent, before its answer or in the middle of it. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** @default a keep-alive agent shared by this process */
  readonly agent?: http.Agent;
}

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly contentType: string;
}

let sharedHttp: http.Agent | undefined;
let sharedHttps: https.Agent | undefined;

/** Keep-alive, so a command's calls share one connection; idle sockets do not keep the process alive. */
async function defaultAgent(url: URL): Promise<http.Agent> {
  if (url.protocol === 'http:') return (sharedHttp ??= new http.Agent({ keepAlive: true }));
  const { Agent } = await import('node:https');
  return (sharedHttps ??= new Agent({ keepAlive: true }));
}

/**
 * Sends one request and reads the whole answer as text. Rejects with the socket's error (with
 * its `code`, such as ECONNREFUSED), with code ETIMEDOUT after `timeoutMs` of silence, or with
 * an AbortError when `signal` aborts.
 */
export async function exchange(x: HttpExchange): Promise<HttpAnswer> {
  const agent = x.agent ?? (await defaultAgent(x.url));
  const send = x.url.protocol === 'https:' ? (await import('node:https')).request : http.request;
  const headers: Record<string, string> = { ...x.headers };
  if (x.body !== undefined) headers['content-length'] = String(Buffer.byteLength(x.body));
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(x.url, { method: x.method, headers, agent, ...(x.signal ? { signal: x.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' })));
      res.on('end', () => {
        const ct = res.headers['content-type'];
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: ct ?? '' });
      });
    });
    req.setTimeout(x.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${x.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(x.body);
  });
}
