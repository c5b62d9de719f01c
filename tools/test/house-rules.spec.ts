import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');

function trackedSources(): string[] {
  const listed = execFileSync('git', ['ls-files', 'apps/*/src/*', 'libs/*/src/*'], { cwd: root, encoding: 'utf8' });
  return listed.split('\n').filter((file) => /\.ts$/.test(file));
}

// The house rules of docs/ARCHITECTURE.md that no linter holds: small files, no import cycle inside a project.
describe('house rules', () => {
  it('no source file of an app or library is over 300 lines', () => {
    const long = trackedSources()
      .map((file) => [file, readFileSync(join(root, file), 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 300);
    expect(long).toEqual([]);
  });

  it('no project has an import cycle, and the checker finds one when there is', () => {
    expect(execFileSync('node', ['tools/scripts/import-cycles.mjs'], { cwd: root, encoding: 'utf8' })).toContain('no import cycle');

    const copy = mkdtempSync(join(tmpdir(), 'import-cycles-'));
    try {
      mkdirSync(join(copy, 'tools/scripts'), { recursive: true });
      mkdirSync(join(copy, 'libs/demo/src'), { recursive: true });
      mkdirSync(join(copy, 'apps'));
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
      writeFileSync(join(copy, 'tools/scripts/import-cycles.mjs'), readFileSync(join(root, 'tools/scripts/import-cycles.mjs')));
      writeFileSync(join(copy, 'libs/demo/src/a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
      writeFileSync(join(copy, 'libs/demo/src/b.ts'), "import type { a } from './a';\nexport const b = 1 as unknown as typeof a;\n");
      let status = 0;
      let output = '';
      try {
        execFileSync('node', [join(copy, 'tools/scripts/import-cycles.mjs')], { cwd: copy, encoding: 'utf8' });
      } catch (error) {
        status = (error as { status: number }).status;
        output = String((error as { stdout: string }).stdout) + String((error as { stderr: string }).stderr);
      }
      expect(status).toBe(1);
      expect(output).toMatch(/a\.ts/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
