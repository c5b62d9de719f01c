import { auditMetadata, CASA_MODES, type CasaMode, type MetadataAudit } from '../src';
import { EXAMPLE_METADATA } from './support/files';

const IMAGING_FIELDS = { calibrationSourceDirectory: '/lustre/spool/tmpcal', cmsName: 'brain_000.58099.67095825232.ms' };

function metadataFor(mode: CasaMode): Record<string, unknown> {
  return mode === 'standard-img' ? { ...EXAMPLE_METADATA, ...IMAGING_FIELDS } : { ...EXAMPLE_METADATA };
}

function problemsOf<M extends CasaMode>(result: MetadataAudit<M>): readonly string[] {
  return result.ok ? [] : result.problems;
}

function audit(value: unknown, mode: CasaMode): readonly string[] {
  return problemsOf(auditMetadata(JSON.stringify(value, null, 2), mode));
}

const REQUIRED: Record<CasaMode, readonly string[]> = {
  'standard-cal': ['fileSetIds', 'workflowName', 'systemId', 'creationTime', 'productLocator', 'destinationDirectory'],
  restore: ['fileSetIds', 'workflowName', 'systemId', 'creationTime', 'productLocator', 'destinationDirectory'],
  'standard-img': [
    'fileSetIds',
    'workflowName',
    'systemId',
    'creationTime',
    'productLocator',
    'destinationDirectory',
    'calibrationSourceDirectory',
    'cmsName',
  ],
  integrated: ['fileSetIds', 'workflowName', 'systemId', 'creationTime', 'productLocator', 'destinationDirectory'],
};

