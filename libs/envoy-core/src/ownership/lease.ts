import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EnvoyError, errnoCode, ExitCode, outputError } from '../errors';
import { writerAlive } from '../process/liveness';
import { sleep } from '../retry/sleep';

/** The lease file in a processing directory: who works on it, since when (renewed by touching it). */
export const LEASE_FILE = '.envoys-lease.json';

/** What a lease file holds. */
export interface LeaseHolder {
  readonly envoy: string;
  readonly runId: string;
  readonly host: string;
  /** The batch system's node name where the host name does not tell nodes apart (SLURMD_NODENAME). */
  readonly node?: string;
  /** The kernel's PID namespace of the holder: on one host, a PID means the same process only inside it. */
  readonly pidNamespace: string;
  readonly pid: number;
  readonly batchJob?: string;
  readonly since: string;
  /** Unique to this holding: a taken-over lease has another token even if every other field is the same. */
  readonly token: string;
}

/** Exit 75: another run owns the processing directory, or this run lost it to another (the job may be retried). */
export class NotOwnerError extends EnvoyError {
  constructor(message: string, details: readonly string[] = []) {
    super(ExitCode.NotOwner, message, details);
  }
}

export interface LeaseOptions {
  readonly dir: string;
  readonly envoy: string;
  readonly runId: string;
  readonly leaseMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called once when a renewal finds the lease is no longer this run's. */
  readonly onLost: (error: NotOwnerError) => void;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  readonly signal?: AbortSignal;
}

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return 'unknown';
  }
}

/** The batch job this process runs in, as its batch system names it; a requeued Slurm job keeps its id, so its restart count is part of it. */
export function batchJobOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env['ENVOY_BATCH_JOB_ID']) return env['ENVOY_BATCH_JOB_ID'];
  const slurm = env['SLURM_JOB_ID'];
  if (slurm) {
    const restarts = Number(env['SLURM_RESTART_COUNT'] ?? '0');
    return `slurm ${slurm}${restarts > 0 ? ` (restart ${restarts})` : ''}`;
  }
  return undefined;
}

/** "casa-envoy pid 412 on host n2 (batch job slurm 77 (restart 1)) since 2026-12-04T20:01:02.000Z" */
export function holderText(holder: LeaseHolder): string {
  const where = holder.node && holder.node !== holder.host ? `${holder.host}, node ${holder.node}` : holder.host;
  return `${holder.envoy} pid ${holder.pid} on host ${where}${holder.batchJob ? ` (batch job ${holder.batchJob})` : ''} since ${holder.since}`;
}

function parseHolder(text: string): LeaseHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LeaseHolder>;
    if (typeof value.token !== 'string' || typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return value as LeaseHolder;
  } catch {
    return undefined;
  }
}

interface Seen {
  readonly holder: LeaseHolder | undefined;
  readonly text: string;
  readonly mtimeMs: number;
}

