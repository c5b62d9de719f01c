import { eventsFromSettings } from '../../events/configure';
import type { RunIdentity } from '../../events/event';
import { RunEvents } from '../../events/run-events';
import type { Logger } from '../../log/logger';
import type { LaunchPlan } from '../../process/launch-plan';
import type { Redactor } from '../../redact/redactor';
import { findingSummary } from '../../report/finding-text';
import type { EventsRecord, StepRecord } from '../../report/report';
import type { Settings } from '../../settings';
import type { RunEnded, RunObserver, StageFacts } from './observer';

/** The lifecycle events for the workflow system (CONTRACT 3.8); in a dry run or a preflight none is sent. */
export class EventsObserver implements RunObserver {
  private events: RunEvents;
  private record: EventsRecord | undefined;

  constructor(
    private readonly identity: RunIdentity,
    private readonly redactor: Redactor,
    private readonly sends: boolean,
  ) {
    this.events = new RunEvents(identity, [], redactor);
  }

  /** The delivery counts for the report, once the events are closed; undefined when none are configured. */
  get delivered(): EventsRecord | undefined {
    return this.record;
  }

  /** An event of the launcher's own (`EnvoyContext.events.emit`). */
  emit(event: string, facts?: Readonly<Record<string, unknown>>): void {
    this.events.emit(event, facts);
  }

  onStart(settings: Settings, logger: Logger): void {
    if (this.sends) {
      this.events = eventsFromSettings(settings, this.identity, this.redactor);
      this.events.useLogger(logger.child('events'));
    }
    this.events.emit('started', { pid: process.pid });
  }

  onStep(record: StepRecord): void {
    this.events.emit('step-finished', { step: record.name, status: record.status, durationMs: record.durationMs, detail: record.detail });
  }

  onLaunched(pid: number, plan: LaunchPlan): void {
    this.events.emit('launched', { pid, argv: plan.argv, cwd: plan.cwd });
  }

  onStageStarted(stage: StageFacts): void {
    this.events.emit('stage-started', { stage });
  }

  onStageSkipped(stage: StageFacts): void {
    this.events.emit('stage-skipped', { stage });
  }

  /** Sends `finished` and waits (bounded) for the events still under way. */
  async onFinish(end: RunEnded): Promise<void> {
    const first = end.findings[0];
    this.events.emit('finished', {
      status: end.exitCode === 0 ? 'succeeded' : 'failed',
      state: end.state,
      exitCode: end.exitCode,
      findingsCount: end.findings.length,
      ...(first ? { firstFinding: findingSummary(first) } : {}),
      ...(end.failure ? { error: end.failure.message } : {}),
      durationMs: Date.now() - Date.parse(this.identity.startedAt),
      report: end.report,
      page: end.page,
    });
    // After a stop signal the scheduler's grace period is running: little time for stragglers.
    this.record = await this.events.close(end.state === 'stopped' ? 2000 : 10_000);
  }
}
