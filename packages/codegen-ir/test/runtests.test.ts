/**
 * Runs every `.clif` file in `test/runtests/` through `runClifTests` (the
 * interpreter) and checks the printer/parser round trip on each of them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRoundTrip, runClifTests } from '../src/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'runtests');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.clif'))
  .sort();

describe('clif run tests', () => {
  it('finds the run-test files', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    it(`${file}: every run command passes`, () => {
      const report = runClifTests(text, file);
      expect(report.failures.map((f) => f.message)).toEqual([]);
      expect(report.passed).toBeGreaterThan(0);
    });
    it(`${file}: print → parse → print is stable and stencils survive`, () => {
      expect(checkRoundTrip(text)).toEqual([]);
    });
  }
});
