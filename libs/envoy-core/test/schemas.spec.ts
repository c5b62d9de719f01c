import { contractErrors, contractSchema } from '@envoys/testing';

// The schemas hold what the envoys write exactly (apps/*/test/contracts.spec.ts run the bundles against
// them); here, that they refuse what breaks the contract, so those tests can fail.
const identity = {
  runId: 'r1',
  envoy: 'casa-envoy',
  version: '0.1.0',
  mode: 'standard-cal',
  workDirectory: '/work/tmp1',
  startedAt: '2026-12-03T05:36:21.003Z',
  host: 'nmpost042',
};
const report = {
  schemaVersion: '1',
  runId: identity.runId,
  envoy: identity.envoy,
  version: identity.version,
  mode: identity.mode,
  workDirectory: identity.workDirectory,
  startedAt: identity.startedAt,
  status: 'failed',
  exitCode: 70,
  finishedAt: '2026-12-03T05:40:21.003Z',
  dryRun: false,
  commandLine: ['-c', 'metadata.json', 'PPR.xml'],
  steps: [{ name: 'audit', status: 'succeeded', startedAt: '2026-12-03T05:36:21.103Z', durationMs: 12, detail: 'inputs valid' }],
  findings: [{ file: 'casa.log', line: 3, rule: 'casa-severe', text: 'SEVERE x', context: { before: [], after: [] } }],
  settings: [{ key: 'envoys.casa.timeoutMinutes', value: 60, source: 'default' }],
  details: { anything: { the: 'launcher' } },
};
const event = { event: 'finished', seq: 9, schemaVersion: '1', ...identity, time: '2026-12-03T05:40:21.003Z', status: 'failed', state: 'failed', exitCode: 70, findingsCount: 1, durationMs: 4000, report: '/r.json', page: '/r.html' };
const status = { schemaVersion: '1', ...identity, state: 'running', step: 'launch', updatedAt: '2026-12-03T05:37:21.003Z', pid: 42, stage: { index: 3, count: 8, task: 'hifv_flagdata', startedAt: '2026-12-03T05:37:20.003Z' } };
delete (status as { runId?: string; mode?: string }).runId;
const fullStatus = { ...status, runId: 'r1' };

describe('the published schemas', () => {
  it('accept a document that keeps them', () => {
    expect(contractErrors('run-report', report)).toEqual([]);
    expect(contractErrors('event', event)).toEqual([]);
    expect(contractErrors('status', fullStatus)).toEqual([]);
  });

  it.each([
    ['run-report', { ...report, schemaVersion: '2' }, '/schemaVersion'],
    ['run-report', { ...report, schemaVersion: undefined }, 'schemaVersion'],
    ['run-report', { ...report, surprise: true }, 'surprise'],
    ['run-report', { ...report, exitCode: '70' }, '/exitCode'],
    ['run-report', { ...report, findings: [{ file: 'x', line: 0, rule: 'r', text: 't' }] }, '/findings/0/line'],
    ['run-report', { ...report, steps: [{ ...report.steps[0], status: 'done' }] }, '/steps/0/status'],
    ['event', { ...event, exitCode: undefined }, 'exitCode'],
    ['event', { ...event, extra: 1 }, 'extra'],
    ['event', { ...event, event: 'stage-started' }, 'stage'],
    ['event', { ...event, event: 'made-up' }, 'made-up'],
    ['event', { ...event, time: '2026-12-03 05:40' }, '/time'],
    ['status', { ...fullStatus, state: 'thinking' }, '/state'],
    ['status', { ...fullStatus, stage: { index: 3, task: 'x' } }, '/stage'],
    ['status', { ...fullStatus, somethingNew: 1 }, 'somethingNew'],
    ['status', status, 'runId'],
  ] as const)('%s: refuse a document that breaks them (%#: %s)', (contract, document, where) => {
    const errors = contractErrors(contract, document);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(where);
  });

  it.each(['run-report', 'status', 'event'] as const)('%s names its version 1 and a $id under the project\'s schema address', (contract) => {
    const schema = contractSchema(contract) as { $id?: string; properties?: { schemaVersion?: { const?: string } } };
    expect(schema.$id).toBe(`https://envoys.example.org/schema/${contract}.schema.json`);
    expect(schema.properties?.schemaVersion?.const).toBe('1');
  });
});
