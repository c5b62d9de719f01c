import { relativePathProblem } from '../names';
import { quote } from '../problems';
import { describeValueType, pipelineValueType } from './cast';
import { PATHS, SUMMARY_FIELDS } from './collect';
import { place, textProblem } from './fields';
import { readerForTelescope, RUNNER_SCRIPTS } from './readers';
import type { PipelineReader, PprAudit, PprElement, PprLocation, PprProblem, PprReading } from './types';

const ROOT_ELEMENT = 'SciPipeRequest';
const FIELDS_READ: Readonly<Record<PipelineReader, readonly string[]>> = { vla: SUMMARY_FIELDS, alma: SUMMARY_FIELDS.slice(0, 3) };
const SHAPES: Readonly<Record<PipelineReader, string>> = {
  vla: 'DataSet/RelativePath and DataSet/SdmIdentifier',
  alma: 'DataSet/SchedBlockSet/SchedBlockIdentifier with RelativePath and one AsdmIdentifier per ASDM',
};

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

export interface AuditPprOptions {
  /**
   * The telescope that selects the pipeline's reader: metadata.json's projectMetadata.telescope when given
   * (CONTRACT 4.7), else the PPR's ProjectSummary/Telescope.
   */
  readonly telescope?: string;
}

/**
 * Checks a PPR reading against what the pipeline's reader for the telescope requires, and returns the typed
 * document or every problem found, in file order: an operator fixes them all after one run. Nothing is
 * fixed up: whatever the real reader would reject, or read differently from what the PPR says, is refused.
 */
export function auditPpr(reading: PprReading, options: AuditPprOptions = {}): PprAudit {
  if (reading.problems.length > 0) return { ok: false, problems: reading.problems };
  const label = reading.label;
  const root = reading.root;
  if (!root) return { ok: false, problems: [`${label}: has no root element`] };
  // With another root the file is some other document: listing every missing element would only bury that.
  if (localName(root.name) !== ROOT_ELEMENT) {
    return { ok: false, problems: [`${place(label, root.at)}: root element is <${root.name}>, not <${ROOT_ELEMENT}> (not a PPR)`] };
  }
  return new PprAuditor(reading, root.at).run(options);
}

class PprAuditor {
  private readonly problems: PprProblem[] = [];
  private readonly label: string;

  constructor(
    private readonly reading: PprReading,
    private readonly rootAt: PprLocation,
  ) {
    this.label = reading.label;
  }

  private add(at: PprLocation, text: string): void {
    this.problems.push({ offset: at.offset, text: `${place(this.label, at)}: ${text}` });
  }

  private count(key: string): number {
    return this.reading.elements.get(key)?.count ?? 0;
  }

  /** Where a missing element would be: its parent, if that was found, else the root. */
  private parentAt(key: string): PprLocation {
    const parent = key.slice(0, key.lastIndexOf('/'));
    return (parent && this.reading.elements.get(parent)?.first?.at) || this.rootAt;
  }

  /** The element at `key` if it occurs exactly once; a problem otherwise. */
  private single(key: string, why: string): PprElement | undefined {
    const found = this.reading.elements.get(key);
    const name = key.slice(key.lastIndexOf('/') + 1);
    const parent = key.includes('/') ? key.slice(0, key.lastIndexOf('/')).split('/').pop() : ROOT_ELEMENT;
    if (!found?.first) {
      this.add(this.parentAt(key), `${parent} has no ${name} (${why})`);
      return undefined;
    }
    if (found.second) {
      this.add(found.second.at, `${name} appears ${found.count} times in ${parent}: the pipeline reads exactly one (${why})`);
      return undefined;
    }
    return found.first;
  }

  private text(element: PprElement | undefined, what: string, rules: Parameters<typeof textProblem>[2]): string | undefined {
    if (!element) return undefined;
    const problem = textProblem(element, what, rules);
    if (problem) {
      this.add(element.at, problem);
      return undefined;
    }
    return element.content.text;
  }

  /** RootDirectory and RelativePath: replaced in the corrected copy, so only their shape matters. */
  private replaced(element: PprElement | undefined, what: string): PprElement | undefined {
    if (!element) return undefined;
    if (element.content.kinds.includes('element')) {
      this.add(element.at, `${what} must hold only text, not elements`);
      return undefined;
    }
    if (what === 'RelativePath') {
      // The text is replaced, but a PPR that points outside its root is refused anyway: it was written
      // wrongly, or on purpose.
      const stale = element.content.text.trim();
      const reason = relativePathProblem(stale);
      if (reason) {
        this.add(element.at, `RelativePath ${quote(stale)} ${reason} (it must stay below RootDirectory)`);
        return undefined;
      }
    }
    return element;
  }

