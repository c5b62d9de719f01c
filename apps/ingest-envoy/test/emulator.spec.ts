import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@envoys/testing';
import { imageDir } from './support/fixtures';
import { EMULATOR_BIN, ingestEnvoy, readManifest, type IngestWorld } from './support/ingest-envoy';

/** The ingest emulator (CONTRACT 8) must refuse what the archive would refuse, or the envoy's tests prove nothing. */
describe('the ingest emulator', () => {
  let w: IngestWorld;
  let staging: string;
  let manifestText: string;

  beforeAll(async () => {
    const root = tempDir('ingest-emulator-');
    w = { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
    imageDir(join(root, 'run'));
    // A real staging made by the envoy; the failing scenario keeps it and writes no ledger line.
    expect((await ingestEnvoy(w, ['--image', 'run'], { INGEST_EMULATOR_SCENARIO: 'fail' })).code).toBe(70);
    staging = join(w.stagingRoot, 'run');
    manifestText = readFileSync(join(staging, 'ingestion-manifest.json'), 'utf8');
  });

  afterEach(() => writeFileSync(join(staging, 'ingestion-manifest.json'), manifestText));

  function ingest(): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(join(EMULATOR_BIN, 'ingest'), ['--json', '-p', staging], { encoding: 'utf8', env: { ...process.env, INGEST_EMULATOR_LEDGER: w.ledger } });
  }

  it('accepts the envoy staging, prints a JSON result and writes one ledger line; a second time it refuses', () => {
    const first = ingest();
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'success', ingestion_path: staging });
    const again = ingest();
    expect([again.status, again.stderr]).toEqual([1, expect.stringMatching(/already ingested/)]);
    expect(readFileSync(w.ledger, 'utf8').trim().split('\n')).toHaveLength(1);
    rmSync(w.ledger);
  });

  it('refuses a manifest that breaks the schema', () => {
    const manifest = readManifest(staging);
    writeFileSync(join(staging, 'ingestion-manifest.json'), JSON.stringify({ ...manifest, parameters: { ...manifest.parameters, telescope: 7 } }));
    const result = ingest();
    expect([result.status, result.stderr]).toEqual([1, expect.stringMatching(/does not match the ingestion manifest schema: \/parameters\/telescope: must be string/)]);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'failure' });
  });

  it('refuses a manifest naming a file that is not staged, and one the artifacts tar does not hold', () => {
    const manifest = readManifest(staging);
    const missing = { ...manifest, output_group: { ...manifest.output_group, science_products: [{ type: 'image', filename: 'nowhere.fits' }] } };
    writeFileSync(join(staging, 'ingestion-manifest.json'), JSON.stringify(missing, null, 2) + '\n');
    expect(ingest().stderr).toMatch(/image "nowhere\.fits" named in the manifest is not in/);
    writeFileSync(join(staging, 'ingestion-manifest.json'), manifestText.replace('"ngas_ingest": true', '"ngas_ingest": false'));
    expect(ingest().stderr).toMatch(/the ingestion-manifest\.json in ingestion_artifacts_.*\.tar differs/);
  });
});
