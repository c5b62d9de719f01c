import type { Writable } from 'node:stream';
import { ProgressLine, type Terminal } from '../../status/progress-line';
import type { RunObserver } from './observer';
import type { RunView } from './run-view';

/** `1:02:03` or `2:03`. */
function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The terminal's progress line: state, step, the running stage, the launcher's text, the time so far. */
export class ProgressObserver implements RunObserver {
  private constructor(readonly line: ProgressLine) {}

  /** A progress line when a person watches the terminal (ProgressLine.forTerminal decides), else undefined. */
  static forTerminal(terminal: Terminal & Writable, env: Readonly<Record<string, string | undefined>>, view: RunView, envoy: string, startedAt: Date): ProgressObserver | undefined {
    const line = ProgressLine.forTerminal(terminal, env, () => progressText(view, envoy, startedAt));
    return line ? new ProgressObserver(line) : undefined;
  }

  onStart(): void {
    this.line.start();
  }

  onPhaseStart(): void {
    this.line.draw();
  }

  onLaunched(): void {
    this.line.draw();
  }

  onStageStarted(): void {
    this.line.draw();
  }

  onStageSkipped(): void {
    this.line.draw();
  }

  onProgress(): void {
    this.line.draw();
  }

  onEnded(): void {
    this.line.stop();
  }
}

function progressText(view: RunView, envoy: string, startedAt: Date): string {
  const parts = [`${envoy}: ${view.state}${view.step && (view.state === 'auditing' || view.state === 'preparing') ? ` ${view.step}` : ''}`];
  const current = view.stages.current();
  if (current?.status === 'running' && current.startedAt) {
    parts.push(`stage ${current.index}/${Math.max(view.stages.count, current.index)} ${current.task} (${clock(Date.now() - Date.parse(current.startedAt))})`);
  }
  const skipped = view.stages.skipped.length;
  if (skipped > 0) parts.push(`${skipped} skipped`);
  if (view.progress) parts.push(view.progress);
  parts.push(clock(Date.now() - startedAt.getTime()));
  return parts.join(' · ');
}
