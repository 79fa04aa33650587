import { ValType } from '@derrick/environ';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from './errors.js';
import { type Val, defaultVal, f32FromBits, f32ToBits, f64FromBits, f64ToBits, fromVal, toVal } from './values.js';

const notFunc = () => false;

describe('values', () => {
  it('converts JS values to Vals by type, strictly', () => {
    expect(toVal(ValType.I32, 0xffff_ffff, 'x', notFunc)).toEqual({ type: 'i32', value: -1 });
    expect(toVal(ValType.I64, 5, 'x', notFunc)).toEqual({ type: 'i64', value: 5n });
    expect(toVal(ValType.I64, 2n ** 64n - 1n, 'x', notFunc)).toEqual({ type: 'i64', value: -1n });
    expect(toVal(ValType.F32, 1.5, 'x', notFunc)).toEqual({ type: 'f32', bits: 0x3fc00000 });
    expect(toVal(ValType.F64, -0, 'x', notFunc)).toEqual({ type: 'f64', bits: 0x8000_0000_0000_0000n });
    expect(toVal(ValType.V128, 0x0102n, 'x', notFunc)).toEqual({ type: 'v128', bytes: Uint8Array.of(2, 1, ...new Array(14).fill(0)) });
    expect(toVal(ValType.ExternRef, undefined, 'x', notFunc)).toEqual({ type: 'externref', value: undefined });
    expect(toVal(ValType.FuncRef, null, 'x', notFunc)).toEqual({ type: 'funcref', value: null });
    for (const [t, v] of [
      [ValType.I32, 1.5],
      [ValType.I32, 1n],
      [ValType.I64, 1.5],
      [ValType.F32, 1n],
      [ValType.V128, new Uint8Array(15)],
      [ValType.FuncRef, {}],
    ] as const) {
      expect(() => toVal(t, v, 'argument 0', notFunc)).toThrow(RuntimeError);
    }
    expect(() => toVal(ValType.I32, 'a', 'argument 3', notFunc)).toThrow(/^argument 3: expected a value of type i32, got a \(string\)$/);
  });

  it('converts Vals to JS values', () => {
    const cases: [Val, unknown][] = [
      [{ type: 'i32', value: -1 }, -1],
      [{ type: 'i64', value: -1n }, -1n],
      [{ type: 'f32', bits: 0x3fc00000 }, 1.5],
      [{ type: 'f64', bits: 0x3ff8_0000_0000_0000n }, 1.5],
      [{ type: 'externref', value: 'x' }, 'x'],
    ];
    for (const [v, js] of cases) expect(fromVal(v)).toBe(js);
    expect(defaultVal(ValType.V128)).toEqual({ type: 'v128', bytes: new Uint8Array(16) });
    expect(defaultVal(ValType.FuncRef)).toEqual({ type: 'funcref', value: null });
  });

  it('keeps float bits through the bit helpers', () => {
    expect(f32ToBits(f32FromBits(0x3f80_0000))).toBe(0x3f80_0000);
    expect(f64ToBits(f64FromBits(0x7ff8_0000_0000_0001n))).toBe(0x7ff8_0000_0000_0001n);
    expect(f64ToBits(-0)).toBe(0x8000_0000_0000_0000n);
  });
});
