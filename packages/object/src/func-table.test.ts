import { describe, expect, it } from 'vitest';
import { ObjectError } from './error.js';
import { FunctionTable } from './func-table.js';

const entries = [
  { funcIndex: 3, offset: 0, length: 10 },
  { funcIndex: 4, offset: 16, length: 20 },
  { funcIndex: 7, offset: 36, length: 4 },
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

describe('FunctionTable', () => {
  it('round-trips and has the documented layout', () => {
    const bytes = FunctionTable.fromEntries(entries, 40).encode();
    expect(bytes.length).toBe(8 + 12 * 3);
    expect(Array.from(bytes.subarray(0, 20))).toEqual([1, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0]);
    const t = FunctionTable.decode(bytes, { textSize: 40 });
    expect(t.entries()).toEqual(entries);
    expect(t.length).toBe(3);
    expect(FunctionTable.decode(FunctionTable.fromEntries([]).encode()).length).toBe(0);
  });

  it('looks functions up by code offset and by wasm index', () => {
    const t = FunctionTable.fromEntries(entries);
    expect(t.lookup(0)?.funcIndex).toBe(3);
    expect(t.lookup(9)?.funcIndex).toBe(3);
    expect(t.lookup(10)).toBeUndefined(); // padding between functions
    expect(t.lookup(16)?.funcIndex).toBe(4);
    expect(t.lookup(39)?.funcIndex).toBe(7);
    expect(t.lookup(40)).toBeUndefined();
    expect(t.forFunction(4)).toEqual(entries[1]);
    expect(t.forFunction(5)).toBeUndefined();
  });

  it('rejects tables that break its rules, on both encode and decode', () => {
    const bad = [
      { entries: [entries[1]!, entries[0]!], message: /text order/ },
      { entries: [entries[0]!, { ...entries[1]!, funcIndex: 3 }], message: /appears twice/ },
      { entries: [{ funcIndex: 0, offset: 0, length: 17 }, entries[1]!], message: /overlaps/ },
      { entries: [{ funcIndex: 0, offset: 0xffff_fff0, length: 0x20 }], message: /4 GiB/ },
    ];
    for (const { entries: e, message } of bad) {
      expect(kindOf(() => FunctionTable.fromEntries(e))).toMatch(new RegExp(`^invalid-input: .*${message.source}`));
    }
    expect(kindOf(() => FunctionTable.fromEntries(entries, 39))).toMatch(/^invalid-input: .*past the end of \.text/);
    expect(kindOf(() => FunctionTable.fromEntries([{ funcIndex: -1, offset: 0, length: 0 }]))).toMatch(/^invalid-input/);
    // The decoder applies the same rules to bytes.
    const encoded = FunctionTable.fromEntries(entries).encode();
    expect(kindOf(() => FunctionTable.decode(encoded, { textSize: 39, fileOffset: 0x100 }))).toMatch(
      /^malformed: \.derrick\.funcs section, entry 2: .* \(at offset 0x120\)$/,
    );
  });

  it('rejects truncation at every length, trailing bytes and other versions', () => {
    const bytes = FunctionTable.fromEntries(entries).encode();
    for (let len = 0; len < bytes.length; len++) expect(kindOf(() => FunctionTable.decode(bytes.subarray(0, len)))).toMatch(/^truncated/);
    expect(kindOf(() => FunctionTable.decode(Uint8Array.from([...bytes, 0])))).toMatch(/^malformed: .*trailing/);
    const v2 = bytes.slice();
    v2[0] = 2;
    expect(kindOf(() => FunctionTable.decode(v2))).toMatch(/^version-mismatch: .*version 2.*reads version 1/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(4, 0xffff_ffff, true);
    expect(kindOf(() => FunctionTable.decode(huge))).toMatch(/^truncated: .*declares 4294967295 function/);
  });
});
