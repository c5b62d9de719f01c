import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isRunRecord, tempDir, treeFingerprint, workspaceRoot, writeRawTar } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, reason } from './support/casa-envoy';
import { addCalibrationTar, almaPprFor, ASDMS, CASA_EMULATOR_HOME, makeProcessingDir, metadataFor, pprFor, SDM, type CasaMode } from './support/processing-dir';

type Prepare = (dir: string) => void | Promise<void>;
const edit = (replace: (ppr: string) => string) => pprFor('standard-cal').replace(/[\s\S]*/, (text) => replace(text));
const without = (field: string) => {
  const metadata = metadataFor('standard-cal');
  delete metadata[field];
  return metadata;
};

const BOMB = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<SciPipeRequest><ProcessingRequests><RootDirectory>&lol9;</RootDirectory></ProcessingRequests></SciPipeRequest>
`;

interface Case {
  readonly name: string;
  readonly mode?: CasaMode;
  readonly code: number;
  readonly message: RegExp;
  readonly ppr?: string;
  readonly metadata?: Record<string, unknown> | string;
  readonly rawdata?: boolean;
  readonly prepare?: Prepare;
  readonly env?: Record<string, string | undefined>;
  readonly telescope?: 'vla' | 'alma';
}

const CASES: Case[] = [
  { name: 'malformed XML', code: 65, ppr: pprFor('standard-cal').replace('</Telescope>', '</Telescop>'), message: /PPR\.xml:\d+:\d+/ },
  { name: 'empty PPR', code: 65, ppr: '', message: /PPR\.xml/ },
  { name: 'PPR that is a directory', code: 65, prepare: (dir) => { rmSync(join(dir, 'PPR.xml')); mkdirSync(join(dir, 'PPR.xml')); }, message: /PPR\.xml.*directory/ },
  { name: 'missing RelativePath', code: 65, ppr: edit((p) => p.replace(/<RelativePath>[^<]*<\/RelativePath>/, '')), message: /RelativePath/ },
  { name: 'missing SdmIdentifier', code: 65, ppr: edit((p) => p.replace(/<SdmIdentifier>[^<]*<\/SdmIdentifier>/, '')), message: /SdmIdentifier/ },
  { name: 'empty SdmIdentifier', code: 65, ppr: edit((p) => p.replace(/<SdmIdentifier>[^<]*<\/SdmIdentifier>/, '<SdmIdentifier></SdmIdentifier>')), message: /SdmIdentifier/ },
  { name: 'missing RootDirectory', code: 65, ppr: edit((p) => p.replace(/<RootDirectory>[^<]*<\/RootDirectory>/, '')), message: /RootDirectory/ },
  { name: 'no ProcessingCommand', code: 65, ppr: edit((p) => p.replace(/<ProcessingCommand>[\s\S]*<\/ProcessingCommand>/, '')), message: /ProcessingCommand/ },
  { name: 'SdmIdentifier with ..', code: 65, ppr: edit((p) => p.replace(/<SdmIdentifier>[^<]*</, '<SdmIdentifier>../../etc<')), message: /SdmIdentifier/ },
  { name: 'absolute SdmIdentifier', code: 65, ppr: edit((p) => p.replace(/<SdmIdentifier>[^<]*</, '<SdmIdentifier>/etc<')), message: /SdmIdentifier/ },
  { name: 'RelativePath with ..', code: 65, ppr: edit((p) => p.replace(/<RelativePath>[^<]*</, '<RelativePath>../../etc<')), message: /RelativePath/ },
  { name: 'absolute RelativePath', code: 65, ppr: edit((p) => p.replace(/<RelativePath>[^<]*</, '<RelativePath>/etc<')), message: /RelativePath/ },
  { name: 'entity bomb', code: 65, ppr: BOMB, message: /PPR\.xml/ },
  { name: 'metadata not JSON', code: 65, metadata: '{"fileSetIds": "x",', message: /metadata\.json/ },
  { name: 'metadata without workflowName', code: 65, metadata: without('workflowName'), message: /workflowName/ },
  { name: 'metadata without productLocator', code: 65, metadata: without('productLocator'), message: /productLocator/ },
  { name: 'metadata without fileSetIds', code: 65, metadata: without('fileSetIds'), message: /fileSetIds/ },
  { name: 'metadata without systemId', code: 65, metadata: without('systemId'), message: /systemId/ },
  { name: 'metadata without creationTime', code: 65, metadata: without('creationTime'), message: /creationTime/ },
  { name: 'metadata without destinationDirectory', code: 65, metadata: without('destinationDirectory'), message: /destinationDirectory/ },
  { name: 'locator that is not an execution block', code: 65, metadata: { ...metadataFor('standard-cal'), productLocator: 'uid://evla/image/1234' }, message: /productLocator.*execblock|execution block/ },
  { name: 'restore of a locator that is not an execution block', mode: 'restore', code: 65, metadata: { ...metadataFor('restore'), productLocator: 'uid://evla/image/1234' }, message: /productLocator/ },
  { name: 'imaging without a .ms CMS name', mode: 'standard-img', code: 65, metadata: { ...metadataFor('standard-img'), cmsName: 'brain.cms' }, message: /cmsName/ },
  { name: 'imaging without calibrationSourceDirectory', mode: 'standard-img', code: 65, metadata: (() => { const m = metadataFor('standard-img'); delete m['calibrationSourceDirectory']; return m; })(), message: /calibrationSourceDirectory/ },
  // What the pipeline's parser (expat) refuses, and a lenient XML reader lets pass: refused before launch, not after.
  { name: 'a space after </ in an end tag', code: 65, ppr: edit((p) => p.replace('</Telescope>', '</ Telescope>')), message: /^casa-envoy: audit failed: PPR\.xml:6:24: malformed end tag "<\/ Telescope>"/ },
  { name: 'a space after < in a start tag', code: 65, ppr: edit((p) => p.replace('<RelativePath>', '< RelativePath>')), message: /^casa-envoy: audit failed: PPR\.xml:\d+:17: malformed start tag "< RelativePath>"/ },
  { name: '"]]>" in element text', code: 65, ppr: edit((p) => p.replace('<Mode>SCIENCE</Mode>', '<Mode>SCI]]>ENCE</Mode>')), message: /^casa-envoy: audit failed: PPR\.xml:9:18: "\]\]>" in text \(XML allows it only to end a CDATA section/ },
  { name: 'a duplicate attribute', code: 65, ppr: edit((p) => p.replace('<DataSet>', '<DataSet kind="a" kind="b">')), message: /^casa-envoy: audit failed: PPR\.xml:\d+:13: attribute kind appears twice in one tag/ },
  { name: 'metadata telescope ALMA with a PPR saying EVLA', code: 65, metadata: { ...metadataFor('standard-cal'), projectMetadata: { telescope: 'ALMA' } }, message: /PPR\.xml:6:9: ProjectSummary\/Telescope "EVLA" is not the telescope of metadata\.json \(projectMetadata\.telescope "ALMA"\)/ },
  { name: 'a PPR far larger than any real one (not read)', code: 65, prepare: (dir) => truncateSync(join(dir, 'PPR.xml'), 65 * 1024 * 1024), message: /^casa-envoy: audit failed: PPR\.xml: is larger than 64 MiB/ },
  // What the VLA reader would reject or read differently.
  { name: 'SdmIdentifier with white space around it', code: 65, ppr: edit((p) => p.replace(`>${SDM}<`, `> ${SDM}\n<`)), message: /SdmIdentifier " brain_000\.58099\.67095825232\\n" has white space around it: the pipeline reads it verbatim/ },
  { name: 'SdmIdentifier in CDATA', code: 65, ppr: edit((p) => p.replace(`>${SDM}<`, `><![CDATA[${SDM}]]><`)), message: /PPR\.xml:\d+:17: SdmIdentifier holds a CDATA section: the pipeline reads no text from one/ },
  { name: 'a comment in SdmIdentifier', code: 65, ppr: edit((p) => p.replace(`>${SDM}<`, `><!-- EB -->${SDM}<`)), message: /SdmIdentifier has a comment inside/ },
  { name: 'a numeric SdmIdentifier', code: 65, ppr: edit((p) => p.replace(`>${SDM}<`, '>58099<')), message: /SdmIdentifier "58099" is read by the pipeline as an integer/ },
  { name: 'two DataSets', code: 65, ppr: edit((p) => p.replace(/(<DataSet>[\s\S]*?<\/DataSet>)/, '$1\n            $1')), message: /DataSet appears 2 times in ProcessingRequest: the pipeline reads exactly one/ },
  { name: 'two ProcessingRequests', code: 65, ppr: edit((p) => p.replace(/(<ProcessingRequest>[\s\S]*?<\/ProcessingRequest>)/, '$1\n        $1')), message: /ProcessingRequest appears 2 times in ProcessingRequests/ },
  ...['ProposalCode', 'Observatory', 'Telescope', 'ProcessingSite', 'Operator', 'Mode'].map((field) => ({
    name: `a ProjectSummary without ${field}`,
    code: 65,
    ppr: edit((p) => p.replace(new RegExp(`<${field}>[^<]*</${field}>`), '')),
    message: field === 'Telescope' ? /ProjectSummary has no Telescope/ : new RegExp(`PPR\\.xml:3:5: ProjectSummary has no ${field} \\(the VLA pipeline reads`),
  })),
  { name: 'Operator in CDATA', code: 65, ppr: edit((p) => p.replace('<Operator>vlapipe</Operator>', '<Operator><![CDATA[vla<pipe>]]></Operator>')), message: /Operator holds a CDATA section/ },
  { name: 'a numeric ProposalCode', code: 65, ppr: edit((p) => p.replace('<ProposalCode>VLA/null</ProposalCode>', '<ProposalCode>20170101</ProposalCode>')), message: /ProposalCode "20170101" is read by the pipeline as an integer/ },
  { name: 'an ALMA-shaped PPR for telescope EVLA', code: 65, ppr: readFileSync(join(workspaceRoot, 'tools/fixtures/examples/PPR-alma.xml'), 'utf8').replace('<Telescope>ALMA</Telescope>', '<Telescope>EVLA</Telescope>'), message: /DataSet has the ALMA shape .*but telescope "EVLA" selects runvlapipeline\.py/ },
  { name: 'a VLA-shaped PPR for telescope ALMA', code: 65, metadata: { ...metadataFor('standard-cal'), projectMetadata: { telescope: 'ALMA' } }, ppr: edit((p) => p.replace('<Telescope>EVLA</Telescope>', '<Telescope>ALMA</Telescope>').replace('<ProjectStructure>TBD</ProjectStructure>', /<ProjectStructure>[\s\S]*<\/ProjectStructure>/.exec(almaPprFor('standard-cal'))?.[0] ?? '')), message: /DataSet has the VLA shape .*but telescope "ALMA" selects runpipeline\.py/ },
  { name: 'ALMA: a ProjectStructure without OUSStatusRef', telescope: 'alma', code: 65, ppr: almaPprFor('standard-cal').replace(/<OUSStatusRef[^>]*\/>/, ''), message: /ProjectStructure has no (OUSStatusRef|AlmaStructure)/ },
  { name: 'ALMA: an AsdmDiskName with white space around it', telescope: 'alma', code: 65, ppr: almaPprFor('standard-cal').replace(`>${ASDMS[1]}<`, `> ${ASDMS[1]}<`), message: /AsdmDiskName " uid___A002_Xe1f219_X7ee8" has white space around it/ },
  { name: 'ALMA: an ASDM without ExecBlockId', telescope: 'alma', code: 65, ppr: almaPprFor('standard-cal').replace(/<ExecBlockId>[^<]*<\/ExecBlockId>/, ''), message: /AsdmRef has no ExecBlockId/ },
  { name: 'missing metadata.json', code: 66, prepare: (dir) => rmSync(join(dir, 'metadata.json')), message: /metadata\.json/ },
  { name: 'missing PPR.xml', code: 66, prepare: (dir) => rmSync(join(dir, 'PPR.xml')), message: /PPR\.xml/ },
  { name: 'missing rawdata', code: 66, prepare: (dir) => rmSync(join(dir, 'rawdata'), { recursive: true }), message: /rawdata/ },
  { name: 'missing rawdata/<SdmIdentifier>', code: 66, rawdata: false, message: new RegExp(`rawdata/${SDM.replace(/\./g, '\\.')}`) },
  { name: 'rawdata/<SdmIdentifier> a dangling symlink', code: 65, rawdata: false, prepare: (dir) => symlinkSync('gone', join(dir, 'rawdata', SDM)), message: /symlink \S+ is dangling \(its target does not exist\): refused$/ },
  { name: 'missing calibration tar', mode: 'restore', code: 66, message: /calibration|tar/ },
  { name: 'restore tar with ../x', mode: 'restore', code: 65, prepare: (dir) => writeRawTar(join(dir, 'rawdata/cal.tar'), [{ name: '../x', type: '0', content: 'evil' }]), message: /\.\.\/x/ },
  { name: 'restore tar with /abs', mode: 'restore', code: 65, prepare: (dir) => writeRawTar(join(dir, 'rawdata/cal.tar'), [{ name: `${dirname(dir)}/abs-evil`, type: '0', content: 'evil' }]), message: /abs-evil/ },
  { name: 'restore tar with a symlink out', mode: 'restore', code: 65, prepare: (dir) => writeRawTar(join(dir, 'rawdata/cal.tar'), [{ name: 'link', type: '2', linkname: '../../..' }, { name: 'link/evil', type: '0', content: 'x' }]), message: /link/ },
  { name: 'restore tar with a device node', mode: 'restore', code: 65, prepare: (dir) => writeRawTar(join(dir, 'rawdata/cal.tar'), [{ name: 'null', type: '3' }]), message: /null/ },
  { name: 'missing CASA_HOME', code: 69, env: { CASA_HOME: undefined }, message: /CASA_HOME/ },
  { name: 'CASA_HOME without bin/casa', code: 69, env: { CASA_HOME: tempDir('empty-casa-') }, message: /bin\/casa/ },
  { name: 'CASA_HOME without the runner', code: 69, prepare: () => undefined, env: { CASA_HOME: (() => { const home = tempDir('casa-norunner-'); mkdirSync(join(home, 'bin')); symlinkSync(join(CASA_EMULATOR_HOME, 'bin/casa'), join(home, 'bin/casa')); return home; })() }, message: /runvlapipeline\.py/ },
  { name: 'a bad time limit setting', code: 65, env: { CASA_TIMEOUT_MINUTES: 'soon' }, message: /envoys\.casa\.timeoutMinutes.*CASA_TIMEOUT_MINUTES/ },
];

// Bad input: the documented exit status, one line first, inputs unchanged, nothing created outside.
describe('casa-envoy on hostile and broken inputs', () => {
  it.each(CASES.map((item) => [item.name, item] as const))('%s', async (_name, item) => {
    const mode = item.mode ?? 'standard-cal';
    const dir = makeProcessingDir({ mode, ppr: item.ppr, metadata: item.metadata, rawdata: item.rawdata, telescope: item.telescope });
    await item.prepare?.(dir);
    const spool = dirname(dir);
    const before = treeFingerprint(spool);
    const started = Date.now();
    const finished = await casaEnvoy(dir, MODE_ARGS[mode], item.env);
    expect([finished.code, finished.stderr]).toEqual([item.code, expect.any(String)]);
    const first = finished.stderr.split('\n')[0] ?? '';
    expect(first).toMatch(/^casa-envoy: /);
    expect(first).toMatch(item.message);
    expect(Date.now() - started).toBeLessThan(10000);
    // Only the run's own records are new; no input changed; nothing appeared beside the processing directory.
    const after = treeFingerprint(spool);
    const added = Object.keys(after).filter((path) => !(path in before));
    expect(added.filter((path) => !isRunRecord('casa-envoy', path) && !/\/(working|products)$/.test(path))).toEqual([]);
    for (const [path, print] of Object.entries(before)) expect([path, after[path]]).toEqual([path, print]);
    expect(readReport(dir)).toMatchObject({ status: 'failed', exitCode: item.code });
    expect(readdirSync(spool)).toEqual([dir.slice(spool.length + 1)]);
  });

  it('the restore of a hostile tar writes nothing into products/', async () => {
    const dir = makeProcessingDir({ mode: 'restore' });
    mkdirSync(join(dir, 'products'));
    writeRawTar(join(dir, 'rawdata/cal.tar'), [{ name: 'good.txt', type: '0', content: 'ok' }, { name: '../../escape.txt', type: '0', content: 'evil' }]);
    const finished = await casaEnvoy(dir, MODE_ARGS.restore);
    expect(finished.code).toBe(65);
    expect(readdirSync(join(dir, 'products'))).toEqual([]);
  });

  it('several calibration tars need metadata calibrationTarball', async () => {
    const dir = makeProcessingDir({ mode: 'restore' });
    await addCalibrationTar(dir, 'a.caltables.tar');
    await addCalibrationTar(dir, 'b.caltables.tgz');
    const ambiguous = await casaEnvoy(dir, MODE_ARGS.restore);
    expect(ambiguous.code).toBe(65);
    expect(reason(ambiguous)).toMatch(/a\.caltables\.tar.*b\.caltables\.tgz|calibrationTarball/);
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ ...metadataFor('restore'), calibrationTarball: 'b.caltables.tgz' }));
    const chosen = await casaEnvoy(dir, MODE_ARGS.restore);
    expect(chosen.code).toBe(0);
  });

  it('an unwritable processing directory is exit 73', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    // As root permission bits do not stop writes; a file where working/ should be does.
    writeFileSync(join(dir, 'working'), 'not a directory');
    chmodSync(join(dir, 'working'), 0o444);
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect([65, 73]).toContain(finished.code);
  });
});
