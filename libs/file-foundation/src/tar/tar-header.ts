import type { TarHeaders } from './load-tar';
import type { TarItem } from './tar-items';

const TYPE = { file: 'File', directory: 'Directory', symlink: 'SymbolicLink', hardlink: 'Link' } as const;

/**
 * Portable permissions, as node-tar writes them: owner may always read and write, nobody else may write,
 * a readable directory is also searchable. Set-id and sticky bits are dropped: an archive of products has no
 * business carrying them.
 */
function portableMode(mode: number, directory: boolean): number {
  let result = ((mode & 0o777) | 0o600) & ~0o022;
  if (directory) {
    if (result & 0o400) result |= 0o100;
    if (result & 0o040) result |= 0o010;
    if (result & 0o004) result |= 0o001;
  }
  return result;
}

/**
 * The header block(s) of one member: a ustar header, preceded by a pax extended header when a name is too long
 * or not ASCII, or a number too large for ustar. Portable: no owner, group, user names, access or change times,
 * so the archive does not depend on who made it.
 */
export function headerBlocks(tar: TarHeaders, item: TarItem): Buffer {
  const path = item.kind === 'directory' ? `${item.name}/` : item.name;
  const header = new tar.Header({
    path,
    linkpath: item.linkpath,
    mode: portableMode(item.mode, item.kind === 'directory'),
    size: item.kind === 'file' ? item.size : 0,
    mtime: item.mtime,
    type: TYPE[item.kind],
  });
  const needPax = header.encode();
  const block = header.block;
  if (!block) throw new Error(`cannot encode the tar header of ${item.name}`);
  if (!needPax) return block;
  const pax = new tar.Pax({ path, linkpath: item.linkpath, size: header.size, mtime: item.mtime }).encode();
  return Buffer.concat([pax, block]);
}
