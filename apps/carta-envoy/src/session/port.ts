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

/**
 * Whether another process holds `port` now: a bind of it on every interface fails with EADDRINUSE. Asked when
 * the backend died before it answered, to tell a port taken between freePort() and the backend's own bind
 * (launch again elsewhere) from a backend that fails for any other reason.
 */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(false)));
  });
}
