/**
 * What a run's launcher and phases add to its report: `details` and `notes`. The one place they are
 * written; they add to it through its methods.
 */
export class RunRecord {
  private readonly detailMap: Record<string, unknown> = {};
  private readonly noteList: string[] = [];

  get details(): Readonly<Record<string, unknown>> {
    return this.detailMap;
  }

  get notes(): readonly string[] {
    return this.noteList;
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
