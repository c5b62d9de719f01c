import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { findCalibrationTar } from '../src';
import { makeTemp, removeTemps } from './support/temp';

describe('findCalibrationTar', () => {
  let rawdata: string;
  beforeEach(() => {
    rawdata = join(makeTemp('findtar-'), 'rawdata');
    mkdirSync(rawdata);
    mkdirSync(join(rawdata, '17A-109.sb3.eb4.58000')); // the SDM: a directory
    writeFileSync(join(rawdata, 'notes.txt'), '');
    writeFileSync(join(rawdata, 'old.tar.bak'), '');
  });
  afterAll(removeTemps);

  it('no calibration tar is 66, also when rawdata itself is missing', async () => {
    await expect(findCalibrationTar(rawdata)).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
      message: expect.stringContaining('no calibration tar'),
    });
    await expect(findCalibrationTar(join(rawdata, 'nope'))).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
  });

  it.each(['cal.tar', 'cal.tar.gz', 'cal.tgz'])('finds a single %s', async (name) => {
    writeFileSync(join(rawdata, name), '');
    await expect(findCalibrationTar(rawdata)).resolves.toBe(join(rawdata, name));
  });

  it('accepts a symbolic link to a tar, ignores directories named like tars and hidden partial files', async () => {
    const elsewhere = join(rawdata, '..', 'cal-store.tar');
    writeFileSync(elsewhere, '');
    symlinkSync(elsewhere, join(rawdata, 'linked.tgz'));
    mkdirSync(join(rawdata, 'dir.tar'));
    writeFileSync(join(rawdata, '.partial.tar'), '');
    await expect(findCalibrationTar(rawdata)).resolves.toBe(join(rawdata, 'linked.tgz'));
  });

  it('several tars: 65 listing them, unless one is preferred', async () => {
    writeFileSync(join(rawdata, 'b.tar'), '');
    writeFileSync(join(rawdata, 'a.tgz'), '');
    await expect(findCalibrationTar(rawdata)).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('a.tgz, b.tar'),
    });
    await expect(findCalibrationTar(rawdata, 'b.tar')).resolves.toBe(join(rawdata, 'b.tar'));
  });

  it('a preferred tar that is not there is 66; one with a path is 65', async () => {
    writeFileSync(join(rawdata, 'a.tar'), '');
    await expect(findCalibrationTar(rawdata, 'other.tar')).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
      message: expect.stringContaining('found: a.tar'),
    });
    await expect(findCalibrationTar(rawdata, '../a.tar')).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
  });
});