  private telescopeReader(telescope: string | undefined): PipelineReader | undefined {
    const reader = readerForTelescope(telescope);
    if (reader) return reader;
    this.add(
      this.rootAt,
      telescope
        ? `telescope ${quote(telescope)} has no CASA pipeline runner (VLA, EVLA or ALMA expected; from metadata projectMetadata.telescope or PPR ProjectSummary/Telescope)`
        : 'no telescope: neither metadata projectMetadata.telescope nor PPR ProjectSummary/Telescope names one (it selects the pipeline runner)',
    );
    return undefined;
  }

  private projectSummary(reader: PipelineReader): void {
    if (!this.single(PATHS.projectSummary, `the ${reader.toUpperCase()} pipeline reads ${FIELDS_READ[reader].join(', ')} from it`)) return;
    for (const field of FIELDS_READ[reader]) {
      const why = `the ${reader.toUpperCase()} pipeline reads ${FIELDS_READ[reader].join(', ')}`;
      this.text(this.single(`${PATHS.projectSummary}/${field}`, why), field, { string: 'the pipeline adds it to a text when it lists the project' });
    }
  }

  private attributesAreText(element: PprElement, names: readonly string[]): void {
    for (const name of names) {
      const value = element.attributes[name];
      if (value === undefined) continue;
      const type = pipelineValueType(value);
      if (type !== 'string') {
        this.add(element.at, `${localName(element.name)} ${name} ${quote(value)} is read by the pipeline as ${describeValueType(type)}, not as text (it adds it to a text)`);
      }
    }
  }

  private projectStructure(reader: PipelineReader): void {
    if (reader === 'vla') {
      // Only presence matters; the VLA readers of the pipelines before 2024 fail without it.
      if (this.count(PATHS.projectStructure) === 0) {
        this.add(this.rootAt, 'SciPipeRequest has no ProjectStructure (VLA pipelines before 2024 read it; any content will do, e.g. <ProjectStructure>TBD</ProjectStructure>)');
      }
      return;
    }
    const why = 'the ALMA pipeline reads the OUS and project status references from it';
    if (!this.single(PATHS.projectStructure, why)) return;
    // The reader takes ProjectStructure's own OUSStatusRef, and otherwise falls back to AlmaStructure.
    const direct = this.count(`${PATHS.projectStructure}/OUSStatusRef`) === 1 || this.count(PATHS.almaStructure) === 0;
    const base = direct ? PATHS.projectStructure : PATHS.almaStructure;
    if (!direct && !this.single(PATHS.almaStructure, why)) return;
    const refs: [string, readonly string[]][] = [
      ['ObsUnitSetRef', ['entityTypeName', 'entityId', 'partId']],
      ['ProjectStatusRef', ['entityTypeName', 'entityId']],
      ['OUSStatusRef', ['entityTypeName', 'entityId']],
    ];
    for (const [name, attributes] of refs) {
      const element = this.single(`${base}/${name}`, why);
      if (element) this.attributesAreText(element, attributes);
    }
    for (const name of ['ObsUnitSetTitle', 'ObsUnitSetType']) {
      this.text(this.single(`${base}/${name}`, why), name, { string: 'the pipeline adds it to a text when it lists the project' });
    }
  }

  private requests(): PprElement | undefined {
    const why = 'the pipeline runs exactly one processing request';
    if (!this.single(PATHS.requests, why)) return undefined;
    const rootDirectory = this.replaced(this.single(PATHS.rootDirectory, 'its text is replaced with the job\'s directory'), 'RootDirectory');
    if (!this.single(PATHS.request, why)) return undefined;
    if (this.count(PATHS.intents) !== 1) this.single(PATHS.intents, 'the pipeline fails without it; an empty <ProcessingIntents/> is enough');
    if (this.single(PATHS.procedure, 'the pipeline reads its commands from it')) {
      const title = this.reading.elements.get(PATHS.procedureTitle);
      if (title?.count === 1 && title.first && title.first.content.nodes === 1 && title.first.content.kinds[0] === 'text') {
        this.text(title.first, 'ProcedureTitle', { string: 'the pipeline adds it to a text' });
      }
      if (this.reading.commandCount === 0) {
        this.add(this.reading.elements.get(PATHS.procedure)?.first?.at ?? this.rootAt, 'ProcessingProcedure has no ProcessingCommand (the pipeline would have nothing to run)');
      }
    }
    return rootDirectory;
  }

