/**
 * Values passed to and expected from wasm by a script, and how a result is
 * matched against an expectation.
 *
 * Representation (chosen so nothing is lost on the way to an executor):
 *  - `i32`: a JS number holding the *signed* 32-bit value; `i64`: a bigint in
 *    [-2^63, 2^63) — the WebAssembly JS API's convention;
 *  - `f32`/`f64`: **bit patterns** (`number` u32 / `bigint` u64), never JS
 *    floats, so NaN payloads and `-0` survive;
 *  - `v128`: 16 little-endian bytes;
 *  - references: `funcref` (null, or an executor-defined non-null function
 *    value) and `externref` (null, or the host reference number `N` of the
 *    script's `ref.extern N`).
 *
 * Matching compares bits: an exact float expectation matches only the same
 * bit pattern (the reference interpreter's rule), `nan:canonical` matches
 * exactly the two canonical NaNs, and `nan:arithmetic` any NaN whose quiet bit
 * is set.
 */

import { formatF32, formatF64 } from './numbers.js';

export type WastValue =
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'i64'; readonly value: bigint }
  | { readonly type: 'f32'; readonly bits: number }
  | { readonly type: 'f64'; readonly bits: bigint }
  | { readonly type: 'v128'; readonly bytes: Uint8Array }
  /** `value` is `null` for `ref.null func`, else an executor-defined function. */
  | { readonly type: 'funcref'; readonly value: unknown }
  /** `value` is `null` for `ref.null extern`, else the host reference number. */
  | { readonly type: 'externref'; readonly value: number | null };

export type NanPattern = 'canonical' | 'arithmetic';

/** Lane shapes of `v128.const`. */
export type V128Shape = 'i8x16' | 'i16x8' | 'i32x4' | 'i64x2' | 'f32x4' | 'f64x2';

/** One lane of an expected vector: its exact bits, or a NaN pattern (float lanes). */
export type LaneExpectation = { readonly kind: 'bits'; readonly bits: bigint } | { readonly kind: 'nan'; readonly nan: NanPattern };

/** What an `assert_return` result position accepts. */
export type WastExpected =
  /** Exactly this value (floats and vectors bitwise). */
  | { readonly kind: 'value'; readonly value: WastValue }
  /** `(f32.const nan:canonical)` and friends. */
  | { readonly kind: 'nan'; readonly type: 'f32' | 'f64'; readonly nan: NanPattern }
  /** A vector with at least one NaN-pattern lane, compared lane by lane. */
  | { readonly kind: 'v128'; readonly shape: V128Shape; readonly lanes: readonly LaneExpectation[] }
  /** `(ref.func)`: any non-null funcref. */
  | { readonly kind: 'ref.func' }
  /** `(ref.extern)`: any non-null externref. */
  | { readonly kind: 'ref.extern' }
  /** `(either r1 r2 …)`: any one of the alternatives. */
  | { readonly kind: 'either'; readonly alternatives: readonly WastExpected[] };

export function laneCount(shape: V128Shape): number {
  return 128 / laneBits(shape);
}

export function laneBits(shape: V128Shape): number {
  return Number(shape.slice(1, shape.indexOf('x')));
}

/** Reads lane `i` of a vector as unsigned bits. */
export function readLane(bytes: Uint8Array, shape: V128Shape, i: number): bigint {
  const width = laneBits(shape) / 8;
  let v = 0n;
  for (let b = width - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[i * width + b]!);
  return v;
}

