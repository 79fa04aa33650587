/**
 * Text format → binary, through wabt.
 *
 * Derrick does not parse the WebAssembly text format itself: text modules are
 * turned into binaries by wabt (the `wabt` npm package, wabt compiled to
 * wasm) and then decoded and **validated by our own decoder**
 * (`@derrick/environ`). wabt's own `validate()` is therefore never called —
 * an invalid module must reach our validator, which is what
 * `assert_invalid` tests.
 *
 * wabt's text parser does reject some modules that the spec calls *invalid*
 * rather than malformed (for instance names it cannot resolve); the runner
 * reports those as failures rather than pretending they passed.
 *
 * One wabt instance is created per process (`loadWabt`), because
 * instantiating it costs tens of milliseconds and the spec suite converts
 * about two thousand modules. Every parsed wabt module is destroyed after use
 * so the wabt heap does not grow.
 */

import type wabtInit = require('wabt');

/** The wabt module instance (the resolved value of `require('wabt')()`). */
export type Wabt = Awaited<ReturnType<typeof wabtInit>>;

/** wabt feature flags (the parameter of `parseWat`). */
export type WabtFeatures = NonNullable<Parameters<Wabt['parseWat']>[2]>;

/**
 * The WebAssembly 2.0 feature set: everything standardised by 2.0 on,
 * everything later off, so that text from later proposals is rejected.
 */
export const WASM2_FEATURES: Readonly<WabtFeatures> = Object.freeze({
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  multi_value: true,
  bulk_memory: true,
  reference_types: true,
  exceptions: false,
  threads: false,
  function_references: false,
  tail_call: false,
  annotations: false,
  code_metadata: false,
  gc: false,
  memory64: false,
  extended_const: false,
  relaxed_simd: false,
});

/** wabt could not turn a text module into a binary. */
export class WatError extends Error {
  readonly kind = 'wat' as const;
  constructor(
    message: string,
    /** wabt itself failed (aborted) rather than rejecting the text; its instance must be replaced. */
    readonly wabtCrashed = false,
  ) {
    super(message);
    this.name = 'WatError';
  }
}

let wabtInstance: Promise<Wabt> | undefined;

/** The process-wide wabt instance (created on first use). */
export function loadWabt(): Promise<Wabt> {
  // wabt is CommonJS (`export =`); under Node's ESM interop its
  // `module.exports` is the namespace's `default`.
  wabtInstance ??= import('wabt').then((mod) => (mod as unknown as { default: typeof wabtInit }).default());
  return wabtInstance;
}

/**
 * Forgets the process-wide wabt instance. wabt is C++ compiled to wasm; if it
 * ever aborts, its heap is unusable and the next conversion needs a fresh
 * instance.
 */
export function resetWabt(): void {
  wabtInstance = undefined;
}

export interface WatOptions {
  /** Name used in wabt's error messages. */
  filename?: string;
  /**
   * Position of the text inside a larger file (1-based). wabt's messages then
   * point into that file: the text is preceded by `line - 1` newlines and
   * `column - 1` spaces, which costs nothing and keeps diagnostics honest.
   */
  line?: number;
  column?: number;
  /** Feature flags; defaults to `WASM2_FEATURES`. */
  features?: WabtFeatures;
}

const encoder = new TextEncoder();

/**
 * Converts WebAssembly text (a `(module …)` or bare module fields) to a binary
 * with an already loaded wabt. Throws `WatError` with wabt's diagnostics.
 */
export function watToBinaryWith(wabt: Wabt, text: Uint8Array | string, options: WatOptions = {}): Uint8Array {
  const filename = options.filename ?? 'module.wat';
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  const line = options.line ?? 1;
  const column = options.column ?? 1;
  // Wabt-input-invariant: wabt.js copies `view.buffer.byteLength` bytes from
  // the start of a view, so the view handed to it must be a whole, exactly
  // sized buffer. Copying here also gives room for the position padding.
  const pad = line - 1 + column - 1;
  const input = new Uint8Array(pad + bytes.length);
  input.fill(0x0a, 0, line - 1);
  input.fill(0x20, line - 1, pad);
  input.set(bytes, pad);
  let module: ReturnType<Wabt['parseWat']> | undefined;
  try {
    module = wabt.parseWat(WABT_FILENAME, input, options.features ?? WASM2_FEATURES);
    module.resolveNames();
    return ensureDataCount(module.toBinary({}).buffer);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // A rejection reads "parseWat failed:\n<file>:<line>:<col>: error: …\n<source line>\n<caret>"
    // (or "toBinary failed."); anything else is wabt itself going wrong.
    const rejected = /^(parseWat|toBinary) failed/.test(message);
    const text = message.replace(/^parseWat failed:\n/, '').replaceAll(`${WABT_FILENAME}:`, `${filename}:`).trimEnd();
    throw new WatError(rejected ? text : `wabt crashed: ${text}`, !rejected);
  } finally {
    module?.destroy();
  }
}

