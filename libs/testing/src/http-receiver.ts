import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpReceiver {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  /** The JSON bodies of the requests answered with 2xx, in arrival order. */
  json<T = Record<string, unknown>>(): T[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on a free loopback port that records every request. `answer` decides each status
 * (default 204): a test makes the endpoint fail, refuse or stall to see what the envoy does.
 */
export async function startHttpReceiver(answer: (request: ReceivedRequest, index: number) => number | 'hang' = () => 204): Promise<HttpReceiver> {
  const received: ReceivedRequest[] = [];
  const accepted: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const record = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(record);
      const status = answer(record, received.length - 1);
      if (status === 'hang') return;
      if (status >= 200 && status < 300) accepted.push(record.body);
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/events`,
    port,
    received,
    json: <T>() => accepted.map((body) => JSON.parse(body) as T),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
