import { REDACTED } from '../redact/redactor';
import { quoteValue } from '../report/one-line';
import type { Settings } from '../settings';
import { sourceText } from '../settings/spec';

/** One declared setting as `--check` shows it: its value (secrets redacted) and where it came from; both empty when nothing sets it. */
export interface SettingRow {
  readonly key: string;
  readonly shown: string;
  /** The value as data, for JSON lines (null when not set). */
  readonly value: string | number | boolean | null;
  readonly source: string;
}

/** Every declared setting, set or not, in declaration order: an operator sees what a run would use. */
export function settingsTable(settings: Settings): SettingRow[] {
  return settings.resolved().map(({ spec, value, source }) => {
    if (value === undefined || source === undefined) return { key: spec.key, shown: '', value: null, source: '' };
    const shown = spec.secret ? REDACTED : typeof value === 'string' ? quoteValue(value) : String(value);
    const where = source.kind === 'file' ? `CAPO ${sourceText(source)}` : sourceText(source);
    return { key: spec.key, shown, value: spec.secret ? REDACTED : value, source: where };
  });
}
