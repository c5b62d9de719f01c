import { Readable } from 'node:stream';
import { REDACTED, Redactor } from '../src';

async function through(redactor: Redactor, chunks: string[]): Promise<string> {
  let out = '';
  const stream = Readable.from(chunks).pipe(redactor.stream());
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

describe('Redactor', () => {
  it('removes every occurrence of a secret from text and from nested values', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-token');
    expect(redactor.redact('a s3cr3t-token b s3cr3t-token')).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redactor.redactValue({ url: 'http://x/?token=s3cr3t-token', list: ['s3cr3t-token'], n: 3 })).toEqual({
      url: `http://x/?token=${REDACTED}`,
      list: [REDACTED],
      n: 3,
    });
  });

  it('redacts a secret split across stream chunks', async () => {
    const redactor = new Redactor();
    redactor.add('abcdef123456');
    const out = await through(redactor, ['token=abc', 'def12', '3456 done\n', 'tail abc']);
    expect(out).toBe(`token=${REDACTED} done\ntail abc`);
    expect(out).not.toContain('abcdef123456');
  });

  it('passes text through unchanged when there is no secret', async () => {
    expect(await through(new Redactor(), ['one ', 'two\n'])).toBe('one two\n');
  });

  it('ignores values too short to be secrets', () => {
    const redactor = new Redactor();
    redactor.add('ab');
    expect(redactor.redact('ab cab')).toBe('ab cab');
  });
});
