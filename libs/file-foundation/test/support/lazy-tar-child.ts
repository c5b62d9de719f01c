// Child process for the cold-start test: loads the library (bundled, with tar left external so its loading is
// visible in require.cache), reports whether tar was loaded, then lists a tar and reports again.
import { sep } from 'node:path';
import { extractSafely } from '../../src';

function tarLoaded(): boolean {
  return Object.keys(require.cache).some((path) => path.includes(`${sep}node_modules${sep}tar${sep}`));
}

async function main(): Promise<void> {
  const atStart = tarLoaded();
  await extractSafely(process.argv[2] ?? '', process.argv[3] ?? '', { dryRun: true });
  process.stdout.write(JSON.stringify({ atStart, afterUse: tarLoaded() }));
}

void main();
