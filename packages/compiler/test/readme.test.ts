/**
 * The README's translation example is run: its `wat` block, translated,
 * prints exactly its `clif` block.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { printFunction, verifyFunction } from '@derrick/codegen-ir';
import { decodeModule } from '@derrick/environ';
import { watToBinary } from '@derrick/wast';
import { translateModule } from '../src/index.js';

const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

function block(lang: string): string {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme);
  if (m === null) throw new Error(`README has no ${lang} block`);
  return m[1]!;
}

it('README example: wat → IR', async () => {
  const t = decodeModule(await watToBinary(block('wat')));
  const funcs = translateModule(t);
  for (const f of funcs) expect(verifyFunction(f)).toEqual([]);
  expect(funcs.map((f) => printFunction(f)).join('\n')).toBe(block('clif'));
});
