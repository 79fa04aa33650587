/** The README's example runs, and its API listing names only what `src/index.ts` exports. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as jit from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('the example runs and yields what its comment says', () => {
    const block = /```ts example\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const body = block!.replace(
      /^import \{([^}]*)\} from '@derrick\/jit';$/m,
      (_, names: string) => `const {${names}} = jit;`,
    );
    expect(body).not.toContain('import ');
    const run = new Function('jit', `${body}\nreturn result;`) as (m: typeof jit) => unknown;
    expect(run(jit)).toEqual([0n, 42n]);
  });

  it('every value exported from index.ts is documented in the API listing', () => {
    const listing = /## Public API\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    for (const name of Object.keys(jit)) expect(listing).toContain(name);
  });
});
