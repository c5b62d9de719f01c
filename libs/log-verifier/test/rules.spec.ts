import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode, InvalidInputError } from '@envoys/envoy-core';
import { casaRuleSet, loadRuleSet, loadRuleSetFile, withBenign, verify, type RuleSet } from '../src';

const valid = {
  name: 'site',
  rules: [
    {
      id: 'sev',
      kind: 'line',
      description: 'SEVERE lines',
      files: 'casa-*.log',
      match: { type: 'field', separator: '\t', index: 1, equals: 'SEVERE' },
      benign: ['flagmanager'],
    },
    { id: 'marker', kind: 'marker', description: 'error marker', files: 'errorexit-*.txt' },
    { id: 'log', kind: 'required', description: 'a log', files: 'casa-?????????-*.log' },
    { id: 'out', kind: 'nonEmpty', description: 'output', dir: '../products', baselineOnly: true },
    { id: 'rx', kind: 'line', description: 'tracebacks', files: 'logs/*.txt', match: { type: 'regex', pattern: '^Traceback', flags: 'i' } },
  ],
};

function withRule(rule: Record<string, unknown>): unknown {
  return { name: 'bad', rules: [rule] };
}

function invalid(data: unknown): InvalidInputError {
  try {
    loadRuleSet(data);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected the rule set to be refused');
}

const lineRule = {
  id: 'sev',
  kind: 'line',
  description: 'd',
  files: '*.log',
  match: { type: 'field', separator: '\t', index: 1, equals: 'SEVERE' },
};

describe('loadRuleSet', () => {
  it('accepts every rule kind and returns a frozen copy', () => {
    const ruleSet = loadRuleSet(valid);
    expect(ruleSet.rules.map((r) => r.kind)).toEqual(['line', 'marker', 'required', 'nonEmpty', 'line']);
    expect(Object.isFrozen(ruleSet)).toBe(true);
    expect(Object.isFrozen(ruleSet.rules[0])).toBe(true);
    expect(JSON.parse(JSON.stringify(ruleSet))).toEqual(ruleSet);
  });

  it('refuses a benign pattern that is not a regular expression, naming the rule', () => {
    const error = invalid(withRule({ ...lineRule, benign: ['ok', 'SEVERE (flagmanager'] }));
    expect(error.exitCode).toBe(ExitCode.InvalidInput);
    expect(error.message).toContain('rule "sev"');
    expect(error.message).toContain('benign[1]');
  });

  it('refuses a regex match that does not compile, and flags the engine owns', () => {
    expect(invalid(withRule({ ...lineRule, match: { type: 'regex', pattern: 'a[' } })).message).toContain('match.pattern');
    expect(invalid(withRule({ ...lineRule, match: { type: 'regex', pattern: 'a', flags: 'g' } })).message).toContain('flags');
  });

  it('refuses an unknown kind, naming the rule', () => {
    const error = invalid(withRule({ id: 'weird', kind: 'grep', description: 'd', files: '*.log' }));
    expect(error.message).toContain('rule "weird"');
    expect(error.message).toContain('kind');
  });

  it('names a rule without an id by its position', () => {
    expect(invalid({ name: 'x', rules: [valid.rules[1], { kind: 'marker', files: 'x' }] }).message).toContain('rules[1]');
  });

  it('refuses duplicate ids, unknown keys, missing descriptions and bad fields', () => {
    expect(invalid({ name: 'x', rules: [valid.rules[1], valid.rules[1]] }).message).toContain('earlier rule');
    expect(invalid(withRule({ ...lineRule, benigns: [] })).message).toContain('unknown keys');
    expect(invalid(withRule({ ...lineRule, description: '' })).message).toContain('description');
    expect(invalid(withRule({ ...lineRule, match: { type: 'field', separator: '\t', index: -1, equals: 'X' } })).message).toContain('index');
    expect(invalid(withRule({ ...lineRule, match: { type: 'field', separator: '\t', index: 1, equals: 'A\tB' } })).message).toContain(
      'separator',
    );
    expect(invalid(withRule({ ...lineRule, recordStart: '(' })).message).toContain('recordStart');
    expect(invalid(withRule({ id: 'n', kind: 'nonEmpty', description: 'd' })).message).toContain('dir');
  });

  it('refuses wildcards outside the last path component and unsupported glob syntax', () => {
    expect(invalid(withRule({ ...lineRule, files: 'logs-*/casa.log' })).message).toContain('last path component');
    expect(invalid(withRule({ ...lineRule, files: 'casa-[0-9].log' })).message).toContain('not supported');
    expect(invalid(withRule({ ...lineRule, files: 'logs/' })).message).toContain('must name files');
  });

  it('lists every problem in the details', () => {
    const error = invalid({ name: '', rules: [{ kind: 'line' }] });
    expect(error.details.length).toBeGreaterThan(3);
    expect(error.message).toMatch(/more problems/);
  });

  it('refuses data that is not an object', () => {
    expect(invalid([]).message).toContain('JSON object');
    expect(invalid({ name: 'x', rules: {} }).message).toContain('rules must be a list');
  });

  it('is applied by verify to rule sets built in code', async () => {
    const bad = { name: 'code', rules: [{ ...lineRule, benign: ['('] }] } as unknown as RuleSet;
    await expect(verify(bad, { baseDir: os.tmpdir() })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('withBenign and casaRuleSet', () => {
  it('merges benign patterns into the line rule named', () => {
    const ruleSet = withBenign(loadRuleSet(valid), 'sev', ['SEVERE\\tflagmanager']);
    const sev = ruleSet.rules.find((r) => r.id === 'sev');
    expect(sev?.kind === 'line' && sev.benign).toEqual(['flagmanager', 'SEVERE\\tflagmanager']);
  });

  it('refuses an unknown rule or a rule that is not a line rule', () => {
    expect(() => withBenign(loadRuleSet(valid), 'nope', ['x'])).toThrow(InvalidInputError);
    expect(() => withBenign(loadRuleSet(valid), 'marker', ['x'])).toThrow(/marker rule/);
  });

  it('builds the CASA rule set with an empty built-in benign list', () => {
    const ruleSet = casaRuleSet({ requireProducts: true });
    expect(ruleSet.rules.map((r) => `${r.kind}:${r.id}`)).toEqual([
      'line:casa-severe',
      'marker:casa-errorexit',
      'required:casa-log-missing',
      'nonEmpty:casa-products-empty',
    ]);
    const severe = ruleSet.rules[0];
    expect(severe.kind === 'line' && severe.benign).toEqual([]);
    expect(severe.kind === 'line' && severe.match).toEqual({ type: 'field', separator: '\t', index: 1, equals: 'SEVERE' });
    const products = ruleSet.rules[3];
    expect(products.kind === 'nonEmpty' && products.dir).toBe('../products');
    expect(products.baselineOnly).toBe(true);
  });

  it('drops the products rule for modes without products and adds site benign patterns', () => {
    const ruleSet = casaRuleSet({ requireProducts: false, benign: ['flagmanager'] });
    expect(ruleSet.rules.map((r) => r.id)).toEqual(['casa-severe', 'casa-errorexit', 'casa-log-missing']);
    expect(ruleSet.rules[0].kind === 'line' && ruleSet.rules[0].benign).toEqual(['flagmanager']);
  });

  it('reports a bad site benign pattern against casa-severe', () => {
    expect(() => casaRuleSet({ requireProducts: false, benign: ['('] })).toThrow(/rule "casa-severe": benign\[0\]/);
  });
});

describe('loadRuleSetFile', () => {
  it('reads a rule set from JSON; a missing file is 66, bad JSON 65', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'log-verifier-rules-'));
    try {
      const good = path.join(dir, 'rules.json');
      await fs.writeFile(good, JSON.stringify(valid));
      expect((await loadRuleSetFile(good)).name).toBe('site');
      await expect(loadRuleSetFile(path.join(dir, 'none.json'))).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
      const broken = path.join(dir, 'broken.json');
      await fs.writeFile(broken, '{"name": ');
      await expect(loadRuleSetFile(broken)).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
      const wrong = path.join(dir, 'wrong.json');
      await fs.writeFile(wrong, JSON.stringify(withRule({ ...lineRule, kind: 'lines' })));
      await expect(loadRuleSetFile(wrong)).rejects.toThrow(/wrong\.json/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
