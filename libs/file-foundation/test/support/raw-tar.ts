import { Header, Pax, type ReadEntry } from 'tar';

/** One member of a hand-made archive: anything a hostile tar may contain. */
export interface RawMember {
  readonly path: string;
  readonly type?: ReadEntry['type'];
  readonly linkpath?: string;
  readonly body?: string | Buffer;
  readonly mode?: number;
}

/**
 * Writes tar bytes member by member with node-tar's header encoder, which writes names as given: absolute
 * paths, `..`, links anywhere, devices, FIFOs. (node-tar's own create() would sanitise them.)
 */
export function rawTar(members: readonly RawMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const type = member.type ?? 'File';
    const body = Buffer.from(member.body ?? '');
    const header = new Header({
      path: member.path,
      type,
      linkpath: member.linkpath,
      mode: member.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      size: type === 'File' ? body.length : 0,
      mtime: new Date('2024-01-02T03:04:05Z'),
      uid: 1000,
      gid: 1000,
    });
    if (header.encode()) {
      blocks.push(new Pax({ path: member.path, linkpath: member.linkpath }).encode());
    }
    if (!header.block) throw new Error('header not encoded');
    blocks.push(header.block);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
