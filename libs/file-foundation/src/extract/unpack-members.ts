import { lstat, link, mkdir, open, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReadEntry } from 'tar';
import { InvalidInputError } from '@envoys/envoy-core';
import { loadTar } from '../tar/load-tar';
import type { AuditedMember } from './audit-members';
import { memberOf, sameMember } from './tar-member';
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

async function writeFile(entry: ReadEntry, target: string, member: AuditedMember): Promise<void> {
  // 'wx' refuses to open anything already there, a symbolic link included: bytes never go through a link.
  const handle = await open(target, 'wx', fileMode(member));
  try {
    for await (const chunk of entry) {
      const data = chunk as Buffer;
      let offset = 0;
      while (offset < data.length) offset += (await handle.write(data, offset)).bytesWritten;
    }
    if (member.mtime) await handle.utimes(member.mtime, member.mtime);
  } finally {
    await handle.close();
  }
}

async function writeMember(entry: ReadEntry, member: AuditedMember, root: string): Promise<void> {
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
    await writeFile(entry, target, member);
  }
}

/**
 * Second pass: writes the audited members into `root` (a fresh, private directory), reading the archive again.
 * Every entry must be the member the audit saw, in the same order; a tar that changed in between is refused.
 * Members are written one at a time, so when this rejects nothing is still being written.
 */
export async function unpackMembers(
  tarPath: string,
  root: string,
  members: readonly AuditedMember[],
  signal?: AbortSignal,
): Promise<void> {
  const { Parser } = await loadTar();
  const parser = new Parser({ strict: true });
  const stream = streamTar(tarPath, parser, signal);
  let index = 0;
  let work: Promise<void> = Promise.resolve();
  let failed = false;
  const changed = (): InvalidInputError =>
    new InvalidInputError(`${tarPath} changed while it was being extracted; nothing was extracted`);

  parser.on('entry', (entry: ReadEntry) => {
    const member = members[index++];
    work = work.then(async () => {
      if (failed) {
        entry.resume();
        return;
      }
      try {
        if (!member || !sameMember(member, memberOf(entry))) throw changed();
        await writeMember(entry, member, root);
      } catch (error) {
        failed = true;
        entry.resume();
        stream.stop(error instanceof InvalidInputError ? error : new MemberWriteError(member?.path ?? entry.path, error));
      }
    });
  });
  try {
    await stream.done;
  } finally {
    // Whatever happened, let the member being written finish or fail before the caller removes `root`.
    await work;
  }
  if (index !== members.length) throw changed();
}
