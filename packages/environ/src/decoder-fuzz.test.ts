/**
 * Decoder fuzzing: mutated and truncated modules must only ever produce a
 * `WasmError` (only-wasm-errors), quickly (terminates), and whatever decodes
 * must be self-consistent.
 *
 * Seeds: the clang-built benchmark modules in `shared/bench` (when present)
 * and a hand-assembled module touching every section and encoding family.
 * Mutations are driven by a fixed-seed PRNG so failures reproduce.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WasmError } from './errors.js';
import { decodeModule } from './module-decoder.js';
import { OperatorReader } from './operator-reader.js';
import {
  EXTERNREF,
  F64,
  FUNCREF,
  I32,
  I64,
  V128,
  body,
  codeSection,
  customSection,
  dataCountSection,
  dataSection,
  elemSection,
  exportEntry,
  exportSection,
  funcSection,
  funcType,
  global,
  globalSection,
  i32Const,
  importEntry,
  importSection,
  limits,
  memorySection,
  misc,
  name,
  refFunc,
  simd,
  startSection,
  tableSection,
  typeSection,
  u32,
  vec,
  wasmModule,
} from './test-support/wasm-builder.js';

const BENCH_DIR = process.env['DERRICK_BENCH_DIR'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/bench');

/** A module that touches every section kind and the main encoding families. */
function kitchenSink(): Uint8Array {
  const v128 = simd(0x0c, ...Array.from({ length: 16 }, (_, i) => i));
  return wasmModule(
    typeSection([funcType([I32, I64], [I32]), funcType([], []), funcType([V128], [V128, I32])]),
    importSection([importEntry('env', 'f', [0x00, 0x01]), importEntry('env', 'g', [0x03, F64, 0x00])]),
    funcSection([0, 1, 2]),
    tableSection([[FUNCREF, ...limits(2, 10)], [EXTERNREF, ...limits(0)]]),
    memorySection([limits(1, 2)]),
    globalSection([global(I32, true, i32Const(-7)), global(FUNCREF, false, refFunc(1))]),
    exportSection([exportEntry('main', 0, 1), exportEntry('mem', 2, 0), exportEntry('tab', 1, 0)]),
    startSection(2),
    elemSection([[0x00, ...i32Const(0), 0x0b, ...vec([u32(1), u32(2)])], [0x05, FUNCREF, ...vec([[...refFunc(3), 0x0b]])], [0x03, 0x00, ...vec([u32(0)])]]),
    dataCountSection(2),
    codeSection([
      body([[2, I32]], [0x20, 0x00, 0x20, 0x01, 0xa7, 0x6a, 0x02, 0x7f, 0x41, 0x05, 0x41, 0x01, 0x0d, 0x00, 0x1a, 0x41, 0x02, 0x0b, 0x6a]),
      body([], [0x41, 0x00, 0x41, 0x00, 0x41, 0x00, ...misc(8, 0x01, 0x00), ...misc(9, 0x00), 0x41, 0x00, 0x0e, 0x01, 0x00, 0x00]),
      body([], [0x20, 0x00, ...v128, ...simd(0x0d, ...Array.from({ length: 16 }, (_, i) => 31 - i)), 0x20, 0x00, ...simd(0x1b, 0x03)]),
    ]),
    dataSection([[0x00, ...i32Const(16), 0x0b, ...vec([[1], [2], [3]])], [0x01, ...vec([[4]])]]),
    customSection('name', [0x00, ...u32(name('sink').length), ...name('sink'), 0x01, ...u32(vec([[1, ...name('main')]]).length), ...vec([[1, ...name('main')]])]),
  );
}

function seeds(): { name: string; bytes: Uint8Array }[] {
  const out = [{ name: 'kitchen-sink', bytes: kitchenSink() }];
  if (existsSync(BENCH_DIR)) {
    for (const f of readdirSync(BENCH_DIR).filter((f) => f.endsWith('.wasm')).sort()) {
      out.push({ name: f, bytes: new Uint8Array(readFileSync(join(BENCH_DIR, f))) });
    }
  }
  return out;
}

