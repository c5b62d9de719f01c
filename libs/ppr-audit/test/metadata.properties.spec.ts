import fc from 'fast-check';
import { describeTargets, propertyTarget } from '@envoys/testing';
import { auditMetadata, CASA_MODES } from '../src';

const REQUIRED = ['fileSetIds', 'workflowName', 'systemId', 'creationTime', 'productLocator', 'destinationDirectory'] as const;
const text = fc.string({ minLength: 1, maxLength: 30 }).filter((value) => value.trim() !== '');
const bareName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/);
const validMetadata = fc.record({
  fileSetIds: fc.oneof(bareName, fc.array(bareName, { minLength: 1, maxLength: 4 })),
  workflowName: text,
  systemId: text,
  creationTime: text,
  productLocator: fc.tuple(text, text).map(([a, b]) => `uid://evla/execblock/${a}${b}`),
  destinationDirectory: text,
  projectMetadata: fc.option(fc.record({ telescope: fc.constantFrom('EVLA', 'ALMA', 'VLBA'), projectCode: text }), { nil: undefined }),
});

// Mutations of valid metadata: a field dropped, set to another JSON value, or the whole text cut or damaged.
const mutated = fc.tuple(validMetadata, fc.constantFrom(...REQUIRED, 'projectMetadata', 'cmsName'), fc.jsonValue(), fc.nat(400), fc.integer({ min: 0, max: 3 })).map(([metadata, field, value, cut, how]) => {
  const object: Record<string, unknown> = { ...metadata };
  if (how === 0) delete object[field];
  else object[field] = value;
  const json = JSON.stringify(object);
  return how === 3 ? json.slice(0, cut) : json;
});

describeTargets('ppr-audit', [
  propertyTarget({
    name: 'ppr-audit/metadata-audit: any text is audited without failing, each problem naming the file',
    arbitrary: fc.tuple(fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), fc.json({ maxDepth: 3 }), mutated), fc.constantFrom(...CASA_MODES)),
    check: ([input, mode]) => {
      const audit = auditMetadata(input, mode);
      if (audit.ok) return;
      if (audit.problems.length === 0) throw new Error('refused without a problem');
      for (const problem of audit.problems) if (!problem.startsWith('metadata.json')) throw new Error(`problem not naming the file: ${problem}`);
    },
  }),
  propertyTarget({
    name: 'ppr-audit/metadata-audit: valid calibration metadata passes; without a required field it fails naming that field',
    arbitrary: fc.tuple(validMetadata, fc.constantFrom(...REQUIRED), fc.boolean()),
    check: ([metadata, field, drop]) => {
      const full = auditMetadata(JSON.stringify(metadata), 'standard-cal');
      if (!full.ok) throw new Error(`valid metadata refused: ${full.problems.join('; ')}`);
      const ids = full.metadata.fileSetIds;
      if (JSON.stringify(ids) !== JSON.stringify(Array.isArray(metadata.fileSetIds) ? metadata.fileSetIds : [metadata.fileSetIds])) throw new Error('fileSetIds changed');
      if (!drop) return;
      const without: Record<string, unknown> = { ...metadata };
      delete without[field];
      const audit = auditMetadata(JSON.stringify(without), 'standard-cal');
      if (audit.ok || !audit.problems.some((problem) => problem.includes(field))) throw new Error(`no problem names ${field}`);
    },
  }),
]);
