import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors';
import type { CommandLineSetting } from '../settings';
import { didYouMean } from '../settings/suggest';
import type { CommandLine, CommandLineSpec, LogFormat, ModeSpec, OptionSpec, VariantSpec } from './spec';
import { usage } from './usage';

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];
type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What one flag of the command line is, by the name parseArgs gives it (the long flag without its dashes). */
type Flag =
  | { readonly kind: 'mode'; readonly spec: ModeSpec }
  | { readonly kind: 'variant'; readonly spec: VariantSpec; readonly owner: ModeSpec }
  | { readonly kind: 'option'; readonly spec: OptionSpec }
  | { readonly kind: 'common'; readonly flag: string; readonly value?: string };

const COMMON: readonly { flag: string; value?: string; short?: string }[] = [
  { flag: '--processing-dir', value: 'DIR' },
  { flag: '--report', value: 'FILE' },
  { flag: '--log-format', value: 'text|json' },
  { flag: '--set', value: 'KEY=VALUE' },
  { flag: '--dry-run' },
  { flag: '--check' },
  { flag: '--help', short: 'h' },
  { flag: '--version', short: 'V' },
];

/** The flags of an envoy's command line, as parseArgs declares them and as this parser reads them back. */
function flagTable(spec: CommandLineSpec): { config: OptionsConfig; flags: Map<string, Flag> } {
  const config: OptionsConfig = {};
  const flags = new Map<string, Flag>();
  const add = (flag: string, takesValue: boolean, meaning: Flag, short?: string): void => {
    const name = flag.replace(/^--/, '');
    config[name] = { type: takesValue ? 'string' : 'boolean', ...(short ? { short } : {}) };
    flags.set(name, meaning);
  };
  for (const mode of spec.modes) {
    add(mode.flag, true, { kind: 'mode', spec: mode }, mode.short?.replace(/^-/, ''));
    for (const variant of mode.variants ?? []) add(variant.flag, false, { kind: 'variant', spec: variant, owner: mode });
  }
  for (const option of spec.options ?? []) add(option.flag, option.value !== undefined, { kind: 'option', spec: option });
  for (const common of COMMON) {
    if (common.flag === '--processing-dir' && !spec.processingDir) continue;
    add(common.flag, common.value !== undefined, { kind: 'common', flag: common.flag, ...(common.value ? { value: common.value } : {}) }, common.short);
  }
  return { config, flags };
}

/** The value name of a flag that takes one, for "option X needs a value NAME". */
function valueName(meaning: Flag | undefined): string {
  if (!meaning) return 'VALUE';
  if (meaning.kind === 'mode') return meaning.spec.args[0] ?? 'VALUE';
  if (meaning.kind === 'option') return meaning.spec.value ?? 'VALUE';
  if (meaning.kind === 'common') return meaning.value ?? 'VALUE';
  return 'VALUE';
}

/**
 * parseArgs' own messages are several lines and suggest syntax for its defaults; a usage error is one line
 * in the envoys' words, naming the flag as it was typed.
 */
