import { describe, expect, it } from 'vitest';
import { ObjectError } from './error.js';
import { TrapTable } from './trap-table.js';

const entries = [
  { codeOffset: 4, trapCode: 1 },
  { codeOffset: 9, trapCode: 7 },
  { codeOffset: 30, trapCode: 255 },
];

function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ObjectError) return `${e.kind}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

describe('TrapTable', () => {
  it('round-trips with offsets then codes', () => {
    const bytes = TrapTable.fromEntries(entries, 31).encode();
    expect(Array.from(bytes)).toEqual([1, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 30, 0, 0, 0, 1, 7, 255]);
    expect(TrapTable.decode(bytes, { textSize: 31 }).entries()).toEqual(entries);
  });

  it('looks up exact code offsets only', () => {
    const t = TrapTable.fromEntries(entries);
    expect(t.lookup(4)).toBe(1);
    expect(t.lookup(9)).toBe(7);
    expect(t.lookup(30)).toBe(255);
    for (const miss of [0, 5, 10, 31, -1]) expect(t.lookup(miss)).toBeUndefined();
    expect(TrapTable.fromEntries([]).lookup(0)).toBeUndefined();
  });

  it('rejects unsorted, duplicate, out-of-text offsets and out-of-range codes', () => {
    expect(kindOf(() => TrapTable.fromEntries([entries[1]!, entries[0]!]))).toMatch(/^invalid-input: trap entry 1: .*strictly increase/);
    expect(kindOf(() => TrapTable.fromEntries([entries[0]!, entries[0]!]))).toMatch(/strictly increase/);
    expect(kindOf(() => TrapTable.fromEntries(entries, 30))).toMatch(/^invalid-input: trap entry 2: code offset 0x1e is outside \.text/);
    expect(kindOf(() => TrapTable.fromEntries([{ codeOffset: 0, trapCode: 256 }]))).toMatch(/\[0, 255\]/);
    const bytes = TrapTable.fromEntries(entries).encode();
    expect(kindOf(() => TrapTable.decode(bytes, { textSize: 30, fileOffset: 0x40 }))).toMatch(/^malformed: .*entry 2.*\(at offset 0x50\)$/);
  });

  it('rejects truncation at every length, trailing bytes and other versions', () => {
    const bytes = TrapTable.fromEntries(entries).encode();
    for (let len = 0; len < bytes.length; len++) expect(kindOf(() => TrapTable.decode(bytes.subarray(0, len)))).toMatch(/^truncated/);
    expect(kindOf(() => TrapTable.decode(Uint8Array.from([...bytes, 0])))).toMatch(/^malformed: .*trailing/);
    const v0 = bytes.slice();
    v0[0] = 0;
    expect(kindOf(() => TrapTable.decode(v0))).toMatch(/^version-mismatch/);
  });
});
