/**
 * Differential fuzzing: random IR functions (tools/fuzz/src/random-function.ts,
 * which is ISA-independent) run through the reference interpreter and
 * through the AArch64 backend in the emulator, results compared bitwise
 * (traps by code; a NaN result matches any NaN — see `same`).
 * Seeded and time-bounded (about 4 s per ISA configuration); set
 * `DERRICK_FUZZ_SECONDS` / `DERRICK_FUZZ_SEED` to run longer or elsewhere.
 */
import { defaultSharedFlags } from '@derrick/codegen';
import { type CallResult, type Function, Interpreter, type Type, parseFunction, printFunction } from '@derrick/codegen-ir';
import { Aarch64Emulator } from '@derrick/jit';
import { describe, expect, it } from 'vitest';
import { type AArch64Isa, aarch64IsaBuilder } from '../src/index.js';
import { HELPER_CLIF, Rng, randomFunction, randomValue } from '../../../tools/fuzz/src/random-function.js';
import { FakeRuntime, TEST_RUNTIME_ABI, TestModule, addVmctxParam, funcKey } from './emulator-harness.js';

const SECONDS = Number(process.env.DERRICK_FUZZ_SECONDS ?? 4);
const SEED = Number(process.env.DERRICK_FUZZ_SEED ?? 20240601);

const emu = Aarch64Emulator.shared();

/** Canonical (quiet, zero payload) NaN of a float type, without the sign bit. */
const CANON: Record<number, [bigint, bigint]> = { 7: [0x7fc0_0000n, 0x8000_0000n], 8: [0x7ff8_0000_0000_0000n, 0x8000_0000_0000_0000n] };

/** Bitwise equal, except that a canonical NaN matches a canonical NaN of either sign (generated NaNs). */
function same(exp: CallResult, act: CallResult, types: readonly Type[]): boolean {
  if ('trap' in exp || 'trap' in act) return 'trap' in exp && 'trap' in act && exp.trap === act.trap;
  return exp.values.every((v, i) => {
    const a = act.values[i]!;
    if (v === a) return true;
    // Any NaN matches any NaN: AArch64 propagates the first *signaling* NaN
    // operand (quieted) before any quiet one, the interpreter (like x86) the
    // first NaN operand — wasm allows either. (fneg/fabs/copysign/bitcast
    // on NaNs are checked bit for bit by the run tests.)
    if (CANON[types[i]!] === undefined) return false;
    const bits = types[i] === 7 ? 32 : 64;
    const exp = bits === 32 ? 0x7f80_0000n : 0x7ff0_0000_0000_0000n;
    const frac = bits === 32 ? 0x7f_ffffn : 0xf_ffff_ffff_ffffn;
    const isNan = (x: bigint): boolean => (x & exp) === exp && (x & frac) !== 0n;
    return isNan(v) && isNan(a);
  });
}

function fuzz(isa: AArch64Isa, seed: number, withFma: boolean): { functions: number; runs: number } {
  const rng = new Rng(seed);
  const rt = new FakeRuntime(emu);
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
          const entry = emu.arrayCallEntry(mod.address(`entry:${key}`), mod.memory);
          for (let r = 0; r < c.args.length; r++) {
            const args = c.args[r]!;
            args.forEach((v, k) => (rt.slots[2 * k] = v));
            rt.resetStackLimit();
            const status = entry.call(rt.vmctx.address, mod.address(key), rt.values.address, Math.max(args.length, c.types.length));
            const actual: CallResult = status === 0n ? { values: c.types.map((t, i) => BigInt.asUintN(t === 7 ? 32 : t === 8 ? 64 : t === 1 ? 8 : t === 2 ? 16 : t === 3 ? 32 : 64, rt.slots[2 * i]!)) } : { trap: trapName(rt.trapCode) };
            runs++;
            if (!same(c.expected[r]!, actual, c.types)) {
              throw new Error(`mismatch for ${key}(${args.map((a) => '0x' + a.toString(16)).join(', ')}): interpreter ${JSON.stringify(c.expected[r], replacer)}, emulated ${JSON.stringify(actual, replacer)}\n${c.text}`);
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

describe('differential fuzz: interpreter vs emulated aarch64', () => {
  it('aarch64 (fma included: fmadd is base AArch64)', () => {
    const isa = aarch64IsaBuilder(undefined, { validateRegalloc: true }).finish(defaultSharedFlags()) as AArch64Isa;
    const r = fuzz(isa, SEED, true);
    console.log(`aarch64: ${r.functions} functions, ${r.runs} runs agree`);
    expect(r.runs).toBeGreaterThan(0);
  });
});
