import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A tmpfs mounted for a test; unmount() removes it (and its mount point). */
export interface MountedTmpfs {
  readonly dir: string;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `bytes` (a small one makes "disk full" real; any makes a second file system) when this
 * process may mount (root with CAP_SYS_ADMIN, as on the CI machine); undefined otherwise, so the caller can
 * fall back to another mechanism (a file-size limit, /dev/shm) instead of failing.
 */
export function mountTmpfs(bytes: number, prefix = 'envoys-tmpfs-'): MountedTmpfs | undefined {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { stdio: 'ignore' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A new directory on a file system other than the one holding `than` (hard links between them fail with
 * EXDEV, so code that links must copy): /dev/shm when it is another file system, else a fresh tmpfs mount.
 * undefined when neither is available.
 */
export function directoryOnAnotherFileSystem(than: string, prefix = 'envoys-otherfs-'): { dir: string; cleanup(): void } | undefined {
  const device = statSync(than).dev;
  if (existsSync('/dev/shm') && statSync('/dev/shm').dev !== device) {
    try {
      const dir = mkdtempSync(join('/dev/shm', prefix));
      return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    } catch {
      /* not writable: try a mount */
    }
  }
  const mounted = mountTmpfs(8 * 1024 * 1024 * 1024, prefix);
  if (!mounted) return undefined;
  const dir = join(mounted.dir, 'data');
  mkdirSync(dir);
  return { dir, cleanup: () => mounted.unmount() };
}

/** Whether `prlimit` (util-linux) is there to run a process under a file-size limit (RLIMIT_FSIZE). */
export function hasPrlimit(): boolean {
  return spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
}
