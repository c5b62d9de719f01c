import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, workspaceRoot } from '@envoys/testing';

// The GitLab pipeline (.gitlab-ci.yml) run by a real GitLab runner emulation, gitlab-ci-local, with the shell
// executor, on a scratch clone of this repository: a merge request that changes only libs/ppr-audit checks,
// tests and builds ppr-audit and the envoys that import it, keeps their bundles and JUnit reports, and never
// touches carta-envoy; a merge request that changes only carta-envoy runs carta-envoy's tasks alone.
// The jobs use this workspace's installed node_modules (ENVOYS_CI_NODE_MODULES; the lockfile is the same).

const gitlabCiLocal = join(workspaceRoot, 'node_modules/.bin/gitlab-ci-local');

interface Pipeline {
  readonly status: number | null;
  readonly output: string;
  /** `<job>: <project>:<target>` for every Nx task a job ran or replayed from the cache. */
  readonly tasks: string[];
  readonly artifacts: (job: string, ...path: string[]) => string;
}

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Envoys Test', '-c', 'user.email=test@envoys.invalid', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

/** Runs the merge request pipeline of the checked-out branch against `base`, as GitLab would. */
function mergeRequestPipeline(repo: string, base: string): Pipeline {
  rmSync(join(repo, '.gitlab-ci-local/artifacts'), { recursive: true, force: true });
  const variables = {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    CI_DEFAULT_BRANCH: 'main',
    ENVOYS_CI_NODE_MODULES: join(workspaceRoot, 'node_modules'),
  };
  const args = ['--force-shell-executor', '--shell-isolation', '--no-artifacts-to-source', '--ignore-predefined-vars', 'CI,CI_PIPELINE_SOURCE,CI_DEFAULT_BRANCH'];
  for (const [name, value] of Object.entries(variables)) args.push('--variable', `${name}=${value}`);
  const run = spawnSync(gitlabCiLocal, args, { cwd: repo, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 20 * 60_000, env: { ...process.env, FORCE_COLOR: '0' } });
  const output = `${run.stdout}${run.stderr}`;
  const tasks = [...output.matchAll(/^(\S+)\s+> > nx run (\S+:\S+)/gm)].map(([, job, task]) => `${job}: ${task}`).sort();
  return { status: run.status, output, tasks, artifacts: (job, ...path) => join(repo, '.gitlab-ci-local/artifacts', job, ...path) };
}

const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** Counts of a JUnit file's <testsuites> element. */
function junitTotals(file: string): { tests: number; failures: number; errors: number } {
  const head = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(readFileSync(file, 'utf8'));
  return { tests: Number(head?.[1] ?? -1), failures: Number(head?.[2] ?? -1), errors: Number(head?.[3] ?? -1) };
}

describe('GitLab pipeline under gitlab-ci-local (shell executor, scratch clone)', () => {
  let scratch = '';
  let repo = '';

  beforeAll(() => {
    scratch = tempDir('envoys-pipeline-');
    repo = join(scratch, 'envoys');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', workspaceRoot, repo]);
    git(repo, 'checkout', '--quiet', '-B', 'main');
  });

  afterAll(() => {
    if (scratch && !process.env['KEEP_PIPELINE_SCRATCH']) rmSync(scratch, { recursive: true, force: true });
  });

  it('a merge request changing only libs/ppr-audit: ppr-audit, casa-envoy and ingest-envoy tasks, no carta-envoy; their bundles and JUnit reports kept', () => {
    const base = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '--quiet', '-b', 'ppr-audit-change');
    appendFileSync(join(repo, 'libs/ppr-audit/src/names.ts'), '// A change to ppr-audit only.\n');
    git(repo, 'commit', '--quiet', '-am', 'fix(ppr-audit): a change to ppr-audit only');

    const pipeline = mergeRequestPipeline(repo, base);
    expect([pipeline.status, pipeline.output.slice(-3000)]).toEqual([0, expect.stringContaining('PASS  test-and-build')]);
    expect(pipeline.tasks).toEqual(
      [
        'lint-and-typecheck: casa-envoy:lint',
        'lint-and-typecheck: casa-envoy:typecheck',
        'lint-and-typecheck: ingest-envoy:lint',
        'lint-and-typecheck: ingest-envoy:typecheck',
        'lint-and-typecheck: ppr-audit:lint',
        'lint-and-typecheck: ppr-audit:typecheck',
        'test-and-build: casa-envoy:build',
        'test-and-build: casa-envoy:bundle',
        'test-and-build: casa-envoy:test',
        // ppr-audit's package is built against envoy-core's package (its declarations).
        'test-and-build: envoy-core:build',
        'test-and-build: ingest-envoy:build',
        'test-and-build: ingest-envoy:bundle',
        'test-and-build: ingest-envoy:test',
        'test-and-build: ppr-audit:build',
        'test-and-build: ppr-audit:test',
      ].sort(),
    );
    expect(pipeline.tasks.join('\n')).not.toContain('carta-envoy');

    expect(list(pipeline.artifacts('test-and-build', 'dist/apps'))).toEqual(['casa-envoy', 'ingest-envoy']);
    for (const envoy of ['casa-envoy', 'ingest-envoy']) expect(list(pipeline.artifacts('test-and-build', 'dist/apps', envoy))).toEqual(['main.js']);
    expect(list(pipeline.artifacts('test-and-build', 'dist/libs'))).toEqual(['envoy-core', 'ppr-audit']);
    const junit = pipeline.artifacts('test-and-build', 'reports/junit');
    expect(list(junit)).toEqual(['casa-envoy.xml', 'ingest-envoy.xml', 'ppr-audit.xml']);
    for (const file of list(junit)) {
      const totals = junitTotals(join(junit, file));
      expect([file, totals.failures, totals.errors]).toEqual([file, 0, 0]);
      expect(totals.tests).toBeGreaterThan(5);
    }
  }, 25 * 60_000);

  it('a merge request changing only carta-envoy runs carta-envoy tasks alone and keeps only its bundle', () => {
    git(repo, 'checkout', '--quiet', 'main');
    git(repo, 'merge', '--quiet', '--ff-only', 'ppr-audit-change');
    const base = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '--quiet', '-b', 'carta-change');
    appendFileSync(join(repo, 'apps/carta-envoy/src/settings.ts'), '// A change to carta-envoy only.\n');
    git(repo, 'commit', '--quiet', '-am', 'fix(carta-envoy): a change to carta-envoy only');

    const pipeline = mergeRequestPipeline(repo, base);
    expect([pipeline.status, pipeline.output.slice(-3000)]).toEqual([0, expect.stringContaining('PASS  test-and-build')]);
    expect(pipeline.tasks).toEqual([
      'lint-and-typecheck: carta-envoy:lint',
      'lint-and-typecheck: carta-envoy:typecheck',
      'test-and-build: carta-envoy:build',
      'test-and-build: carta-envoy:bundle',
      'test-and-build: carta-envoy:test',
    ]);
    expect(list(pipeline.artifacts('test-and-build', 'dist/apps'))).toEqual(['carta-envoy']);
    expect(list(pipeline.artifacts('test-and-build', 'reports/junit'))).toEqual(['carta-envoy.xml']);
    expect(junitTotals(pipeline.artifacts('test-and-build', 'reports/junit/carta-envoy.xml')).failures).toBe(0);
  }, 25 * 60_000);
});
