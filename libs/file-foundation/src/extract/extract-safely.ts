import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CannotCreateError, EnvoyError, errnoCode, inputError, InvalidInputError, outputError, temporaryPathFor } from '@envoys/envoy-core';
import { ensureDirectory } from '../directories/ensure-directory';
import { requireFile } from '../directories/require-path';
import { auditMembers, type AuditedMember } from './audit-members';
import { moveIntoPlace } from './move-into-place';
import { TarParseError, TarReadError, TarRefusedError } from './stream-tar';
import { readMembers } from './tar-member';
import { MemberWriteError, unpackMembers } from './unpack-members';

export interface ExtractOptions {
  /** Only audit the archive (the first pass): nothing is created or changed. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

/** One thing the archive puts below the destination. */
export interface ExtractedEntry {
  /** Path relative to the destination, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Bytes of a regular file; 0 for the others. */
  readonly size: number;
  /** Symbolic link: its target as stored; hard link: the path of the file it shares. */
  readonly linkTarget?: string;
}

// Messages list this many bad members in their detail lines; the rest are counted.
const MAX_LISTED = 20;

function entryOf(member: AuditedMember): ExtractedEntry {
  switch (member.type) {
    case 'Directory':
      return { path: member.path, type: 'directory', size: 0 };
    case 'SymbolicLink':
      return { path: member.path, type: 'symlink', size: 0, linkTarget: member.linkpath };
    case 'Link':
      return { path: member.path, type: 'hardlink', size: 0, linkTarget: member.linkTarget };
    default:
      return { path: member.path, type: 'file', size: member.size };
  }
}

/** What ends up where: the last member of a name wins, listed where the name first appeared. */
function entriesOf(members: readonly AuditedMember[]): ExtractedEntry[] {
  const byPath = new Map<string, ExtractedEntry>();
  for (const member of members) if (member.path !== '.') byPath.set(member.path, entryOf(member));
  return [...byPath.values()];
}

function archiveError(error: unknown, tarPath: string): EnvoyError {
  if (error instanceof EnvoyError) return error;
  if (error instanceof TarReadError) return inputError(error.error, `tar ${tarPath}`);
  if (error instanceof TarRefusedError) return new InvalidInputError(`tar ${tarPath} ${error.message}; nothing was extracted`, [], { cause: error });
  if (error instanceof TarParseError) {
    return new InvalidInputError(`tar ${tarPath} is damaged or not a tar archive: ${error.message}`, [], {
      cause: error.error,
    });
  }
  return outputError(error, `files extracted from ${tarPath}`);
}

/** The real path of the destination, or undefined when it does not exist yet. */
async function existingDirectory(path: string): Promise<string | undefined> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw outputError(error, `extraction directory ${path}`);
  }
  if (!stats.isDirectory()) throw new CannotCreateError(`cannot extract into ${path}: it is not a directory`);
  return realpath(path);
}

/**
 * Extracts a tar (plain or gzip, recognised from its content) into `destDir` safely (CONTRACT 4.6).
 *
 * First pass: every member is listed and audited (see auditMembers); any bad member fails the whole extraction
 * with InvalidInputError (65) naming it, and nothing is written. Second pass: the members are written into a
 * hidden temporary directory inside `destDir` and, when all are there, each top-level entry is renamed into
 * place, so a failure (exit 73 for a full disk or missing permission) leaves no half-extracted tree. Files,
 * directories and links already in `destDir` are never written through: a link in the way is replaced.
 *
 * Returns what the archive holds (also for a dry run, which stops after the audit).
 */
export async function extractSafely(
  tarPath: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractedEntry[]> {
  const { dryRun = false, signal } = options;
  signal?.throwIfAborted();
  await requireFile(tarPath, 'tar');
  let members;
  try {
    members = await readMembers(tarPath, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw archiveError(error, tarPath);
  }
  const destination = await existingDirectory(destDir);
  const { audited, problems } = await auditMembers(members, destination);
  if (problems.length > 0) {
    const [first] = problems;
    const details = problems.slice(0, MAX_LISTED).map((bad) => `member "${bad.member}" ${bad.problem}`);
    if (problems.length > MAX_LISTED) details.push(`... and ${problems.length - MAX_LISTED} more`);
    throw new InvalidInputError(
      `tar ${tarPath}: member "${first?.member}" ${first?.problem}; nothing was extracted`,
      details,
    );
  }
  if (dryRun) return entriesOf(audited);

  let root = destination;
  if (root === undefined) {
    await ensureDirectory(destDir, 'extraction directory');
    root = await realpath(destDir);
  }
  // Named like every temporary (it carries this process's PID), so that a rerun after a crash removes it.
  const staging = temporaryPathFor(join(root, 'extract'));
  try {
    await mkdir(staging, { mode: 0o700 });
  } catch (error) {
    throw outputError(error, `a temporary directory in ${destDir}`);
  }
  try {
    await unpackMembers(tarPath, staging, audited, signal);
    signal?.throwIfAborted();
    await moveIntoPlace(staging, root);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof MemberWriteError) throw outputError(error.error, join(destDir, error.member));
    throw archiveError(error, tarPath);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return entriesOf(audited);
}
