import { describe, expect, it } from 'vitest';
import {
  CallConv,
  F32,
  F64,
  I32,
  I64,
  Interpreter,
  InterpreterError,
  Signature,
  describeValue,
  parseFunctions,
  toDataValue,
} from './index.js';

const VMCTX_PROGRAM = `
; A wasm-style function: a global at vmctx+8, a table of function pointers
; at vmctx+16 (8 entries), a callback into the host, and a heap access.
function u0:0(i64 vmctx, i32) -> i32 wasmtime {
    sig0 = (i64 vmctx, i32) -> i32 wasmtime
    sig1 = (i64 vmctx, i32) -> i32 system_v
    fn0 = u0:7 sig1
block0(v0: i64, v1: i32):
    v2 = load.i32 notrap aligned v0+8
    v3 = iadd v1, v2
    store notrap aligned v3, v0+8
    v4 = uextend.i64 v1
    v5 = ishl_imm v4, 3
    v6 = iadd v0, v5
    v7 = load.i64 notrap aligned v6+16
    trapz v7, indirect_call_to_null
    v8 = call_indirect sig0, v7(v0, v3)
    v9 = call fn0(v0, v8)
    return v9
}

function %inc(i64 vmctx, i32) -> i32 wasmtime {
block0(v0: i64, v1: i32):
    v2 = iadd_imm v1, 1
    return v2
}

function %spin(i32) -> i32 {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = iadd_imm v1, 1
    jump block1(v2)
}
`;

describe('Interpreter API', () => {
  it('runs against embedder memory, function pointers and host functions', () => {
    const interp = new Interpreter(parseFunctions(VMCTX_PROGRAM));
    const vmctx = interp.memory.allocate(16 + 8 * 8, 16);
    const bytes = new DataView(interp.memory.regionBytes(vmctx).buffer);
    bytes.setInt32(8, 1000, true); // the global
    bytes.setBigUint64(16 + 2 * 8, interp.functionAddress('inc'), true); // table[2] = %inc
    const seen: bigint[][] = [];
    interp.defineHostFunction('u0:7', (args) => {
      seen.push(args);
      return [args[1]! * 2n];
    });
    // global = 1000 + 2 = 1002; inc → 1003; host doubles → 2006.
    expect(interp.call('u0:0', [BigInt(vmctx), 2n])).toEqual({ values: [2006n] });
    expect(seen).toEqual([[BigInt(vmctx), 1003n]]);
    expect(bytes.getInt32(8, true)).toBe(1002);
    // table[0] is null: the program traps.
    expect(interp.call('u0:0', [BigInt(vmctx), 0n])).toEqual({ trap: 'indirect_call_to_null' });
    // Index 40 reads past the vmctx region: heap_oob (the flags say notrap, but
    // the interpreter still reports the fault).
    expect(interp.call('u0:0', [BigInt(vmctx), 40n])).toEqual({ trap: 'heap_oob' });
  });

  it('reports misuse as InterpreterError, not as a trap', () => {
    const interp = new Interpreter(parseFunctions(VMCTX_PROGRAM), { maxSteps: 10_000 });
    expect(() => interp.call('nope', [])).toThrow(InterpreterError);
    expect(() => interp.call('inc', [1n])).toThrow(/takes 2 arguments/);
    expect(() => interp.call('spin', [0n])).toThrow(/step limit/);
    const vmctx = interp.memory.allocate(80);
    // table[1] holds garbage that is not a function address.
    new DataView(interp.memory.regionBytes(vmctx).buffer).setBigUint64(24, 0x1234n, true);
    expect(() => interp.call('u0:0', [BigInt(vmctx), 1n])).toThrow(/not a function address/);
  });

  it('masks arguments to their types and frees stack slots on return and on trap', () => {
    const [f] = parseFunctions(`function %f(i8) -> i8 {
    ss0 = explicit_slot 64
block0(v0: i8):
    v1 = stack_addr.i64 ss0
    store v0, v1
    trapz v0, user2
    v2 = load.i8 v1
    return v2
}`);
    const interp = new Interpreter([f!]);
    expect(interp.call('f', [0x1ffn])).toEqual({ values: [0xffn] });
    expect(interp.call('f', [0x100n])).toEqual({ trap: 'user2' });
    // No leaked frames: a fresh allocation lands where the first frame was.
    const a = interp.memory.allocate(8);
    interp.memory.free(a);
    expect(interp.memory.allocate(8)).toBe(a);
  });

  it('converts between JS numbers and data values', () => {
    expect(toDataValue(-1, I32)).toBe(0xffff_ffffn);
    expect(toDataValue(-1n, I64)).toBe(0xffff_ffff_ffff_ffffn);
    expect(toDataValue(1.5, F32)).toBe(0x3fc0_0000n);
    expect(toDataValue(-0, F64)).toBe(0x8000_0000_0000_0000n);
    expect(describeValue(0xffff_ffffn, I32)).toBe('-1');
    expect(describeValue(0x3fc0_0000n, F32)).toBe('0x1.800000p0');
  });

  it('calls functions built for different calling conventions alike', () => {
    const [g] = parseFunctions(`function %g(f64) -> f64 system_v {
block0(v0: f64):
    v1 = fmul v0, v0
    return v1
}`);
    expect(g!.signature.callConv).toBe(CallConv.SystemV);
    expect(Signature.of([F64], [F64], CallConv.SystemV).equals(g!.signature)).toBe(true);
    expect(new Interpreter([g!]).call('g', [toDataValue(3, F64)])).toEqual({ values: [toDataValue(9, F64)] });
  });
});
