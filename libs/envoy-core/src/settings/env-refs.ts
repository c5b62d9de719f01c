// Names as POSIX shells accept them; anything else (`${env:}`, `${other}`) is left as literal text.
const REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The value with every reference resolved, or the first variable it names that is not set. */
export type Expansion =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly missing: string };

/**
 * Replaces each `${env:NAME}` in a CAPO value by the variable's value. An empty variable counts as unset,
 * as everywhere else in the settings: `export TOKEN=` in a job script is a template left unfilled, and a
 * value built from it would fail later and further from the cause.
 */
export function expandEnvReferences(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): Expansion {
  for (const match of value.matchAll(REFERENCE)) {
    const name = match[1];
    if (!env[name]) return { ok: false, missing: name };
  }
  // The replacer, not a replacement string: `$&` or `$1` in a variable's value must stay literal.
  return { ok: true, value: value.replace(REFERENCE, (_match, name: string) => env[name] ?? '') };
}
