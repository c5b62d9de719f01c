export { CASA_MODES, type CasaMode } from './modes';
export { auditInputs, type AuditInputsOptions, type AuditedInputs } from './audit-inputs';
export { MAX_INPUT_BYTES } from './files/limited-input';
export { auditMetadata, type AuditMetadataOptions } from './metadata/audit';
export { readMetadata, type ReadMetadataOptions } from './metadata/read';
export { findJsonSyntaxError, lineAndColumn, type JsonSyntaxError } from './metadata/json-syntax';
export type { ImagingMetadata, Metadata, MetadataAudit, MetadataFor, ProjectMetadata } from './metadata/types';
export { readPpr, scanPprFile, MAX_PPR_BYTES, type ReadPprOptions, type PprScan } from './ppr/read';
export { auditPpr, type AuditPprOptions } from './ppr/audit';
export { correctPpr, type CorrectPprOptions, type CorrectedPpr } from './ppr/correct';
export { resolvePprPaths, relativePathFor, type PprPaths } from './ppr/paths';
export { describeValueType, pipelineValueType, type PipelineValueType } from './ppr/cast';
export { readerForTelescope, RUNNER_SCRIPTS } from './ppr/readers';
export { escapeXmlText } from './ppr/escape';
export type {
  ByteRange,
  PipelineReader,
  PprAudit,
  PprContent,
  PprDocument,
  PprElement,
  PprElementSpan,
  PprLocation,
  PprNodeKind,
  PprOccurrences,
  PprProblem,
  PprReading,
} from './ppr/types';
export { auditFailure } from './problems';
