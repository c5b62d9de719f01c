import type { EnvoyContext, Finding } from '@envoys/envoy-core';
import { LogFollower, type FollowedLine, type Snapshot } from '@envoys/log-verifier';

const BEGIN = '##### Begin Task: ';
const END = '##### End Task: ';

/** The task a marker line names: `... ##### Begin Task: hifv_flagdata #####` is hifv_flagdata. */
function markedTask(text: string, marker: string): string | undefined {
  const at = text.indexOf(marker);
  if (at === -1) return undefined;
  const rest = text.slice(at + marker.length);
  const name = rest.split(' ')[0]?.trim();
  return name ? name : undefined;
}

interface StageStart {
  readonly index: number;
  readonly task: string;
  readonly file: string;
  readonly line: number;
}

/**
 * Follows CASA's log as it is written and tells the run which pipeline stage is under way: stage k of n is
 * the k-th of the PPR's ProcessingCommands, begun when the log says `##### Begin Task: <command> #####`.
 * CASA logs the same markers for the tasks a stage calls itself (flagdata, applycal, ...): only a Begin
 * that names the next command of the PPR (or a later one) starts a stage, so those are not counted, and a
 * command that appears twice in the PPR is two stages.
 */
export class CasaStageFollower {
  private readonly follower: LogFollower;
  private readonly starts: StageStart[] = [];
  private next = 0;

  constructor(
    private readonly context: EnvoyContext,
    workingDir: string,
    baseline: Snapshot | undefined,
    private readonly commands: readonly string[],
  ) {
    this.follower = new LogFollower({
      baseDir: workingDir,
      files: 'casa-*.log',
      baseline,
      watch: [BEGIN, END],
      onLine: (line) => this.onLine(line),
      onFile: (file) => context.logger.child('launch').debug('following the CASA log', { file }),
    });
    context.status.planStages(commands);
    context.status.live('log', () => (this.follower.file ? { file: this.follower.file, lastLines: this.follower.tail() } : undefined));
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
      const line = finding.line;
      const within = this.starts.filter((start) => start.file === finding.file && start.line <= line);
      const stage = within[within.length - 1];
      if (stage) this.context.status.stageFinished(stage.index, 'failed');
    }
  }

  private onLine(line: FollowedLine): void {
    if (line.watch === 0) {
      const task = markedTask(line.text, BEGIN);
      const at = task === undefined ? -1 : this.commands.indexOf(task, this.next);
      if (task === undefined || at === -1) return;
      this.next = at + 1;
      this.starts.push({ index: at + 1, task, file: line.file, line: line.line });
      this.context.status.stageStarted(at + 1, task);
    } else {
      const task = markedTask(line.text, END);
      const current = this.starts[this.starts.length - 1];
      if (current && task === current.task) this.context.status.stageFinished(current.index, 'succeeded');
    }
  }
}
