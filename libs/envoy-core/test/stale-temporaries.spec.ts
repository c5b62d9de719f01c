import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemporaries, temporaryPathFor, temporaryWriter, writerAlive } from '../src';
import { removeOwnTemporaries } from '../src/files/stale-temporaries';

/** The PID of a process that has exited (and been reaped): a writer that died. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('temporaries left by runs that died', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-stale-'));
  });

  it('temporaryPathFor names carry the writer; other names are not temporaries', () => {
    const name = temporaryPathFor(join(dir, 'casa-envoy-report.json')).slice(dir.length + 1);
    expect(temporaryWriter(name)).toBe(process.pid);
    for (const other of ['casa-envoy-report.json', '.hidden', '.x.12.tmp', '.x.12.abcdefgh.tmp', 'x.12.0123abcd.tmp']) {
      expect(temporaryWriter(other)).toBeUndefined();
    }
  });

  it("removes dead writers' files and directories, keeps living writers' and everything else", async () => {
    const dead = deadPid();
    const deadFile = `.casa-envoy.standard-cal.out.log.${dead}.0123abcd.tmp`;
    const deadDir = `.extract.${dead}.89abcdef.tmp`;
    const mine = `.casa-envoy-report.json.${process.pid}.00112233.tmp`;
    writeFileSync(join(dir, deadFile), 'half a log');
    mkdirSync(join(dir, deadDir, 'deep'), { recursive: true });
    writeFileSync(join(dir, deadDir, 'deep', 'member'), 'x');
    writeFileSync(join(dir, mine), 'being written');
    writeFileSync(join(dir, 'products.txt'), 'kept');
    writeFileSync(join(dir, `.notes.${dead}.tmp`), 'not ours');
    const { removed, kept } = await removeStaleTemporaries(dir);
    expect(removed.sort()).toEqual([deadDir, deadFile].sort());
    expect(kept).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([mine, `.notes.${dead}.tmp`, 'products.txt'].sort());
    expect(await removeStaleTemporaries(join(dir, 'missing'))).toEqual({ removed: [], kept: [] });
  });

  it("the same sweep removes this process's own temporaries, and only those", async () => {
    const dead = deadPid();
    const mine = [temporaryPathFor(join(dir, 'report.json')), temporaryPathFor(join(dir, 'extract'))].map((path) => path.slice(dir.length + 1));
    writeFileSync(join(dir, mine[0] ?? ''), 'being written');
    mkdirSync(join(dir, mine[1] ?? '', 'deep'), { recursive: true });
    const others = [`.report.json.${dead}.0123abcd.tmp`, 'report.json'];
    for (const name of others) writeFileSync(join(dir, name), 'kept');
    const { removed, kept } = await removeOwnTemporaries(dir);
    expect(removed.sort()).toEqual([...mine].sort());
    expect(kept).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([...others].sort());
    expect(await removeOwnTemporaries(join(dir, 'missing'))).toEqual({ removed: [], kept: [] });
  });

  it('a PID is the writer only if its process started before the write (a reused PID is not)', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const pid = sleeper.pid as number;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(writerAlive(pid, Date.now())).toBe(true);
      expect(writerAlive(pid, Date.now() - 60_000)).toBe(false); // written a minute before this process began
      expect(writerAlive(deadPid(), Date.now())).toBe(false);
      expect(writerAlive(process.pid, 0)).toBe(true);
      expect(writerAlive(0, Date.now())).toBe(false);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
