import * as path from 'node:path';
import { casaRuleSet, loadRuleSet, verify, type RuleSet } from '../src';
import { casaLine, logText, processingDir, removeAll, write } from './helpers';

afterAll(removeAll);

const casa = casaRuleSet({ requireProducts: false });
const severeOnly: RuleSet = { ...casa, rules: casa.rules.filter((r) => r.id === 'casa-severe') };

async function severeLines(text: string | Buffer, options: { chunkSize?: number; ruleSet?: RuleSet } = {}) {
  const { working } = await processingDir();
  const file = await write(path.join(working, 'casa-20210506-173502.log'), text);
  const result = await verify(options.ruleSet ?? severeOnly, { baseDir: working, chunkSize: options.chunkSize });
  return { file, result, lines: result.findings.map((f) => f.line) };
}

const excerpt = logText([
  casaLine('INFO', 'CASA Version 6.1.2.7   (Pipeline 2020.1.0.36)', 'casa::::casa', '2021-05-06 17:35:02'),
  casaLine('WARN', 'No template flags file found', 'hifv_flagdata::::casa', '2021-05-06 17:41:55'),
  casaLine('SEVERE', 'Task hifv_finalcals raised an exception of class RuntimeError: Error in Calibrater::setapply.'),
  '\tTraceback (most recent call last):',
  '\t  File "pipeline/infrastructure/basetask.py", line 492, in execute',
  '\tSEVERE\tlooks like a record but continues the message above',
  casaLine('INFO', '##### End Task: hifv_finalcals #####', 'hifv_finalcals::::casa', '2021-05-06 18:02:14'),
]);

