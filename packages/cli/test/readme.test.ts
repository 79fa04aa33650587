/** The README's command examples, run from the workspace root (so they cannot rot). */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { captureIo, main } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const readme = readFileSync(path.resolve(here, '../README.md'), 'utf8');
const examples = (/```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '').split('\n').filter((l) => l.startsWith('derrick '));

it('has examples', () => {
  expect(examples.length).toBeGreaterThan(0);
});

for (const example of examples) {
  it(example, async () => {
    const io = captureIo({ cwd: repoRoot });
    const code = await main(example.split(/\s+/).slice(1), io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
  });
}
