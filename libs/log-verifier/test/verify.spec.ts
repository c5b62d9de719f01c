import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { casaRuleSet, takeSnapshot, verify, type Snapshot } from '../src';
import { casaLine, logText, processingDir, removeAll, write } from './helpers';

afterAll(removeAll);

const withProducts = casaRuleSet({ requireProducts: true });
const withoutProducts = casaRuleSet({ requireProducts: false });
const goodLog = logText([casaLine('INFO', 'CASA Version 6.1.2.7'), casaLine('INFO', 'all went well')]);
const badLog = logText([casaLine('INFO', 'CASA Version 6.1.2.7'), casaLine('SEVERE', 'it went wrong')]);

function summary(findings: readonly { rule: string; file: string; line: number | null }[]): string[] {
  return findings.map((f) => `${f.rule} ${path.basename(f.file)}${f.line === null ? '' : `:${f.line}`}`);
}

describe('marker and required rules', () => {
  it('report an errorexit marker with line null', async () => {
    const { working } = await processingDir();
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    const marker = await write(path.join(working, 'errorexit-20210506-180213.txt'), '');
    const result = await verify(withoutProducts, { baseDir: working });
    expect(result.findings).toEqual([
      { file: marker, line: null, rule: 'casa-errorexit', text: expect.stringContaining('errorexit-20210506-180213.txt') },
    ]);
  });

  it('report a missing CASA log', async () => {
    const { working } = await processingDir();
    const result = await verify(withoutProducts, { baseDir: working });
    expect(result.findings).toEqual([
      { file: path.join(working, 'casa-*.log'), line: null, rule: 'casa-log-missing', text: expect.stringContaining('never really started') },
    ]);
    expect(result.filesScanned).toEqual([]);
  });

  it('report a missing CASA log also when the directory itself is missing', async () => {
    const { root } = await processingDir();
    const result = await verify(withoutProducts, { baseDir: path.join(root, 'nowhere') });
    expect(summary(result.findings)).toEqual(['casa-log-missing casa-*.log']);
  });

  it('ignore directories that match a file pattern', async () => {
    const { working } = await processingDir();
    await fs.mkdir(path.join(working, 'casa-dir.log'));
    await fs.mkdir(path.join(working, 'errorexit-dir.txt'));
    expect(summary((await verify(withoutProducts, { baseDir: working })).findings)).toEqual(['casa-log-missing casa-*.log']);
  });
});

