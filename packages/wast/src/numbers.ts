/**
 * Numeric literals of the text format, parsed exactly.
 *
 * ## Problem
 *
 * Spec tests compare results bit for bit, so the script's constants must be
 * the exact values the reference interpreter reads: integers in the full
 * signed-or-unsigned range of their type, and floats correctly rounded
 * (round-to-nearest, ties-to-even) *once* from the literal to the target
 * format. The common shortcut — `parseFloat` then `Math.fround` — rounds
 * twice and gets `float_literals.wast`'s halfway cases wrong; it also cannot
 * carry NaN payloads.
 *
 * ## Approach
 *
 * Every float literal becomes an exact rational `n / d` (bigints): a decimal
 * `M.F e E` is `MF × 10^(E - |F|)`, a hex float `0xM.F p E` is
 * `MF × 2^(E - 4|F|)`. `roundToBits` then scales it by a power of two so the
 * integer quotient has exactly `p` significant bits (fewer for subnormals),
 * rounds the remainder half-to-even, and packs sign, biased exponent and
 * fraction. Floats are returned as **bit patterns** (`number` for f32,
 * `bigint` for f64), so `nan:0x…` payloads and signed zeros survive.
 *
 * ## Invariants
 *
 * - *Exact-rounding*: the packed value is the representable value nearest to
 *   `n / d`, ties to even; a literal whose rounded magnitude is ≥ 2^(emax+1)
 *   is rejected with "constant out of range", as the reference does.
 * - Integers are returned in their *signed* interpretation (`i32` as a JS
 *   int32, `i64` as a bigint in [-2^63, 2^63)), whichever way they were
 *   written.
 */

/** A literal the text format does not accept (the message names the problem). */
export class NumberLiteralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumberLiteralError';
  }
}

const DEC_NUM = '[0-9](?:_?[0-9])*';
const HEX_NUM = '[0-9a-fA-F](?:_?[0-9a-fA-F])*';
const INT_RE = new RegExp(`^([+-]?)(?:0x(${HEX_NUM})|(${DEC_NUM}))$`);
const DEC_FLOAT_RE = new RegExp(`^(${DEC_NUM})(?:\\.(${DEC_NUM})?)?(?:[eE]([+-]?${DEC_NUM}))?$`);
const HEX_FLOAT_RE = new RegExp(`^0x(${HEX_NUM})(?:\\.(${HEX_NUM})?)?(?:[pP]([+-]?${DEC_NUM}))?$`);
const NAN_PAYLOAD_RE = new RegExp(`^nan:0x(${HEX_NUM})$`);

function stripUnderscores(s: string): string {
  return s.includes('_') ? s.replaceAll('_', '') : s;
}

/**
 * Parses an integer literal to an unsigned magnitude and a sign, checking it
 * against the N-bit range: unsigned up to 2^N - 1, or negative down to
 * -2^(N-1).
 */
function parseIntBits(text: string, bits: number): bigint {
  const m = INT_RE.exec(text);
  if (m === null) throw new NumberLiteralError(`unknown operator or malformed integer literal "${text}"`);
  const negative = m[1] === '-';
  const magnitude = m[2] !== undefined ? BigInt('0x' + stripUnderscores(m[2])) : BigInt(stripUnderscores(m[3]!));
  const width = BigInt(bits);
  if (negative) {
    if (magnitude > 1n << (width - 1n)) throw new NumberLiteralError(`constant out of range: ${text}`);
    return BigInt.asIntN(bits, -magnitude);
  }
  if (magnitude >= 1n << width) throw new NumberLiteralError(`constant out of range: ${text}`);
  return BigInt.asIntN(bits, magnitude);
}

/** Parses an `i32` literal; the result is the signed 32-bit interpretation. */
export function parseI32(text: string): number {
  return Number(parseIntBits(text, 32));
}

/** Parses an `i64` literal; the result is the signed 64-bit interpretation. */
export function parseI64(text: string): bigint {
  return parseIntBits(text, 64);
}

/** Parses an integer lane of `bits` (8 or 16) bits; the result is unsigned. */
export function parseIntLane(text: string, bits: number): number {
  return Number(BigInt.asUintN(bits, parseIntBits(text, bits)));
}

/** An IEEE 754 binary interchange format. */
interface FloatFormat {
  /** Significand precision in bits, including the implicit bit. */
  readonly precision: number;
  /** Exponent width in bits. */
  readonly exponentBits: number;
}

const F32: FloatFormat = { precision: 24, exponentBits: 8 };
const F64: FloatFormat = { precision: 53, exponentBits: 11 };

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * Rounds the positive rational `n / d` to the nearest value of `fmt` (ties to
 * even) and returns its bit pattern without the sign. Throws on overflow.
 */
