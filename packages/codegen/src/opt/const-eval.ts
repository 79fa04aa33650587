/**
 * Constant evaluation: what an opcode computes on constant operands,
 * bit-exactly, or "not foldable".
 *
 * Problem. Constant folding is only correct if it computes exactly what the
 * instruction would have computed at run time — the reference interpreter's
 * answer (codegen-ir's `interpreter.ts` is the executable specification) and
 * the machine code's. Wrap-around, shift amounts taken modulo the width,
 * `srem MIN, -1 = 0`, signed zeros and NaN payloads are where a folder goes
 * wrong.
 *
 * Approach. Operands and results are `bigint` bit patterns masked to their
 * type (the interpreter's DataMasked representation), so every integer width
 * and both float formats share one code path and the folder's results can be
 * compared with the interpreter's bit for bit. Each function returns
 * `undefined` when folding is not allowed; the rules are:
 *
 * * (NoTrapFolded) an operation that would trap on these operands
 *   (`sdiv x, 0`, `sdiv MIN, -1`, `fcvt_to_sint NaN`, …) is never folded:
 *   the trap is the instruction's meaning and must stay.
 * * (NoNaNFolded) float arithmetic is folded only when no operand is a NaN
 *   and the result is not a NaN. Which NaN an operation returns is where
 *   hardware, the interpreter (first NaN operand made quiet, else the
 *   canonical NaN) and WebAssembly's "arithmetic NaN" freedom differ; every
 *   non-NaN IEEE result is unique and JavaScript computes it exactly
 *   (binary64 natively; binary32 by computing in binary64 and rounding once,
 *   which is exact for + − × ÷ √ because 53 ≥ 2·24 + 2). The bitwise float
 *   operations (`fneg`, `fabs`, `fcopysign`, `bitcast`) are folded always —
 *   they are defined on bits and never touch payloads.
 * * (ExactConversion) `fcvt_from_sint/uint` into f32 from a 64-bit integer is
 *   folded only when the integer is exactly representable in binary64
 *   (|n| ≤ 2^53), so the result is rounded once, as the interpreter does.
 */
import { F32, F64, FloatCC, IntCC, Opcode, type Type, typeBits } from '@derrick/codegen-ir';

// ---------------------------------------------------------------------------
// Integers

const sx = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);
const mask = (v: bigint, bits: number): bigint => BigInt.asUintN(bits, v);

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function rotl(x: bigint, amount: bigint, bits: number): bigint {
  const b = BigInt(bits);
  const k = amount & (b - 1n);
  if (k === 0n) return x;
  return mask((x << k) | (x >> (b - k)), bits);
}

function popcount(v: bigint): bigint {
  let n = 0n;
  let x = v;
  while (x !== 0n) {
    x &= x - 1n;
    n++;
  }
  return n;
}

