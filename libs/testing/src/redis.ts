import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { tempDir } from './temp';

/** A free TCP port on the loopback interface (for a server a test starts, or a port where nothing listens). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export type RespValue = string | number | null | RespValue[];

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** Parses one RESP2 reply from `text` at `at`; returns undefined while the reply is incomplete. */
function parse(text: string, at = 0): { value: RespValue; end: number } | undefined {
  const lineEnd = text.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const head = text.slice(at + 1, lineEnd);
  switch (text[at]) {
    case '+':
      return { value: head, end: lineEnd + 2 };
    case '-':
      throw new Error(`redis: ${head}`);
    case ':':
      return { value: Number(head), end: lineEnd + 2 };
    case '$': {
      const length = Number(head);
      if (length < 0) return { value: null, end: lineEnd + 2 };
      const bytes = Buffer.from(text.slice(lineEnd + 2), 'utf8');
      if (bytes.length < length + 2) return undefined;
      const value = bytes.subarray(0, length).toString('utf8');
      return { value, end: lineEnd + 2 + value.length + 2 };
    }
    case '*': {
      const count = Number(head);
      if (count < 0) return { value: null, end: lineEnd + 2 };
      const items: RespValue[] = [];
      let end = lineEnd + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(text, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`redis: unexpected reply ${JSON.stringify(text.slice(at, at + 20))}`);
  }
}

/**
 * Sends commands to a Redis on the loopback interface over one fresh connection and returns the replies:
 * enough for tests to look at keys without depending on the client library the code under test uses.
 */
export function redisCommands(port: number, commands: readonly (readonly string[])[], timeoutMs = 3000): Promise<RespValue[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => socket.destroy(new Error(`redis on port ${port}: no answer within ${timeoutMs} ms`)), timeoutMs);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(commands.map(encode).join('')));
    socket.on('data', (chunk: string) => {
      received += chunk;
      try {
        const replies: RespValue[] = [];
        let at = 0;
        while (replies.length < commands.length) {
          const reply = parse(received, at);
          if (!reply) return;
          replies.push(reply.value);
          at = reply.end;
        }
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      } catch (error) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly pid: number;
  /** `redis://[:password@]127.0.0.1:<port>` */
  readonly url: string;
  /** Runs one command (AUTH first when the server has a password). */
  command(...args: string[]): Promise<RespValue>;
  /** SIGSTOP / SIGCONT: a Redis that accepts connections and answers nothing, then answers again. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Starts a real redis-server for one test file: a free loopback port, no persistence, its own temporary
 * directory; resolves once it answers PING. `REDIS_SERVER` overrides the executable (default: on PATH).
 */
export async function startRedis(options: { password?: string; port?: number } = {}): Promise<RedisServer> {
  const port = options.port ?? (await freeLoopbackPort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir('envoys-redis-')];
  if (options.password) args.push('--requirepass', options.password);
  const child: ChildProcess = spawn(process.env['REDIS_SERVER'] ?? 'redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const auth = options.password ? [['AUTH', options.password]] : [];
  const command = async (...commandArgs: string[]) => {
    const replies = await redisCommands(port, [...auth, commandArgs]);
    return replies[replies.length - 1] ?? null;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start redis-server (${spawnError.message}); install it (apt-get install redis-server)`);
    if (child.exitCode !== null) throw new Error(`redis-server exited with status ${child.exitCode} on port ${port}`);
    try {
      if ((await command('PING')) === 'PONG') break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not answer on port ${port} within 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const pid = child.pid as number;
  return {
    port,
    pid,
    url: `redis://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}127.0.0.1:${port}`,
    command,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(pid, 'SIGCONT'); // a paused server cannot act on SIGTERM
      child.kill('SIGTERM');
      await exited;
    },
  };
}
