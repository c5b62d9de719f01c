import { join } from 'node:path';
import { InvalidInputError } from '../src/errors';
import { capoFiles, parseProperties } from '../src/settings';

function values(text: string): Record<string, string> {
  return Object.fromEntries([...parseProperties(text, 'test.properties')].map(([key, entry]) => [key, entry.value]));
}

describe('parseProperties', () => {
  it('reads key = value and key=value, trimming both and splitting at the first =', () => {
    expect(values('a = 1\nb=2\n  c   =   three words  \nd = x=y==z\n')).toEqual({
      a: '1',
      b: '2',
      c: 'three words',
      d: 'x=y==z',
    });
  });

  it('lower-cases keys so lookups are case-insensitive', () => {
    expect(values('Envoys.CASA.useXvfb = true')).toEqual({ 'envoys.casa.usexvfb': 'true' });
  });

  it('skips # and ; comment lines, blank lines and lines without =', () => {
    const text = ['# a comment = not a key', '  ; another = neither', '', '   ', 'just some words', 'k = v'].join('\n');
    expect(values(text)).toEqual({ k: 'v' });
  });

  it('ends a value at # or ; preceded by whitespace, and only there', () => {
    expect(
      values(
        [
          'minutes = 5 # minutes',
          'tab = 6\t; comment',
          'url = https://host/page#fragment',
          'list = a;b;c',
          'empty = # nothing',
        ].join('\n'),
      ),
    ).toEqual({ minutes: '5', tab: '6', url: 'https://host/page#fragment', list: 'a;b;c', empty: '' });
  });

  it('handles CRLF line ends and a UTF-8 byte-order mark', () => {
    const parsed = parseProperties('\uFEFFfirst = 1\r\nsecond = 2\r\n# c\r\nthird = 3', 'f.properties');
    expect([...parsed.keys()]).toEqual(['first', 'second', 'third']);
    expect(parsed.get('second')).toEqual({ value: '2', line: 2, file: 'f.properties' });
    expect(parsed.get('third')?.line).toBe(4);
  });

  it('lets a later line for the same key win, in any spelling', () => {
    expect(values('k = 1\nK = 2')).toEqual({ k: '2' });
  });

  it('ignores a line with an empty key', () => {
    expect(values('= value\n  = other')).toEqual({});
  });
});

describe('capoFiles', () => {
  it('lists no file without CAPO_PROFILE (or with an empty one)', () => {
    expect(capoFiles({ CAPO_PATH: '/etc/capo' }, '/home/u')).toEqual([]);
    expect(capoFiles({ CAPO_PROFILE: '', CAPO_PATH: '/etc/capo' }, '/home/u')).toEqual([]);
  });

  it('lists each CAPO_PATH directory in order, skipping empty entries, then ~/.capo', () => {
    expect(capoFiles({ CAPO_PROFILE: 'dsoc-prod', CAPO_PATH: '/a::/b:' }, '/home/u')).toEqual([
      join('/a', 'dsoc-prod.properties'),
      join('/b', 'dsoc-prod.properties'),
      join('/home/u', '.capo', 'dsoc-prod.properties'),
    ]);
  });

  it('reads only ~/.capo without CAPO_PATH', () => {
    expect(capoFiles({ CAPO_PROFILE: 'test' }, '/home/u')).toEqual([join('/home/u', '.capo', 'test.properties')]);
  });

  it('rejects a profile that is a path rather than a name', () => {
    expect(() => capoFiles({ CAPO_PROFILE: '../../etc/x' }, '/home/u')).toThrow(InvalidInputError);
  });
});
