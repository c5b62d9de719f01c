#!/usr/bin/env node
// Writes a PPR of about SIZE MiB that is well-formed but as costly to read as markup gets: the VLA example
// with, inside an element the audit does not read, tags with many attributes and entity references,
// comments, CDATA sections holding "]]", processing instructions, character references, a namespace
// declaration per unit and nesting 200 deep. With `broken`, its last end tag is malformed (`</ Hostile>`), so
// the whole file is read before the one problem is found.
// Usage: node tools/bench/gen-hostile-ppr.mjs OUT SIZE_MIB [broken]
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [out, sizeText, broken] = process.argv.slice(2);
const size = Number(sizeText) * 1024 * 1024;
if (!out || !(size > 0)) {
  console.error('usage: gen-hostile-ppr.mjs OUT SIZE_MIB [broken]');
  process.exit(2);
}
const example = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/examples/PPR.xml'), 'utf8');
const cut = example.indexOf('<ProcessingRequests>');
const [head, tail] = [example.slice(0, cut), example.slice(cut)];
const unit = [
  '<Junk a="1" b="&amp;&lt;&gt;" c=\'q"q\' d="]]>" e="&#233;&#x65E5;" f="x y z" g="1" h="2" i="3" j="4">',
  '<!-- a comment ] ]] - with <markup> & such -->',
  '<![CDATA[ ]] ]]] <not-a-tag> & ]]>',
  '<?pi some data ? > ?>',
  'text &amp; more &#x1F600; ]] ] ]]&gt; 日本 é',
  '<e/><e x="1"/><ns:e xmlns:ns="urn:x" ns:a="1"/>',
  '</Junk>\n',
].join('');
const deep = `${'<d>'.repeat(200)}x${'</d>'.repeat(200)}\n`;
const block = (unit.repeat(20) + deep).repeat(50);
const fd = openSync(out, 'w');
writeSync(fd, `${head}<Hostile>\n`);
let written = head.length + tail.length;
while (written + block.length < size) {
  writeSync(fd, block);
  written += block.length;
}
writeSync(fd, broken ? '</ Hostile>\n' : '</Hostile>\n');
writeSync(fd, tail);
closeSync(fd);
console.log(`${out}: ${(written / 1024 / 1024).toFixed(1)} MiB`);
