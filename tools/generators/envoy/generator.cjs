// `npx nx g @envoys/tools:envoy <name>`: creates apps/<name>-envoy, an envoy for a new external system, shaped
// like casa-envoy, ingest-envoy and carta-envoy: main.ts (the modes), one typed launcher (a setup step, the
// launch, a verification), settings, the esbuild bundle target and a test that runs the built bundle.
//
// Plain CommonJS on purpose: Nx loads a local generator written in TypeScript only through @swc-node/register
// or ts-node, which this workspace does not install (Node 20 has no native TypeScript). Types for callers are
// in generator.d.cts.
const path = require('node:path');
const { generateFiles, getProjects, logger, names } = require('@nx/devkit');

/** Lowercase words of letters and digits joined by single hyphens, starting with a letter. */
const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 40;

/** Flags every envoy already has (libs/envoy-core/src/cli): a mode cannot take one of them. */
const RESERVED_MODES = ['help', 'version', 'dry-run', 'processing-dir', 'report', 'log-format', 'set'];

/** @param {unknown} value */
function quoted(value) {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * The external system's name: the app is `<name>-envoy`, its tag `scope:<name>`, its setting
 * `envoys.<name>.command`. Throws an Error whose message says what is wrong and what would be right.
 * @param {unknown} name
 * @returns {string}
 */
function checkName(name) {
  const hint = 'use lowercase letters, digits and hyphens, starting with a letter (e.g. "imgcat" or "data-mover")';
  if (typeof name !== 'string' || name === '') throw new Error(`Envoy name missing: ${hint}.`);
  if (!NAME_PATTERN.test(name)) throw new Error(`Invalid envoy name ${quoted(name)}: ${hint}.`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new Error(`Invalid envoy name ${quoted(name)}: at most ${MAX_NAME_LENGTH} characters, please.`);
  }
  if (name === 'envoy' || name.endsWith('-envoy')) {
    const system = name === 'envoy' ? 'imgcat' : name.slice(0, -'-envoy'.length);
    throw new Error(`Invalid envoy name ${quoted(name)}: give the external system's name without "-envoy" ("${system}" creates apps/${system}-envoy).`);
  }
  return name;
}

/**
 * The one mode's name: its flag is `--<mode>`, its launcher `src/launchers/<mode>.ts`.
 * @param {unknown} mode
 * @returns {string}
 */
function checkMode(mode) {
  if (mode === undefined || mode === '') return 'run';
  if (typeof mode !== 'string' || !NAME_PATTERN.test(mode) || mode.length > MAX_NAME_LENGTH) {
    throw new Error(`Invalid mode ${quoted(mode)}: use lowercase letters, digits and hyphens, starting with a letter (e.g. "run" or "standard-cal").`);
  }
  if (RESERVED_MODES.includes(mode)) {
    throw new Error(`Invalid mode ${quoted(mode)}: --${mode} is an option every envoy already has (${RESERVED_MODES.map((m) => `--${m}`).join(', ')}).`);
  }
  return mode;
}

/**
 * Every name the templates use, derived from the options (validated here).
 * @param {{ name?: unknown, mode?: unknown }} options
 */
function envoyNames(options) {
  const name = checkName(options.name);
  const mode = checkMode(options.mode);
  const project = `${name}-envoy`;
  const modeVar = names(mode).propertyName;
  return {
    /** The external system, e.g. `demo-x`. */
    name,
    /** The Nx project and the program, e.g. `demo-x-envoy`. */
    project,
    projectRoot: `apps/${project}`,
    /** The variable main.ts holds the EnvoyDefinition in, e.g. `demoXEnvoy`. */
    envoyVar: names(project).propertyName,
    settingsConst: `${names(name).constantName}_SETTINGS`,
    commandKey: `envoys.${name}.command`,
    commandEnv: `${names(name).constantName}_COMMAND`,
    mode,
    /** The launcher factory exported by src/launchers/<mode>.ts, e.g. `run` or `standardCal`. */
    modeVar,
    /** The launcher class, e.g. `DemoXRun`. */
    launcherClass: `${names(name).className}${names(mode).className}`,
    /** The mode's entry in main.ts's launchers: `{ run }` or `{ 'standard-cal': standardCal }`. */
    launcherEntry: modeVar === mode ? mode : `'${mode}': ${modeVar}`,
  };
}

/**
 * Creates apps/<name>-envoy in the tree. Refuses a bad name and an app or project that already exists, before
 * writing anything. Returns a callback that prints the next steps.
 * @param {import('@nx/devkit').Tree} tree
 * @param {{ name?: unknown, mode?: unknown }} options
 * @returns {import('@nx/devkit').GeneratorCallback}
 */
function envoyGenerator(tree, options) {
  const substitutions = envoyNames(options);
  const { project, projectRoot } = substitutions;
  if (tree.exists(projectRoot)) {
    throw new Error(`${projectRoot} already exists: choose another name, or remove ${projectRoot} first.`);
  }
  const existing = getProjects(tree).get(project);
  if (existing) throw new Error(`A project named ${project} already exists (in ${existing.root}): choose another name.`);

  generateFiles(tree, path.join(__dirname, 'files'), projectRoot, substitutions);

  return () => {
    logger.info(
      [
        '',
        `${project} is ready. Next:`,
        `  npx nx build ${project}        # -> dist/apps/${project}/main.js, one standalone file`,
        `  npx nx test ${project}         # runs the bundle against a stand-in for ${substitutions.name}`,
        `  node dist/apps/${project}/main.js --help`,
        `Then fill in ${projectRoot}/src/launchers/${substitutions.mode}.ts: what ${substitutions.name} needs before it runs (setup),`,
        'the call itself (launch) and what "really succeeded" means for it (verify). See docs/NEW_ENVOY.md.',
      ].join('\n'),
    );
  };
}

module.exports = { envoyGenerator, envoyNames };
