import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { casaEnvoy, MODE_ARGS } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

// The CASA emulator's log held against the logs real modular CASA wrote in the real-CASA suite
// (test-casa/fixtures, kept from its runs): the same fields, origin forms and continuation lines.
const FIXTURES = join(__dirname, '..', 'test-casa', 'fixtures');
const LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\t(SEVERE|WARN|INFO|INFO[1-5]|DEBUG1|DEBUG2|DEBUGGING)\t([^\t]*)\t(.*)$/;

function logsIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^casa-\d{8}-\d{6}\.log$/.test(name)).map((name) => readFileSync(join(dir, name), 'utf8'));
}

const realLogs = readdirSync(FIXTURES).flatMap((scenario) => logsIn(join(FIXTURES, scenario, 'working')));

/** The shape of an origin: `::casa`, `<task>::::casa`, `<origin>::<logger>::casa`, with `+` on continuation lines. */
function originForm(origin: string): string {
  const plus = origin.endsWith('+') ? '+' : '';
  const bare = plus ? origin.slice(0, -1) : origin;
  if (bare === '::casa') return `::casa${plus}`;
  if (/^[A-Za-z_][\w]*::::casa$/.test(bare)) return `<task>::::casa${plus}`;
  if (/^pipeline::[\w.]+::casa$/.test(bare)) return `pipeline::<logger>::casa${plus}`;
  return `other${plus}`;
}

function lines(log: string): string[] {
  return log.split('\n').filter((line) => line !== '');
}

function checkContinuations(log: string): void {
  const all = lines(log);
  all.forEach((line, i) => {
    const [, time, priority, origin] = LINE.exec(line) ?? [];
    if (!origin?.endsWith('+')) return;
    // A `+` line continues the message before it: the same time, priority and origin.
    const [, pTime, pPriority, pOrigin] = LINE.exec(all[i - 1] ?? '') ?? [];
    expect([time, priority, origin]).toEqual([pTime, pPriority, pOrigin?.endsWith('+') ? pOrigin : `${pOrigin}+`]);
  });
}

describe('the CASA emulator writes its log as real CASA does', () => {
  let emulated: string[] = [];
  beforeAll(async () => {
    for (const scenario of ['severe', 'severe-handled']) {
      const dir = makeProcessingDir({ mode: 'standard-cal' });
      await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: scenario });
      emulated = [...emulated, ...logsIn(join(dir, 'working'))];
    }
  });

  it('the real fixtures are there and have the real shapes (SEVERE with + lines, stage lines)', () => {
    expect(realLogs.length).toBeGreaterThanOrEqual(5);
    const real = realLogs.join('\n');
    expect(real).toMatch(/\tSEVERE\tpipeline::pipeline\.infrastructure\.basetask::casa\+\t/);
    expect(real).toMatch(/\tINFO\thifv_importdata::::casa\tExecuting command \.\.\.hifv_importdata\n/);
    expect(real).toMatch(/##### Begin Task: flagdata {11}#####/);
  });

  it('every line has the four tab-separated fields, in both', () => {
    for (const log of [...realLogs, ...emulated]) for (const line of lines(log)) expect(line).toMatch(LINE);
  });

  it("the emulator's origins take only forms real CASA writes, continuation lines included", () => {
    const forms = (logs: string[]) => new Set(logs.flatMap((log) => lines(log).map((line) => originForm(LINE.exec(line)?.[3] ?? ''))));
    const real = forms(realLogs);
    const mine = forms(emulated);
    for (const form of mine) expect(real).toContain(form);
    expect(mine).toContain('pipeline::<logger>::casa+');
  });

  it('a + line continues the message before it (same time, priority and origin), in both', () => {
    for (const log of [...realLogs, ...emulated]) checkContinuations(log);
  });

  it('stages are logged as the runners log them: `Executing command ...<name>` with the origin set to the command', () => {
    const stageLine = /\tINFO\t(\w+)::::casa\tExecuting command \.\.\.(\w+)$/;
    for (const logs of [realLogs, emulated]) {
      const found = logs.flatMap((log) => lines(log).map((line) => stageLine.exec(line)).filter((m) => m !== null));
      expect(found.length).toBeGreaterThan(0);
      for (const match of found) expect(match[1]).toBe(match[2]);
    }
  });
});
