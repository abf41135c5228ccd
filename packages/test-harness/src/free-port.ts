import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: the OS picks it (listen on 0), we read it and close.
 * Another process may take it before the caller binds; bins that can print their own port (`--port 0`)
 * are better started that way.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
