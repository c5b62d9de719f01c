import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  it('fails without HOME, as the real settings code throws: exit 1', async () => {
    const { images } = sessionDir();
    const homeless = spawn(EMULATOR, ['--no_browser', '--top_level_folder', images, images], { env: { PATH: process.env['PATH'] }, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    homeless.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    expect(await once(homeless, 'exit')).toEqual([1, null]);
    expect(said).toContain("terminate called after throwing an instance of 'std::logic_error'");
  });

  it('writes its own log ~/.carta/log/carta.log unless --no_log', async () => {
    const home = tempDir('carta-home-');
    const logged = await backend(['--initial_timeout', '1'], { HOME: home });
    expect(await logged.exited).toEqual([0, null]);
    const log = readFileSync(join(home, '.carta', 'log', 'carta.log'), 'utf8');
    expect(log).toContain(`Listening on port ${logged.port} with top level folder `);
    expect(log).toContain('No sessions timeout.');

    const quiet = tempDir('carta-home-');
    const unlogged = await backend(['--initial_timeout', '1', '--no_log'], { HOME: quiet });
    expect(await unlogged.exited).toEqual([0, null]);
    expect(unlogged.output()).toContain('No sessions timeout.');
    expect(existsSync(join(quiet, '.carta', 'log'))).toBe(false);
  });

  it('takes options the command line does not give from the system then the user settings file, unless --no_system_config / --no_user_config', async () => {
    const home = tempDir('carta-home-');
    mkdirSync(join(home, '.carta'));
    writeFileSync(join(home, '.carta', 'backend.json'), JSON.stringify({ omp_threads: 5 }));
    const system = join(tempDir('carta-etc-'), 'backend.json');
    writeFileSync(system, JSON.stringify({ omp_threads: 3, initial_timeout: 1 }));
    const threads = async (args: string[]) => {
      const b = await backend(args, { HOME: home, CARTA_EMULATOR_SYSTEM_CONFIG: system });
      await listening(b);
      b.kill('SIGINT');
      await b.exited;
      return /Listening on port \d+ .*?(?:, and (\d+) OpenMP worker threads|(handled automatically))/.exec(b.output())?.slice(1).join('');
    };
    // The user's file on top of the system's, the command line on top of both.
    expect(await threads([])).toBe('5');
    expect(await threads(['--no_user_config'])).toBe('3');
    expect(await threads(['--no_system_config'])).toBe('5');
    expect(await threads(['--no_user_config', '--no_system_config'])).toBe('handled automatically');
    expect(await threads(['--omp_threads', '2'])).toBe('2');
    // Which files it read is a debug line: said at --verbosity 5 only.
    const told = await backend(['--verbosity', '5', '--initial_timeout', '1'], { HOME: home, CARTA_EMULATOR_SYSTEM_CONFIG: system });
    expect(await told.exited).toEqual([0, null]);
    expect(told.output()).toContain(`[debug] Reading system settings from ${system}.`);
    expect(told.output()).toContain(`[debug] Reading user settings from ${join(home, '.carta', 'backend.json')}.`);
    // The system file's initial_timeout applies too: the backend ends itself.
    const timed = await backend(['--no_user_config'], { HOME: home, CARTA_EMULATOR_SYSTEM_CONFIG: system });
    expect(await timed.exited).toEqual([0, null]);
    expect(timed.output()).toContain('No sessions timeout.');
    expect(timed.output()).not.toContain('Reading');
  });

  it('--port LOW,HIGH: skips a busy port to the next one; a range used up is said, and nothing listens', async () => {
    const holder = createServer();
    const busy = await freeLoopbackPort();
    await new Promise<void>((resolve) => holder.listen(busy, '127.0.0.1', resolve));
    try {
      const { images } = sessionDir();
      const ranged = spawn(EMULATOR, ['--no_browser', '--host', '127.0.0.1', '--port', `${busy},${busy + 20}`, '--top_level_folder', images, images], {
        env: { PATH: process.env['PATH'], HOME: tempDir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let said = '';
      ranged.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
      await waitFor(() => said.includes('CARTA is accessible at'), 10_000, 'the emulator to listen');
      expect(said).toContain(`Port ${busy} is already in use. Trying next port.`);
      const port = Number(/Listening on port (\d+)/.exec(said)?.[1]);
      expect(port).toBeGreaterThan(busy);
      expect(port).toBeLessThanOrEqual(busy + 20);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      ranged.kill('SIGINT');
      expect(await once(ranged, 'exit')).toEqual([0, null]);

      const full = spawn(EMULATOR, ['--host', '127.0.0.1', '--port', `${busy},${busy}`, '--top_level_folder', images, images], {
        env: { PATH: process.env['PATH'], HOME: tempDir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let fullSaid = '';
      full.stdout.on('data', (chunk: Buffer) => (fullSaid += chunk.toString()));
      expect(await once(full, 'exit')).toEqual([0, null]);
      expect(fullSaid).toContain(`Port ${busy} is already in use. Trying next port.`);
      expect(fullSaid).toContain(`Unable to listen on the port range ${busy}-${busy}!`);
    } finally {
      holder.close();
    }
  });
});
