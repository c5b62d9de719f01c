import { join } from 'node:path';
import { removeOwnTemporaries, removeStaleTemporaries } from '../files/stale-temporaries';
import type { StartedRun } from './scope';

/** The temporaries of the directories a run writes into: those dead runs left, and its own after a stop. */
export class Temporaries {
  /** Directories this run writes into (its own, and those its launcher cleaned before writing). */
  private readonly writtenDirs = new Set<string>();

  constructor(private readonly run: StartedRun) {}

  /** Removes what runs killed outright left in `dir`, logging and reporting it (`details.removedTemporaries`). */
  async removeStale(dir: string): Promise<void> {
    this.writtenDirs.add(dir);
    const { removed, kept } = await removeStaleTemporaries(dir);
    const log = this.run.logger.child('cleanup');
    if (removed.length > 0) {
      this.run.record.appendDetail('removedTemporaries', removed.map((name) => join(dir, name)));
      log.info(`removed ${removed.length} temporar${removed.length === 1 ? 'y' : 'ies'} left in ${dir} by runs that died: ${removed.join(', ')}`);
    }
    if (kept.length > 0) log.warn(`could not remove temporaries left in ${dir} by runs that died: ${kept.join(', ')}`);
  }

  /**
   * A step abandoned after a stop signal may have been writing: its temporaries (this process's, in every
   * directory the run writes into) go before the envoy exits, so that nothing half-written is left.
   */
  async removeOwn(): Promise<void> {
    for (const dir of this.writtenDirs) await removeOwnTemporaries(dir).catch(() => undefined);
  }
}