/** xorshift32 with a fixed seed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

const INTERESTING = [0x00, 0x01, 0x0b, 0x40, 0x41, 0x60, 0x6f, 0x70, 0x7f, 0x80, 0xff, 0xfc, 0xfd];

function mutate(seed: Uint8Array, rnd: (n: number) => number): Uint8Array {
  let b: Uint8Array = seed.slice();
  const edits = 1 + rnd(4);
  for (let k = 0; k < edits && b.length > 0; k++) {
    const p = rnd(b.length);
    switch (rnd(7)) {
      case 0:
        b[p] = rnd(256);
        break;
      case 1:
        b[p] = b[p]! ^ (1 << rnd(8));
        break;
      case 2:
        b = splice(b, p, 0, Uint8Array.of(rnd(256)));
        break;
      case 3:
        b = splice(b, p, 1 + rnd(4), new Uint8Array(0));
        break;
      case 4:
        b[p] = INTERESTING[rnd(INTERESTING.length)]!;
        break;
      case 5:
        // Duplicate a slice (repeated instructions, sections, vector items).
        b = splice(b, p, 0, b.slice(p, p + 1 + rnd(16)));
        break;
      default:
        // Overlong/continued LEB byte.
        b[p] = b[p]! | 0x80;
    }
  }
  return b;
}

/** `b` with `del` bytes at `at` replaced by `ins`. */
function splice(b: Uint8Array, at: number, del: number, ins: Uint8Array): Uint8Array {
  const end = Math.min(b.length, at + del);
  const out = new Uint8Array(b.length - (end - at) + ins.length);
  out.set(b.subarray(0, at), 0);
  out.set(ins, at);
  out.set(b.subarray(end), at + ins.length);
  return out;
}

/** Decode; anything thrown must be a WasmError. Returns whether the module decoded. */
function decodeOnly(bytes: Uint8Array): boolean {
  const t0 = performance.now();
  try {
    const m = decodeModule(bytes);
    // Whatever decodes must be replayable by the operator reader.
    for (const b of m.functionBodies) {
      const r = new OperatorReader(bytes, b.codeStart, b.codeEnd);
      while (!r.atEnd) r.read();
    }
    return true;
  } catch (e) {
    if (!(e instanceof WasmError)) throw new Error(`non-WasmError escaped: ${String(e)}\n${Buffer.from(bytes).toString('hex')}`);
    if (!(e.offset >= 0 && e.offset <= bytes.length)) throw new Error(`offset ${e.offset} outside the module: ${e.message}`);
    return false;
  } finally {
    const ms = performance.now() - t0;
    if (ms > 250) throw new Error(`decoding took ${ms.toFixed(0)} ms\n${Buffer.from(bytes).toString('hex')}`);
  }
}

describe('decoder fuzz', () => {
  const corpus = seeds();

  it('decodes every seed', () => {
    for (const s of corpus) {
      try {
        decodeModule(s.bytes);
      } catch (e) {
        throw new Error(`${s.name}: ${String(e)}`);
      }
    }
  });

  it('survives every truncation of every seed', () => {
    for (const s of corpus) {
      for (let len = 0; len < s.bytes.length; len++) decodeOnly(s.bytes.subarray(0, len));
    }
  });

  it('survives thousands of mutations', () => {
    const rnd = prng(0xdecade);
    let decoded = 0;
    const rounds = 20_000;
    for (let i = 0; i < rounds; i++) {
      const s = corpus[rnd(corpus.length)]!;
      if (decodeOnly(mutate(s.bytes, rnd))) decoded++;
    }
    // Some mutants must stay valid, or the mutations only ever test the first check.
    expect(decoded).toBeGreaterThan(rounds / 100);
  });
});
