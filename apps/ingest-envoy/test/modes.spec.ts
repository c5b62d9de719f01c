import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, treeFingerprint } from '@envoys/testing';
import { CAL_LOCATOR, EB_LOCATOR, HOSTILE_NAME, IMAGE_STEMS, NEWEST_RUN, SDM_ID, calibrationDir, imageDir, observationDir } from './support/fixtures';
import { inputFingerprint, ingestEnvoy, ledgerEntries, readManifest, readReport, tarMembers, type IngestWorld, type Manifest } from './support/ingest-envoy';

const TIMESTAMP = /\d{4}_\d{2}_\d{2}T\d{2}_\d{2}_\d{2}\.\d{3}/;

function world(): IngestWorld {
  const root = tempDir('ingest-modes-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The manifest's keys in order at every level CONTRACT 5.3 fixes. */
function expectKeyOrder(manifest: Manifest, parameters: string[]): void {
  expect(Object.keys(manifest)).toEqual(['parameters', 'input_group', 'output_group', 'ingestion_artifacts']);
  expect(Object.keys(manifest.parameters)).toEqual(parameters);
  expect(Object.keys(manifest.input_group)).toEqual(['science_products']);
  for (const input of manifest.input_group.science_products) expect(Object.keys(input)).toEqual(['type', 'locator']);
  for (const product of manifest.output_group.science_products) {
    expect(Object.keys(product)).toEqual(product.ancillary_products ? ['type', 'filename', 'ancillary_products'] : ['type', 'filename']);
  }
  expect(Object.keys(manifest.ingestion_artifacts)).toEqual(['ancillary_products']);
}

/** Every filename of the manifest, for the presence check. */
function filenames(manifest: Manifest): string[] {
  return [
    ...manifest.output_group.science_products.flatMap((product) => [product.filename, ...(product.ancillary_products ?? []).map((a) => a.filename)]),
    ...(manifest.output_group.ancillary_products ?? []).map((a) => a.filename),
    ...manifest.ingestion_artifacts.ancillary_products.map((a) => a.filename),
  ];
}

/** What every successful ingestion leaves: files present, artifacts tar holding the manifest, report, ledger. */
function expectCompleteIngestion(w: IngestWorld, dir: string, stagingDir: string, manifest: Manifest): void {
  for (const name of filenames(manifest)) {
    expect(name).not.toContain('/');
    expect(existsSync(join(stagingDir, name))).toBe(true);
  }
  const artifacts = manifest.ingestion_artifacts.ancillary_products;
  expect(artifacts).toHaveLength(1);
  expect(artifacts[0]?.type).toBe('ingestion_artifacts');
  expect(artifacts[0]?.filename).toMatch(new RegExp(`^ingestion_artifacts_${TIMESTAMP.source}\\.tar$`));
  const members = tarMembers(join(stagingDir, artifacts[0]?.filename ?? ''));
  expect(members.get('ingestion-manifest.json')?.equals(readFileSync(join(stagingDir, 'ingestion-manifest.json')))).toBe(true);
  expect(existsSync(join(stagingDir, 'ingestion-manifest.json'))).toBe(true);

  // The report lists every staged file with its size, SHA-256 and how it got there.
  const report = readReport(dir);
  expect(report).toMatchObject({ status: 'succeeded', exitCode: 0 });
  const files = report.details.staging?.files ?? [];
  for (const file of files) {
    const path = join(stagingDir, file.name);
    expect([file.name, file.size]).toEqual([file.name, statSync(path).size]);
    expect([file.name, file.sha256]).toEqual([file.name, sha256(path)]);
    expect(['link', 'copy', 'created']).toContain(file.method);
  }
  expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(filenames(manifest).filter((name) => statSync(join(stagingDir, name)).isFile())));
  expect(report.launch?.argv.slice(1)).toEqual(['--json', '-p', stagingDir]);

  const entries = ledgerEntries(w);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ ingestion_path: stagingDir });
}

