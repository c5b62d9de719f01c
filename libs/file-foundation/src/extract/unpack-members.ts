import { lstat, link, mkdir, open, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReadEntry } from 'tar';
import { InvalidInputError } from '@envoys/envoy-core';
import { loadTar } from '../tar/load-tar';
import type { AuditedMember } from './audit-members';
import { memberOf, newParser, sameMember } from './tar-member';
import { streamTar } from './stream-tar';

/** A failure to write a member, kept apart from parse failures so it maps to exit 73. */
export class MemberWriteError extends Error {
  constructor(
    readonly member: string,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

// Only permission bits: set-id and sticky bits from an archive are never honoured. Directories stay usable by
// their owner whatever the archive says, or their own members could not be written into them.
function fileMode(member: AuditedMember): number {
  return member.mode === undefined ? 0o644 : member.mode & 0o777;
}

function directoryMode(member: AuditedMember): number {
  return member.mode === undefined ? 0o755 : (member.mode & 0o777) | 0o700;
}

/** Makes room for a non-directory member: an earlier member of the same name goes (a directory only if empty). */
async function clear(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (!existing) return;
  if (existing.isDirectory()) await rmdir(path);
  else await unlink(path);
}

async function writeFile(
  entry: ReadEntry,
  target: string,
  member: AuditedMember,
  stopped: () => boolean,
): Promise<void> {
  // 'wx' refuses to open anything already there, a symbolic link included: bytes never go through a link.
  const handle = await open(target, 'wx', fileMode(member));
  try {
    for await (const chunk of entry) {
      const data = chunk as Buffer;
      let offset = 0;
      while (offset < data.length) offset += (await handle.write(data, offset)).bytesWritten;
      // Checked before asking for the next chunk: after a stop no chunk will ever come.
      if (stopped()) break;
    }
    if (stopped()) throw new Error('extraction stopped');
    if (member.mtime) await handle.utimes(member.mtime, member.mtime);
  } finally {
    await handle.close();
  }
}

async function writeMember(
  entry: ReadEntry,
  member: AuditedMember,
  root: string,
  stopped: () => boolean,
): Promise<void> {
  const target = join(root, member.path);
  if (member.type === 'Directory') {
    entry.resume();
    if (member.path !== '.') await mkdir(target, { recursive: true, mode: directoryMode(member) });
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  await clear(target);
  if (member.type === 'SymbolicLink') {
    entry.resume();
    await symlink(member.linkpath ?? '', target);
  } else if (member.type === 'Link') {
    entry.resume();
    await link(join(root, member.linkTarget ?? ''), target);
  } else {
    await writeFile(entry, target, member, stopped);
  }
}

/**
 * Second pass: writes the audited members into `root` (a fresh, private directory), reading the archive again.
 * Every entry must be the member the audit saw, in the same order; a tar that changed in between is refused.
 * Members are written one at a time, and this settles only when none is being written any more, so the
 * caller may then remove `root`.
 */
export async function unpackMembers(
  tarPath: string,
  root: string,
  members: readonly AuditedMember[],
  signal?: AbortSignal,
): Promise<void> {
  const { Parser } = await loadTar();
  const parser = newParser(Parser);
  const stream = streamTar(tarPath, parser, signal);
  let index = 0;
  let work: Promise<void> = Promise.resolve();
  let failure: unknown;
  let halted = false;
  let current: ReadEntry | undefined;
  const changed = (): InvalidInputError =>
    new InvalidInputError(`${tarPath} changed while it was being extracted; nothing was extracted`);
  // Stops the member being written too: its data will not arrive once reading has stopped.
  const halt = (): void => {
    halted = true;
    current?.destroy();
  };

  parser.on('entry', (entry: ReadEntry) => {
    const member = members[index++];
    work = work.then(async () => {
      if (halted) {
        entry.resume();
        return;
      }
      current = entry;
      try {
        if (!member || !sameMember(member, memberOf(entry))) throw changed();
        await writeMember(entry, member, root, () => halted);
      } catch (error) {
        if (!halted) {
          const path = member?.path ?? entry.path;
          failure = error instanceof InvalidInputError ? error : new MemberWriteError(path, error);
          halt();
          stream.stop(failure);
        }
        entry.resume();
      } finally {
        current = undefined;
      }
    });
  });
  let streamFailure: unknown;
  try {
    await stream.done;
  } catch (error) {
    streamFailure = error;
    halt();
  }
  await work;
  if (failure !== undefined) throw failure;
  if (streamFailure !== undefined) throw streamFailure;
  if (index !== members.length) throw changed();
}
