import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { alive } from '@envoys/testing';

/** PIDs whose command line matches `pattern` (`pgrep -f`), without this test process and without zombies. */
export function pgrep(pattern: string): number[] {
  const result = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  if (result.error) throw new Error(`pgrep: ${result.error.message} (install procps)`);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
    .filter((pid) => pid !== process.pid && alive(pid));
}

function environOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return '';
  }
}

/**
 * Processes a job left on the node: anything whose command line names `marker` (the envoy runs as
 * `node <scratch>/main.js`, CASA as `<casa home>/bin/casa`), and the emulator's MPI worker (its command line
 * is only its title) whose environment names `marker` (SCIPIPE_ROOTDIR, CASA_HOME).
 */
export function leftovers(markers: readonly string[]): number[] {
  const found = new Set<number>();
  for (const marker of markers) for (const pid of pgrep(marker)) found.add(pid);
  for (const pid of pgrep('mpicasa-worker')) {
    const environ = environOf(pid);
    if (markers.some((marker) => environ.includes(marker))) found.add(pid);
  }
  return [...found];
}

/** Waits until no leftover is seen (a process that just got SIGKILL is reaped a moment later); returns the last list. */
export async function leftoversAfter(markers: readonly string[], ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let seen = leftovers(markers);
  while (seen.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    seen = leftovers(markers);
  }
  return seen;
}

export function describeProcesses(pids: readonly number[]): string {
  return pids
    .map((pid) => {
      try {
        return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')}`;
      } catch {
        return `${pid}: (gone)`;
      }
    })
    .join('\n');
}
