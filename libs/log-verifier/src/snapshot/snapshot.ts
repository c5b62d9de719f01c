import * as path from 'node:path';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import type { FileState } from '../files/file-state';
import { parseGlob } from '../files/glob';
import { listGlob } from '../files/list';
import { walkFiles } from '../files/walk';
import type { RuleSet } from '../rules/types';
import { loadRuleSet } from '../rules/validate';

/**
 * What existed before the external system was launched, so that only what the run itself wrote counts: a
 * CASA log or error marker left by an earlier run in the same directory must not fail a good run (CONTRACT 4.8).
 * Plain data, so it can be written to disk and read back by a later process.
 */
export interface Snapshot {
  /** Absolute. */
  readonly baseDir: string;
  readonly takenAt: string;
  /** Absolute path -> state, for every file matched by a rule's `files` pattern. */
  readonly files: Readonly<Record<string, FileState>>;
  /** Absolute directory of each nonEmpty rule -> (absolute path -> state) of every file below it. */
  readonly trees: Readonly<Record<string, Readonly<Record<string, FileState>>>>;
}

/** Records the files the rules look at; take it just before launching the external system. */
export async function takeSnapshot(baseDir: string, ruleSet: RuleSet): Promise<Snapshot> {
  const valid = loadRuleSet(ruleSet);
  const base = path.resolve(baseDir);
  const takenAt = new Date().toISOString();
  const files: Record<string, FileState> = {};
  const trees: Record<string, Record<string, FileState>> = {};
  const patterns = new Set<string>();
  for (const rule of valid.rules) {
    if (rule.kind === 'nonEmpty') {
      const dir = path.resolve(base, rule.dir);
      if (trees[dir]) continue;
      const tree: Record<string, FileState> = {};
      try {
        await walkFiles(dir, (file, state) => {
          tree[file] = state;
          return false;
        });
      } catch (error) {
        throw inputError(error, `directory ${dir}`);
      }
      trees[dir] = tree;
    } else {
      const directories = rule.kind === 'required' && rule.directories === true;
      const key = `${directories ? 'd' : 'f'}:${rule.files}`;
      if (patterns.has(key)) continue;
      patterns.add(key);
      const glob = parseGlob(rule.files);
      if (typeof glob === 'string') throw new Error(`unchecked glob ${rule.files}: ${glob}`);
      const listing = await listGlob(base, glob, directories);
      if ('error' in listing) throw new InvalidInputError(`cannot record the state of ${listing.dir}: ${listing.error}`);
      for (const file of listing.files) files[file.path] = file.state;
    }
  }
  return { baseDir: base, takenAt, files, trees };
}
