/**
 * x64 label uses: patch arithmetic and exact range edges, checked directly on
 * 4-byte fields with synthetic offsets (no gigabyte buffers needed).
 */
import { describe, expect, it } from 'vitest';
import { JmpRel32, PCRel32, labelUseFromReloc } from './labeluse.js';

function field(initial = 0): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, initial, true);
  return b;
}

function read(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
}

describe('JmpRel32', () => {
  it('stores label − (use + 4), plus any existing addend', () => {
    const b = field();
    JmpRel32.patch(b, 100, 200);
    expect(read(b)).toBe(96);
    const back = field();
    JmpRel32.patch(back, 100, 0);
    expect(read(back)).toBe(-104);
    const withAddend = field(8);
    JmpRel32.patch(withAddend, 0, 10);
    expect(read(withAddend)).toBe(14);
  });

  it('reaches exactly its declared range, and throws beyond the encodable one', () => {
    const use = 0x9000_0000;
    const far = field();
    JmpRel32.patch(far, use, use + JmpRel32.maxPosRange);
    expect(read(far)).toBe(0x7fff_ffff - 4);
    const farBack = field();
    JmpRel32.patch(farBack, use, use - JmpRel32.maxNegRange);
    expect(read(farBack)).toBe(-0x8000_0000);
    // The encodable extremes: d − 4 ∈ [−2³¹, 2³¹ − 1].
    JmpRel32.patch(field(), use, use + 0x7fff_ffff + 4);
    expect(() => JmpRel32.patch(field(), use, use + 0x7fff_ffff + 5)).toThrow(RangeError);
    expect(() => JmpRel32.patch(field(), use, use - JmpRel32.maxNegRange - 1)).toThrow(/does not fit/);
  });

  it('has no veneer', () => {
    expect(JmpRel32.supportsVeneer).toBe(false);
    expect(JmpRel32.veneerSize).toBe(0);
    expect(() => JmpRel32.generateVeneer(new Uint8Array(0), 0)).toThrow(/no veneer/);
  });
});

describe('PCRel32', () => {
  it('stores label − use + the bias already in the field', () => {
    const rip = field(-5); // RIP-relative operand followed by a 1-byte immediate
    PCRel32.patch(rip, 10, 30);
    expect(read(rip)).toBe(15);
    const table = field(0); // jump-table entry relative to itself
    PCRel32.patch(table, 64, 16);
    expect(read(table)).toBe(-48);
  });

  it('reaches its declared range with every bias a RIP operand can carry', () => {
    const use = 0x9000_0000;
    for (const bias of [0, -4, -5, -6, -8]) {
      const f = field(bias);
      PCRel32.patch(f, use, use + PCRel32.maxPosRange);
      expect(read(f)).toBe(0x7fff_ffff + bias);
      const g = field(bias);
      PCRel32.patch(g, use, use - PCRel32.maxNegRange);
      expect(read(g)).toBe(-0x8000_0000 + 8 + bias);
    }
    expect(() => PCRel32.patch(field(0), use, use + 0x8000_0000)).toThrow(RangeError);
  });
});

describe('labelUseFromReloc', () => {
  it('maps a call relocation with addend −4 to JmpRel32 and PC-relative data to PCRel32', () => {
    expect(labelUseFromReloc('X86CallPCRel4', -4)).toBe(JmpRel32);
    expect(labelUseFromReloc('X86PCRel4', -4)).toBe(PCRel32);
    expect(labelUseFromReloc('X86CallPCRel4', 0)).toBeUndefined();
    expect(labelUseFromReloc('Abs8', 0)).toBeUndefined();
  });
});
