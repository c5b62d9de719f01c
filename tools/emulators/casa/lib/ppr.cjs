// The pipeline's PPR readers, ported function by function: `_getFirstRequest` of
// pipeline/infrastructure/executevlappr.py (the VLA runner, runvlapipeline.py) and of executeppr.py (the ALMA
// runner, runpipeline.py). Each `try`/`except Exception` of the real code is kept, so a PPR that is a little
// wrong is read the way the pipeline reads it: a repeated element silently ends a list, a missing one
// empties the relative path, and only some mistakes raise. Values stay castType results ({ type, value }).
const fs = require('node:fs');
const { objectify, attr, item, getValue, getAttribute } = require('./objectify.cjs');
const { PyError } = require('./python.cjs');

/** Runs `fn`; a Python exception (what `except Exception` catches) gives `fallback()` instead. */
function attempt(fn, fallback) {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof PyError)) throw error;
    return fallback(error);
  }
}

/** `while search: try: ...[n]... except Exception: search = 0` as a loop over n. */
function collect(read) {
  const found = [];
  for (;;) {
    const next = attempt(() => read(found.length), () => undefined);
    if (next === undefined) return found;
    found.push(next);
  }
}

function requestPart(ppr, numRequests, name) {
  const requests = attr(attr(attr(ppr, 'SciPipeRequest'), 'ProcessingRequests'), 'ProcessingRequest');
  return attr(numRequests === 1 ? requests : item(requests, 0), name);
}

function getParameters(parameterSet) {
  const read = (parameter) => ({
    keyword: getValue(attr(parameter, 'Keyword')),
    value: attempt(() => getValue(attr(parameter, 'Value')), () => ({ type: 'str', value: '' })),
  });
  return attempt(
    () => [read(attr(parameterSet, 'Parameter'))],
    () => collect((n) => read(item(attr(parameterSet, 'Parameter'), n))),
  );
}

function getIntents(ppr, numRequests) {
  const intents = requestPart(ppr, numRequests, 'ProcessingIntents');
  const read = (entry) => ({
    keyword: getValue(attr(entry, 'Keyword')),
    value: attempt(() => getValue(attr(entry, 'Value')), () => ({ type: 'str', value: '' })),
  });
  return attempt(
    () => [read(attr(intents, 'Intents'))],
    () => collect((n) => read(item(attr(intents, 'Intents'), n))),
  );
}

function getCommands(ppr, numRequests) {
  const procedure = requestPart(ppr, numRequests, 'ProcessingProcedure');
  const procedureName = attempt(() => getValue(attr(procedure, 'ProcedureTitle')), () => ({ type: 'str', value: 'Undefined' }));
  const read = (command) => ({ name: getValue(attr(command, 'Command')), parameters: getParameters(attr(command, 'ParameterSet')) });
  const commands = attempt(
    () => [read(attr(procedure, 'ProcessingCommand'))],
    () => collect((n) => read(item(attr(procedure, 'ProcessingCommand'), n))),
  );
  return { procedureName, commands };
}

function summary(ppr, fields) {
  const projectSummary = attr(attr(ppr, 'SciPipeRequest'), 'ProjectSummary');
  return fields.map(([key, prompt, element]) => ({ key, prompt, value: getValue(attr(projectSummary, element)) }));
}

const VLA_SUMMARY = [
  ['proposal_code', 'Proposal code: ', 'ProposalCode'],
  ['observatory', 'Observatory: ', 'Observatory'],
  ['telescope', 'Telescope: ', 'Telescope'],
  ['processing_site', 'Processsing site: ', 'ProcessingSite'],
  ['operator', 'Operator: ', 'Operator'],
  ['mode', 'Mode: ', 'Mode'],
];
const ALMA_SUMMARY = VLA_SUMMARY.slice(0, 3);

// --- VLA: executevlappr.py -------------------------------------------------------------------------------

function vlaNumRequests(ppr) {
  const requests = attr(attr(ppr, 'SciPipeRequest'), 'ProcessingRequests');
  const single = attempt(() => (getValue(attr(attr(attr(requests, 'ProcessingRequest'), 'DataSet'), 'RelativePath')), 1), () => 0);
  if (single) return 1;
  return collect((n) => getValue(attr(attr(item(attr(requests, 'ProcessingRequest'), n), 'DataSet'), 'RelativePath'))).length;
}

function vlaFirstRequest(ppr, version) {
  const numRequests = vlaNumRequests(ppr);
  if (numRequests <= 0) return undefined;
  const info = summary(ppr, VLA_SUMMARY);
  // Pipelines before the 2024 releases read ProjectStructure (any content) for the VLA too.
  if (version.readsVlaProjectStructure) attr(attr(ppr, 'SciPipeRequest'), 'ProjectStructure');
  const intents = getIntents(ppr, numRequests);
  const { procedureName, commands } = getCommands(ppr, numRequests);
  const dataSet = requestPart(ppr, numRequests, 'DataSet');
  const numSbSets = attempt(() => (getValue(attr(dataSet, 'RelativePath')), 1), () => 0);
  if (numSbSets <= 0) return undefined;
  // With more than one ProcessingRequest the relative path stays "" and the data set is never bound: the
  // NameError is caught and the ASDM list is empty.
  const relativePath = numRequests === 1 ? getValue(attr(dataSet, 'RelativePath')) : { type: 'str', value: '' };
  const asdms = numRequests === 1 ? attempt(() => [getValue(attr(dataSet, 'SdmIdentifier'))], () => []) : [];
  return { info, structure: [], relativePath, intents, asdms, procedureName, commands };
}

