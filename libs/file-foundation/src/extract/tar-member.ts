import type { ReadEntry } from 'tar';

/** node-tar's name of a member type ('File', 'Directory', 'SymbolicLink', 'Link', 'FIFO', ...). */
export type EntryTypeName = ReadEntry['type'];
import { loadTar } from '../tar/load-tar';
import { TarParseError, streamTar } from './stream-tar';

/** One member of an archive as its header describes it. */
export interface TarMember {
  /** Name as stored in the archive (after pax and GNU long-name records). */
  readonly name: string;
  readonly type: EntryTypeName;
  /** Link target as stored, for symbolic and hard links. */
  readonly linkpath: string | undefined;
  readonly size: number;
  readonly mode: number | undefined;
  readonly mtime: Date | undefined;
}

export function memberOf(entry: ReadEntry): TarMember {
  return {
    name: entry.path,
    type: entry.type,
    linkpath: entry.linkpath,
    size: entry.size,
    mode: entry.mode,
    mtime: entry.mtime,
  };
}

/** Whether an entry read in the second pass is the member the first pass audited. */
export function sameMember(a: TarMember, b: TarMember): boolean {
  return a.name === b.name && a.type === b.type && a.linkpath === b.linkpath && a.size === b.size;
}

/**
 * Lists every member of a tar (gzip or not) without writing anything. Damage of any kind (a bad header
 * checksum, a truncated archive, an extended header too large to honour) fails the listing: a member the
 * parser would skip or misread is a member nobody audited.
 */
export async function readMembers(tarPath: string, signal?: AbortSignal): Promise<TarMember[]> {
  const { Parser } = await loadTar();
  const members: TarMember[] = [];
  const parser = new Parser({ strict: true });
  const stream = streamTar(tarPath, parser, signal);
  parser.on('entry', (entry: ReadEntry) => {
    members.push(memberOf(entry));
    entry.resume();
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    stream.stop(new TarParseError(new Error(`an extended header of "${entry.path}" is too large to read`)));
  });
  await stream.done;
  return members;
}
