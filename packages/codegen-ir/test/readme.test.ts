/** The README's example is this package's `test/readme-example.ts`; keep them identical and working. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

it('README example is verbatim test/readme-example.ts and produces what the README says', async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const example = readFileSync(join(here, 'readme-example.ts'), 'utf8');
  expect(readme).toContain('```ts\n' + example + '```');
  const mod = (await import('./readme-example.js')) as { text: string; result: unknown };
  expect(mod.result).toEqual({ values: [210n] });
  const printed = readme.split('```clif\n')[1]!.split('```')[0]!;
  expect(mod.text).toBe(printed);
});
