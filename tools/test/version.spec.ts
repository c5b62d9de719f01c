import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVOYS_VERSION } from '@envoys/envoy-core';

describe('version', () => {
  it('the envoys report the version of the root package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(ENVOYS_VERSION).toBe(pkg.version);
  });
});
