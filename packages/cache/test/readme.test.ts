/** The README's example is this package's `test/readme-example.ts`; keep them identical and working. */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

it('README example is verbatim test/readme-example.ts and does what its comments say', async () => {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const example = readFileSync(join(here, 'readme-example.ts'), 'utf8');
  expect(readme).toContain('```ts\n' + example + '```');
  const mod = (await import('./readme-example.js')) as { results: boolean[]; stats: string; dir: string };
  rmSync(mod.dir, { recursive: true, force: true });
  expect(mod.results).toEqual([false, true, true]);
  expect(mod.stats).toMatch(/^hits=2 misses=1 inserts=1 errors=0 corrupt=0 evictions=0 bytes_read=\d+ bytes_written=\d+ hit_rate=66\.7%$/);
});
