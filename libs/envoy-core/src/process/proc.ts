import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` the envoys read, counted from the first field after the command name
 * (the command name is in parentheses and may itself contain spaces or parentheses: fields are split after
 * its last `)`). The watchdog's shell reads the same fields (watchdog-script.ts uses these positions).
 */
export const STAT_FIELDS = { state: 0, processGroup: 2, startTicks: 19 } as const;

/** States of a process that runs no code: a zombie waits for a reaper that may never come in a container. */
export const NOT_LIVING_STATES: readonly string[] = ['Z', 'X'];

export interface ProcessStat {
  readonly state: string;
  readonly processGroup: number;
  /** When it started, in clock ticks since boot. */
  readonly startTicks: number;
  /** Whether it runs code: not a zombie. */
  readonly living: boolean;
}

/** `/proc/<pid>/stat`, or undefined when the process does not exist (or exited while it was read). */
export function readProcessStat(pid: number | string): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[STAT_FIELDS.state] ?? '';
  return {
    state,
    processGroup: Number(fields[STAT_FIELDS.processGroup]),
    startTicks: Number(fields[STAT_FIELDS.startTicks]),
    living: !NOT_LIVING_STATES.includes(state),
  };
}

/** The PIDs of every process, or undefined when there is no /proc to list them. */
export function processIds(): number[] | undefined {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return undefined;
  }
}

let bootTime: number | null | undefined;

/** When the node booted (ms since the epoch, whole seconds), or null when /proc does not say. */
export function bootTimeMs(): number | null {
  if (bootTime === undefined) {
    try {
      const line = readFileSync('/proc/stat', 'latin1')
        .split('\n')
        .find((text) => text.startsWith('btime '));
      bootTime = line ? Number(line.slice(6)) * 1000 : null;
    } catch {
      bootTime = null;
    }
  }
  return bootTime;
}
