import { join } from 'node:path';
import { bundleForChild } from '@envoys/testing';

let bundled: string | undefined;

/** The test envoy, bundled once per test file. */
export function testEnvoy(): string {
  bundled ??= bundleForChild(join(__dirname, 'test-envoy.ts'));
  return bundled;
}

export const child = (name: string): string => join(__dirname, 'children', name);
