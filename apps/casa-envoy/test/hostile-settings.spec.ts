import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, reason } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

/** A home directory whose ~/.capo/test.properties is made by `make`, and the environment that selects it. */
function capoHome(make: (file: string) => void): { env: Record<string, string>; file: string } {
  const home = tempDir('casa-home-');
  mkdirSync(join(home, '.capo'));
  const file = join(home, '.capo', 'test.properties');
  make(file);
  return { env: { HOME: home, CAPO_PROFILE: 'test' }, file };
}

// Settings files must be regular files of a sane size (65 naming the file), and never hang the envoy.
describe('casa-envoy with hostile CAPO properties files', () => {
  const cases: [string, (file: string) => void, (file: string) => string][] = [
    ['a FIFO (mkfifo ~/.capo/test.properties)', (file) => execFileSync('mkfifo', [file]), (file) => `CAPO properties file ${file}: is a FIFO (named pipe), not a regular file`],
    ['a symbolic link to /dev/zero', (file) => symlinkSync('/dev/zero', file), (file) => `CAPO properties file ${file}: is a character device, not a regular file`],
    ['a directory', (file) => mkdirSync(file), (file) => `CAPO properties file ${file}: is a directory, not a file`],
    [
      'a 600 MB file',
      (file) => {
        writeFileSync(file, 'envoys.casa.timeoutMinutes = 5\n');
        truncateSync(file, 600 * 1024 * 1024);
      },
      (file) => `CAPO properties file ${file}: is larger than 4 MiB, too large for this kind of file`,
    ],
  ];

  it.each(cases)('%s is refused at once with 65 naming it', async (_name, make, message) => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const { env, file } = capoHome(make);
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], env);
    expect([finished.code, reason(finished)]).toEqual([65, `casa-envoy: ${message(file)}`]);
    // Refused before anything was prepared: CASA never ran.
    expect(existsSync(join(dir, 'working'))).toBe(false);
  });

  it('a bad envoys.casa.benignSevere regular expression names the key and its file and line', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const { env, file } = capoHome((path) => writeFileSync(path, '# site rules\nenvoys.casa.benignSevere = flagmanager || Unable to (restore\n'));
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], env);
    expect([finished.code, reason(finished)]).toEqual([
      65,
      `casa-envoy: setting envoys.casa.benignSevere = "flagmanager || Unable to (restore" from ${file}:2 is a list whose pattern 2 of 2, "Unable to (restore", is not a valid regular expression: Unterminated group`,
    ]);
  });

  it('the same from the environment names the variable', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_BENIGN_SEVERE: '[' });
    expect(reason(finished)).toBe(
      'casa-envoy: setting envoys.casa.benignSevere = "[" from environment variable CASA_BENIGN_SEVERE is not a valid regular expression: Unterminated character class',
    );
  });

  it('control characters in an echoed value are escaped and a megabyte value is shortened', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const { env, file } = capoHome((path) => writeFileSync(path, `envoys.casa.timeoutMinutes = \u001b]0;owned\u0007\u001b[2J${'9'.repeat(1024 * 1024)}x\n`));
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], env);
    expect(finished.code).toBe(65);
    const line = reason(finished);
    expect(line).toMatch(/^casa-envoy: setting envoys\.casa\.timeoutMinutes = "\\x1b\]0;owned\\x07\\x1b\[2J9+…\[\d+ characters left out\]…9+x" from /);
    expect(line.endsWith(`${file}:1 is not a number`)).toBe(true);
    expect(line.length).toBeLessThan(1100);
    // No raw control character anywhere in what the envoy printed.
    // eslint-disable-next-line no-control-regex
    expect(finished.stderr + finished.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
