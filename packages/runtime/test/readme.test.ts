/** The README's example runs (the toy compiler standing in for `@derrick/compiler`), and its API listing names every export. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as runtime from '../src/index.js';
import { toyCompilerBuilder } from './toy/toy-compiler.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('the example runs and yields what its last comment says', async () => {
    const block = /```ts example\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const body = block!
      .replace(/^import \{([^}]*)\} from '@derrick\/runtime';$/m, (_, names: string) => `const {${names}} = runtime;`)
      .replace(/^import \{ compilerBuilder \} from '@derrick\/compiler';.*$/m, 'const compilerBuilder = toyCompilerBuilder();');
    expect(body).not.toMatch(/^import /m);
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>;
    const run = new AsyncFunction('runtime', 'toyCompilerBuilder', `${body}\nreturn results;`);
    expect(await run(runtime, toyCompilerBuilder)).toEqual([40, 'too big', 3, 'Trap']);
    expect(block).toContain("// results: [40, 'too big', 3, 'Trap']");
  });

  it('every value exported from index.ts is named in the API listing', () => {
    const listing = /## Public API\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    for (const name of Object.keys(runtime)) expect([name, listing.includes(name)]).toEqual([name, true]);
  });
});
