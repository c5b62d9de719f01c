import type { CasaMode } from '../modes';
import { bareNameProblem } from '../names';
import { oneLine, quote } from '../problems';
import { findJsonSyntaxError, lineAndColumn } from './json-syntax';
import type { Metadata, MetadataAudit, MetadataFor, ProjectMetadata } from './types';

export interface AuditMetadataOptions {
  /** The name used in messages (default: metadata.json). */
  readonly label?: string;
}

const REQUIRED_STRINGS = ['workflowName', 'systemId', 'creationTime', 'productLocator', 'destinationDirectory'] as const;
const PROJECT_FIELDS = ['projectCode', 'title', 'telescope', 'startTime', 'observer'] as const;

/** Calibrating or restoring anything but an execution block makes CASA fail late and obscurely. */
const NEEDS_EXECUTION_BLOCK: ReadonlySet<CasaMode> = new Set<CasaMode>(['standard-cal', 'restore']);

type JsonObject = Readonly<Record<string, unknown>>;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, label: string): { value: unknown } | { problem: string } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return { problem: `${label}: is empty (not JSON)` };
  try {
    return { value: JSON.parse(body) };
  } catch (error) {
    const found = findJsonSyntaxError(body);
    if (!found) return { problem: `${label}: is not valid JSON: ${oneLine(error instanceof Error ? error.message : String(error))}` };
    const { line, column } = lineAndColumn(body, found.offset);
    return { problem: `${label}:${line}:${column}: is not valid JSON: ${found.reason}` };
  }
}

/** Reads fields of one JSON object, collecting a problem for each one that is missing or wrong. */
class FieldAudit {
  readonly problems: string[] = [];

  constructor(
    private readonly object: JsonObject,
    private readonly label: string,
  ) {}

  problem(field: string, text: string): void {
    this.problems.push(`${this.label}: field "${field}" ${text}`);
  }

  /** Null or an empty string stand for "not given" in optional fields: the workflow writes them so. */
  string(name: string, required: boolean, value: unknown = this.value(name)): string | undefined {
    if (value === undefined || (!required && (value === null || value === ''))) {
      if (required) this.problem(name, 'is missing');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problem(name, `must be a string, not ${describeType(value)}`);
      return undefined;
    }
    if (value.trim() === '') {
      this.problem(name, 'is empty');
      return undefined;
    }
    return value;
  }

  bareName(name: string, value: string | undefined, purpose: string): string | undefined {
    if (value === undefined) return undefined;
    const reason = bareNameProblem(value);
    if (!reason) return value;
    this.problem(name, `is ${quote(value)}: ${reason} (${purpose})`);
    return undefined;
  }

  value(name: string): unknown {
    return Object.hasOwn(this.object, name) ? this.object[name] : undefined;
  }
}

function auditFileSetIds(fields: FieldAudit): [string, ...string[]] | undefined {
  const purpose = 'an SDM identifier is a bare name';
  const value = fields.value('fileSetIds');
  if (Array.isArray(value)) {
    if (value.length === 0) {
      fields.problem('fileSetIds', 'is an empty list (it must name at least one SDM identifier)');
      return undefined;
    }
    const ids = value.map((item: unknown, index) => {
      const name = `fileSetIds[${index}]`;
      return fields.bareName(name, fields.string(name, true, item), purpose);
    });
    const [first, ...rest] = ids;
    return first !== undefined && rest.every((id) => id !== undefined) ? [first, ...(rest as string[])] : undefined;
  }
  if (value !== undefined && typeof value !== 'string') {
    fields.problem('fileSetIds', `must be a string or a list of strings, not ${describeType(value)}`);
    return undefined;
  }
  const id = fields.bareName('fileSetIds', fields.string('fileSetIds', true), purpose);
  return id === undefined ? undefined : [id];
}

function auditProjectMetadata(fields: FieldAudit): ProjectMetadata | undefined {
  const value = fields.value('projectMetadata');
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    fields.problem('projectMetadata', `must be an object, not ${describeType(value)}`);
    return undefined;
  }
  const telescope = value['telescope'];
  if (Object.hasOwn(value, 'telescope') && telescope !== null && typeof telescope !== 'string') {
    fields.problem('projectMetadata.telescope', `must be a string, not ${describeType(telescope)}`);
  }
  // The other fields are only passed along: keep the strings, do not fail a run over their types.
  return Object.fromEntries(
    PROJECT_FIELDS.flatMap((name) => {
      const field = Object.hasOwn(value, name) ? value[name] : undefined;
      return typeof field === 'string' ? [[name, field]] : [];
    }),
  );
}

/**
 * Audits the text of metadata.json for a mode (CONTRACT 4.3) and returns the typed metadata or every problem,
 * each naming the file and the field: `metadata.json: field "workflowName" is missing`.
 */
export function auditMetadata<M extends CasaMode>(text: string, mode: M, options: AuditMetadataOptions = {}): MetadataAudit<M> {
  const label = options.label ?? 'metadata.json';
  const parsed = parseJson(text, label);
  if ('problem' in parsed) return { ok: false, problems: [parsed.problem] };
  if (!isObject(parsed.value)) {
    return { ok: false, problems: [`${label}: is ${describeType(parsed.value)}, not a JSON object`] };
  }
  const object = parsed.value;
  const fields = new FieldAudit(object, label);

  const fileSetIds = auditFileSetIds(fields);
  const [workflowName, systemId, creationTime, productLocator, destinationDirectory] = REQUIRED_STRINGS.map((name) =>
    fields.string(name, true),
  );
  if (productLocator !== undefined && NEEDS_EXECUTION_BLOCK.has(mode) && !productLocator.includes('execblock')) {
    fields.problem('productLocator', `is ${quote(productLocator)}: not an execution block (calibration needs a locator containing "execblock")`);
  }

  const imaging = mode === 'standard-img';
  const calibrationSourceDirectory = fields.string('calibrationSourceDirectory', imaging);
  let cmsName = fields.bareName('cmsName', fields.string('cmsName', imaging), 'it names a directory in the calibration source directory');
  if (cmsName !== undefined && imaging && (!cmsName.endsWith('.ms') || cmsName === '.ms')) {
    fields.problem('cmsName', `is ${quote(cmsName)}: not a calibrated measurement set (imaging needs a name ending in ".ms")`);
    cmsName = undefined;
  }
  const calibrationTarball = fields.bareName(
    'calibrationTarball',
    fields.string('calibrationTarball', false),
    'it names a file in rawdata/',
  );
  const projectMetadata = auditProjectMetadata(fields);

  if (
    fields.problems.length > 0 ||
    fileSetIds === undefined ||
    workflowName === undefined ||
    systemId === undefined ||
    creationTime === undefined ||
    productLocator === undefined ||
    destinationDirectory === undefined
  ) {
    return { ok: false, problems: fields.problems };
  }
  const metadata: Metadata = {
    fileSetIds,
    workflowName,
    systemId,
    creationTime,
    productLocator,
    destinationDirectory,
    ...(calibrationSourceDirectory !== undefined ? { calibrationSourceDirectory } : {}),
    ...(cmsName !== undefined ? { cmsName } : {}),
    ...(calibrationTarball !== undefined ? { calibrationTarball } : {}),
    ...(projectMetadata !== undefined ? { projectMetadata } : {}),
    fields: object,
  };
  // TypeScript cannot narrow M; for standard-img both imaging fields were required above, so none is missing.
  return { ok: true, metadata: metadata as MetadataFor<M> };
}
