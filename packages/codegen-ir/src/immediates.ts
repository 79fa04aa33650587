/**
 * Immediate operands: 64-bit integers and IEEE floats, with their text forms.
 *
 * Integers. An integer immediate (`iconst`, `iadd_imm`, `icmp_imm`, …) is
 * stored as the bit pattern of its controlling type, i.e. masked to the
 * type's width (Invariant ImmMasked: `iconst.i32 -1` and `iconst.i32
 * 0xffff_ffff` are the same instruction, so they encode to the same stencil
 * bytes). It prints as a signed decimal when |value| ≤ 10000 (after sign
 * extension from the type's width), otherwise as hex in 16-bit groups, the
 * way Cranelift prints `Imm64` (`0xffff_b1e0`).
 *
 * Floats. `f32const`/`f64const` keep raw bits so NaN payloads survive
 * (WebAssembly needs them bit-exact). The text form is Cranelift's: C99 hex
 * floats with the full significand (`0x1.800000p0` for f32, `0x1.8000000000000p0`
 * for f64), subnormals as `0x0.…p-126`, `0.0`/`-0.0`, and `+Inf`, `-Inf`,
 * `+NaN`, `-NaN:0x1`, `+sNaN:0x1`. The parser accepts any C99 hex float that
 * is exact in the target format, and — a Derrick extension — plain decimal
 * literals such as `1.5` or `-2e10`, rounded to nearest.
 */

const scratch = new DataView(new ArrayBuffer(8));

/** The raw bits of an f32 value (the number is first rounded to f32). */
export function f32ToBits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

export function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

export function f64ToBits(x: number): bigint {
  scratch.setFloat64(0, x, true);
  return scratch.getBigUint64(0, true);
}

export function f64FromBits(bits: bigint): number {
  scratch.setBigUint64(0, BigInt.asUintN(64, bits), true);
  return scratch.getFloat64(0, true);
}

// ---------------------------------------------------------------------------
// Integers

/** Mask `v` to `bits` bits (unsigned result). */
export function maskBits(v: bigint, bits: number): bigint {
  return BigInt.asUintN(bits, v);
}

/** Interpret the low `bits` bits of `v` as a signed number. */
export function signExtend(v: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, v);
}

function groupHex(v: bigint): string {
  // v >= 0. Groups of four hex digits separated by `_`, first group padded.
  let hex = v.toString(16);
  const pad = (4 - (hex.length % 4)) % 4;
  hex = '0'.repeat(pad) + hex;
  const groups: string[] = [];
  for (let i = 0; i < hex.length; i += 4) groups.push(hex.slice(i, i + 4));
  return '0x' + groups.join('_');
}

/** Text of an integer immediate stored masked to `bits`. */
export function formatImm(value: bigint, bits: number): string {
  const signed = signExtend(value, bits);
  if (signed >= -10000n && signed <= 10000n) return signed.toString();
  return groupHex(maskBits(value, bits));
}

/**
 * Parse an integer literal: decimal or `0x` hex, optional sign, `_`
 * separators. Returns undefined if `s` is not one.
 */
export function parseIntLiteral(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2]!.replace(/_/g, '');
  if (digits.length === 2 && digits[0] === '0' && (digits[1] === 'x' || digits[1] === 'X')) return undefined;
  const v = BigInt(digits);
  return m[1] === '-' ? -v : v;
}

/**
 * Does `v` fit in `bits` bits as either a signed or an unsigned number? (The
 * rule for immediates written in text: `-1` and `0xffff_ffff` are both fine
 * for i32, `0x1_0000_0000` is not.)
 */
export function fitsInBits(v: bigint, bits: number): boolean {
  const lo = -(1n << BigInt(bits - 1));
  const hi = (1n << BigInt(bits)) - 1n;
  return v >= lo && v <= hi;
}

// ---------------------------------------------------------------------------
// Floats

