/**
 * Value types of the IR.
 *
 * A `Type` is a small integer (it fits in a byte) so that the DFG can keep
 * one `Uint8Array` of value types and the instruction table one of
 * controlling types. The encoding follows the spirit of Cranelift's
 * `ir::types`: the low nibble names the *lane* type, the high nibble is
 * log2 of the lane count.
 *
 * ```
 *   bits 7..4  log2(lanes)     0 for scalars, 1..4 for 2..16 lanes
 *   bits 3..0  lane kind       1 i8, 2 i16, 3 i32, 4 i64, 7 f32, 8 f64
 * ```
 *
 * Lane kinds 5 and 6 are reserved for i128 and f16 so that adding them later
 * does not renumber anything. Type 0 is `INVALID` ("no type"), used for the
 * controlling type of non-polymorphic instructions and for placeholders.
 *
 * Invariant (TypeFitsByte): every valid type is in 1..255, so a `Uint8Array`
 * can hold any type and 0 can mean "none".
 *
 * Only scalar types take part in instructions today; the 128-bit vector types
 * exist so that SIMD can be added without reshaping the encoding, the text
 * format or the stencil encoding.
 */

/** A value type, encoded as described in the module comment. */
export type Type = number;

const LANE_I8 = 1;
const LANE_I16 = 2;
const LANE_I32 = 3;
const LANE_I64 = 4;
const LANE_F32 = 7;
const LANE_F64 = 8;

function vec(lane: number, log2Lanes: number): Type {
  return (log2Lanes << 4) | lane;
}

/** "No type". */
export const INVALID: Type = 0;
export const I8: Type = LANE_I8;
export const I16: Type = LANE_I16;
export const I32: Type = LANE_I32;
export const I64: Type = LANE_I64;
export const F32: Type = LANE_F32;
export const F64: Type = LANE_F64;
export const I8X16: Type = vec(LANE_I8, 4);
export const I16X8: Type = vec(LANE_I16, 3);
export const I32X4: Type = vec(LANE_I32, 2);
export const I64X2: Type = vec(LANE_I64, 1);
export const F32X4: Type = vec(LANE_F32, 2);
export const F64X2: Type = vec(LANE_F64, 1);

/** All the types this IR knows, for iteration in tests and parsers. */
export const ALL_TYPES: readonly Type[] = [I8, I16, I32, I64, F32, F64, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2];

const LANE_BITS: readonly number[] = [0, 8, 16, 32, 64, 128, 16, 32, 64];
const LANE_NAMES: readonly string[] = ['', 'i8', 'i16', 'i32', 'i64', 'i128', 'f16', 'f32', 'f64'];

/** The lane type of `t` (`t` itself for scalars). */
export function laneType(t: Type): Type {
  return t & 0xf;
}

/** Number of lanes: 1 for scalars. */
export function laneCount(t: Type): number {
  return 1 << (t >> 4);
}

/** Width of one lane in bits. */
export function laneBits(t: Type): number {
  return LANE_BITS[t & 0xf] ?? 0;
}

/** Total width in bits (0 for INVALID). */
export function typeBits(t: Type): number {
  return laneBits(t) * laneCount(t);
}

/** Total width in bytes (0 for INVALID). */
export function typeBytes(t: Type): number {
  return typeBits(t) >> 3;
}

/** Is `t` a scalar integer type (i8..i64)? */
export function isInt(t: Type): boolean {
  return t >= LANE_I8 && t <= LANE_I64;
}

/** Is `t` a scalar float type (f32, f64)? */
export function isFloat(t: Type): boolean {
  return t === LANE_F32 || t === LANE_F64;
}

/** Is `t` a vector type? */
export function isVector(t: Type): boolean {
  return t > 0xf && isValidType(t);
}

/** Is `t` one of the types listed in ALL_TYPES? */
export function isValidType(t: Type): boolean {
  const lane = t & 0xf;
  if (LANE_NAMES[lane] === undefined || lane === 0 || lane === 5 || lane === 6) return false;
  const lanes = t >> 4;
  if (lanes === 0) return true;
  return laneBits(t) * (1 << lanes) === 128;
}

/** `i32`, `f64`, `i32x4`, or `INVALID` for anything else. */
export function typeName(t: Type): string {
  if (t === INVALID) return 'INVALID';
  const lane = LANE_NAMES[t & 0xf];
  if (lane === undefined || lane === '') return `INVALID(${t})`;
  const lanes = t >> 4;
  return lanes === 0 ? lane : `${lane}x${1 << lanes}`;
}

const BY_NAME = new Map<string, Type>(ALL_TYPES.map((t) => [typeName(t), t]));

/** Parse a type name; `undefined` if it is not one. */
export function parseType(name: string): Type | undefined {
  return BY_NAME.get(name);
}

/** The integer type with the given width in bits. */
export function intTypeOfBits(bits: number): Type {
  switch (bits) {
    case 8:
      return I8;
    case 16:
      return I16;
    case 32:
      return I32;
    case 64:
      return I64;
    default:
      throw new RangeError(`no integer type of ${bits} bits`);
  }
}

/** Everything above, as one namespace object (`types.I32`), like Cranelift's `ir::types`. */
export const types = {
  INVALID,
  I8,
  I16,
  I32,
  I64,
  F32,
  F64,
  I8X16,
  I16X8,
  I32X4,
  I64X2,
  F32X4,
  F64X2,
} as const;
