import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Docker registry (HTTP API v2) reduced to what `{{docker.image[NAME][TAG]}}` needs, on
 * 127.0.0.1 and a free port: `GET /v2/NAME/manifests/TAG` answers the image's digest in
 * `Docker-Content-Digest`, a 404 with the registry's JSON error for an unknown image, and,
 * when asked, a Bearer token round as Docker Hub does. Tests run without a network, so no real
 * registry can be reached; this stands in for one.
 */
export interface RegistryStubOptions {
  /** `NAME:TAG` → digest. */
  readonly images: Readonly<Record<string, string>>;
  /** Ask for a Bearer token from `/token` (anonymous, as Docker Hub does for public images). */
  readonly bearer?: boolean;
  /** Answer 200 without a Docker-Content-Digest header, as a registry that is not v2 might. */
  readonly noDigest?: boolean;
  /** Never answer a manifest request (for timeouts). */
  readonly hang?: boolean;
  /** Answer manifests with a body this many bytes long. @default a small JSON manifest */
  readonly bodyBytes?: number;
}

export interface RegistryRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface RegistryStub {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `127.0.0.1:PORT`: what a pinned image starts with. */
  readonly host: string;
  readonly requests: RegistryRequest[];
  close(): Promise<void>;
}

const TOKEN = 'stub-token';

export async function startRegistryStub(options: RegistryStubOptions): Promise<RegistryStub> {
  const requests: RegistryRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://stub');
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: 'not found' }] }));
      return;
    }
    const [, name = '', tag = ''] = m;
    if (options.bearer && req.headers.authorization !== `Bearer ${TOKEN}`) {
      const realm = `http://${req.headers.host}/token`;
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="${realm}",service="registry.stub",scope="repository:${name}:pull"`,
        })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (options.hang) {
      hanging.add(res);
      return;
    }
    const digest = options.images[`${name}:${tag}`];
    if (digest === undefined) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: tag } }] }));
      return;
    }
    const body = options.bodyBytes !== undefined ? 'x'.repeat(options.bodyBytes) : JSON.stringify({ schemaVersion: 2, mediaType: req.headers.accept });
    res.writeHead(200, {
      'content-type': String(req.headers.accept ?? 'application/json'),
      ...(options.noDigest ? {} : { 'docker-content-digest': digest }),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
