export { CASA_MODES, type CasaMode } from './modes';
export { auditInputs, type AuditInputsOptions, type AuditedInputs } from './audit-inputs';
export { MAX_INPUT_BYTES } from './files/input-file';
export { auditMetadata, type AuditMetadataOptions } from './metadata/audit';
export { readMetadata, type ReadMetadataOptions } from './metadata/read';
export { findJsonSyntaxError, lineAndColumn, type JsonSyntaxError } from './metadata/json-syntax';
export type { ImagingMetadata, Metadata, MetadataAudit, MetadataFor, ProjectMetadata } from './metadata/types';
export { readPpr, type ReadPprOptions } from './ppr/read';
export { auditPpr } from './ppr/audit';
export { correctPpr, type CorrectPprOptions, type CorrectedPpr } from './ppr/correct';
export { resolvePprPaths, type PprPaths } from './ppr/paths';
export { escapeXmlText } from './ppr/escape';
export type {
  ByteRange,
  PprAudit,
  PprCommandReading,
  PprDataSet,
  PprDataSetReading,
  PprDocument,
  PprElement,
  PprElementSpan,
  PprLocation,
  PprReading,
} from './ppr/types';
export { auditFailure } from './problems';
