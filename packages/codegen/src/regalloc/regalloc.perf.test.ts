/**
 * Throughput of the allocator, printed (not asserted): instructions per
 * second on one large random function and on many small ones, with an
 * x86-64-like register file. Run alone for stable numbers:
 *   pnpm vitest run packages/codegen/src/regalloc/regalloc.perf.test.ts
 * (alongside other test files on a 2-core machine expect about half).
 */
import { describe, expect, it } from 'vitest';
import { checkAllocation } from './checker.js';
import { REALISTIC_FUZZ_OPTIONS, Rng, randomFunction, x64LikeMachine } from './fuzzing.js';
import type { RegAllocFunction } from './function.js';
import { RegisterAllocator } from './regalloc.js';

function measure(ra: RegisterAllocator, fs: RegAllocFunction[], env: ReturnType<typeof x64LikeMachine>['env'], minMs: number) {
  let insts = 0;
  for (const f of fs) insts += f.numInsts;
  // Warm up, then time whole passes until minMs elapsed.
  for (const f of fs) ra.run(f, env);
  let passes = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (const f of fs) ra.run(f, env);
    passes++;
    t = performance.now();
  }
  const secs = (t - t0) / 1000;
  return { insts, instsPerSec: (insts * passes) / secs, msPerPass: (t - t0) / passes };
}

describe('regalloc throughput', () => {
  it('large random function', () => {
    const m = x64LikeMachine();
    const rng = new Rng(777);
    const f = randomFunction(rng, m, { ...REALISTIC_FUZZ_OPTIONS, minBlocks: 3000, maxBlocks: 3000, maxInstsPerBlock: 30 });
    const ra = new RegisterAllocator();
    const out = ra.run(f, m.env);
    checkAllocation(f, m.env, out);
    const r = measure(ra, [f], m.env, 1000);
    console.log(
      `regalloc large: ${r.insts} insts, ${f.numBlocks} blocks, ${f.numVRegs} vregs: ` +
        `${(r.instsPerSec / 1e6).toFixed(2)} M insts/s (${r.msPerPass.toFixed(1)} ms/function); ` +
        `${(out.numEdits / f.numInsts).toFixed(2)} edits/inst, spilled vregs ${out.stats.spilledVRegs}, splits ${out.stats.splits}`,
    );
    expect(r.instsPerSec).toBeGreaterThan(0);
  });

  it('many small functions', () => {
    const m = x64LikeMachine();
    const rng = new Rng(777);
    const fs: RegAllocFunction[] = [];
    for (let i = 0; i < 2000; i++) fs.push(randomFunction(rng, m, REALISTIC_FUZZ_OPTIONS));
    const ra = new RegisterAllocator();
    const r = measure(ra, fs, m.env, 1000);
    console.log(
      `regalloc small: ${fs.length} functions, ${r.insts} insts: ${(r.instsPerSec / 1e6).toFixed(2)} M insts/s ` +
        `(${((r.msPerPass * 1000) / fs.length).toFixed(1)} µs/function)`,
    );
    expect(r.instsPerSec).toBeGreaterThan(0);
  });
});