describe('ingest-envoy modes against the ingest emulator (CONTRACT 5)', () => {
  it('--calibration stages a caltables tar of products/ and a weblog of the newest pipeline run', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'tmpo1ca1pp_'), { hostileName: true });
    const before = inputFingerprint(dir);
    const finished = await ingestEnvoy(w, ['--calibration', 'tmpo1ca1pp_']);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const stagingDir = join(w.stagingRoot, 'tmpo1ca1pp_');
    const manifest = readManifest(stagingDir);
    expectKeyOrder(manifest, ['reingest', 'ngas_ingest', 'telescope', 'ingestion_path']);
    expect(manifest.parameters).toEqual({ reingest: false, ngas_ingest: true, telescope: 'EVLA', ingestion_path: stagingDir });
    expect(manifest.input_group).toEqual({ science_products: [{ type: 'execution_block', locator: EB_LOCATOR }] });
    const [calibration, ...others] = manifest.output_group.science_products;
    expect(others).toEqual([]);
    expect(calibration?.type).toBe('calibration');
    expect(calibration?.filename).toMatch(new RegExp(`^${SDM_ID.replace(/\./g, '\\.')}\\.${TIMESTAMP.source}\\.caltables\\.tar$`));
    expect(manifest.output_group.ancillary_products).toEqual([{ type: 'pipeline_weblog', filename: 'weblog.tgz' }]);
    expectCompleteIngestion(w, dir, stagingDir, manifest);

    // The caltables tar holds everything in products/ but the weblog archives, directories whole, odd names intact.
    const caltables = tarMembers(join(stagingDir, calibration?.filename ?? ''));
    const names = [...caltables.keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        'unknown.session_1.caltables.tgz',
        `${SDM_ID}.ms.flagversions.tgz`,
        `${SDM_ID}.ms.calapply.txt`,
        'casa_piperestorescript.py',
        'casa_pipescript.py',
        `${SDM_ID}.ms.hifv_finalcals.s6_2.finalBPcal.b/table.dat`,
        HOSTILE_NAME,
      ]),
    );
    expect(names.filter((name) => name.includes('weblog'))).toEqual([]);
    expect(caltables.get(HOSTILE_NAME)?.toString()).toBe('hostile\n');
    expect(caltables.get('unknown.session_1.caltables.tgz')?.equals(readFileSync(join(dir, 'products/unknown.session_1.caltables.tgz')))).toBe(true);

    // weblog.tgz is made fresh from the newest run (by the timestamp in its name, not its mtime).
    const weblog = tarMembers(join(stagingDir, 'weblog.tgz'));
    expect([...weblog.keys()].every((name) => name.startsWith(`${NEWEST_RUN}/html/`))).toBe(true);
    expect(weblog.get(`${NEWEST_RUN}/html/index.html`)?.toString()).toContain('NEWEST');
    expect(weblog.has(`${NEWEST_RUN}/html/stage1/plots/amp.png`)).toBe(true);

    expect(inputFingerprint(dir)).toEqual(before);
  });

  it('--image stages science images with their ancillaries nested, weblog, pipeline artifacts and additional metadata', async () => {
    const w = world();
    const dir = imageDir(join(w.root, 'imaging-run'), { hostileName: true });
    const before = inputFingerprint(dir);
    const finished = await ingestEnvoy(w, ['--image', dir]);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const stagingDir = join(w.stagingRoot, 'imaging-run');
    const manifest = readManifest(stagingDir);
    expectKeyOrder(manifest, ['reingest', 'ngas_ingest', 'telescope', 'ingestion_path', 'additional_metadata']);
    expect(manifest.parameters['additional_metadata']).toBe('additional_metadata.json');
    expect(manifest.input_group).toEqual({ science_products: [{ type: 'calibration', locator: CAL_LOCATOR }] });
    const [full, partial] = IMAGE_STEMS as [string, string];
    // Science images in name order; each with its own ancillaries, in CONTRACT 5.2 order; nothing else is a product.
    expect(manifest.output_group.science_products).toEqual([
      { type: 'image', filename: `${HOSTILE_NAME}.fits`, ancillary_products: [{ type: 'rms_image', filename: `${HOSTILE_NAME}.rms.fits` }] },
      {
        type: 'image',
        filename: `${full}.fits`,
        ancillary_products: [
          { type: 'rms_image', filename: `${full}.rms.fits` },
          { type: 'primary_beam', filename: `${full}.pb.fits` },
          { type: 'clean_mask', filename: `${full}.mask.fits` },
          { type: 'spectral_index', filename: `${full}.alpha.fits` },
          { type: 'thumbnail_image', filename: `${full}.png` },
        ],
      },
      {
        type: 'image',
        filename: `${partial}.fits`,
        ancillary_products: [
          { type: 'primary_beam', filename: `${partial}.pb.fits` },
          { type: 'thumbnail_image', filename: `${partial}.png` },
        ],
      },
    ]);
    const groupAncillaries = manifest.output_group.ancillary_products ?? [];
    expect(groupAncillaries.map((a) => a.type)).toEqual(['pipeline_weblog', 'pipeline_artifacts']);
    expect(groupAncillaries[1]?.filename).toMatch(new RegExp(`^pipeline_artifacts_${TIMESTAMP.source}\\.tar$`));
    expectCompleteIngestion(w, dir, stagingDir, manifest);

    // Same file system: images are hard links of the products (no byte copied), names intact.
    const hostile = join(stagingDir, `${HOSTILE_NAME}.fits`);
    expect(statSync(hostile).ino).toBe(statSync(join(dir, 'products', `${HOSTILE_NAME}.fits`)).ino);
    const report = readReport(dir);
    expect(report.details.staging?.files.find((file) => file.name === `${full}.fits`)?.method).toBe('link');

    const pipelineArtifacts = tarMembers(join(stagingDir, groupAncillaries[1]?.filename ?? ''));
    expect([...pipelineArtifacts.keys()].sort()).toEqual(['casa_commands.log', 'casa_pipescript.py', 'oussid.pipeline_manifest.xml']);
    const artifacts = tarMembers(join(stagingDir, manifest.ingestion_artifacts.ancillary_products[0]?.filename ?? ''));
    expect([...artifacts.keys()].sort()).toEqual(['additional_metadata.json', 'ingestion-manifest.json']);
    expect(artifacts.get('additional_metadata.json')?.equals(readFileSync(join(dir, 'additional_metadata.json')))).toBe(true);
    expect(readdirSync(stagingDir)).not.toContain('notes.txt');
    expect(inputFingerprint(dir)).toEqual(before);
  });

  it('--image without pipeline scripts or additional metadata omits both', async () => {
    const w = world();
    const dir = imageDir(join(w.root, 'plain-images'), { pipelineArtifacts: false, additionalMetadata: false });
    const finished = await ingestEnvoy(w, ['--image', dir]);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const manifest = readManifest(join(w.stagingRoot, 'plain-images'));
    expect(Object.keys(manifest.parameters)).toEqual(['reingest', 'ngas_ingest', 'telescope', 'ingestion_path']);
    expect(manifest.output_group.ancillary_products).toEqual([{ type: 'pipeline_weblog', filename: 'weblog.tgz' }]);
    expect(readdirSync(join(w.stagingRoot, 'plain-images')).filter((name) => name.startsWith('pipeline_artifacts'))).toEqual([]);
  });

  it('--seci is --image with the collection name in the parameters', async () => {
    const w = world();
    const dir = imageDir(join(w.root, 'seci-run'));
    const finished = await ingestEnvoy(w, ['--seci', dir, 'VLASS2.1']);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const stagingDir = join(w.stagingRoot, 'seci-run');
    const manifest = readManifest(stagingDir);
    expectKeyOrder(manifest, ['reingest', 'ngas_ingest', 'telescope', 'ingestion_path', 'collection_name', 'additional_metadata']);
    expect(manifest.parameters['collection_name']).toBe('VLASS2.1');
    expect(manifest.input_group.science_products).toEqual([{ type: 'calibration', locator: CAL_LOCATOR }]);
    expect(manifest.output_group.science_products.map((product) => product.type)).toEqual(['image', 'image']);
    expectCompleteIngestion(w, dir, stagingDir, manifest);
    expect(ledgerEntries(w)[0]).toMatchObject({ collection_name: 'VLASS2.1' });
  });

  it('--observation stages the SDM directory whole as one execution block with an empty input group', async () => {
    const w = world();
    const dir = observationDir(join(w.root, 'obs-run'));
    const before = inputFingerprint(dir);
    const finished = await ingestEnvoy(w, ['--observation', dir, SDM_ID]);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const stagingDir = join(w.stagingRoot, 'obs-run');
    const manifest = readManifest(stagingDir);
    expectKeyOrder(manifest, ['reingest', 'ngas_ingest', 'telescope', 'ingestion_path']);
    expect(manifest.input_group).toEqual({ science_products: [] });
    expect(manifest.output_group).toEqual({ science_products: [{ type: 'execution_block', filename: SDM_ID }] });
    expect(treeFingerprint(join(stagingDir, SDM_ID))).toEqual(treeFingerprint(join(dir, 'rawdata', SDM_ID)));
    expectCompleteIngestion(w, dir, stagingDir, manifest);
    const files = readReport(dir).details.staging?.files ?? [];
    expect(files.filter((file) => file.name.startsWith(`${SDM_ID}/`)).map((file) => [file.name, file.method])).toEqual([
      [`${SDM_ID}/ASDM.xml`, 'link'],
      [`${SDM_ID}/ASDMBinary/uid____evla_bdf_1550858540178.bdf`, 'link'],
      [`${SDM_ID}/Main.xml`, 'link'],
    ]);
    expect(inputFingerprint(dir)).toEqual(before);
  });

  it('--dry-run audits every mode, prints the ingest command and writes nothing anywhere', async () => {
    const w = world();
    calibrationDir(join(w.root, 'cal'));
    imageDir(join(w.root, 'img'));
    observationDir(join(w.root, 'obs'));
    mkdirSync(w.stagingRoot);
    const before = treeFingerprint(w.root);
    const runs: Array<[string[], string]> = [
      [['--calibration', 'cal'], 'cal'],
      [['--image', 'img'], 'img'],
      [['--seci', 'img', 'VLASS2.1'], 'img'],
      [['--observation', 'obs', SDM_ID], 'obs'],
    ];
    for (const [args, name] of runs) {
      const finished = await ingestEnvoy(w, ['--dry-run', ...args]);
      expect([args, finished.code, finished.stderr]).toEqual([args, 0, '']);
      expect(finished.stdout).toContain(`-p ${join(w.stagingRoot, name)}`);
      expect(finished.stdout).toContain('would stage');
    }
    expect(treeFingerprint(w.root)).toEqual(before);
  });
});
