import { createHash } from 'node:crypto';
import { InvalidInputError, writeFileAtomic } from '@envoys/envoy-core';
import { loadTarHeaders } from './load-tar';
import { headerBlocks } from './tar-header';
import type { CreatedTar } from './create-tar';

/** A small file held in memory (a manifest, a metadata file) to be put into a tar. */
export interface TarMemberBytes {
  /** Path inside the archive, relative, `/`-separated. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

const BLOCK = 512;

/**
 * Writes a tar of in-memory members to `target` atomically (flushed, then renamed; 73 when it cannot be
 * written) with the same portable headers as createTar, and returns its size and SHA-256. For records whose
 * bytes must be exactly those about to be written elsewhere (an ingestion manifest and the tar that carries a
 * copy of it): made from the bytes, not from a file that would have to exist first. Everything is held in
 * memory, so this is for small members only. A name that is empty, absolute or climbs with `..` is 65.
 */
export async function createTarOfBytes(
  target: string,
  members: readonly TarMemberBytes[],
  options: { readonly mtime: Date },
): Promise<CreatedTar> {
  const tar = await loadTarHeaders();
  // A Date of this module's realm: node-tar tests `instanceof Date` (see tar-items).
  const mtime = new Date(options.mtime.getTime());
  const parts: Uint8Array[] = [];
  for (const { name, bytes } of members) {
    if (name === '' || name.startsWith('/') || name.split('/').includes('..') || name.includes('\0')) {
      throw new InvalidInputError(`tar member name ${JSON.stringify(name)} must be a relative path`);
    }
    const item = { name, absolute: '', kind: 'file', size: bytes.length, mode: 0o644, mtime } as const;
    parts.push(headerBlocks(tar, item), bytes, new Uint8Array((BLOCK - (bytes.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const data = Buffer.concat(parts);
  await writeFileAtomic(target, data);
  return { target, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), members: members.length };
}
