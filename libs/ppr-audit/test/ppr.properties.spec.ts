import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describeTargets, propertyTarget } from '@envoys/testing';
import { correctPpr, readPpr, relativePathFor, type PprElement, type PprReading } from '../src';

// Property targets of the PPR reader and correction: npm test runs each from a fixed seed, `npm run fuzz`
// for minutes. Generated PPRs take the shapes real files take; directory names include any Unicode.

const EXAMPLES = join(__dirname, '../../../tools/fixtures/examples');
const VLA = readFileSync(join(EXAMPLES, 'PPR.xml'), 'utf8');
const ALMA = readFileSync(join(EXAMPLES, 'PPR-alma.xml'), 'utf8');

// XML 1.0 characters only, no surrogate halves: what a file name can be and a PPR can carry.
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** A directory name the correction must handle: job ids, values the pipeline converts, any Unicode. */
const directoryName = fc
  .oneof(
    fc.constantFrom('4711', 'true', 'False', '1e3', 'nan', '-inf', ' 12 ', '1_000', '[1]', '(1,)', '{}', '\u0664\u0667', ' spaced ', 'tmpo1ca1pp_', 'a&b<c>'),
    fc.stringMatching(/^[0-9]{1,9}$/),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }),
  )
  .filter((name) => XML_CHAR.test(name) && !name.includes('/') && name !== '.' && name !== '..');

const segment = fc.stringMatching(/^[A-Za-z0-9._ -]{1,12}$/).filter((name) => name !== '.' && name !== '..');
const rootDirectory = fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);

/** A comment's text: no "--", not ending in "-". */
const commentText = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((text) => XML_CHAR.test(text) && !text.includes('--') && !text.endsWith('-'));

/** The example PPRs, decorated the ways real files differ: BOM, CRLF, comments, CDATA where unread, indentation. */
const pprText = fc
  .record({
    alma: fc.boolean(),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    comment: fc.option(commentText),
    tabs: fc.boolean(),
    cdata: fc.boolean(),
  })
  .map(({ alma, bom, crlf, comment, tabs, cdata }) => {
    let text = alma ? ALMA : VLA;
    if (comment !== null) text = text.replace('<ProjectSummary>', `<!--${comment}--><ProjectSummary>`);
    if (cdata) text = text.replace('<PipelineOperatorAddress>Unknown</PipelineOperatorAddress>', '<PipelineOperatorAddress><![CDATA[ops<at>]]></PipelineOperatorAddress>');
    if (tabs) text = text.replace(/^ {8}/gm, '\t');
    if (crlf) text = text.replace(/\n/g, '\r\n');
    return Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text, 'utf8')]);
  });

const RELATIVE = (reading: PprReading): PprElement | undefined =>
  reading.elements.get('ProcessingRequests/ProcessingRequest/DataSet/RelativePath')?.first ??
  reading.elements.get('ProcessingRequests/ProcessingRequest/DataSet/SchedBlockSet/SchedBlockIdentifier/RelativePath')?.first;
const ROOT = (reading: PprReading): PprElement | undefined => reading.elements.get('ProcessingRequests/RootDirectory')?.first;

/** The bytes outside the contents of the two replaced elements, in order. */
function outside(bytes: Buffer, reading: PprReading): Buffer[] {
  const spans = [ROOT(reading)?.span, RELATIVE(reading)?.span].map((span) => {
    if (!span || span.selfClosing) throw new Error('expected both elements with content');
    return span.content;
  });
  const [first, second] = spans.sort((a, b) => a.start - b.start) as [{ start: number; end: number }, { start: number; end: number }];
  return [bytes.subarray(0, first.start), bytes.subarray(first.end, second.start), bytes.subarray(second.end)];
}

async function withFiles<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ppr-property-'));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the PPR and corrects it for a root and a directory name. */
async function corrected(dir: string, ppr: Buffer, root: string, name: string): Promise<{ source: string; target: string; relativePath: string }> {
  const source = join(dir, 'PPR.xml');
  const target = join(dir, 'corrected.xml');
  writeFileSync(source, ppr);
  const relativePath = relativePathFor(name);
  await correctPpr({ source, target, rootDirectory: root, relativePath });
  return { source, target, relativePath };
}

describeTargets('ppr-audit', [
  propertyTarget<[Buffer, string, string]>({
    name: 'ppr-audit/ppr-correct: a corrected PPR differs from its input only in the two texts, which read back as written',
    arbitrary: fc.tuple(pprText, rootDirectory, directoryName),
    check: ([ppr, root, name]) =>
      withFiles(async (dir) => {
        const { source, target, relativePath } = await corrected(dir, ppr, root, name);
        const before = await readPpr(source);
        const after = await readPpr(target);
        if (after.problems.length > 0) throw new Error(`corrected PPR unreadable: ${after.problems.join('; ')}`);
        const kept = outside(ppr, before);
        const now = outside(readFileSync(target), after);
        for (const [index, part] of kept.entries()) if (!part.equals(now[index] as Buffer)) throw new Error(`bytes changed outside the two texts (part ${index})`);
        if (ROOT(after)?.content.text !== root) throw new Error(`RootDirectory reads ${JSON.stringify(ROOT(after)?.content.text)}`);
        // A carriage return is written as &#13;, which the reader gives back as \r: the text round-trips.
        if (RELATIVE(after)?.content.text !== relativePath) throw new Error(`RelativePath reads ${JSON.stringify(RELATIVE(after)?.content.text)}`);
        if (!readFileSync(source).equals(ppr)) throw new Error('the source changed');
      }),
    regressions: [[Buffer.from(VLA), '/scratch', '4711']],
  }),
  propertyTarget({
    name: 'ppr-audit/ppr-correct: correcting a corrected PPR with the same paths changes nothing',
    arbitrary: fc.tuple(pprText, rootDirectory, directoryName),
    check: ([ppr, root, name]) =>
      withFiles(async (dir) => {
        const { target } = await corrected(dir, ppr, root, name);
        const twice = join(dir, 'twice.xml');
        await correctPpr({ source: target, target: twice, rootDirectory: root, relativePath: relativePathFor(name) });
        if (!readFileSync(target).equals(readFileSync(twice))) throw new Error('a second correction changed the file');
      }),
  }),
  propertyTarget({
    name: 'ppr-audit/ppr-read: any bytes are read without failing, problems on one line, elements at a "<"',
    arbitrary: fc.tuple(pprText, fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 })),
    check: ([ppr, mutations]) =>
      withFiles(async (dir) => {
        const bytes = Buffer.from(ppr);
        for (const { at, byte } of mutations) bytes[at % bytes.length] = byte;
        const path = join(dir, 'PPR.xml');
        writeFileSync(path, bytes);
        const reading = await readPpr(path);
        for (const problem of reading.problems) if (/\n/.test(problem)) throw new Error(`a problem spans lines: ${problem}`);
        // The reader's own trouble (a position it cannot resolve, a parser state it did not expect) shows so.
        for (const problem of reading.problems) if (problem.includes('cannot be read as XML')) throw new Error(`the reader failed: ${problem}`);
        for (const { first } of reading.elements.values()) {
          if (first && bytes[first.at.offset] !== 0x3c) throw new Error(`element at ${first.at.offset} does not start with <`);
        }
      }),
  }),
]);
