import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeLibraryPackage } from '@envoys/testing';

// The package other teams install (dist/libs/file-foundation): checksums a real file in both module systems.
const expected = createHash('sha256').update(readFileSync(__filename)).digest('hex');
describeLibraryPackage('file-foundation', `lib.sha256File(${JSON.stringify(__filename)}).then((sum) => (sum === '${expected}' ? 'ok' : sum))`);
