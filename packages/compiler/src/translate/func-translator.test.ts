import { describe, expect, it } from 'vitest';
import { Interpreter, type Function as IrFunction, printFunction, stencilEquals, verifyFunction } from '@derrick/codegen-ir';
import { ValType, decodeModule, type ModuleTranslation } from '@derrick/environ';
import { watToBinary } from '@derrick/wast';
import { FuncTranslator, SIMD_UNSUPPORTED, TranslateError, translateFunction, translateModule, vmOffsetsForModule, wasmSignature } from '../index.js';

async function module(wat: string): Promise<ModuleTranslation> {
  return decodeModule(await watToBinary(wat));
}

function verified(funcs: IrFunction[]): IrFunction[] {
  for (const f of funcs) expect(verifyFunction(f).map((e) => e.text)).toEqual([]);
  return funcs;
}

describe('signatures and names', () => {
  it('maps wasm types to the IR signature (vmctx first, refs as i64)', () => {
    const sig = wasmSignature({ params: [ValType.I32, ValType.FuncRef], results: [ValType.F64, ValType.ExternRef] });
    expect(sig.toString()).toBe('(i64 vmctx, i32, i64) -> f64, i64 wasmtime');
  });

  it('names the function u0:<index> and callees through the parameters', async () => {
    const t = await module(`(module
      (import "m" "f" (func $imp (param i32)))
      (func $a (param i32) (call $imp (local.get 0)))
      (func $b (call $a (i32.const 1))))`);
    const [a, b] = verified(translateModule(t));
    expect(a!.name.kind === 'user' && a!.name.name).toEqual({ namespace: 0, index: 1 });
    expect(b!.params.userNamedFuncs()).toEqual([{ namespace: 0, index: 1 }]);
    expect(printFunction(b!)).toContain('fn0 = colocated u0:1 sig0');
    // The imported callee is reached through the vmctx, not by name.
    expect(a!.params.userNamedFuncs()).toEqual([]);
    expect(printFunction(a!)).toMatch(/call_indirect sig0, v\d+\(v\d+, v1\)/);
  });
});

describe('stencils (mission M5)', () => {
  const wat = (k1: number, k2: number) => `(module
    (func $c1 (param i32) (result i32) (local.get 0))
    (func $c2 (param i32) (result i32) (i32.const 0))
    (func $pad (result i32) (i32.const 1) (i32.const 2) (i32.add) (i32.const 3) (i32.mul))
    (func $f (param i32) (result i32) (local i32)
      (local.set 1 (call $c1 (i32.add (local.get 0) (i32.const ${k1}))))
      (if (result i32) (local.get 1) (then (i32.const 5)) (else (call $c1 (local.get 1)))))
    (func $g (param i32) (result i32) (local i32)
      (local.set 1 (call $c2 (i32.add (local.get 0) (i32.const ${k2}))))
      (if (result i32) (local.get 1) (then (i32.const 5)) (else (call $c2 (local.get 1))))))`;

  it('identical bodies at different offsets calling different callees have equal stencils', async () => {
    const t = await module(wat(7, 7));
    const [, , , f, g] = verified(translateModule(t));
    expect(t.functionBodies[3]!.localsStart).not.toBe(t.functionBodies[4]!.localsStart);
    expect(stencilEquals(f!.stencil, g!.stencil)).toBe(true);
    // What differs lives in the parameters: the base location and the callee names.
    expect(f!.params.baseSrcLoc).toBe(t.functionBodies[3]!.localsStart);
    expect(g!.params.baseSrcLoc).toBe(t.functionBodies[4]!.localsStart);
    expect(f!.params.userNamedFuncs()).toEqual([{ namespace: 0, index: 0 }]);
    expect(g!.params.userNamedFuncs()).toEqual([{ namespace: 0, index: 1 }]);
  });

  it('a different constant gives a different stencil', async () => {
    const t = await module(wat(7, 8));
    const [, , , f, g] = translateModule(t);
    expect(stencilEquals(f!.stencil, g!.stencil)).toBe(false);
  });

  it('one translator gives the same stencil as a fresh one (no state leaks between functions)', async () => {
    const t = await module(wat(7, 7));
    const offsets = vmOffsetsForModule(t);
    const shared = new FuncTranslator();
    const viaShared = [0, 1, 2, 3, 4].map((i) => shared.translate(t, i, offsets));
    for (let i = 0; i < 5; i++) expect(stencilEquals(viaShared[i]!.stencil, translateFunction(t, i).stencil)).toBe(true);
  });
});

