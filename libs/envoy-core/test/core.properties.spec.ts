import fc from 'fast-check';
import { describeTargets, propertyTarget } from '@envoys/testing';
import { InvalidInputError, UsageError } from '../src/errors';
import { parseCommandLine } from '../src/cli/parse';
import type { CommandLineSpec } from '../src/cli/spec';
import { escapeControls, MAX_LINE_CHARS, oneLine, quoteValue } from '../src/report/one-line';
import { parseProperties } from '../src/settings/capo';

// A key as sites write them; a value without escapes or line breaks. A "comment" after the value is part of
// the value, as Java's Properties.load reads it (there are no inline comments).
const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,24}$/);
const plainValue = fc.string({ maxLength: 40 }).filter((text) => !/[\r\n\\]/.test(text) && !text.includes('\uFEFF'));
type Line =
  | { kind: 'pair'; key: string; value: string; before: string; after: string; comment: string }
  | { kind: 'comment'; text: string }
  | { kind: 'blank'; text: string };
const line: fc.Arbitrary<Line> = fc.oneof(
  fc.record({
    kind: fc.constant('pair' as const),
    key,
    value: plainValue,
    before: fc.constantFrom('', ' ', '\t', '  '),
    after: fc.constantFrom('', ' ', '\t'),
    comment: fc.constantFrom('', ' # a comment', '\t; note', ' #'),
  }),
  fc.record({ kind: fc.constant('comment' as const), text: fc.tuple(fc.constantFrom('#', '!', '  #'), plainValue).map(([sign, text]) => `${sign}${text}`) }),
  fc.record({ kind: fc.constant('blank' as const), text: fc.constantFrom('', '  ', '\t') }),
);

const CLI: CommandLineSpec = {
  envoy: 'test-envoy',
  version: '1.0.0',
  summary: 'a test envoy',
  processingDir: true,
  modes: [
    { name: 'cal', flag: '--standard-cal', short: '-c', args: ['METADATA', 'PPR'], description: 'cal', variants: [{ flag: '--restore', name: 'restore', description: 'restore' }] },
    { name: 'verify', flag: '--verify', args: ['DIR'], description: 'verify' },
  ],
  options: [
    { flag: '--timeout-minutes', value: 'N', description: 'limit', setting: 'envoys.test.timeoutMinutes' },
    { flag: '--session-id', value: 'ID', description: 'id', pattern: /^[A-Za-z0-9_-]+$/ },
    { flag: '--reingest', description: 'again' },
  ],
};
const TOKENS = ['-c', '--standard-cal', '--verify', '--restore', '--dry-run', '--report', '--set', '--log-format', 'json', 'text', '--processing-dir', '--timeout-minutes', '--session-id', '--reingest', '--', '-', '=', '--set=a=b', '--report=', 'metadata.json', 'PPR.xml'];
const argvToken = fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 12 }), fc.constantFrom('--x', '-cc', '--standard-cal=x'));
const argument = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => !text.startsWith('-'));

