import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, treeFingerprint } from '@envoys/testing';
import { EMULATOR_BIN, ingestEnvoy, type IngestWorld } from './support/ingest-envoy';

function world(): IngestWorld {
  const root = tempDir('ingest-check-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

function checkLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^ {2}(ok|FAILED) {2}/.test(line));
}

// ingest-envoy --check: the ingest command and the staging root of a node, without a processing directory.
describe('ingest-envoy --check', () => {
  it('with ingest on PATH and a staging root to be made: exit 0, both checks ok, nothing created', async () => {
    const w = world();
    const finished = await ingestEnvoy(w, ['--check']);
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(checkLines(finished.stdout)).toEqual([
      `  ok      ingest-command: ${join(EMULATOR_BIN, 'ingest')}`,
      `  ok      staging-root: staging root ${w.stagingRoot} does not exist; the first run creates it`,
    ]);
    expect(finished.stdout).toContain(`  envoys.ingest.stagingRoot = "${w.stagingRoot}"  (environment variable ENVOY_INGEST_STAGING_ROOT)`);
    expect(finished.stdout).toContain('  envoys.ingest.command = "ingest"  (default)');
    expect(treeFingerprint(w.root)).toEqual({});
    mkdirSync(w.stagingRoot);
    expect(checkLines((await ingestEnvoy(w, ['--check'])).stdout)[1]).toBe(`  ok      staging-root: staging root ${w.stagingRoot} is a writable directory`);
  });

  it('no ingest command: 69 naming the setting; both problems listed, the first on stderr once', async () => {
    const w = world();
    writeFileSync(join(w.root, 'staging'), 'a file where the staging root should be');
    const finished = await ingestEnvoy(w, ['--check'], { PATH: tempDir('ingest-check-path-') });
    expect(finished.code).toBe(69);
    expect(finished.stderr.split('\n')[0]).toBe('ingest-envoy: ingest command "ingest" not found on PATH (setting envoys.ingest.command, environment ENVOY_INGEST_COMMAND)');
    expect(finished.stderr).toContain(`  staging-root: staging root (setting envoys.ingest.stagingRoot): cannot use staging directory ${w.stagingRoot}: it exists and is not a directory`);
    expect(checkLines(finished.stdout).map((line) => line.split(':')[0])).toEqual(['  FAILED  ingest-command', '  FAILED  staging-root']);
  });

  it('a staging root under a file: 73 (cannot create); no staging root set: 65 naming the setting', async () => {
    const w = world();
    writeFileSync(join(w.root, 'plain'), 'x');
    const under = await ingestEnvoy(w, ['--check'], { ENVOY_INGEST_STAGING_ROOT: join(w.root, 'plain', 'staging') });
    expect(under.code).toBe(73);
    expect(under.stderr).toBe(`ingest-envoy: staging root (setting envoys.ingest.stagingRoot): cannot create staging directory ${join(w.root, 'plain', 'staging')}: ${join(w.root, 'plain')} is not a directory\n`);
    const unset = await ingestEnvoy(w, ['--check'], { ENVOY_INGEST_STAGING_ROOT: undefined });
    expect(unset.code).toBe(65);
    expect(unset.stderr).toBe('ingest-envoy: setting envoys.ingest.stagingRoot is required (set it in a CAPO properties file or as ENVOY_INGEST_STAGING_ROOT)\n');
  });

  it('--check with a mode is a usage error (2); a mode argument that begins with a dash goes after --', async () => {
    const w = world();
    const mixed = await ingestEnvoy(w, ['--check', '--image', 'dir']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr.split('\n')[0]).toBe('ingest-envoy: --check takes no mode: it checks this node and the site, not a run (drop --image)');
    // `--observation DIR -- -SDM`: the SDM ID after `--` is an argument, not an unknown option.
    const dashed = await ingestEnvoy(w, ['--observation', 'missing-dir', '--', '-sdm', '--dry-run']);
    expect(dashed.code).toBe(2);
    expect(dashed.stderr.split('\n')[0]).toBe('ingest-envoy: unexpected argument "--dry-run"');
    const ok = await ingestEnvoy(w, ['--observation', 'missing-dir', '--dry-run', '--', '-sdm']);
    expect(ok.code).toBe(66);
  });
});
