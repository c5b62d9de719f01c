import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { casaEnvoy, MODE_ARGS } from './support/casa-envoy';
import { makeProcessingDir, pprFor } from './support/processing-dir';

const base = pprFor('standard-cal');
const prefixEverything = (xml: string) => xml.replace(/<(\/?)(?!\?|!)(?:ns2:)?([A-Za-z])/g, '<$1ns2:$2');

const VARIANTS: Record<string, string | Buffer> = {
  'a namespace prefix on every element': prefixEverything(base),
  'comments and CDATA': base
    .replace('<ProjectSummary>', '<!-- written by the workflow; <RelativePath>not this</RelativePath> -->\n    <ProjectSummary>')
    .replace('<PipelineOperatorAddress>Unknown</PipelineOperatorAddress>', '<PipelineOperatorAddress><![CDATA[ops<at>example]]></PipelineOperatorAddress>'),
  'CRLF line endings': base.replace(/\n/g, '\r\n'),
  'a UTF-8 byte-order mark': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(base)]),
  'odd indentation and multibyte text': base.replace('<Observatory>NRAO</Observatory>', '<Observatory>\tNRAO — Très Grand 日本</Observatory>').replace(/^ {8}/gm, '\t \t'),
  'a self-closing RelativePath and an empty RootDirectory': base.replace(/<RelativePath>[^<]*<\/RelativePath>/, '<RelativePath/>').replace(/<RootDirectory>[^<]*<\/RootDirectory>/, '<RootDirectory></RootDirectory>'),
};

/** Replaces the first match of `pattern` that is not inside a comment. */
function replaceOutsideComments(text: string, pattern: RegExp, replacement: string): string {
  const comments = [...text.matchAll(/<!--[\s\S]*?-->/g)].map((match) => [match.index ?? 0, (match.index ?? 0) + match[0].length]);
  const global = new RegExp(pattern.source, 'g');
  for (const match of text.matchAll(global)) {
    const at = match.index ?? 0;
    if (comments.some(([start, end]) => at >= (start ?? 0) && at < (end ?? 0))) continue;
    return text.slice(0, at) + match[0].replace(pattern, replacement) + text.slice(at + match[0].length);
  }
  return text;
}

/** The original bytes with only the two texts replaced (and a self-closing RelativePath opened). */
function expected(original: Buffer, root: string, relative: string): Buffer {
  const utf8 = (value: string) => Buffer.from(value, 'utf8').toString('latin1');
  let text = original.toString('latin1');
  text = replaceOutsideComments(text, /(<(?:ns2:)?RootDirectory>)[^<]*(<\/(?:ns2:)?RootDirectory>)/, `$1${utf8(root)}$2`);
  text = replaceOutsideComments(text, /(<(?:ns2:)?RelativePath>)[^<]*(<\/(?:ns2:)?RelativePath>)/, `$1${utf8(relative)}$2`);
  text = text.replace(/<RelativePath\/>/, `<RelativePath>${utf8(relative)}</RelativePath>`);
  return Buffer.from(text, 'latin1');
}

// CONTRACT 4.5: working/PPR.xml differs from PPR.xml only in the two texts, byte for byte.
describe('the PPR corrected for HTCondor', () => {
  it.each(Object.keys(VARIANTS))('with %s', async (variant) => {
    const dir = makeProcessingDir({ mode: 'standard-cal', ppr: VARIANTS[variant] });
    const original = readFileSync(join(dir, 'PPR.xml'));
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run']);
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    const run = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const real = realpathSync(dir);
    expect(readFileSync(join(dir, 'working/PPR.xml')).equals(expected(original, dirname(real), basename(real)))).toBe(true);
    expect(readFileSync(join(dir, 'PPR.xml')).equals(original)).toBe(true);
  });

  it('a directory name with XML special characters is escaped in the corrected PPR', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal', name: 'tmp&<x>_' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(0);
    expect(readFileSync(join(dir, 'working/PPR.xml'), 'utf8')).toContain('<RelativePath>tmp&amp;&lt;x&gt;_</RelativePath>');
  });
});
