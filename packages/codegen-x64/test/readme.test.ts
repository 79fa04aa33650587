/** The README's example compiles, runs natively and yields what its comment says. */
import { readFileSync } from 'node:fs';
import * as codegen from '@derrick/codegen';
import * as ir from '@derrick/codegen-ir';
import * as jit from '@derrick/jit';
import { describe, expect, it } from 'vitest';
import * as x64 from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const MODULES: Record<string, unknown> = { '@derrick/codegen': codegen, '@derrick/codegen-ir': ir, '@derrick/codegen-x64': x64, '@derrick/jit': jit };

describe('README', () => {
  it('the example runs and yields what its comment says', () => {
    const block = /```ts example\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    let k = 0;
    const args: unknown[] = [];
    const body = block!.replace(/^import \{([^}]*)\} from '(@derrick\/[a-z0-9-]+)';$/gm, (_, names: string, mod: string) => {
      args.push(MODULES[mod]);
      return `const {${names}} = m${k++};`;
    });
    expect(body).not.toContain('import ');
    const run = new Function(...args.map((_, i) => `m${i}`), `${body}\nreturn result;`) as (...m: unknown[]) => unknown;
    expect(run(...args)).toEqual([0n, 21n]);
  });
});
