#!/usr/bin/env node
// Writes the gzipped calibration tars of the restore memory benchmark (tools/bench/restore-bomb.sh):
//   node tools/bench/gen-bomb-tar.mjs OUT.tgz KIND MIB
// KIND: `sparse` (each 1 MiB file starts with 1.5 KiB of random bytes, then zeros: a 2.7 MB .tgz holds 1000 MiB),
// `zeros` (one file of zeros: about 1 KiB of gzip per MiB, a compression ratio above 1000), `random`
// (incompressible). The tar is written by hand, streamed through gzip: nothing is held in memory.
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createGzip, constants } from 'node:zlib';

const [out, kind, mibText] = process.argv.slice(2);
const MiB = 1024 * 1024;
const mib = Number(mibText);
if (!out || !['sparse', 'zeros', 'random'].includes(kind) || !(mib > 0)) {
  console.error('usage: gen-bomb-tar.mjs OUT.tgz sparse|zeros|random MIB');
  process.exit(2);
}

function header(name, size) {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(size.toString(8).padStart(11, '0') + '\0', 124);
  block.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136);
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return block;
}

const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
const file = createWriteStream(out);
gzip.pipe(file);
async function write(buffer) {
  if (!gzip.write(buffer)) await once(gzip, 'drain');
}

const zeros = Buffer.alloc(MiB);
const files = kind === 'zeros' ? [{ name: 'caltables/zeros.bin', mib }] : Array.from({ length: mib }, (_, i) => ({ name: `caltables/t${String(i).padStart(5, '0')}.bin`, mib: 1 }));
for (const entry of files) {
  await write(header(entry.name, entry.mib * MiB));
  for (let i = 0; i < entry.mib; i += 1) {
    if (kind === 'random') await write(randomBytes(MiB));
    else if (kind === 'sparse') {
      await write(randomBytes(1536));
      await write(zeros.subarray(1536));
    } else await write(zeros);
  }
}
await write(Buffer.alloc(1024));
gzip.end();
await once(file, 'close');