/**
 * The file name given to wabt. wabt.js allocates `name.length` bytes for the C
 * string and then writes `name.length + 1` (the terminator), one byte past
 * its block; a length of 7 (mod 8) keeps that byte inside the allocator's
 * rounding, and plain ASCII keeps lengths in characters and bytes equal. The
 * real name is substituted back into wabt's messages.
 */
const WABT_FILENAME = '<input>';

/**
 * Adds the DataCount section that wabt leaves out.
 *
 * The binary format requires a DataCount section (id 12) in any module whose
 * code uses `memory.init` or `data.drop` (spec §5.5.16); without it the
 * binary is *malformed*. wabt writes the section only when the module has
 * data segments, so a text module such as `(func (data.drop 0))` — which the
 * spec calls *invalid* ("unknown data segment") — would reach our decoder as
 * a malformed binary and the `assert_invalid` would test the wrong thing.
 *
 * *DataCount-invariant*: the returned binary has a DataCount section whenever
 * its code section contains the byte pair `0xFC 0x08` (memory.init) or
 * `0xFC 0x09` (data.drop), and its count equals the number of data segments.
 * The byte scan can see such a pair inside an immediate; the section is then
 * merely redundant, never wrong, so no instruction decoding is needed here.
 */
export function ensureDataCount(binary: Uint8Array): Uint8Array {
  if (binary.length < 8) return binary;
  const readU32 = (at: number): [value: number, next: number] => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= binary.length || shift > 28) return [-1, at];
      const b = binary[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return [value, at];
      shift += 7;
    }
  };
  let pos = 8;
  let insertAt = -1;
  let codeStart = -1;
  let codeEnd = -1;
  let dataCount = 0;
  while (pos < binary.length) {
    const headerStart = pos;
    const id = binary[pos]!;
    const [size, bodyStart] = readU32(pos + 1);
    if (size < 0 || bodyStart + size > binary.length) return binary; // not ours to fix
    if (id === 12) return binary;
    if ((id === 10 || id === 11) && insertAt < 0) insertAt = headerStart;
    if (id === 10) [codeStart, codeEnd] = [bodyStart, bodyStart + size];
    if (id === 11) dataCount = Math.max(0, readU32(bodyStart)[0]);
    pos = bodyStart + size;
  }
  if (codeStart < 0) return binary;
  let uses = false;
  for (let i = codeStart; i + 1 < codeEnd && !uses; i++) {
    uses = binary[i] === 0xfc && (binary[i + 1] === 0x08 || binary[i + 1] === 0x09);
  }
  if (!uses) return binary;
  const count: number[] = [];
  let n = dataCount;
  do {
    count.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 0x80);
  } while (n > 0);
  const section = [12, count.length, ...count];
  const out = new Uint8Array(binary.length + section.length);
  out.set(binary.subarray(0, insertAt), 0);
  out.set(section, insertAt);
  out.set(binary.subarray(insertAt), insertAt + section.length);
  return out;
}

/** Converts WebAssembly text to a binary (loads wabt on first use). */
export async function watToBinary(text: Uint8Array | string, options: WatOptions = {}): Promise<Uint8Array> {
  return watToBinaryWith(await loadWabt(), text, options);
}

/** The first diagnostic of a `WatError` message, without the source excerpt. */
export function firstWatDiagnostic(message: string): string {
  const line = message.split('\n').find((l) => l.includes('error:')) ?? message.split('\n')[0] ?? message;
  return line.trim();
}
