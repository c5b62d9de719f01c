import { createServer } from 'node:net';

/**
 * A port that is free on every interface right now: the kernel picks it for a socket bound to port 0 on
 * 0.0.0.0 (where the backend will listen), and the socket is closed again for the backend to take it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the kernel assigned no port'))));
    });
  });
}
