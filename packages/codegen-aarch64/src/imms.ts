/**
 * AArch64 immediate operands: which values each immediate field can hold,
 * and the field bits for a value.
 *
 * A64 instructions are 32 bits wide, so no field holds an arbitrary 32- or
 * 64-bit constant. Each immediate class instead covers a structured subset:
 *
 * * **Arithmetic (`imm12`)** — `add`/`sub`/`cmp`: 0…4095, optionally
 *   shifted left by 12 (so also multiples of 4096 up to 4095·4096).
 * * **Move wide (`imm16`, `hw`)** — `movz`/`movn`/`movk`: one 16-bit
 *   halfword at bit 0, 16, 32 or 48.
 * * **Logical (bitmask) immediates (`N:immr:imms`)** — `and`/`orr`/`eor`/
 *   `ands`/`tst`: a pattern of 2, 4, 8, 16, 32 or 64 bits (the *element*)
 *   replicated across the register, where the element is a single run of
 *   `s` ones (1 ≤ s < element size) rotated right by `r`. Neither 0 nor
 *   all-ones is encodable. There are 5334 such 64-bit values and 1302
 *   32-bit ones.
 * * **FP immediates (`imm8`)** — `fmov`: ±(16 + f)/16 · 2^e with f in
 *   0…15 and e in −3…4 (256 values; 0.0 is not among them).
 *
 * # Logical immediates: the encoding
 *
 * The fields are N (1 bit), immr (6), imms (6). The element size e is
 * given by the position of the highest zero of N:NOT(imms) — N = 1 means
 * e = 64; otherwise imms = 0xxxxx (e = 32), 10xxxx (16), 110xxx (8),
 * 1110xx (4), 11110x (2) — and the remaining low bits of imms hold s − 1.
 * immr holds r (its low log2(e) bits). A run that fills the element
 * (s = e) is reserved, which is why all-ones is not encodable.
 *
 * Encoding a value (the inverse, `encodeLogicalImm`):
 * 1. reject 0 and all-ones;
 * 2. find the smallest e for which the value is the replication of its
 *    low e bits;
 * 3. rotate the element right past its trailing ones (so bit 0 is a zero
 *    that precedes the run), then past the zeros below the run: what
 *    remains must be 2^s − 1, i.e. the ones were one contiguous run;
 * 4. the total rotation applied, t, means the element is ones(s) rotated
 *    *left* by t, i.e. rotated right by r = (e − t) mod e.
 *
 * Invariant (CanonicalLogicalImm): each encodable value has exactly one
 * (N, immr, imms): a value periodic with a smaller period than e would
 * have two runs in an e-bit element, so step 2 finds the only possible e,
 * and within an element a single run has exactly one rotation. The
 * exhaustive test in `imms.test.ts` checks that encoding every valid
 * (N, immr, imms) triple's value gives back that triple.
 */
import type { FpSize } from './inst.js';
import type { Size } from './regs.js';

// ---------------------------------------------------------------------------
// Arithmetic immediates
// ---------------------------------------------------------------------------

/** `imm12` and `lsl #12` fields for an add/sub immediate, or undefined if `value` has neither form. */
export function encodeImm12(value: number): { imm12: number; lsl12: boolean } | undefined {
  if (!Number.isInteger(value) || value < 0) return undefined;
  if (value <= 0xfff) return { imm12: value, lsl12: false };
  if (value % 0x1000 === 0 && value <= 0xfff000) return { imm12: value / 0x1000, lsl12: true };
  return undefined;
}

// ---------------------------------------------------------------------------
// Move-wide immediates
// ---------------------------------------------------------------------------

/** The halfwords of a `size`-byte value, least significant first. */
export function halfwords(value: bigint, size: Size): number[] {
  const v = BigInt.asUintN(size * 8, value);
  const out: number[] = [];
  for (let i = 0; i < size / 2; i++) out.push(Number((v >> BigInt(16 * i)) & 0xffffn));
  return out;
}

/** `movz` fields producing `value` in one instruction, or undefined. */
export function encodeMovz(value: bigint, size: Size): { imm16: number; shift: number } | undefined {
  const hw = halfwords(value, size);
  const nz = hw.findIndex((h) => h !== 0);
  if (nz < 0) return { imm16: 0, shift: 0 };
  return hw.every((h, i) => i === nz || h === 0) ? { imm16: hw[nz]!, shift: 16 * nz } : undefined;
}

/** `movn` fields producing `value` in one instruction, or undefined. */
export function encodeMovn(value: bigint, size: Size): { imm16: number; shift: number } | undefined {
  const hw = halfwords(value, size);
  const nz = hw.findIndex((h) => h !== 0xffff);
  if (nz < 0) return { imm16: 0, shift: 0 };
  return hw.every((h, i) => i === nz || h === 0xffff) ? { imm16: ~hw[nz]! & 0xffff, shift: 16 * nz } : undefined;
}

// ---------------------------------------------------------------------------
// Logical (bitmask) immediates
// ---------------------------------------------------------------------------

