import * as path from 'node:path';
import { casaRuleSet, verify, type RuleSet, type VerifyOptions } from '../src';
import { casaLine, logText, processingDir, removeAll, write } from './helpers';

afterAll(removeAll);

const casa = casaRuleSet({ requireProducts: false });
const severeOnly: RuleSet = { ...casa, rules: casa.rules.filter((r) => r.id === 'casa-severe') };
const tracebackRule: RuleSet = {
  name: 'tracebacks',
  rules: [{ id: 'traceback', kind: 'line', description: 'a traceback', files: 'run.log', match: { type: 'regex', pattern: '^Traceback' } }],
};

async function findingsOf(name: string, text: string | Buffer, ruleSet: RuleSet, options: Partial<VerifyOptions> = {}) {
  const { working } = await processingDir();
  await write(path.join(working, name), text);
  return (await verify(ruleSet, { ...options, baseDir: working })).findings;
}

const info = (n: number) => casaLine('INFO', `message ${n}`, 'casa::::casa');
const traceback = (lines: number) => [
  '\tTraceback (most recent call last):',
  ...Array.from({ length: lines - 1 }, (_, i) => `\t  File "pipeline/stage${i}.py", line ${i + 1}, in execute`),
];

// Findings carry the log lines around them: a person sees why without opening the log.
describe('finding context', () => {
  it('a SEVERE gets the three lines before it, its whole message (the traceback) and the lines after it', async () => {
    const log = logText([info(1), info(2), info(3), info(4), casaLine('SEVERE', 'it failed'), ...traceback(4), info(5), info(6)]);
    const [finding] = await findingsOf('casa-1.log', log, severeOnly);
    expect(finding).toMatchObject({ line: 5, text: casaLine('SEVERE', 'it failed') });
    expect(finding?.context).toEqual({ before: [info(2), info(3), info(4)], after: [...traceback(4), info(5), info(6)] });
  });

  it('a SEVERE without continuation lines gets the next lines instead', async () => {
    const log = logText([casaLine('SEVERE', 'first line of the log'), info(1), info(2), info(3), info(4)]);
    const [finding] = await findingsOf('casa-1.log', log, severeOnly);
    expect(finding?.context).toEqual({ before: [], after: [info(1), info(2), info(3)] });
  });

  it("CASA's shape: every line of a message has the full prefix and the origin followed by +: one finding, the whole message", async () => {
    const plus = (text: string) => casaLine('SEVERE', text, 'pipeline::pipeline.infrastructure.basetask::casa+');
    const frames = ['  File "pipeline/infrastructure/basetask.py", line 492, in execute', '    result = self.prepare()', 'RuntimeError: Error in Calibrater::setapply.'];
    const log = logText([info(1), casaLine('SEVERE', 'Traceback (most recent call last):', 'pipeline::pipeline.infrastructure.basetask::casa'), ...frames.map(plus), info(2), info(3)]);
    const findings = await findingsOf('casa-1.log', log, severeOnly);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.context?.after).toEqual([...frames.map(plus), info(2), info(3)]);
  });

  it('a benign pattern matches the whole message: also text that is only on its + lines', async () => {
    const leap = 'MeasTable::dUTC(Double) (file MeasTable.cc, line 4290)';
    const log = logText([
      casaLine('SEVERE', 'Leap second table TAI_UTC seems out-of-date.', leap),
      casaLine('SEVERE', 'times and coordinates derived from UTC could be wrong by 1s or more.', `${leap}+`),
      casaLine('SEVERE', 'Leap second table TAI_UTC seems out-of-date.', 'other::::casa'),
    ]);
    const benign = casaRuleSet({ requireProducts: false, benign: ['Leap second table[^\\n]*\\n.*could be wrong by 1s'] });
    const result = await (async () => {
      const { working } = await processingDir();
      await write(path.join(working, 'casa-1.log'), log);
      return verify({ ...benign, rules: benign.rules.filter((r) => r.id === 'casa-severe') }, { baseDir: working });
    })();
    expect(result.findings.map((f) => f.line)).toEqual([3]);
    expect(result.totals).toEqual([expect.objectContaining({ matched: 1, listed: 1, benign: 1 })]);
  });

  it('a traceback is bounded: at most 100 continuation lines by default, or as configured, then the lines after', async () => {
    const log = logText([casaLine('SEVERE', 'deep failure'), ...traceback(150), info(1)]);
    const [finding] = await findingsOf('casa-1.log', log, severeOnly);
    expect(finding?.context?.after).toEqual(traceback(150).slice(0, 103));
    const [fewer] = await findingsOf('casa-1.log', log, severeOnly, { continuationLines: 5, contextLines: 1 });
    expect(fewer?.context?.after).toEqual(traceback(6));
  });

  it('a rule without recordStart gets the lines around the finding', async () => {
    const log = logText(['a', 'b', 'c', 'd', 'Traceback (most recent call last):', 'e', 'f', 'g', 'h']);
    const [finding] = await findingsOf('run.log', log, tracebackRule);
    expect(finding).toMatchObject({ line: 5, context: { before: ['b', 'c', 'd'], after: ['e', 'f', 'g'] } });
  });

  it('the last line of a file without a final newline, CRLF line ends, and the end of the file', async () => {
    const crlf = logText([info(1), casaLine('SEVERE', 'crlf'), '\tcontinued'], '\r\n', false);
    const [finding] = await findingsOf('casa-1.log', crlf, severeOnly);
    expect(finding?.context).toEqual({ before: [info(1)], after: ['\tcontinued'] });
    const [last] = await findingsOf('casa-1.log', logText([info(1), casaLine('SEVERE', 'the end')], '\n', false), severeOnly);
    expect(last).toMatchObject({ line: 2, context: { before: [info(1)], after: [] } });
  });

  it('context lines are cut like finding texts, and a huge line near a finding does not come along whole', async () => {
    const long = 'x'.repeat(100_000);
    const log = logText([long, info(1), casaLine('SEVERE', 'after a huge line'), `\t${'y'.repeat(2000)}`, long]);
    const [finding] = await findingsOf('casa-1.log', log, severeOnly);
    // The huge line before lies outside the window read around the finding: only whole lines are shown.
    expect(finding?.context?.before).toEqual([info(1)]);
    expect(finding?.context?.after).toEqual([`\t${'y'.repeat(499)}…`]);
  });

  it('works where findings straddle read chunks and lines are counted across them', async () => {
    const filler = Array.from({ length: 2000 }, (_, i) => info(i));
    const log = logText([...filler, casaLine('SEVERE', 'late'), '\tcontinuation', ...filler]);
    const [finding] = await findingsOf('casa-1.log', log, severeOnly, { chunkSize: 4096 });
    expect(finding).toMatchObject({ line: 2001, context: { before: filler.slice(-3), after: ['\tcontinuation', filler[0], filler[1], filler[2]] } });
  });

  it('contextLines 0 and continuationLines 0 leave findings without context', async () => {
    const log = logText([info(1), casaLine('SEVERE', 'bare'), '\ttraceback']);
    const [finding] = await findingsOf('casa-1.log', log, severeOnly, { contextLines: 0, continuationLines: 0 });
    expect(finding).toEqual({ file: expect.any(String), line: 2, rule: 'casa-severe', text: casaLine('SEVERE', 'bare') });
  });

  it('a summary finding (more matches than listed) has no context', async () => {
    const log = logText(Array.from({ length: 5 }, (_, i) => casaLine('SEVERE', `number ${i}`)));
    const findings = await findingsOf('casa-1.log', log, severeOnly, { maxFindingsPerRule: 2 });
    expect(findings.map((f) => [f.line, f.context === undefined])).toEqual([
      [1, false],
      [2, false],
      [null, true],
    ]);
  });
});
