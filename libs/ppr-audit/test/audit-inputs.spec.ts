import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, InvalidInputError } from '@envoys/envoy-core';
import { auditInputs, readMetadata } from '../src';
import { EXAMPLE_METADATA, EXAMPLE_PPR, replaceOnce, useTempDirs } from './support/files';

const tempDir = useTempDirs();

function processingDir(files: { metadata?: unknown; ppr?: string } = {}): string {
  const dir = tempDir();
  if (files.metadata !== undefined) {
    const text = typeof files.metadata === 'string' ? files.metadata : JSON.stringify(files.metadata, null, 2);
    writeFileSync(join(dir, 'metadata.json'), text);
  }
  if (files.ppr !== undefined) writeFileSync(join(dir, 'PPR.xml'), files.ppr);
  return dir;
}

async function failureOf(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof InvalidInputError)) throw new Error(`expected InvalidInputError, got ${String(error)}`);
  return error;
}

describe('auditing the inputs of casa-envoy', () => {
  it('returns typed metadata and PPR for a valid processing directory', async () => {
    const dir = processingDir({ metadata: EXAMPLE_METADATA, ppr: EXAMPLE_PPR });
    const inputs = await auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' });
    expect(inputs.metadata.workflowName).toBe('std_calibration');
    expect(inputs.metadata.fileSetIds).toEqual(['brain_000.58099.67095825232']);
    expect(inputs.ppr.path).toBe(join(dir, 'PPR.xml'));
    expect(inputs.ppr.label).toBe('PPR.xml');
    expect(inputs.ppr.telescope).toBe('EVLA');
    expect(inputs.ppr.reader).toBe('vla');
    expect(inputs.ppr.dataNames).toEqual(['brain_000.58099.67095825232']);
    expect(inputs.ppr.commandCount).toBe(8);
  });

  it('takes the telescope from metadata first (VLA and EVLA being one), then from the PPR', async () => {
    const vla = { ...EXAMPLE_METADATA, projectMetadata: { telescope: 'VLA' } };
    let dir = processingDir({ metadata: vla, ppr: EXAMPLE_PPR });
    let inputs = await auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'restore' });
    expect(inputs.ppr.telescope).toBe('VLA');
    const { projectMetadata: _none, ...withoutProject } = EXAMPLE_METADATA;
    dir = processingDir({ metadata: withoutProject, ppr: replaceOnce(EXAMPLE_PPR, '<Telescope>EVLA</Telescope>', '<Telescope>VLA</Telescope>') });
    inputs = await auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'restore' });
    expect(inputs.ppr.telescope).toBe('VLA');
  });

  it('refuses metadata telescope ALMA with a PPR saying EVLA, naming both', async () => {
    const alma = { ...EXAMPLE_METADATA, projectMetadata: { telescope: 'ALMA' } };
    const dir = processingDir({ metadata: alma, ppr: EXAMPLE_PPR });
    const error = await failureOf(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' }));
    expect(error.message).toMatch(
      /^audit failed: PPR\.xml:6:9: ProjectSummary\/Telescope "EVLA" is not the telescope of metadata\.json \(projectMetadata\.telescope "ALMA"\): the two files do not describe the same observation/,
    );
  });

  it('accepts absolute paths and paths relative to the processing directory', async () => {
    const dir = processingDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'm.json'), JSON.stringify(EXAMPLE_METADATA));
    writeFileSync(join(dir, 'in', 'p.xml'), EXAMPLE_PPR);
    const inputs = await auditInputs({ processingDir: dir, metadataPath: 'in/m.json', pprPath: join(dir, 'in', 'p.xml'), mode: 'integrated' });
    expect(inputs.ppr.path).toBe(join(dir, 'in', 'p.xml'));
  });

  it('reports the problems of both files together: one line with a count, all in the details', async () => {
    const metadata: Record<string, unknown> = { ...EXAMPLE_METADATA, productLocator: 'uid://evla/image/x' };
    delete metadata['workflowName'];
    let ppr = replaceOnce(EXAMPLE_PPR, '<RelativePath>tmpo1ca1pp_</RelativePath>', '');
    ppr = replaceOnce(ppr, 'brain_000.58099.67095825232', '/abs');
    const dir = processingDir({ metadata, ppr });
    const error = await failureOf(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' }));
    expect(error.exitCode).toBe(ExitCode.InvalidInput);
    expect(error.message).toBe('audit failed: metadata.json: field "workflowName" is missing (and 3 more problems)');
    expect(error.message).not.toContain('\n');
    expect(error.details).toEqual([
      'metadata.json: field "workflowName" is missing',
      'metadata.json: field "productLocator" is "uid://evla/image/x": not an execution block (calibration needs a locator containing "execblock")',
      'PPR.xml:67:13: DataSet has no RelativePath (the VLA pipeline finds the processing directory through it)',
      'PPR.xml:69:17: SdmIdentifier "/abs" is an absolute path (the data are read from rawdata/<SdmIdentifier>)',
    ]);
  });

  it('reports malformed JSON and malformed XML together', async () => {
    const dir = processingDir({ metadata: '{"a": }', ppr: '<SciPipeRequest>\n</oops>' });
    const error = await failureOf(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-img' }));
    expect(error.details).toEqual([
      'metadata.json:1:7: is not valid JSON: unexpected "}"',
      'PPR.xml:2:1: unexpected close tag </oops> (the open element is <SciPipeRequest>)',
    ]);
    expect(error.message).toBe('audit failed: metadata.json:1:7: is not valid JSON: unexpected "}" (and 1 more problem)');
  });

  it('fails with 65 when the PPR is a directory or empty', async () => {
    let dir = processingDir({ metadata: EXAMPLE_METADATA });
    mkdirSync(join(dir, 'PPR.xml'));
    let error = await failureOf(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' }));
    expect(error.message).toBe('audit failed: PPR.xml: is a directory, not a file');
    dir = processingDir({ metadata: EXAMPLE_METADATA, ppr: '' });
    error = await failureOf(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' }));
    expect(error.details).toEqual(['PPR.xml: is empty (not an XML document)']);
  });

  it('fails with 66 naming the path when a file does not exist, before any content problem', async () => {
    let dir = processingDir({ metadata: EXAMPLE_METADATA });
    await expect(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' })).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
      message: `PPR.xml does not exist (${join(dir, 'PPR.xml')})`,
    });
    dir = processingDir({ ppr: '<broken' });
    await expect(auditInputs({ processingDir: dir, metadataPath: 'metadata.json', pprPath: 'PPR.xml', mode: 'standard-cal' })).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
      message: expect.stringContaining('metadata.json does not exist'),
    });
  });

  it('readMetadata reads and audits metadata alone, with the same errors', async () => {
    const dir = processingDir({ metadata: { ...EXAMPLE_METADATA, cmsName: 'x.ms', calibrationSourceDirectory: '/c' } });
    const metadata = await readMetadata(join(dir, 'metadata.json'), 'standard-img', { label: 'metadata.json' });
    expect(metadata.cmsName).toBe('x.ms');
    await expect(readMetadata(join(dir, 'none.json'), 'standard-cal')).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
    await expect(readMetadata(dir, 'standard-cal', { label: 'dir' })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: 'audit failed: dir: is a directory, not a file',
    });
  });
});