function roundToBits(n: bigint, d: bigint, fmt: FloatFormat, text: string): bigint {
  const p = fmt.precision;
  const bias = (1 << (fmt.exponentBits - 1)) - 1;
  const minExp = 1 - bias - (p - 1); // exponent of the smallest subnormal
  if (n === 0n) return 0n;
  // Choose e so that q = n / (d · 2^e) lies in [2^(p-1), 2^p).
  let e = bitLength(n) - bitLength(d) - p;
  const quotientBits = (exp: number): number => {
    const num = exp < 0 ? n << BigInt(-exp) : n;
    const den = exp > 0 ? d << BigInt(exp) : d;
    return bitLength(num / den);
  };
  while (quotientBits(e) > p) e++;
  while (quotientBits(e) < p) e--;
  if (e < minExp) e = minExp; // subnormal: fewer significant bits
  const num = e < 0 ? n << BigInt(-e) : n;
  const den = e > 0 ? d << BigInt(e) : d;
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) q++;
  if (q === 1n << BigInt(p)) {
    q >>= 1n;
    e++;
  }
  const normal = q >= 1n << BigInt(p - 1);
  const biased = normal ? e + (p - 1) + bias : 0;
  if (biased >= 2 * bias + 1) throw new NumberLiteralError(`constant out of range: ${text}`);
  const fraction = q & ((1n << BigInt(p - 1)) - 1n);
  return (BigInt(biased) << BigInt(p - 1)) | fraction;
}

/** Guard against absurd exponents (`1e999999999`) before building bigints. */
const MAX_EXPONENT_MAGNITUDE = 100_000;

function parseFloatBits(text: string, fmt: FloatFormat): bigint {
  const p = fmt.precision;
  const signBit = 1n << BigInt(p - 1 + fmt.exponentBits);
  const expAllOnes = ((1n << BigInt(fmt.exponentBits)) - 1n) << BigInt(p - 1);
  const quietBit = 1n << BigInt(p - 2);

  let body = text;
  let sign = 0n;
  if (body.startsWith('-')) {
    sign = signBit;
    body = body.slice(1);
  } else if (body.startsWith('+')) {
    body = body.slice(1);
  }

  if (body === 'inf') return sign | expAllOnes;
  if (body === 'nan') return sign | expAllOnes | quietBit;
  const nan = NAN_PAYLOAD_RE.exec(body);
  if (nan !== null) {
    const payload = BigInt('0x' + stripUnderscores(nan[1]!));
    if (payload === 0n || payload >= 1n << BigInt(p - 1)) {
      throw new NumberLiteralError(`constant out of range: NaN payload of ${text}`);
    }
    return sign | expAllOnes | payload;
  }

  let n: bigint;
  let d = 1n;
  let exp2 = 0; // value = n · 2^exp2 · 10^exp10 / d
  let exp10 = 0;
  const hex = HEX_FLOAT_RE.exec(body);
  if (hex !== null) {
    const intPart = stripUnderscores(hex[1]!);
    const fracPart = hex[2] !== undefined ? stripUnderscores(hex[2]) : '';
    n = BigInt('0x' + intPart + fracPart);
    exp2 = (hex[3] !== undefined ? Number(stripUnderscores(hex[3])) : 0) - 4 * fracPart.length;
  } else {
    const dec = DEC_FLOAT_RE.exec(body);
    if (dec === null) throw new NumberLiteralError(`unknown operator or malformed float literal "${text}"`);
    const intPart = stripUnderscores(dec[1]!);
    const fracPart = dec[2] !== undefined ? stripUnderscores(dec[2]) : '';
    n = BigInt(intPart + fracPart);
    exp10 = (dec[3] !== undefined ? Number(stripUnderscores(dec[3])) : 0) - fracPart.length;
  }
  if (n === 0n) return sign;
  const digits = n.toString(2).length;
  if (Math.abs(exp2) > MAX_EXPONENT_MAGNITUDE + digits || Math.abs(exp10) > MAX_EXPONENT_MAGNITUDE + digits) {
    if (exp2 > 0 || exp10 > 0) throw new NumberLiteralError(`constant out of range: ${text}`);
    return sign; // rounds to zero
  }
  if (exp2 > 0) n <<= BigInt(exp2);
  else if (exp2 < 0) d <<= BigInt(-exp2);
  if (exp10 > 0) n *= 10n ** BigInt(exp10);
  else if (exp10 < 0) d *= 10n ** BigInt(-exp10);
  return sign | roundToBits(n, d, fmt, text);
}

/** Parses an `f32` literal to its bit pattern (an unsigned 32-bit number). */
export function parseF32(text: string): number {
  return Number(parseFloatBits(text, F32));
}

/** Parses an `f64` literal to its bit pattern (an unsigned 64-bit bigint). */
export function parseF64(text: string): bigint {
  return parseFloatBits(text, F64);
}

// ---------------------------------------------------------------------------
// Formatting (for failure messages)

const scratch = new DataView(new ArrayBuffer(8));

/** Renders an f32 bit pattern the way a reader wants to see it in a failure. */
export function formatF32(bits: number): string {
  scratch.setUint32(0, bits);
  const v = scratch.getFloat32(0);
  const hex = '0x' + (bits >>> 0).toString(16).padStart(8, '0');
  return Number.isNaN(v) ? `nan (${hex})` : `${Object.is(v, -0) ? '-0' : v} (${hex})`;
}

/** Renders an f64 bit pattern the way a reader wants to see it in a failure. */
export function formatF64(bits: bigint): string {
  scratch.setBigUint64(0, bits);
  const v = scratch.getFloat64(0);
  const hex = '0x' + bits.toString(16).padStart(16, '0');
  return Number.isNaN(v) ? `nan (${hex})` : `${Object.is(v, -0) ? '-0' : v} (${hex})`;
}
