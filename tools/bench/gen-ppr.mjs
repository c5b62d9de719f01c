#!/usr/bin/env node
// Writes a PPR of about SIZE MiB: the VLA example with its procedure repeated (ProcessingCommands with
// parameters, as a runaway workflow would write), a valid request the audit must read to its end.
// KIND `hostile`: instead, well-formed markup as costly to read as it gets, inside an element the audit does
// not read (tags with many attributes and entity references, comments, CDATA sections holding "]]",
// processing instructions, character references, a namespace declaration per unit, nesting 200 deep);
// `hostile-broken`: the same with its last end tag malformed (`</ Hostile>`), found only at the end.
// Usage: node tools/bench/gen-ppr.mjs OUT SIZE_MIB [hostile|hostile-broken]
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [out, sizeText, kind = 'commands'] = process.argv.slice(2);
const size = Number(sizeText) * 1024 * 1024;
if (!out || !(size > 0) || !['commands', 'hostile', 'hostile-broken'].includes(kind)) {
  console.error('usage: gen-ppr.mjs OUT SIZE_MIB [hostile|hostile-broken]');
  process.exit(2);
}
const example = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/examples/PPR.xml'), 'utf8');

function commands() {
  const cut = example.indexOf('<ProcessingCommand>');
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
  return { head: example.slice(0, cut), block: command.repeat(1000), tail: example.slice(cut) };
}

function hostile(broken) {
  const cut = example.indexOf('<ProcessingRequests>');
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
  const end = broken ? '</ Hostile>\n' : '</Hostile>\n';
  return { head: `${example.slice(0, cut)}<Hostile>\n`, block: (unit.repeat(20) + deep).repeat(50), tail: `${end}${example.slice(cut)}` };
}

const { head, block, tail } = kind === 'commands' ? commands() : hostile(kind === 'hostile-broken');
const fd = openSync(out, 'w');
writeSync(fd, head);
let written = head.length + tail.length;
while (written + block.length < size) {
  writeSync(fd, block);
  written += block.length;
}
writeSync(fd, tail);
closeSync(fd);
console.log(`${out}: ${(written / 1024 / 1024).toFixed(1)} MiB`);
