import { execFileSync, spawnSync } from 'node:child_process';

/** Runs GNU tar (argv, no shell) and returns its stdout. */
export function gnuTar(args: readonly string[], cwd?: string): string {
  return execFileSync('tar', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether this process may mount a tmpfs (root in a privileged container): real ENOSPC for full-disk tests. */
export function canMountTmpfs(probe: string): boolean {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
  if (mounted.status !== 0) return false;
  spawnSync('umount', [probe], { stdio: 'ignore' });
  return true;
}

export function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}