describe('SIMD', () => {
  it('rejects SIMD with a typed error and leaves other functions alone', async () => {
    const t = await module(`(module
      (func (result i32) (i32.const 1))
      (func (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))`);
    verified([translateFunction(t, 0)]);
    let err: unknown;
    try {
      translateFunction(t, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TranslateError);
    expect((err as TranslateError).kind).toBe('unsupported');
    expect((err as TranslateError).reason).toBe(SIMD_UNSUPPORTED);
    expect((err as TranslateError).funcIndex).toBe(1);
    expect((err as TranslateError).message).toMatch(/^SIMD is not supported by the translator yet \(function 1, at offset 0x[0-9a-f]+\)$/);
  });

  it('rejects v128 parameters the same way', async () => {
    const t = await module(`(module (func (param v128)))`);
    expect(() => translateFunction(t, 0)).toThrow(SIMD_UNSUPPORTED);
  });
});

describe('semantics through the IR interpreter (functions that do not touch the vmctx)', () => {
  async function run(wat: string) {
    const t = await module(wat);
    const funcs = verified(translateModule(t));
    const interp = new Interpreter(funcs);
    return (name: string, args: bigint[]) => {
      const e = t.getExport(name)!;
      const r = interp.call(`u0:${e.index}`, [0n, ...args]);
      return 'trap' in r ? r.trap : r.values;
    };
  }

  it('fac, recursive and iterative', async () => {
    const call = await run(`(module
      (func $fac-rec (export "fac-rec") (param i64) (result i64)
        (if (result i64) (i64.eq (local.get 0) (i64.const 0))
          (then (i64.const 1))
          (else (i64.mul (local.get 0) (call $fac-rec (i64.sub (local.get 0) (i64.const 1)))))))
      (func (export "fac-iter") (param i64) (result i64) (local i64)
        (local.set 1 (i64.const 1))
        (block (loop
          (br_if 1 (i64.eqz (local.get 0)))
          (local.set 1 (i64.mul (local.get 0) (local.get 1)))
          (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
          (br 0)))
        (local.get 1)))`);
    expect(call('fac-rec', [20n])).toEqual([2432902008176640000n]);
    expect(call('fac-iter', [25n])).toEqual([7034535277573963776n]);
  });

  it('integer edge cases: division traps, shifts masked, rotates, counts', async () => {
    const call = await run(`(module
      (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
      (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
      (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
      (func (export "rotr") (param i64 i64) (result i64) (i64.rotr (local.get 0) (local.get 1)))
      (func (export "clz") (param i64) (result i64) (i64.clz (local.get 0)))
      (func (export "lt_u") (param i32 i32) (result i32) (i32.lt_u (local.get 0) (local.get 1)))
      (func (export "ext8") (param i64) (result i64) (i64.extend8_s (local.get 0))))`);
    expect(call('div_s', [7n, 0n])).toBe('int_divz');
    expect(call('div_s', [0x8000_0000n, 0xffff_ffffn])).toBe('int_ovf');
    expect(call('rem_s', [0x8000_0000n, 0xffff_ffffn])).toEqual([0n]);
    expect(call('shl', [1n, 33n])).toEqual([2n]);
    expect(call('rotr', [1n, 65n])).toEqual([0x8000_0000_0000_0000n]);
    expect(call('clz', [1n])).toEqual([63n]);
    expect(call('lt_u', [1n, 0xffff_ffffn])).toEqual([1n]);
    expect(call('ext8', [0x80n])).toEqual([0xffff_ffff_ffff_ff80n]);
  });

  it('float conversions: trapping and saturating truncation, nearest', async () => {
    const call = await run(`(module
      (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
      (func (export "trunc_sat") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
      (func (export "nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
      (func (export "min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1))))`);
    const f32 = (x: number) => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]!);
    const f64 = (x: number) => new BigUint64Array(new Float64Array([x]).buffer)[0]!;
    expect(call('trunc', [f32(-3.9)])).toEqual([0xffff_fffdn]);
    expect(call('trunc', [f32(NaN)])).toBe('bad_toint');
    expect(call('trunc', [f32(3e9)])).toBe('int_ovf');
    expect(call('trunc_sat', [f64(-5)])).toEqual([0n]);
    expect(call('trunc_sat', [f64(1e20)])).toEqual([0xffff_ffffn]);
    expect(call('nearest', [f64(2.5)])).toEqual([f64(2)]);
    expect(call('min', [f32(0), f32(-0)])).toEqual([f32(-0)]);
  });

  it('multi-value blocks, br_table with values, loops with parameters', async () => {
    const call = await run(`(module
      (func (export "swap") (param i32 i32) (result i32 i32)
        (local.get 0) (local.get 1)
        (block (param i32 i32) (result i32 i32) (local.set 0) (local.set 1) (local.get 0) (local.get 1)))
      (func (export "pick") (param i32) (result i32)
        (block (result i32) (block (result i32) (block (result i32)
          (i32.const 100) (local.get 0) (br_table 0 1 2))
          (i32.const 1) (i32.add) (return)) (i32.const 2) (i32.add) (return)))
      (func (export "sum") (param i32) (result i32)
        (i32.const 0) (local.get 0)
        (loop (param i32 i32) (result i32 i32)
          (local.set 0) (local.get 0) (i32.add)
          (local.get 0) (i32.const 1) (i32.sub) (local.tee 0)
          (local.get 0) (br_if 0))
        (drop)))`);
    expect(call('swap', [1n, 2n])).toEqual([2n, 1n]);
    expect(call('pick', [0n])).toEqual([101n]);
    expect(call('pick', [1n])).toEqual([102n]);
    expect(call('pick', [9n])).toEqual([100n]);
    expect(call('sum', [10n])).toEqual([55n]);
  });
});

