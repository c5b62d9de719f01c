import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleForChild } from './support/bundle';
import { rawTar } from './support/raw-tar';
import { makeTemp, removeTemps } from './support/temp';

describe('cold start', () => {
  afterAll(removeTemps);

  it('loading the library does not evaluate tar; using it does', () => {
    const child = bundleForChild(join(__dirname, 'support', 'lazy-tar-child.ts'), ['tar']);
    const dir = makeTemp('lazy-');
    writeFileSync(join(dir, 'a.tar'), rawTar([{ path: 'a.txt', body: 'a' }]));
    const output = execFileSync(process.execPath, [child, join(dir, 'a.tar'), join(dir, 'out')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: resolve(__dirname, '../../../node_modules') },
    });
    expect(JSON.parse(output)).toEqual({ atStart: false, afterUse: true });
  });
});
