import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { workspaceRoot } from './bundles';

/** The machine contracts envoy-core publishes (libs/envoy-core/schemas, docs/CONTRACTS.md). */
export type Contract = 'run-report' | 'status' | 'event';

interface Schema {
  readonly properties?: Record<string, unknown>;
  readonly allOf?: readonly { if?: { properties?: { event?: { const?: string } } } }[];
}

const compiled = new Map<Contract, { validate: ValidateFunction; schema: Schema }>();

/** The schema of a contract as published in the envoy-core package (libs/envoy-core/schemas). */
export function contractSchema(contract: Contract): Schema & Record<string, unknown> {
  return JSON.parse(readFileSync(join(workspaceRoot, 'libs/envoy-core/schemas', `${contract}.schema.json`), 'utf8')) as Schema & Record<string, unknown>;
}

function compile(contract: Contract): { validate: ValidateFunction; schema: Schema } {
  let entry = compiled.get(contract);
  if (!entry) {
    const schema = contractSchema(contract);
    entry = { validate: new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema), schema };
    compiled.set(contract, entry);
  }
  return entry;
}

/**
 * What is wrong with a document an envoy wrote, held against its published schema: the schema's own
 * errors, and also (the schemas allow envoys built on envoy-core facts and events of their own) any
 * status fact or event name the schema does not describe, since every one this repository's envoys write
 * must be documented. Empty when the document keeps the contract.
 */
export function contractErrors(contract: Contract, document: unknown): string[] {
  const { validate, schema } = compile(contract);
  const errors = validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const described = new Set(Object.keys(schema.properties ?? {}));
    if (contract === 'status') {
      for (const key of Object.keys(document)) if (!described.has(key)) errors.push(`/${key} is not described by the schema`);
    }
    if (contract === 'event') {
      const events = new Set((schema.allOf ?? []).map((branch) => branch.if?.properties?.event?.const));
      const name = (document as { event?: unknown }).event;
      if (typeof name !== 'string' || !events.has(name)) errors.push(`/event ${JSON.stringify(name)} is not an event the schema describes`);
    }
  }
  return errors;
}

/** Asserts that a document keeps its contract; the failure lists every error with the document. */
export function expectContract(contract: Contract, document: unknown): void {
  expect({ contract, errors: contractErrors(contract, document) }).toEqual({ contract, errors: [] });
}

/** Reads a JSON file an envoy wrote and asserts it keeps its contract; returns it. */
export function expectContractFile<T = Record<string, unknown>>(contract: Contract, path: string): T {
  const document = JSON.parse(readFileSync(path, 'utf8')) as T;
  expect({ path, errors: contractErrors(contract, document) }).toEqual({ path, errors: [] });
  return document;
}

/**
 * What one run of an envoy left, held against the contracts: its report and last status in `dir` (names
 * as the run writes them), and the events a receiver got, the last one `finished`. All carry schemaVersion.
 */
export function expectRunContracts(
  dir: string,
  envoy: string,
  events: readonly Record<string, unknown>[],
  exitCode: number,
  names: { report?: string; status?: string } = {},
): void {
  const report = expectContractFile('run-report', join(dir, names.report ?? `${envoy}-report.json`));
  expect(report).toMatchObject({ schemaVersion: '1', envoy, exitCode });
  const status = expectContractFile('status', join(dir, names.status ?? `${envoy}-status.json`));
  expect(status).toMatchObject({ schemaVersion: '1', envoy, exitCode, runId: report['runId'] });
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) expectContract('event', event);
  expect(events.map((event) => [event['seq'], event['runId'], event['schemaVersion']])).toEqual(events.map((_, i) => [i + 1, report['runId'], '1']));
  expect(events.at(-1)).toMatchObject({ event: 'finished', exitCode });
}
