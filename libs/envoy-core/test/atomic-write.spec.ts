import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, chmodSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, openAtomicFile, writeFileAtomic } from '../src';
import { bundleForChild } from '@envoys/testing';

describe('atomic writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-atomic-'));
  });

  it('replaces the whole file and leaves no temporary file', async () => {
    const target = join(dir, 'report.json');
    writeFileSync(target, 'old');
    await writeFileAtomic(target, 'new contents');
    expect(readFileSync(target, 'utf8')).toBe('new contents');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('fails with exit 73 naming the target when the directory is not writable', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; a missing directory gives the same failure path
      await expect(writeFileAtomic(join(dir, 'missing', 'x.json'), 'x')).rejects.toMatchObject({
        exitCode: ExitCode.CannotCreate,
        message: expect.stringContaining(join(dir, 'missing', 'x.json')),
      });
      return;
    }
    chmodSync(dir, 0o500);
    await expect(writeFileAtomic(join(dir, 'x.json'), 'x')).rejects.toMatchObject({ exitCode: ExitCode.CannotCreate });
  });

  it('a streamed file is invisible until committed and vanishes when discarded', async () => {
    const target = join(dir, 'big.out');
    const file = await openAtomicFile(target);
    file.stream.write('part one\n');
    expect(existsSync(target)).toBe(false);
    await file.commit();
    expect(readFileSync(target, 'utf8')).toBe('part one\n');

    const second = await openAtomicFile(target);
    second.stream.write('never seen');
    await second.discard();
    expect(readFileSync(target, 'utf8')).toBe('part one\n');
    expect(readdirSync(dir)).toEqual(['big.out']);
  });

  it('a writer killed mid-write leaves the old file intact', async () => {
    const target = join(dir, 'state.json');
    writeFileSync(target, '{"old":true}');
    // A real process writes 64 MiB through writeFileAtomic and is SIGKILLed while it is writing.
    const writer = bundleForChild(join(__dirname, 'support', 'slow-writer.ts'));
    const child = spawn(process.execPath, [writer, target], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Kill it once the temporary file has data in it: the writer is then provably mid-write.
    const started = Date.now();
    for (;;) {
      const partial = readdirSync(dir).find((name) => name.endsWith('.tmp'));
      if (partial && statSync(join(dir, partial)).size > 0) break;
      if (Date.now() - started > 20000) throw new Error('the writer never started writing');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(readFileSync(target, 'utf8')).toBe('{"old":true}');
    expect(readdirSync(dir).filter((name) => !name.endsWith('.tmp'))).toEqual(['state.json']);
  });
});
