#!/usr/bin/env node
// Lists import cycles between the source files of each project (apps/*/src, libs/*/src): relative imports,
// `import type` included, resolved as TypeScript would. Imports between projects go through @envoys/<lib>,
// whose direction lint already enforces. Exit 1 when there is a cycle.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.d\.ts$/.test(name) ? [path] : [];
  });
}

function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every cycle once, as the files along it, by a depth-first search that reports each back edge. */
function cycles(graph) {
  const found = [];
  const state = new Map(); // 1: on the current path, 2: done
  const path = [];
  const visit = (file) => {
    state.set(file, 1);
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 1) found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 2);
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

let total = 0;
for (const group of ['apps', 'libs']) {
  for (const project of readdirSync(join(root, group))) {
    const src = join(root, group, project, 'src');
    if (!existsSync(src)) continue;
    const graph = new Map();
    for (const file of sources(src)) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      graph.set(file, importedFiles.map((entry) => resolveImport(file, entry.fileName)).filter((target) => target !== undefined));
    }
    for (const cycle of cycles(graph)) {
      total += 1;
      console.log(`${group}/${project}: ${cycle.map((file) => relative(src, file)).join(' -> ')}`);
    }
  }
}
console.log(total === 0 ? 'no import cycle' : `${total} import cycle${total === 1 ? '' : 's'}`);
process.exitCode = total === 0 ? 0 : 1;
