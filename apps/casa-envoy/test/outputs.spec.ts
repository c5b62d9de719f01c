import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, treeFingerprint } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, reason } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

// Records are never lost: --verify keeps the run's report, and no output replaces an input or a file the
// envoy did not write (refused with 2, which holds the job for an operator).
describe('casa-envoy outputs never replace what it did not write', () => {
  it("--verify DIR on a finished run keeps the run's report, page and status, and writes its own beside them", async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'])).code).toBe(0);
    const record = ['casa-envoy-report.json', 'casa-envoy-report.html', 'casa-envoy-status.json'].map((name) => readFileSync(join(dir, name), 'utf8'));
    const verified = await casaEnvoy(dir, ['--verify', dir]);
    expect([verified.code, verified.stderr]).toEqual([0, '']);
    expect(['casa-envoy-report.json', 'casa-envoy-report.html', 'casa-envoy-status.json'].map((name) => readFileSync(join(dir, name), 'utf8'))).toEqual(record);
    expect(readReport(dir)).toMatchObject({ mode: 'standard-cal', launch: expect.any(Object) });
    expect(readJson<{ mode: string; exitCode: number }>(join(dir, 'casa-envoy-verify-report.json'))).toMatchObject({ mode: 'verify', exitCode: 0 });
    expect(readJson<{ mode: string; state: string }>(join(dir, 'casa-envoy-verify-status.json'))).toMatchObject({ mode: 'verify', state: 'succeeded' });
    expect(readFileSync(join(dir, 'casa-envoy-verify-report.html'), 'utf8')).toContain('<footer>Written by casa-envoy ');
    // A second verification replaces only its own report.
    expect((await casaEnvoy(dir, ['--verify', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'casa-envoy-report.json'), 'utf8')).toBe(record[0]);
  });

  it('--report naming another mode\'s report is refused with 2, and the report stays as it was', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'])).code).toBe(0);
    const before = readFileSync(join(dir, 'casa-envoy-report.json'), 'utf8');
    const finished = await casaEnvoy(dir, ['--verify', dir, '--report', join(dir, 'casa-envoy-report.json')]);
    expect([finished.code, reason(finished)]).toEqual([2, `casa-envoy: --report ${join(dir, 'casa-envoy-report.json')} would replace the report of a standard-cal run: name another file`]);
    expect(readFileSync(join(dir, 'casa-envoy-report.json'), 'utf8')).toBe(before);
  });

  it.each([
    ['PPR.xml', 'it is not a run report'],
    ['metadata.json', 'it is not a run report of casa-envoy'],
  ])('--report %s (a slip in the job\'s arguments) is refused with 2 before anything is done; the input is untouched', async (input, why) => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const before = treeFingerprint(dir);
    const finished = await casaEnvoy(dir, ['-c', 'metadata.json', 'PPR.xml', '--report', input]);
    expect(finished.code).toBe(2);
    expect(reason(finished)).toBe(`casa-envoy: --report ${input} would replace ${join(dir, input)}, which casa-envoy did not write (${why}): refusing to overwrite it`);
    expect(treeFingerprint(dir)).toEqual(before);
  });

  it('a status file or run page the envoy did not write is refused with 2, also in a dry run with --report', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    writeFileSync(join(dir, 'casa-envoy-status.json'), '{"owner":"somebody else"}\n');
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(2);
    expect(reason(finished)).toBe(
      `casa-envoy: casa-envoy-status.json in ${dir} would replace ${join(dir, 'casa-envoy-status.json')}, which casa-envoy did not write (it is not a status file of casa-envoy): refusing to overwrite it`,
    );
    expect(readFileSync(join(dir, 'casa-envoy-status.json'), 'utf8')).toBe('{"owner":"somebody else"}\n');

    writeFileSync(join(dir, 'notes.html'), '<p>the analyst\'s notes</p>\n');
    const dry = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run', '--report', 'notes.json']);
    expect(dry.code).toBe(2);
    expect(reason(dry)).toContain(`--report notes.json (its run page) would replace ${join(dir, 'notes.html')}`);
  });
});
