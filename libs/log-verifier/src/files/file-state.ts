import type { Stats } from 'node:fs';

/**
 * What is remembered of a file to tell later whether it is new or changed. ctime is included because it
 * moves on every write even when a tool restores mtime (tar extraction does).
 */
export interface FileState {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

export function fileState(stats: Stats): FileState {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

/** True when the file did not exist before or any recorded property differs. */
export function isNewOrChanged(before: FileState | undefined, now: FileState): boolean {
  return (
    before === undefined ||
    before.size !== now.size ||
    before.mtimeMs !== now.mtimeMs ||
    before.ctimeMs !== now.ctimeMs ||
    before.ino !== now.ino
  );
}
