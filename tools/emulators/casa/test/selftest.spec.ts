import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The CASA emulator's own self-check (tools/emulators/casa/selftest.sh): every scenario, every product, the
// quiet failures of a wrong PPR, and that no emulator process survives a group kill.
describe('CASA emulator', () => {
  it('passes its self-check', () => {
    const result = spawnSync('bash', [join(__dirname, '../selftest.sh')], { encoding: 'utf8', timeout: 280_000 });
    const failures = result.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
    expect(failures).toEqual([]);
    expect(result.status).toBe(0);
  }, 300_000);
});
