import { errnoCode } from '../errors';
import { bootTimeMs, readProcessStat } from './proc';

// The kernel's clock ticks per second for /proc/<pid>/stat start times: USER_HZ, 100 on every Linux ABI.
const TICKS_PER_SECOND = 100;
// Boot time has whole seconds and start times ticks: a process that started within this much of `sinceMs`
// may be the writer.
const SLACK_MS = 2000;

/** When a process started (ms since the epoch); undefined when it does not exist or is a zombie. */
function processStart(pid: number): number | null | undefined {
  const stat = readProcessStat(pid);
  if (!stat?.living) return undefined;
  const boot = bootTimeMs();
  return boot === null || !Number.isFinite(stat.startTicks) ? null : boot + (stat.startTicks * 1000) / TICKS_PER_SECOND;
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
    if (errnoCode(error) !== 'EPERM') return false;
  }
  const started = processStart(pid);
  if (started === undefined) return false;
  if (started === null) return true;
  return started <= sinceMs + SLACK_MS;
}
