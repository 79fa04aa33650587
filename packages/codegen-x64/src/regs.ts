/**
 * x86-64 registers: the sixteen general-purpose registers and the sixteen
 * SSE registers, as their hardware encodings.
 *
 * A register is its 4-bit hardware number (0–15): the low three bits go into
 * a ModRM/SIB field or the opcode, the fourth into a REX bit (R, X or B).
 * `Gpr` and `Xmm` are distinct branded number types so the two classes cannot
 * be mixed up in an instruction, while staying plain integers at run time.
 *
 * The name of a general-purpose register depends on the operand size:
 * `rax/eax/ax/al`, `r8/r8d/r8w/r8b`. Encodings 4–7 as *byte* registers mean
 * `spl bpl sil dil` only when a REX prefix is present (without one they mean
 * the legacy `ah ch dh bh`, which this backend never uses), so the encoder
 * forces a REX prefix for them — see `encode.ts`, invariant (ByteRegRex).
 */

declare const gprBrand: unique symbol;
declare const xmmBrand: unique symbol;

/** A general-purpose register by hardware encoding (0 = rax … 15 = r15). */
export type Gpr = number & { readonly [gprBrand]: true };
/** An SSE register by hardware encoding (0 = xmm0 … 15 = xmm15). */
export type Xmm = number & { readonly [xmmBrand]: true };

/** Operand size in bytes. */
export type OperandSize = 1 | 2 | 4 | 8;

export function gpr(enc: number): Gpr {
  if (!(Number.isInteger(enc) && enc >= 0 && enc < 16)) throw new RangeError(`not a GPR encoding: ${enc}`);
  return enc as Gpr;
}

export function xmm(enc: number): Xmm {
  if (!(Number.isInteger(enc) && enc >= 0 && enc < 16)) throw new RangeError(`not an XMM encoding: ${enc}`);
  return enc as Xmm;
}

export const rax = gpr(0);
export const rcx = gpr(1);
export const rdx = gpr(2);
export const rbx = gpr(3);
export const rsp = gpr(4);
export const rbp = gpr(5);
export const rsi = gpr(6);
export const rdi = gpr(7);
export const r8 = gpr(8);
export const r9 = gpr(9);
export const r10 = gpr(10);
export const r11 = gpr(11);
export const r12 = gpr(12);
export const r13 = gpr(13);
export const r14 = gpr(14);
export const r15 = gpr(15);

/** All sixteen GPRs in encoding order. */
export const ALL_GPRS: readonly Gpr[] = Array.from({ length: 16 }, (_, i) => gpr(i));
/** All sixteen XMM registers in encoding order. */
export const ALL_XMMS: readonly Xmm[] = Array.from({ length: 16 }, (_, i) => xmm(i));

const NAMES64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'];
const NAMES32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const NAMES16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const NAMES8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];

/** The name of `r` used at `size` bytes: `rax`, `r9d`, `r10w`, `sil`, `r15b`. */
export function gprName(r: Gpr, size: OperandSize): string {
  if (r < 8) {
    const table = size === 8 ? NAMES64 : size === 4 ? NAMES32 : size === 2 ? NAMES16 : NAMES8;
    return table[r]!;
  }
  return `r${r}${size === 8 ? '' : size === 4 ? 'd' : size === 2 ? 'w' : 'b'}`;
}

export function xmmName(r: Xmm): string {
  return `xmm${r}`;
}

/** Low three bits: the part of an encoding that goes into ModRM/SIB/opcode. */
export function low3(enc: number): number {
  return enc & 7;
}

/** Does the encoding need a REX extension bit (r8–r15, xmm8–xmm15)? */
export function isExtended(enc: number): boolean {
  return enc >= 8;
}