describeTargets('envoy-core', [
  propertyTarget({
    name: 'envoy-core/capo-properties: any text parses into lower-case keys and real line numbers, or fails only on a malformed \\u escape naming its line',
    arbitrary: fc.string({ maxLength: 300, unit: 'binary' }),
    check: (text) => {
      const lines = text.split(/\r\n|\r|\n/).length;
      let parsed: ReturnType<typeof parseProperties>;
      try {
        parsed = parseProperties(text, 'site.properties');
      } catch (error) {
        if (error instanceof InvalidInputError && /^CAPO properties file site\.properties:\d+ has a malformed \\u escape/.test(error.message) && text.includes('\\u')) return;
        throw error;
      }
      for (const [name, entry] of parsed) {
        if (name !== name.toLowerCase() || name === '') throw new Error(`bad key ${JSON.stringify(name)}`);
        if (entry.line < 1 || entry.line > lines) throw new Error(`line ${entry.line} of ${lines}`);
        if (entry.file !== 'site.properties') throw new Error('bad entry');
      }
    },
  }),
  propertyTarget({
    name: 'envoy-core/capo-properties: key = value lines give their values (a trailing "# note" included), comment lines and blanks nothing, the last line of a key wins',
    arbitrary: fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean()),
    check: ([lines, eol, bom]) => {
      const text = (bom ? '\uFEFF' : '') + lines.map((item) => (item.kind === 'pair' ? `${item.before}${item.key}${item.after}=${item.value}${item.comment}` : item.text)).join(eol);
      const expected = new Map<string, { value: string; line: number }>();
      lines.forEach((item, index) => {
        if (item.kind === 'pair') expected.set(item.key.toLowerCase(), { value: `${item.value}${item.comment}`.replace(/^[ \t\f]+/, ''), line: index + 1 });
      });
      const parsed = parseProperties(text, 'f');
      const got = new Map([...parsed].map(([name, entry]) => [name, { value: entry.value, line: entry.line }]));
      if (JSON.stringify([...got].sort()) !== JSON.stringify([...expected].sort())) {
        throw new Error(`parsed ${JSON.stringify([...got])}, expected ${JSON.stringify([...expected])}`);
      }
    },
  }),
  propertyTarget({
    name: 'envoy-core/command-line: any argv is parsed or refused as a usage error, never anything else',
    arbitrary: fc.array(argvToken, { maxLength: 10 }),
    check: (argv) => {
      try {
        parseCommandLine(CLI, argv);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        if (error.message.includes('\n')) throw new Error(`a usage error of more than one line: ${error.message}`);
      }
    },
  }),
  propertyTarget({
    name: 'envoy-core/command-line: a valid command line in any order gives its mode, arguments and options',
    arbitrary: fc.record({
      short: fc.boolean(),
      restore: fc.boolean(),
      metadata: argument,
      ppr: argument,
      extras: fc.shuffledSubarray([['--dry-run'], ['--report', 'r.json'], ['--log-format', 'json'], ['--set', 'envoys.x=1'], ['--reingest']]),
      at: fc.nat(10),
    }),
    check: ({ short, restore, metadata, ppr, extras, at }) => {
      const mode = [short ? '-c' : '--standard-cal', metadata, ppr];
      // The mode goes between whole options (an option's value stays after its flag).
      const rest = [...extras, ...(restore ? [['--restore']] : [])];
      const split = Math.min(at, rest.length);
      const parsed = parseCommandLine(CLI, [...rest.slice(0, split).flat(), ...mode, ...rest.slice(split).flat()]);
      if (parsed.kind !== 'run') throw new Error(`parsed as ${parsed.kind}`);
      const { mode: name, args, dryRun, report, logFormat, options } = parsed.parsed;
      const flat = extras.flat();
      const want = {
        name: restore ? 'restore' : 'cal',
        args: { METADATA: metadata, PPR: ppr },
        dryRun: flat.includes('--dry-run'),
        report: flat.includes('--report') ? 'r.json' : undefined,
        logFormat: flat.includes('--log-format') ? 'json' : 'text',
        reingest: flat.includes('--reingest') ? true : undefined,
      };
      const got = { name, args, dryRun, report, logFormat, reingest: options['--reingest'] };
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    },
  }),
  propertyTarget({
    name: 'envoy-core/one-line: an error line has no control character but tabs, is bounded, and escaping is idempotent',
    arbitrary: fc.string({ maxLength: 3000, unit: 'binary' }),
    check: (text) => {
      const shown = oneLine(text);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(shown)) throw new Error(`control character left in ${JSON.stringify(shown)}`);
      if (shown.length > MAX_LINE_CHARS + 40) throw new Error(`${shown.length} characters`);
      if (escapeControls(escapeControls(text)) !== escapeControls(text)) throw new Error('escaping twice changes the text');
      const quoted = quoteValue(text);
      if (!quoted.startsWith('"') || !quoted.endsWith('"') || /(^|[^\\])"/.test(quoted.slice(1, -1).replace(/\\\\/g, ''))) throw new Error(`badly quoted ${quoted}`);
    },
  }),
]);
