#!/usr/bin/env node
// Makes sure the Debian packages a test suite needs are installed (the list: system-packages.txt beside this
// file). Missing ones are installed when this runs as root on a machine with apt-get (`apt-get update` once,
// then one `apt-get install`, never reading stdin); otherwise it stops at once with one line saying what to run.
//
//   node tools/scripts/system-packages.mjs SUITE...        (SUITE: test, test:slurm, test:release, bench)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ENVOYS_SYSTEM_PACKAGES names another list (the tests of this script use it).
const LIST = process.env.ENVOYS_SYSTEM_PACKAGES || join(dirname(fileURLToPath(import.meta.url)), 'system-packages.txt');

/** The list's lines for the given suites: { command, pkg, suite, after }. */
export function neededPackages(suites, text = readFileSync(LIST, 'utf8')) {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [command, pkg, suite, after = '-'] = line.split(/\s+/);
      return { command, pkg, suite, after };
    })
    .filter((entry) => suites.includes(entry.suite));
}

function onPath(command, path = process.env.PATH ?? '') {
  // Also the sbin directories, which a non-login root shell may lack from PATH.
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/** Installs what is missing, or returns the one line that says what to run. Returns undefined when all is there. */
export function ensurePackages(suites) {
  const needed = neededPackages(suites);
  const missing = [...new Set(needed.filter((entry) => !onPath(entry.command)).map((entry) => entry.pkg))];
  if (missing.length === 0) return undefined;
  const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    return `the tests need the Debian packages ${missing.join(', ')}: run \`sudo apt-get update && sudo ${install}\` (or install them with your system's package manager), then run the tests again`;
  }
  console.log(`installing the Debian packages the tests need: ${missing.join(' ')}`);
  if (!run('apt-get', ['update', '-qq']) || !run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing])) {
    return `installing ${missing.join(', ')} failed (see above): run \`apt-get update && ${install}\` by hand`;
  }
  for (const entry of needed) {
    if (entry.after === 'stop' && missing.includes(entry.pkg) && onPath('systemctl')) {
      spawnSync('systemctl', ['stop', entry.pkg], { stdio: 'ignore' });
    }
  }
  const still = needed.filter((entry) => !onPath(entry.command)).map((entry) => entry.command);
  return still.length > 0 ? `installed ${missing.join(', ')}, but ${still.join(', ')} still cannot be found` : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const suites = process.argv.slice(2);
  if (suites.length === 0) {
    console.error('usage: node tools/scripts/system-packages.mjs SUITE... (test, test:slurm, test:release, bench)');
    process.exit(2);
  }
  const problem = ensurePackages(suites);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
