import { REDACTED } from '../redact/redactor';
import { InvalidInputError } from '../errors';
import {
  sourceText,
  type SettingDescription,
  type SettingSource,
  type SettingSpec,
  type SettingType,
  type SettingValue,
} from './spec';

/** Where the CAPO layer came from: the profile and the directories CAPO looked in. */
export interface CapoOrigin {
  readonly profile: string | undefined;
  readonly dirs: readonly string[];
}

/** A declared setting's final value and where it came from; absent when no layer set it. */
export interface ResolvedSetting {
  readonly spec: SettingSpec;
  readonly value?: SettingValue;
  readonly source?: SettingSource;
}

/** Which declared types an accessor serves, and the JavaScript type loading stored for them. */
interface Kind<T extends SettingValue> {
  readonly types: readonly SettingType[];
  readonly is: (value: SettingValue) => value is T;
}

const STRING: Kind<string> = { types: ['string', 'path', 'url'], is: (value) => typeof value === 'string' };
const NUMBER: Kind<number> = { types: ['number', 'integer'], is: (value) => typeof value === 'number' };
const BOOLEAN: Kind<boolean> = { types: ['boolean'], is: (value) => typeof value === 'boolean' };

/**
 * The validated settings of one run. Every value was checked when it was loaded, so the accessors fail
 * only for a required setting nobody set (exit 65) or for a key or type the envoy never declared, which
 * is a bug in the envoy and therefore a plain Error.
 */
export class Settings {
  readonly #settings: ReadonlyMap<string, ResolvedSetting>;
  readonly #filesRead: readonly string[];
  readonly #capo: CapoOrigin;

  /** Normally built by loadSettings; `resolved` is in declaration order, which describe() keeps. */
  constructor(resolved: readonly ResolvedSetting[], filesRead: readonly string[] = [], capo: CapoOrigin = { profile: undefined, dirs: [] }) {
    this.#settings = new Map(resolved.map((setting) => [setting.spec.key.toLowerCase(), setting]));
    this.#filesRead = [...filesRead];
    this.#capo = { profile: capo.profile, dirs: [...capo.dirs] };
  }

  /** The CAPO profile (undefined without CAPO_PROFILE) and the directories looked in for it. */
  capo(): CapoOrigin {
    return this.#capo;
  }

  /** Every declared setting with its value and source (absent when nothing set it), in declaration order. */
  resolved(): ResolvedSetting[] {
    return [...this.#settings.values()];
  }

  string(key: string): string {
    return this.#required(key, STRING);
  }

  optionalString(key: string): string | undefined {
    return this.#optional(key, STRING);
  }

  number(key: string): number {
    return this.#required(key, NUMBER);
  }

  optionalNumber(key: string): number | undefined {
    return this.#optional(key, NUMBER);
  }

  boolean(key: string): boolean {
    return this.#required(key, BOOLEAN);
  }

  optionalBoolean(key: string): boolean | undefined {
    return this.#optional(key, BOOLEAN);
  }

  has(key: string): boolean {
    return this.#declared(key).value !== undefined;
  }

  source(key: string): SettingSource | undefined {
    return this.#declared(key).source;
  }

  /**
   * The values the logger and the launcher must redact wherever they appear, also inside child output:
   * secret settings, and the password of every URL setting (`amqp://envoy:PASSWORD@host`).
   */
  secrets(): string[] {
    const secrets: string[] = [];
    for (const { spec, value } of this.#settings.values()) {
      if (value === undefined) continue;
      if (spec.secret) secrets.push(String(value));
      else if (spec.type === 'url' && typeof value === 'string') secrets.push(...urlSecrets(value));
    }
    return secrets.filter((value) => value !== '');
  }

  /** The settings that have a value, for the run report, with secret values replaced. */
  describe(): SettingDescription[] {
    const described: SettingDescription[] = [];
    for (const { spec, value, source } of this.#settings.values()) {
      if (value === undefined || source === undefined) continue;
      described.push({ key: spec.key, value: spec.secret ? REDACTED : value, source: sourceText(source) });
    }
    return described;
  }

  /** The CAPO files that existed and were read, in layering order. */
  filesRead(): string[] {
    return [...this.#filesRead];
  }

  #declared(key: string): ResolvedSetting {
    const setting = this.#settings.get(key.toLowerCase());
    if (!setting) throw new Error(`setting ${key} is not declared by this envoy`);
    return setting;
  }

  #optional<T extends SettingValue>(key: string, kind: Kind<T>): T | undefined {
    const { spec, value } = this.#declared(key);
    if (!kind.types.includes(spec.type)) {
      throw new Error(`setting ${spec.key} is declared as ${spec.type}, not ${kind.types.join('/')}`);
    }
    if (value === undefined) return undefined;
    if (!kind.is(value)) throw new Error(`setting ${spec.key} holds a ${typeof value}, not a ${spec.type}`);
    return value;
  }

  #required<T extends SettingValue>(key: string, kind: Kind<T>): T {
    const value = this.#optional(key, kind);
    if (value === undefined) {
      const spec = this.#declared(key).spec;
      const where = spec.env ? `a CAPO properties file or as ${spec.env}` : 'a CAPO properties file';
      throw new InvalidInputError(`setting ${spec.key} is required (set it in ${where})`);
    }
    return value;
  }
}

/** The password in a URL, as written and decoded, for the redactor (the URL itself is not secret). */
export function urlSecrets(url: string): string[] {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return [];
  }
  if (password === '') return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape is used as written, and so redacted as written.
  }
  return decoded === password ? [password] : [password, decoded];
}