/** All-ones pattern of `bits` bits. */
export function allOnes(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** The signed minimum of `bits` bits, as a masked pattern. */
export function signedMin(bits: number): bigint {
  return 1n << BigInt(bits - 1);
}

/**
 * Two-operand integer operations (and the bitwise ones on any type's bits).
 * `bits` is the controlling type's width; `b` for shifts and rotates is the
 * amount operand's pattern (any integer type). Undefined when the operation
 * would trap (NoTrapFolded).
 */
export function foldIntBinary(op: Opcode, bits: number, a: bigint, b: bigint): bigint | undefined {
  const amt = (): bigint => b & BigInt(bits - 1);
  switch (op) {
    case Opcode.Iadd:
      return mask(a + b, bits);
    case Opcode.Isub:
      return mask(a - b, bits);
    case Opcode.Imul:
      return mask(a * b, bits);
    case Opcode.Umulhi:
      return mask((a * b) >> BigInt(bits), bits);
    case Opcode.Smulhi:
      return mask((sx(a, bits) * sx(b, bits)) >> BigInt(bits), bits);
    case Opcode.Sdiv: {
      const x = sx(a, bits);
      const y = sx(b, bits);
      if (y === 0n || (y === -1n && x === -signedMin(bits))) return undefined;
      return mask(x / y, bits);
    }
    case Opcode.Udiv:
      return b === 0n ? undefined : a / b;
    case Opcode.Srem: {
      const y = sx(b, bits);
      if (y === 0n) return undefined;
      return mask(sx(a, bits) % y, bits);
    }
    case Opcode.Urem:
      return b === 0n ? undefined : a % b;
    case Opcode.Smin:
      return sx(a, bits) <= sx(b, bits) ? a : b;
    case Opcode.Smax:
      return sx(a, bits) >= sx(b, bits) ? a : b;
    case Opcode.Umin:
      return a <= b ? a : b;
    case Opcode.Umax:
      return a >= b ? a : b;
    case Opcode.Band:
      return a & b;
    case Opcode.Bor:
      return a | b;
    case Opcode.Bxor:
      return a ^ b;
    case Opcode.BandNot:
      return a & mask(~b, bits);
    case Opcode.BorNot:
      return a | mask(~b, bits);
    case Opcode.BxorNot:
      return a ^ mask(~b, bits);
    case Opcode.Ishl:
      return mask(a << amt(), bits);
    case Opcode.Ushr:
      return a >> amt();
    case Opcode.Sshr:
      return mask(sx(a, bits) >> amt(), bits);
    case Opcode.Rotl:
      return rotl(a, b, bits);
    case Opcode.Rotr:
      return rotl(a, BigInt(bits) - amt(), bits);
    default:
      return undefined;
  }
}

/** The two-operand opcode an `*_imm` opcode abbreviates (irsub_imm → isub with swapped operands). */
export function immToBinary(op: Opcode): Opcode | undefined {
  switch (op) {
    case Opcode.IaddImm:
      return Opcode.Iadd;
    case Opcode.ImulImm:
      return Opcode.Imul;
    case Opcode.BandImm:
      return Opcode.Band;
    case Opcode.BorImm:
      return Opcode.Bor;
    case Opcode.BxorImm:
      return Opcode.Bxor;
    case Opcode.IshlImm:
      return Opcode.Ishl;
    case Opcode.UshrImm:
      return Opcode.Ushr;
    case Opcode.SshrImm:
      return Opcode.Sshr;
    case Opcode.RotlImm:
      return Opcode.Rotl;
    case Opcode.RotrImm:
      return Opcode.Rotr;
    default:
      return undefined;
  }
}

/** The `*_imm` form of a two-operand opcode with a constant right operand, if there is one. */
export function binaryToImm(op: Opcode): Opcode | undefined {
  switch (op) {
    case Opcode.Iadd:
      return Opcode.IaddImm;
    case Opcode.Imul:
      return Opcode.ImulImm;
    case Opcode.Band:
      return Opcode.BandImm;
    case Opcode.Bor:
      return Opcode.BorImm;
    case Opcode.Bxor:
      return Opcode.BxorImm;
    case Opcode.Ishl:
      return Opcode.IshlImm;
    case Opcode.Ushr:
      return Opcode.UshrImm;
    case Opcode.Sshr:
      return Opcode.SshrImm;
    case Opcode.Rotl:
      return Opcode.RotlImm;
    case Opcode.Rotr:
      return Opcode.RotrImm;
    default:
      return undefined;
  }
}

/** `op_imm x, imm` with `x` constant (the immediate is stored masked to the width, ImmMasked). */
export function foldIntImm(op: Opcode, bits: number, a: bigint, imm: bigint): bigint | undefined {
  if (op === Opcode.IrsubImm) return mask(imm - a, bits);
  const bin = immToBinary(op);
  return bin === undefined ? undefined : foldIntBinary(bin, bits, a, mask(imm, bits));
}

export function foldIntUnary(op: Opcode, bits: number, a: bigint): bigint | undefined {
  switch (op) {
    case Opcode.Ineg:
      return mask(-a, bits);
    case Opcode.Iabs: {
      const x = sx(a, bits);
      return mask(x < 0n ? -x : x, bits);
    }
    case Opcode.Bnot:
      return mask(~a, bits);
    case Opcode.Clz:
      return BigInt(bits - bitLength(a));
    case Opcode.Cls: {
      const neg = (a >> BigInt(bits - 1)) & 1n;
      const x = neg ? mask(~a, bits) : a;
      return BigInt(bits - bitLength(x) - 1);
    }
    case Opcode.Ctz:
      return a === 0n ? BigInt(bits) : BigInt(bitLength(a & -a) - 1);
    case Opcode.Popcnt:
      return popcount(a);
    case Opcode.Bswap: {
      let x = a;
      let r = 0n;
      for (let i = 0; i < bits / 8; i++) {
        r = (r << 8n) | (x & 0xffn);
        x >>= 8n;
      }
      return r;
    }
    case Opcode.Bitrev: {
      let x = a;
      let r = 0n;
      for (let i = 0; i < bits; i++) {
        r = (r << 1n) | (x & 1n);
        x >>= 1n;
      }
      return r;
    }
    default:
      return undefined;
  }
}

export function evalIntCC(cc: IntCC, a: bigint, b: bigint, bits: number): boolean {
  switch (cc) {
    case IntCC.Equal:
      return a === b;
    case IntCC.NotEqual:
      return a !== b;
    case IntCC.SignedLessThan:
      return sx(a, bits) < sx(b, bits);
    case IntCC.SignedGreaterThanOrEqual:
      return sx(a, bits) >= sx(b, bits);
    case IntCC.SignedGreaterThan:
      return sx(a, bits) > sx(b, bits);
    case IntCC.SignedLessThanOrEqual:
      return sx(a, bits) <= sx(b, bits);
    case IntCC.UnsignedLessThan:
      return a < b;
    case IntCC.UnsignedGreaterThanOrEqual:
      return a >= b;
    case IntCC.UnsignedGreaterThan:
      return a > b;
    case IntCC.UnsignedLessThanOrEqual:
      return a <= b;
  }
}

/** `x cc x`: true for the reflexive conditions. */
export function intCCReflexive(cc: IntCC): boolean {
  switch (cc) {
    case IntCC.Equal:
    case IntCC.SignedGreaterThanOrEqual:
    case IntCC.SignedLessThanOrEqual:
    case IntCC.UnsignedGreaterThanOrEqual:
    case IntCC.UnsignedLessThanOrEqual:
      return true;
    default:
      return false;
  }
}

/** Integer extension/reduction from `fromBits` to `toBits`. */
export function foldExtend(op: Opcode, fromBits: number, toBits: number, a: bigint): bigint | undefined {
  switch (op) {
    case Opcode.Uextend:
      return a;
    case Opcode.Sextend:
      return mask(sx(a, fromBits), toBits);
    case Opcode.Ireduce:
      return mask(a, toBits);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------
// Floats (bit patterns in, bit patterns out)

const SIGN32 = 0x8000_0000n;
const SIGN64 = 0x8000_0000_0000_0000n;
const scratch = new DataView(new ArrayBuffer(8));

export function signBit(ty: Type): bigint {
  return ty === F32 ? SIGN32 : SIGN64;
}

export function isNaNBits(bits: bigint, ty: Type): boolean {
  if (ty === F32) return (bits & 0x7f80_0000n) === 0x7f80_0000n && (bits & 0x7f_ffffn) !== 0n;
  return (bits & 0x7ff0_0000_0000_0000n) === 0x7ff0_0000_0000_0000n && (bits & 0xf_ffff_ffff_ffffn) !== 0n;
}

export function bitsToNumber(bits: bigint, ty: Type): number {
  if (ty === F32) {
    scratch.setUint32(0, Number(bits), true);
    return scratch.getFloat32(0, true);
  }
  scratch.setBigUint64(0, bits, true);
  return scratch.getFloat64(0, true);
}

/** Bits of a non-NaN number in `ty` (rounded to nearest-even for f32). */
export function numberToBits(x: number, ty: Type): bigint {
  if (ty === F32) {
    scratch.setFloat32(0, x, true);
    return BigInt(scratch.getUint32(0, true));
  }
  scratch.setFloat64(0, x, true);
  return scratch.getBigUint64(0, true);
}

function nearestEven(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.floor(x);
  const d = x - f;
  let r: number;
  if (d < 0.5) r = f;
  else if (d > 0.5) r = f + 1;
  else r = f % 2 === 0 ? f : f + 1;
  return r === 0 ? (x < 0 ? -0 : 0) : r;
}

/** A non-NaN arithmetic result, or undefined (NoNaNFolded). */
function arith(x: number, ty: Type): bigint | undefined {
  return Number.isNaN(x) ? undefined : numberToBits(x, ty);
}

/** Float operations on constant bit patterns; undefined when not foldable (NoNaNFolded). */
export function foldFloat(op: Opcode, ty: Type, args: readonly bigint[]): bigint | undefined {
  const a = args[0]!;
  switch (op) {
    // Bitwise: always exact.
    case Opcode.Fneg:
      return a ^ signBit(ty);
    case Opcode.Fabs:
      return a & ~signBit(ty);
    case Opcode.Fcopysign: {
      const s = signBit(ty);
      return (a & ~s) | (args[1]! & s);
    }
    default:
      break;
  }
  for (const x of args) if (isNaNBits(x, ty)) return undefined;
  const x = bitsToNumber(a, ty);
  switch (op) {
    case Opcode.Fadd:
      return arith(x + bitsToNumber(args[1]!, ty), ty);
    case Opcode.Fsub:
      return arith(x - bitsToNumber(args[1]!, ty), ty);
    case Opcode.Fmul:
      return arith(x * bitsToNumber(args[1]!, ty), ty);
    case Opcode.Fdiv:
      return arith(x / bitsToNumber(args[1]!, ty), ty);
    case Opcode.Sqrt:
      return arith(Math.sqrt(x), ty);
    case Opcode.Fmin:
      return arith(Math.min(x, bitsToNumber(args[1]!, ty)), ty);
    case Opcode.Fmax:
      return arith(Math.max(x, bitsToNumber(args[1]!, ty)), ty);
    case Opcode.Ceil:
      return arith(Math.ceil(x), ty);
    case Opcode.Floor:
      return arith(Math.floor(x), ty);
    case Opcode.Trunc:
      return arith(Math.trunc(x), ty);
    case Opcode.Nearest:
      return arith(nearestEven(x), ty);
    default:
      return undefined;
  }
}

/** IEEE comparison of two float constants (NaN-aware, as `fcmp` defines it). */
export function evalFloatCC(cc: FloatCC, a: number, b: number): boolean {
  const uno = Number.isNaN(a) || Number.isNaN(b);
  switch (cc) {
    case FloatCC.Ordered:
      return !uno;
    case FloatCC.Unordered:
      return uno;
    case FloatCC.Equal:
      return a === b;
    case FloatCC.NotEqual:
      return a !== b;
    case FloatCC.OrderedNotEqual:
      return !uno && a !== b;
    case FloatCC.UnorderedOrEqual:
      return uno || a === b;
    case FloatCC.LessThan:
      return a < b;
    case FloatCC.LessThanOrEqual:
      return a <= b;
    case FloatCC.GreaterThan:
      return a > b;
    case FloatCC.GreaterThanOrEqual:
      return a >= b;
    case FloatCC.UnorderedOrLessThan:
      return uno || a < b;
    case FloatCC.UnorderedOrLessThanOrEqual:
      return uno || a <= b;
    case FloatCC.UnorderedOrGreaterThan:
      return uno || a > b;
    case FloatCC.UnorderedOrGreaterThanOrEqual:
      return uno || a >= b;
  }
}

/**
 * Conversions between and out of the float formats, on a constant operand
 * of type `from`, producing type `to`. Undefined when the conversion would
 * trap, return a NaN, or round twice (NoTrapFolded, NoNaNFolded,
 * ExactConversion).
 */
export function foldConversion(op: Opcode, from: Type, to: Type, a: bigint): bigint | undefined {
  switch (op) {
    case Opcode.Bitcast:
      return a;
    case Opcode.Fpromote:
    case Opcode.Fdemote:
      return isNaNBits(a, from) ? undefined : numberToBits(bitsToNumber(a, from), to);
    case Opcode.FcvtFromSint:
    case Opcode.FcvtFromUint: {
      const n = op === Opcode.FcvtFromSint ? sx(a, typeBits(from)) : a;
      if (to === F64) return numberToBits(Number(n), F64); // Number(bigint) rounds to nearest-even
      const lim = 1n << 53n;
      if (n > lim || n < -lim) return undefined; // ExactConversion
      return numberToBits(Number(n), F32);
    }
    case Opcode.FcvtToSint:
    case Opcode.FcvtToUint:
    case Opcode.FcvtToSintSat:
    case Opcode.FcvtToUintSat: {
      const sat = op === Opcode.FcvtToSintSat || op === Opcode.FcvtToUintSat;
      const signed = op === Opcode.FcvtToSint || op === Opcode.FcvtToSintSat;
      const bits = typeBits(to);
      const x = bitsToNumber(a, from);
      if (Number.isNaN(x)) return sat ? 0n : undefined;
      const t = Math.trunc(x);
      const lo = signed ? -(2 ** (bits - 1)) : 0;
      const hiExcl = signed ? 2 ** (bits - 1) : 2 ** bits;
      if (t < lo || t >= hiExcl) {
        if (!sat) return undefined;
        return mask(t < lo ? BigInt(lo) : BigInt(hiExcl) - 1n, bits);
      }
      return mask(BigInt(t), bits);
    }
    default:
      return undefined;
  }
}
