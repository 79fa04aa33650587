/** Runs the README's example and compares its output with the README's. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as environ from './index.js';

const readme = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

describe('README', () => {
  it('example prints what the README says', () => {
    const example = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const expected = /prints\s+```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(expected).toBeDefined();
    // The example is plain JavaScript apart from its import line.
    const code = example!.replace(/^import [\s\S]*?;\n/m, '');
    const lines: string[] = [];
    const fakeConsole = { log: (...args: unknown[]) => lines.push(args.join(' ')) };
    const names = Object.keys(environ);
    const run = new Function('console', ...names, code) as (...args: unknown[]) => void;
    run(fakeConsole, ...names.map((n) => (environ as Record<string, unknown>)[n]));
    expect(lines.join('\n') + '\n').toBe(expected);
  });
});
