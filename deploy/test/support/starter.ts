import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { Finished } from '@envoys/testing';
import { environmentOf, expandSubmit, fileList, readSubmitFile, splitNewSyntax, type ExpandOptions } from './submit-file';

/**
 * What HTCondor's starter does with a vanilla-universe job that transfers files (condor_submit(1),
 * "file transfer"), done by hand so that the submit files and envoy-job.sh can be exercised where HTCondor
 * cannot be installed. It is NOT HTCondor: no schedd, shadow, matchmaking, policy evaluation or
 * eviction; see deploy/htcondor/README.md for what this does and does not prove.
 *
 *  - resolves `executable` and `transfer_input_files` against the submit directory (initialdir), failing
 *    when one does not exist (condor_submit and the shadow would refuse the job);
 *  - copies them into a fresh scratch directory named like the starter's (`dir_<n>`) under their base
 *    names, directories whole (no trailing slash);
 *  - writes the job ad's `TransferOutput` to `.job.ad` and runs the executable there with `arguments`,
 *    with only the submit file's `environment` plus `_CONDOR_SCRATCH_DIR`, `_CONDOR_JOB_AD` and `TMPDIR`
 *    (getenv = False);
 *  - `transferBack` copies `transfer_output_files` into the submit directory, failing on a missing one
 *    (where HTCondor would put the job on hold).
 */
export interface StarterJob {
  readonly commands: Map<string, string>;
  readonly scratch: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly outputs: string[];
  readonly process: ChildProcess;
  readonly finished: Promise<Finished>;
  /** Copies the job's outputs back into the submit directory; throws for one that does not exist. */
  transferBack(): void;
}

export interface StarterOptions extends ExpandOptions {
  /** The directory condor_submit ran in (initialdir). */
  readonly submitDir: string;
  /** Where the simulated execute node keeps its scratch directories. */
  readonly executeDir: string;
}

function resolveSubmitPath(path: string, submitDir: string): string {
  return isAbsolute(path) ? path : join(submitDir, path);
}

export function startAsHtcondor(submitFile: string, options: StarterOptions): StarterJob {
  const commands = expandSubmit(readSubmitFile(submitFile), options);
  const executable = resolveSubmitPath(commands.get('executable') ?? '', options.submitDir);
  const inputs = fileList(commands.get('transfer_input_files')).map((path) => resolveSubmitPath(path, options.submitDir));
  for (const path of [executable, ...inputs]) {
    if (!existsSync(path)) throw new Error(`${basename(submitFile)}: ${path} does not exist (HTCondor would refuse the job)`);
  }
  mkdirSync(options.executeDir, { recursive: true });
  const scratch = mkdtempSync(join(options.executeDir, 'dir_'));
  cpSync(executable, join(scratch, basename(executable)));
  for (const path of inputs) cpSync(path.replace(/\/+$/, ''), join(scratch, basename(path)), { recursive: true, dereference: true });

  const outputs = fileList(commands.get('transfer_output_files'));
  const jobAd = join(scratch, '.job.ad');
  writeFileSync(jobAd, `TransferOutput = "${outputs.join(',')}"\nIwd = "${options.submitDir}"\n`);
  const env: Record<string, string> = {
    ...environmentOf(commands.get('environment') ?? '""'),
    _CONDOR_SCRATCH_DIR: scratch,
    _CONDOR_JOB_AD: jobAd,
    TMPDIR: scratch,
  };
  const argv = splitNewSyntax(commands.get('arguments') ?? '""');

  const began = Date.now();
  const child = spawn(join(scratch, basename(executable)), argv, { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - began }));
  });

  return {
    commands,
    scratch,
    argv,
    env,
    outputs,
    process: child,
    finished,
    transferBack() {
      for (const output of outputs) {
        const path = join(scratch, output.replace(/\/+$/, ''));
        if (!existsSync(path)) throw new Error(`transfer_output_files names ${output}, which the job did not leave: HTCondor would hold the job`);
        cpSync(path, join(options.submitDir, basename(path)), { recursive: true });
      }
    },
  };
}
