import { place, textProblem, unreadable } from './fields';
import type { ScanHandler, Watch } from './frames';
import type { PipelineReader, PprElement, PprLocation, PprOccurrences, PprProblem } from './types';

const REQUEST = 'ProcessingRequests/ProcessingRequest';
const PROCEDURE = `${REQUEST}/ProcessingProcedure`;
const INTENTS = `${REQUEST}/ProcessingIntents`;
const DATA_SET = `${REQUEST}/DataSet`;
const SCHED_BLOCK = `${DATA_SET}/SchedBlockSet/SchedBlockIdentifier`;
const STRUCTURE_FIELDS = ['ObsUnitSetRef', 'ObsUnitSetTitle', 'ObsUnitSetType', 'ProjectStatusRef', 'OUSStatusRef'];

export const PATHS = {
  projectSummary: 'ProjectSummary',
  projectStructure: 'ProjectStructure',
  almaStructure: 'ProjectStructure/AlmaStructure',
  requests: 'ProcessingRequests',
  rootDirectory: 'ProcessingRequests/RootDirectory',
  request: REQUEST,
  intents: INTENTS,
  procedure: PROCEDURE,
  procedureTitle: `${PROCEDURE}/ProcedureTitle`,
  dataSet: DATA_SET,
  vlaRelativePath: `${DATA_SET}/RelativePath`,
  sdmIdentifier: `${DATA_SET}/SdmIdentifier`,
  schedBlockSet: `${DATA_SET}/SchedBlockSet`,
  schedBlockIdentifier: SCHED_BLOCK,
  almaRelativePath: `${SCHED_BLOCK}/RelativePath`,
} as const;

/** ProjectSummary fields the pipeline's readers print (VLA: all six; ALMA: the first three). */
export const SUMMARY_FIELDS = ['ProposalCode', 'Observatory', 'Telescope', 'ProcessingSite', 'Operator', 'Mode'] as const;

// Elements counted (and kept: the first two) wherever they occur once at most in a PPR the pipeline reads.
const SINGLES = new Map<string, Watch>([
  [PATHS.projectSummary, 'mark'],
  ...SUMMARY_FIELDS.map((field): [string, Watch] => [`ProjectSummary/${field}`, 'value']),
  [PATHS.projectStructure, 'mark'],
  [PATHS.almaStructure, 'mark'],
  ...STRUCTURE_FIELDS.flatMap((field): [string, Watch][] => [
    [`ProjectStructure/${field}`, 'value'],
    [`ProjectStructure/AlmaStructure/${field}`, 'value'],
  ]),
  [PATHS.requests, 'mark'],
  [PATHS.rootDirectory, 'value'],
  [PATHS.request, 'mark'],
  [PATHS.intents, 'mark'],
  [PATHS.procedure, 'mark'],
  [PATHS.procedureTitle, 'value'],
  [PATHS.dataSet, 'mark'],
  [PATHS.vlaRelativePath, 'value'],
  [PATHS.sdmIdentifier, 'value'],
  [PATHS.schedBlockSet, 'mark'],
  [PATHS.schedBlockIdentifier, 'mark'],
  [PATHS.almaRelativePath, 'value'],
]);

// Repeated parts, each checked as it closes; their children by path relative to the part.
const PARTS = new Map<string, ReadonlyMap<string, Watch>>([
  [`${INTENTS}/Intents`, new Map([['Keyword', 'value'], ['Value', 'value']])],
  [`${PROCEDURE}/ProcessingCommand`, new Map([['Command', 'value'], ['ParameterSet', 'mark']])],
  [`${PROCEDURE}/ProcessingCommand/ParameterSet/Parameter`, new Map([['Keyword', 'value'], ['Value', 'value']])],
  [`${SCHED_BLOCK}/AsdmIdentifier`, new Map([['AsdmDiskName', 'value'], ['AsdmRef', 'mark'], ['AsdmRef/ExecBlockId', 'value']])],
]);

/** PPRs have a handful of commands and data sets; more than this is refused, so what is kept stays bounded. */
export const MAX_KEPT_COMMANDS = 100;
export const MAX_ASDMS = 1000;
/** Problems kept (the count of the rest is reported). */
export const MAX_PROBLEMS = 100;

interface Occurrence {
  count: number;
  first?: PprElement;
  second?: PprElement;
}

interface OpenPart {
  readonly path: string;
  readonly at: PprLocation;
  readonly children: Map<string, Occurrence>;
}

function record(map: Map<string, Occurrence>, key: string, element: PprElement): void {
  const found = map.get(key) ?? { count: 0 };
  found.count += 1;
  if (found.count === 1) found.first = element;
  else if (found.count === 2) found.second = element;
  map.set(key, found);
}

/**
 * Keeps, while a PPR streams through the scanner, what the audit needs: the elements that occur once, the
 * problems of each repeated part (checked as the part closes, then forgotten), the first Commands and every
 * AsdmDiskName. Memory does not grow with the number of commands, parameters or intents.
 */
export class PprCollector implements ScanHandler {
  readonly elements = new Map<string, Occurrence>();
  readonly problems: PprProblem[] = [];
  problemsDropped = 0;
  commandCount = 0;
  readonly commands: string[] = [];
  readonly asdmDiskNames: string[] = [];
  private asdmCount = 0;
  private readonly parts: OpenPart[] = [];

  constructor(private readonly label: string) {}

  get occurrences(): ReadonlyMap<string, PprOccurrences> {
    return this.elements;
  }

  watch(key: string): Watch {
    const single = SINGLES.get(key);
    if (single) return single;
    if (PARTS.has(key)) return 'mark';
    const part = this.parts[this.parts.length - 1];
    if (part && key.startsWith(`${part.path}/`)) return PARTS.get(part.path)?.get(key.slice(part.path.length + 1));
    return undefined;
  }

