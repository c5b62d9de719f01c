import { chmodSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { correctPpr, resolvePprPaths } from '../src';
import { EXAMPLE_PPR, replaceOnce, sha256, useTempDirs } from './support/files';

const tempDir = useTempDirs();

const NEW_ROOT = '/scratch/condor/execute';
const NEW_RELATIVE = 'dir_1234';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

// The example with slots for the two texts the correction replaces; every other byte is the template's.
const SLOTS = replaceOnce(
  replaceOnce(EXAMPLE_PPR, '/lustre/aoc/cluster/pipeline/docker/workspaces/spool', '{{ROOT}}'),
  '>tmpo1ca1pp_<',
  '>{{RELATIVE}}<',
);

function fill(template: string, root: string, relative: string): string {
  return replaceOnce(replaceOnce(template, '{{ROOT}}', root), '{{RELATIVE}}', relative);
}

const STALE_ROOT = '/lustre/aoc/cluster/pipeline/docker/workspaces/spool';
const STALE_RELATIVE = 'tmpo1ca1pp_';

interface Case {
  readonly original: Buffer;
  readonly expected: Buffer;
  readonly rootDirectory?: string;
  readonly relativePath?: string;
}

/** Original and expected file from one template: the same bytes but for the two texts. */
function fromTemplate(template: string, options: { bom?: boolean; oldRoot?: string; oldRelative?: string; newRootXml?: string; newRelative?: string } = {}): Case {
  const encode = (text: string) => (options.bom ? Buffer.concat([BOM, Buffer.from(text, 'utf8')]) : Buffer.from(text, 'utf8'));
  return {
    original: encode(fill(template, options.oldRoot ?? STALE_ROOT, options.oldRelative ?? STALE_RELATIVE)),
    expected: encode(fill(template, options.newRootXml ?? NEW_ROOT, options.newRelative ?? NEW_RELATIVE)),
    ...(options.newRelative ? { relativePath: options.newRelative } : {}),
  };
}

function prefixed(text: string): string {
  return text.replace(/<(\/?)(?!ns2:)([A-Za-z])/g, '<$1ns2:$2');
}

const CASES: ReadonlyArray<[string, () => Case]> = [
  ['the example PPR', () => fromTemplate(SLOTS)],
  ['a namespace prefix on every element', () => fromTemplate(prefixed(SLOTS))],
  [
    'comments and CDATA elsewhere, and inside the replaced element',
    () => {
      let template = replaceOnce(
        SLOTS,
        '<ProjectStructure>TBD</ProjectStructure>',
        '<!-- <RootDirectory>decoy</RootDirectory> & <RelativePath/> --><ProjectStructure><![CDATA[<RelativePath>x</RelativePath> & ]]]]></ProjectStructure>',
      );
      // DataType is not read by the pipeline: CDATA and comments there are the PPR's own business.
      template = replaceOnce(template, '<DataType>asdm</DataType>', '<DataType><![CDATA[asdm]]><!--keep--></DataType>');
      return fromTemplate(template, { oldRoot: '<!-- stale -->/old<![CDATA[/root]]>' });
    },
  ],
  ['CRLF line endings', () => fromTemplate(SLOTS.replace(/\n/g, '\r\n'))],
  ['a UTF-8 BOM', () => fromTemplate(SLOTS, { bom: true })],
  [
    'multibyte UTF-8 before and inside the elements (é, 日本, 𝄞)',
    () => {
      let template = replaceOnce(SLOTS, '<Operator>vlapipe</Operator>', '<Operator>José 日本 𝄞</Operator><!-- 日本語 -->');
      template = replaceOnce(template, '<Telescope>EVLA</Telescope>', '<Telescope>EVLA</Telescope><!-- é -->');
      return fromTemplate(template, { oldRelative: 'vieux_répertoire_日本', newRelative: 'répertoire_日本_𝄞' });
    },
  ],
  [
    'a self-closing RelativePath',
    () => {
      const template = replaceOnce(SLOTS, '<RelativePath>{{RELATIVE}}</RelativePath>', '<RelativePath/>{{RELATIVE}}');
      const base = fromTemplate(template, { oldRelative: '', newRelative: '' });
      return { ...base, expected: Buffer.from(fill(SLOTS, NEW_ROOT, NEW_RELATIVE)), relativePath: NEW_RELATIVE };
    },
  ],
  [
    'a self-closing, prefixed RelativePath with a space',
    () => {
      const template = prefixed(SLOTS);
      const original = replaceOnce(fill(template, STALE_ROOT, ''), '<ns2:RelativePath></ns2:RelativePath>', '<ns2:RelativePath />');
      return { original: Buffer.from(original), expected: Buffer.from(fill(template, NEW_ROOT, NEW_RELATIVE)) };
    },
  ],
  ['an empty RootDirectory', () => fromTemplate(SLOTS, { oldRoot: '' })],
  [
    'a self-closing RootDirectory',
    () => {
      const original = replaceOnce(fill(SLOTS, '', STALE_RELATIVE), '<RootDirectory></RootDirectory>', '<RootDirectory/>');
      return { original: Buffer.from(original), expected: Buffer.from(fill(SLOTS, NEW_ROOT, NEW_RELATIVE)) };
    },
  ],
  [
    'new values containing &, < and >',
    () => ({
      ...fromTemplate(SLOTS, { newRootXml: '/data/R&amp;D &lt;x&gt;', newRelative: 'a&amp;b' }),
      rootDirectory: '/data/R&D <x>',
      relativePath: 'a&b',
    }),
  ],
  [
    'odd indentation, attribute order and whitespace inside tags',
    () => {
      let template = replaceOnce(
        SLOTS,
        '<ns2:SciPipeRequest xmlns:ns2="Common/pipelinescience/SciPipeRequest">',
        "<ns2:SciPipeRequest\tb = \"2\"  xmlns:ns2=\"Common/pipelinescience/SciPipeRequest\"\n   a='1' >",
      );
      template = replaceOnce(template, '<RelativePath>{{RELATIVE}}</RelativePath>', '<RelativePath   kind="x"\t>{{RELATIVE}}</RelativePath\n >');
      template = replaceOnce(template, '        <RootDirectory>', '\t \t<RootDirectory >');
      return fromTemplate(template);
    },
  ],
  [
    'the ALMA example (the SchedBlockIdentifier RelativePath is replaced)',
    () => {
      const alma = readFileSync(join(__dirname, '../../../tools/fixtures/examples/PPR-alma.xml'), 'utf8');
      const stale = /<RelativePath>([^<]*)<\/RelativePath>/.exec(alma)?.[1] ?? '';
      const template = replaceOnce(replaceOnce(alma, '/lustre/naasc/sciops/comm/pipeline/root', '{{ROOT}}'), `>${stale}<`, '>{{RELATIVE}}<');
      return fromTemplate(template, { oldRoot: '/lustre/naasc/sciops/comm/pipeline/root', oldRelative: stale });
    },
  ],
  ['a directory name spelled ./4711 for the pipeline', () => fromTemplate(SLOTS, { newRelative: './4711' })],
  [
    'a large file whose elements lie past several read chunks, with characters split between chunks',
    () =>
      fromTemplate(replaceOnce(SLOTS, '<ProjectStructure>', `${'<!-- 日本é -->'.repeat(20000)}<ProjectStructure>`), {
        // sax hands a text over 64 KiB to the reader in pieces
        oldRoot: `/${'日'.repeat(30000)}`,
      }),
  ],
];

describe('correcting PPR.xml for HTCondor', () => {
  it.each(CASES)('changes only the two texts: %s', async (_name, make) => {
    const { original, expected, rootDirectory, relativePath } = make();
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    mkdirSync(join(dir, 'working'));
    const target = join(dir, 'working', 'PPR.xml');
    writeFileSync(source, original);
    chmodSync(source, 0o444);
    const before = { hash: sha256(source), mtime: statSync(source).mtimeMs };

    const result = await correctPpr({ source, target, rootDirectory: rootDirectory ?? NEW_ROOT, relativePath: relativePath ?? NEW_RELATIVE });

    const written = readFileSync(target);
    // latin1 maps each byte to one character: a byte-exact comparison with a readable diff.
    expect(written.toString('latin1')).toBe(expected.toString('latin1'));
    expect(written.equals(expected)).toBe(true);
    expect(sha256(source)).toBe(before.hash);
    expect(statSync(source).mtimeMs).toBe(before.mtime);
    expect(statSync(source).mode & 0o777).toBe(0o444);
    expect(result.target).toBe(target);
  });

  it('never writes over its source, also through a link to it', async () => {
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    writeFileSync(source, EXAMPLE_PPR);
    const hash = sha256(source);
    await expect(correctPpr({ source, target: source, rootDirectory: NEW_ROOT, relativePath: NEW_RELATIVE })).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
    });
    symlinkSync(source, join(dir, 'link.xml'));
    await expect(
      correctPpr({ source: join(dir, 'link.xml'), target: source, rootDirectory: NEW_ROOT, relativePath: NEW_RELATIVE }),
    ).rejects.toMatchObject({ exitCode: ExitCode.CannotCreate });
    expect(sha256(source)).toBe(hash);
  });

  it('replaces a target that is a link to the original without touching the original', async () => {
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    writeFileSync(source, EXAMPLE_PPR);
    mkdirSync(join(dir, 'working'));
    const target = join(dir, 'working', 'PPR.xml');
    symlinkSync('../PPR.xml', target);
    await correctPpr({ source, target, rootDirectory: NEW_ROOT, relativePath: NEW_RELATIVE });
    expect(readFileSync(source, 'utf8')).toBe(EXAMPLE_PPR);
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toContain(`<RelativePath>${NEW_RELATIVE}</RelativePath>`);
  });

  it('fails with 65 and every problem for a PPR that does not pass the audit, writing nothing', async () => {
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    let text = replaceOnce(EXAMPLE_PPR, '<RelativePath>tmpo1ca1pp_</RelativePath>', '');
    text = replaceOnce(text, 'brain_000.58099.67095825232', '../up');
    writeFileSync(source, text);
    const target = join(dir, 'corrected.xml');
    const failure = correctPpr({ source, target, rootDirectory: NEW_ROOT, relativePath: NEW_RELATIVE, label: 'PPR.xml' });
    await expect(failure).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringMatching(/^audit failed: PPR\.xml:67:13: DataSet has no RelativePath \(the VLA pipeline finds the processing directory through it\) \(and 1 more problem\)$/),
      details: [expect.stringMatching(/^PPR\.xml:67:13: DataSet has no RelativePath/), expect.stringContaining('SdmIdentifier "../up"')],
    });
    expect(() => statSync(target)).toThrow();
  });

  it('fails with 66 for a missing source and with 73 for a target it cannot create', async () => {
    const dir = tempDir();
    await expect(
      correctPpr({ source: join(dir, 'none.xml'), target: join(dir, 'out.xml'), rootDirectory: NEW_ROOT, relativePath: NEW_RELATIVE }),
    ).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
    const source = join(dir, 'PPR.xml');
    writeFileSync(source, EXAMPLE_PPR);
    await expect(
      correctPpr({ source, target: join(dir, 'no-such-dir', 'PPR.xml'), rootDirectory: NEW_ROOT, relativePath: NEW_RELATIVE }),
    ).rejects.toMatchObject({ exitCode: ExitCode.CannotCreate });
  });

  it('refuses values that cannot be a RootDirectory or RelativePath', async () => {
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    writeFileSync(source, EXAMPLE_PPR);
    const target = join(dir, 'out.xml');
    for (const [rootDirectory, relativePath] of [
      ['relative/root', 'x'],
      ['/root', 'a/b'],
      ['/root', '..'],
      ['/root', ''],
      ['/root', 'bell\u0007'],
    ] as const) {
      await expect(correctPpr({ source, target, rootDirectory, relativePath })).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
    }
  });
});