/** The N, immr and imms fields of a logical immediate. */
export interface LogicalImmFields {
  readonly n: 0 | 1;
  readonly immr: number;
  readonly imms: number;
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function popcount32(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Rotate the low `e` bits of `x` right by `k` (0 ≤ k < e ≤ 32). */
function rotr(x: number, k: number, e: number): number {
  if (k === 0) return x;
  const mask = e === 32 ? 0xffff_ffff : (1 << e) - 1;
  return (((x >>> k) | (x << (e - k))) & mask) >>> 0;
}

/** Bits 0…n−1 set (0 ≤ n; n ≥ 32 gives all 32). */
function lowMask(n: number): number {
  if (n <= 0) return 0;
  return n >= 32 ? 0xffff_ffff : ((1 << n) >>> 0) - 1;
}

/**
 * The fields encoding `value` as a logical immediate of a `size`-byte
 * operation, or undefined if it is not one. `value` is taken modulo
 * 2^(8·size), so −1n and 0xffffffffn are the same 32-bit value.
 */
export function encodeLogicalImm(value: bigint, size: Size): LogicalImmFields | undefined {
  const v = BigInt.asUintN(size * 8, value);
  return encodeLogicalImmParts(Number(v >> 32n), Number(v & 0xffff_ffffn), size);
}

/**
 * `encodeLogicalImm` of the 64-bit value hi:lo (each an unsigned 32-bit
 * number; for a 4-byte operation `hi` is ignored). Works on numbers only,
 * for callers that try many candidates (`loadConstant`).
 */
export function encodeLogicalImmParts(hi: number, lo: number, size: Size): LogicalImmFields | undefined {
  lo >>>= 0;
  hi = size === 8 ? hi >>> 0 : lo;
  if (lo === 0 && hi === 0) return undefined;
  if (lo === 0xffff_ffff && hi === 0xffff_ffff) return undefined;

  if (hi !== lo) {
    // Element of 64 bits (only for 8-byte operations). Trailing ones (< 64).
    const o = lo === 0xffff_ffff ? 32 + ctz32(~hi >>> 0) : ctz32(~lo >>> 0);
    // Rotate right by o, so that bit 0 is a zero below the run.
    let h = hi;
    let l = lo;
    let k = o;
    if (k >= 32) {
      [h, l] = [l, h];
      k -= 32;
    }
    if (k !== 0) {
      [h, l] = [((h >>> k) | (l << (32 - k))) >>> 0, ((l >>> k) | (h << (32 - k))) >>> 0];
    }
    const t = l !== 0 ? ctz32(l) : 32 + ctz32(h);
    const s = popcount32(h) + popcount32(l);
    // One contiguous run: exactly bits t … t+s−1.
    const wantLo = (lowMask(t + s) & ~lowMask(t)) >>> 0;
    const wantHi = (lowMask(t + s - 32) & ~lowMask(t - 32)) >>> 0;
    if (l !== wantLo || h !== wantHi) return undefined;
    return { n: 1, immr: (64 - ((t + o) % 64)) % 64, imms: s - 1 };
  }

  // Smallest element size the value replicates.
  let e = 32;
  while (e > 2) {
    const half = e >>> 1;
    const m = (1 << half) - 1;
    if (((lo >>> half) & m) !== (lo & m)) break;
    e = half;
  }
  const elt = e === 32 ? lo : lo & ((1 << e) - 1);
  // The element is neither 0 nor all-ones (else the value would be).
  const o = ctz32(~elt >>> 0); // trailing ones, < e
  const r1 = rotr(elt, o, e);
  const t = ctz32(r1);
  const run = r1 >>> t;
  if ((run & (run + 1)) !== 0) return undefined;
  const s = popcount32(run);
  return { n: 0, immr: (e - ((t + o) % e)) % e, imms: ((-e << 1) & 0x3f) | (s - 1) };
}

/** Is `value` encodable as a logical immediate of a `size`-byte operation? */
export function isLogicalImm(value: bigint, size: Size): boolean {
  return encodeLogicalImm(value, size) !== undefined;
}

// ---------------------------------------------------------------------------
// FP immediates
// ---------------------------------------------------------------------------

/** The value of an `fmov` imm8 (the Arm ARM's VFPExpandImm). */
export function fpImm8Value(imm8: number): number {
  const sign = (imm8 >> 7) & 1;
  const b6 = (imm8 >> 6) & 1;
  const e2 = (imm8 >> 4) & 3;
  const frac = imm8 & 15;
  const exp = b6 === 1 ? e2 - 3 : e2 + 1;
  return (sign === 1 ? -1 : 1) * ((16 + frac) / 16) * 2 ** exp;
}

const FP_IMM8 = new Map<number, number>();
for (let i = 0; i < 256; i++) FP_IMM8.set(fpImm8Value(i), i);

/**
 * The imm8 of `fmov s/d, #value`, or undefined if `value` is not one of the
 * 256 encodable constants. Every encodable value is exact in single
 * precision, so the set is the same for both sizes.
 */
export function encodeFpImm8(value: number, _size: FpSize): number | undefined {
  if (Object.is(value, -0)) return undefined;
  return FP_IMM8.get(value);
}
