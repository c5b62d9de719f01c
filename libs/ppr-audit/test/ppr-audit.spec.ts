import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditPpr, readPpr, type PprAudit } from '../src';
import { EXAMPLE_PPR, replaceOnce, useTempDirs } from './support/files';

const tempDir = useTempDirs();
const ALMA_PPR = readFileSync(join(__dirname, '../../../tools/fixtures/examples/PPR-alma.xml'), 'utf8');

async function audit(content: string, telescope?: string): Promise<PprAudit> {
  const path = join(tempDir(), 'PPR.xml');
  writeFileSync(path, content);
  return auditPpr(await readPpr(path, { label: 'PPR.xml' }), telescope ? { telescope } : {});
}

async function problemsOf(content: string, telescope?: string): Promise<readonly string[]> {
  const result = await audit(content, telescope);
  return result.ok ? [] : result.problems;
}

/** The text with every occurrence of `from` replaced (the fixture must hold it). */
function replaceAll(text: string, from: string | RegExp, to: string): string {
  const replaced = typeof from === 'string' ? text.split(from).join(to) : text.replace(new RegExp(from.source, 'g'), to);
  if (replaced === text) throw new Error(`fixture: ${String(from)} not found`);
  return replaced;
}

describe('auditing PPR.xml for the VLA reader (runvlapipeline.py)', () => {
  it('passes the example PPR and types what the launchers need', async () => {
    const result = await audit(EXAMPLE_PPR);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const { document } = result;
    expect(document).toMatchObject({ rootElement: 'ns2:SciPipeRequest', reader: 'vla', telescope: 'EVLA', pprTelescope: 'EVLA' });
    expect(document.procedureTitle).toBe('Workspaces Standard Calibration');
    expect(document.rootDirectory.content.text).toBe('/lustre/aoc/cluster/pipeline/docker/workspaces/spool');
    expect(document.relativePath.content.text).toBe('tmpo1ca1pp_');
    expect(document.dataNames).toEqual(['brain_000.58099.67095825232']);
    expect(document.commandCount).toBe(8);
    expect(document.commands[0]).toBe('hifv_importdata');
  });

  it('accepts an empty or stale RootDirectory and RelativePath, a self-closing one, and comments in them', async () => {
    let text = replaceOnce(EXAMPLE_PPR, '/lustre/aoc/cluster/pipeline/docker/workspaces/spool', '<!-- replaced by the envoy -->');
    text = replaceOnce(text, '<RelativePath>tmpo1ca1pp_</RelativePath>', '<RelativePath/>');
    expect(await problemsOf(text)).toEqual([]);
  });

  // Each: what is changed in the example, and the one problem it must give (line:column, and why).
  const refused: Array<[string, (text: string) => string, RegExp]> = [
    ['SdmIdentifier with spaces around it', (t) => replaceOnce(t, '>brain_000.58099.67095825232<', '> brain_000.58099.67095825232 <'), /^PPR\.xml:69:17: SdmIdentifier " brain_000\.58099\.67095825232 " has white space around it: the pipeline reads it verbatim/],
    ['SdmIdentifier in CDATA', (t) => replaceOnce(t, '>brain_000.58099.67095825232<', '><![CDATA[brain_000.58099.67095825232]]><'), /^PPR\.xml:69:17: SdmIdentifier holds a CDATA section: the pipeline reads no text from one$/],
    ['a comment inside SdmIdentifier', (t) => replaceOnce(t, '>brain_000.58099.67095825232<', '>brain_000.58099.67095825232<!-- EB --><'), /^PPR\.xml:69:17: SdmIdentifier has a comment inside/],
    ['an empty SdmIdentifier', (t) => replaceOnce(t, '>brain_000.58099.67095825232<', '><'), /^PPR\.xml:69:17: SdmIdentifier is empty/],
    ['a numeric SdmIdentifier', (t) => replaceOnce(t, '>brain_000.58099.67095825232<', '>58099<'), /^PPR\.xml:69:17: SdmIdentifier "58099" is read by the pipeline as an integer, not as text/],
    ['an SdmIdentifier that is a path', (t) => replaceOnce(t, '>brain_000.58099.67095825232<', '>../brain<'), /SdmIdentifier "\.\.\/brain" contains a path separator/],
    ['two DataSets', (t) => t.replace(/(<DataSet>[\s\S]*?<\/DataSet>)/, '$1\n$1'), /^PPR\.xml:72:1: DataSet appears 2 times in ProcessingRequest: the pipeline reads exactly one/],
    ['two ProcessingRequests', (t) => t.replace(/(<ProcessingRequest>[\s\S]*?<\/ProcessingRequest>)/, '$1\n$1'), /ProcessingRequest appears 2 times in ProcessingRequests: the pipeline reads exactly one/],
    ['no DataSet', (t) => t.replace(/<DataSet>[\s\S]*?<\/DataSet>/, ''), /^PPR\.xml:16:9: ProcessingRequest has no DataSet/],
    ['a ProjectSummary without Operator', (t) => replaceOnce(t, '<Operator>vlapipe</Operator>', ''), /^PPR\.xml:3:5: ProjectSummary has no Operator \(the VLA pipeline reads ProposalCode, Observatory, Telescope, ProcessingSite, Operator, Mode\)$/],
    ['a ProjectSummary without Mode', (t) => replaceOnce(t, '<Mode>SCIENCE</Mode>', ''), /ProjectSummary has no Mode/],
    ['Operator in CDATA', (t) => replaceOnce(t, '<Operator>vlapipe</Operator>', '<Operator><![CDATA[vlapipe]]></Operator>'), /^PPR\.xml:8:9: Operator holds a CDATA section/],
    ['a numeric ProposalCode', (t) => replaceOnce(t, '<ProposalCode>VLA/null</ProposalCode>', '<ProposalCode>12345</ProposalCode>'), /^PPR\.xml:4:9: ProposalCode "12345" is read by the pipeline as an integer, not as text \(the pipeline adds it to a text/],
    ['a boolean Mode', (t) => replaceOnce(t, '<Mode>SCIENCE</Mode>', '<Mode>True</Mode>'), /Mode "True" is read by the pipeline as a boolean/],
    ['no ProjectStructure', (t) => replaceOnce(t, '<ProjectStructure>TBD</ProjectStructure>', ''), /SciPipeRequest has no ProjectStructure \(VLA pipelines before 2024 read it/],
    ['no ProcessingIntents', (t) => t.replace(/<ProcessingIntents>[\s\S]*?<\/ProcessingIntents>/, ''), /ProcessingRequest has no ProcessingIntents/],
    ['a ProcessingCommand without ParameterSet', (t) => replaceOnce(t, '<Command>hifv_hanning</Command>\n                    <ParameterSet/>', '<Command>hifv_hanning</Command>'), /ProcessingCommand has no ParameterSet \(the pipeline stops reading commands at the first one without/],
    ['a Command with spaces around it', (t) => replaceOnce(t, '<Command>hifv_hanning</Command>', '<Command> hifv_hanning</Command>'), /Command " hifv_hanning" has white space around it/],
    ['a ProcessingCommand without Command', (t) => replaceOnce(t, '<Command>hifv_hanning</Command>', ''), /ProcessingCommand has no Command/],
    ['a Parameter Keyword in CDATA', (t) => replaceOnce(t, '<Keyword>hm_tbuff</Keyword>', '<Keyword><![CDATA[hm_tbuff]]></Keyword>'), /Parameter Keyword holds a CDATA section/],
    ['a Parameter Value with a comment inside', (t) => replaceOnce(t, '<Value>1.5int</Value>', '<Value>1.5int<!-- x --></Value>'), /Parameter Value has a comment inside: the pipeline then reads no value from it \('' instead\)/],
    ['no ProcessingCommand', (t) => t.replace(/<ProcessingCommand>[\s\S]*?<\/ProcessingCommand>/g, ''), /ProcessingProcedure has no ProcessingCommand/],
    ['a repeated RootDirectory', (t) => t.replace(/(<RootDirectory>[^<]*<\/RootDirectory>)/, '$1$1'), /RootDirectory appears 2 times in ProcessingRequests/],
    ['an element inside RelativePath', (t) => replaceOnce(t, '<RelativePath>tmpo1ca1pp_</RelativePath>', '<RelativePath><x/></RelativePath>'), /RelativePath must hold only text, not elements/],
    ['an ALMA-shaped DataSet', (t) => t.replace(/<DataSet>[\s\S]*?<\/DataSet>/, '<DataSet><SchedBlockSet><SchedBlockIdentifier><RelativePath>x</RelativePath></SchedBlockIdentifier></SchedBlockSet></DataSet>'), /DataSet has the ALMA shape \(DataSet\/SchedBlockSet\/SchedBlockIdentifier.*\), but telescope "EVLA" selects runvlapipeline\.py, which reads DataSet\/RelativePath and DataSet\/SdmIdentifier$/],
  ];

  it.each(refused)('refuses %s, with the element and why', async (_what, change, expected) => {
    const problems = await problemsOf(change(EXAMPLE_PPR));
    expect(problems[0]).toMatch(expected);
  });

  it('reports every problem at once, in file order', async () => {
    let text = replaceOnce(EXAMPLE_PPR, '<Operator>vlapipe</Operator>', '');
    text = replaceOnce(text, '>brain_000.58099.67095825232<', '> brain_000.58099.67095825232<');
    text = replaceOnce(text, '<Command>hifv_hanning</Command>', '<Command>hifv_hanning </Command>');
    expect(await problemsOf(text)).toEqual([
      expect.stringMatching(/^PPR\.xml:3:5: ProjectSummary has no Operator/),
      expect.stringMatching(/^PPR\.xml:\d+:\d+: Command "hifv_hanning " has white space around it/),
      expect.stringMatching(/^PPR\.xml:\d+:17: SdmIdentifier " brain_000\.58099\.67095825232" has white space around it/),
    ]);
  });

  it('reports a telescope without a pipeline runner, and a PPR without telescope', async () => {
    expect(await problemsOf(replaceOnce(EXAMPLE_PPR, '<Telescope>EVLA</Telescope>', '<Telescope>GBT</Telescope>'))).toEqual([
      expect.stringMatching(/^PPR\.xml:2:1: telescope "GBT" has no CASA pipeline runner/),
    ]);
    expect(await problemsOf(replaceOnce(EXAMPLE_PPR, '<Telescope>EVLA</Telescope>', ''))).toEqual([expect.stringMatching(/no telescope/)]);
  });

  it('reports a document whose root is not SciPipeRequest, and only that', async () => {
    expect(await problemsOf('<?xml version="1.0"?>\n<Request><DataSet/></Request>')).toEqual([
      'PPR.xml:2:1: root element is <Request>, not <SciPipeRequest> (not a PPR)',
    ]);
  });

  it('passes the XML problems of the reading through unchanged', async () => {
    expect(await problemsOf('<a>')).toEqual([expect.stringMatching(/^PPR\.xml:1:4: unclosed root tag <a> \(the document ends before its end tag\)$/)]);
  });
});

describe('auditing PPR.xml for the ALMA reader (runpipeline.py)', () => {
  it('passes the ALMA example: the SchedBlockIdentifier RelativePath and every ASDM', async () => {
    const result = await audit(ALMA_PPR);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.document).toMatchObject({ reader: 'alma', telescope: 'ALMA', dataNames: ['uid___A002_Xe1f219_X6d0e', 'uid___A002_Xe1f219_X7ee8'], commandCount: 9 });
    expect(result.document.relativePath.content.text).toMatch(/MOUS_uid___A001_X1296_X1d3$/);
  });

  it('accepts the older ProjectStructure/AlmaStructure form', async () => {
    const text = ALMA_PPR.replace(/<ProjectStructure>([\s\S]*?)<\/ProjectStructure>/, '<ProjectStructure><AlmaStructure>$1</AlmaStructure></ProjectStructure>');
    expect(await problemsOf(text)).toEqual([]);
  });

  const refused: Array<[string, (text: string) => string, RegExp]> = [
    ['a VLA-shaped DataSet', (t) => t.replace(/<DataSet>[\s\S]*<\/DataSet>/, '<DataSet><RelativePath>x</RelativePath><SdmIdentifier>y</SdmIdentifier></DataSet>'), /DataSet has the VLA shape \(DataSet\/RelativePath and DataSet\/SdmIdentifier\), but telescope "ALMA" selects runpipeline\.py/],
    ['no OUSStatusRef', (t) => t.replace(/<OUSStatusRef[^>]*\/>/, ''), /ProjectStructure has no AlmaStructure|ProjectStructure has no OUSStatusRef/],
    ['a numeric partId', (t) => replaceOnce(t, 'partId="X1f9a7c2e"', 'partId="12"'), /ObsUnitSetRef partId "12" is read by the pipeline as an integer/],
    ['an ObsUnitSetTitle in CDATA', (t) => replaceOnce(t, '<ObsUnitSetTitle>Band 6 continuum</ObsUnitSetTitle>', '<ObsUnitSetTitle><![CDATA[Band 6]]></ObsUnitSetTitle>'), /ObsUnitSetTitle holds a CDATA section/],
    ['an AsdmDiskName with spaces around it', (t) => replaceOnce(t, '<AsdmDiskName>uid___A002_Xe1f219_X7ee8</AsdmDiskName>', '<AsdmDiskName>uid___A002_Xe1f219_X7ee8 </AsdmDiskName>'), /AsdmDiskName "uid___A002_Xe1f219_X7ee8 " has white space around it: the pipeline reads it verbatim/],
    ['an AsdmIdentifier without ExecBlockId', (t) => replaceOnce(t, '<ExecBlockId>uid://A002/Xe1f219/X7ee8</ExecBlockId>', ''), /AsdmRef has no ExecBlockId \(the ALMA pipeline stops reading ASDMs at the first one without/],
    ['two SchedBlockIdentifiers', (t) => t.replace(/(<SchedBlockIdentifier>[\s\S]*<\/SchedBlockIdentifier>)/, '$1$1'), /SchedBlockIdentifier appears 2 times in SchedBlockSet: the pipeline reads exactly one/],
    ['no AsdmIdentifier', (t) => replaceAll(t, /<AsdmIdentifier>[\s\S]*?<\/AsdmIdentifier>/, ''), /SchedBlockIdentifier has no AsdmIdentifier/],
    ['a numeric SESSION_1 value', (t) => replaceOnce(t, '<Value>uid___A002_Xe1f219_X6d0e | uid___A002_Xe1f219_X7ee8</Value>', '<Value>12</Value>'), /Intents SESSION_1 Value "12" is read by the pipeline as an integer/],
  ];

  it.each(refused)('refuses %s, with the element and why', async (_what, change, expected) => {
    const problems = await problemsOf(change(ALMA_PPR));
    expect(problems[0]).toMatch(expected);
  });

  it("takes the reader from the telescope it is given (metadata's), not from the PPR", async () => {
    expect(await problemsOf(ALMA_PPR, 'EVLA')).toEqual(
      expect.arrayContaining([expect.stringMatching(/DataSet has the ALMA shape .* but telescope "EVLA" selects runvlapipeline\.py/)]),
    );
  });
});
