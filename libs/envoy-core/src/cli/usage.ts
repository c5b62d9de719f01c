import type { CommandLineSpec } from './spec';

function pad(text: string, width: number): string {
  return text.length >= width ? `${text}  ` : text + ' '.repeat(width - text.length);
}

/** The usage text printed by --help and after every usage error. */
export function usage(spec: CommandLineSpec): string {
  const lines: string[] = [`Usage:`];
  for (const mode of spec.modes) {
    const flag = mode.short ? `${mode.short}|${mode.flag}` : mode.flag;
    const variants = (mode.variants ?? []).map((variant) => ` [${variant.flag}]`).join('');
    const required = (spec.options ?? [])
      .filter((option) => option.requiredFor?.includes(mode.name))
      .map((option) => ` ${option.flag} ${option.value ?? ''}`.trimEnd())
      .join('');
    lines.push(`  ${spec.envoy} ${[flag, ...mode.args].join(' ')}${variants}${required} [options]`);
  }
  lines.push(`  ${spec.envoy} --check [--set KEY=VALUE]...`);
  lines.push('', spec.summary, '', 'Modes:');
  for (const mode of spec.modes) {
    const flag = mode.short ? `${mode.short}, ${mode.flag}` : mode.flag;
    lines.push(`  ${pad(`${flag} ${mode.args.join(' ')}`, 34)}${mode.name}: ${mode.description}`);
    for (const variant of mode.variants ?? []) {
      lines.push(`    ${pad(variant.flag, 32)}${variant.name}: ${variant.description}`);
    }
  }
  lines.push('', 'Options (`--` ends them: what follows are arguments, also when they begin with a dash):');
  const options: [string, string][] = [
    ...(spec.options ?? []).map((option): [string, string] => [
      `${option.flag}${option.value ? ` ${option.value}` : ''}`,
      option.description,
    ]),
    ...(spec.processingDir
      ? [['--processing-dir DIR', 'the processing directory (default: the current directory)'] as [string, string]]
      : []),
    ['--dry-run', "run every audit and --check's checks, print the command that would be launched; launch nothing, write nothing but the JSON report --report asks for"],
    ['--check', 'check this node and the site (no mode, no inputs): what the launch needs, then the settings and where each came from'],
    ['--report FILE', `write the run report to FILE (default: ${spec.envoy}-report.json)`],
    ['--log-format text|json', 'log lines for people (default) or JSON lines for machines'],
    ['--set KEY=VALUE', 'override a setting (highest priority; repeatable)'],
    ['-h, --help', 'print this help and exit'],
    ['-V, --version', 'print the version and exit'],
  ];
  for (const [flag, description] of options) lines.push(`  ${pad(flag, 34)}${description}`);
  if (spec.settings && spec.settings.length > 0) {
    lines.push('', 'Settings (CAPO key [environment variable] (default): meaning; --set KEY=VALUE overrides any):');
    for (const setting of spec.settings) {
      const env = setting.env ? ` [${setting.env}]` : '';
      const value = setting.default === undefined ? '' : ` (default ${setting.secret ? '[REDACTED]' : String(setting.default)})`;
      lines.push(`  ${setting.key}${env}${value}: ${setting.description}`);
    }
  }
  if (spec.epilogue) lines.push('', spec.epilogue.trimEnd());
  return lines.join('\n') + '\n';
}
