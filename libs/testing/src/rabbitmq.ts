import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freeLoopbackPort } from './redis';
import { tempDir } from './temp';

/** The Debian package's server script, run directly (the /usr/sbin wrapper would switch to the rabbitmq user). */
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitMq {
  readonly port: number;
  /** amqp://USER:PASSWORD@127.0.0.1:PORT/ */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** The broker's own log (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

export function rabbitMqInstalled(): boolean {
  return existsSync(SERVER);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a real RabbitMQ (Debian's rabbitmq-server) for a test: its own node name, AMQP on a free loopback
 * port, its own Erlang port mapper (epmd) on another free port so nothing collides with a broker or another
 * test on the machine, every file (database, logs, Erlang cookie) in a temporary directory, a user with a
 * password (the test's secret), no plugins. stop() stops the broker and its epmd.
 */
export async function startRabbitMq(options: { startMs?: number } = {}): Promise<RabbitMq> {
  const dir = tempDir('envoys-rabbitmq-');
  const [port, distPort, epmdPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const user = 'envoys';
  const password = `broker-pw-${Math.random().toString(36).slice(2, 12)}`;
  for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [`listeners.tcp.1 = 127.0.0.1:${port}`, `default_user = ${user}`, `default_pass = ${password}`, 'loopback_users = none', ''].join('\n'),
  );
  const node = `envoystest${port}@localhost`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_LOGS: join(dir, 'log', 'rabbit.log'),
    // Erlang distribution only on loopback too.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const logFile = join(dir, 'server.out');
  const out: string[] = [];
  const server: ChildProcess = spawn(SERVER, [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  const log = () => {
    const file = join(dir, 'log', 'rabbit.log');
    return `${out.join('')}${existsSync(file) ? readFileSync(file, 'utf8') : ''}`;
  };
  let exited = false;
  server.once('exit', () => {
    exited = true;
    writeFileSync(logFile, out.join(''));
  });

  const stopEpmd = () => {
    // Our own epmd (on our port) is ours to stop; it outlives the broker as a daemon otherwise.
    spawnSync('epmd', ['-kill'], { env: { ...env, ERL_EPMD_PORT: String(epmdPort) }, stdio: 'ignore', timeout: 10_000 });
  };
  const stop = async () => {
    if (!exited) {
      // The server script turns SIGTERM into an orderly `rabbitmqctl stop`.
      server.kill('SIGTERM');
      const gone = once(server, 'exit');
      const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    }
    // The Erlang VM is the script's child and stops with it; should it not have, its pid file names it.
    const pidFile = join(dir, 'rabbitmq.pid');
    const beam = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
    const ours = () => {
      try {
        return readFileSync(`/proc/${beam}/cmdline`, 'latin1').includes(node);
      } catch {
        return false;
      }
    };
    if (Number.isInteger(beam) && beam > 1 && ours()) {
      try {
        process.kill(beam, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    stopEpmd();
  };

  const deadline = Date.now() + (options.startMs ?? 120_000);
  while (!(await portOpen(port)) || !log().includes('Server startup complete')) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`rabbitmq-server did not start on port ${port}:\n${log().slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { port, url: `amqp://${user}:${password}@127.0.0.1:${port}/`, user, password, log, stop };
}
