/**
 * The malformed-module fuzz target's bounded run in CI (`pnpm test`), and
 * proof that its property can fail: an untyped exception planted in the
 * compile step is reported with the seed that reproduces it alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MalformedFuzzFailure, compileModule, mutatedModule, runMalformedFuzz } from './malformed.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const benchDir = path.resolve(repo, '../shared/bench');
const seeds = readdirSync(benchDir)
  .filter((f) => f.endsWith('.wasm'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(path.join(benchDir, f))));
const SEED = 0x6d616c;

describe('malformed-module fuzz target', () => {
  it('has seed modules that compile unmutated', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(8);
    for (const s of seeds) compileModule(s, 'x86_64');
  });

  it('bounded run: every mutated module compiles or gets a typed error (x86_64 and aarch64)', { timeout: 120_000 }, () => {
    const r = runMalformedFuzz({ seeds, seed: SEED, iterations: 400, triples: ['x86_64', 'aarch64'] });
    expect(r.iterations).toBe(400);
    // Both outcomes occur, so the run exercised the compilers and the decoder's errors.
    expect(r.compiled).toBeGreaterThan(0);
    expect((r.rejected['DecodeError'] ?? 0) + (r.rejected['ValidationError'] ?? 0)).toBeGreaterThan(0);
  });

  it('reports a planted untyped exception with the seed that reproduces it', () => {
    // The bug: a RangeError whenever the mutated module has an odd length.
    const compile = (bytes: Uint8Array, triple: string): void => {
      if (bytes.length % 2 === 1) throw new RangeError('planted');
      compileModule(bytes, triple);
    };
    let f: MalformedFuzzFailure | undefined;
    try {
      runMalformedFuzz({ seeds, seed: SEED, iterations: 200, compile });
    } catch (e) {
      if (e instanceof MalformedFuzzFailure) f = e;
      else throw e;
    }
    expect(f, 'the planted bug was not caught').toBeDefined();
    expect(f!.detail).toMatch(/untyped RangeError: planted/);
    expect(f!.bytes.length % 2).toBe(1);
    expect(f!.bytes).toEqual(mutatedModule(seeds, f!.seed));
    expect(() => runMalformedFuzz({ seeds, seed: f!.seed, iterations: 1, compile })).toThrow(MalformedFuzzFailure);
  });
});
