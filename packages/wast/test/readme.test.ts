/** The README's usage example, run as written (so it cannot rot). */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as wast from '../src/index.js';

const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

it('runs the README example and prints what its comment says', async () => {
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  // The example is plain JavaScript apart from its import line.
  const imports = /import \{([^}]*)\} from '@derrick\/wast';/.exec(code!)![1]!.split(',').map((s) => s.trim());
  const body = code!.replace(/^import .*$/gm, '');
  const printed: string[] = [];
  const fakeConsole = { log: (...args: unknown[]) => printed.push(args.join(' ')) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
  const api = wast as unknown as Record<string, unknown>;
  await new AsyncFunction('console', ...imports, body)(fakeConsole, ...imports.map((name) => api[name]));
  const promised = /console\.log\(.*\); \/\/ (.*)$/m.exec(code!)![1];
  expect(printed).toEqual([promised]);
});
