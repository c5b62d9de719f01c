import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, tempDir, waitFor } from '@envoys/testing';
import { EMULATOR, sessionDir } from './support/session';

// The CARTA backend emulator (tools/emulators/carta) behaves like carta_backend at the interface carta-envoy
// sees: flags, token-checked HTTP, the "accessible at" line, time-outs, SIGINT, and its failure scenarios.
interface Backend {
  readonly port: number;
  output(): string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  kill(signal: NodeJS.Signals): void;
}

async function backend(extraArgs: string[], env: Record<string, string> = {}, target?: string): Promise<Backend> {
  const { images } = sessionDir();
  const port = await freeLoopbackPort();
  const child = spawn(EMULATOR, ['--no_browser', '--host', '127.0.0.1', '--port', String(port), '--top_level_folder', images, ...extraArgs, target ?? images], {
    env: { PATH: process.env['PATH'], HOME: tempDir('carta-home-'), CARTA_AUTH_TOKEN: 'token-1234', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    port,
    output: () => output,
    exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>,
    kill: (signal) => child.kill(signal),
  };
}

const listening = (b: Backend) => waitFor(() => b.output().includes('CARTA is accessible at'), 10_000, 'the emulator to listen');

describe('CARTA backend emulator', () => {
  it('serves its page without the token, its API only with it (query, bearer, header, cookie), prints the real ready lines, exits 0 on SIGINT', async () => {
    const pidFile = join(tempDir(), 'pid');
    const b = await backend([], { CARTA_EMULATOR_PIDFILE: pidFile });
    await listening(b);
    expect(b.output()).toContain(`Listening on port ${b.port} with top level folder `);
    expect(b.output()).toContain(`CARTA is accessible at http://127.0.0.1:${b.port}/?token=token-1234`);
    const base = `http://127.0.0.1:${b.port}`;
    const api = `${base}/api/database/preferences`;
    expect((await fetch(base)).status).toBe(200);
    expect(await (await fetch(`${base}/config`)).json()).toEqual({ apiAddress: '/api' });
    expect((await fetch(`${api}?token=token-1234`)).status).toBe(200);
    expect((await fetch(api, { headers: { authorization: 'Bearer token-1234' } })).status).toBe(200);
    expect((await fetch(api, { headers: { 'carta-auth-token': 'token-1234' } })).status).toBe(200);
    expect((await fetch(api, { headers: { cookie: 'carta-auth-token=token-1234' } })).status).toBe(200);
    expect((await fetch(api)).status).toBe(403);
    expect((await fetch(`${api}?token=token-1235`)).status).toBe(403);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBeGreaterThan(0);
    b.kill('SIGINT');
    expect(await b.exited).toEqual([0, null]);
  });

  it('exits 0 on its initial time-out when no client comes; HTTP requests are no clients; a busy port is said, then exit 0', async () => {
    const initial = await backend(['--initial_timeout', '1']);
    await listening(initial);
    expect((await fetch(`http://127.0.0.1:${initial.port}/?token=token-1234`)).status).toBe(200);
    expect(await initial.exited).toEqual([0, null]);
    expect(initial.output()).toContain('No sessions timeout.');

    const holder = await backend([]);
    await listening(holder);
    const { images } = sessionDir();
    const busy = spawn(EMULATOR, ['--port', String(holder.port), '--top_level_folder', images, images], { env: { PATH: process.env['PATH'], HOME: tempDir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    busy.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    expect(await once(busy, 'exit')).toEqual([0, null]);
    expect(said).toContain(`Could not listen on port ${holder.port}!`);
    holder.kill('SIGINT');
    await holder.exited;
  });

  it('scenarios: crash exits 1, killed dies of SIGKILL, slow-start listens late, stubborn ignores SIGINT', async () => {
    const crash = await backend([], { CARTA_EMULATOR_SCENARIO: 'crash', CARTA_EMULATOR_CRASH_AFTER_SECONDS: '0.2' });
    expect(await crash.exited).toEqual([1, null]);
    const killed = await backend([], { CARTA_EMULATOR_SCENARIO: 'killed', CARTA_EMULATOR_CRASH_AFTER_SECONDS: '0.2' });
    expect(await killed.exited).toEqual([null, 'SIGKILL']);

    const slow = await backend([], { CARTA_EMULATOR_SCENARIO: 'slow-start', CARTA_EMULATOR_START_DELAY_SECONDS: '0.7' });
    await waitFor(() => slow.output().includes('starting slowly'), 10_000, 'the emulator to start');
    await expect(fetch(`http://127.0.0.1:${slow.port}/`)).rejects.toThrow();
    await listening(slow);
    expect((await fetch(`http://127.0.0.1:${slow.port}/`)).status).toBe(200);
    slow.kill('SIGINT');
    expect(await slow.exited).toEqual([0, null]);

    const stubborn = await backend([], { CARTA_EMULATOR_SCENARIO: 'stubborn' });
    await listening(stubborn);
    stubborn.kill('SIGINT');
    await waitFor(() => stubborn.output().includes('ignoring it'), 5000, 'SIGINT to be ignored');
    stubborn.kill('SIGKILL');
    expect(await stubborn.exited).toEqual([null, 'SIGKILL']);
  });

  it('rejects what carta_backend rejects: unknown options, a starting folder outside the top-level folder; ignores a missing file', async () => {
    const unknown = await backend(['--bogus']);
    expect((await unknown.exited)[0]).toBe(1);
    expect(unknown.output()).toContain("Option 'bogus' does not exist");

    const outside = await backend([], {}, '/etc');
    expect((await outside.exited)[0]).toBe(1);
    expect(outside.output()).toMatch(/Starting \/etc must be a subdirectory of top level .* Exiting carta\./);

    // A missing file is ignored: the starting folder is then the working directory, here outside the top level.
    const missing = await backend([], {}, join(tempDir(), 'gone.fits'));
    expect((await missing.exited)[0]).toBe(1);
    expect(missing.output()).toContain(`Starting ${process.cwd()} must be a subdirectory of top level`);
    expect(missing.output()).not.toContain('gone.fits');
  });
});
