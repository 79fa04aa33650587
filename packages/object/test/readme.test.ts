/** Runs the README's example so it never rots. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as lib from '../src/index.js';

const readme = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

it('the README example runs', async () => {
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  // The example is written to be valid JavaScript too; its imports become parameters.
  const body = block!.replace(/^import .*$/gm, '');
  const scope: Record<string, unknown> = { ...lib, assert };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<void>;
  await new AsyncFunction(...Object.keys(scope), body)(...Object.values(scope));
});
