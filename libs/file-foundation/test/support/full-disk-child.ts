// Child process for the full-disk test: runs one library operation under a file-size limit (RLIMIT_FSIZE, set by
// prlimit), where writes past the limit fail with EFBIG as they would with ENOSPC on a full disk. Prints what
// the operation threw as one JSON line.
import { createTar, stageFile } from '../../src';

async function main(): Promise<void> {
  const [operation, source, target, root] = process.argv.slice(2);
  try {
    if (operation === 'stage') {
      await stageFile(source ?? '', target ?? '', undefined, { root: root ?? '', method: 'copy' });
    }
    else await createTar({ cwd: source ?? '', entries: ['.'], target: target ?? '' });
    process.stdout.write(JSON.stringify({ exitCode: 0 }));
  } catch (error) {
    const { exitCode, message } = error as { exitCode?: number; message?: string };
    process.stdout.write(JSON.stringify({ exitCode, message }));
  }
}

void main();