describe('only this run counts (with a baseline)', () => {
  async function staleRun() {
    const dirs = await processingDir();
    const oldLog = await write(path.join(dirs.working, 'casa-20200101-000000.log'), badLog);
    const oldMarker = await write(path.join(dirs.working, 'errorexit-20200101-000100.txt'), '');
    await write(path.join(dirs.products, 'old', 'caltables.tar'), 'old');
    const baseline = await takeSnapshot(dirs.working, withProducts);
    return { ...dirs, oldLog, oldMarker, baseline };
  }

  it('records the matching files and the products tree', async () => {
    const { working, products, oldLog, oldMarker, baseline } = await staleRun();
    expect(baseline.baseDir).toBe(working);
    expect(Object.keys(baseline.files).sort()).toEqual([oldLog, oldMarker]);
    expect(Object.keys(baseline.trees)).toEqual([products]);
    expect(Object.keys(baseline.trees[products])).toEqual([path.join(products, 'old', 'caltables.tar')]);
    expect(baseline.files[oldLog]).toEqual(expect.objectContaining({ size: Buffer.byteLength(badLog) }));
  });

  it('does not count a stale log or marker present in the snapshot, but does count new ones', async () => {
    const { working, products, baseline } = await staleRun();
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    await write(path.join(products, 'new.tar'), 'new');
    expect((await verify(withProducts, { baseDir: working, baseline })).findings).toEqual([]);

    await write(path.join(working, 'casa-20210506-180000.log'), badLog);
    await write(path.join(working, 'errorexit-20210506-180213.txt'), '');
    const result = await verify(withProducts, { baseDir: working, baseline });
    expect(summary(result.findings)).toEqual(['casa-severe casa-20210506-180000.log:2', 'casa-errorexit errorexit-20210506-180213.txt']);
    expect(result.filesScanned.map((f) => path.basename(f))).toEqual(['casa-20210506-173502.log', 'casa-20210506-180000.log']);
  });

  it('counts a log that changed after the snapshot', async () => {
    const { working, products, oldLog, baseline } = await staleRun();
    await write(path.join(products, 'new.tar'), 'new');
    await fs.appendFile(oldLog, casaLine('SEVERE', 'appended during this run') + '\n');
    const result = await verify(withProducts, { baseDir: working, baseline });
    expect(summary(result.findings)).toEqual(['casa-severe casa-20200101-000000.log:2', 'casa-severe casa-20200101-000000.log:3']);
  });

  it('reports a missing log when only stale logs exist', async () => {
    const { working, products, baseline } = await staleRun();
    await write(path.join(products, 'new.tar'), 'new');
    const result = await verify(withProducts, { baseDir: working, baseline });
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'casa-log-missing', text: expect.stringContaining('new or changed since the run started') }),
    ]);
  });

  it('reports products that got nothing new, and accepts a new file in a subdirectory', async () => {
    const { working, products, baseline } = await staleRun();
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    const nothing = await verify(withProducts, { baseDir: working, baseline });
    expect(nothing.findings).toEqual([
      { file: products, line: null, rule: 'casa-products-empty', text: expect.stringContaining('nothing in ../products is new or changed') },
    ]);
    await write(path.join(products, 'deep', 'er', 'calibration.tar'), 'x');
    expect((await verify(withProducts, { baseDir: working, baseline })).findings).toEqual([]);
  });

  it('accepts a changed file in products as output', async () => {
    const { working, products, baseline } = await staleRun();
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    await fs.appendFile(path.join(products, 'old', 'caltables.tar'), 'more');
    expect((await verify(withProducts, { baseDir: working, baseline })).findings).toEqual([]);
  });

  it('reports a products directory that does not exist', async () => {
    const { working, products } = await processingDir();
    await fs.rm(products, { recursive: true });
    const baseline = await takeSnapshot(working, withProducts);
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    const result = await verify(withProducts, { baseDir: working, baseline });
    expect(result.findings).toEqual([expect.objectContaining({ rule: 'casa-products-empty', text: expect.stringContaining('does not exist') })]);
  });

  it('walks products without following its links: a link back up is one entry, a dangling link a new one', async () => {
    const { working, products } = await processingDir();
    await fs.symlink('..', path.join(products, 'up'));
    const baseline = await takeSnapshot(working, withProducts);
    expect(Object.keys(baseline.trees[products] ?? {})).toEqual([path.join(products, 'up')]);
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    expect(summary((await verify(withProducts, { baseDir: working, baseline })).findings)).toEqual(['casa-products-empty products']);
    await fs.symlink('nothing-there', path.join(products, 'dangling'));
    expect((await verify(withProducts, { baseDir: working, baseline })).findings).toEqual([]);
  });

  it('reports products that is a file as not existing', async () => {
    const { working, products } = await processingDir();
    await fs.rm(products, { recursive: true });
    await write(products, 'not a directory');
    const baseline = await takeSnapshot(working, withProducts);
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    expect((await verify(withProducts, { baseDir: working, baseline })).findings).toEqual([
      expect.objectContaining({ rule: 'casa-products-empty', text: expect.stringContaining('does not exist') }),
    ]);
  });

  it('works with a snapshot that went through JSON (written to disk and read back)', async () => {
    const { working, baseline } = await staleRun();
    const restored = JSON.parse(JSON.stringify(baseline)) as Snapshot;
    await write(path.join(working, 'casa-20210506-173502.log'), badLog);
    const result = await verify(withoutProducts, { baseDir: working, baseline: restored });
    expect(summary(result.findings)).toEqual(['casa-severe casa-20210506-173502.log:2']);
  });

  it('refuses a baseline of another directory', async () => {
    const { baseline } = await staleRun();
    const other = await processingDir();
    await expect(verify(withProducts, { baseDir: other.working, baseline })).rejects.toThrow(/baseline/);
  });
});

describe('checking a finished run (no baseline)', () => {
  it('skips the products rule and counts old logs and markers', async () => {
    const { working } = await processingDir();
    await write(path.join(working, 'casa-20200101-000000.log'), badLog);
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    await write(path.join(working, 'errorexit-20200101-000100.txt'), '');
    const result = await verify(withProducts, { baseDir: working });
    expect(result.skippedRules).toEqual(['casa-products-empty']);
    expect(summary(result.findings)).toEqual(['casa-severe casa-20200101-000000.log:2', 'casa-errorexit errorexit-20200101-000100.txt']);
    expect(result.filesScanned).toHaveLength(2);
  });

  it('passes a clean run with empty products (the products check needs the run start)', async () => {
    const { working } = await processingDir();
    await write(path.join(working, 'casa-20210506-173502.log'), goodLog);
    const result = await verify(withProducts, { baseDir: working });
    expect(result.findings).toEqual([]);
  });
});
