import { join } from 'node:path';
import { step, type EnvoyContext, type Finding, type Launcher } from '@envoys/envoy-core';
import { requireDirectory } from '@envoys/file-foundation';
import { verify } from '@envoys/log-verifier';
import { casaRules } from './rules';
import { recordRunFiles } from './run-files';

/**
 * `--verify DIR` (SPEC 4.9): the verification of a CASA run alone, on a finished processing directory. Every
 * log and marker counts whatever its age; the products check needs the run's start and does not apply.
 */
export class VerifyOnly implements Launcher {
  readonly steps;
  private readonly workingDir: string;

  constructor(private readonly context: EnvoyContext) {
    this.workingDir = join(context.workDir, 'working');
    this.steps = [
      step('audit-directory', async () => {
        await requireDirectory(context.workDir, 'processing directory');
        await requireDirectory(this.workingDir, 'working directory');
        return `checking ${this.workingDir}`;
      }),
    ];
  }

  async verify(): Promise<readonly Finding[]> {
    const checked = await verify(casaRules(this.context.settings, false), { baseDir: this.workingDir, signal: this.context.signal });
    this.context.recordDetail('logsScanned', checked.filesScanned);
    this.context.recordDetail('bytesScanned', checked.bytesScanned);
    await recordRunFiles(this.context, this.workingDir, join(this.context.workDir, 'products'), checked.filesScanned);
    return checked.findings;
  }
}