/** Writes unsigned lane bits into a vector. */
export function writeLane(bytes: Uint8Array, shape: V128Shape, i: number, bits: bigint): void {
  const width = laneBits(shape) / 8;
  let v = bits;
  for (let b = 0; b < width; b++) {
    bytes[i * width + b] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function isF32Nan(bits: number, nan: NanPattern): boolean {
  const b = bits >>> 0;
  if ((b & 0x7f800000) !== 0x7f800000 || (b & 0x007fffff) === 0) return false;
  return nan === 'canonical' ? (b & 0x7fffffff) === 0x7fc00000 : (b & 0x00400000) !== 0;
}

function isF64Nan(bits: bigint, nan: NanPattern): boolean {
  const exp = 0x7ff0000000000000n;
  const frac = 0x000fffffffffffffn;
  if ((bits & exp) !== exp || (bits & frac) === 0n) return false;
  return nan === 'canonical'
    ? (bits & 0x7fffffffffffffffn) === 0x7ff8000000000000n
    : (bits & 0x0008000000000000n) !== 0n;
}

function laneIsNan(bits: bigint, shape: V128Shape, nan: NanPattern): boolean {
  if (shape === 'f32x4') return isF32Nan(Number(bits), nan);
  if (shape === 'f64x2') return isF64Nan(bits, nan);
  return false;
}

function sameValue(actual: WastValue, expected: WastValue): boolean {
  switch (expected.type) {
    case 'i32':
      return actual.type === 'i32' && (actual.value | 0) === (expected.value | 0);
    case 'i64':
      return actual.type === 'i64' && BigInt.asIntN(64, actual.value) === BigInt.asIntN(64, expected.value);
    case 'f32':
      return actual.type === 'f32' && actual.bits >>> 0 === expected.bits >>> 0;
    case 'f64':
      return actual.type === 'f64' && BigInt.asUintN(64, actual.bits) === BigInt.asUintN(64, expected.bits);
    case 'v128':
      return actual.type === 'v128' && actual.bytes.length === 16 && actual.bytes.every((b, i) => b === expected.bytes[i]);
    case 'funcref':
      return actual.type === 'funcref' && (expected.value === null ? actual.value === null : actual.value === expected.value);
    case 'externref':
      return actual.type === 'externref' && actual.value === expected.value;
  }
}

/** Does `actual` satisfy `expected`? */
export function matchesExpected(actual: WastValue, expected: WastExpected): boolean {
  switch (expected.kind) {
    case 'value':
      return sameValue(actual, expected.value);
    case 'nan':
      if (expected.type === 'f32') return actual.type === 'f32' && isF32Nan(actual.bits, expected.nan);
      return actual.type === 'f64' && isF64Nan(actual.bits, expected.nan);
    case 'v128': {
      if (actual.type !== 'v128') return false;
      return expected.lanes.every((lane, i) => {
        const bits = readLane(actual.bytes, expected.shape, i);
        return lane.kind === 'bits' ? bits === lane.bits : laneIsNan(bits, expected.shape, lane.nan);
      });
    }
    case 'ref.func':
      return actual.type === 'funcref' && actual.value !== null;
    case 'ref.extern':
      return actual.type === 'externref' && actual.value !== null;
    case 'either':
      return expected.alternatives.some((alt) => matchesExpected(actual, alt));
  }
}

function formatV128(bytes: Uint8Array, shape: V128Shape = 'i32x4'): string {
  const lanes: string[] = [];
  for (let i = 0; i < laneCount(shape); i++) {
    const bits = readLane(bytes, shape, i);
    if (shape === 'f32x4') lanes.push(formatF32(Number(bits)));
    else if (shape === 'f64x2') lanes.push(formatF64(bits));
    else lanes.push('0x' + bits.toString(16));
  }
  return `v128 ${shape} ${lanes.join(' ')}`;
}

/** Renders a value for failure messages, e.g. `i32 -1`, `f32 nan (0x7fc00000)`. */
export function formatValue(value: WastValue): string {
  switch (value.type) {
    case 'i32':
      return `i32 ${value.value | 0}`;
    case 'i64':
      return `i64 ${value.value}`;
    case 'f32':
      return `f32 ${formatF32(value.bits)}`;
    case 'f64':
      return `f64 ${formatF64(value.bits)}`;
    case 'v128':
      return formatV128(value.bytes);
    case 'funcref':
      return value.value === null ? 'ref.null func' : 'ref.func';
    case 'externref':
      return value.value === null ? 'ref.null extern' : `ref.extern ${value.value}`;
  }
}

/** Renders an expectation for failure messages. */
export function formatExpected(expected: WastExpected): string {
  switch (expected.kind) {
    case 'value':
      return expected.value.type === 'v128' ? formatV128(expected.value.bytes) : formatValue(expected.value);
    case 'nan':
      return `${expected.type} nan:${expected.nan}`;
    case 'v128': {
      const lanes = expected.lanes.map((lane) => {
        if (lane.kind === 'nan') return `nan:${lane.nan}`;
        if (expected.shape === 'f32x4') return formatF32(Number(lane.bits));
        if (expected.shape === 'f64x2') return formatF64(lane.bits);
        return '0x' + lane.bits.toString(16);
      });
      return `v128 ${expected.shape} ${lanes.join(' ')}`;
    }
    case 'ref.func':
      return 'ref.func';
    case 'ref.extern':
      return 'ref.extern';
    case 'either':
      return `either(${expected.alternatives.map(formatExpected).join(', ')})`;
  }
}
