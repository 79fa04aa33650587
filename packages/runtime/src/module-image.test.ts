import { describe, expect, it } from 'vitest';
import { RuntimeError } from './errors.js';
import { decodeModuleInfo, encodeModuleInfo, MODULE_INFO_VERSION } from './module-image.js';

describe('.derrick.info', () => {
  const info = {
    wasm: Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
    trampolines: [
      { kind: 'array-to-wasm' as const, typeIndex: 0, offset: 64, length: 40 },
      { kind: 'wasm-to-array' as const, typeIndex: 3, offset: 112, length: 57 },
    ],
  };

  it('round-trips', () => {
    const bytes = encodeModuleInfo(info);
    expect(decodeModuleInfo(bytes)).toEqual(info);
    expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(MODULE_INFO_VERSION);
  });

  it('rejects a damaged or foreign section with a RuntimeError', () => {
    const bytes = encodeModuleInfo(info);
    expect(() => decodeModuleInfo(bytes.subarray(0, bytes.length - 1))).toThrow(/2 trampoline entries do not match the section size/);
    const v2 = bytes.slice();
    v2[0] = 2;
    expect(() => decodeModuleInfo(v2)).toThrow(/format version 2, but this build of Derrick reads version 1; recompile the module/);
    const kind = bytes.slice();
    kind[8 + 8 + 4] = 9;
    expect(() => decodeModuleInfo(kind)).toThrow(/trampoline 0 has unknown kind 9/);
    expect(() => decodeModuleInfo(new Uint8Array(3))).toThrow(RuntimeError);
  });
});
