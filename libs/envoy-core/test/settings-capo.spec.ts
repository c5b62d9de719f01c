import { join } from 'node:path';
import { InvalidInputError } from '../src/errors';
import { capoFiles, parseProperties } from '../src/settings';

function values(text: string): Record<string, string> {
  return Object.fromEntries([...parseProperties(text, 'test.properties')].map(([key, entry]) => [key, entry.value]));
}

describe('parseProperties', () => {
  it('reads key = value and key=value, splitting at the first = and keeping trailing blanks as Java does', () => {
    expect(values('a = 1\nb=2\n  c   =   three words  \nd = x=y==z\n')).toEqual({
      a: '1',
      b: '2',
      c: 'three words  ',
      d: 'x=y==z',
    });
  });

  it('lower-cases keys so lookups are case-insensitive', () => {
    expect(values('Envoys.CASA.useXvfb = true')).toEqual({ 'envoys.casa.usexvfb': 'true' });
  });

  it('skips # and ! comment lines and blank lines; a line with only a key has the empty value (as Java reads it)', () => {
    const text = ['# a comment = not a key', '  ! another = neither', '', '   ', 'k = v', 'lonely'].join('\n');
    expect(values(text)).toEqual({ k: 'v', lonely: '' });
  });

  it('splits at the first unescaped =, : or whitespace, as Java Properties.load does', () => {
    expect(values(['colon: 1', 'space 2', 'tab\t3', 'both = : 4', 'url=https://h:8080/p', 'esc\\=key = 5', 'sp\\ ace 6'].join('\n'))).toEqual({
      colon: '1',
      space: '2',
      tab: '3',
      both: ': 4',
      url: 'https://h:8080/p',
      'esc=key': '5',
      'sp ace': '6',
    });
  });

  it('keeps `;` and `#` inside a value: Java has no inline comments', () => {
    expect(values(['minutes = 5 ; five minutes', 'tab = 6 # six', 'url = https://host/page#fragment'].join('\n'))).toEqual({
      minutes: '5 ; five minutes',
      tab: '6 # six',
      url: 'https://host/page#fragment',
    });
  });

  it('joins a line ending in an odd number of backslashes with the next, dropping its leading whitespace', () => {
    const parsed = parseProperties(['list = a, \\', '       b, \\', '   c', 'path = C:\\\\', 'next = 1'].join('\n'), 'f.properties');
    expect(parsed.get('list')).toEqual({ key: 'list', value: 'a, b, c', line: 1, file: 'f.properties' });
    expect(parsed.get('path')?.value).toBe('C:\\');
    expect(parsed.get('next')?.line).toBe(5);
  });

  it('unescapes \\t, \\n, \\uXXXX and any other escaped character', () => {
    expect(values('a = x\\ty\nb = caf\\u00e9\nc = \\#not\\!special')).toEqual({ a: 'x\ty', b: 'café', c: '#not!special' });
  });

  it('refuses a malformed \\u escape naming file and line, as Java fails the whole file', () => {
    expect(() => parseProperties('ok = 1\nbad = \\u12g4\n', 'site.properties')).toThrow('CAPO properties file site.properties:2 has a malformed \\u escape');
  });

  it('handles CRLF line ends and a UTF-8 byte-order mark', () => {
    const parsed = parseProperties('\uFEFFfirst = 1\r\nsecond = 2\r\n# c\r\nthird = 3', 'f.properties');
    expect([...parsed.keys()]).toEqual(['first', 'second', 'third']);
    expect(parsed.get('second')).toEqual({ key: 'second', value: '2', line: 2, file: 'f.properties' });
    expect(parsed.get('third')?.line).toBe(4);
  });

  it('lets a later line for the same key win, in any spelling', () => {
    expect(values('k = 1\nK = 2')).toEqual({ k: '2' });
  });

  it('ignores a line with an empty key', () => {
    expect(values('= value\n  : other')).toEqual({});
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

  it("reads the observatory's default path without CAPO_PATH, or with an empty one", () => {
    const expected = ['/home/casa/capo/test.properties', '/home/ssa/capo/test.properties', join('/home/u', '.capo', 'test.properties')];
    expect(capoFiles({ CAPO_PROFILE: 'test' }, '/home/u')).toEqual(expected);
    expect(capoFiles({ CAPO_PROFILE: 'test', CAPO_PATH: '' }, '/home/u')).toEqual(expected);
    expect(capoFiles({ CAPO_PROFILE: 'test', CAPO_PATH: ':' }, '/home/u')).toEqual(expected);
  });

  it('rejects a profile that is a path rather than a name', () => {
    expect(() => capoFiles({ CAPO_PROFILE: '../../etc/x' }, '/home/u')).toThrow(InvalidInputError);
  });
});
