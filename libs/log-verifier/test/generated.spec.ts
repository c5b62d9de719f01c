import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { casaRuleSet, verify } from '../src';
import { GENERATOR, processingDir, removeAll } from './helpers';

afterAll(removeAll);

interface Generated {
  readonly bytes: number;
  readonly lines: number;
  readonly severeLines: number[];
}

function generate(file: string, mib: number, ...options: string[]): Generated {
  return JSON.parse(execFileSync(process.execPath, [GENERATOR, file, String(mib), ...options], { encoding: 'utf8' })) as Generated;
}

const ruleSet = casaRuleSet({ requireProducts: false });

describe('generated CASA logs', () => {
  it('give exactly the SEVERE lines the generator placed (~20 MB, LF and CRLF, several chunk sizes)', async () => {
    const { working } = await processingDir();
    const lf = generate(path.join(working, 'casa-20210506-173502.log'), 20, '--severe', '25', '--seed', '42');
    const crlf = generate(path.join(working, 'casa-20210506-183502.log'), 10, '--severe', '7', '--seed', '9', '--crlf');
    expect(lf.severeLines).toHaveLength(25);
    for (const chunkSize of [undefined, 65536, 999]) {
      const result = await verify(ruleSet, { baseDir: working, chunkSize });
      const byFile = (name: string) => result.findings.filter((f) => path.basename(f.file) === name).map((f) => f.line);
      expect(byFile('casa-20210506-173502.log')).toEqual(lf.severeLines);
      expect(byFile('casa-20210506-183502.log')).toEqual(crlf.severeLines);
      expect(result.findings.every((f) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\tSEVERE\t/.test(f.text) && !f.text.endsWith('\r'))).toBe(true);
      expect(result.bytesScanned).toBe(lf.bytes + crlf.bytes);
    }
  });

  it('scans 200 MB without the resident set growing with the file, and numbers its SEVERE lines', async () => {
    const { working } = await processingDir();
    const generated = generate(path.join(working, 'casa-20210506-173502.log'), 200, '--severe', '3', '--seed', '5');
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      const result = await verify(ruleSet, { baseDir: working });
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(result.findings.map((f) => f.line)).toEqual(generated.severeLines);
    } finally {
      clearInterval(timer);
    }
    expect((peak - before) / 1024 / 1024).toBeLessThan(60);
    // Its newlines were counted on a worker in 1 MiB blocks: a read block that does not divide them numbers
    // the same lines.
    const unaligned = await verify(ruleSet, { baseDir: working, chunkSize: 99_999 });
    expect(unaligned.findings.map((f) => f.line)).toEqual(generated.severeLines);
  });
});
