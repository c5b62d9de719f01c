import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors';
import { writerAlive } from '../process/liveness';

// temporaryPathFor's names: `.<target name>.<writer's pid>.<8 hex digits>.tmp`.
const TEMPORARY = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The PID of the process that wrote a temporary file or directory named by temporaryPathFor, if it is one. */
export function temporaryWriter(name: string): number | undefined {
  const match = TEMPORARY.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * The one sweep of temporaries: those in `dir` (not below it) that `leftOver` picks, by their writer's PID
 * and path, are removed. A missing directory has nothing to remove. Returns the names removed; one that
 * cannot be removed is reported as kept, never thrown.
 */
async function sweepTemporaries(dir: string, leftOver: (writer: number, path: string) => Promise<boolean>): Promise<{ removed: string[]; kept: string[] }> {
  const removed: string[] = [];
  const kept: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { removed, kept };
    throw error;
  }
  for (const name of names) {
    const pid = temporaryWriter(name);
    if (pid === undefined) continue;
    const path = join(dir, name);
    if (!(await leftOver(pid, path))) continue;
    try {
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      kept.push(name);
    }
  }
  return { removed, kept };
}

/**
 * Removes the temporary files and directories in `dir` (not below it) whose writer is dead: what a run
 * killed outright (SIGKILL, a lost node) left behind, so that a rerun in the same directory converges to
 * what one clean run leaves. A temporary of a living writer (another run in the same directory, on this
 * node) is left alone; a writer whose PID was reused by a younger process is dead (see writerAlive). A
 * missing directory has nothing to remove. Returns the names removed; never fails the run over one that
 * cannot be removed (it is reported as kept).
 */
export function removeStaleTemporaries(dir: string): Promise<{ removed: string[]; kept: string[] }> {
  return sweepTemporaries(dir, async (pid, path) => {
    const stats = await lstat(path).catch(() => undefined);
    return stats !== undefined && !writerAlive(pid, stats.ctimeMs);
  });
}

/** Removes this process's own temporaries in `dir`: what a step abandoned after a stop signal was writing. */
export function removeOwnTemporaries(dir: string): Promise<{ removed: string[]; kept: string[] }> {
  return sweepTemporaries(dir, (pid) => Promise.resolve(pid === process.pid));
}
