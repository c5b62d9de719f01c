import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { MAX_PPR_BYTES, readPpr, type PprReading } from '../src';
import { EXAMPLE_PPR, replaceOnce, useTempDirs } from './support/files';

const tempDir = useTempDirs();

function writePpr(content: string | Buffer): string {
  const path = join(tempDir(), 'PPR.xml');
  writeFileSync(path, content);
  return path;
}

const first = (reading: PprReading, key: string) => reading.elements.get(key)?.first;
const DATA_SET = 'ProcessingRequests/ProcessingRequest/DataSet';

describe('reading PPR.xml', () => {
  it('collects what the envoy needs from the example PPR, with exact positions', async () => {
    const reading = await readPpr(writePpr(EXAMPLE_PPR), { label: 'PPR.xml' });
    expect(reading.problems).toEqual([]);
    expect(reading.partProblems).toEqual([]);
    expect(reading.root?.name).toBe('ns2:SciPipeRequest');
    expect(first(reading, 'ProjectSummary/Telescope')?.content.text).toBe('EVLA');
    expect(first(reading, 'ProjectSummary/ProposalCode')?.content).toEqual({ nodes: 1, kinds: ['text'], text: 'VLA/null', truncated: false });
    expect(first(reading, 'ProcessingRequests/ProcessingRequest/ProcessingProcedure/ProcedureTitle')?.content.text).toBe('Workspaces Standard Calibration');
    expect(reading.commandCount).toBe(8);
    expect(reading.commands).toContain('hifv_flagdata');

    const rootDirectory = first(reading, 'ProcessingRequests/RootDirectory');
    expect(rootDirectory?.content.text).toBe('/lustre/aoc/cluster/pipeline/docker/workspaces/spool');
    expect(rootDirectory?.at).toMatchObject({ line: 15, column: 9 });
    const element = '<RootDirectory>/lustre/aoc/cluster/pipeline/docker/workspaces/spool</RootDirectory>';
    expect(rootDirectory?.at.offset).toBe(EXAMPLE_PPR.indexOf(element));
    expect(rootDirectory?.span).toEqual({
      selfClosing: false,
      element: { start: EXAMPLE_PPR.indexOf(element), end: EXAMPLE_PPR.indexOf(element) + element.length },
      content: {
        start: EXAMPLE_PPR.indexOf(element) + '<RootDirectory>'.length,
        end: EXAMPLE_PPR.indexOf(element) + element.length - '</RootDirectory>'.length,
      },
    });

    expect(reading.elements.get(DATA_SET)?.count).toBe(1);
    expect(first(reading, `${DATA_SET}/RelativePath`)?.content.text).toBe('tmpo1ca1pp_');
    expect(first(reading, `${DATA_SET}/SdmIdentifier`)?.content.text).toBe('brain_000.58099.67095825232');
    expect(first(reading, `${DATA_SET}/RelativePath`)?.at).toMatchObject({ line: 68, column: 17 });
  });

  it("sees element content as the pipeline's reader does: nodes, CDATA, comments, untrimmed text", async () => {
    const text = EXAMPLE_PPR.replace('<Operator>vlapipe</Operator>', '<Operator><![CDATA[vla]]>pipe</Operator>')
      .replace('<Mode>SCIENCE</Mode>', '<Mode>SCI<![CDATA[]]>ENCE</Mode>')
      .replace('<ProcessingSite>Socorro</ProcessingSite>', '<ProcessingSite> Socorro <!-- NM --> </ProcessingSite>')
      .replace('<Observatory>NRAO</Observatory>', '<Observatory/>');
    const reading = await readPpr(writePpr(text));
    expect(reading.problems).toEqual([]);
    expect(first(reading, 'ProjectSummary/Operator')?.content).toMatchObject({ nodes: 2, kinds: ['cdata', 'text'] });
    // An empty CDATA section leaves no node: the text around it is one node, as minidom has it.
    expect(first(reading, 'ProjectSummary/Mode')?.content).toMatchObject({ nodes: 1, kinds: ['text'], text: 'SCIENCE' });
    expect(first(reading, 'ProjectSummary/ProcessingSite')?.content).toMatchObject({ nodes: 3, text: ' Socorro  ' });
    expect(first(reading, 'ProjectSummary/Observatory')?.content).toMatchObject({ nodes: 0, text: '' });
  });

  it('matches elements by local name whatever their namespace prefix', async () => {
    const prefixed = EXAMPLE_PPR.replace(/<(\/?)(?!ns2:)([A-Za-z])/g, '<$1ns2:$2');
    expect(prefixed).toContain('<ns2:RelativePath>tmpo1ca1pp_</ns2:RelativePath>');
    const reading = await readPpr(writePpr(prefixed));
    expect(reading.problems).toEqual([]);
    expect(first(reading, 'ProcessingRequests/RootDirectory')?.name).toBe('ns2:RootDirectory');
    expect(first(reading, `${DATA_SET}/RelativePath`)?.content.text).toBe('tmpo1ca1pp_');
    expect(first(reading, 'ProjectSummary/Telescope')?.content.text).toBe('EVLA');
    expect(reading.commandCount).toBe(8);
  });

  it("reads the ALMA example: the SchedBlockIdentifier's RelativePath and every AsdmDiskName", async () => {
    const reading = await readPpr(writePpr(readFileSync(join(__dirname, '../../../tools/fixtures/examples/PPR-alma.xml'))));
    expect(reading.problems).toEqual([]);
    expect(first(reading, `${DATA_SET}/SchedBlockSet/SchedBlockIdentifier/RelativePath`)?.content.text).toMatch(/^2019\.1\.01056\.S_/);
    expect(reading.asdmDiskNames).toEqual(['uid___A002_Xe1f219_X6d0e', 'uid___A002_Xe1f219_X7ee8']);
    expect(first(reading, 'ProjectStructure/OUSStatusRef')?.attributes).toMatchObject({ entityId: 'uid://A001/X1296/X1d3' });
  });

  it('counts byte offsets past a BOM and multibyte characters (é, 日本, 𝄞)', async () => {
    const text = replaceOnce(EXAMPLE_PPR, '<Operator>vlapipe</Operator>', '<Operator>é 日本 𝄞</Operator>');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    const reading = await readPpr(writePpr(bytes));
    expect(reading.problems).toEqual([]);
    expect(first(reading, 'ProjectSummary/Operator')?.content.text).toBe('é 日本 𝄞');
    const rootDirectory = first(reading, 'ProcessingRequests/RootDirectory');
    const marker = Buffer.from('<RootDirectory>', 'utf8');
    expect(rootDirectory?.at.offset).toBe(bytes.indexOf(marker));
    expect(rootDirectory?.at.line).toBe(15);
  });

  it("refuses what the pipeline's XML parser refuses, at the tag's start or the character", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['<Telescope>EVLA</Telescope>', '<Telescope>EVLA</ Telescope>', /^PPR\.xml:6:24: malformed end tag "<\/ Telescope>"/],
      ['<RelativePath>tmpo1ca1pp_</RelativePath>', '< RelativePath>tmpo1ca1pp_</RelativePath>', /^PPR\.xml:68:17: malformed start tag "< RelativePath>"/],
      ['<DataSet>', '<DataSet a="1" a="2">', /^PPR\.xml:67:13: attribute a appears twice in one tag$/],
      ['<DataSet>', '<DataSet a="<">', /^PPR\.xml:67:13: malformed start tag/],
      ['<Mode>SCIENCE</Mode>', '<Mode>SCI\u0001ENCE</Mode>', /^PPR\.xml:9:18: character U\+0001 is not allowed in XML$/],
      ['<DataSet>', '<p:DataSet>', /^PPR\.xml:67:13: unbound namespace prefix/],
      ['<ProjectSummary>', '<?xml version="1.0"?><ProjectSummary>', /^PPR\.xml:3:5: an XML declaration is only allowed at the very start/],
      ['<Mode>SCIENCE</Mode>', '<Mode>SCI]]>ENCE</Mode>', /^PPR\.xml:9:18: "\]\]>" in text \(XML allows it only to end a CDATA section/],
      ['<ProjectSummary>', ']]>\n    <ProjectSummary>', /^PPR\.xml:3:5: "\]\]>" in text/],
    ];
    for (const [from, to, expected] of cases) {
      const bad = to.includes('p:DataSet') ? replaceOnce(replaceOnce(EXAMPLE_PPR, '</DataSet>', '</p:DataSet>'), from, to) : replaceOnce(EXAMPLE_PPR, from, to);
      const reading = await readPpr(writePpr(bad), { label: 'PPR.xml' });
      expect([to, reading.problems]).toEqual([to, [expect.stringMatching(expected)]]);
    }
  });

  it('accepts "]]>" where XML allows it: in an attribute value, at the end of a CDATA section, as ]]&gt;', async () => {
    const fine = replaceOnce(replaceOnce(EXAMPLE_PPR, '<DataSet>', '<DataSet note="a]]>b">'), '<Mode>SCIENCE</Mode>', '<Mode>SCIENCE</Mode><!-- ]]> --><Note>]]&gt;]]</Note>');
    const reading = await readPpr(writePpr(fine), { label: 'PPR.xml' });
    expect(reading.problems).toEqual([]);
  });

  it('refuses "]]>" in text also when the file is read in two pieces between its characters', async () => {
    const mode = EXAMPLE_PPR.indexOf('<Mode>SCIENCE</Mode>');
    const prefix = `${EXAMPLE_PPR.slice(0, mode)}<Note>`;
    for (const split of [1, 2]) {
      // The file is read 64 KiB at a time: `split` characters of the `]]>` end the first piece.
      const pad = 64 * 1024 - split - Buffer.byteLength(prefix);
      const text = `${prefix}${'x'.repeat(pad)}]]></Note>${EXAMPLE_PPR.slice(mode)}`;
      expect(Buffer.from(text).subarray(64 * 1024 - split, 64 * 1024 + 1).toString()).toBe(']]>'.slice(0, split + 1));
      const reading = await readPpr(writePpr(text), { label: 'PPR.xml' });
      expect(reading.problems).toEqual([`PPR.xml:9:${pad + 15}: "]]>" in text (XML allows it only to end a CDATA section; the pipeline's reader refuses the document)`]);
    }
    // The same seams in a CDATA section's end are fine.
    for (const split of [1, 2]) {
      const pad = 64 * 1024 - split - Buffer.byteLength(prefix) - '<![CDATA['.length;
      const text = `${prefix}<![CDATA[${'x'.repeat(pad)}]]></Note>${EXAMPLE_PPR.slice(mode)}`;
      expect((await readPpr(writePpr(text), { label: 'PPR.xml' })).problems).toEqual([]);
    }
  });

  it('keeps memory bounded: a PPR of many commands is read without keeping them', async () => {
    const command = '<ProcessingCommand><Command>hifv_hanning</Command><ParameterSet/></ProcessingCommand>\n';
    const big = EXAMPLE_PPR.replace('<ProcessingCommand>', `${command.repeat(20000)}<ProcessingCommand>`);
    const reading = await readPpr(writePpr(big));
    expect(reading.problems).toEqual([]);
    expect(reading.commandCount).toBe(20008);
    expect(reading.commands).toHaveLength(100);
  });

  it('reports malformed XML with the line and column of the error', async () => {
    const broken = replaceOnce(EXAMPLE_PPR, '</ProjectSummary>', '</ProjectSumary>');
    const reading = await readPpr(writePpr(broken), { label: 'PPR.xml' });
    expect(reading.problems).toHaveLength(1);
    // At the tag's `<`, where an operator looks (the parser itself stops at its `>`).
    expect(reading.problems[0]).toBe('PPR.xml:12:5: unexpected close tag </ProjectSumary> (the open element is <ProjectSummary>)');
    expect(reading.elements.size).toBe(0);
  });

  it('reports an unclosed document, text before the root and a second root element', async () => {
    const cases: Array<[string, RegExp]> = [
      [EXAMPLE_PPR.replace('</ns2:SciPipeRequest>', ''), /^PPR\.xml:\d+:\d+: unclosed root tag <ns2:SciPipeRequest> \(the document ends before its end tag\)$/],
      ['<a><b>', /^PPR\.xml:1:7: unclosed tag <b> \(the document ends before its end tag\)$/],
      ['oops<a/>', /^PPR\.xml:1:1: text before the root element \(only white space, comments and processing instructions may stand outside it\)$/],
      ['\n  oops<a/>', /^PPR\.xml:2:3: text before the root element/],
      ['<a/>\n  x', /^PPR\.xml:2:3: text after the root element/],
      ['<a/>\n  <b/>', /^PPR\.xml:2:3: a second root element <b>/],
      // A tag broken over lines is reported at its `<`.
      ['<a>\n <b></c\n></a>', /^PPR\.xml:2:5: unexpected close tag <\/c> \(the open element is <b>\)$/],
      ['<a></a></b>', /^PPR\.xml:1:8: unexpected close tag <\/b> \(no element is open\)$/],
      ['<a><!-- x -- y --></a>', /^PPR\.xml:1:13: malformed comment/],
      ['<a><!-- x', /^PPR\.xml:1:\d+: unclosed root tag <a>/],
      ['<a/><!-- x', /^PPR\.xml:1:11: the document ends inside a comment$/],
      ['<a/></a', /^PPR\.xml:1:8: the document ends inside an end tag$/],
      ['<?xml version="2.0"?><a/>', /^PPR\.xml:1:1: the XML declaration is not well-formed \(version number must match/],
      ['<a><!DOCTYPE a></a>', /^PPR\.xml:1:4: a DOCTYPE is only allowed once, before the root element$/],
      ['<a b="1"c="2"/>', /^PPR\.xml:1:1: malformed start tag "<a b=\\"1\\"c=\\"2\\"\/>" \(no whitespace between attributes\)$/],
    ];
    for (const [content, expected] of cases) {
      const reading = await readPpr(writePpr(content), { label: 'PPR.xml' });
      expect(reading.problems).toEqual([expect.stringMatching(expected)]);
    }
  });

  it('reports an empty file, a blank file, a directory and invalid UTF-8', async () => {
    expect((await readPpr(writePpr(''), { label: 'PPR.xml' })).problems).toEqual(['PPR.xml: is empty (not an XML document)']);
    expect((await readPpr(writePpr(' \n'), { label: 'PPR.xml' })).problems).toEqual([
      'PPR.xml: has no root element (not an XML document)',
    ]);
    const dir = join(tempDir(), 'PPR.xml');
    mkdirSync(dir);
    expect((await readPpr(dir, { label: 'PPR.xml' })).problems).toEqual(['PPR.xml: is a directory, not a file']);
    const latin1 = Buffer.from(replaceOnce(EXAMPLE_PPR, 'vlapipe', 'jos\u00e9'), 'latin1');
    expect((await readPpr(writePpr(latin1), { label: 'PPR.xml' })).problems).toEqual([
      'PPR.xml: is not valid UTF-8 text (a PPR must be UTF-8)',
    ]);
  });

  it('refuses a declared encoding other than UTF-8', async () => {
    const text = replaceOnce(EXAMPLE_PPR, 'encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const reading = await readPpr(writePpr(text), { label: 'PPR.xml' });
    expect(reading.problems).toEqual([expect.stringMatching(/^PPR\.xml:1:\d+: encoding "ISO-8859-1" is not supported/)]);
  });

  it('throws MissingInputError (66) naming the path for a file that does not exist', async () => {
    const missing = join(tempDir(), 'nope', 'PPR.xml');
    await expect(readPpr(missing)).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
      message: expect.stringContaining(missing),
    });
  });

  it('reports a file larger than the cap without reading it all', async () => {
    const path = join(tempDir(), 'PPR.xml');
    writeFileSync(path, '');
    truncateSync(path, MAX_PPR_BYTES + 1);
    const reading = await readPpr(path, { label: 'PPR.xml' });
    expect(reading.problems).toEqual([expect.stringMatching(/^PPR\.xml: is larger than 64 MiB/)]);
  });

  describe('entities are never expanded', () => {
    const laughs = (declarations: boolean) =>
      [
        '<?xml version="1.0"?>',
        ...(declarations
          ? [
              '<!DOCTYPE lolz [',
              '  <!ENTITY lol "lol">',
              ...Array.from({ length: 9 }, (_, level) => {
                const previous = level === 0 ? 'lol' : `lol${level}`;
                return `  <!ENTITY lol${level + 1} "${Array.from({ length: 10 }, () => `&${previous};`).join('')}">`;
              }),
              ']>',
            ]
          : []),
        '<ns2:SciPipeRequest xmlns:ns2="x"><ProcessingRequests><RootDirectory>&lol9;</RootDirectory></ProcessingRequests></ns2:SciPipeRequest>',
      ].join('\n');

    it('rejects a "billion laughs" PPR within a second and a few MB', async () => {
      const path = writePpr(laughs(true));
      const heapBefore = process.memoryUsage().heapUsed;
      const started = Date.now();
      const reading = await readPpr(path, { label: 'PPR.xml' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
      expect(reading.problems).toEqual([expect.stringMatching(/^PPR\.xml:13:\d+: entity declarations are not allowed/)]);
    });

    it('rejects a reference to an undeclared or HTML entity', async () => {
      expect((await readPpr(writePpr(laughs(false)), { label: 'PPR.xml' })).problems).toEqual([
        expect.stringMatching(/^PPR\.xml:2:\d+: undefined entity &lol9; \(a PPR may use only &amp; &lt; &gt; &quot; &apos; and character references\)$/),
      ]);
      const nbsp = replaceOnce(EXAMPLE_PPR, 'vlapipe', 'vla&nbsp;pipe');
      expect((await readPpr(writePpr(nbsp), { label: 'PPR.xml' })).problems).toEqual([
        expect.stringMatching(/^PPR\.xml:8:22: undefined entity &nbsp; /),
      ]);
      const bare = replaceOnce(EXAMPLE_PPR, 'vlapipe', 'vla & pipe');
      expect((await readPpr(writePpr(bare), { label: 'PPR.xml' })).problems).toEqual([
        'PPR.xml:8:23: "&" does not start an entity reference (write a "&" in text as &amp;)',
      ]);
      const reference = replaceOnce(EXAMPLE_PPR, 'vlapipe', 'vla&#1;pipe');
      expect((await readPpr(writePpr(reference), { label: 'PPR.xml' })).problems).toEqual([
        'PPR.xml:8:22: character reference &#1; is not an XML character',
      ]);
    });

    it('still decodes the five XML entities and character references', async () => {
      const text = replaceOnce(EXAMPLE_PPR, '<Operator>vlapipe</Operator>', '<Operator>a&amp;b&lt;&#233;&#x65E5;</Operator>');
      const reading = await readPpr(writePpr(text));
      expect(reading.problems).toEqual([]);
      expect(first(reading, 'ProjectSummary/Operator')?.content.text).toBe('a&b<é日');
    });
  });
});
