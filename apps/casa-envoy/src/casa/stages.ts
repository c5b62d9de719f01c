import type { EnvoyContext, Finding } from '@envoys/envoy-core';
import { LogFollower, type FollowedLine, type Snapshot } from '@envoys/log-verifier';

/**
 * The texts the pipeline's runners log about their stages (pipeline/infrastructure/executevlappr.py :160-228,
 * executeppr.py :230-325; the task template, basetask.py :702-733), and CASA's task banner, which older
 * pipelines printed for their stages too (padded with blanks before the closing `#####`).
 */
const WATCH = [
  'Executing command ...',
  '##### Begin Task: ',
  '##### End Task: ',
  'Hanning smoothing will not be executed.',
  ', not performing any action.',
  'Skipping task ',
  'Ignoring breakpoint ',
  'Resuming execution after breakpoint ',
  'Terminating execution at breakpoint ',
  ' while running pipeline task ',
  'Error executing pipeline task ',
];

type Event =
  | { readonly kind: 'start' | 'end' | 'skip' | 'skip-current' | 'fail'; readonly task: string }
  | { readonly kind: 'fail-current' | 'stop' };

/** What a stage line says, read from the message field of `time<TAB>PRIORITY<TAB>origin<TAB>message`. */
function eventOf(text: string): Event | undefined {
  const fields = text.split('\t');
  if (fields.length < 4) return undefined;
  // Continuation lines (origin `...+`) belong to the message before them: a traceback's text is no stage line.
  if (fields[2]?.endsWith('+')) return undefined;
  const message = fields.slice(3).join('\t').trim();
  let m: RegExpExecArray | null;
  if ((m = /^Executing command \.\.\.\s*(\S+)/.exec(message))) return { kind: 'start', task: m[1] as string };
  if ((m = /^##### Begin Task: (\S+)\s*#####/.exec(message))) return { kind: 'start', task: m[1] as string };
  if ((m = /^##### End Task: (\S+)\s*#####/.exec(message))) return { kind: 'end', task: m[1] as string };
  if (/Hanning smoothing will not be executed\.$/.test(message)) return { kind: 'skip-current', task: 'hifv_hanning' };
  if ((m = /^Found (\S+), not performing any action\.$/.exec(message))) return { kind: 'skip', task: m[1] as string };
  if ((m = /^(?:Skipping task|Ignoring breakpoint|Resuming execution after breakpoint) (\S+)$/.exec(message))) return { kind: 'skip', task: m[1] as string };
  if (/^Terminating execution at breakpoint /.test(message)) return { kind: 'stop' };
  if ((m = /^Unhandled error in \S+ while running pipeline task (\S+)/.exec(message))) return { kind: 'fail', task: m[1] as string };
  if (/^Error executing pipeline task /.test(message)) return { kind: 'fail-current' };
  return undefined;
}

type Outcome = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

interface Stage {
  readonly index: number;
  readonly task: string;
  outcome: Outcome;
  file?: string;
  line?: number;
  /** The log line that says the stage failed. */
  evidence?: { readonly file: string; readonly line: number; readonly text: string };
}

/** Where stage changes go while CASA runs (the run's status, events and progress line); nothing afterwards. */
export interface StageSink {
  started(index: number, task: string): void;
  finished(index: number, outcome: 'succeeded' | 'failed' | 'skipped'): void;
}

/**
 * The PPR's stages as the pipeline's log tells them: stage k of n is the k-th ProcessingCommand, begun when
 * the log says `Executing command ...<command>` (or, from older pipelines, CASA's `##### Begin Task: <command>
 * #####` banner) for it. CASA logs the banner for the tasks a stage calls itself (flagdata, applycal, ...):
 * only a start that names the next command of the PPR (or a later one) counts, so those are not stages, and a
 * command that appears twice in the PPR is two stages. Commands passed over are skipped: the runners' skip
 * messages (SPECTRAL_MODE's Hanning, breakpoints) say so, and a command the log went past without running it is
 * skipped too. Once the log is read to its end, every stage has succeeded, failed, been skipped, or was never
 * reached.
 */
export class PipelineStages {
  private readonly stages: Stage[];
  private next = 0;
  private current: Stage | undefined;
  private stopped = false;

  constructor(
    commands: readonly string[],
    private readonly sink?: StageSink,
  ) {
    this.stages = commands.map((task, i) => ({ index: i + 1, task, outcome: 'pending' }));
  }

  static readonly watch: readonly string[] = WATCH;

  onLine(file: string, line: number, text: string): void {
    const event = eventOf(text);
    if (!event || this.stopped) return;
    switch (event.kind) {
      case 'start': {
        const at = this.find(event.task);
        if (at === -1) return;
        this.passOver(at);
        this.finishCurrent('succeeded');
        const stage = this.stages[at] as Stage;
        stage.outcome = 'running';
        stage.file = file;
        stage.line = line;
        this.current = stage;
        this.next = at + 1;
        this.sink?.started(stage.index, stage.task);
        return;
      }
      case 'end':
        if (this.current?.task === event.task) this.finishCurrent('succeeded');
        return;
      case 'skip-current':
        if (this.current?.task === event.task) this.finishCurrent('skipped');
        return;
      case 'skip': {
        const at = this.find(event.task);
        if (at === -1) return;
        this.passOver(at);
        this.finishCurrent('succeeded');
        const stage = this.stages[at] as Stage;
        this.settle(stage, 'skipped');
        this.next = at + 1;
        return;
      }
      case 'fail': {
        const stage = this.current?.task === event.task ? this.current : this.stages.find((s) => s.task === event.task && s.outcome === 'running');
        if (stage) this.fail(stage, { file, line, text });
        return;
      }
      case 'fail-current':
        if (this.current) this.fail(this.current, { file, line, text });
        return;
      case 'stop':
        this.finishCurrent('succeeded');
        this.stopped = true;
        return;
    }
  }

  /** The log is read to its end (CASA exited): a stage still running ended as the run did. */
  end(outcome: 'succeeded' | 'failed' = 'succeeded'): void {
    if (outcome === 'failed' && this.current) this.fail(this.current, undefined);
    else this.finishCurrent('succeeded');
  }

  /** Every stage succeeded or was skipped. */
  get complete(): boolean {
    return this.stages.every((stage) => stage.outcome === 'succeeded' || stage.outcome === 'skipped');
  }

  get counts(): { readonly succeeded: number; readonly skipped: number; readonly failed: number; readonly notReached: number } {
    const count = (outcome: Outcome) => this.stages.filter((stage) => stage.outcome === outcome).length;
    return { succeeded: count('succeeded') + count('running'), skipped: count('skipped'), failed: count('failed'), notReached: count('pending') };
  }

  /**
   * Stages that failed, and the first stage never reached; `log` is named when no line is. A failure whose
   * line is already a finding (the task template's SEVERE) is not said twice.
   */
  findings(log: string, known: readonly Finding[] = []): Finding[] {
    const findings: Finding[] = [];
    const n = this.stages.length;
    for (const stage of this.stages) {
      if (stage.outcome !== 'failed') continue;
      if (stage.evidence && known.some((finding) => finding.file === stage.evidence?.file && finding.line === stage.evidence.line)) continue;
      const where = stage.evidence ?? (stage.file !== undefined && stage.line !== undefined ? { file: stage.file, line: stage.line, text: '' } : undefined);
      findings.push({
        file: where?.file ?? log,
        line: where?.line ?? null,
        rule: 'casa-stage-failed',
        text: `stage ${stage.index}/${n} ${stage.task} failed${where?.text ? `: ${where.text}` : ''}`,
      });
    }
    const pending = this.stages.filter((stage) => stage.outcome === 'pending');
    const first = pending[0];
    if (first) {
      const last = [...this.stages].reverse().find((stage) => stage.outcome !== 'pending');
      const after = last ? ` (the log ends after stage ${last.index}/${n} ${last.task})` : ' (the log shows no stage of the PPR)';
      const more = pending.length > 1 ? ` and ${pending.length - 1} later stage${pending.length > 2 ? 's' : ''}` : '';
      findings.push({ file: log, line: null, rule: 'casa-stage-not-reached', text: `stage ${first.index}/${n} ${first.task}${more} never ran${after}` });
    }
    return findings;
  }

  /** The stage the line lies in (the last started at or before it), for findings. */
  stageAt(file: string, line: number): number | undefined {
    let found: number | undefined;
    for (const stage of this.stages) if (stage.file === file && stage.line !== undefined && stage.line <= line) found = stage.index;
    return found;
  }

  private find(task: string): number {
    return this.stages.findIndex((stage, i) => i >= this.next && stage.task === task);
  }

  /** Commands before `at` the log went past without running them were skipped. */
  private passOver(at: number): void {
    for (let i = this.next; i < at; i++) {
      const stage = this.stages[i] as Stage;
      if (stage.outcome === 'pending') this.settle(stage, 'skipped');
    }
  }

  private finishCurrent(outcome: 'succeeded' | 'skipped'): void {
    const stage = this.current;
    this.current = undefined;
    if (stage && stage.outcome === 'running') this.settle(stage, outcome);
  }

  private fail(stage: Stage, evidence: { file: string; line: number; text: string } | undefined): void {
    if (evidence) stage.evidence ??= evidence;
    if (stage === this.current) this.current = undefined;
    this.settle(stage, 'failed');
  }

  private settle(stage: Stage, outcome: 'succeeded' | 'failed' | 'skipped'): void {
    stage.outcome = outcome;
    this.sink?.finished(stage.index, outcome);
  }
}

/**
 * Follows CASA's log as it is written and tells the run which pipeline stage is under way (status, events,
 * progress line, run page), and afterwards which stages failed, were skipped or never ran.
 */
export class CasaStageFollower {
  private readonly follower: LogFollower;
  readonly stages: PipelineStages;

  constructor(
    private readonly context: EnvoyContext,
    workingDir: string,
    baseline: Snapshot | undefined,
    commands: readonly string[],
  ) {
    const status = context.status;
    this.stages = new PipelineStages(commands, {
      started: (index, task) => status.stageStarted(index, task),
      finished: (index, outcome) => status.stageFinished(index, outcome),
    });
    this.follower = new LogFollower({
      baseDir: workingDir,
      files: 'casa-*.log',
      baseline,
      watch: PipelineStages.watch,
      onLine: (line: FollowedLine) => this.stages.onLine(line.file, line.line, line.text),
      onFile: (file) => context.logger.child('launch').debug('following the CASA log', { file }),
    });
    status.planStages(commands);
    status.live('log', () => (this.follower.file ? { file: this.follower.file, lastLines: this.follower.tail() } : undefined));
  }

  get file(): string | undefined {
    return this.follower.file;
  }

  start(): void {
    this.follower.start();
  }

  /** Reads the log to its end one last time: CASA has exited. */
  async stop(): Promise<void> {
    await this.follower.stop();
    this.context.status.update({ log: this.follower.file ? { file: this.follower.file, lastLines: this.follower.tail() } : undefined });
    this.context.status.live('log', undefined);
  }

  /** Marks the stages in which the verification found evidence of failure (a SEVERE in the stage's lines). */
  markFailures(findings: readonly Finding[]): void {
    for (const finding of findings) {
      if (finding.line === null) continue;
      const index = this.stages.stageAt(finding.file, finding.line);
      if (index !== undefined) this.context.status.stageFinished(index, 'failed');
    }
  }
}

/** The stages of a finished run, read from its newest CASA log (`--verify`). */
export async function readStages(workingDir: string, commands: readonly string[]): Promise<{ stages: PipelineStages; file: string | undefined }> {
  const stages = new PipelineStages(commands);
  const follower = new LogFollower({
    baseDir: workingDir,
    files: 'casa-*.log',
    watch: PipelineStages.watch,
    onLine: (line) => stages.onLine(line.file, line.line, line.text),
  });
  await follower.poll();
  stages.end();
  return { stages, file: follower.file };
}
