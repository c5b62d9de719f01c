import type { StepRecord } from '../report/report';

/**
 * What the report keeps of a run besides its launch and findings: the steps in the order they ended, the
 * launcher's details and notes. The one place they are written; the phases add to it through its methods.
 */
export class RunRecord {
  private readonly stepList: StepRecord[] = [];
  private readonly detailMap: Record<string, unknown> = {};
  private readonly noteList: string[] = [];

  get steps(): readonly StepRecord[] {
    return this.stepList;
  }

  get details(): Readonly<Record<string, unknown>> {
    return this.detailMap;
  }

  get notes(): readonly string[] {
    return this.noteList;
  }

  step(record: StepRecord): void {
    this.stepList.push(record);
  }

  detail(key: string, value: unknown): void {
    this.detailMap[key] = value;
  }

  /** Adds paths to a detail that is a list (the removed temporaries). */
  appendDetail(key: string, values: readonly string[]): void {
    const list = (this.detailMap[key] as string[] | undefined) ?? [];
    list.push(...values);
    this.detailMap[key] = list;
  }

  note(text: string): void {
    // A verdict reached twice (a retried step) must not say the same thing twice.
    if (!this.noteList.includes(text)) this.noteList.push(text);
  }
}
