import { UsageError } from '../errors';
import type { CommandLineSetting } from '../settings';
import type { CommandLine, CommandLineSpec, LogFormat, ModeSpec, OptionSpec, VariantSpec } from './spec';
import { usage } from './usage';

const COMMON_WITH_VALUE = new Set(['--processing-dir', '--report', '--log-format', '--set']);
const COMMON_FLAGS = new Set(['--dry-run', '--help', '-h', '--version', '-V']);

interface Cursor {
  readonly argv: readonly string[];
  index: number;
}

function splitInline(token: string): [string, string | undefined] {
  if (!token.startsWith('--')) return [token, undefined];
  const equals = token.indexOf('=');
  return equals < 0 ? [token, undefined] : [token.slice(0, equals), token.slice(equals + 1)];
}

/**
 * Parses an envoy's command line (SPEC 3.2): exactly one mode with its arguments, the mode's variants,
 * the envoy's own options and the common ones. Every mistake is a UsageError (exit 2) with one line.
 */
export function parseCommandLine(spec: CommandLineSpec, argv: readonly string[]): CommandLine {
  // --help and --version win over everything else on the line, as operators expect.
  const plain = argv.map((token) => splitInline(token)[0]);
  if (plain.includes('--help') || plain.includes('-h')) return { kind: 'help', text: usage(spec) };
  if (plain.includes('--version') || plain.includes('-V')) {
    return { kind: 'version', text: `${spec.envoy} ${spec.version}\n` };
  }

  const known = knownFlags(spec);
  const isFlag = (token: string): boolean => known.has(splitInline(token)[0]);
  const takeValue = (cursor: Cursor, flag: string, inline: string | undefined, name: string): string => {
    if (inline !== undefined) {
      if (inline === '') throw new UsageError(`option ${flag} needs a value ${name}`);
      return inline;
    }
    const value = cursor.argv[cursor.index + 1];
    if (value === undefined || isFlag(value) || value.startsWith('--')) {
      throw new UsageError(`option ${flag} needs a value ${name}`);
    }
    cursor.index += 1;
    return value;
  };

  let mode: { spec: ModeSpec; flag: string; args: Record<string, string> } | undefined;
  const variants: { variant: VariantSpec; owner: ModeSpec }[] = [];
  const options: Record<string, string | true> = {};
  const settings: CommandLineSetting[] = [];
  let dryRun = false;
  let processingDir: string | undefined;
  let report: string | undefined;
  let logFormat: LogFormat = 'text';

  const cursor: Cursor = { argv, index: 0 };
  for (; cursor.index < argv.length; cursor.index++) {
    const token = argv[cursor.index] ?? '';
    const [flag, inline] = splitInline(token);

    const modeSpec = spec.modes.find((candidate) => candidate.flag === flag || candidate.short === flag);
    if (modeSpec) {
      if (mode) throw new UsageError(`conflicting modes: ${mode.flag} and ${flag} (choose one)`);
      if (inline !== undefined && modeSpec.args.length !== 1) {
        throw new UsageError(`option ${flag} takes ${modeSpec.args.join(' ')}`);
      }
      const args: Record<string, string> = {};
      for (const [position, name] of modeSpec.args.entries()) {
        args[name] = position === 0 ? takeValue(cursor, flag, inline, name) : takeValue(cursor, flag, undefined, name);
      }
      mode = { spec: modeSpec, flag, args };
      continue;
    }

    const variantOwner = spec.modes.find((candidate) => candidate.variants?.some((variant) => variant.flag === flag));
    if (variantOwner) {
      if (inline !== undefined) throw new UsageError(`option ${flag} takes no value`);
      const variant = variantOwner.variants?.find((candidate) => candidate.flag === flag) as VariantSpec;
      variants.push({ variant, owner: variantOwner });
      continue;
    }

    const option = spec.options?.find((candidate) => candidate.flag === flag);
    if (option) {
      options[option.flag] = parseOption(option, cursor, inline, takeValue);
      const value = options[option.flag];
      if (option.setting && typeof value === 'string') settings.push({ key: option.setting, value, source: option.flag });
      continue;
    }

    switch (flag) {
      case '--dry-run':
        if (inline !== undefined) throw new UsageError('option --dry-run takes no value');
        dryRun = true;
        continue;
      case '--processing-dir':
        if (!spec.processingDir) break;
        processingDir = takeValue(cursor, flag, inline, 'DIR');
        continue;
      case '--report':
        report = takeValue(cursor, flag, inline, 'FILE');
        continue;
      case '--log-format': {
        const value = takeValue(cursor, flag, inline, 'text|json');
        if (value !== 'text' && value !== 'json') throw new UsageError(`option --log-format takes text or json, not "${value}"`);
        logFormat = value;
        continue;
      }
      case '--set': {
        const value = takeValue(cursor, flag, inline, 'KEY=VALUE');
        const equals = value.indexOf('=');
        if (equals <= 0) throw new UsageError(`option --set takes KEY=VALUE, not "${value}"`);
        settings.push({ key: value.slice(0, equals).trim(), value: value.slice(equals + 1), source: '--set' });
        continue;
      }
      default:
        break;
    }
    if (token.startsWith('-') && token !== '-') throw new UsageError(`unknown option ${flag}`);
    throw new UsageError(`unexpected argument "${token}"`);
  }

  if (!mode) {
    const choices = spec.modes.map((candidate) => candidate.short ?? candidate.flag).join(', ');
    throw new UsageError(`a mode is required: one of ${choices}`);
  }
  let modeName = mode.spec.name;
  for (const { variant, owner } of variants) {
    if (owner !== mode.spec) {
      throw new UsageError(`option ${variant.flag} only goes with ${owner.short ?? owner.flag}, not with ${mode.flag}`);
    }
    if (modeName !== mode.spec.name && modeName !== variant.name) {
      throw new UsageError(`conflicting options: ${variants.map((item) => item.variant.flag).join(' and ')}`);
    }
    modeName = variant.name;
  }
  for (const option of spec.options ?? []) {
    if (option.requiredFor?.includes(modeName) && options[option.flag] === undefined) {
      throw new UsageError(`option ${option.flag} ${option.value ?? ''} is required with ${mode.flag}`.replace('  ', ' '));
    }
  }
  return {
    kind: 'run',
    parsed: { mode: modeName, modeFlag: mode.flag, args: mode.args, options, dryRun, processingDir, report, logFormat, settings },
  };
}

function parseOption(
  option: OptionSpec,
  cursor: Cursor,
  inline: string | undefined,
  takeValue: (cursor: Cursor, flag: string, inline: string | undefined, name: string) => string,
): string | true {
  if (!option.value) {
    if (inline !== undefined) throw new UsageError(`option ${option.flag} takes no value`);
    return true;
  }
  const value = takeValue(cursor, option.flag, inline, option.value);
  if (option.pattern && !option.pattern.test(value)) {
    const hint = option.patternHint ? `: ${option.patternHint}` : '';
    throw new UsageError(`option ${option.flag}: invalid value ${JSON.stringify(value)}${hint}`);
  }
  return value;
}

function knownFlags(spec: CommandLineSpec): Set<string> {
  const flags = new Set<string>([...COMMON_WITH_VALUE, ...COMMON_FLAGS]);
  for (const mode of spec.modes) {
    flags.add(mode.flag);
    if (mode.short) flags.add(mode.short);
    for (const variant of mode.variants ?? []) flags.add(variant.flag);
  }
  for (const option of spec.options ?? []) flags.add(option.flag);
  return flags;
}
