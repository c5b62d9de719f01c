import { writeFileSync } from 'node:fs';

/** One member of a hand-made tar: any name, any type, so tests can build the hostile archives tools refuse to make. */
export interface RawTarEntry {
  readonly name: string;
  /** '0' file, '1' hard link, '2' symlink, '3' character device, '4' block device, '5' directory, '6' FIFO. */
  readonly type: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  readonly content?: string;
  readonly linkname?: string;
  readonly mode?: number;
}

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

/** Writes a ustar archive with exactly the given members (no checks, no normalisation). */
export function writeRawTar(file: string, entries: readonly RawTarEntry[]): void {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.type === '0' ? (entry.content ?? '') : '');
    const header = Buffer.alloc(512);
    field(header, 0, 100, entry.name);
    field(header, 100, 8, octal(entry.mode ?? (entry.type === '5' ? 0o755 : 0o644), 8));
    field(header, 108, 8, octal(0, 8));
    field(header, 116, 8, octal(0, 8));
    field(header, 124, 12, octal(content.length, 12));
    field(header, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
    header.fill(' ', 148, 156);
    field(header, 156, 1, entry.type);
    field(header, 157, 100, entry.linkname ?? '');
    field(header, 257, 6, 'ustar\0');
    field(header, 263, 2, '00');
    field(header, 265, 32, 'root');
    field(header, 297, 32, 'root');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(header, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  writeFileSync(file, Buffer.concat(blocks));
}
