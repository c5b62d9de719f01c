import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { treeFingerprint } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, reason } from './support/casa-envoy';
import { addCalibrationTar, makeProcessingDir, type CasaMode } from './support/processing-dir';

interface Case {
  readonly name: string;
  readonly mode?: CasaMode;
  /** The processing directory's name (the job's scratch directory). */
  readonly dirName?: string;
  readonly prepare?: (dir: string) => void | Promise<void>;
  readonly args?: readonly string[];
  readonly code: number;
  readonly message?: RegExp;
}

// A dry run makes every check the real run makes (the same calls, with dryRun): for each input, the dry run
// exits with the real run's status and the same first line, and writes nothing.
const CASES: Case[] = [
  { name: 'a processing directory named tmp\\x (a backslash is an ordinary character here)', dirName: 'tmp\\x', code: 0 },
  { name: 'a processing directory whose name XML cannot hold', dirName: 'tmp\u0001x', code: 65, message: /processing directory "[^"]*tmp\\u0001x" has character U\+0001, which XML cannot hold: the corrected PPR cannot name it/ },
  { name: 'a file where working/ should be', prepare: (dir) => writeFileSync(join(dir, 'working'), 'x'), code: 73, message: /cannot create working directory \S+\/working: a file is in the way/ },
  { name: 'a file where products/ should be', prepare: (dir) => writeFileSync(join(dir, 'products'), 'x'), code: 73, message: /cannot create products directory \S+\/products: a file is in the way/ },
  {
    name: 'the PPR given is working/PPR.xml, which the correction would overwrite',
    prepare: (dir) => {
      mkdirSync(join(dir, 'working'));
      cpSync(join(dir, 'PPR.xml'), join(dir, 'working', 'PPR.xml'));
    },
    args: ['-c', 'metadata.json', 'working/PPR.xml'],
    code: 73,
    message: /refusing to write the corrected PPR over its original/,
  },
  {
    name: 'a restore whose products/ is a file',
    mode: 'restore',
    prepare: async (dir) => {
      await addCalibrationTar(dir);
      writeFileSync(join(dir, 'products'), 'x');
    },
    code: 73,
    message: /products/,
  },
];

describe('casa-envoy --dry-run makes every check of the real run', () => {
  it.each(CASES.map((item) => [item.name, item] as const))('%s', async (_name, item) => {
    const mode = item.mode ?? 'standard-cal';
    const args = item.args ?? MODE_ARGS[mode];
    const dir = makeProcessingDir({ mode, name: item.dirName });
    await item.prepare?.(dir);
    const before = treeFingerprint(dirname(dir));
    const dry = await casaEnvoy(dir, [...args, '--dry-run']);
    expect(treeFingerprint(dirname(dir))).toEqual(before);
    const real = await casaEnvoy(dir, args);
    expect([dry.code, real.code]).toEqual([item.code, item.code]);
    if (item.code !== 0) {
      expect(reason(dry)).toMatch(item.message ?? /./);
      expect(reason(dry)).toBe(reason(real));
    } else {
      const corrected = readFileSync(join(dir, 'working', 'PPR.xml'), 'utf8');
      expect(corrected).toContain(`<RelativePath>${item.dirName}</RelativePath>`);
    }
  });
});