// --- ALMA: executeppr.py ---------------------------------------------------------------------------------

function almaNumRequests(ppr) {
  const requests = attr(attr(ppr, 'SciPipeRequest'), 'ProcessingRequests');
  const path = (request, indexed) => {
    const identifiers = attr(attr(attr(request, 'DataSet'), 'SchedBlockSet'), 'SchedBlockIdentifier');
    return getValue(attr(indexed ? item(identifiers, 0) : identifiers, 'RelativePath'));
  };
  for (const indexed of [false, true]) {
    if (attempt(() => (path(attr(requests, 'ProcessingRequest'), indexed), true), () => false)) return 1;
  }
  for (const indexed of [false, true]) {
    const count = collect((n) => path(item(attr(requests, 'ProcessingRequest'), n), indexed)).length;
    if (count > 0) return count;
  }
  return 0;
}

function almaStructure(ppr) {
  let project = attr(attr(ppr, 'SciPipeRequest'), 'ProjectStructure');
  const direct = project;
  project = attempt(() => (getAttribute(attr(direct, 'OUSStatusRef'), 'entityId'), direct), () => attr(direct, 'AlmaStructure'));
  return [
    ['ous_entity_type', 'ObsUnitSet Entity Type: ', () => getAttribute(attr(project, 'ObsUnitSetRef'), 'entityTypeName')],
    ['ous_entity_id', 'ObsUnitSet Entity Id: ', () => getAttribute(attr(project, 'ObsUnitSetRef'), 'entityId')],
    ['ous_part_id', 'ObsUnitSet Part Id: ', () => getAttribute(attr(project, 'ObsUnitSetRef'), 'partId')],
    ['ous_title', 'ObsUnitSet Title: ', () => getValue(attr(project, 'ObsUnitSetTitle'))],
    ['ous_type', 'ObsUnitSet Type: ', () => getValue(attr(project, 'ObsUnitSetType'))],
    ['ps_entity_type', 'ProjectStatus Entity Type: ', () => getAttribute(attr(project, 'ProjectStatusRef'), 'entityTypeName')],
    ['ps_entity_id', 'ProjectStatus Entity Id: ', () => getAttribute(attr(project, 'ProjectStatusRef'), 'entityId')],
    ['ousstatus_entity_type', 'OUSStatus Entity Type: ', () => getAttribute(attr(project, 'OUSStatusRef'), 'entityTypeName')],
    ['ousstatus_entity_id', 'OUSStatus Entity Id: ', () => getAttribute(attr(project, 'OUSStatusRef'), 'entityId')],
  ].map(([key, prompt, read]) => ({ key, prompt, value: read() }));
}

function almaFirstRequest(ppr) {
  const numRequests = almaNumRequests(ppr);
  if (numRequests <= 0) return undefined;
  const info = summary(ppr, ALMA_SUMMARY);
  const structure = almaStructure(ppr);
  const intents = getIntents(ppr, numRequests);
  const { procedureName, commands } = getCommands(ppr, numRequests);
  const dataSet = requestPart(ppr, numRequests, 'DataSet');
  const numSbSets = attempt(() => (getValue(attr(attr(attr(dataSet, 'SchedBlockSet'), 'SchedBlockIdentifier'), 'RelativePath')), 1), () => 0);
  if (numSbSets <= 0) return undefined;
  const identifier = attr(attr(dataSet, 'SchedBlockSet'), 'SchedBlockIdentifier');
  const relativePath = getValue(attr(identifier, 'RelativePath'));
  const read = (asdm) => {
    const name = getValue(attr(asdm, 'AsdmDiskName'));
    getValue(attr(attr(asdm, 'AsdmRef'), 'ExecBlockId'));
    return name;
  };
  const asdms = attempt(
    () => [read(attr(identifier, 'AsdmIdentifier'))],
    () => collect((n) => read(item(attr(identifier, 'AsdmIdentifier'), n))),
  );
  return { info, structure, relativePath, intents, asdms, procedureName, commands };
}

/**
 * `_getFirstRequest(pprXmlFile)` of the runner's module (`reader` is 'vla' or 'alma'). Returns
 * { info, structure, relativePath, intents, asdms, procedureName, commands }; throws PyError where the
 * pipeline raises, including the ValueError of unpacking the five values returned when no request or
 * scheduling block set is found.
 */
function readFirstRequest(file, reader, version) {
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error.code === 'ENOENT') throw new PyError('FileNotFoundError', `[Errno 2] No such file or directory: '${file}'`);
    throw new PyError('OSError', String(error.message));
  }
  const ppr = objectify(bytes);
  const request = reader === 'alma' ? almaFirstRequest(ppr) : vlaFirstRequest(ppr, version);
  if (!request) throw new PyError('ValueError', 'not enough values to unpack (expected 7, got 5)');
  return request;
}

module.exports = { readFirstRequest };
