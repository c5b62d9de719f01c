import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');

function affectedBy(file: string): string[] {
  const output = execFileSync('npx', ['nx', 'show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
    encoding: 'utf8',
  });
  return (JSON.parse(output) as string[]).sort();
}

// `nx affected` works from the import graph: a change to one library tests it and what depends on it, no more.
describe('nx affected', () => {
  it('a change to ppr-audit affects ppr-audit and the envoys that import it: no emulator, tool, deployment or other envoy', () => {
    // The emulators stand in for systems the envoys do not own: they never depend on the envoys' libraries.
    expect(affectedBy('libs/ppr-audit/src/index.ts')).toEqual(['casa-envoy', 'ingest-envoy', 'ppr-audit']);
  });

  it('a change to envoy-core affects every envoy', () => {
    expect(affectedBy('libs/envoy-core/src/index.ts')).toEqual(expect.arrayContaining(['carta-envoy', 'casa-envoy', 'envoy-core', 'ingest-envoy']));
  });

  it('a change to carta-envoy affects carta-envoy alone: no tool or deployment project depends on every envoy', () => {
    expect(affectedBy('apps/carta-envoy/src/main.ts')).toEqual(['carta-envoy']);
  });

  it("an emulator's change affects the envoy tested against it, and the deployment tests that run it", () => {
    expect(affectedBy('tools/emulators/casa/lib/main.cjs')).toEqual(['casa-emulator', 'casa-envoy', 'deploy']);
    expect(affectedBy('tools/emulators/carta/lib/main.cjs')).toEqual(['carta-emulator', 'carta-envoy', 'deploy']);
  });
});
