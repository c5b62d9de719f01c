// Child process for the atomic-write test: writes a large file through writeFileAtomic so the test can
// kill it mid-write.
import { writeFileAtomic } from '../../src/files/atomic-write';

void writeFileAtomic(process.argv[2] ?? '', Buffer.alloc(512 * 1024 * 1024, 120));