  /** The data set of the reader's shape: its RelativePath and the names of its data in rawdata/. */
  private dataSet(reader: PipelineReader, telescope: string): { relativePath: PprElement; names: string[] } | undefined {
    if (!this.single(PATHS.dataSet, 'the pipeline processes exactly one data set')) return undefined;
    const almaShape = this.count(PATHS.schedBlockSet) > 0;
    const vlaShape = this.count(PATHS.vlaRelativePath) > 0 || this.count(PATHS.sdmIdentifier) > 0;
    const dataSet = this.reading.elements.get(PATHS.dataSet)?.first?.at ?? this.rootAt;
    if ((reader === 'vla' && almaShape && !vlaShape) || (reader === 'alma' && vlaShape && !almaShape)) {
      const other: PipelineReader = reader === 'vla' ? 'alma' : 'vla';
      this.add(
        dataSet,
        `DataSet has the ${other.toUpperCase()} shape (${SHAPES[other]}), but telescope ${quote(telescope)} selects ${RUNNER_SCRIPTS[reader]}, which reads ${SHAPES[reader]}`,
      );
      return undefined;
    }
    if (reader === 'vla') {
      const relativePath = this.replaced(this.single(PATHS.vlaRelativePath, 'the VLA pipeline finds the processing directory through it'), 'RelativePath');
      const sdm = this.text(this.single(PATHS.sdmIdentifier, 'the VLA pipeline reads the data from rawdata/<SdmIdentifier>'), 'SdmIdentifier', {
        string: 'the pipeline joins it to the raw data directory',
        verbatim: 'the data are read from rawdata/<SdmIdentifier>',
        bareName: true,
      });
      return relativePath && sdm !== undefined ? { relativePath, names: [sdm] } : undefined;
    }
    const why = 'the ALMA pipeline reads exactly one scheduling block';
    if (!this.single(PATHS.schedBlockSet, why) || !this.single(PATHS.schedBlockIdentifier, why)) return undefined;
    const relativePath = this.replaced(this.single(PATHS.almaRelativePath, 'the ALMA pipeline finds the processing directory through it'), 'RelativePath');
    const names = [...this.reading.asdmDiskNames];
    if (names.length === 0 && !this.reading.partProblems.some((problem) => problem.reader === 'alma')) {
      this.add(this.reading.elements.get(PATHS.schedBlockIdentifier)?.first?.at ?? dataSet, 'SchedBlockIdentifier has no AsdmIdentifier (the ALMA pipeline would have no data)');
    }
    return relativePath && names.length > 0 ? { relativePath, names } : undefined;
  }

  run(options: AuditPprOptions): PprAudit {
    const reading = this.reading;
    const telescopeElement = reading.elements.get(`${PATHS.projectSummary}/Telescope`);
    const pprTelescope = telescopeElement?.count === 1 ? telescopeElement.first?.content.text : undefined;
    const telescope = options.telescope?.trim() || pprTelescope?.trim();
    const reader = this.telescopeReader(telescope);
    this.problems.push(...reading.partProblems.filter((problem) => !problem.reader || problem.reader === reader));
    let rootDirectory: PprElement | undefined;
    let data: { relativePath: PprElement; names: string[] } | undefined;
    if (reader && telescope) {
      this.projectSummary(reader);
      this.projectStructure(reader);
      rootDirectory = this.requests();
      data = this.dataSet(reader, telescope);
    }
    const problems = [...this.problems].sort((a, b) => a.offset - b.offset).map((problem) => problem.text);
    const [firstName, ...otherNames] = data?.names ?? [];
    if (problems.length > 0 || !reader || !telescope || !rootDirectory || !data || firstName === undefined) {
      return { ok: false, problems: problems.length > 0 ? problems : [`${this.label}: not a PPR the pipeline can read`] };
    }
    const title = reading.elements.get(PATHS.procedureTitle)?.first?.content.text;
    return {
      ok: true,
      document: {
        path: reading.path,
        label: this.label,
        rootElement: reading.root?.name ?? ROOT_ELEMENT,
        reader,
        telescope,
        ...(pprTelescope !== undefined ? { pprTelescope } : {}),
        ...(title ? { procedureTitle: title } : {}),
        rootDirectory,
        relativePath: data.relativePath,
        dataNames: [firstName, ...otherNames],
        commandCount: reading.commandCount,
        commands: reading.commands,
      },
    };
  }
}
