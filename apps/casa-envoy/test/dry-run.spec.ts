import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir, treeFingerprint } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, reason } from './support/casa-envoy';
import { addCalibrationTar, CASA_EMULATOR_HOME, makeProcessingDir, metadataFor } from './support/processing-dir';

// CONTRACT 3.2 --dry-run and CONTRACT 4.7: the exact command, cwd and environment, and no file created or changed.
describe('casa-envoy --dry-run and the CASA installation', () => {
  it('prints the exact CASA command and changes nothing', async () => {
    const dir = makeProcessingDir({ mode: 'restore' });
    await addCalibrationTar(dir);
    const before = treeFingerprint(dirname(dir));
    const finished = await casaEnvoy(dir, [...MODE_ARGS.restore, '--dry-run']);
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    const real = realpathSync(dir);
    const argv = [join(CASA_EMULATOR_HOME, 'bin/casa'), '--nogui', '--nologger', '--log2term', '--agg', '-c', join(CASA_EMULATOR_HOME, 'pipeline/pipeline/runvlapipeline.py'), 'PPR.xml'];
    expect(finished.stdout).toContain(`argv: ${JSON.stringify(argv)}`);
    expect(finished.stdout).toContain(`cwd: ${join(real, 'working')}`);
    expect(finished.stdout).toContain(`env: SCIPIPE_ROOTDIR=${dirname(real)}`);
    expect(finished.stdout).toContain(`env: CASA_HOME=${CASA_EMULATOR_HOME}`);
    expect(finished.stdout).toContain('env: PPR_FILENAME=PPR.xml');
    expect(finished.stdout).toContain('env: LANG=en_US.UTF-8');
    expect(finished.stdout).toContain('unset: PYTHONPATH');
    expect(treeFingerprint(dirname(dir))).toEqual(before);
  });

  it('still audits everything: a dry run of a bad input fails like the real run, writing nothing', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal', rawdata: false });
    const before = treeFingerprint(dir);
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run']);
    expect(finished.code).toBe(66);
    expect(treeFingerprint(dir)).toEqual(before);
  });

  it('--dry-run with --report writes only that report', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const reportDir = tempDir();
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run', '--report', join(reportDir, 'plan.json')]);
    expect(finished.code).toBe(0);
    expect(treeFingerprint(reportDir)).toEqual({ 'plan.json': expect.any(String) });
  });

  it('wraps CASA in xvfb-run -a when envoys.casa.useXvfb is set', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const bin = tempDir('casa-xvfb-');
    writeFileSync(join(bin, 'xvfb-run'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run', '--set', 'envoys.casa.useXvfb=true'], { PATH: `${bin}:${process.env['PATH'] ?? ''}` });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/^argv: \["xvfb-run","-a",".*\/bin\/casa","--nogui"/m);
  });

  it('envoys.casa.useXvfb without xvfb-run on the node fails the dry run with 69, and a restore before the tar is extracted', async () => {
    const dir = makeProcessingDir({ mode: 'restore' });
    await addCalibrationTar(dir);
    const before = treeFingerprint(dir);
    const dry = await casaEnvoy(dir, [...MODE_ARGS.restore, '--dry-run'], { CASA_USE_XVFB: 'true', PATH: '/nonexistent-bin' });
    expect([dry.code, reason(dry)]).toEqual([69, 'casa-envoy: xvfb-run "xvfb-run" not found on PATH (setting envoys.casa.xvfbRun; needed because envoys.casa.useXvfb (CASA_USE_XVFB) is true)']);
    const real = await casaEnvoy(dir, MODE_ARGS.restore, { CASA_USE_XVFB: 'true', PATH: '/nonexistent-bin' });
    expect([real.code, reason(real)]).toEqual([dry.code, reason(dry)]);
    // Refused at locate-casa: the calibration tar was never extracted.
    expect(readReport(dir).steps.map((step) => [step.name, step.status]).slice(-1)).toEqual([['locate-casa', 'failed']]);
    expect(readdirSync(dir).filter((name) => name === 'products' || name === 'working')).toEqual([]);
    expect(Object.keys(before).length).toBeGreaterThan(0);
  });

  it('uses runpipeline.py for ALMA and finds it in the lib/py layout of CASA', async () => {
    const home = tempDir('casa-pylayout-');
    mkdirSync(join(home, 'bin'));
    symlinkSync(join(CASA_EMULATOR_HOME, 'bin/casa'), join(home, 'bin/casa'));
    const pipeline = join(home, 'lib/py/lib/python3.8/site-packages/pipeline');
    mkdirSync(pipeline, { recursive: true });
    writeFileSync(join(pipeline, 'runpipeline.py'), '# ALMA pipeline runner\n');
    writeFileSync(join(pipeline, 'runvlapipeline.py'), '# VLA pipeline runner\n');
    const dir = makeProcessingDir({ mode: 'standard-cal', telescope: 'alma' });
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run'], { CASA_HOME: home });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(join(pipeline, 'runpipeline.py'));
  });

  it('a telescope without a pipeline is an invalid input', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal', metadata: { ...metadataFor('standard-cal'), projectMetadata: { telescope: 'GBT' } } });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(65);
    expect(reason(finished)).toMatch(/GBT/);
    expect(readReport(dir).exitCode).toBe(65);
  });
});
