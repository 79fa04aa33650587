/**
 * The `.cwasm` container: round trip, the order of checks, and the exhaustive
 * corruption proof — every single-byte change and every truncation of a
 * small image is rejected with an `ObjectError`.
 */
import { describe, expect, it } from 'vitest';
import {
  CWASM_TRAILER_SIZE,
  DerrickSection,
  ElfWriter,
  ObjectError,
  diffEngineInfo,
  encodeEngineInfo,
  fnv1a64,
  isCwasm,
  readCwasm,
  readDerrickImage,
  writeCwasm,
  type ElfMachine,
  type ObjectErrorKind,
} from '../src/index.js';
import { sampleCwasm, sampleEngine, sampleImage, sampleText } from './fixtures.js';

function errorOf(f: () => unknown): ObjectError {
  try {
    f();
  } catch (e) {
    if (e instanceof ObjectError) return e;
    throw new Error(`expected an ObjectError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an ObjectError, but nothing was thrown');
}

function expectKind(f: () => unknown, kind: ObjectErrorKind, message?: RegExp): ObjectError {
  const e = errorOf(f);
  expect(e.kind, e.message).toBe(kind);
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe.each<ElfMachine>(['x86_64', 'aarch64'])('%s', (machine) => {
  it('round-trips: readCwasm returns the image and its decoded metadata', () => {
    const image = sampleImage(machine);
    const cwasm = writeCwasm(image);
    expect(cwasm.length).toBe(image.length + CWASM_TRAILER_SIZE);
    expect(isCwasm(cwasm)).toBe(true);
    expect(isCwasm(image)).toBe(false);
    const m = readCwasm(cwasm);
    expect(m.image).toEqual(image);
    expect(m.machine).toBe(machine);
    expect(m.text).toEqual(sampleText(machine).text);
    expect(diffEngineInfo(sampleEngine(machine), m.engine)).toEqual([]);
    expect(m.engine.wasmFeatures).toEqual([...sampleEngine(machine).wasmFeatures].sort());
    expect(m.functions?.entries().map((e) => e.funcIndex)).toEqual([2, 3]);
    expect(m.traps?.lookup(5)).toBe(3);
    expect(m.addressMap?.lookup(1)).toBe(0x40);
    expect(new TextDecoder().decode(m.info)).toBe('{"module":"sample"}');
    expect(m.elf.relocationsFor('.text').length).toBe(sampleText(machine).relocations.length);
  });

  it('is deterministic', () => {
    expect(sampleCwasm(machine)).toEqual(sampleCwasm(machine));
  });

  it('rejects every single-byte change and every truncation (exhaustive)', () => {
    const good = sampleCwasm(machine);
    expect(() => readCwasm(good)).not.toThrow();
    const kinds = new Map<string, number>();
    const reject = (bytes: Uint8Array, what: string): void => {
      const e = errorOf(() => readCwasm(bytes));
      if (!(e instanceof ObjectError)) throw new Error(`${what}: not an ObjectError`);
      kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    };
    for (let i = 0; i < good.length; i++) {
      for (const mask of [0xff, 0x01, 0x80]) {
        const bad = good.slice();
        bad[i]! ^= mask;
        reject(bad, `byte ${i} ^ ${mask}`);
      }
    }
    for (let len = 0; len < good.length; len++) reject(good.subarray(0, len), `truncated to ${len}`);
    // Flips inside the image are caught by the checksum, not by luck in the parser.
    expect(kinds.get('checksum-mismatch')).toBeGreaterThan(3 * (good.length - CWASM_TRAILER_SIZE) - 1);
  });

  it('rejects an appended byte', () => {
    const good = sampleCwasm(machine);
    expectKind(() => readCwasm(Uint8Array.from([...good, 0])), 'malformed', /trailer/);
  });
});

describe('readCwasm check order and messages', () => {
  it('tells the user to compile a plain .wasm instead', () => {
    const wasm = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    expectKind(() => readCwasm(wasm), 'not-precompiled', /Module\.new/);
  });

  it('rejects non-ELF input with bad-magic and tiny input with truncated', () => {
    expectKind(() => readCwasm(new TextEncoder().encode('hello world, not an image')), 'bad-magic');
    expectKind(() => readCwasm(new Uint8Array(0)), 'truncated');
    expectKind(() => readCwasm(Uint8Array.of(0x7f, 0x45)), 'truncated');
  });

  it('rejects a plain ELF object (no trailer)', () => {
    expectKind(() => readCwasm(sampleImage('x86_64')), 'malformed', /plain ELF object/);
  });

  it('names the trailer version it cannot read', () => {
    const bytes = sampleCwasm('x86_64');
    new DataView(bytes.buffer).setUint32(bytes.length - 16, 2, true);
    expectKind(() => readCwasm(bytes), 'version-mismatch', /trailer version is 2/);
  });

  it('reports a checksum mismatch at the checksum field', () => {
    const bytes = sampleCwasm('aarch64');
    bytes[100]! ^= 1;
    const e = expectKind(() => readCwasm(bytes), 'checksum-mismatch', /corrupted/);
    expect(e.offset).toBe(bytes.length - 8);
  });

  it('verifies the checksum before parsing: a re-checksummed damaged image fails on structure', () => {
    const image = sampleImage('x86_64');
    image[60] = 0xff; // e_shnum low byte -> section table past the end of the file
    const bytes = new Uint8Array(image.length + CWASM_TRAILER_SIZE);
    bytes.set(image);
    bytes.set(new TextEncoder().encode('DRKCWASM'), image.length);
    const view = new DataView(bytes.buffer);
    view.setUint32(image.length + 8, 1, true);
    view.setUint32(image.length + 12, image.length, true);
    view.setBigUint64(bytes.length - 8, fnv1a64(bytes.subarray(0, bytes.length - 8)), true);
    expectKind(() => readCwasm(bytes), 'truncated', /section header table/);
  });
});

describe('readDerrickImage structure checks', () => {
  const engine = encodeEngineInfo(sampleEngine('x86_64'));
  const text = Uint8Array.of(0xc3);

  it('requires .derrick.engine', () => {
    const image = new ElfWriter('x86_64').setText(text).finish();
    expectKind(() => readDerrickImage(image), 'missing-section', /\.derrick\.engine/);
    expect(() => writeCwasm(image)).toThrow(/not a valid Derrick image/);
    expectKind(() => writeCwasm(image), 'invalid-input');
  });

  it('requires the target triple to name the ELF machine', () => {
    const image = new ElfWriter('aarch64').setText(Uint8Array.of(0xc0, 0x03, 0x5f, 0xd6)).addCustomSection(DerrickSection.engine, engine).finish();
    expectKind(() => readDerrickImage(image), 'malformed', /x86_64-unknown-linux.*aarch64/);
  });

  it('checks metadata against the text size', () => {
    const funcs = new Uint8Array(20);
    const v = new DataView(funcs.buffer);
    v.setUint32(0, 1, true); // version
    v.setUint32(4, 1, true); // one function
    v.setUint32(8, 0, true); // funcIndex
    v.setUint32(12, 0, true); // offset
    v.setUint32(16, 2, true); // length 2 > text size 1
    const image = new ElfWriter('x86_64').setText(text).addCustomSection(DerrickSection.engine, engine).addCustomSection(DerrickSection.funcs, funcs).finish();
    const e = expectKind(() => readDerrickImage(image), 'malformed', /extends past the end of \.text/);
    expect(e.offset).toBeGreaterThan(64);
  });

  it('accepts a minimal image: text and engine info only', () => {
    const image = new ElfWriter('x86_64').setText(text).addCustomSection(DerrickSection.engine, engine).finish();
    const m = readCwasm(writeCwasm(image));
    expect(m.functions).toBeUndefined();
    expect(m.traps).toBeUndefined();
    expect(m.addressMap).toBeUndefined();
    expect(m.info).toBeUndefined();
    expect(m.text).toEqual(text);
  });
});
