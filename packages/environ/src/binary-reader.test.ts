import { describe, expect, it } from 'vitest';
import { BinaryReader, utf8Error } from './binary-reader.js';
import { DecodeError, WasmError } from './errors.js';

const reader = (...b: number[]) => new BinaryReader(Uint8Array.from(b));

function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('LEB128 u32', () => {
  it('decodes minimal and overlong encodings within 5 bytes', () => {
    expect(reader(0x00).readVarU32()).toBe(0);
    expect(reader(0x7f).readVarU32()).toBe(127);
    expect(reader(0x80, 0x01).readVarU32()).toBe(128);
    expect(reader(0x82, 0x80, 0x80, 0x80, 0x00).readVarU32()).toBe(2);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x0f).readVarU32()).toBe(0xffffffff);
  });
  it('rejects a sixth byte: integer representation too long', () => {
    const e = decodeError(() => reader(0x82, 0x80, 0x80, 0x80, 0x80, 0x00).readVarU32());
    expect(e.message).toContain('integer representation too long');
    expect(e.offset).toBe(5);
  });
  it('rejects unused bits in the fifth byte: integer too large', () => {
    for (const last of [0x10, 0x40, 0x70, 0x1f]) {
      const e = decodeError(() => reader(0x80, 0x80, 0x80, 0x80, last).readVarU32());
      expect(e.message).toContain('integer too large');
      expect(e.offset).toBe(4);
    }
  });
  it('checks "too large" before "too long" in the last byte, as the reference', () => {
    expect(decodeError(() => reader(0x80, 0x80, 0x80, 0x80, 0x90, 0x00).readVarU32()).reason).toBe('integer too large');
    expect(decodeError(() => reader(0x80, 0x80, 0x80, 0x80, 0x8f, 0x00).readVarU32()).reason).toBe('integer representation too long');
  });
  it('reports truncation as unexpected end', () => {
    expect(decodeError(() => reader(0x80, 0x80).readVarU32()).message).toContain('unexpected end');
    expect(decodeError(() => reader().readVarU32()).message).toContain('unexpected end');
  });
});

describe('LEB128 s32', () => {
  it('decodes', () => {
    expect(reader(0x00).readVarS32()).toBe(0);
    expect(reader(0x7f).readVarS32()).toBe(-1);
    expect(reader(0x3f).readVarS32()).toBe(63);
    expect(reader(0x40).readVarS32()).toBe(-64);
    expect(reader(0x80, 0x7f).readVarS32()).toBe(-128);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x07).readVarS32()).toBe(0x7fffffff);
    expect(reader(0x80, 0x80, 0x80, 0x80, 0x78).readVarS32()).toBe(-0x80000000);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x7f).readVarS32()).toBe(-1);
    expect(reader(0x80, 0x80, 0x80, 0x80, 0x00).readVarS32()).toBe(0);
  });
  it('requires the unused bits of the fifth byte to copy the sign', () => {
    for (const last of [0x70, 0x0f, 0x1f, 0x4f]) {
      expect(decodeError(() => reader(0xff, 0xff, 0xff, 0xff, last).readVarS32()).reason).toBe('integer too large');
    }
  });
  it('rejects a sixth byte', () => {
    expect(decodeError(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).readVarS32()).reason).toBe('integer representation too long');
    expect(decodeError(() => reader(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f).readVarS32()).reason).toBe('integer representation too long');
  });
});

describe('LEB128 s33 (block types)', () => {
  it('decodes the full range', () => {
    expect(reader(0x40).readVarS33()).toBe(-64);
    expect(reader(0x05).readVarS33()).toBe(5);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x0f).readVarS33()).toBe(0xffffffff);
    expect(reader(0x80, 0x80, 0x80, 0x80, 0x70).readVarS33()).toBe(-(2 ** 32));
  });
  it('rejects bits beyond 33', () => {
    expect(decodeError(() => reader(0x80, 0x80, 0x80, 0x80, 0x20).readVarS33()).reason).toBe('integer too large');
    expect(decodeError(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).readVarS33()).reason).toBe('integer representation too long');
  });
});

describe('LEB128 s64', () => {
  const s64 = (...b: number[]) => reader(...b).readVarS64BigInt();
  it('decodes into two halves without bigints', () => {
    const r = reader(0x7f);
    r.readVarS64();
    expect([r.lo, r.hi]).toEqual([0xffffffff, 0xffffffff]);
    const r2 = reader(0x80, 0x80, 0x80, 0x80, 0x10);
    r2.readVarS64();
    expect([r2.lo, r2.hi]).toEqual([0, 1]);
  });
  it('decodes edge values', () => {
    expect(s64(0x00)).toBe(0n);
    expect(s64(0x7f)).toBe(-1n);
    expect(s64(0xff, 0xff, 0xff, 0xff, 0x0f)).toBe(0xffffffffn);
    expect(s64(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00)).toBe(0x7fffffffffffffffn);
    expect(s64(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f)).toBe(-0x8000000000000000n);
    expect(s64(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)).toBe(0n);
    expect(s64(0xc0, 0xbb, 0x78)).toBe(-123456n);
    // Termination at every byte position with the sign bit set.
    for (let n = 1; n <= 9; n++) {
      const bytes = [...Array<number>(n - 1).fill(0x80), 0x40];
      expect(s64(...bytes)).toBe(-(1n << BigInt(7 * n - 1)));
    }
  });
  it('rejects bad last bytes', () => {
    const nine = Array<number>(9).fill(0x80);
    for (const last of [0x7e, 0x01, 0x02, 0x41]) {
      expect(decodeError(() => s64(...nine, last)).reason).toBe('integer too large');
    }
    expect(decodeError(() => s64(...nine, 0x80, 0x00)).reason).toBe('integer representation too long');
  });
});

describe('lengths and names', () => {
  it('checks a length against the bytes left, counting the prefix itself', () => {
    // 3 bytes left at the prefix: a length of 3 passes the check, 4 does not.
    expect(reader(0x03, 0x00, 0x00).readLength()).toBe(3);
    expect(decodeError(() => reader(0x04, 0x00, 0x00).readLength()).reason).toBe('length out of bounds');
  });
  it('reads valid UTF-8 names, including a leading BOM', () => {
    const bytes = [...new TextEncoder().encode('\u{feff}héllo \u{1f600}')];
    expect(reader(bytes.length, ...bytes).readName()).toBe('\u{feff}héllo \u{1f600}');
    expect(reader(0).readName()).toBe('');
  });
  it('rejects malformed UTF-8', () => {
    const bad = [[0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xc2, 0x41]];
    for (const b of bad) {
      const e = decodeError(() => reader(b.length, ...b).readName());
      expect(e.message).toContain('malformed UTF-8 encoding');
      expect(e.offset).toBe(1);
    }
  });
  it('accepts the UTF-8 boundaries', () => {
    const good = [[0x7f], [0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf]];
    for (const b of good) expect(utf8Error(Uint8Array.from(b), 0, b.length)).toBe(-1);
  });
  it('only ever throws WasmErrors', () => {
    expect(() => reader(0xff).readName()).toThrow(WasmError);
    expect(() => reader(0x05, 0x61).readName()).toThrow(WasmError);
  });
});
