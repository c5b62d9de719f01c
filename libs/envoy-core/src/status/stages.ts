import type { StageRecord, StageStatus } from '../report/report';

interface Stage {
  index: number;
  task: string;
  status: StageStatus;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * The external system's stages as the envoy follows them (CASA: the pipeline's tasks): planned before the
 * launch, started and finished as its log says, settled at the end. Stages run one after another: a stage
 * that starts ends the one before it.
 */
export class StageTimeline {
  private readonly stages: Stage[] = [];

  /** The stages as far as they are known before the run (CASA: the PPR's ProcessingCommands). */
  plan(tasks: readonly string[]): void {
    tasks.forEach((task, i) => {
      if (!this.stages[i]) this.stages[i] = { index: i + 1, task, status: 'pending' };
    });
  }

  get count(): number {
    return this.stages.length;
  }

  /** The stage that started last, if any. */
  current(): StageRecord | undefined {
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const stage = this.stages[i];
      if (stage && stage.status !== 'pending' && stage.startedAt !== undefined) return { ...stage };
    }
    return undefined;
  }

  start(index: number, task: string, at: Date): StageRecord {
    const time = at.toISOString();
    for (const stage of this.stages) {
      if (stage && stage.index < index && stage.status === 'running') {
        stage.status = 'succeeded';
        stage.finishedAt = time;
      }
    }
    for (let i = this.stages.length; i < index - 1; i++) this.stages[i] = { index: i + 1, task: '?', status: 'pending' };
    const stage: Stage = { index, task, status: 'running', startedAt: time };
    this.stages[index - 1] = stage;
    return { ...stage };
  }

  /** Stages the system passed over: skipped, whether or not they were started. */
  get skipped(): StageRecord[] {
    return this.stages.filter((stage) => stage?.status === 'skipped').map((stage) => ({ ...stage }));
  }

  finish(index: number, status: 'succeeded' | 'failed' | 'skipped', at: Date): void {
    const stage = this.stages[index - 1];
    if (status === 'skipped') {
      // A skipped stage may never have started (a breakpoint), or have started and been passed over.
      if (stage && (stage.status === 'pending' || stage.status === 'running')) {
        stage.status = 'skipped';
        if (stage.startedAt) stage.finishedAt ??= at.toISOString();
      }
      return;
    }
    if (!stage || stage.status === 'pending' || stage.status === 'skipped') return;
    // Evidence of failure wins over an orderly end: a stage that logged a SEVERE still ends its task.
    if (stage.status === 'failed') return;
    stage.status = status;
    stage.finishedAt ??= at.toISOString();
  }

  /** At the end of the run: a stage still running ended with the run (its outcome, or stopped by a signal). */
  settle(status: 'succeeded' | 'failed' | 'stopped', at: Date): void {
    for (const stage of this.stages) {
      if (stage?.status === 'running') {
        stage.status = status;
        stage.finishedAt = at.toISOString();
      }
    }
  }

  records(): StageRecord[] {
    return this.stages.filter((stage): stage is Stage => stage !== undefined).map((stage) => ({ ...stage }));
  }
}
