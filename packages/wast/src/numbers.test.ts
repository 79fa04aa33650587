import { describe, expect, it } from 'vitest';
import { parseF32, parseF64, parseI32, parseI64, parseIntLane } from './numbers.js';

const view = new DataView(new ArrayBuffer(8));
function f64Bits(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}
function f32Bits(x: number): number {
  view.setFloat32(0, x);
  return view.getUint32(0);
}

describe('integers', () => {
  it('parses decimal, hex, signs and underscores', () => {
    expect(parseI32('0')).toBe(0);
    expect(parseI32('+42')).toBe(42);
    expect(parseI32('-0x7fff_ffff')).toBe(-0x7fffffff);
    expect(parseI32('1_000_000')).toBe(1000000);
    expect(parseI32('0xFFFFFFFF')).toBe(-1);
    expect(parseI32('4294967295')).toBe(-1);
    expect(parseI32('-2147483648')).toBe(-2147483648);
    expect(parseI64('0xffff_ffff_ffff_ffff')).toBe(-1n);
    expect(parseI64('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseI64('18446744073709551615')).toBe(-1n);
  });

  it('rejects out-of-range values and malformed underscores', () => {
    expect(() => parseI32('4294967296')).toThrow(/out of range/);
    expect(() => parseI32('-2147483649')).toThrow(/out of range/);
    expect(() => parseI64('0x1_0000_0000_0000_0000')).toThrow(/out of range/);
    expect(() => parseI32('1__0')).toThrow();
    expect(() => parseI32('_1')).toThrow();
    expect(() => parseI32('1_')).toThrow();
    expect(() => parseI32('0x')).toThrow();
    expect(() => parseI32('1.0')).toThrow();
  });

  it('parses lanes in the signed-or-unsigned range of their width', () => {
    expect(parseIntLane('-128', 8)).toBe(0x80);
    expect(parseIntLane('255', 8)).toBe(0xff);
    expect(parseIntLane('-1', 16)).toBe(0xffff);
    expect(() => parseIntLane('256', 8)).toThrow(/out of range/);
    expect(() => parseIntLane('-129', 8)).toThrow(/out of range/);
  });
});

describe('floats', () => {
  it('parses special values to their bit patterns', () => {
    expect(parseF32('inf')).toBe(0x7f800000);
    expect(parseF32('-inf')).toBe(0xff800000);
    expect(parseF32('nan')).toBe(0x7fc00000);
    expect(parseF32('-nan')).toBe(0xffc00000);
    expect(parseF32('nan:0x200000')).toBe(0x7fa00000);
    expect(parseF32('-nan:0x7fffff')).toBe(0xffffffff);
    expect(parseF32('nan:0x1')).toBe(0x7f800001);
    expect(parseF64('nan:0x4000000000000')).toBe(0x7ff4000000000000n);
    expect(parseF64('-inf')).toBe(0xfff0000000000000n);
    expect(parseF32('-0')).toBe(0x80000000);
    expect(parseF64('-0.0')).toBe(0x8000000000000000n);
    expect(() => parseF32('nan:0x0')).toThrow(/out of range/);
    expect(() => parseF32('nan:0x800000')).toThrow(/out of range/);
  });

  it('parses hex floats exactly', () => {
    expect(parseF32('0x1p127')).toBe(0x7f000000);
    expect(parseF32('0x1.fffffep127')).toBe(0x7f7fffff);
    expect(parseF32('0x1p-149')).toBe(0x00000001);
    expect(parseF32('0x1p-126')).toBe(0x00800000);
    expect(parseF32('0x1.8')).toBe(f32Bits(1.5));
    expect(parseF32('0X1P0'.toLowerCase().replace('p', 'P'))).toBe(f32Bits(1));
    expect(parseF64('-0x1.921fb54442d18p+1')).toBe(f64Bits(-Math.PI));
    expect(() => parseF32('0x.8p1')).toThrow(); // the grammar needs a digit before the point
  });

  it('rounds hex floats to nearest, ties to even', () => {
    // 1 + 2^-24 is halfway between 1 and 1 + 2^-23: ties to even (1).
    expect(parseF32('0x1.000001p0')).toBe(0x3f800000);
    // 1 + 3·2^-24 is halfway between 1+2^-23 and 1+2^-22: ties to even (1+2^-22).
    expect(parseF32('0x1.000003p0')).toBe(0x3f800002);
    // Just above halfway rounds up.
    expect(parseF32('0x1.00000100000000000001p0')).toBe(0x3f800001);
    expect(parseF64('0x1.00000000000008p0')).toBe(0x3ff0000000000000n);
    expect(parseF64('0x1.00000000000018p0')).toBe(0x3ff0000000000002n);
    // Subnormal rounding: half of the smallest subnormal ties to zero, above it rounds up.
    expect(parseF32('0x1p-150')).toBe(0);
    expect(parseF32('0x1.000002p-150')).toBe(1);
    expect(parseF64('0x1p-1075')).toBe(0n);
    expect(parseF64('0x1.8p-1075')).toBe(1n);
  });

  it('rounds decimal literals once (no double rounding through f64)', () => {
    // 1.000000059604644775390625 = 1 + 2^-24 exactly: the f32 tie rounds to even (1.0).
    expect(parseF32('1.000000059604644775390625')).toBe(0x3f800000);
    // A hair above the tie rounds up; going through f64 first would lose the hair.
    expect(parseF32('1.00000005960464477539062500000000000001')).toBe(0x3f800001);
    expect(parseF32('1.000000059604644775390624')).toBe(0x3f800000);
    expect(parseF64('1e308')).toBe(f64Bits(1e308));
    expect(parseF64('4.9406564584124654e-324')).toBe(1n);
    expect(parseF64('2.4703282292062328e-324')).toBe(1n); // just above half the smallest subnormal
    expect(parseF64('2.4703282292062327e-324')).toBe(0n); // just below
    expect(parseF32('1_000.000_1e0_0')).toBe(f32Bits(1000.0001));
    expect(parseF32('1.')).toBe(0x3f800000);
    expect(parseF32('1e1')).toBe(f32Bits(10));
    expect(parseF32('1.E-1')).toBe(f32Bits(0.1));
  });

  it('rejects literals that overflow their format', () => {
    expect(() => parseF32('0x1p128')).toThrow(/out of range/);
    expect(() => parseF32('0x1.ffffffp127')).toThrow(/out of range/); // rounds up to 2^128
    expect(() => parseF32('1e39')).toThrow(/out of range/);
    expect(() => parseF64('1e309')).toThrow(/out of range/);
    expect(parseF32('0x1.fffffefffffp127')).toBe(0x7f7fffff); // below the tie: stays finite
    expect(parseF64('1e-400')).toBe(0n);
  });

  it('round-trips every f64 through its shortest decimal form', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 2000; i++) {
      view.setUint32(0, rnd());
      view.setUint32(4, rnd());
      const x = view.getFloat64(0);
      if (!Number.isFinite(x)) continue;
      expect(parseF64(String(x))).toBe(f64Bits(x));
    }
  });

  it('round-trips every f32 through its shortest decimal form', () => {
    let seed = 777;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 2000; i++) {
      view.setUint32(0, rnd());
      const x = view.getFloat32(0);
      if (!Number.isFinite(x)) continue;
      expect(parseF32(String(x))).toBe(f32Bits(x));
    }
  });
});
