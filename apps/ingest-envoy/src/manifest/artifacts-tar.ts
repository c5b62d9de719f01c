import { createHash } from 'node:crypto';
import { CannotCreateError, writeFileAtomic } from '@envoys/envoy-core';

/** A small file held in memory (the manifest, the additional metadata) to be put into a tar. */
export interface MemoryMember {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const BLOCK = 512;

/**
 * Writes a tar of in-memory members atomically and returns its size and SHA-256. The ingestion artifacts
 * tar must hold exactly the manifest bytes that are about to be written beside it, so it is made from those
 * bytes rather than from a file that would have to exist first (and, if the tar then failed, would mark a
 * staging as finished that is not).
 */
export async function writeMemoryTar(target: string, members: readonly MemoryMember[], mtime: Date): Promise<{ size: number; sha256: string }> {
  // node-tar is loaded when a tar is written, not at start-up: the envoys' cold start is measured.
  const { Header } = await import('tar');
  const parts: Uint8Array[] = [];
  for (const member of members) {
    const header = new Header({ path: member.name, mode: 0o644, size: member.bytes.length, mtime, type: 'File', uid: 0, gid: 0, uname: '', gname: '' });
    // Only short ASCII names come here (fixed names of the envoy's own files): a name needing a PAX
    // extended header is a bug, not an input problem.
    if (header.encode() || !header.block) throw new CannotCreateError(`${target}: member name ${JSON.stringify(member.name)} does not fit a tar header`);
    parts.push(header.block, member.bytes, new Uint8Array((BLOCK - (member.bytes.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const data = Buffer.concat(parts);
  await writeFileAtomic(target, data);
  return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}
