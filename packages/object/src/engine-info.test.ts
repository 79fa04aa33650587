import { describe, expect, it } from 'vitest';
import { ByteWriter } from './bytes.js';
import { decodeEngineInfo, diffEngineInfo, encodeEngineInfo, type EngineInfo } from './engine-info.js';
import { ObjectError } from './error.js';

const info: EngineInfo = {
  derrickVersion: '0.1.0',
  target: 'x86_64-unknown-linux',
  sharedFlags: { opt_level: 'speed', enable_verifier: 'true' },
  isaFlags: { has_avx2: 'false', has_sse41: 'true' },
  wasmFeatures: ['simd', 'bulk-memory'],
};

function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ObjectError) return `${e.kind}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

/** Hand-encodes an engine section, bypassing the encoder's sorting. */
function raw(version: number, strings: { version: string; target: string }, shared: [string, string][], isa: [string, string][], features: string[]): Uint8Array {
  const w = new ByteWriter();
  w.u32(version);
  w.string(strings.version, '');
  w.string(strings.target, '');
  for (const group of [shared, isa]) {
    w.u32(group.length);
    for (const [k, v] of group) {
      w.string(k, '');
      w.string(v, '');
    }
  }
  w.u32(features.length);
  for (const f of features) w.string(f, '');
  return w.finish();
}

describe('engine info', () => {
  it('round-trips into a plain object, with flags and features sorted', () => {
    const decoded = decodeEngineInfo(encodeEngineInfo(info));
    expect(decoded).toEqual({ ...info, wasmFeatures: ['bulk-memory', 'simd'] });
    expect(Object.keys(decoded.sharedFlags)).toEqual(['enable_verifier', 'opt_level']);
    expect(JSON.parse(JSON.stringify(decoded))).toEqual(decoded);
  });

  it('is canonical: the order flags were set in does not change the bytes (canonical-metadata)', () => {
    const reordered: EngineInfo = {
      ...info,
      sharedFlags: { enable_verifier: 'true', opt_level: 'speed' },
      isaFlags: { has_sse41: 'true', has_avx2: 'false' },
      wasmFeatures: ['bulk-memory', 'simd'],
    };
    expect(encodeEngineInfo(reordered)).toEqual(encodeEngineInfo(info));
  });

  it('rejects non-canonical encodings: unsorted or repeated names, empty names', () => {
    const s = { version: '0.1.0', target: 'x86_64-unknown-linux' };
    expect(kindOf(() => decodeEngineInfo(raw(1, s, [['b', '1'], ['a', '2']], [], [])))).toMatch(/^malformed: .*shared flag "a" is out of order/);
    expect(kindOf(() => decodeEngineInfo(raw(1, s, [], [['a', '1'], ['a', '2']], [])))).toMatch(/^malformed: .*ISA flag "a" is out of order or repeated/);
    expect(kindOf(() => decodeEngineInfo(raw(1, s, [], [], ['simd', 'bulk'])))).toMatch(/^malformed: .*wasm feature "bulk"/);
    expect(kindOf(() => decodeEngineInfo(raw(1, s, [['', 'x']], [], [])))).toMatch(/empty name/);
    expect(kindOf(() => decodeEngineInfo(raw(1, { ...s, target: '' }, [], [], [])))).toMatch(/target is empty/);
    expect(kindOf(() => decodeEngineInfo(raw(1, s, [], [], [])))).toBe('ok');
  });

  it('keeps a flag named __proto__ as a flag', () => {
    const s = { version: '0.1.0', target: 'x86_64-unknown-linux' };
    const decoded = decodeEngineInfo(raw(1, s, [['__proto__', 'x']], [], []));
    expect(Object.hasOwn(decoded.sharedFlags, '__proto__')).toBe(true);
    expect(decoded.sharedFlags['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(decoded.sharedFlags)).toBe(Object.prototype);
  });

  it('names the writing release when the format version differs (stable-prefix)', () => {
    const s = { version: '9.9.9', target: 'x86_64-unknown-linux' };
    expect(kindOf(() => decodeEngineInfo(raw(7, s, [], [], []), { fileOffset: 0x80 }))).toBe(
      'version-mismatch: .derrick.engine section has format version 7 (written by Derrick "9.9.9"), but this build of Derrick reads version 1; recompile the module (at offset 0x80)',
    );
    expect(kindOf(() => decodeEngineInfo(Uint8Array.of(7, 0, 0, 0)))).toMatch(/^version-mismatch: .*format version 7, but/);
  });

  it('rejects truncation at every length and trailing bytes', () => {
    const bytes = encodeEngineInfo(info);
    for (let len = 0; len < bytes.length; len++) expect(kindOf(() => decodeEngineInfo(bytes.subarray(0, len)))).toMatch(/^truncated/);
    expect(kindOf(() => decodeEngineInfo(Uint8Array.from([...bytes, 1])))).toMatch(/^malformed: .*trailing/);
  });

  it('rejects what it cannot encode', () => {
    expect(kindOf(() => encodeEngineInfo({ ...info, target: '' }))).toMatch(/^invalid-input: target/);
    expect(kindOf(() => encodeEngineInfo({ ...info, wasmFeatures: ['simd', 'simd'] }))).toMatch(/listed twice/);
    expect(kindOf(() => encodeEngineInfo({ ...info, isaFlags: { x: 1 as unknown as string } }))).toMatch(/value of ISA flag x/);
    expect(kindOf(() => encodeEngineInfo({ ...info, derrickVersion: '\udc00' }))).toMatch(/lone surrogate/);
    // A leading byte-order mark is an ordinary character and survives the round trip.
    expect(decodeEngineInfo(encodeEngineInfo({ ...info, derrickVersion: '\ufeff1' })).derrickVersion).toBe('\ufeff1');
  });

  it('diffEngineInfo names every differing setting, policy-free', () => {
    expect(diffEngineInfo(info, info)).toEqual([]);
    const other: EngineInfo = {
      derrickVersion: '0.2.0',
      target: 'aarch64-unknown-linux',
      sharedFlags: { opt_level: 'none', enable_verifier: 'true', preserve_frame_pointers: 'true' },
      isaFlags: { has_sse41: 'true' },
      wasmFeatures: ['simd', 'threads'],
    };
    expect(diffEngineInfo(info, other)).toEqual([
      { field: 'derrickVersion', expected: '0.1.0', actual: '0.2.0' },
      { field: 'target', expected: 'x86_64-unknown-linux', actual: 'aarch64-unknown-linux' },
      { field: 'sharedFlag', name: 'opt_level', expected: 'speed', actual: 'none' },
      { field: 'sharedFlag', name: 'preserve_frame_pointers', expected: undefined, actual: 'true' },
      { field: 'isaFlag', name: 'has_avx2', expected: 'false', actual: undefined },
      { field: 'wasmFeature', name: 'bulk-memory', expected: true, actual: false },
      { field: 'wasmFeature', name: 'threads', expected: false, actual: true },
    ]);
  });
});
