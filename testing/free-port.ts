import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that was free a moment ago. Another process can take it before the caller
 * binds it, so whoever starts a server on it tries again with a new one when that happens.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
