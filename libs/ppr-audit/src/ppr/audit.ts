import { bareNameProblem, relativePathProblem } from '../names';
import { quote } from '../problems';
import type { PprAudit, PprDataSet, PprDataSetReading, PprElement, PprLocation, PprReading } from './types';

const ROOT_ELEMENT = 'SciPipeRequest';

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/**
 * Checks a PPR reading against what CASA's pipeline needs (SPEC 4.4) and returns the typed document, or
 * every problem found: an operator fixes them all after one run instead of one per run.
 */
export function auditPpr(reading: PprReading): PprAudit {
  if (reading.problems.length > 0) return { ok: false, problems: reading.problems };
  const label = reading.label;
  const where = (at: PprLocation): string => `${label}:${at.line}:${at.column}`;
  const root = reading.root;
  if (!root) return { ok: false, problems: [`${label}: has no root element`] };
  // With another root the file is some other document: listing every missing element would only bury that.
  if (localName(root.name) !== ROOT_ELEMENT) {
    return { ok: false, problems: [`${where(root.at)}: root element is <${root.name}>, not <${ROOT_ELEMENT}> (not a PPR)`] };
  }

  const problems: string[] = [];
  const single = (elements: readonly PprElement[], what: string): PprElement | undefined => {
    const [first, second] = elements;
    if (second) problems.push(`${where(second.at)}: ${what} appears ${elements.length} times (expected once)`);
    if (first?.hasChildElements) problems.push(`${where(first.at)}: ${what} must hold only text, not elements`);
    return first;
  };

  const rootDirectory = single(reading.rootDirectories, 'RootDirectory');
  if (!rootDirectory) problems.push(`${label}: ${ROOT_ELEMENT}/ProcessingRequests/RootDirectory is missing`);

  const dataSets = reading.dataSets.flatMap((set) => auditDataSet(set, where, single, problems));
  if (reading.dataSets.length === 0) {
    problems.push(`${label}: no ProcessingRequest/DataSet (RelativePath and SdmIdentifier are missing)`);
  }

  const commands: string[] = [];
  for (const processingCommand of reading.processingCommands) {
    const command = single(processingCommand.commands, 'Command')?.text.trim();
    if (command) commands.push(command);
    else problems.push(`${where(processingCommand.at)}: ProcessingCommand has no Command`);
  }
  if (reading.processingCommands.length === 0) {
    problems.push(`${label}: no ProcessingProcedure/ProcessingCommand (the pipeline would have nothing to run)`);
  }

  const [firstDataSet, ...otherDataSets] = dataSets;
  const [firstCommand, ...otherCommands] = commands;
  if (problems.length > 0 || !rootDirectory || !firstDataSet || firstCommand === undefined) return { ok: false, problems };
  const telescope = reading.projectSummary['Telescope'];
  const procedureTitle = reading.procedureTitles[0]?.text.trim();
  return {
    ok: true,
    document: {
      path: reading.path,
      label,
      rootElement: root.name,
      projectSummary: reading.projectSummary,
      ...(telescope ? { telescope } : {}),
      ...(procedureTitle ? { procedureTitle } : {}),
      rootDirectory,
      dataSets: [firstDataSet, ...otherDataSets],
      commands: [firstCommand, ...otherCommands],
    },
  };
}

function auditDataSet(
  set: PprDataSetReading,
  where: (at: PprLocation) => string,
  single: (elements: readonly PprElement[], what: string) => PprElement | undefined,
  problems: string[],
): PprDataSet[] {
  const before = problems.length;
  const relativePath = single(set.relativePaths, 'RelativePath');
  if (!relativePath) {
    problems.push(`${where(set.at)}: DataSet has no RelativePath`);
  } else {
    // The text is replaced in the corrected copy, but a PPR that points outside its root is refused anyway:
    // it was written wrongly, or on purpose.
    const reason = relativePathProblem(relativePath.text.trim());
    if (reason) {
      problems.push(`${where(relativePath.at)}: RelativePath ${quote(relativePath.text.trim())} ${reason} (it must stay below RootDirectory)`);
    }
  }
  const sdmElement = single(set.sdmIdentifiers, 'SdmIdentifier');
  const sdmIdentifier = sdmElement?.text.trim() ?? '';
  if (!sdmElement) {
    problems.push(`${where(set.at)}: DataSet has no SdmIdentifier`);
  } else if (sdmIdentifier === '') {
    problems.push(`${where(sdmElement.at)}: SdmIdentifier is empty`);
  } else {
    const reason = bareNameProblem(sdmIdentifier);
    if (reason) {
      problems.push(`${where(sdmElement.at)}: SdmIdentifier ${quote(sdmIdentifier)} ${reason} (the data are read from rawdata/<SdmIdentifier>)`);
    }
  }
  const dataType = single(set.dataTypes, 'DataType')?.text.trim();
  if (problems.length > before || !relativePath) return [];
  return [{ at: set.at, relativePath, sdmIdentifier, ...(dataType ? { dataType } : {}) }];
}