async function look(path: string): Promise<Seen | undefined> {
  try {
    const [text, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { holder: parseHolder(text), text, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * One owner per processing directory, on any shared file system: `flock` does not hold across the nodes of
 * NFS or Lustre, but creating a hard link is atomic there (a second link to the same name fails with
 * EEXIST on every client). The owner renews its lease by touching the file every third of the lease; a
 * contender that sees it renewed is refused, one that sees it unchanged for a whole lease (its owner died,
 * or its node is cut off) takes it over. Who renewed is judged by the file's change, never by comparing
 * clocks of two nodes, except for a lease older than two lease periods by this node's clock.
 */
export class DirectoryLease {
  private readonly path: string;
  private readonly holder: LeaseHolder;
  private timer: NodeJS.Timeout | undefined;
  private lost: NotOwnerError | undefined;
  private released = false;

  private constructor(private readonly options: LeaseOptions) {
    this.path = join(options.dir, LEASE_FILE);
    const node = options.env['SLURMD_NODENAME'];
    const batchJob = batchJobOf(options.env);
    this.holder = {
      envoy: options.envoy,
      runId: options.runId,
      host: hostname(),
      ...(node ? { node } : {}),
      pidNamespace: pidNamespace(),
      pid: process.pid,
      ...(batchJob ? { batchJob } : {}),
      since: new Date().toISOString(),
      token: randomBytes(12).toString('hex'),
    };
  }

  get file(): string {
    return this.path;
  }

  /** The holding this run is refused or has lost, if so. */
  get lostTo(): NotOwnerError | undefined {
    return this.lost;
  }

  /**
   * Takes the lease of `dir`, waiting at most one lease period to learn whether a present holder is alive.
   * Resolves undefined when the directory cannot hold a lease (missing: the audit says so; read-only:
   * nobody can write there, so nobody else owns it either). Throws NotOwnerError naming the live holder.
   */
  static async acquire(options: LeaseOptions): Promise<DirectoryLease | undefined> {
    const lease = new DirectoryLease(options);
    return (await lease.take()) ? lease : undefined;
  }

  private async take(): Promise<boolean> {
    const body = JSON.stringify(this.holder, null, 2) + '\n';
    const temporary = join(this.options.dir, `.envoys-lease.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, body, { flag: 'wx' });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        if (code !== 'ENOENT' && code !== 'ENOTDIR') this.options.log('warn', `cannot hold a lease in ${this.options.dir} (${code}): running without one`);
        return false;
      }
      throw outputError(error, `the lease ${temporary}`);
    }
    try {
      for (;;) {
        try {
          await link(temporary, this.path);
          this.startRenewing();
          return true;
        } catch (error) {
          if (errnoCode(error) !== 'EEXIST') throw error;
        }
        const seen = await look(this.path);
        if (!seen) continue; // released just now
        const gone = await this.stale(seen);
        if (gone) {
          await this.takeOver(seen, gone);
          continue;
        }
        const again = await look(this.path);
        // Changed while watched: released or taken over by a third run, so look again; else renewed.
        if (again && again.text === seen.text) throw this.refusal(seen);
      }
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  /**
   * Why the holder seen is gone (dead on this host, or its lease unrenewed for a whole lease period), or
   * undefined when it is alive or the lease changed meanwhile (the caller looks again).
   */
  private async stale(seen: Seen): Promise<string | undefined> {
    const { leaseMs } = this.options;
    const unrenewed = `its lease was not renewed for ${Math.round(leaseMs / 100) / 10} s`;
    const holder = seen.holder;
    if (!holder) {
      // A lease file some other program wrote, or torn: as old as its file.
      return Date.now() - seen.mtimeMs > leaseMs ? unrenewed : undefined;
    }
    if (holder.host === this.holder.host && holder.pidNamespace === this.holder.pidNamespace && holder.pidNamespace !== 'unknown') {
      if (!writerAlive(holder.pid, Date.parse(holder.since) || seen.mtimeMs)) return 'that process is gone';
    }
    if (Date.now() - seen.mtimeMs > 2 * leaseMs) return unrenewed;
    // Watch it for one lease period: a live owner touches it every third of one.
    const until = Date.now() + leaseMs;
    const poll = Math.min(1000, Math.max(50, leaseMs / 10));
    while (Date.now() < until) {
      if (!(await sleep(poll, this.options.signal))) throw this.options.signal?.reason ?? new Error('aborted');
      const now = await look(this.path);
      if (!now || now.text !== seen.text) return undefined; // released or taken: the caller looks again
      if (now.mtimeMs !== seen.mtimeMs) return undefined; // renewed: alive
    }
    return unrenewed;
  }

  /** Moves the stale lease aside (atomic: one contender wins), then the caller links its own. */
  private async takeOver(seen: Seen, why: string): Promise<void> {
    // Named as a temporary of this process: a run killed right here leaves nothing a rerun keeps.
    const aside = join(this.options.dir, `.envoys-lease-aside.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await rename(this.path, aside);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return; // another contender was faster
      throw error;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== seen.text) {
      // Between our look and the rename, another contender took it over: give its lease back.
      await link(aside, this.path).catch(() => undefined);
    } else {
      this.options.log('info', `took over the lease of ${this.options.dir} from ${seen.holder ? holderText(seen.holder) : 'an unreadable lease'}: ${why}`);
    }
    await unlink(aside).catch(() => undefined);
  }

  private refusal(seen: Seen): NotOwnerError {
    const owner = seen.holder ? holderText(seen.holder) : 'another run';
    return new NotOwnerError(`${this.options.dir} is owned by ${owner}; refusing to work on it (its lease is renewed; a lease left by a run that died is taken over after ${Math.round(this.options.leaseMs / 1000)} s)`);
  }

  private startRenewing(): void {
    const every = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.lost || this.released) return;
    if (await this.stillOurs()) {
      const now = new Date();
      await utimes(this.path, now, now).catch(() => undefined);
    }
  }

  /**
   * Whether the lease is still this run's; when it is not, stops renewing, remembers why and tells
   * onLost (once). Called by every renewal and before the run's outcome is decided.
   */
  async stillOurs(): Promise<boolean> {
    if (this.lost) return false;
    if (this.released) return true;
    const seen = await look(this.path).catch(() => undefined);
    if (seen?.holder?.token === this.holder.token) return true;
    if (this.lost) return false;
    clearInterval(this.timer);
    const by = seen?.holder ? `taken over by ${holderText(seen.holder)}` : 'removed by someone else';
    this.lost = new NotOwnerError(`lost ownership of ${this.options.dir}: its lease was ${by}; stopped, and wrote nothing more there`);
    this.options.onLost(this.lost);
    return false;
  }

  /** Gives the directory up: removes the lease if it is still this run's. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.released || this.lost) return;
    this.released = true;
    const seen = await look(this.path).catch(() => undefined);
    if (seen?.holder?.token === this.holder.token) await unlink(this.path).catch(() => undefined);
  }
}
