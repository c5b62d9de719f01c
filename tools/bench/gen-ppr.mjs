#!/usr/bin/env node
// Writes a PPR of about SIZE MiB: the VLA example with its procedure repeated (ProcessingCommands with
// parameters, as a runaway workflow would write), a valid request the audit must read to its end.
// Usage: node tools/bench/gen-ppr.mjs OUT SIZE_MIB
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [out, sizeText] = process.argv.slice(2);
const size = Number(sizeText) * 1024 * 1024;
if (!out || !(size > 0)) {
  console.error('usage: gen-ppr.mjs OUT SIZE_MIB');
  process.exit(2);
}
const example = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/examples/PPR.xml'), 'utf8');
const cut = example.indexOf('<ProcessingCommand>');
const [head, tail] = [example.slice(0, cut), example.slice(cut)];
const command = [
  '<ProcessingCommand>',
  '    <Command>hifv_flagdata</Command>',
  '    <ParameterSet>',
  '        <Parameter><Keyword>hm_tbuff</Keyword><Value>1.5int</Value></Parameter>',
  '        <Parameter><Keyword>intents</Keyword><Value>*POINTING*,*FOCUS*,*ATMOSPHERE*</Value></Parameter>',
  '    </ParameterSet>',
  '</ProcessingCommand>',
  '                ',
].join('\n');
const fd = openSync(out, 'w');
writeSync(fd, head);
let written = head.length + tail.length;
const block = command.repeat(1000);
while (written + block.length < size) {
  writeSync(fd, block);
  written += block.length;
}
writeSync(fd, tail);
closeSync(fd);
console.log(`${out}: ${(written / 1024 / 1024).toFixed(1)} MiB`);
