import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditPpr, readPpr, type PprAudit } from '../src';
import { EXAMPLE_PPR, replaceOnce, useTempDirs } from './support/files';

const tempDir = useTempDirs();

async function audit(content: string): Promise<PprAudit> {
  const path = join(tempDir(), 'PPR.xml');
  writeFileSync(path, content);
  return auditPpr(await readPpr(path, { label: 'PPR.xml' }));
}

async function problemsOf(content: string): Promise<readonly string[]> {
  const result = await audit(content);
  return result.ok ? [] : result.problems;
}

const DATA_SET = `<DataSet>
                <RelativePath>tmpo1ca1pp_</RelativePath>
                <SdmIdentifier>brain_000.58099.67095825232</SdmIdentifier>
                <DataType>asdm</DataType>
            </DataSet>`;

describe('auditing PPR.xml', () => {
  it('passes the example PPR and types what the launchers need', async () => {
    const result = await audit(EXAMPLE_PPR);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const { document } = result;
    expect(document.rootElement).toBe('ns2:SciPipeRequest');
    expect(document.telescope).toBe('EVLA');
    expect(document.procedureTitle).toBe('Workspaces Standard Calibration');
    expect(document.rootDirectory.text).toBe('/lustre/aoc/cluster/pipeline/docker/workspaces/spool');
    expect(document.dataSets).toHaveLength(1);
    expect(document.dataSets[0]).toMatchObject({ sdmIdentifier: 'brain_000.58099.67095825232', dataType: 'asdm' });
    expect(document.dataSets[0].relativePath.text).toBe('tmpo1ca1pp_');
    expect(document.commands).toHaveLength(8);
    expect(document.commands[0]).toBe('hifv_importdata');
  });

  it('accepts an empty or stale RootDirectory and RelativePath, and a self-closing one', async () => {
    let text = replaceOnce(EXAMPLE_PPR, '/lustre/aoc/cluster/pipeline/docker/workspaces/spool', '');
    text = replaceOnce(text, '<RelativePath>tmpo1ca1pp_</RelativePath>', '<RelativePath/>');
    expect(await problemsOf(text)).toEqual([]);
  });

  it('reports a missing RootDirectory, RelativePath, SdmIdentifier and ProcessingCommand all at once', async () => {
    let text = replaceOnce(EXAMPLE_PPR, '<RootDirectory>/lustre/aoc/cluster/pipeline/docker/workspaces/spool</RootDirectory>', '');
    text = replaceOnce(text, '<RelativePath>tmpo1ca1pp_</RelativePath>', '');
    text = replaceOnce(text, '<SdmIdentifier>brain_000.58099.67095825232</SdmIdentifier>', '');
    text = text.replace(/<ProcessingCommand>[\s\S]*?<\/ProcessingCommand>/g, '');
    expect(await problemsOf(text)).toEqual([
      'PPR.xml: SciPipeRequest/ProcessingRequests/RootDirectory is missing',
      expect.stringMatching(/^PPR\.xml:\d+:13: DataSet has no RelativePath$/),
      expect.stringMatching(/^PPR\.xml:\d+:13: DataSet has no SdmIdentifier$/),
      'PPR.xml: no ProcessingProcedure/ProcessingCommand (the pipeline would have nothing to run)',
    ]);
  });

  it('reports a PPR without any DataSet', async () => {
    const text = replaceOnce(EXAMPLE_PPR, DATA_SET, '');
    expect(await problemsOf(text)).toEqual(['PPR.xml: no ProcessingRequest/DataSet (RelativePath and SdmIdentifier are missing)']);
  });

  it('reports an empty SdmIdentifier and a ProcessingCommand without Command', async () => {
    let text = replaceOnce(EXAMPLE_PPR, 'brain_000.58099.67095825232', '  ');
    text = replaceOnce(text, '<Command>hifv_hanning</Command>', '');
    expect(await problemsOf(text)).toEqual([
      'PPR.xml:69:17: SdmIdentifier is empty',
      expect.stringMatching(/^PPR\.xml:2\d:17: ProcessingCommand has no Command$/),
    ]);
  });

  it.each([
    ['../x', 'contains a path separator'],
    ['/abs', 'is an absolute path'],
    ['a/b', 'contains a path separator'],
    ['a\\b', 'contains a path separator'],
    ['..', 'is "..", not a name'],
    ['.', 'is ".", not a name'],
  ])('reports SdmIdentifier %j: %s', async (id, reason) => {
    const text = replaceOnce(EXAMPLE_PPR, 'brain_000.58099.67095825232', id.replace('&', '&amp;'));
    expect(await problemsOf(text)).toEqual([
      `PPR.xml:69:17: SdmIdentifier ${JSON.stringify(id)} ${reason} (the data are read from rawdata/<SdmIdentifier>)`,
    ]);
  });

  it('reports a NUL character in SdmIdentifier', async () => {
    // XML cannot carry a NUL even as a reference, so the parser refuses it first.
    const text = replaceOnce(EXAMPLE_PPR, 'brain_000.58099.67095825232', 'a&#0;b');
    expect(await problemsOf(text)).toEqual([expect.stringMatching(/^PPR\.xml:69:\d+: invalid character entity$/)]);
  });

  it.each([
    ['../../etc', 'has a ".." segment'],
    ['a/../../b', 'has a ".." segment'],
    ['/etc', 'is an absolute path'],
  ])('reports RelativePath %j: %s', async (path, reason) => {
    const text = replaceOnce(EXAMPLE_PPR, '<RelativePath>tmpo1ca1pp_</RelativePath>', `<RelativePath>${path}</RelativePath>`);
    expect(await problemsOf(text)).toEqual([
      `PPR.xml:68:17: RelativePath ${JSON.stringify(path)} ${reason} (it must stay below RootDirectory)`,
    ]);
  });

  it('reports a repeated RootDirectory and an element inside RelativePath', async () => {
    let text = replaceOnce(EXAMPLE_PPR, '<ProcessingRequest>', '<RootDirectory>/other</RootDirectory>\n        <ProcessingRequest>');
    text = replaceOnce(text, '<RelativePath>tmpo1ca1pp_</RelativePath>', '<RelativePath>x<b/></RelativePath>');
    expect(await problemsOf(text)).toEqual([
      'PPR.xml:16:9: RootDirectory appears 2 times (expected once)',
      'PPR.xml:69:17: RelativePath must hold only text, not elements',
    ]);
  });

  it('reports every DataSet of several', async () => {
    const second = DATA_SET.replace('brain_000.58099.67095825232', '../escape');
    const text = replaceOnce(EXAMPLE_PPR, DATA_SET, `${DATA_SET}\n            ${second}`);
    const problems = await problemsOf(text);
    expect(problems).toEqual([expect.stringMatching(/^PPR\.xml:74:17: SdmIdentifier "\.\.\/escape"/)]);
  });

  it('reports a document whose root is not SciPipeRequest, and only that', async () => {
    expect(await problemsOf('<?xml version="1.0"?>\n<Something/>')).toEqual([
      'PPR.xml:2:1: root element is <Something>, not <SciPipeRequest> (not a PPR)',
    ]);
  });

  it('passes the XML problems of the reading through unchanged', async () => {
    expect(await problemsOf('<a>')).toEqual([expect.stringMatching(/^PPR\.xml:1:\d+: unclosed root tag$/)]);
  });
});
