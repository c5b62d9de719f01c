#!/usr/bin/env node
// Makes sure the Python virtual environments a test suite needs exist (the list: python-venvs.txt beside this
// file). Each venv is made under $ENVOYS_VENVS (default ~/.cache/envoys/venvs), outside the repository, with the
// machine's python3 and pip from the package registry; a venv whose requirements changed is made anew. A venv
// that is already there costs one file read, so every suite may call this.
//
//   node tools/scripts/python-venvs.mjs SUITE...        (SUITE: test, test:cluster, ...)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIST = process.env.ENVOYS_PYTHON_VENVS_LIST || join(dirname(fileURLToPath(import.meta.url)), 'python-venvs.txt');
// The file inside a venv that records what it was made from: a venv is reused only when it says the same.
const STAMP = 'envoys-requirements.txt';

export function venvsRoot(env = process.env) {
  return env.ENVOYS_VENVS || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'envoys', 'venvs');
}

/** The list's lines for the given suites: { name, suite, requirements }. */
export function neededVenvs(suites, text = readFileSync(LIST, 'utf8')) {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [name, suite, ...requirements] = line.split(/\s+/);
      return { name, suite, requirements };
    })
    .filter((entry) => suites.includes(entry.suite));
}

function stampOf(entry) {
  return `${entry.requirements.join('\n')}\n`;
}

function isReady(dir, entry) {
  try {
    return existsSync(join(dir, 'bin', 'python')) && readFileSync(join(dir, STAMP), 'utf8') === stampOf(entry);
  } catch {
    return false;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return result.status === 0;
}

/** Makes what is missing; returns the line that says what went wrong, or undefined when all is there. */
export function ensureVenvs(suites) {
  const root = venvsRoot();
  for (const entry of neededVenvs(suites)) {
    const dir = join(root, entry.name);
    if (isReady(dir, entry)) continue;
    console.log(`making the Python venv ${dir}: ${entry.requirements.join(' ')}`);
    // Made in its final place (console scripts' shebangs name the venv's path, so a venv cannot be moved); the
    // stamp is written last, so a venv cut off half-way has none and is made anew on the next call.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const python = process.env.ENVOYS_PYTHON || 'python3';
    if (!run(python, ['-m', 'venv', dir])) return `${python} -m venv ${dir} failed (see above)`;
    if (!run(join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', ...entry.requirements])) {
      return `pip install ${entry.requirements.join(' ')} into ${dir} failed (see above)`;
    }
    writeFileSync(join(dir, STAMP), stampOf(entry));
  }
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const suites = process.argv.slice(2);
  if (suites.length === 0) {
    console.error('usage: node tools/scripts/python-venvs.mjs SUITE... (test, test:cluster, ...)');
    process.exit(2);
  }
  const problem = ensureVenvs(suites);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
