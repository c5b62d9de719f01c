// Reads a Pipeline Processing Request the way the pipeline's executeppr does: the first ProcessingRequest,
// its procedure (commands with parameters) and its data sets. A missing part is an error that the pipeline
// would raise inside its try block, i.e. a quiet failure, never a crash of CASA.
const fs = require('node:fs');
const { parseXml, descendants, first, textOf } = require('./xml.cjs');

class PprError extends Error {}

function readCommands(request) {
  return descendants(request, 'ProcessingCommand').map((command) => ({
    name: textOf(command, 'Command') ?? '',
    parameters: descendants(command, 'Parameter').map((p) => ({ keyword: textOf(p, 'Keyword') ?? '', value: textOf(p, 'Value') ?? '' })),
  }));
}

function readDataSets(request) {
  return descendants(request, 'DataSet').map((set) => ({
    relativePath: textOf(set, 'RelativePath'),
    sdmIdentifier: textOf(set, 'SdmIdentifier'),
    dataType: textOf(set, 'DataType'),
  }));
}

/** Returns { rootDirectory, telescope, procedureTitle, commands, dataSets, relativePath, sdmIdentifiers }. */
function readPpr(file) {
  const root = parseXml(fs.readFileSync(file, 'utf8'));
  if (root.name !== 'SciPipeRequest') throw new PprError(`root element is ${root.qualified}, not SciPipeRequest`);
  const request = first(root, 'ProcessingRequest');
  if (!request) throw new PprError('no ProcessingRequest in the PPR');
  const dataSets = readDataSets(request);
  const commands = readCommands(request);
  if (dataSets.length === 0) throw new PprError('no DataSet in the ProcessingRequest');
  if (commands.length === 0) throw new PprError('no ProcessingCommand in the ProcessingRequest');
  const relativePath = dataSets[0].relativePath;
  if (relativePath === undefined) throw new PprError("'NoneType' object has no attribute 'text' (RelativePath)");
  const sdmIdentifiers = dataSets.map((set) => set.sdmIdentifier);
  if (sdmIdentifiers.some((id) => !id)) throw new PprError("'NoneType' object has no attribute 'text' (SdmIdentifier)");
  return {
    rootDirectory: textOf(root, 'RootDirectory'),
    telescope: textOf(first(root, 'ProjectSummary'), 'Telescope'),
    procedureTitle: textOf(request, 'ProcedureTitle') ?? '',
    commands,
    dataSets,
    relativePath,
    sdmIdentifiers,
  };
}

module.exports = { readPpr, PprError };
