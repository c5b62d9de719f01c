// Types of generator.cjs (the generator is plain CommonJS so that Nx can load it without a TypeScript runtime).
import type { GeneratorCallback, Tree } from '@nx/devkit';

export interface EnvoyGeneratorOptions {
  /** The external system's name: lowercase letters, digits and hyphens, starting with a letter. */
  readonly name?: unknown;
  /** The one mode's name (flag `--<mode> INPUT`); default `run`. */
  readonly mode?: unknown;
}

/** The names the templates use; throws an Error that explains a bad name or mode. */
export interface EnvoyNames {
  readonly name: string;
  readonly project: string;
  readonly projectRoot: string;
  readonly envoyVar: string;
  readonly settingsConst: string;
  readonly commandKey: string;
  readonly commandEnv: string;
  readonly mode: string;
  readonly modeVar: string;
  readonly launcherClass: string;
  readonly launcherEntry: string;
}

export declare function envoyNames(options: EnvoyGeneratorOptions): EnvoyNames;

/** Creates apps/<name>-envoy in the tree; refuses a bad name and an existing app before writing anything. */
export declare function envoyGenerator(tree: Tree, options: EnvoyGeneratorOptions): GeneratorCallback;
