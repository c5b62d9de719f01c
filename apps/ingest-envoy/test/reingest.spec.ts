import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, treeFingerprint } from '@envoys/testing';
import { SDM_ID, calibrationDir, imageDir, observationDir } from './support/fixtures';
import { ingestEnvoy, ledgerEntries, readManifest, readReport, reason, type IngestWorld } from './support/ingest-envoy';

describe('a second ingestion of the same products (CONTRACT 5.2)', () => {
  it('is refused without --reingest, leaving staging exactly as it was; with --reingest the manifest says so', async () => {
    const root = tempDir('ingest-reingest-');
    const w: IngestWorld = { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
    calibrationDir(join(root, 'run1'));
    const stagingDir = join(w.stagingRoot, 'run1');

    expect((await ingestEnvoy(w, ['--calibration', 'run1'])).code).toBe(0);
    const staged = treeFingerprint(stagingDir);

    const refused = await ingestEnvoy(w, ['--calibration', 'run1']);
    expect(refused.code).toBe(65);
    expect(reason(refused)).toMatch(/ingestion-manifest\.json already exists.*--reingest/);
    expect(treeFingerprint(stagingDir)).toEqual(staged);
    expect(readReport(join(root, 'run1')).steps.map((step) => [step.name, step.status])).toEqual([
      ['audit-inputs', 'succeeded'],
      ['find-ingest', 'succeeded'],
      ['check-staging', 'failed'],
    ]);
    expect(ledgerEntries(w)).toHaveLength(1);

    // Different timestamp, so the second run stages a caltables tar of its own.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await ingestEnvoy(w, ['--calibration', 'run1', '--reingest']);
    expect([again.code, again.stderr]).toEqual([0, expect.any(String)]);
    const manifest = readManifest(stagingDir);
    expect(manifest.parameters['reingest']).toBe(true);
    expect(Object.keys(manifest.parameters)).toEqual(['reingest', 'ngas_ingest', 'telescope', 'ingestion_path']);
    const entries = ledgerEntries(w);
    expect(entries.map((entry) => entry['reingest'])).toEqual([false, true]);
  });

  it('a re-ingestion of images re-links them in place; one of an SDM swaps the new tree in; nothing temporary is left', async () => {
    const root = tempDir('ingest-reingest-');
    const w: IngestWorld = { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
    const hidden = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /(^|\/)\./.test(name));

    const images = imageDir(join(root, 'images'));
    expect((await ingestEnvoy(w, ['--image', 'images'])).code).toBe(0);
    const again = await ingestEnvoy(w, ['--image', 'images', '--reingest']);
    expect([again.code, again.stderr]).toEqual([0, expect.any(String)]);
    const imageStaging = join(w.stagingRoot, 'images');
    expect(hidden(imageStaging)).toEqual([]);
    for (const name of readdirSync(join(images, 'products')).filter((file) => file.endsWith('.fits'))) {
      expect(statSync(join(imageStaging, name)).ino).toBe(statSync(join(images, 'products', name)).ino);
    }

    const obs = observationDir(join(root, 'obs'));
    expect((await ingestEnvoy(w, ['--observation', 'obs', SDM_ID])).code).toBe(0);
    rmSync(join(obs, 'rawdata', SDM_ID, 'Main.xml'));
    writeFileSync(join(obs, 'rawdata', SDM_ID, 'Added.xml'), '<Added/>');
    const sdmAgain = await ingestEnvoy(w, ['--observation', 'obs', SDM_ID, '--reingest']);
    expect([sdmAgain.code, sdmAgain.stderr]).toEqual([0, expect.any(String)]);
    const sdmStaging = join(w.stagingRoot, 'obs');
    expect(Object.keys(treeFingerprint(join(sdmStaging, SDM_ID))).sort()).toEqual(['ASDM.xml', 'ASDMBinary', 'ASDMBinary/uid____evla_bdf_1550858540178.bdf', 'Added.xml']);
    expect(hidden(sdmStaging)).toEqual([]);
    expect(readManifest(sdmStaging).parameters['reingest']).toBe(true);
  });
});
