import { bundlePath, run, tempDir } from '@envoys/testing';
import { COMMON_SETTINGS } from '@envoys/envoy-core';
import { CASA_SETTINGS } from '../src/settings';

// --help is generated from the settings' own declarations: every key the envoy reads is listed, with its
// environment variable and default, and nothing else can drift from it.
describe('casa-envoy --help', () => {
  it('lists every declared setting with its environment variable and default, and the exit statuses', async () => {
    const finished = await run(bundlePath('casa-envoy'), ['--help'], { cwd: tempDir() });
    expect(finished.code).toBe(0);
    for (const setting of [...COMMON_SETTINGS, ...CASA_SETTINGS]) {
      const env = setting.env ? ` [${setting.env}]` : '';
      const value = setting.default === undefined ? '' : ` (default ${String(setting.default)})`;
      expect(finished.stdout).toContain(`\n  ${setting.key}${env}${value}: ${setting.description}\n`);
    }
    expect(finished.stdout).toContain('  envoys.casa.benignSevere [CASA_BENIGN_SEVERE]: ');
    expect(finished.stdout).toContain('  envoys.logLevel [ENVOY_LOG_LEVEL] (default info): ');
    expect(finished.stdout).toContain('71 internal error');
  });
});