  open(key: string, _name: string, at: PprLocation): void {
    if (PARTS.has(key)) this.parts.push({ path: key, at, children: new Map() });
  }

  close(key: string, element: PprElement): void {
    const part = this.parts[this.parts.length - 1];
    if (part && part.path === key) {
      this.parts.pop();
      this.checkPart(part, element);
      return;
    }
    if (SINGLES.has(key)) {
      record(this.elements, key, element);
      return;
    }
    if (part && key.startsWith(`${part.path}/`)) record(part.children, key.slice(part.path.length + 1), element);
  }

  private add(at: PprLocation, text: string, reader?: PipelineReader): void {
    if (this.problems.length >= MAX_PROBLEMS) {
      this.problemsDropped += 1;
      return;
    }
    this.problems.push({ offset: at.offset, text: `${place(this.label, at)}: ${text}`, ...(reader ? { reader } : {}) });
  }

  /** Exactly one `name` in the part: the element, else a problem (missing or repeated). */
  private one(part: OpenPart, what: string, name: string, why: string, reader?: PipelineReader): PprElement | undefined {
    const found = part.children.get(name);
    if (!found?.first) {
      this.add(part.at, `${what} has no ${name} (${why})`, reader);
      return undefined;
    }
    if (found.second) {
      this.add(found.second.at, `${what} has ${found.count} ${name} elements: the pipeline reads one (${why})`, reader);
      return undefined;
    }
    return found.first;
  }

  private checkText(element: PprElement | undefined, what: string, rules: Parameters<typeof textProblem>[2], reader?: PipelineReader): string | undefined {
    if (!element) return undefined;
    const problem = textProblem(element, what, rules);
    if (problem) {
      this.add(element.at, problem, reader);
      return undefined;
    }
    return element.content.text;
  }

  /** An optional Value: the pipeline reads '' when it cannot read one, which silently changes the request. */
  private checkOptionalValue(part: OpenPart, what: string): void {
    const value = part.children.get('Value');
    if (!value?.first) return;
    if (value.second) {
      this.add(value.second.at, `${what} has ${value.count} Value elements: the pipeline would read none of them ('' instead)`);
      return;
    }
    const reason = unreadable(value.first);
    if (reason && value.first.content.nodes > 0) this.add(value.first.at, `${what} Value ${reason} ('' instead)`);
  }

  private checkPart(part: OpenPart, element: PprElement): void {
    const kind = part.path.slice(part.path.lastIndexOf('/') + 1);
    if (kind === 'Intents') {
      const keyword = this.checkText(this.one(part, 'Intents', 'Keyword', 'the pipeline stops reading intents at the first one without'), 'Intents Keyword', {
        string: 'the pipeline looks the intent up by name',
      });
      this.checkOptionalValue(part, 'Intents');
      if (keyword !== undefined && /^SESSION_\d+$/.test(keyword)) {
        const value = part.children.get('Value')?.first;
        if (value && !unreadable(value)) {
          const problem = textProblem(value, `Intents ${keyword} Value`, { string: 'the ALMA pipeline splits it into ASDM names' });
          if (problem) this.add(value.at, problem, 'alma');
        }
      }
    } else if (kind === 'ProcessingCommand') {
      this.commandCount += 1;
      const command = this.checkText(this.one(part, 'ProcessingCommand', 'Command', 'the pipeline stops reading commands at the first one without'), 'Command', {
        string: 'the pipeline runs the task of that name',
        verbatim: 'a task name has none',
      });
      if (command === '') this.add(element.at, 'Command is empty');
      this.one(part, 'ProcessingCommand', 'ParameterSet', 'the pipeline stops reading commands at the first one without; an empty <ParameterSet/> is enough');
      if (command !== undefined && this.commands.length < MAX_KEPT_COMMANDS) this.commands.push(command);
    } else if (kind === 'Parameter') {
      this.checkText(this.one(part, 'Parameter', 'Keyword', 'the pipeline stops reading parameters at the first one without'), 'Parameter Keyword', {
        string: 'the pipeline passes it to the task as a parameter name',
        verbatim: 'a parameter name has none',
      });
      this.checkOptionalValue(part, 'Parameter');
    } else if (kind === 'AsdmIdentifier') {
      const name = this.checkText(
        this.one(part, 'AsdmIdentifier', 'AsdmDiskName', 'the ALMA pipeline stops reading ASDMs at the first one without', 'alma'),
        'AsdmDiskName',
        { string: 'the ALMA pipeline joins it to the raw data directory', verbatim: 'the data are read from rawdata/<AsdmDiskName>', bareName: true },
        'alma',
      );
      const why = 'the ALMA pipeline stops reading ASDMs at the first one without AsdmRef/ExecBlockId';
      const ref = this.one(part, 'AsdmIdentifier', 'AsdmRef', why, 'alma');
      const executionBlock = part.children.get('AsdmRef/ExecBlockId');
      if (ref && !executionBlock?.first) this.add(ref.at, `AsdmRef has no ExecBlockId (${why})`, 'alma');
      else if (ref && executionBlock?.second) this.add(executionBlock.second.at, `AsdmRef has ${executionBlock.count} ExecBlockId elements (${why})`, 'alma');
      else if (executionBlock?.first) this.checkText(executionBlock.first, 'ExecBlockId', {}, 'alma');
      this.asdmCount += 1;
      if (this.asdmCount === MAX_ASDMS + 1) this.add(element.at, `more than ${MAX_ASDMS} AsdmIdentifiers (not a PPR the envoy handles)`, 'alma');
      if (name !== undefined && this.asdmDiskNames.length < MAX_ASDMS) this.asdmDiskNames.push(name);
    }
  }
}
