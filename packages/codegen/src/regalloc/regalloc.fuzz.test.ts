/**
 * The allocator fuzzer: random valid SSA functions (fuzzing.ts) through the
 * allocator and the checker, for a bounded time per configuration.
 *
 * Knobs (environment): REGALLOC_FUZZ_SCALE multiplies the time budgets (e.g.
 * 10 for a long local run), REGALLOC_FUZZ_SEED sets the first seed, and
 * REGALLOC_FUZZ_DUMP names a file that receives the failing function with its
 * allocation. A failure message names the seed; rerun it with the same knobs.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAllocation, formatFunction } from './checker.js';
import type { RegAllocOutput } from './function.js';
import {
  DEFAULT_FUZZ_OPTIONS,
  REALISTIC_FUZZ_OPTIONS,
  Rng,
  randomFunction,
  randomMachine,
  x64LikeMachine,
  type FuzzFunctionOptions,
  type FuzzMachine,
} from './fuzzing.js';
import { RegisterAllocator } from './regalloc.js';
import { validateFunction } from './validate.js';

const SCALE = Number(process.env.REGALLOC_FUZZ_SCALE ?? 1);
const SEED0 = Number(process.env.REGALLOC_FUZZ_SEED ?? 1);
/** Vitest's timeout for a test with the given budget: the budget, scaled, plus a minute of slack. */
const timeout = (budgetMs: number): number => budgetMs * SCALE + 60_000;

function fuzz(name: string, budgetMs: number, machine: (rng: Rng) => FuzzMachine, options: FuzzFunctionOptions): void {
  const ra = new RegisterAllocator();
  const t0 = performance.now();
  let n = 0;
  let insts = 0;
  for (let seed = SEED0; performance.now() - t0 < budgetMs * SCALE; seed++, n++) {
    const rng = new Rng(seed);
    const m = machine(rng);
    const f = randomFunction(rng, m, options);
    validateFunction(f, m.env);
    insts += f.numInsts;
    let out: RegAllocOutput | undefined;
    try {
      out = ra.run(f, m.env);
      checkAllocation(f, m.env, out);
    } catch (e) {
      const msg: string = `${name}, seed ${seed}: ${(e as Error).message}\n${formatFunction(f, out)}`;
      if (process.env.REGALLOC_FUZZ_DUMP) writeFileSync(process.env.REGALLOC_FUZZ_DUMP, msg);
      expect.fail(msg.slice(0, 6000));
    }
  }
  console.log(`regalloc fuzz (${name}): ${n} functions, ${insts} instructions checked in ${(performance.now() - t0).toFixed(0)} ms`);
  expect(n).toBeGreaterThan(0);
}

describe('regalloc fuzzer', () => {
  it('tiny machines (2-4 registers per class): every operand form, random CFGs and layouts', () => {
    fuzz('tiny machines', 5000, randomMachine, DEFAULT_FUZZ_OPTIONS);
  }, timeout(5000));

  it('larger functions (up to 40 blocks of 20 instructions) on tiny machines', () => {
    fuzz('larger functions', 2500, randomMachine, { ...DEFAULT_FUZZ_OPTIONS, maxBlocks: 40, maxInstsPerBlock: 20 });
  }, timeout(2500));

  it('an x86-64-like machine with compiled-code-like functions', () => {
    const m = x64LikeMachine();
    fuzz('x64-like', 1500, () => m, { ...REALISTIC_FUZZ_OPTIONS, maxBlocks: 30, maxInstsPerBlock: 20 });
  }, timeout(1500));
});
