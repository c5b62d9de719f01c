import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPpr } from '../src';
import { EXAMPLE_PPR, replaceOnce, useTempDirs } from './support/files';

// The bounds that keep a hostile PPR from taking the node's memory (the parser keeps each construct whole).

const tempDir = useTempDirs();

function writePpr(content: string): string {
  const path = join(tempDir(), 'PPR.xml');
  writeFileSync(path, content);
  return path;
}

describe('reading PPR.xml: parts too large for the parser', () => {
  it('reports a huge comment as a problem with its position', async () => {
    // Sizes are checked between pieces of the file, so a comment is refused somewhere past 64 KiB, not exactly there.
    const path = writePpr(replaceOnce(EXAMPLE_PPR, '<ProjectStructure>', `<!-- ${'x'.repeat(200000)} --><ProjectStructure>`));
    const reading = await readPpr(path, { label: 'PPR.xml' });
    expect(reading.problems).toEqual([expect.stringMatching(/^PPR\.xml:13:5: comment longer than 64 KiB/)]);
  });

  it('reports a huge text, tag or DOCTYPE at its start, and a bare "&" that saxes would read past', async () => {
    const cases: Array<[string, RegExp]> = [
      [replaceOnce(EXAMPLE_PPR, '<Operator>', `<Operator>${'x'.repeat(1100000)}`), /^PPR\.xml:8:19: text longer than 1 MiB \(not expected in a PPR\)$/],
      [replaceOnce(EXAMPLE_PPR, '<Telescope>', `<Telescope${Array.from({ length: 120000 }, (_, i) => ` a${i}="b"`).join('')}>`), /^PPR\.xml:6:9: a tag longer than 1 MiB/],
      [`<!DOCTYPE a [${' '.repeat(70000)}]><a/>`, /^PPR\.xml:1:1: DOCTYPE longer than 64 KiB/],
      [replaceOnce(EXAMPLE_PPR, 'vlapipe', `vla & ${'x'.repeat(1100000)}`), /^PPR\.xml:8:23: "&" does not start an entity reference/],
      [replaceOnce(EXAMPLE_PPR, '</ns2:SciPipeRequest>', '&x'), /^PPR\.xml:\d+:1: "&" does not start an entity reference/],
      // The root and 255 levels below it are read; the next level is refused at its `<`.
      [`<a>${'<d>'.repeat(300)}`, /^PPR\.xml:1:769: elements nested deeper than 256 levels \(not a PPR\)$/],
    ];
    for (const [content, expected] of cases) {
      const reading = await readPpr(writePpr(content), { label: 'PPR.xml' });
      expect(reading.problems).toEqual([expect.stringMatching(expected)]);
    }
    const deepest = `<a>${'<d>'.repeat(255)}${'</d>'.repeat(255)}</a>`;
    expect((await readPpr(writePpr(deepest), { label: 'PPR.xml' })).problems).toEqual([]);
  });
});
