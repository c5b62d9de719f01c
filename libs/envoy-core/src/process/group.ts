import { errnoCode } from '../errors';
import { readdirSync, readFileSync } from 'node:fs';

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
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pgid]; // no /proc: trust kill(2), which said the group exists
  }
  const living: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited while we looked
    }
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const processGroup = Number(fields[2]);
    if (processGroup === pgid && state !== 'Z' && state !== 'X') living.push(Number(entry));
  }
  return living;
}

export function groupAlive(pgid: number): boolean {
  return livingGroupMembers(pgid).length > 0;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until the group has no living member, at most `timeoutMs`. Returns whether it is gone. */
export async function waitForGroupExit(pgid: number, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

/**
 * The stop sequence of CONTRACT 3.5: the signal to the whole group, then SIGKILL when the grace period has
 * passed, then wait until nothing of the group is left. Returns whether SIGKILL was needed.
 */
export async function stopGroup(pgid: number, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  signalGroup(pgid, signal);
  if (await waitForGroupExit(pgid, graceMs)) return false;
  signalGroup(pgid, 'SIGKILL');
  // SIGKILL cannot be ignored; this only waits for the kernel to finish the processes off.
  await waitForGroupExit(pgid, 30_000);
  return true;
}
