import type { ReadEntry } from 'tar';

/** node-tar's name of a member type ('File', 'Directory', 'SymbolicLink', 'Link', 'FIFO', ...). */
export type EntryTypeName = ReadEntry['type'];
import { loadTar, type TarModule } from '../tar/load-tar';
import { TarParseError, TarRefusedError, streamTar } from './stream-tar';

/** The most members an archive may have: a calibration has hundreds or thousands. */
export const MAX_MEMBERS = 250_000;
/** The most characters all member names and link targets may have together. */
export const MAX_NAME_CHARS = 32 * 1024 * 1024;

/**
 * A strict parser that reads plain tar only: streamTar inflates gzip itself, with back-pressure, and node-tar
 * must not inflate anything in memory on its own (zstd and brotli are not calibration tar formats).
 */
export function newParser(Parser: TarModule['Parser']): InstanceType<TarModule['Parser']> {
  return new Parser({ strict: true, zstd: false, brotli: false });
}

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
  let nameChars = 0;
  const parser = newParser(Parser);
  const stream = streamTar(tarPath, parser, signal);
  parser.on('entry', (entry: ReadEntry) => {
    const member = memberOf(entry);
    members.push(member);
    nameChars += member.name.length + (member.linkpath?.length ?? 0);
    entry.resume();
    // The audit needs every name at once: their number and length bound the memory it takes.
    if (members.length > MAX_MEMBERS) stream.stop(new TarRefusedError(`has more than ${MAX_MEMBERS} members, more than any calibration`));
    else if (nameChars > MAX_NAME_CHARS) stream.stop(new TarRefusedError(`has member names of more than ${MAX_NAME_CHARS / (1024 * 1024)} MiB together`));
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    stream.stop(new TarParseError(new Error(`an extended header of "${entry.path}" is too large to read`)));
  });
  await stream.done;
  return members;
}