describe('IR shape', () => {
  it('bounds-checks a load as the execution model specifies', async () => {
    const t = await module(`(module (memory 1) (func (param i32) (result i32) (i32.load offset=16 (local.get 0))))`);
    const text = printFunction(verified(translateModule(t))[0]!);
    const o = vmOffsetsForModule(t).definedMemory(0);
    // addr + 20 > length, as addr > length − 20 (signed: AdjustedBound).
    expect(text).toContain('v2 = uextend.i64 v1');
    expect(text).toContain(`v3 = load.i64 notrap aligned vmctx v0+${o + 8}`);
    expect(text).toContain('v4 = iadd_imm v3, -20');
    expect(text).toContain('v5 = icmp sgt v2, v4');
    expect(text).toContain('trapnz v5, heap_oob');
    expect(text).toContain(`v6 = load.i64 notrap aligned readonly vmctx v0+${o}`);
    expect(text).toContain('v8 = load.i32 notrap little heap v7+16');
  });

  it('shares one adjusted bound between the accesses of a block with the same end', async () => {
    const t = await module(`(module (memory 1) (func (param i32 i32) (result i32)
      (i32.add (i32.add (i32.load offset=4 (local.get 0)) (i32.load offset=4 (local.get 1)))
               (i32.load offset=8 (local.get 1)))))`);
    const text = printFunction(verified(translateModule(t))[0]!);
    const count = (re: RegExp) => (text.match(re) ?? []).length;
    expect(count(/= iadd_imm v\d+, -8\n/g)).toBe(1); // end 8: both addresses share it
    expect(count(/= iadd_imm v\d+, -12\n/g)).toBe(1); // end 12: its own
    expect(count(/icmp sgt/g)).toBe(3); // one compare per (address, end) not implied by an earlier one
  });

  it('reuses vmctx loads within a block and reloads the length after a call', async () => {
    const t = await module(`(module (memory 1)
      (func $f)
      (func (param i32) (result i32)
        (i32.load (local.get 0)) (i32.load offset=4 (local.get 0)) (i32.add)
        (call $f)
        (i32.load offset=8 (local.get 0)) (i32.add)))`);
    const text = printFunction(verified(translateModule(t))[1]!);
    const o = vmOffsetsForModule(t).definedMemory(0);
    const count = (s: string) => text.split(s).length - 1;
    expect(count(`vmctx v0+${o + 8}`)).toBe(2); // length: once before the call, once after
    expect(count(`readonly vmctx v0+${o}\n`)).toBe(1); // base: never moves
  });

  it('translates an imported memory through its definition pointer', async () => {
    const t = await module(`(module (import "m" "mem" (memory 1)) (func (result i32) (memory.size)))`);
    const text = printFunction(verified(translateModule(t))[0]!);
    const p = vmOffsetsForModule(t).importedMemory(0);
    expect(text).toContain(`v1 = load.i64 notrap aligned readonly vmctx v0+${p}`);
    expect(text).toContain('v2 = load.i64 notrap aligned vmctx v1+8');
    expect(text).toContain('v3 = ushr_imm v2, 16');
    expect(text).toContain('v4 = ireduce.i32 v3');
  });

  it('feeds a comparison straight into br_if/if/select, extends it otherwise', async () => {
    const t = await module(`(module
      (func (param i32 i32) (result i32)
        (block (br_if 0 (i32.lt_s (local.get 0) (local.get 1))))
        (select (local.get 0) (local.get 1) (f32.lt (f32.const 1) (f32.const 2)))
        (i32.eqz (local.get 0))
        (i32.add)))`);
    const text = printFunction(verified(translateModule(t))[0]!);
    expect(text).toMatch(/v3 = icmp slt v1, v2\n.*brif v3, /);
    expect(text).toMatch(/v(\d+) = fcmp lt v\d+, v\d+\n.*= select(\.i32)? v\1, v1, v2/);
    expect(text).toMatch(/v(\d+) = icmp_imm(\.i32)? eq v1, 0\n.*= uextend.i32 v\1/);
  });

  it('calls builtins through vmctx.builtins with the system_v signature and checks their result', async () => {
    const t = await module(`(module (memory 1) (table 1 externref)
      (func (param i32) (result i32) (memory.fill (local.get 0) (i32.const 0) (i32.const 8)) (memory.grow (local.get 0)))
      (func (param externref) (result i32) (table.grow (local.get 0) (i32.const 2))))`);
    const [mem, tab] = verified(translateModule(t)).map((f) => printFunction(f));
    const o = vmOffsetsForModule(t);
    expect(mem).toContain('sig0 = (i64 vmctx, i32, i64, i32, i64) -> i32 system_v');
    expect(mem).toContain('sig1 = (i64 vmctx, i32, i64) -> i64 system_v');
    expect(mem).toContain(`load.i64 notrap aligned readonly vmctx v0+${o.builtins}`);
    expect(mem).toMatch(/v(\d+) = call_indirect sig0, v\d+\(v0, .*\)\n.*trapnz v\1, heap_oob/);
    expect(mem).toMatch(/v(\d+) = call_indirect sig1, .*\n.*= ireduce.i32 v\1/);
    expect(tab).toContain('sig0 = (i64 vmctx, i32, i64, i64) -> i64 system_v');
    expect(tab).toMatch(/load.i64 notrap aligned readonly vmctx v\d+\+40\n/); // Builtin.TableGrow * 8
  });

  it('checks call_indirect: bounds, null, signature, then calls with the callee vmctx', async () => {
    const t = await module(`(module (type $t (func (param i64) (result i64))) (table 4 funcref)
      (func (param i32) (result i64) (call_indirect (type $t) (i64.const 9) (local.get 0))))`);
    const text = printFunction(verified(translateModule(t))[0]!);
    const o = vmOffsetsForModule(t);
    const lines = text.split('\n').map((l) => l.replace(/^@\w+\s+/, '').trim());
    const expected = [
      'v3 = uextend.i64 v1',
      `v4 = load.i64 notrap aligned vmctx v0+${o.definedTable(0) + 8}`,
      'v5 = icmp uge v3, v4',
      'trapnz v5, table_oob',
      `v6 = load.i64 notrap aligned vmctx v0+${o.definedTable(0)}`,
      'v7 = ishl_imm v3, 3',
      'v8 = iadd v6, v7',
      'v9 = load.i64 notrap aligned table v8',
      'trapz v9, indirect_call_to_null',
      'v10 = load.i32 notrap aligned readonly vmctx v9+8',
      `v11 = load.i64 notrap aligned readonly vmctx v0+${o.typeIds}`,
      'v12 = load.i32 notrap aligned readonly vmctx v11',
      'v13 = icmp ne v10, v12',
      'trapnz v13, bad_sig',
      'v14 = load.i64 notrap aligned readonly vmctx v9',
      'v15 = load.i64 notrap aligned readonly vmctx v9+16',
      'v16 = call_indirect sig0, v14(v15, v2)',
    ];
    const start = lines.indexOf(expected[0]!);
    expect(lines.slice(start, start + expected.length)).toEqual(expected);
  });
});
