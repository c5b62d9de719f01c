import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvoyError, InvalidInputError } from '@envoys/envoy-core';
import { MAX_TREE_DEPTH, walkTree, type TreeEntry } from '../src';
import { makeTemp, removeTemps } from './support/temp';

afterAll(removeTemps);

const follow = async (path: string) => {
  const real = realpathSync(path);
  return { real, stats: await stat(real) };
};

async function walk(root: string, signal?: AbortSignal): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  await walkTree(root, realpathSync(root), { followLink: follow, signal }, (entry) => {
    entries.push(entry);
  });
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
    const walking = walkTree(root, realpathSync(root), { followLink: follow, signal: controller.signal }, () => {
      seen += 1;
      if (seen === 10) controller.abort(reason);
    });
    await expect(walking).rejects.toBe(reason);
    expect(seen).toBe(10);
  });
});
