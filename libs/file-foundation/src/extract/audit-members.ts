import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ancestors, hasDotDot, isAbsoluteName, memberPath, prefixes, segments } from './member-path';
import type { EntryTypeName, TarMember } from './tar-member';

/** A member that passed the audit, with the path it will have below the destination. */
export interface AuditedMember extends TarMember {
  /** Normalised relative path; '.' is the destination directory itself. */
  readonly path: string;
  /** For a hard link: the normalised path of the member it links to. */
  readonly linkTarget?: string;
}

export interface MemberProblem {
  readonly member: string;
  readonly problem: string;
}

const FILE_TYPES: ReadonlySet<EntryTypeName> = new Set(['File', 'OldFile', 'ContiguousFile']);
const REFUSED_TYPES: Partial<Record<EntryTypeName, string>> = {
  CharacterDevice: 'is a character device',
  BlockDevice: 'is a block device',
  FIFO: 'is a FIFO (named pipe)',
};

/** What the archive will put where: used to reason about links before anything is written. */
interface ArchiveShape {
  readonly symlinks: ReadonlySet<string>;
  /** Every member path and every directory the members imply. */
  readonly paths: ReadonlySet<string>;
  /** Paths of members that are not directories. */
  readonly nonDirectories: ReadonlySet<string>;
}

function shapeOf(members: readonly { path: string; type: EntryTypeName }[]): ArchiveShape {
  const symlinks = new Set<string>();
  const paths = new Set<string>();
  const nonDirectories = new Set<string>();
  for (const { path, type } of members) {
    if (type === 'SymbolicLink') symlinks.add(path);
    if (type !== 'Directory') nonDirectories.add(path);
    for (const prefix of prefixes(path)) paths.add(prefix);
  }
  return { symlinks, paths, nonDirectories };
}

/**
 * A symbolic link is allowed when its target, resolved from the link's own directory the way the kernel does
 * (component by component, so `up/..` goes through `up` before climbing), stays inside the destination without
 * passing through another symbolic link: of the archive (chains make the check unsound) or already in the
 * destination and left there by the extraction (it could point anywhere).
 */
async function symlinkProblem(
  path: string,
  target: string,
  shape: ArchiveShape,
  destination: string | undefined,
): Promise<string | undefined> {
  if (target === '') return 'is a symbolic link without a target';
  if (target.includes('\0')) return 'is a symbolic link whose target has a NUL byte';
  if (isAbsoluteName(target)) return `is a symbolic link to the absolute path ${target}`;
  const outside = `is a symbolic link to ${target}, outside the destination`;
  const stack = segments(posix.dirname(path));
  // Depth from which the destination's own entries no longer matter: the archive replaces the entry there.
  let archiveOnlyFrom = Infinity;
  // Backslashes count as separators: the target may be read on a system where they are.
  for (const part of target.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return outside;
      stack.pop();
      if (stack.length < archiveOnlyFrom) archiveOnlyFrom = Infinity;
      continue;
    }
    stack.push(part);
    const here = stack.join('/');
    if (shape.symlinks.has(here)) return `is a symbolic link to ${target}, through the archive's symbolic link ${here}`;
    if (destination === undefined || stack.length > archiveOnlyFrom) continue;
    const existing = await lstat(join(destination, here)).catch(() => undefined);
    if (existing?.isSymbolicLink() && !shape.paths.has(here)) {
      return `is a symbolic link to ${target}, through ${here}, an existing symbolic link in the destination`;
    }
    if (!existing || !existing.isDirectory()) archiveOnlyFrom = stack.length;
  }
  return undefined;
}

function hardLinkProblem(target: string, earlierFiles: ReadonlySet<string>): { problem?: string; linkTarget?: string } {
  if (target === '') return { problem: 'is a hard link without a target' };
  if (target.includes('\0')) return { problem: 'is a hard link whose target has a NUL byte' };
  if (isAbsoluteName(target)) return { problem: `is a hard link to the absolute path ${target}` };
  if (hasDotDot(target)) return { problem: `is a hard link to ${target}, outside the destination` };
  const normalised = memberPath(target);
  if ('problem' in normalised || !earlierFiles.has(normalised.path)) {
    return { problem: `is a hard link to ${target}, which is not a file earlier in the archive` };
  }
  return { linkTarget: normalised.path };
}

/**
 * Audits every member of an archive before anything is written (CONTRACT 4.6) and returns every problem found, in
 * archive order. Allowed: regular files, directories, symbolic links that stay inside, hard links to a file
 * the archive has already extracted. Refused: absolute names, any `..`, links leading outside (also through
 * another link), devices, FIFOs and every other type, members below a symbolic link or below a file.
 *
 * `destination` is the real path of the destination directory when it exists, to see links already in it.
 */
export async function auditMembers(
  members: readonly TarMember[],
  destination: string | undefined,
): Promise<{ audited: AuditedMember[]; problems: MemberProblem[] }> {
  const problems: MemberProblem[] = [];
  const named: { member: TarMember; path: string; type: EntryTypeName }[] = [];
  for (const member of members) {
    const checked = memberPath(member.name);
    if ('problem' in checked) problems.push({ member: member.name, problem: checked.problem });
    else named.push({ member, path: checked.path, type: member.type });
  }
  const shape = shapeOf(named);
  const earlierFiles = new Set<string>();
  const audited: AuditedMember[] = [];
  for (const { member, path, type } of named) {
    const refuse = (problem: string): void => {
      problems.push({ member: member.name, problem });
    };
    const refused = REFUSED_TYPES[type];
    if (refused) {
      refuse(refused);
      continue;
    }
    if (!FILE_TYPES.has(type) && type !== 'Directory' && type !== 'SymbolicLink' && type !== 'Link') {
      refuse(`has a type this extraction does not support (${type})`);
      continue;
    }
    if (path === '.' && type !== 'Directory') {
      refuse('would replace the destination directory itself');
      continue;
    }
    const enclosingLink = ancestors(path).find((ancestor) => shape.symlinks.has(ancestor));
    if (enclosingLink !== undefined) {
      refuse(`lies below ${enclosingLink}, which the archive makes a symbolic link`);
      continue;
    }
    const enclosingFile = ancestors(path).find((ancestor) => shape.nonDirectories.has(ancestor));
    if (enclosingFile !== undefined) {
      refuse(`lies below ${enclosingFile}, which the archive makes a file`);
      continue;
    }
    if (type === 'SymbolicLink') {
      const problem = await symlinkProblem(path, member.linkpath ?? '', shape, destination);
      if (problem) {
        refuse(problem);
        continue;
      }
    }
    let linkTarget: string | undefined;
    if (type === 'Link') {
      const checked = hardLinkProblem(member.linkpath ?? '', earlierFiles);
      if (checked.problem) {
        refuse(checked.problem);
        continue;
      }
      linkTarget = checked.linkTarget;
    }
    if (FILE_TYPES.has(type) || type === 'Link') earlierFiles.add(path);
    else earlierFiles.delete(path);
    audited.push({ ...member, path, linkTarget });
  }
  return { audited, problems };
}
