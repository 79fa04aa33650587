/**
 * Differential fuzzing: random IR functions (tools/fuzz/src/random-function.ts) run through
 * the reference interpreter and natively through the x64 backend, results
 * compared bitwise (traps by code; a generated NaN may differ only in sign:
 * x86's default NaN is negative, the interpreter's canonical NaN positive).
 * Seeded and time-bounded (about 4 s per ISA configuration); set
 * `DERRICK_FUZZ_SECONDS` / `DERRICK_FUZZ_SEED` to run longer or elsewhere.
 */
import { defaultSharedFlags } from '@derrick/codegen';
import { type CallResult, type Function, Interpreter, type Type, parseFunction, printFunction } from '@derrick/codegen-ir';
import { hostX64Features } from '@derrick/jit';
import { describe, expect, it } from 'vitest';
import { type X64Isa, X64_SETTINGS, x64IsaBuilder } from '../src/index.js';
import { HELPER_CLIF, Rng, randomFunction, randomValue } from '../../../tools/fuzz/src/random-function.js';
import { FakeRuntime, TEST_RUNTIME_ABI, TestModule, addVmctxParam, funcKey } from './native-harness.js';

const SECONDS = Number(process.env.DERRICK_FUZZ_SECONDS ?? 4);
const SEED = Number(process.env.DERRICK_FUZZ_SEED ?? 20240601);

function isaWith(all: boolean): X64Isa {
  const b = x64IsaBuilder(undefined, { validateRegalloc: true });
  if (all) {
    const host = hostX64Features() as unknown as Record<string, boolean>;
    for (const d of X64_SETTINGS.settings) if (host[d.name]) b.settings.enable(d.name);
  }
  return b.finish(defaultSharedFlags()) as X64Isa;
}

/** Canonical (quiet, zero payload) NaN of a float type, without the sign bit. */
const CANON: Record<number, [bigint, bigint]> = { 7: [0x7fc0_0000n, 0x8000_0000n], 8: [0x7ff8_0000_0000_0000n, 0x8000_0000_0000_0000n] };

/** Bitwise equal, except that a canonical NaN matches a canonical NaN of either sign (generated NaNs). */
function same(exp: CallResult, act: CallResult, types: readonly Type[]): boolean {
  if ('trap' in exp || 'trap' in act) return 'trap' in exp && 'trap' in act && exp.trap === act.trap;
  return exp.values.every((v, i) => {
    const a = act.values[i]!;
    if (v === a) return true;
    const c = CANON[types[i]!];
    return c !== undefined && (v & ~c[1]) === c[0] && (a & ~c[1]) === c[0];
  });
}

function fuzz(isa: X64Isa, seed: number, withFma: boolean): { functions: number; runs: number } {
  const rng = new Rng(seed);
  const rt = new FakeRuntime();
  const deadline = Date.now() + SECONDS * 1000;
  let functions = 0;
  let runs = 0;
  try {
    for (let batch = 0; Date.now() < deadline; batch++) {
      const cases: { f: Function; text: string; args: bigint[][]; expected: CallResult[]; types: Type[] }[] = [];
      for (let k = 0; k < 40; k++) {
        const f = randomFunction(rng, `f${batch}_${k}`, { traps: rng.chance(0.5), floats: rng.chance(0.8), fma: withFma ? 'all' : 'f32', calls: rng.chance(0.3) });
        const text = printFunction(f);
        const interp = new Interpreter([f, parseFunction(HELPER_CLIF)]);
        const args: bigint[][] = [];
        const expected: CallResult[] = [];
        for (let r = 0; r < 6; r++) {
          const a = f.signature.params.map((p) => randomValue(rng, p.type));
          args.push(a);
          expected.push(interp.callFunction(f, a));
        }
        cases.push({ f, text, args, expected, types: f.signature.returns.map((r) => r.type) });
      }
      const helper = parseFunction(HELPER_CLIF);
      addVmctxParam(helper);
      const items = [{ key: 'helper', code: isa.compileFunction(helper.stencil, { runtimeAbi: TEST_RUNTIME_ABI }).apply(helper.params) }];
      for (const c of cases) {
        addVmctxParam(c.f);
        let code;
        try {
          code = isa.compileFunction(c.f.stencil, { runtimeAbi: TEST_RUNTIME_ABI }).apply(c.f.params);
        } catch (e) {
          throw new Error(`compiling ${funcKey(c.f)} failed: ${(e as Error).message}\n${c.text}`);
        }
        items.push({ key: funcKey(c.f), code });
        items.push({ key: `entry:${funcKey(c.f)}`, code: isa.emitArrayToWasmTrampoline(c.f.signature, TEST_RUNTIME_ABI).apply(c.f.params) });
      }
      const mod = TestModule.link(items);
      try {
        for (const c of cases) {
          functions++;
          const key = funcKey(c.f);
          const entry = mod.entry(`entry:${key}`);
          for (let r = 0; r < c.args.length; r++) {
            const args = c.args[r]!;
            args.forEach((v, k) => (rt.slots[2 * k] = v));
            rt.resetStackLimit();
            const status = entry.call(rt.vmctx.address, mod.address(key), rt.values.address, Math.max(args.length, c.types.length));
            const actual: CallResult = status === 0n ? { values: c.types.map((t, i) => BigInt.asUintN(t === 7 ? 32 : t === 8 ? 64 : t === 1 ? 8 : t === 2 ? 16 : t === 3 ? 32 : 64, rt.slots[2 * i]!)) } : { trap: trapName(rt.trapCode) };
            runs++;
            if (!same(c.expected[r]!, actual, c.types)) {
              throw new Error(`mismatch for ${key}(${args.map((a) => '0x' + a.toString(16)).join(', ')}): interpreter ${JSON.stringify(c.expected[r], replacer)}, native ${JSON.stringify(actual, replacer)}\n${c.text}`);
            }
          }
        }
      } finally {
        mod.dispose();
      }
    }
  } finally {
    rt.dispose();
  }
  return { functions, runs };
}

import { trapCodeName } from '@derrick/codegen-ir';
const trapName = (c: number): string => trapCodeName(c);
const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? '0x' + v.toString(16) : v);

describe('differential fuzz: interpreter vs native x64', () => {
  it('baseline ISA flags', () => {
    const r = fuzz(isaWith(false), SEED, false);
    console.log(`baseline: ${r.functions} functions, ${r.runs} runs agree`);
    expect(r.runs).toBeGreaterThan(0);
  });
  it('all host ISA flags', () => {
    const isa = isaWith(true);
    const r = fuzz(isa, SEED + 1, isa.isaFlags.get('has_fma'));
    console.log(`all flags: ${r.functions} functions, ${r.runs} runs agree`);
    expect(r.runs).toBeGreaterThan(0);
  });
});
