import { describe, expect, it } from 'vitest';
import { AddressMap, NO_WASM_OFFSET } from './address-map.js';
import { ObjectError } from './error.js';

const entries = [
  { codeOffset: 0, wasmOffset: 0x20 },
  { codeOffset: 5, wasmOffset: 0x24 },
  { codeOffset: 12, wasmOffset: NO_WASM_OFFSET },
  { codeOffset: 16, wasmOffset: 0x40 },
  { codeOffset: 24, wasmOffset: NO_WASM_OFFSET },
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

describe('AddressMap', () => {
  it('round-trips with code offsets then wasm offsets', () => {
    const bytes = AddressMap.fromEntries(entries, 24).encode();
    expect(bytes.length).toBe(8 + 8 * entries.length);
    expect(Array.from(bytes.subarray(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(28, 32))).toEqual([0x20, 0, 0, 0]);
    expect(AddressMap.decode(bytes, { textSize: 24 }).entries()).toEqual(entries);
  });

  it('maps a code offset to the wasm offset of the range containing it', () => {
    const m = AddressMap.fromEntries(entries);
    expect(m.lookup(0)).toBe(0x20);
    expect(m.lookup(4)).toBe(0x20);
    expect(m.lookup(5)).toBe(0x24);
    expect(m.lookup(11)).toBe(0x24);
    expect(m.lookup(12)).toBeUndefined(); // padding: explicitly no position
    expect(m.lookup(16)).toBe(0x40);
    expect(m.lookup(100)).toBeUndefined();
    expect(AddressMap.fromEntries([{ codeOffset: 8, wasmOffset: 1 }]).lookup(7)).toBeUndefined();
  });

  it('rejects unsorted or out-of-text entries; an entry at the end of .text is allowed', () => {
    expect(kindOf(() => AddressMap.fromEntries(entries, 24))).toBe('ok');
    expect(kindOf(() => AddressMap.fromEntries(entries, 23))).toMatch(/^invalid-input: address map entry 4: .*past the end of \.text/);
    expect(kindOf(() => AddressMap.fromEntries([entries[1]!, entries[0]!]))).toMatch(/strictly increase/);
    expect(kindOf(() => AddressMap.fromEntries([{ codeOffset: 0, wasmOffset: 2 ** 32 }]))).toMatch(/^invalid-input/);
  });

  it('rejects truncation at every length, trailing bytes and other versions', () => {
    const bytes = AddressMap.fromEntries(entries).encode();
    for (let len = 0; len < bytes.length; len++) expect(kindOf(() => AddressMap.decode(bytes.subarray(0, len)))).toMatch(/^truncated/);
    expect(kindOf(() => AddressMap.decode(Uint8Array.from([...bytes, 0, 0, 0, 0])))).toMatch(/^malformed: .*trailing/);
    const v9 = bytes.slice();
    v9[0] = 9;
    expect(kindOf(() => AddressMap.decode(v9, { fileOffset: 0x200 }))).toMatch(/^version-mismatch: .*\(at offset 0x200\)$/);
  });
});
