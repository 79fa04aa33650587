/**
 * Hostile-input fuzzing of every reader in the package, seeded so failures
 * reproduce. Invariant under test (typed-failure, `error.ts`): whatever the
 * bytes, a reader either succeeds or throws an `ObjectError`.
 */
import { describe, expect, it } from 'vitest';
import {
  AddressMap,
  FunctionTable,
  ObjectError,
  SHT_SYMTAB,
  TrapTable,
  decodeEngineInfo,
  readCwasm,
  readDerrickImage,
  readElf,
  type ElfMachine,
} from '../src/index.js';
import { prng, sampleImage } from './fixtures.js';

const DECODERS: Record<string, (b: Uint8Array, textSize?: number) => unknown> = {
  '.derrick.funcs': (b, textSize) => FunctionTable.decode(b, { textSize }),
  '.derrick.traps': (b, textSize) => TrapTable.decode(b, { textSize }),
  '.derrick.addrmap': (b, textSize) => AddressMap.decode(b, { textSize }),
  '.derrick.engine': (b) => decodeEngineInfo(b),
};

/** Distinct error messages (numbers masked), to check the fuzzer reaches deep paths. */
const seen = new Map<string, number>();

/** Calls `f`; returns whether it succeeded, and rethrows anything that is not an ObjectError. */
function typed(what: string, f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof ObjectError && e.message.length > 0) {
      const template = `${e.kind}: ${e.message.replace(/0x[0-9a-f]+|\d+|"[^"]*"|found .*/g, '#').replace(/ \(at offset .*/, '')}`;
      seen.set(template, 1 + (seen.get(template) ?? 0));
      return false;
    }
    throw new Error(`${what}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of an ObjectError`, { cause: e });
  }
}

/** Drives every reader API over `bytes`. */
function exercise(bytes: Uint8Array, what: string): void {
  typed(`${what}: readElf`, () => {
    const elf = readElf(bytes);
    for (const s of elf.sections) {
      elf.sectionData(s);
      const decode = DECODERS[s.name];
      if (decode) {
        const data = elf.sectionData(s);
        typed(`${what}: ${s.name}`, () => decode(data));
        typed(`${what}: ${s.name} with text size`, () => decode(data, 8));
      }
      if (s.type === SHT_SYMTAB) typed(`${what}: symbols`, () => elf.symbols(s));
    }
    typed(`${what}: symbols`, () => elf.symbols());
    typed(`${what}: findSymbol`, () => elf.findSymbol('wasm[0]::function[0]'));
    typed(`${what}: relocations`, () => elf.relocationSections());
    typed(`${what}: relocationsFor`, () => elf.relocationsFor('.text'));
  });
  typed(`${what}: readDerrickImage`, () => readDerrickImage(bytes));
  typed(`${what}: readCwasm`, () => readCwasm(bytes));
}

const INTERESTING = [0, 1, 2, 7, 8, 16, 24, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0xfff0, 0xff00, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

describe.each<ElfMachine>(['x86_64', 'aarch64'])('%s image', (machine) => {
  const good = sampleImage(machine);

  it('the unmutated image passes every reader', () => {
    expect(typed('good', () => readDerrickImage(good))).toBe(true);
  });

  it('exhaustive: every byte set to 0x00, 0xff, 0x80 and flipped by 0x01', () => {
    for (let i = 0; i < good.length; i++) {
      for (const op of [(x: number) => 0, () => 0xff, () => 0x80, (x: number) => x ^ 1]) {
        const bad = good.slice();
        bad[i] = op(bad[i]!);
        exercise(bad, `byte ${i}`);
      }
    }
  });

  it('exhaustive: every truncation length', () => {
    for (let len = 0; len < good.length; len++) exercise(good.subarray(0, len), `truncated to ${len}`);
  });

  it('random multi-byte mutations, field-sized interesting values and truncations (seeded)', () => {
    const rand = prng(machine === 'x86_64' ? 0xd3ee1c : 0xa64);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    let accepted = 0;
    const N = 6000;
    for (let iter = 0; iter < N; iter++) {
      let bad = good.slice();
      const view = new DataView(bad.buffer);
      const mutations = 1 + Math.floor(rand() * 6);
      for (let m = 0; m < mutations; m++) {
        const choice = rand();
        if (choice < 0.35) {
          bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
        } else if (choice < 0.85) {
          // An interesting value written as a little-endian field, usually into the headers.
          const width = pick([1, 2, 4, 8] as const);
          const inTables = rand() < 0.7;
          const base = inTables ? pick([0, Number(view.getBigUint64(40, true)) || 0]) : 0;
          const span = inTables ? 64 * 12 : bad.length;
          const at = Math.min(bad.length - width, base + Math.floor((rand() * span) / width) * width);
          if (at < 0) continue;
          const v = pick([...INTERESTING, bad.length, bad.length - 1, bad.length + 1]);
          if (width === 1) view.setUint8(at, v & 0xff);
          else if (width === 2) view.setUint16(at, v & 0xffff, true);
          else if (width === 4) view.setUint32(at, v >>> 0, true);
          else view.setBigUint64(at, rand() < 0.2 ? 0xffff_ffff_ffff_ffffn : BigInt(v), true);
        } else {
          bad = bad.slice(0, Math.floor(rand() * bad.length));
        }
      }
      exercise(bad, `iteration ${iter}`);
      if (typed('', () => readElf(bad))) accepted++;
    }
    // The mutations must not be so destructive that the deep paths are never reached.
    expect(accepted).toBeGreaterThan(N / 10);
  });
});

describe('random bytes', () => {
  it('every decoder and reader, on random inputs of every small length (seeded)', () => {
    const rand = prng(7);
    for (let iter = 0; iter < 4000; iter++) {
      const len = Math.floor(rand() * 200);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      // Give the metadata decoders a valid version most of the time, so they get past it.
      if (len >= 4 && rand() < 0.8) new DataView(bytes.buffer).setUint32(0, 1, true);
      // Keep counts small sometimes, so the entry loops run.
      if (len >= 8 && rand() < 0.5) new DataView(bytes.buffer).setUint32(4, Math.floor(rand() * 8), true);
      for (const [name, decode] of Object.entries(DECODERS)) {
        typed(`${name} #${iter}`, () => decode(bytes));
        typed(`${name} #${iter} with text size`, () => decode(bytes, 64));
      }
      const elfish = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, ...bytes]);
      exercise(elfish, `random ELF-ish #${iter}`);
    }
  });
});

it('the fuzzer reaches every reader failure kind (it is not stuck at the magic number)', () => {
  const kinds = new Set([...seen.keys()].map((k) => k.split(':')[0]));
  for (const kind of ['truncated', 'malformed', 'unsupported', 'bad-magic', 'missing-section', 'version-mismatch']) expect(kinds).toContain(kind);
  expect(seen.size).toBeGreaterThan(100);
});