function usageErrorOf(error: unknown, argv: readonly string[], config: OptionsConfig, flags: ReadonlyMap<string, Flag>): UsageError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs names a flag `'-r, --run <value>'`: the one meant is the one typed.
  const named = (/'([^']*)'/.exec(message)?.[1] ?? '').match(/-{1,2}[^\s,=<]+/g) ?? [];
  const typed = named.find((candidate) => argv.some((token) => token === candidate || token.startsWith(`${candidate}=`))) ?? named[named.length - 1] ?? '';
  const name = Object.keys(config).find((key) => typed === `--${key}` || (config[key]?.short !== undefined && typed === `-${config[key]?.short}`));
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`unknown option ${typed}${didYouMean(typed, Object.keys(config).map((key) => `--${key}`))}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message)) return new UsageError(`option ${typed} takes no value`);
    const wanted = valueName(name === undefined ? undefined : flags.get(name));
    if (/ambiguous/.test(message)) {
      return new UsageError(`option ${typed} needs a value ${wanted} (a value that begins with a dash is written --${name ?? typed.replace(/^-+/, '')}=VALUE)`);
    }
    return new UsageError(`option ${typed} needs a value ${wanted}`);
  }
  return new UsageError(message.split('\n')[0] ?? message);
}

/**
 * Parses an envoy's command line (CONTRACT 3.2): exactly one mode with its arguments, the mode's variants,
 * the envoy's own options and the common ones; or `--check` alone (the preflight, no mode). node:util's
 * parseArgs does the strict part (unknown options, missing values, a flag given a value); this walks its
 * tokens for what parseArgs has no words for: a mode that takes two arguments, modes that exclude each
 * other, variants that belong to one mode. `--` ends the options: what follows are the mode's remaining
 * arguments, also when they begin with a dash (the first is written `--mode=-VALUE`).
 * Every mistake is a UsageError (exit 2) with one line.
 */
export function parseCommandLine(spec: CommandLineSpec, argv: readonly string[]): CommandLine {
  // --help and --version win over everything else before `--`, as operators expect.
  const terminator = argv.indexOf('--');
  const before = (terminator < 0 ? argv : argv.slice(0, terminator)).map((token) => (token.startsWith('--') ? token.split('=')[0] : token));
  if (before.includes('--help') || before.includes('-h')) return { kind: 'help', text: usage(spec) };
  if (before.includes('--version') || before.includes('-V')) return { kind: 'version', text: `${spec.envoy} ${spec.version}\n` };

  const { config, flags } = flagTable(spec);
  let tokens: Token[];
  try {
    tokens = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true, tokens: true }).tokens;
  } catch (error) {
    throw usageErrorOf(error, argv, config, flags);
  }

  let mode: { spec: ModeSpec; flag: string; args: Record<string, string> } | undefined;
  // The mode's arguments not given right after it: they may follow `--`.
  const pending: string[] = [];
  let terminated = false;
  const variants: { variant: VariantSpec; owner: ModeSpec }[] = [];
  const options: Record<string, string | true> = {};
  const settings: CommandLineSetting[] = [];
  let dryRun = false;
  let check = false;
  let processingDir: string | undefined;
  let report: string | undefined;
  let logFormat: LogFormat = 'text';

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as Token;
    if (token.kind === 'option-terminator') {
      terminated = true;
      continue;
    }
    if (token.kind === 'positional') {
      const name = terminated ? pending.shift() : undefined;
      if (name === undefined || !mode) throw new UsageError(`unexpected argument "${token.value}"`);
      mode.args[name] = token.value;
      continue;
    }
    const meaning = flags.get(token.name) as Flag;
    const flag = token.rawName;
    if (token.inlineValue && !flag.startsWith('--')) {
      // `-cmeta.json` is parseArgs' idea; the envoys' flags and values are always apart.
      throw new UsageError(`option ${flag} takes its value after a space (${flag} ${valueName(meaning)})`);
    }
    const value = token.value;
    if (value === '' && token.inlineValue) throw new UsageError(`option ${flag} needs a value ${valueName(meaning)}`);

    switch (meaning.kind) {
      case 'mode': {
        if (mode) throw new UsageError(`conflicting modes: ${mode.flag} and ${flag} (choose one)`);
        if (token.inlineValue && meaning.spec.args.length !== 1) throw new UsageError(`option ${flag} takes ${meaning.spec.args.join(' ')}`);
        const args: Record<string, string> = { [meaning.spec.args[0] as string]: value as string };
        mode = { spec: meaning.spec, flag, args };
        for (const name of meaning.spec.args.slice(1)) {
          // The next positional; or, once the options end at `--`, the first after it.
          const next = tokens[index + 1];
          if (next?.kind === 'positional') {
            args[name] = next.value;
            index += 1;
          } else {
            pending.push(name);
          }
        }
        continue;
      }
      case 'variant':
        variants.push({ variant: meaning.spec, owner: meaning.owner });
        continue;
      case 'option': {
        const option = meaning.spec;
        if (value === undefined) {
          options[option.flag] = true;
          continue;
        }
        if (option.pattern && !option.pattern.test(value)) {
          const hint = option.patternHint ? `: ${option.patternHint}` : '';
          throw new UsageError(`option ${option.flag}: invalid value ${JSON.stringify(value)}${hint}`);
        }
        options[option.flag] = value;
        if (option.setting) settings.push({ key: option.setting, value, source: option.flag });
        continue;
      }
      case 'common':
        break;
    }
    switch (meaning.flag) {
      case '--dry-run':
        dryRun = true;
        break;
      case '--check':
        check = true;
        break;
      case '--processing-dir':
        processingDir = value;
        break;
      case '--report':
        report = value;
        break;
      case '--log-format':
        if (value !== 'text' && value !== 'json') throw new UsageError(`option --log-format takes text or json, not "${value}"`);
        logFormat = value;
        break;
      case '--set': {
        const equals = (value ?? '').indexOf('=');
        if (equals <= 0) throw new UsageError(`option --set takes KEY=VALUE, not "${value}"`);
        settings.push({ key: (value as string).slice(0, equals).trim(), value: (value as string).slice(equals + 1), source: '--set' });
        break;
      }
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }

  if (mode && pending.length > 0) throw new UsageError(`option ${mode.flag} needs a value ${pending[0]}`);
  if (check) {
    // The preflight is of the node and the site, not of a run: it takes no mode, plans nothing, writes nothing.
    if (mode) throw new UsageError(`--check takes no mode: it checks this node and the site, not a run (drop ${mode.flag})`);
    if (dryRun) throw new UsageError('conflicting options: --check and --dry-run (--dry-run checks a run; --check the node)');
    if (report) throw new UsageError('--check writes no report: drop --report');
    const variant = variants[0];
    if (variant) throw new UsageError(`option ${variant.variant.flag} only goes with ${variant.owner.short ?? variant.owner.flag}, not with --check`);
    return {
      kind: 'run',
      parsed: { mode: 'check', modeFlag: '--check', args: {}, options, dryRun: false, check: true, processingDir, logFormat, settings },
    };
  }
  if (!mode) {
    const choices = spec.modes.map((candidate) => candidate.short ?? candidate.flag).join(', ');
    throw new UsageError(`a mode is required: one of ${choices} (or --check to check this node)`);
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
    parsed: { mode: modeName, modeFlag: mode.flag, args: mode.args, options, dryRun, check: false, processingDir, report, logFormat, settings },
  };
}
