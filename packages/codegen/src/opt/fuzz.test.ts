/**
 * Differential fuzzing of the mid-end: random functions (fuzzgen.ts) run on
 * the interpreter before and after `optimize`, on random inputs; results,
 * traps and the final heap contents must be identical, and the IR must
 * verify after every pass (`verify: true`). Seeded and time-bounded, so a
 * failure prints the seed that reproduces it.
 */
import { printFunction, verifyFunction } from '@derrick/codegen-ir';
import { describe, expect, it } from 'vitest';
import { Rng, generateFunction, randomArgs, runInFuzzEnv } from './fuzzgen.js';
import { type OptLevel, type OptStats, emptyStats, optimize } from './optimize.js';

// Longer or different runs: DERRICK_OPT_FUZZ_SECONDS=300 DERRICK_OPT_FUZZ_SEED=12345 pnpm vitest run …/fuzz.test.ts
const TIME_BUDGET_MS = 1000 * Number(process.env.DERRICK_OPT_FUZZ_SECONDS ?? 9);
const INPUTS_PER_FUNCTION = 6;
const BASE_SEED = Number(process.env.DERRICK_OPT_FUZZ_SEED ?? 0x5eed_0000);

function accumulate(total: OptStats, s: OptStats): void {
  for (const k of Object.keys(s) as (keyof OptStats)[]) {
    if (k === 'rules') {
      for (const [r, n] of Object.entries(s.rules)) total.rules[r] = (total.rules[r] ?? 0) + n;
    } else {
      (total[k] as number) += s[k] as number;
    }
  }
}

describe('mid-end differential fuzz', () => {
  it('optimized functions behave exactly like the originals', { timeout: TIME_BUDGET_MS + 60_000 }, () => {
    const start = Date.now();
    const total = emptyStats();
    let functions = 0;
    let runs = 0;
    let traps = 0;
    for (let i = 0; Date.now() - start < TIME_BUDGET_MS; i++) {
      const seed = BASE_SEED + i;
      const rng = new Rng(seed);
      const original = generateFunction(rng, 'f', { statements: 6 + rng.int(14), maxDepth: 2 });
      expect(verifyFunction(original).map((e) => e.text)).toEqual([]);
      const optimized = original.clone();
      const level: OptLevel = rng.chance(0.7) ? 'speed' : 'speed_and_size';
      let stats: OptStats;
      try {
        stats = optimize(optimized, { optLevel: level, verify: true });
      } catch (e) {
        throw new Error(`seed ${seed} (${level}): ${(e as Error).message}\n${printFunction(original)}`);
      }
      accumulate(total, stats);
      functions++;
      for (let k = 0; k < INPUTS_PER_FUNCTION; k++) {
        const args = randomArgs(rng, original);
        const memSeed = seed * 31 + k;
        const a = runInFuzzEnv(original, args, memSeed);
        if (a === undefined) continue;
        const b = runInFuzzEnv(optimized, args, memSeed);
        runs++;
        if ('trap' in a.result) traps++;
        const same = b !== undefined && JSON.stringify(a.result, big) === JSON.stringify(b.result, big) && bytesEqual(a.heap, b.heap);
        if (!same) {
          throw new Error(
            `seed ${seed} (${level}), args [${args.join(', ')}]: ` +
              `original ${JSON.stringify(a.result, big)}, optimized ${b === undefined ? 'step limit' : JSON.stringify(b.result, big)}` +
              `${b !== undefined && !bytesEqual(a.heap, b.heap) ? ' (heap differs)' : ''}\n` +
              `--- original\n${printFunction(original)}--- optimized\n${printFunction(optimized)}`,
          );
        }
      }
    }
    const ratio = total.instsBefore === 0 ? 0 : (100 * (total.instsBefore - total.instsAfter)) / total.instsBefore;
    console.log(
      `fuzz: ${functions} functions, ${runs} runs (${traps} trapped), ` +
        `insts ${total.instsBefore} -> ${total.instsAfter} (-${ratio.toFixed(1)}%), ` +
        `folded ${total.constantsFolded}, simplified ${total.simplified}, branches ${total.branchesSimplified}, ` +
        `merged ${total.gvnMerged}, dead ${total.deadInstsRemoved}, params ${total.blockParamsRemoved}, ` +
        `unreachable blocks ${total.unreachableBlocksRemoved}, hoisted ${total.licmHoisted} (${total.preheadersCreated} preheaders)`,
    );
    expect(functions).toBeGreaterThan(20);
    expect(runs).toBeGreaterThan(100);
  });
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
