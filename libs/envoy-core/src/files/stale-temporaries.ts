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
 * Removes the temporary files and directories in `dir` (not below it) whose writer is dead: what a run
 * killed outright (SIGKILL, a lost node) left behind, so that a rerun in the same directory converges to
 * what one clean run leaves. A temporary of a living writer (another run in the same directory, on this
 * node) is left alone; a writer whose PID was reused by a younger process is dead (see writerAlive). A
 * missing directory has nothing to remove. Returns the names removed; never fails the run over one that
 * cannot be removed (it is reported as kept).
 */
export async function removeStaleTemporaries(dir: string): Promise<{ removed: string[]; kept: string[] }> {
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
    const stats = await lstat(path).catch(() => undefined);
    if (!stats || writerAlive(pid, stats.ctimeMs)) continue;
    try {
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      kept.push(name);
    }
  }
  return { removed, kept };
}