describe('the corrected values for a processing directory', () => {
  it('are the parent and name of its real path, symbolic links resolved', async () => {
    const dir = realpathSync(tempDir());
    mkdirSync(join(dir, 'scratch', 'tmpo1ca1pp_'), { recursive: true });
    symlinkSync(join(dir, 'scratch', 'tmpo1ca1pp_'), join(dir, 'job'));
    const expected = { rootDirectory: join(dir, 'scratch'), relativePath: 'tmpo1ca1pp_', directoryName: 'tmpo1ca1pp_' };
    await expect(resolvePprPaths(join(dir, 'job'))).resolves.toEqual(expected);
    await expect(resolvePprPaths(join(dir, 'scratch', 'tmpo1ca1pp_', '..', 'tmpo1ca1pp_'))).resolves.toEqual(expected);
  });

  it.each(['4711', 'true', 'FALSE', '1e3', 'nan', 'Infinity', ' 12 ', '1_000', '[1]', '(1,)', '{}', '\u0664\u0667'])(
    'spell a name the pipeline would convert (%j) as ./<name>, which it keeps a string',
    async (name) => {
      const dir = realpathSync(tempDir());
      mkdirSync(join(dir, 'scratch', name), { recursive: true });
      await expect(resolvePprPaths(join(dir, 'scratch', name))).resolves.toEqual({
        rootDirectory: join(dir, 'scratch'),
        relativePath: `./${name}`,
        directoryName: name,
      });
    },
  );

  it.each([' spaced ', 'tmp&<x>_', 'x1', '0x10', 'true ', 'naan', '1__0', '-'])('keep a name the pipeline reads as text (%j) as it is', async (name) => {
    const dir = realpathSync(tempDir());
    mkdirSync(join(dir, name));
    await expect(resolvePprPaths(join(dir, name))).resolves.toMatchObject({ relativePath: name, directoryName: name });
  });

  it('refuse (65) a directory whose path XML cannot hold, naming the character', async () => {
    const dir = realpathSync(tempDir());
    mkdirSync(join(dir, 'bell\u0007'));
    await expect(resolvePprPaths(join(dir, 'bell\u0007'))).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringMatching(/has character U\+0007, which XML cannot hold: the corrected PPR cannot name it/),
    });
  });

  it('fail with 66 for a directory that does not exist and 65 for /', async () => {
    await expect(resolvePprPaths(join(tempDir(), 'gone'))).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
    await expect(resolvePprPaths('/')).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
  });
});
