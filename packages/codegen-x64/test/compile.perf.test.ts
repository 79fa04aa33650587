/**
 * Compile throughput of the whole x64 backend (lower → allocate → emit) on
 * random functions of ~300 IR instructions. Reports the numbers; the floor
 * it asserts only catches an order-of-magnitude regression (the machine is
 * shared and noisy). See codegen's README, "Performance".
 */
import { defaultSharedFlags } from '@derrick/codegen';
import { expect, it } from 'vitest';
import { x64IsaBuilder } from '../src/index.js';
import { Rng, randomFunction } from '../../../tools/fuzz/src/random-function.js';
import { TEST_RUNTIME_ABI } from './native-harness.js';

it('compiles at a reasonable rate', () => {
  const isa = x64IsaBuilder().finish(defaultSharedFlags());
  const rng = new Rng(7);
  const funcs = Array.from({ length: 150 }, (_, k) => randomFunction(rng, `f${k}`, { traps: true, floats: true, fma: 'f32', size: 300 }));
  let insts = 0;
  for (const f of funcs) for (const b of f.layout.blockList()) for (let i = f.layout.firstInst(b); i >= 0; i = f.layout.nextInst(i)) insts++;
  let best = 0;
  let bytesPerSec = 0;
  for (let round = 0; round < 3; round++) {
    let bytes = 0;
    const t0 = performance.now();
    for (const f of funcs) bytes += isa.compileFunction(f.stencil, { runtimeAbi: TEST_RUNTIME_ABI }).code.length;
    const s = (performance.now() - t0) / 1000;
    if (insts / s > best) {
      best = insts / s;
      bytesPerSec = bytes / s;
    }
  }
  console.log(`x64 backend: ${(best / 1e6).toFixed(2)} M IR instructions/s, ${(bytesPerSec / 1e6).toFixed(2)} MB/s of machine code (${insts} IR instructions)`);
  expect(best).toBeGreaterThan(30_000);
});
