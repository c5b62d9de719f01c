import { readFileSync } from 'node:fs';

// The kernel's clock ticks per second for /proc/<pid>/stat start times: USER_HZ, 100 on every Linux ABI.
const TICKS_PER_SECOND = 100;
// Boot time has whole seconds and start times ticks: a process that started within this much of `sinceMs`
// may be the writer.
const SLACK_MS = 2000;

let bootTimeMs: number | null | undefined;

function bootTime(): number | null {
  if (bootTimeMs === undefined) {
    try {
      const line = readFileSync('/proc/stat', 'latin1')
        .split('\n')
        .find((text) => text.startsWith('btime '));
      bootTimeMs = line ? Number(line.slice(6)) * 1000 : null;
    } catch {
      bootTimeMs = null;
    }
  }
  return bootTimeMs;
}

/** When a process started (ms since the epoch); undefined when it does not exist or is a zombie. */
function processStart(pid: number): number | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const boot = bootTime();
  const ticks = Number(fields[19]);
  return boot === null || !Number.isFinite(ticks) ? null : boot + (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Whether the process that wrote something at `sinceMs` (a file's ctime, a record's start time) may still
 * be running on this node: process `pid` exists, is not a zombie, and started before `sinceMs` (a process
 * that started later is another one that was given the same, reused, PID). Without /proc only existence
 * is checked. This process counts as alive.
 */
export function writerAlive(pid: number, sinceMs: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; it is still a living writer.
    if ((error as { code?: string }).code !== 'EPERM') return false;
  }
  const started = processStart(pid);
  if (started === undefined) return false;
  if (started === null) return true;
  return started <= sinceMs + SLACK_MS;
}
