import { setTimeout as delay } from 'node:timers/promises';
import { errnoCode } from '../errors';
import { processIds, readProcessStat } from './proc';
import { STOP_POLICY } from './stop-policy';

/** Sends a signal to every process of a process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw error;
  }
}

/**
 * Processes of a group that are still running. Zombies do not count: an orphaned zombie waits for a reaper
 * that may never come in a container, but it holds no resources and runs no code.
 */
export function livingGroupMembers(pgid: number): number[] {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return [];
  }
  const pids = processIds();
  if (pids === undefined) return [pgid]; // no /proc: trust kill(2), which said the group exists
  return pids.filter((pid) => {
    const stat = readProcessStat(pid); // undefined: it exited while we looked
    return stat !== undefined && stat.processGroup === pgid && stat.living;
  });
}

export function groupAlive(pgid: number): boolean {
  return livingGroupMembers(pgid).length > 0;
}

/** Waits until the group has no living member, at most `timeoutMs`. Returns whether it is gone. */
export async function waitForGroupExit(pgid: number, timeoutMs: number, pollMs: number = STOP_POLICY.pollMs): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

/**
 * The stop sequence of CONTRACT 3.5 (stop-policy.ts): the signal to the whole group, then SIGKILL when the
 * grace period has passed, then wait until nothing of the group is left. Returns whether SIGKILL was needed.
 */
export async function stopGroup(pgid: number, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  signalGroup(pgid, signal);
  if (await waitForGroupExit(pgid, graceMs)) return false;
  signalGroup(pgid, STOP_POLICY.killSignal);
  await waitForGroupExit(pgid, STOP_POLICY.killWaitMs);
  return true;
}
