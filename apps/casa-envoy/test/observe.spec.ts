import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePath, readJson, startChromium, tempDir, type TestBrowser } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, startCasaEnvoy } from './support/casa-envoy';
import { casaEnv, makeProcessingDir } from './support/processing-dir';

const COMMANDS = ['hifv_importdata', 'hifv_hanning', 'hifv_flagdata', 'hifv_vlasetjy', 'hifv_priorcals', 'hifv_finalcals', 'hifv_applycals', 'hifv_exportdata'];

interface Status {
  state: string;
  step: string | null;
  startedAt: string;
  updatedAt: string;
  stage?: { index: number; count: number; task: string; startedAt: string };
  log?: { file: string; lastLines: string[] };
  launch?: { state: string; pid: number };
}

interface Stage {
  index: number;
  task: string;
  status: string;
}

function status(dir: string): Status | undefined {
  try {
    return readJson<Status>(join(dir, 'casa-envoy-status.json'));
  } catch {
    return undefined; // not written yet
  }
}

// What a long CASA run shows while it runs: the pipeline stage in the status file and on the terminal.
describe('casa-envoy shows what CASA is doing', () => {
  it('a slow calibration: the stage advances in casa-envoy-status.json, with the last log lines', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const envoy = startCasaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'slow', CASA_EMULATOR_SECONDS: '12' });
    const seen = new Map<number, Status>();
    let running: Status | undefined;
    const watching = (async () => {
      while (envoy.process.exitCode === null) {
        const now = status(dir);
        if (now?.state === 'running' && now.stage) {
          seen.set(now.stage.index, now);
          running = now;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const finished = await envoy.finished;
    await watching;
    expect(finished.code).toBe(0);
    // Several stages seen one after another, each named as in the PPR, counted of the PPR's commands.
    expect(seen.size).toBeGreaterThanOrEqual(3);
    for (const [index, at] of seen) {
      expect(at.stage).toMatchObject({ index, count: 8, task: COMMANDS[index - 1] });
      expect(Date.parse(at.stage?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(at.startedAt));
    }
    expect(running?.step).toBe('launch');
    expect(running?.log?.file).toMatch(/working\/casa-\d{8}-\d{6}\.log$/);
    expect(running?.log?.lastLines.length).toBeGreaterThan(0);
    expect(running?.log?.lastLines.every((line) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\t/.test(line))).toBe(true);
    // The end: the outcome, every stage succeeded in the report.
    expect(status(dir)).toMatchObject({ state: 'succeeded', stage: { index: 8, task: 'hifv_exportdata' } });
    expect(readReport(dir).stages?.map((stage: Stage) => [stage.index, stage.task, stage.status])).toEqual(COMMANDS.map((task, i) => [i + 1, task, 'succeeded']));
    // In a batch log (not a terminal): one line per stage.
    const stageLines = finished.stdout.split('\n').filter((line) => / \[launch\] stage \d\/8: /.test(line));
    expect(stageLines.map((line) => line.replace(/^.* stage /, ''))).toEqual(COMMANDS.map((task, i) => `${i + 1}/8: ${task}`));
  });

  it('on a terminal: one progress line with stage k/n, the task and the elapsed time, redrawn below the output', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    // `script` gives the envoy a pseudo-terminal, as a person at a shell would.
    const env = casaEnv({ CASA_EMULATOR_SCENARIO: 'slow', CASA_EMULATOR_SECONDS: '6', TERM: 'xterm', PATH: process.env['PATH'], HOME: dir });
    const command = `stty cols 120; exec ${process.execPath} ${bundlePath('casa-envoy')} -c metadata.json PPR.xml`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    // Each redraw clears the line (CR, erase line) and writes it again.
    // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what is tested
    const drawn = [...screen.matchAll(/\r\u001b\[2K(casa-envoy: [^\r\n\u001b]*)/g)].map((match) => match[1] ?? '');
    const stages = drawn.map((line) => /stage (\d)\/8 (\S+) \((\d+:\d\d)\) · (\d+:\d\d)$/.exec(line)).filter((match) => match !== null);
    const indexes = [...new Set(stages.map((match) => Number(match[1])))];
    expect(indexes.length).toBeGreaterThanOrEqual(3);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    for (const match of stages) expect(match[2]).toBe(COMMANDS[Number(match[1]) - 1]);
    expect(drawn.some((line) => line.startsWith('casa-envoy: auditing'))).toBe(true);
    // The line is gone at the end: it was cleared, and the last thing on the screen is the envoy's last log line.
    const lastRow = screen.trimEnd().split('\n').at(-1) ?? '';
    // eslint-disable-next-line no-control-regex -- colour sequences of the log line
    const visible = (lastRow.split('\r').at(-1) ?? '').replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
    expect(visible).toMatch(/^\S+Z INFO +\[casa-envoy\] succeeded exitCode=0$/);
  });

  it('a SEVERE failure: the stage that failed, the stages never reached, and the outcome in the status file', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe' });
    expect(finished.code).toBe(70);
    expect(readReport(dir).stages?.map((stage: Stage) => stage.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'pending', 'pending', 'pending']);
    // Three SEVERE messages (CASA's task, the template's error, its traceback), the three calibration products
    // not exported, and the stages never reached.
    expect(status(dir)).toMatchObject({ state: 'failed', exitCode: 70, findings: 7, stage: { index: 5, task: 'hifv_priorcals' } });
  });

  it('a dry run writes no status file and no run page', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run']);
    expect(finished.code).toBe(0);
    expect(status(dir)).toBeUndefined();
    expect(() => readFileSync(join(dir, 'casa-envoy-report.html'))).toThrow();
  });
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// The run page as a person sees it, in a real browser (Debian's Chromium), with scripts disabled.
describe('the run page, in a browser', () => {
  let browser: TestBrowser;
  const shots = process.env['ENVOYS_SCREENSHOTS'] ?? tempDir('run-page-shots-');
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await startChromium({ javaScript: false });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(file: string, shot: string) {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    await page.screenshot({ path: join(shots, shot), fullPage: true });
    const text = await page.innerText('body');
    return { page, text, requests };
  }

  async function box(page: Awaited<ReturnType<typeof open>>['page'], selector: string): Promise<Box> {
    const found = await page.locator(selector).first().boundingBox();
    if (!found) throw new Error(`${selector} is not visible`);
    return found;
  }

  it('a SEVERE failure: the outcome, the finding with its traceback, and the stage picture with the failed stage', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe' })).code).toBe(70);
    const { page, text, requests } = await open(join(dir, 'casa-envoy-report.html'), 'run-page-severe.png');
    // The page loads nothing but itself.
    expect(requests).toEqual([`file://${join(dir, 'casa-envoy-report.html')}`]);
    expect(text).toContain('Failed (exit 70: the external system ran and failed)');
    expect(text).toMatch(/verification failed: .*casa-severe/);
    // The finding, with the lines around it: the traceback under the SEVERE, down to the exception.
    // The traceback is one message: one finding, shown once, with all its lines.
    const cards = page.locator('.finding', { hasText: 'Traceback (most recent call last):' });
    expect(await page.locator('.finding .hit', { hasText: 'Traceback (most recent call last):' }).count()).toBe(1);
    const finding = page.locator('.finding').filter({ has: page.locator('.hit', { hasText: 'Traceback (most recent call last):' }) });
    expect(await cards.count()).toBeGreaterThanOrEqual(1);
    const shown = await finding.innerText();
    expect(shown).toMatch(/SEVERE\s+pipeline::pipeline.infrastructure.basetask::casa\s+Traceback/);
    expect(shown).toContain('Traceback (most recent call last):');
    expect(shown).toContain('File "pipeline/hifv/tasks/priorcals/priorcals.py", line 211, in prepare');
    expect(shown).toContain('RuntimeError: Error in Calibrater::setapply.');
    const hit = await box(page, '#finding-1 .hit');
    expect(await page.locator('#finding-1 .hit').innerText()).toMatch(/SEVERE\s+applycal::::casa\s+Task applycal raised an exception/);
    expect(hit.height).toBeGreaterThan(8);
    // The outcome banner is at the top, above the finding.
    const banner = await box(page, '#outcome');
    expect(banner.y).toBeLessThan(hit.y);
    // The stages as a picture: eight rows, the fifth failed and drawn, the last three not reached.
    const rows = page.locator('svg [data-stage]');
    expect(await rows.count()).toBe(8);
    expect(await page.locator('svg [data-stage="5"]').getAttribute('data-status')).toBe('failed');
    expect(await page.locator('svg [data-stage="8"]').getAttribute('data-status')).toBe('pending');
    const failedBar = await box(page, 'svg [data-stage="5"] .bar');
    expect(failedBar.width).toBeGreaterThan(0);
    expect(await page.locator('svg [data-stage="5"] .bar').getAttribute('fill')).toBe('#c62828');
    expect(await page.locator('svg [data-stage="5"]').textContent()).toContain('hifv_priorcals');
    expect(await page.locator('svg [data-stage="7"]').textContent()).toContain('not reached');
    // The exact launch command and the environment the envoy set; links to the logs and the weblog.
    expect(await page.locator('pre.command').innerText()).toContain('--nogui --nologger --log2term --agg -c');
    expect(text).toMatch(/SCIPIPE_ROOTDIR\s+\//);
    expect(await page.locator('a[href^="working/casa-"]').count()).toBeGreaterThan(0);
  }, 60_000);

  it('a SEVERE handled in a run that completed every stage: said once under the outcome, with the policy that decided it, for fail and for report', async () => {
    const mention = 'A SEVERE was logged and handled';
    const count = (text: string, part: string) => text.split(part).length - 1;
    for (const [policy, code, headline, decided] of [
      ['fail', 70, 'Failed (exit 70: the external system ran and failed)', 'policy envoys.casa.handledSevere=fail decided that the run failed'],
      ['report', 0, 'Succeeded (exit 0: success, verified)', 'policy envoys.casa.handledSevere=report decided that it is reported, not a failure'],
    ] as const) {
      const dir = makeProcessingDir({ mode: 'standard-cal' });
      expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe-handled', CASA_HANDLED_SEVERE: policy })).code).toBe(code);
      const file = join(dir, 'casa-envoy-report.html');
      const { page, text, requests } = await open(file, `run-page-severe-handled-${policy}.png`);
      expect(requests).toEqual([`file://${file}`]);
      expect(text).toContain(headline);
      // Visible on the page itself, not only inside the collapsed details: once, right under the outcome.
      expect(count(text, mention)).toBe(1);
      const note = page.locator('#notes li');
      expect(await note.count()).toBe(1);
      const said = await note.innerText();
      expect(said).toContain('CASA logged 1 SEVERE message in a run that completed every stage with its products');
      expect(said).toContain(decided);
      // The message itself, so that a person knows what was handled without opening the log.
      expect(said).toMatch(/First: .*SEVERE\s+pipeline::pipeline\.infrastructure\.renderer\.htmlrenderer::casa\s+Error generating weblog for hifv_\w+/);
      const banner = await box(page, '#outcome');
      const shown = await box(page, '#notes');
      expect(shown.height).toBeGreaterThan(8);
      expect(shown.y).toBeGreaterThan(banner.y);
      expect(shown.y).toBeLessThan((await box(page, '#stages')).y);
      // Every stage ran: with report all succeeded; with fail the stage that logged the SEVERE is drawn failed.
      const statuses = await page.locator('svg [data-stage]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')));
      expect(statuses).toHaveLength(8);
      expect(statuses.filter((status) => status === 'failed')).toHaveLength(policy === 'fail' ? 1 : 0);
      expect(statuses.every((status) => status === 'succeeded' || status === 'failed')).toBe(true);
      // With fail, the SEVERE is the one finding; with report, there is none.
      expect(await page.locator('.finding[data-rule="casa-severe"]').count()).toBe(policy === 'fail' ? 1 : 0);
      await page.close();
    }
  }, 90_000);

  it('a success: the outcome, all stages succeeded, the steps on a time line, links to the weblog and the products', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'slow', CASA_EMULATOR_SECONDS: '4' })).code).toBe(0);
    const { page, text } = await open(join(dir, 'casa-envoy-report.html'), 'run-page-success.png');
    expect(text).toContain('Succeeded (exit 0: success, verified)');
    expect(text).toContain('8 of 8 stages ran.');
    for (const index of [1, 2, 3, 4, 5, 6, 7, 8]) expect(await page.locator(`svg [data-stage="${index}"]`).getAttribute('data-status')).toBe('succeeded');
    // Stages that took time are drawn in proportion, one after another.
    const first = await box(page, 'svg [data-stage="1"] .bar');
    const last = await box(page, 'svg [data-stage="8"] .bar');
    expect(last.x).toBeGreaterThan(first.x);
    const launch = await box(page, 'svg [data-step="launch"] .bar');
    const audit = await box(page, 'svg [data-step="audit-inputs"] .bar');
    expect(launch.width).toBeGreaterThan(audit.width);
    expect(await page.locator('a[href$="/html/index.html"]').count()).toBe(1);
    expect(await page.locator('a[href="products/unknown.session_1.caltables.tgz"]').count()).toBe(1);
    expect(await page.locator('a[href="casa-envoy-report.json"]').count()).toBeGreaterThan(0);
  }, 60_000);
});
