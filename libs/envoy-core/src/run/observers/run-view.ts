import type { FileRecord } from '../../report/report';
import { StageTimeline } from '../../status/stages';
import type { RunState } from './observer';

/** Where the life cycle is, shared by the observers that show it: state, step, stages, the launcher's text. */
export class RunView {
  readonly stages = new StageTimeline();
  private currentState: RunState = 'auditing';
  private currentStep: string | undefined;
  private launcherText: string | undefined;
  private readonly fileList: FileRecord[] = [];

  get state(): RunState {
    return this.currentState;
  }

  get step(): string | undefined {
    return this.currentStep;
  }

  /** What the launcher says on the progress line about the external system. */
  get progress(): string | undefined {
    return this.launcherText;
  }

  /** Files worth a link on the run page and in the report. */
  get files(): readonly FileRecord[] {
    return this.fileList;
  }

  enter(state: RunState, step?: string): void {
    this.currentState = state;
    if (step !== undefined) this.currentStep = step;
  }

  setProgress(text: string | undefined): void {
    this.launcherText = text;
  }

  addFile(file: FileRecord): void {
    if (!this.fileList.some((known) => known.path === file.path)) this.fileList.push(file);
  }
}
