import { describe, expect, it } from 'vitest';
import { ensureDataCount, firstWatDiagnostic, watToBinary, WatError } from './wat.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Section ids of a binary, in order. */
function sectionIds(b: Uint8Array): number[] {
  const ids: number[] = [];
  let pos = 8;
  while (pos < b.length) {
    ids.push(b[pos]!);
    let size = 0;
    let shift = 0;
    let byte;
    pos++;
    do {
      byte = b[pos++]!;
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    pos += size;
  }
  return ids;
}

describe('watToBinary', () => {
  it('converts a module with the 2.0 features (SIMD, reference types, multi-value)', async () => {
    const b = await watToBinary(`(module
      (func (export "f") (param v128 externref) (result i32 i32)
        (i32.const 1) (i32.const 2)))`);
    expect([...b.subarray(0, 8)]).toEqual(MAGIC);
  });

  it('converts bare module fields and quoted text', async () => {
    expect([...(await watToBinary('(func) (memory 1)')).subarray(0, 8)]).toEqual(MAGIC);
  });

  it('handles a view into a larger buffer (Wabt-input-invariant)', async () => {
    const whole = new TextEncoder().encode('(module) garbage that is not wat');
    expect([...(await watToBinary(whole.subarray(0, 8)))]).toEqual(MAGIC);
  });

  it('reports wabt diagnostics at the position in the enclosing file, under its real name', async () => {
    try {
      await watToBinary('(module (func (call $nope)))', { filename: 'dir/ünï.wast', line: 10, column: 5 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WatError);
      const first = firstWatDiagnostic((e as WatError).message);
      expect(first).toBe('dir/ünï.wast:10:25: error: undefined function variable "$nope"');
      expect((e as WatError).wabtCrashed).toBe(false);
    }
  });

  it('does not enable post-2.0 features', async () => {
    await expect(watToBinary('(module (func (return_call 0)))')).rejects.toThrow(WatError);
  });
});

describe('ensureDataCount (DataCount-invariant)', () => {
  it('adds the DataCount section wabt omits when code uses data.drop without data segments', async () => {
    const b = await watToBinary('(module (memory 1) (func (data.drop 0)))');
    expect(sectionIds(b)).toEqual([1, 3, 5, 12, 10]);
    expect(Buffer.from(b).includes(Buffer.from([12, 1, 0]))).toBe(true);
  });

  it('leaves binaries that have one, or do not need one, untouched', async () => {
    const withData = await watToBinary('(module (memory 1) (data "x") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0))))');
    expect(sectionIds(withData)).toEqual([1, 3, 5, 12, 10, 11]);
    expect(ensureDataCount(withData)).toBe(withData);
    const plain = await watToBinary('(module (func (i32.const 0) drop))');
    expect(ensureDataCount(plain)).toBe(plain);
    const garbage = Uint8Array.from([...MAGIC, 10, 0x80]);
    expect(ensureDataCount(garbage)).toBe(garbage);
  });

  it('counts the data segments when it inserts the section before them', () => {
    // type, func, code with memory.init 1 (fc 08 01 00), data section with 2 passive segments.
    const code = [0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x08, 0x01, 0x00, 0x0b];
    const data = [0x0b, 0x05, 0x02, 0x01, 0x00, 0x01, 0x00];
    const input = Uint8Array.from([...MAGIC, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, ...code, ...data]);
    const out = ensureDataCount(input);
    expect(sectionIds(out)).toEqual([1, 3, 12, 10, 11]);
    expect([...out.subarray(18, 21)]).toEqual([12, 1, 2]);
  });
});
