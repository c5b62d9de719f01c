import { join } from 'node:path';
import { step, type EnvoyContext, type Finding, type Launcher } from '@envoys/envoy-core';
import { requireDirectory } from '@envoys/file-foundation';
import { verify } from '@envoys/log-verifier';
import { readPpr } from '@envoys/ppr-audit';
import { casaRules } from './rules';
import { recordRunFiles } from './run-files';
import { readStages } from './stages';
import { casaVerdict } from './verdict';

/** The commands of the run's corrected PPR (`working/PPR.xml`), or undefined when there is none to read. */
async function pprCommands(workingDir: string): Promise<readonly string[] | undefined> {
  try {
    const reading = await readPpr(join(workingDir, 'PPR.xml'));
    return reading.problems.length === 0 && reading.commands.length > 0 ? reading.commands : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `--verify DIR` (CONTRACT 4.9): the verification of a CASA run alone, on a finished processing directory. Every
 * log and marker counts whatever its age; the products checks need the run's start and do not apply. The
 * stages are read from the newest log against the commands of `working/PPR.xml`, when it is there, so a
 * stage that failed or never ran fails the check as it failed the run.
 */
export function verifyOnly(context: EnvoyContext): Launcher {
  return new VerifyOnly(context);
}

class VerifyOnly implements Launcher {
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
    const checked = await verify(casaRules(this.context.settings, undefined), { baseDir: this.workingDir, signal: this.context.signal });
    this.context.recordDetail('logsScanned', checked.filesScanned);
    this.context.recordDetail('bytesScanned', checked.bytesScanned);
    const commands = await pprCommands(this.workingDir);
    const read = commands ? await readStages(this.workingDir, commands) : undefined;
    const findings = casaVerdict(this.context, { exit: [], checked: checked.findings, stages: read?.stages, log: read?.file });
    await recordRunFiles(this.context, this.workingDir, join(this.context.workDir, 'products'), checked.filesScanned);
    return findings;
  }
}
