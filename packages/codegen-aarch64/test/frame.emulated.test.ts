/**
 * Frames beyond the immediate forms, run in the emulator: a frame larger
 * than an `sub sp, sp, #imm12` (the x17 paths of the prologue, the stack
 * check and frame addressing), explicit stack slots zeroed by the prologue's
 * loop, many live values across a call (callee saves of x19–x28 and
 * d8–d15, spills), and deep recursion with large frames hitting the stack
 * check.
 */
import { defaultSharedFlags } from '@derrick/codegen';
import { parseFunctions, trapCodeName } from '@derrick/codegen-ir';
import { Aarch64Emulator } from '@derrick/jit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AArch64Isa, aarch64IsaBuilder } from '../src/index.js';
import { FakeRuntime, TEST_RUNTIME_ABI, TestModule, funcKey } from './emulator-harness.js';

const isa = aarch64IsaBuilder(undefined, { validateRegalloc: true }).finish(defaultSharedFlags()) as AArch64Isa;
const emu = Aarch64Emulator.shared();
let rt: FakeRuntime;
beforeAll(() => {
  rt = new FakeRuntime(emu);
});
afterAll(() => rt.dispose());

function build(src: string): TestModule {
  const items = [];
  for (const f of parseFunctions(src)) {
    items.push({ key: funcKey(f), code: isa.compileFunction(f.stencil, { runtimeAbi: TEST_RUNTIME_ABI }).apply(f.params) });
    items.push({ key: `entry:${funcKey(f)}`, code: isa.emitArrayToWasmTrampoline(f.signature, TEST_RUNTIME_ABI).apply(f.params) });
  }
  return TestModule.link(items);
}

function call(mod: TestModule, name: string, args: bigint[], n: number): { status: bigint; results: bigint[] } {
  args.forEach((a, k) => (rt.slots[2 * k] = BigInt.asUintN(64, a)));
  rt.resetStackLimit();
  const status = emu.arrayCallEntry(mod.address(`entry:${name}`), mod.memory).call(rt.vmctx.address, mod.address(name), rt.values.address, Math.max(args.length, n));
  return { status, results: Array.from({ length: n }, (_, k) => rt.slots[2 * k]!) };
}

it('a 70 000-byte frame: slots zeroed, addressed at far offsets', () => {
  const mod = build(`
function %big(i64 vmctx, i64) -> i64, i64, i64 wasmtime {
    ss0 = explicit_slot 70000
block0(v0: i64, v1: i64):
    stack_store v1, ss0+69992
    v2 = stack_load.i64 ss0+69992
    v3 = stack_load.i64 ss0+35000
    v4 = stack_addr.i64 ss0+69992
    v5 = load.i64 v4
    v6 = iadd v2, v5
    return v6, v3, v2
}`);
  try {
    expect(call(mod, 'big', [21n], 3)).toEqual({ status: 0n, results: [42n, 0n, 21n] });
  } finally {
    mod.dispose();
  }
});

it('values live across a call stay intact (callee saves, spills)', () => {
  const n = 24;
  const ints = Array.from({ length: n }, (_, k) => `    v${10 + k} = iadd_imm v1, ${k + 1}`).join('\n');
  const flts = Array.from({ length: n }, (_, k) => `    v${40 + k} = fadd v2, v2`).join('\n');
  let isum = 'v10';
  let fsum = 'v40';
  const sums: string[] = [];
  for (let k = 1; k < n; k++) {
    sums.push(`    v${100 + k} = iadd ${isum}, v${10 + k}`);
    isum = `v${100 + k}`;
    sums.push(`    v${200 + k} = fadd ${fsum}, v${40 + k}`);
    fsum = `v${200 + k}`;
  }
  const mod = build(`
function %clobber(i64 vmctx, i64, f64) -> i64, f64 wasmtime {
block0(v0: i64, v1: i64, v2: f64):
    v3 = iconst.i64 0
    v4 = f64const 0.0
    return v3, v4
}
function %keep(i64 vmctx, i64, f64) -> i64, f64 wasmtime {
    fn0 = colocated %clobber(i64 vmctx, i64, f64) -> i64, f64 wasmtime
block0(v0: i64, v1: i64, v2: f64):
${ints}
${flts}
    v8, v9 = call fn0(v0, v1, v2)
${sums.join('\n')}
    v300 = iadd ${isum}, v8
    v301 = fadd ${fsum}, v9
    return v300, v301
}`);
  try {
    const r = call(mod, 'keep', [1000n, 0x3ff0_0000_0000_0000n], 2);
    expect(r.status).toBe(0n);
    expect(r.results[0]).toBe(BigInt(n * 1000 + (n * (n + 1)) / 2));
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, r.results[1]!, true);
    expect(dv.getFloat64(0, true)).toBe(2 * n);
  } finally {
    mod.dispose();
  }
});

it('deep recursion with 5000-byte frames hits the stack check', () => {
  const mod = build(`
function %deep(i64 vmctx, i64) -> i64 wasmtime {
    ss0 = explicit_slot 5000
    fn0 = colocated %deep(i64 vmctx, i64) -> i64 wasmtime
block0(v0: i64, v1: i64):
    stack_store v1, ss0
    v2 = iadd_imm v1, 1
    v3 = call fn0(v0, v2)
    v4 = stack_load.i64 ss0
    v5 = iadd v3, v4
    return v5
}`);
  try {
    for (let k = 0; k < 3; k++) {
      expect(call(mod, 'deep', [0n], 1).status).toBe(1n);
      expect(trapCodeName(rt.trapCode)).toBe('stk_ovf');
      expect(rt.entrySp).toBe(0n);
    }
  } finally {
    mod.dispose();
  }
});