describe('SEVERE lines', () => {
  it('are found with absolute file, 1-based line number and text', async () => {
    const { file, result } = await severeLines(excerpt);
    expect(result.findings).toEqual([
      {
        file,
        line: 3,
        rule: 'casa-severe',
        text: '2021-05-06 18:02:13\tSEVERE\thifv_finalcals::::casa\tTask hifv_finalcals raised an exception of class RuntimeError: Error in Calibrater::setapply.',
        // The lines before, the message's continuation lines (its traceback) and the lines after the message.
        context: {
          before: [
            '2021-05-06 17:35:02\tINFO\tcasa::::casa\tCASA Version 6.1.2.7   (Pipeline 2020.1.0.36)',
            '2021-05-06 17:41:55\tWARN\thifv_flagdata::::casa\tNo template flags file found',
          ],
          after: [
            '\tTraceback (most recent call last):',
            '\t  File "pipeline/infrastructure/basetask.py", line 492, in execute',
            '\tSEVERE\tlooks like a record but continues the message above',
            '2021-05-06 18:02:14\tINFO\thifv_finalcals::::casa\t##### End Task: hifv_finalcals #####',
          ],
        },
      },
    ]);
    expect(path.isAbsolute(file)).toBe(true);
    expect(result.filesScanned).toEqual([file]);
    expect(result.bytesScanned).toBe(Buffer.byteLength(excerpt));
    expect(result.totals).toEqual([{ rule: 'casa-severe', file, matched: 1, listed: 1, benign: 0 }]);
  });

  it('do not count continuation lines of the message, even one that looks like a SEVERE record', async () => {
    const { lines } = await severeLines(excerpt);
    expect(lines).toEqual([3]);
  });

  it("count a message once: CASA's `origin+` lines continue it, with the full prefix", async () => {
    const { lines } = await severeLines(
      logText([casaLine('SEVERE', 'raised an exception'), casaLine('SEVERE', 'Traceback (most recent call last):', 'hifv_finalcals::::casa+'), '\t  File "x.py"']),
    );
    expect(lines).toEqual([1]);
  });

  it('count each SEVERE message, also a second one right after the first', async () => {
    const { lines } = await severeLines(logText([casaLine('SEVERE', 'Error executing pipeline task hifv_finalcals.'), casaLine('SEVERE', 'Traceback (most recent call last):')]));
    expect(lines).toEqual([1, 2]);
  });

  it('are only SEVERE in the priority field, not in the origin or the message', async () => {
    const { lines } = await severeLines(
      logText([
        casaLine('INFO', 'SEVERE'),
        casaLine('INFO', 'counted 0 SEVERE messages'),
        casaLine('INFO', 'a\tSEVERE\tb'),
        casaLine('WARN', 'x', 'SEVERE'),
        casaLine('SEVEREST', 'not the same priority'),
        casaLine('INFO1', 'fine'),
        'SEVERE\tat the start of a line',
        casaLine('SEVERE', 'the only one'),
      ]),
    );
    expect(lines).toEqual([8]);
  });

  it('that match a benign pattern are not findings, but are counted', async () => {
    const ruleSet = casaRuleSet({ requireProducts: false, benign: ['SEVERE\\tflagmanager::'] });
    const { file, result } = await severeLines(
      logText([casaLine('SEVERE', 'Error restoring flag versions', 'flagmanager::::casa'), casaLine('SEVERE', 'real trouble')]),
      { ruleSet },
    );
    expect(result.findings.filter((f) => f.rule === 'casa-severe').map((f) => f.line)).toEqual([2]);
    expect(result.totals).toEqual([{ rule: 'casa-severe', file, matched: 1, listed: 1, benign: 1 }]);
  });

  it('are found whatever the chunk boundaries are', async () => {
    const text = logText([
      casaLine('INFO', 'start'),
      casaLine('SEVERE', 'first'),
      '\tcontinued',
      casaLine('INFO', 'x'.repeat(40)),
      casaLine('SEVERE', 'second'),
      casaLine('INFO', 'end'),
      casaLine('SEVERE', 'third'),
    ]);
    for (const chunkSize of [1, 2, 3, 7, 8, 13, 29, 64, 1000]) {
      const { lines, result } = await severeLines(text, { chunkSize });
      expect({ chunkSize, lines }).toEqual({ chunkSize, lines: [2, 5, 7] });
      expect(result.findings[2].text).toBe(casaLine('SEVERE', 'third'));
    }
  });

  it('are found in CRLF logs, with the CR not part of the text', async () => {
    const text = logText([casaLine('INFO', 'a'), casaLine('SEVERE', 'b'), casaLine('INFO', 'c'), 'x\tSEVERE'], '\r\n');
    for (const chunkSize of [5, 1024]) {
      const { result } = await severeLines(text, { chunkSize });
      expect(result.findings.map((f) => [f.line, f.text])).toEqual([[2, casaLine('SEVERE', 'b')]]);
    }
  });

  it('are found on a last line without a newline', async () => {
    for (const chunkSize of [4, 1024]) {
      const { lines, result } = await severeLines(logText([casaLine('INFO', 'a'), casaLine('SEVERE', 'last')], '\n', false), { chunkSize });
      expect(lines).toEqual([2]);
      expect(result.findings[0].text).toBe(casaLine('SEVERE', 'last'));
    }
  });

  it('on a 50 MB line are found without keeping the line, and later line numbers stay right', async () => {
    const long = casaLine('SEVERE', 'x'.repeat(50 * 1024 * 1024));
    // A line without a record prefix, long enough to cross many chunks, holding the pattern far inside.
    const longNoise = `${'y'.repeat(3 * 1024 * 1024)}\tSEVERE\tdeep inside`;
    const text = logText([casaLine('SEVERE', 'before'), long, longNoise, casaLine('SEVERE', 'after')]);
    const { result, lines } = await severeLines(text);
    expect(lines).toEqual([1, 2, 4]);
    expect(result.findings[1].text.length).toBe(501);
    expect(result.findings[1].text.startsWith(casaLine('SEVERE', 'xxxx'))).toBe(true);
    expect(result.findings[1].text.endsWith('…')).toBe(true);
  });

  it('are listed up to the cap per file and rule; the rest is counted in one more finding', async () => {
    const lines = Array.from({ length: 250 }, (_, i) => casaLine('SEVERE', `failure ${i + 1}`));
    const { working } = await processingDir();
    const file = await write(path.join(working, 'casa-1.log'), logText(lines));
    const result = await verify(severeOnly, { baseDir: working, maxFindingsPerRule: 100, chunkSize: 4096 });
    expect(result.findings).toHaveLength(101);
    expect(result.findings[99]).toMatchObject({ line: 100, text: casaLine('SEVERE', 'failure 100') });
    expect(result.findings[100]).toEqual({ file, line: null, rule: 'casa-severe', text: '150 more matching lines not listed (250 in total)' });
    expect(result.totals).toEqual([{ rule: 'casa-severe', file, matched: 250, listed: 100, benign: 0 }]);
  });

  it('keep non-ASCII text intact and count lines by bytes correctly', async () => {
    const { result } = await severeLines(logText([casaLine('INFO', 'Türkçe ✓ 𝄞'), casaLine('SEVERE', 'Ångström ✗')]), { chunkSize: 3 });
    expect(result.findings.map((f) => [f.line, f.text])).toEqual([[2, casaLine('SEVERE', 'Ångström ✗')]]);
  });
});

