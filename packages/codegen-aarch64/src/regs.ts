/**
 * AArch64 registers: the 31 general-purpose registers, the zero register and
 * the stack pointer, and the 32 SIMD&FP registers.
 *
 * # The problem: register 31
 *
 * A 5-bit register field names x0–x30 with the values 0–30. The value 31
 * means *either* the zero register (XZR/WZR: reads as 0, writes are
 * discarded) *or* the stack pointer (SP/WSP), and which one depends on the
 * instruction and on the operand slot: `add x0, sp, #1` (immediate form, Rn
 * is SP) but `add x0, xzr, x1` (shifted-register form, Rn is XZR);
 * `ldr x0, [sp]` (base is SP) but `str xzr, [x0]` (Rt is XZR). Getting it
 * wrong produces a different valid instruction, never an error.
 *
 * # The approach
 *
 * `Gpr` gives the two meanings distinct values: 0–30 are x0–x30, `xzr` is 31
 * (its hardware encoding) and `sp` is 32, a value no field can hold. The
 * encoder asks for every register field through one of two functions
 * (`encode.ts`): `zrField` accepts x0–x30 and xzr and rejects sp,
 * `spField` accepts x0–x30 and sp and rejects xzr — both then yield the
 * 5-bit field. So the slot's meaning is stated once per field, and the
 * wrong register is an encoding error rather than a silently different
 * instruction (invariant (Reg31) in `encode.ts`).
 *
 * Operand width is a property of the instruction, not of the register: the
 * same `Gpr` prints as `x3` or `w3`, `sp` or `wsp`, `xzr` or `wzr` depending
 * on the instruction's size (`gprName`). Likewise a `Vreg` is one of v0–v31
 * and is viewed as `b/h/s/d/q` (scalar) or `v.8b`-style (vector) by the
 * instruction (`vregName`).
 */

declare const gprBrand: unique symbol;
declare const vregBrand: unique symbol;

/**
 * A general-purpose register: 0–30 = x0–x30, 31 = the zero register,
 * 32 = the stack pointer (encoded as 31 where the slot allows it).
 */
export type Gpr = number & { readonly [gprBrand]: true };
/** A SIMD&FP register v0–v31 by number. */
export type Vreg = number & { readonly [vregBrand]: true };

/** Operand size of an integer instruction, in bytes: 4 = W registers, 8 = X registers. */
export type Size = 4 | 8;

/** x0–x30 by number. */
export function xreg(n: number): Gpr {
  if (!(Number.isInteger(n) && n >= 0 && n <= 30)) throw new RangeError(`not a general-purpose register number: ${n}`);
  return n as Gpr;
}

/** v0–v31 by number. */
export function vreg(n: number): Vreg {
  if (!(Number.isInteger(n) && n >= 0 && n <= 31)) throw new RangeError(`not a vector register number: ${n}`);
  return n as Vreg;
}

/** The zero register (XZR/WZR): encoding 31 in a slot that means "zero". */
export const xzr = 31 as Gpr;
/** The stack pointer (SP/WSP): encoding 31 in a slot that means "stack pointer". */
export const sp = 32 as Gpr;

export const x0 = xreg(0);
export const x1 = xreg(1);
export const x2 = xreg(2);
export const x3 = xreg(3);
export const x4 = xreg(4);
export const x5 = xreg(5);
export const x6 = xreg(6);
export const x7 = xreg(7);
export const x8 = xreg(8);
export const x9 = xreg(9);
export const x10 = xreg(10);
export const x11 = xreg(11);
export const x12 = xreg(12);
export const x13 = xreg(13);
export const x14 = xreg(14);
export const x15 = xreg(15);
/** IP0: intra-procedure-call scratch register (veneers, linker stubs). */
export const x16 = xreg(16);
/** IP1: intra-procedure-call scratch register. */
export const x17 = xreg(17);
/** The platform register (reserved on some OSes). */
export const x18 = xreg(18);
export const x19 = xreg(19);
export const x20 = xreg(20);
export const x21 = xreg(21);
export const x22 = xreg(22);
export const x23 = xreg(23);
export const x24 = xreg(24);
export const x25 = xreg(25);
export const x26 = xreg(26);
export const x27 = xreg(27);
export const x28 = xreg(28);
/** The frame pointer (x29). */
export const fp = xreg(29);
/** The link register (x30). */
export const lr = xreg(30);

/** x0–x30, the registers with no special meaning of encoding 31. */
export const ALL_XREGS: readonly Gpr[] = Array.from({ length: 31 }, (_, i) => xreg(i));
/** x0–x30 and xzr: every register a zero-register slot accepts. */
export const ZR_SLOT_GPRS: readonly Gpr[] = [...ALL_XREGS, xzr];
/** x0–x30 and sp: every register a stack-pointer slot accepts. */
export const SP_SLOT_GPRS: readonly Gpr[] = [...ALL_XREGS, sp];
/** v0–v31. */
export const ALL_VREGS: readonly Vreg[] = Array.from({ length: 32 }, (_, i) => vreg(i));

export function isZr(r: Gpr): boolean {
  return r === xzr;
}

export function isSp(r: Gpr): boolean {
  return r === sp;
}

/** `x3`/`w3`, `sp`/`wsp`, `xzr`/`wzr` for the operand size. */
export function gprName(r: Gpr, size: Size): string {
  if (r === sp) return size === 8 ? 'sp' : 'wsp';
  if (r === xzr) return size === 8 ? 'xzr' : 'wzr';
  return `${size === 8 ? 'x' : 'w'}${r}`;
}

/** A scalar view of a vector register: 1 = b, 2 = h, 4 = s, 8 = d, 16 = q. */
export type ScalarSize = 1 | 2 | 4 | 8 | 16;

const SCALAR_PREFIX: Record<ScalarSize, string> = { 1: 'b', 2: 'h', 4: 's', 8: 'd', 16: 'q' };

/** `s3`, `d17`, `q0`, `b2`, `h5`. */
export function vregName(v: Vreg, size: ScalarSize): string {
  return `${SCALAR_PREFIX[size]}${v}`;
}

/** `v3.8b`, `v0.16b`: a vector register with an arrangement. */
export function vregArrangement(v: Vreg, arrangement: string): string {
  return `v${v}.${arrangement}`;
}
