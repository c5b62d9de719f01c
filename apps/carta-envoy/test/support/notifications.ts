import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';

/** One POST the workflow system's endpoint received. */
export interface Notification {
  readonly event: string;
  readonly sessionId: string;
  readonly url?: string;
  readonly expiresAt?: string;
  readonly reason?: string;
  readonly endedAt?: string;
  readonly [field: string]: unknown;
}

export interface NotificationEndpoint {
  readonly url: string;
  readonly received: Notification[];
  /** Called for every notification as it arrives (before the answer is sent). */
  onNotification?: (notification: Notification) => void;
  /** The first notification of `event` for a session, waiting for it if needed. */
  next(event: string, sessionId: string, ms?: number): Promise<Notification>;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

/** A tiny stand-in for the workflow system's event endpoint: records every JSON POST and answers 204. */
export async function startNotificationEndpoint(): Promise<NotificationEndpoint> {
  const received: Notification[] = [];
  const server = createServer((request, response) => {
    void body(request).then((text) => {
      const notification = JSON.parse(text) as Notification;
      received.push(notification);
      endpoint.onNotification?.(notification);
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const endpoint: NotificationEndpoint = {
    url: `http://127.0.0.1:${port}/workspaces/carta/events`,
    received,
    async next(event, sessionId, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = received.find((item) => item.event === event && item.sessionId === sessionId);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${event} notification for session ${sessionId} within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return endpoint;
}