describe('field and regex matches in general', () => {
  function ruleSet(match: unknown, extra: Record<string, unknown> = {}): RuleSet {
    return loadRuleSet({ name: 't', rules: [{ id: 'r', kind: 'line', description: 'd', files: '*.csv', match, ...extra }] });
  }

  async function lines(rules: RuleSet, text: string, chunkSize?: number): Promise<(number | null)[]> {
    const { working } = await processingDir();
    await write(path.join(working, 'a.csv'), text);
    return (await verify(rules, { baseDir: working, chunkSize })).findings.map((f) => f.line);
  }

  it('match field 0 only at the start of a line', async () => {
    const rules = ruleSet({ type: 'field', separator: ',', index: 0, equals: 'ERROR' });
    expect(await lines(rules, 'ERROR,a\nINFO,ERROR\nERRORS,x\nERROR\n,ERROR\nERROR,b')).toEqual([1, 4, 6]);
  });

  it('match the last field before LF, CRLF or the end of the file', async () => {
    const rules = ruleSet({ type: 'field', separator: ',', index: 2, equals: 'BAD' });
    const text = 'a,b,BAD\nBAD,x,y\na,b,BAD\r\na,b,BADX\na,b,c,BAD\na,b,BAD';
    for (const chunkSize of [2, 5, 4096]) expect(await lines(rules, text, chunkSize)).toEqual([1, 3, 6]);
  });

  it('work with a separator of several bytes', async () => {
    const rules = ruleSet({ type: 'field', separator: ' | ', index: 1, equals: 'FAIL' });
    expect(await lines(rules, 'x | OK | FAIL\nx | FAIL | y\n | FAIL\nFAIL | x\n')).toEqual([2, 3]);
  });

  it('run regular expressions per line, one finding per line, with flags, benign patterns and record starts', async () => {
    const rules = ruleSet(
      { type: 'regex', pattern: 'error|fatal', flags: 'i' },
      { benign: ['harmless'], recordStart: '^\\d' },
    );
    const text = '1 ok\n2 Error and FATAL\n  error in a continuation\n3 harmless error\nü 4 nothing\n5 fatal ✗\r\n6 error';
    for (const chunkSize of [1, 3, 16, 4096]) expect(await lines(rules, text, chunkSize)).toEqual([2, 6, 7]);
  });

  it('see empty lines as lines, and nothing after the final newline', async () => {
    const rules = ruleSet({ type: 'regex', pattern: '^$' });
    for (const chunkSize of [1, 2, 3, 4096]) expect(await lines(rules, 'a\n\nb\n\n', chunkSize)).toEqual([2, 4]);
  });

  it('anchor regular expressions at line starts', async () => {
    const rules = ruleSet({ type: 'regex', pattern: '^Traceback' });
    expect(await lines(rules, 'x Traceback\nTraceback (most recent call last):\n\nTraceback\n')).toEqual([2, 4]);
  });

  it('give each file its findings when several line rules share a file, reading it once', async () => {
    const rules = loadRuleSet({
      name: 't',
      rules: [
        { id: 'sev', kind: 'line', description: 'd', files: '*.log', match: { type: 'field', separator: '\t', index: 1, equals: 'SEVERE' } },
        { id: 'warn', kind: 'line', description: 'd', files: 'casa-*.log', match: { type: 'regex', pattern: '\\tWARN\\t' } },
      ],
    });
    const { working } = await processingDir();
    const file = await write(path.join(working, 'casa-1.log'), logText([casaLine('WARN', 'w'), casaLine('SEVERE', 's'), casaLine('WARN', 'w')]));
    const result = await verify(rules, { baseDir: working, chunkSize: 16 });
    expect(result.filesScanned).toEqual([file]);
    expect(result.findings.map((f) => `${f.rule}:${f.line}`)).toEqual(['sev:2', 'warn:1', 'warn:3']);
  });

  it('stop when the signal is aborted', async () => {
    const { working } = await processingDir();
    await write(path.join(working, 'casa-1.log'), excerpt);
    const controller = new AbortController();
    controller.abort();
    await expect(verify(severeOnly, { baseDir: working, signal: controller.signal })).rejects.toThrow();
  });
});
