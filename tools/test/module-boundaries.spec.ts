import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');

// The design card's one-way data flow is enforced by lint: these imports must be refused.
describe('module boundaries', () => {
  beforeAll(() => {
    // The Nx rule reads the cached project graph; make sure it exists, as `nx lint` would.
    execFileSync('npx', ['nx', 'show', 'projects'], { cwd: root, env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  });

  // Lints `code` as if it were `file`, through the real eslint command and the repository's config.
  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    let output: string;
    try {
      output = execFileSync('npx', ['eslint', '--format', 'json', '--stdin', '--stdin-filename', join(root, file)], {
        cwd: root,
        input: code,
        encoding: 'utf8',
      });
    } catch (error) {
      output = (error as { stdout: string }).stdout; // eslint exits 1 when it finds errors
    }
    const [result] = JSON.parse(output) as { messages: { ruleId: string | null; message: string }[] }[];
    return (result?.messages ?? []).filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((message) => message.message);
  }

  it('an app importing another app fails lint', async () => {
    const errors = await boundaryErrors('apps/casa-envoy/src/oops.ts', "import '../../ingest-envoy/src/settings';\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('a lib importing an app fails lint', async () => {
    const errors = await boundaryErrors('libs/log-verifier/src/oops.ts', "export { CASA_SETTINGS } from '../../../apps/casa-envoy/src/settings';\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('envoy-core importing another lib fails lint', async () => {
    const errors = await boundaryErrors('libs/envoy-core/src/oops.ts', "export * from '@envoys/log-verifier';\n");
    expect(errors.length).toBeGreaterThan(0); // a tag violation, or the cycle it would create
  });

  it('a relative import across libs fails lint; the @envoys alias passes', async () => {
    expect(await boundaryErrors('libs/ppr-audit/src/oops.ts', "export * from '../../envoy-core/src/errors';\n")).not.toEqual([]);
    expect(await boundaryErrors('libs/ppr-audit/src/oops.ts', "export { ExitCode } from '@envoys/envoy-core';\n")).toEqual([]);
  });
});