/** w = exponent width, t = trailing significand width. */
function formatFloat(bits: bigint, w: number, t: number): string {
  const maxE = (1n << BigInt(w)) - 1n;
  const tBits = bits & ((1n << BigInt(t)) - 1n);
  const eBits = (bits >> BigInt(t)) & maxE;
  const sign = (bits >> BigInt(w + t)) & 1n;
  const bias = (1 << (w - 1)) - 1;
  const e = Number(eBits) - bias;
  const emin = 1 - bias;
  const digits = Math.ceil(t / 4);
  const left = tBits << BigInt(4 * digits - t);
  const sig = left.toString(16).padStart(digits, '0');
  let s = sign ? '-' : '';
  if (eBits === 0n) {
    if (tBits === 0n) return s + '0.0';
    return `${s}0x0.${sig}p${emin}`;
  }
  if (eBits === maxE) {
    if (!sign) s = '+';
    if (tBits === 0n) return s + 'Inf';
    const quiet = 1n << BigInt(t - 1);
    const payload = tBits & (quiet - 1n);
    if (tBits & quiet) return payload !== 0n ? `${s}NaN:0x${payload.toString(16)}` : `${s}NaN`;
    return `${s}sNaN:0x${payload.toString(16)}`;
  }
  return `${s}0x1.${sig}p${e}`;
}

function parseFloat(s: string, w: number, t: number): bigint | undefined {
  let sign = 0n;
  let rest = s;
  if (rest.startsWith('-')) {
    sign = 1n << BigInt(t + w);
    rest = rest.slice(1);
  } else if (rest.startsWith('+')) {
    rest = rest.slice(1);
  }
  const maxEBits = ((1n << BigInt(w)) - 1n) << BigInt(t);
  const quiet = 1n << BigInt(t - 1);
  if (rest === 'Inf') return sign | maxEBits;
  if (rest === 'NaN') return sign | maxEBits | quiet;
  if (rest.startsWith('NaN:0x')) {
    const p = parseHexDigits(rest.slice(6));
    if (p === undefined || p >= quiet) return undefined;
    return sign | maxEBits | quiet | p;
  }
  if (rest.startsWith('sNaN:0x')) {
    const p = parseHexDigits(rest.slice(7));
    if (p === undefined || p === 0n || p >= quiet) return undefined;
    return sign | maxEBits | p;
  }
  if (rest.startsWith('0x') || rest.startsWith('0X')) return parseHexFloat(rest.slice(2), sign, w, t);
  // Derrick extension: decimal literals.
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(rest)) return undefined;
  const x = Number(rest);
  if (!Number.isFinite(x)) return undefined;
  if (w === 11) return f64ToBits(sign ? -x : x);
  return BigInt(f32ToBits(sign ? -x : x));
}

function parseHexDigits(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F]+$/.test(s)) return undefined;
  return BigInt('0x' + s);
}

function parseHexFloat(s: string, sign: bigint, w: number, t: number): bigint | undefined {
  const m = /^([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(s);
  if (!m) return undefined;
  const intPart = m[1] ?? '';
  const fracPart = m[2] ?? '';
  if (intPart.length + fracPart.length === 0) return undefined;
  let significand = BigInt('0x0' + intPart + fracPart);
  let exponent = (m[3] === undefined ? 0 : Number(m[3])) - 4 * fracPart.length;
  if (significand === 0n) return sign;
  const sigBits = significand.toString(2).length;
  if (sigBits > t + 1) {
    const adjust = sigBits - (t + 1);
    if (significand & ((1n << BigInt(adjust)) - 1n)) return undefined; // not exact
    significand >>= BigInt(adjust);
    exponent += adjust;
  } else {
    const adjust = t + 1 - sigBits;
    significand <<= BigInt(adjust);
    exponent -= adjust;
  }
  const tBits = significand & ((1n << BigInt(t)) - 1n);
  const maxExp = (1 << w) - 2;
  const bias = (1 << (w - 1)) - 1;
  exponent += bias + t;
  if (exponent > maxExp) return undefined;
  if (exponent > 0) return sign | (BigInt(exponent) << BigInt(t)) | tBits;
  const adjust = 1 - exponent;
  if (adjust > t) return undefined;
  if (significand & ((1n << BigInt(adjust)) - 1n)) return undefined; // subnormal underflow
  return sign | (significand >> BigInt(adjust));
}

/** Cranelift text of an f32 given its bits. */
export function formatIeee32(bits: number): string {
  return formatFloat(BigInt(bits >>> 0), 8, 23);
}

/** Cranelift text of an f64 given its bits. */
export function formatIeee64(bits: bigint): string {
  return formatFloat(BigInt.asUintN(64, bits), 11, 52);
}

/** Parse f32 text to bits; undefined if malformed or inexact. */
export function parseIeee32(s: string): number | undefined {
  const b = parseFloat(s, 8, 23);
  return b === undefined ? undefined : Number(b);
}

/** Parse f64 text to bits; undefined if malformed or inexact. */
export function parseIeee64(s: string): bigint | undefined {
  return parseFloat(s, 11, 52);
}
