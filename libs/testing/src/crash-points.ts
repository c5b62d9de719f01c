import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { start, type Finished } from './processes';

/** One step of a run as its report records it. */
export interface ReportedStep {
  readonly name: string;
  readonly durationMs: number;
}

/** A step placed on the clock of the process that ran it: ms after the process was spawned. */
export interface TimedStep {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** A moment to interrupt a run at, named after the step it falls in. */
export interface Moment {
  readonly label: string;
  readonly atMs: number;
}

/**
 * A clean run's steps on its process's clock, from its report (steps run one after the other; `startedAt`
 * is when the run began, after Node.js started). The moments to kill a rerun at are chosen from this, so
 * that they fall in the steps of a real run, deterministically.
 */
export function timeline(report: { startedAt: string; steps: readonly ReportedStep[] }, spawnedAtMs: number): TimedStep[] {
  let at = Math.max(0, Date.parse(report.startedAt) - spawnedAtMs);
  return report.steps.map((step) => {
    const timed = { name: step.name, startMs: at, endMs: at + step.durationMs };
    at = timed.endMs;
    return timed;
  });
}

/** The moment `fraction` of the way through step `name` (the first of that name), if the run had it. */
export function within(steps: readonly TimedStep[], name: string, fraction: number): Moment | undefined {
  const step = steps.find((candidate) => candidate.name === name);
  if (!step) return undefined;
  return { label: `${Math.round(fraction * 100)}% into ${name}`, atMs: Math.round(step.startMs + (step.endMs - step.startMs) * fraction) };
}

/** The middle of the longest of the given steps (the setup steps, say). */
export function middleOfLongest(steps: readonly TimedStep[], names: readonly string[]): Moment | undefined {
  const candidates = steps.filter((step) => names.includes(step.name));
  const longest = candidates.sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))[0];
  return longest ? within(steps, longest.name, 0.5) : undefined;
}

/**
 * Starts `script` and sends it `signal` `atMs` after spawning it. Resolves when it and everything that shares
 * its output (its watchdog) are done. `signalled` says whether the signal was sent before it exited.
 */
export async function interruptAt(
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
  atMs: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<Finished & { signalled: boolean }> {
  const started = start(script, args, options);
  let exited = false;
  started.process.once('exit', () => {
    exited = true;
  });
  let signalled = false;
  const timer = setTimeout(() => {
    if (exited) return;
    signalled = true;
    started.process.kill(signal);
  }, atMs);
  const finished = await started.finished;
  clearTimeout(timer);
  return { ...finished, signalled };
}

// temporaryPathFor's names (envoy-core): `.<name>.<pid>.<8 hex>.tmp`, files or directories.
const TEMPORARY = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/** Every temporary file or directory left anywhere below `dir` (relative paths). */
export function temporariesBelow(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (TEMPORARY.test(name)) found.push(relative(dir, path));
      else if (lstatSync(path).isDirectory()) walk(path);
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * The shape of a tree: every relative path with its type (`/` after directories), each name passed through
 * `normalize` (to take out what differs between runs by design, e.g. time stamps in names), duplicates
 * removed, sorted. Two runs that converged have the same shape.
 */
export function treeShape(dir: string, normalize: (name: string) => string = (name) => name, skip: (path: string) => boolean = () => false): string[] {
  const shape = new Set<string>();
  const walk = (current: string, prefix: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      const key = `${prefix}${normalize(name)}`;
      if (skip(relative(dir, path))) continue;
      if (lstatSync(path).isDirectory()) {
        shape.add(`${key}/`);
        walk(path, `${key}/`);
      } else shape.add(key);
    }
  };
  walk(dir, '');
  return [...shape].sort();
}
