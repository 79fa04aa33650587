import { describe, expect, it } from 'vitest';
import {
  ALL_TYPES,
  F32,
  F64,
  F64X2,
  I16,
  I32,
  I32X4,
  I64,
  I8,
  I8X16,
  INVALID,
  IntCC,
  FloatCC,
  MemFlags,
  TrapCode,
  formatImm,
  intCCInverse,
  intCCSwapArgs,
  floatCCInverse,
  isFloat,
  isInt,
  isVector,
  laneBits,
  laneCount,
  laneType,
  parseIntLiteral,
  parseTrapCode,
  parseType,
  trapCodeName,
  typeBits,
  typeBytes,
  typeName,
} from './index.js';

describe('types', () => {
  it('encode every type in one byte with consistent helpers', () => {
    const names = ALL_TYPES.map(typeName);
    expect(names).toEqual(['i8', 'i16', 'i32', 'i64', 'f32', 'f64', 'i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2']);
    for (const t of ALL_TYPES) {
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThan(256);
      expect(parseType(typeName(t))).toBe(t);
    }
    expect(new Set(ALL_TYPES).size).toBe(ALL_TYPES.length);
    expect(parseType('i128')).toBeUndefined();
    expect(typeName(INVALID)).toBe('INVALID');
  });

  it('report bits, lanes and kinds', () => {
    expect([I8, I16, I32, I64, F32, F64].map(typeBits)).toEqual([8, 16, 32, 64, 32, 64]);
    expect(typeBytes(I64)).toBe(8);
    expect(laneCount(I8X16)).toBe(16);
    expect(laneBits(I32X4)).toBe(32);
    expect(laneType(F64X2)).toBe(F64);
    expect(typeBits(I8X16)).toBe(128);
    expect([isInt(I32), isInt(F32), isFloat(F64), isVector(I32X4), isVector(I32)]).toEqual([true, false, true, true, false]);
  });
});

describe('condition codes, trap codes, memflags, integer immediates', () => {
  it('invert and swap condition codes', () => {
    expect(intCCInverse(IntCC.SignedLessThan)).toBe(IntCC.SignedGreaterThanOrEqual);
    expect(intCCInverse(IntCC.UnsignedLessThanOrEqual)).toBe(IntCC.UnsignedGreaterThan);
    expect(intCCSwapArgs(IntCC.UnsignedLessThan)).toBe(IntCC.UnsignedGreaterThan);
    expect(floatCCInverse(FloatCC.LessThan)).toBe(FloatCC.UnorderedOrGreaterThanOrEqual);
    expect(floatCCInverse(FloatCC.NotEqual)).toBe(FloatCC.Equal);
  });

  it('name trap codes', () => {
    const named = ['stk_ovf', 'heap_oob', 'int_ovf', 'int_divz', 'bad_toint', 'unreachable', 'table_oob', 'indirect_call_to_null', 'bad_sig'];
    for (const n of named) expect(trapCodeName(parseTrapCode(n)!)).toBe(n);
    expect(trapCodeName(TrapCode.user(0))).toBe('user0');
    expect(parseTrapCode('user239')).toBe(255);
    expect(parseTrapCode('user240')).toBeUndefined();
    expect(parseTrapCode('user01')).toBeUndefined();
    expect(() => TrapCode.user(240)).toThrow(RangeError);
  });

  it('spell memflags like Cranelift', () => {
    expect(MemFlags.new().toString()).toBe('');
    expect(MemFlags.trusted().toString()).toBe(' notrap aligned');
    expect(MemFlags.new().withTrapCode(TrapCode.TABLE_OUT_OF_BOUNDS).withReadonly().toString()).toBe(' table_oob readonly');
    expect(MemFlags.new().withEndianness('little').withAliasRegion('heap').toString()).toBe(' little heap');
    expect(MemFlags.trusted().notrap).toBe(true);
    expect(MemFlags.new().trapCode).toBe(TrapCode.HEAP_OUT_OF_BOUNDS);
    expect(MemFlags.applyName(MemFlags.new().withAliasRegion('table'), 'vmctx')).toBe('cannot set more than one alias region');
    expect(MemFlags.applyName(MemFlags.new(), 'bogus')).toBe(false);
  });

  it('format and parse integer immediates', () => {
    expect(formatImm(0xffff_ffffn, 32)).toBe('-1');
    expect(formatImm(10000n, 64)).toBe('10000');
    expect(formatImm(10001n, 64)).toBe('0x2711');
    expect(formatImm(0x8000_0000_0000_0000n, 64)).toBe('0x8000_0000_0000_0000');
    expect(formatImm(0xffn, 8)).toBe('-1');
    expect(parseIntLiteral('0xffff_ffff')).toBe(0xffff_ffffn);
    expect(parseIntLiteral('-0x10')).toBe(-16n);
    expect(parseIntLiteral('+8')).toBe(8n);
    expect(parseIntLiteral('1_000')).toBe(1000n);
    expect(parseIntLiteral('0x')).toBeUndefined();
    expect(parseIntLiteral('1.5')).toBeUndefined();
  });
});
