/**
 * Measurements, printed and not asserted (the machine is shared: expect
 * ±30% noise on times):
 *
 * 1. Throughput: instructions per second through `optimize` on random
 *    functions of translator-like shape (fuzzgen.ts). Under vitest every
 *    imported binding is a getter, so this reads lower than the same code
 *    bundled and run by plain node (see src/opt/README.md for both).
 * 2. What the pipeline buys at run time: instructions the interpreter
 *    executes for the same calls, unoptimized, optimized without LICM, and
 *    optimized with LICM.
 */
import { type Function, Interpreter } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { FUZZ_HEAP_SIZE, FUZZ_VMCTX_SIZE, Rng, generateFunction, randomArgs } from './fuzzgen.js';
import { countInsts, optimize } from './optimize.js';

function corpus(n: number, statements: number, seed: number): Function[] {
  const rng = new Rng(seed);
  const out: Function[] = [];
  for (let i = 0; i < n; i++) out.push(generateFunction(rng, `f${i}`, { statements, maxDepth: 2 }));
  return out;
}

/** Instructions the interpreter executed for one call (its step counter is private; read for measurement only). */
function executed(func: Function, args: readonly bigint[]): number {
  const interp = new Interpreter([func], { maxSteps: 1_000_000 });
  const vmctx = interp.memory.allocate(FUZZ_VMCTX_SIZE);
  const heap = interp.memory.allocate(FUZZ_HEAP_SIZE);
  new DataView(interp.memory.regionBytes(vmctx).buffer, interp.memory.regionBytes(vmctx).byteOffset).setBigUint64(0, BigInt(heap), true);
  new DataView(interp.memory.regionBytes(vmctx).buffer, interp.memory.regionBytes(vmctx).byteOffset).setBigUint64(8, BigInt(FUZZ_HEAP_SIZE), true);
  interp.defineHostFunction('host', (a) => [BigInt.asUintN(32, a[1]! + 1n)]);
  try {
    interp.callFunction(func, [BigInt(vmctx), ...args]);
  } catch {
    return 0;
  }
  return (interp as unknown as { steps: number }).steps;
}

describe('mid-end measurements', () => {
  it('throughput (instructions/s through optimize)', () => {
    const funcs = corpus(300, 40, 0x7470_7574);
    for (const f of corpus(100, 40, 1)) optimize(f, { optLevel: 'speed' }); // warm up the JIT
    let best = Infinity;
    let insts = 0;
    let after = 0;
    for (let rep = 0; rep < 3; rep++) {
      const copies = funcs.map((f) => f.clone());
      insts = copies.reduce((n, f) => n + countInsts(f), 0);
      after = 0;
      const t0 = performance.now();
      for (const f of copies) after += optimize(f, { optLevel: 'speed' }).instsAfter;
      best = Math.min(best, performance.now() - t0);
    }
    console.log(
      `mid-end throughput (vitest): ${funcs.length} functions, ${insts} instructions -> ${after} ` +
        `in ${best.toFixed(0)} ms = ${(insts / best / 1000).toFixed(2)} M instructions/s`,
    );
    expect(after).toBeLessThan(insts);
  });

  it('executed instructions: unoptimized, without LICM, with LICM', () => {
    const rng = new Rng(0x11c4);
    let base = 0;
    let noLicm = 0;
    let full = 0;
    let loops = 0;
    for (let i = 0; i < 300; i++) {
      const f = generateFunction(rng, 'f', { statements: 14, maxDepth: 2 });
      const a = f.clone();
      optimize(a, { optLevel: 'speed', licm: false });
      const b = f.clone();
      const s = optimize(b, { optLevel: 'speed' });
      if (s.licmHoisted === 0) continue;
      loops++;
      for (let k = 0; k < 4; k++) {
        const args = randomArgs(rng, f);
        const x = executed(f, args);
        const y = executed(a, args);
        const z = executed(b, args);
        if (x === 0 || y === 0 || z === 0) continue; // trapped or ran away: not comparable
        base += x;
        noLicm += y;
        full += z;
      }
    }
    const pct = (n: number): string => ((100 * n) / base).toFixed(1);
    console.log(
      `executed instructions over ${loops} functions with hoistable loops: unoptimized ${base}, ` +
        `optimized without LICM ${noLicm} (${pct(noLicm)}%), with LICM ${full} (${pct(full)}%)`,
    );
    expect(loops).toBeGreaterThan(0);
  });
});