describe('auditing metadata.json', () => {
  it.each(CASA_MODES)('passes the example for %s and types its fields', (mode) => {
    const result = auditMetadata(JSON.stringify(metadataFor(mode)), mode);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.metadata.fileSetIds).toEqual(['brain_000.58099.67095825232']);
    expect(result.metadata.productLocator).toBe('uid://evla/execblock/8fbfb54b-d141-42fe-b079-609339a69cba');
    expect(result.metadata.projectMetadata?.telescope).toBe('EVLA');
    expect(result.metadata.fields['workflowName']).toBe('std_calibration');
  });

  it('types the imaging fields as present for standard-img', () => {
    const result = auditMetadata(JSON.stringify(metadataFor('standard-img')), 'standard-img');
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const cmsName: string = result.metadata.cmsName;
    expect(cmsName).toBe('brain_000.58099.67095825232.ms');
  });

  describe.each(CASA_MODES)('required fields for %s', (mode) => {
    it.each(REQUIRED[mode])('reports "%s" when it is missing', (field) => {
      const { [field]: _removed, ...rest } = metadataFor(mode);
      expect(audit(rest, mode)).toEqual([`metadata.json: field "${field}" is missing`]);
    });

    it('reports every missing field at once', () => {
      expect(audit({}, mode)).toEqual(REQUIRED[mode].map((field) => `metadata.json: field "${field}" is missing`));
    });
  });

  it('does not require the imaging fields for the other modes', () => {
    for (const mode of ['standard-cal', 'restore', 'integrated'] as const) expect(audit(EXAMPLE_METADATA, mode)).toEqual([]);
  });

  it('reports fields that are not strings or are empty', () => {
    expect(audit({ ...EXAMPLE_METADATA, systemId: 2, workflowName: '', creationTime: null }, 'standard-cal')).toEqual([
      'metadata.json: field "workflowName" is empty',
      'metadata.json: field "systemId" must be a string, not a number',
      'metadata.json: field "creationTime" must be a string, not null',
    ]);
  });

  it.each(['standard-cal', 'restore'] as const)('refuses a product that is not an execution block for %s', (mode) => {
    expect(audit({ ...EXAMPLE_METADATA, productLocator: 'uid://evla/image/x' }, mode)).toEqual([
      'metadata.json: field "productLocator" is "uid://evla/image/x": not an execution block (calibration needs a locator containing "execblock")',
    ]);
  });

  it('accepts any product locator for imaging', () => {
    expect(audit({ ...metadataFor('standard-img'), productLocator: 'uid://evla/calibration/x' }, 'standard-img')).toEqual([]);
    expect(audit({ ...EXAMPLE_METADATA, productLocator: 'uid://evla/calibration/x' }, 'integrated')).toEqual([]);
  });

  it('refuses a CMS name that does not end in .ms, or that is a path, for standard-img', () => {
    expect(audit({ ...metadataFor('standard-img'), cmsName: 'image.fits' }, 'standard-img')).toEqual([
      'metadata.json: field "cmsName" is "image.fits": not a calibrated measurement set (imaging needs a name ending in ".ms")',
    ]);
    expect(audit({ ...metadataFor('standard-img'), cmsName: '../x.ms' }, 'standard-img')).toEqual([
      expect.stringMatching(/^metadata\.json: field "cmsName" is "\.\.\/x\.ms": contains a path separator/),
    ]);
    expect(audit({ ...metadataFor('standard-img'), cmsName: '..' }, 'standard-img')).toEqual([
      expect.stringMatching(/^metadata\.json: field "cmsName" is "\.\.": is "\.\.", not a name/),
    ]);
  });

  describe('fileSetIds', () => {
    it('may be a list of SDM identifiers', () => {
      const result = auditMetadata(JSON.stringify({ ...EXAMPLE_METADATA, fileSetIds: ['a.1', 'b.2'] }), 'standard-cal');
      expect(result.ok && result.metadata.fileSetIds).toEqual(['a.1', 'b.2']);
    });

    it('is a problem as an empty list, with bad members, or of another type', () => {
      expect(audit({ ...EXAMPLE_METADATA, fileSetIds: [] }, 'standard-cal')).toEqual([
        'metadata.json: field "fileSetIds" is an empty list (it must name at least one SDM identifier)',
      ]);
      expect(audit({ ...EXAMPLE_METADATA, fileSetIds: ['ok', '', 3, 'a/b'] }, 'standard-cal')).toEqual([
        'metadata.json: field "fileSetIds[1]" is empty',
        'metadata.json: field "fileSetIds[2]" must be a string, not a number',
        'metadata.json: field "fileSetIds[3]" is "a/b": contains a path separator (an SDM identifier is a bare name)',
      ]);
      expect(audit({ ...EXAMPLE_METADATA, fileSetIds: { id: 'x' } }, 'standard-cal')).toEqual([
        'metadata.json: field "fileSetIds" must be a string or a list of strings, not an object',
      ]);
      expect(audit({ ...EXAMPLE_METADATA, fileSetIds: 'x\u0000y' }, 'standard-cal')).toEqual([
        'metadata.json: field "fileSetIds" is "x\\u0000y": contains a NUL character (an SDM identifier is a bare name)',
      ]);
    });
  });

  describe('optional fields', () => {
    it('projectMetadata must be an object and its telescope a string', () => {
      expect(audit({ ...EXAMPLE_METADATA, projectMetadata: ['EVLA'] }, 'standard-cal')).toEqual([
        'metadata.json: field "projectMetadata" must be an object, not a list',
      ]);
      expect(audit({ ...EXAMPLE_METADATA, projectMetadata: { telescope: 7 } }, 'standard-cal')).toEqual([
        'metadata.json: field "projectMetadata.telescope" must be a string, not a number',
      ]);
      const { projectMetadata: _absent, ...without } = EXAMPLE_METADATA;
      expect(audit(without, 'standard-cal')).toEqual([]);
    });

    it('calibrationTarball must be a bare file name', () => {
      expect(audit({ ...EXAMPLE_METADATA, calibrationTarball: 'cal.tar' }, 'restore')).toEqual([]);
      expect(audit({ ...EXAMPLE_METADATA, calibrationTarball: '/etc/cal.tar' }, 'restore')).toEqual([
        'metadata.json: field "calibrationTarball" is "/etc/cal.tar": is an absolute path (it names a file in rawdata/)',
      ]);
    });

    it('null stands for an optional field not given', () => {
      expect(audit({ ...EXAMPLE_METADATA, cmsName: null, calibrationTarball: null, projectMetadata: null }, 'restore')).toEqual([]);
    });
  });

  describe('a file that is not a JSON object', () => {
    it.each([
      ['{\n  "fileSetIds": "x",\n  "systemId": }', 'metadata.json:3:15: is not valid JSON: unexpected "}"'],
      ['{"a": 1,}', 'metadata.json:1:9: is not valid JSON: expected a quoted field name, found "}"'],
      ['{"a": "b\n"}', 'metadata.json:1:9: is not valid JSON: control character "\\n" inside a string'],
      ['{"a": 1', 'metadata.json:1:8: is not valid JSON: expected "," or "}", found end of input'],
      ['{"a": 1} x', 'metadata.json:1:10: is not valid JSON: unexpected "x" after the end of the JSON value'],
      ["{'a': 1}", 'metadata.json:1:2: is not valid JSON: expected a quoted field name, found "\'"'],
      ['[1, 2', 'metadata.json:1:6: is not valid JSON: expected "," or "]", found end of input'],
      ['', 'metadata.json: is empty (not JSON)'],
    ])('reports %j with its position', (text, problem) => {
      expect(problemsOf(auditMetadata(text, 'standard-cal'))).toEqual([problem]);
    });

    it.each([
      ['[]', 'metadata.json: is a list, not a JSON object'],
      ['"text"', 'metadata.json: is a string, not a JSON object'],
      ['null', 'metadata.json: is null, not a JSON object'],
    ])('reports %s', (text, problem) => {
      expect(problemsOf(auditMetadata(text, 'standard-cal'))).toEqual([problem]);
    });

    it('accepts a BOM and uses the label given', () => {
      expect(problemsOf(auditMetadata(`\uFEFF${JSON.stringify(EXAMPLE_METADATA)}`, 'standard-cal'))).toEqual([]);
      expect(problemsOf(auditMetadata('[]', 'standard-cal', { label: 'meta/m.json' }))).toEqual(['meta/m.json: is a list, not a JSON object']);
    });

    it('locates an error after deep nesting without overflowing the stack', () => {
      const deep = `${'['.repeat(200000)}}`;
      expect(problemsOf(auditMetadata(deep, 'standard-cal'))).toEqual(['metadata.json:1:200001: is not valid JSON: unexpected "}"']);
    });
  });
});
