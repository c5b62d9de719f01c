import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvoyError, ExitCode, InvalidInputError } from '@envoys/envoy-core';
import { MAX_TREE_DEPTH, walkTree, type TreeEntry, type WalkTreeOptions } from '../src';
import { makeTemp, removeTemps } from './support/temp';

afterAll(removeTemps);

/** Every entry below the root (the root itself, yielded first, left out), links followed inside the root. */
async function walk(root: string, options: WalkTreeOptions = { within: { path: root, realPath: realpathSync(root) } }): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  for await (const entry of walkTree(root, options)) if (entry.relative !== '') entries.push(entry);
  return entries;
}

describe('walkTree: the one walk of input trees', () => {
  it('lists directories before what they hold, names in code-unit order, links followed under their own names', async () => {
    const root = makeTemp('walk-');
    mkdirSync(join(root, 'b', 'c'), { recursive: true });
    writeFileSync(join(root, 'b', 'c', 'x.dat'), 'x');
    writeFileSync(join(root, 'B.txt'), 'B');
    symlinkSync('b/c', join(root, 'a-link'));
    const entries = await walk(root);
    expect(entries.map((entry) => `${entry.kind}:${entry.relative}${entry.link ? '@' : ''}`)).toEqual([
      'file:B.txt',
      'directory:a-link@',
      'file:a-link/x.dat',
      'directory:b',
      'directory:b/c',
      'file:b/c/x.dat',
    ]);
    const real = realpathSync(root);
    expect(entries.find((entry) => entry.relative === 'a-link/x.dat')?.real).toBe(`${real}/b/c/x.dat`);
  });

  it('goes 1024 directories deep, and refuses one more', async () => {
    const root = makeTemp('walk-deep-');
    const deepest = join(root, ...Array.from({ length: MAX_TREE_DEPTH }, () => 'd'));
    mkdirSync(deepest, { recursive: true });
    writeFileSync(join(deepest, 'bottom'), '');
    expect((await walk(root)).filter((entry) => entry.kind === 'file').map((entry) => entry.relative.length)).toEqual([MAX_TREE_DEPTH * 2 + 'bottom'.length]);
    mkdirSync(join(deepest, 'd'));
    await expect(walk(root)).rejects.toThrow(/is nested more than 1024 directories deep below .*: refused$/);
  });

  it('refuses a link back to a directory on its own way down (a loop), but follows one to a sibling', async () => {
    const root = makeTemp('walk-loop-');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(root, 'c'));
    symlinkSync('../../c', join(root, 'a', 'b', 'to-sibling'));
    expect((await walk(root)).map((entry) => entry.relative)).toContain('a/b/to-sibling');
    symlinkSync('../..', join(root, 'a', 'b', 'up'));
    const error = await walk(root).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as EnvoyError).message).toMatch(/symbolic link \S+\/a\/b\/up loops back to \S+, a directory above it: refused$/);
  });

  it('reports a FIFO as neither file nor directory, without opening it', async () => {
    const root = makeTemp('walk-fifo-');
    execFileSync('mkfifo', [join(root, 'pipe')]);
    expect((await walk(root)).map((entry) => entry.kind)).toEqual(['other']);
  });

  it('stops at once when its signal fires, with the signal\'s reason', async () => {
    const root = makeTemp('walk-stop-');
    for (let i = 0; i < 50; i += 1) writeFileSync(join(root, `f${i}`), '');
    const controller = new AbortController();
    let seen = 0;
    const reason = new Error('received SIGTERM');
    const walking = (async () => {
      for await (const entry of walkTree(root, { signal: controller.signal })) {
        if (entry.relative === '') continue;
        seen += 1;
        if (seen === 10) controller.abort(reason);
      }
    })();
    await expect(walking).rejects.toBe(reason);
    expect(seen).toBe(10);
  });

  it('refuses a dangling symbolic link and one leading outside alike: 65, one message shape', async () => {
    const root = makeTemp('walk-confined-');
    const outside = makeTemp('walk-outside-');
    writeFileSync(join(outside, 'secret'), 's');
    symlinkSync('nothing-there', join(root, 'dangling'));
    await expect(walk(root)).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringMatching(/^symlink \S+\/dangling is dangling \(its target does not exist\): refused$/),
    });
    rmSync(join(root, 'dangling'));
    symlinkSync(join(outside, 'secret'), join(root, 'stolen'));
    await expect(walk(root)).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringMatching(/^symlink \S+\/stolen points outside the processing directory \(to \S+\/secret\): refused$/),
    });
  });

  it('without a confinement, lists links as links and never follows them; with skipVanished, a missing root is no entry', async () => {
    const root = makeTemp('walk-keep-');
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'x'), 'x');
    symlinkSync('d', join(root, 'to-d'));
    symlinkSync('nothing-there', join(root, 'dangling'));
    expect((await walk(root, {})).map((entry) => `${entry.kind}:${entry.relative}`)).toEqual(['directory:d', 'file:d/x', 'symlink:dangling', 'symlink:to-d']);
    const entries: TreeEntry[] = [];
    for await (const entry of walkTree(join(root, 'absent'), { skipVanished: true })) entries.push(entry);
    expect(entries).toEqual([]);
    await expect(walk(join(root, 'absent'), {})).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
  });
});
