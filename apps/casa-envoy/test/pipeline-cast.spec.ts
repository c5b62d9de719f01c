import { join, posix } from 'node:path';
import fc from 'fast-check';
import { pipelineValueType, relativePathFor } from '@envoys/ppr-audit';
import { CASA_EMULATOR_HOME } from './support/processing-dir';

interface Cast {
  readonly type: 'int' | 'float' | 'bool' | 'list' | 'tuple' | 'dict' | 'str';
  readonly value: unknown;
}
// The emulator's port of the pipeline's castType and os.path.join (plain CommonJS, no types), loaded from the
// installed emulator as an oracle: the emulator itself knows nothing of the envoy's libraries.
const python = require(join(CASA_EMULATOR_HOME, 'lib/python.cjs')) as {
  castType(text: string): Cast;
  pathJoin(...parts: Cast[]): string;
  str(value: string): Cast;
};

const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[ \t]{0,2}[+-]?[0-9_.eE]{1,8}[ \t]{0,2}$/),
  fc.constantFrom('nan', 'INF', '-Infinity', 'true', 'FALSE', ' true', '[1]', ' (1,)', '{}', '{1}', '(1)', '\u0664\u0667', '1__0', '0x10', '1.', '.5', '.'),
);
const SEED = { seed: 20261203, numRuns: 500 };

// The envoy decides how to spell RelativePath from its own reading of castType; the emulator runs a port
// of castType itself. The envoy must never call a text a string that the pipeline would convert.
describe('the envoy and the CASA emulator agree on how the pipeline converts PPR text', () => {
  it('numbers and booleans exactly; literals conservatively; a string for the envoy is a str for the pipeline', () => {
    fc.assert(
      fc.property(text, (value) => {
        const envoy = pipelineValueType(value);
        const emulator = python.castType(value).type;
        if (emulator === 'int' || emulator === 'float' || emulator === 'bool') return envoy === emulator;
        if (emulator === 'list' || emulator === 'tuple' || emulator === 'dict') return envoy === 'literal';
        return envoy === 'string' || envoy === 'literal';
      }),
      SEED,
    );
  });

  it('the RelativePath written for any directory name stays a str and joins to that directory', () => {
    const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((value) => XML_CHAR.test(value) && !value.includes('/') && value !== '.' && value !== '..');
    fc.assert(
      fc.property(name, (directory) => {
        const written = python.castType(relativePathFor(directory));
        if (written.type !== 'str') return false;
        const working = python.pathJoin(python.str('/scratch'), written, python.str('working'));
        return posix.normalize(working) === posix.join('/scratch', directory, 'working');
      }),
      SEED,
    );
  });
});
