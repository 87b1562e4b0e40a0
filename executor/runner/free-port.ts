import { createServer } from 'node:net';

/**
 * A port nobody listened on a moment ago, on loopback: for a local task's named ports
 * (`aurora task run-local`) and for a daemon that must come back on the same port (tests).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
