import { RunEvents } from '../src/events/run-events';
import type { EventTransport, RunEvent } from '../src/events/event';
import { Redactor } from '../src/redact/redactor';

const identity = { runId: 'r1', envoy: 'test-envoy', version: '0.0.0', mode: 'run', workDirectory: '/w', startedAt: '2026-01-01T00:00:00Z', host: 'h' };

/** A destination that refuses while `down` is true, recording every event it took. */
function flakyTransport(): EventTransport & { down: boolean; took: number[]; attempts: number } {
  const transport = {
    kind: 'http' as const,
    endpoint: 'http://127.0.0.1:9/events',
    down: false,
    took: [] as number[],
    attempts: 0,
    async send(event: RunEvent): Promise<void> {
      transport.attempts += 1;
      await Promise.resolve();
      if (transport.down) throw new Error('connection refused');
      transport.took.push(event.seq);
    },
    async close(): Promise<void> {
      // Nothing to let go of.
    },
  };
  return transport;
}

describe('the events of a run, to one destination', () => {
  it('an outage in the middle of a run loses nothing: the events after it wait, then all arrive in order', async () => {
    const transport = flakyTransport();
    const events = new RunEvents(identity, [transport], new Redactor());
    events.emit('started');
    events.emit('step-finished');
    await new Promise((resolve) => setTimeout(resolve, 10));
    transport.down = true;
    events.emit('launched');
    events.emit('stage-started');
    await new Promise((resolve) => setTimeout(resolve, 10));
    transport.down = false;
    events.emit('finished');
    const record = await events.close(1000);
    expect(transport.took).toEqual([1, 2, 3, 4, 5]);
    expect(record).toMatchObject({ delivered: 5, failed: 0 });
    expect(record?.destinations[0]?.errors).toEqual([
      'event launched (seq 3) was not delivered to http://127.0.0.1:9/events: connection refused',
      'event launched (seq 3) was not delivered to http://127.0.0.1:9/events: connection refused',
    ]);
  });

  it('an endpoint that never comes back gets a prefix of the events, never one after a gap; the rest count as failed', async () => {
    const transport = flakyTransport();
    const events = new RunEvents(identity, [transport], new Redactor());
    events.emit('started');
    await new Promise((resolve) => setTimeout(resolve, 10));
    transport.down = true;
    for (const name of ['step-finished', 'launched', 'stage-started', 'finished']) events.emit(name);
    const record = await events.close(1000);
    expect(transport.took).toEqual([1]);
    expect(record).toMatchObject({ delivered: 1, failed: 4 });
    // One attempt per event after the first failure: a dead endpoint holds the run no longer than before.
    expect(transport.attempts).toBe(1 + 4);
  });
});
