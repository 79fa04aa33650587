import { describe, expect, it } from 'vitest';
import { DecodeError } from './errors.js';
import { ImmKind, Opcode, allOpcodes, isOpcode, opcodeImmKind, opcodeName } from './opcodes.js';
import { OperatorReader } from './operator-reader.js';
import { le32, le64, s32, s64, simd, misc, u32 } from './test-support/wasm-builder.js';

const readerOf = (bytes: number[]) => new OperatorReader(Uint8Array.from(bytes), 0, bytes.length);

function readOne(bytes: number[]): OperatorReader {
  const r = readerOf(bytes);
  r.read();
  expect(r.pos).toBe(bytes.length);
  return r;
}

function decodeError(bytes: number[]): DecodeError {
  try {
    readerOf(bytes).read();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('opcode table', () => {
  it('names every enum member after its text-format name', () => {
    for (const op of allOpcodes()) {
      const text = opcodeName(op);
      const derived = op === Opcode.TypedSelect ? 'TypedSelect' : text.split(/[._]/).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');
      expect(Opcode[derived as keyof typeof Opcode], text).toBe(op);
    }
  });
  it('numbers prefixed opcodes as 0xFC00|sub and 0xFD00|sub', () => {
    expect(Opcode.I32Add).toBe(0x6a);
    expect(Opcode.I32TruncSatF32S).toBe(0xfc00);
    expect(Opcode.TableFill).toBe(0xfc11);
    expect(Opcode.V128Load).toBe(0xfd00);
    expect(Opcode.I8x16Shuffle).toBe(0xfd0d);
    expect(Opcode.F64x2ConvertLowI32x4U).toBe(0xfdff);
  });
  it('covers wasm 2.0: 436 instructions, no more', () => {
    expect(allOpcodes().length).toBe(437); // including `select t*`
    expect(isOpcode(0x06)).toBe(false);
    expect(isOpcode(0xfc12)).toBe(false);
    expect(isOpcode(0xfd9a)).toBe(false);
    expect(isOpcode(0xfe00)).toBe(false);
    expect(opcodeImmKind(Opcode.I32Load)).toBe(ImmKind.MemArg);
    expect(opcodeName(0x06)).toContain('illegal');
  });
});

describe('OperatorReader immediates', () => {
  it('reads the opcode and offset', () => {
    const r = readerOf([0x01, 0x6a, 0x0b]);
    expect(r.read()).toBe(Opcode.Nop);
    expect(r.read()).toBe(Opcode.I32Add);
    expect(r.offset).toBe(1);
    expect(r.opcode).toBe(Opcode.I32Add);
  });
  it('block types: empty, inline value type, type index', () => {
    expect(readOne([0x02, 0x40]).blockType).toBe(-64);
    expect(readOne([0x03, 0x7f]).blockType).toBe(-1);
    expect(readOne([0x04, 0x70]).blockType & 0x7f).toBe(0x70);
    expect(readOne([0x02, 0x05]).blockType).toBe(5);
    expect(readOne([0x02, 0x80, 0x01]).blockType).toBe(128);
    expect(decodeError([0x02, 0x7a]).reason).toBe('malformed value type');
  });
  it('constants: i32, i64 halves, raw float bits', () => {
    expect(readOne([0x41, ...s32(-123456)]).value).toBe(-123456);
    const r = readOne([0x42, ...s64(-2n)]);
    expect([r.lo, r.hi]).toEqual([0xfffffffe, 0xffffffff]);
    expect(r.i64Value()).toBe(-2n);
    const nan = 0x7fa00001; // a signalling NaN with payload
    expect(readOne([0x43, ...le32(nan)]).value).toBe(nan);
    const nan64 = 0xfff0000000000123n;
    const r64 = readOne([0x44, ...le64(nan64)]);
    expect(r64.f64Bits()).toBe(nan64);
    expect([r64.lo, r64.hi]).toEqual([0x123, 0xfff00000]);
    expect(readOne([0x44, ...le64(0x3ff0000000000000n)]).f64Value()).toBe(1);
    expect(readOne([0x43, ...le32(0x3f800000)]).f32Value()).toBe(1);
  });
  it('memargs, indices, call_indirect', () => {
    const r = readOne([0x28, 0x02, ...u32(0xffffffff)]);
    expect([r.memAlign, r.memOffset]).toEqual([2, 0xffffffff]);
    expect(readOne([0x20, ...u32(70000)]).index).toBe(70000);
    const ci = readOne([0x11, 0x03, 0x01]);
    expect([ci.index, ci.index2]).toEqual([3, 1]);
  });
  it('br_table targets and default', () => {
    const targets = Array.from({ length: 40 }, (_, i) => i);
    const r = readOne([0x0e, ...u32(40), ...targets.flatMap(u32), 0x07]);
    expect(r.brTargetCount).toBe(40);
    expect([...r.brTargets.subarray(0, 40)]).toEqual(targets);
    expect(r.index).toBe(7);
  });
  it('typed select and ref.null', () => {
    const r = readOne([0x1c, 0x01, 0x7e]);
    expect([r.selectTypeCount, r.selectType]).toEqual([1, 0x7e]);
    expect(readOne([0xd0, 0x6f]).refType).toBe(0x6f);
    expect(decodeError([0xd0, 0x7f]).reason).toBe('malformed reference type');
  });
  it('bulk memory and table immediates', () => {
    expect(readOne(misc(8, 0x05, 0x00)).index).toBe(5);
    const ti = readOne(misc(12, 0x02, 0x01));
    expect([ti.opcode, ti.index, ti.index2]).toEqual([Opcode.TableInit, 2, 1]);
    const tc = readOne(misc(14, 0x01, 0x02));
    expect([tc.index, tc.index2]).toEqual([1, 2]);
    expect(readOne(misc(10, 0x00, 0x00)).opcode).toBe(Opcode.MemoryCopy);
  });
  it('SIMD: v128.const, shuffle, lanes, load lane', () => {
    const bytes = Array.from({ length: 16 }, (_, i) => i * 3);
    expect([...readOne(simd(0x0c, ...bytes)).v128]).toEqual(bytes);
    expect(readOne(simd(0x0d, ...bytes)).opcode).toBe(Opcode.I8x16Shuffle);
    expect(readOne(simd(0x15, 0x0f)).lane).toBe(15);
    const ll = readOne(simd(0x57, 0x03, 0x10, 0x01));
    expect([ll.opcode, ll.memAlign, ll.memOffset, ll.lane]).toEqual([Opcode.V128Load64Lane, 3, 16, 1]);
    // Sub-opcodes are LEB128 u32s: 0xFD 0x80 0x01 is 0xFD80.
    expect(readOne(simd(0x80)).opcode).toBe(Opcode.I16x8Abs);
    expect(readOne([0xfd, 0x8c, 0x81, 0x00]).opcode).toBe(Opcode.I16x8ShrS); // overlong 140
  });
  it('rejects illegal opcodes, non-zero reserved bytes and truncation', () => {
    expect(decodeError([0x06]).reason).toBe('illegal opcode');
    expect(decodeError([0xfc, 0x12]).reason).toBe('illegal opcode');
    expect(decodeError([0xfd, 0x9a, 0x01]).reason).toBe('illegal opcode');
    expect(decodeError([0xfd, 0x80, 0x04]).reason).toBe('illegal opcode');
    expect(decodeError([0xff]).reason).toBe('illegal opcode');
    expect(decodeError([0x3f, 0x01]).reason).toBe('zero byte expected');
    expect(decodeError([0x40, 0x80, 0x00]).reason).toBe('zero byte expected');
    expect(decodeError([...misc(10, 0x00, 0x01)]).reason).toBe('zero byte expected');
    expect(decodeError([0x41]).message).toContain('unexpected end');
    expect(decodeError([0xfd, 0x0c, 1, 2, 3]).message).toContain('unexpected end');
    expect(decodeError([0x0e, ...u32(1000), 0x00]).message).toContain('length out of bounds');
    expect(decodeError([0x0e, 0x02, 0x00]).message).toContain('unexpected end');
    expect(decodeError([]).message).toContain('unexpected end');
  });
  it('stops at `end` of its range', () => {
    const bytes = Uint8Array.from([0x41, 0x01, 0x41, 0x02]);
    const r = new OperatorReader(bytes, 0, 2);
    r.read();
    expect(r.atEnd).toBe(true);
    expect(() => r.read()).toThrow(DecodeError);
  });
});
