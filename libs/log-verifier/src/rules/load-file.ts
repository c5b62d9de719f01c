import { promises as fs } from 'node:fs';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import { loadRuleSet } from './validate';
import type { RuleSet } from './types';

/** Reads and validates a rule set kept in a JSON file (a site's own rules). Missing file: exit 66. */
export async function loadRuleSetFile(file: string): Promise<RuleSet> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw inputError(error, `rule set file ${file}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`rule set file ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return loadRuleSet(data, file);
}
