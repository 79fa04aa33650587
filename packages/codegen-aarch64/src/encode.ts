/**
 * The A64 encoding layer: register fields, immediate fields, and one word
 * builder per encoding group of the Arm ARM (chapter C4, "A64 Instruction
 * Set Encoding"). `emit.ts` describes each `Inst` form as a group plus its
 * fields; this file packs the fields into the 32-bit word.
 *
 * # The problem
 *
 * Every A64 instruction is one little-endian 32-bit word, so the encoding
 * itself is simple bit packing. What goes wrong is *meaning*: the same
 * field value is a different register in different slots (31 = SP or ZR),
 * a too-wide immediate silently spills into the neighbouring field, and a
 * misaligned offset is silently truncated by scaling. Each of those yields
 * a different valid instruction rather than an error, so every field goes
 * through a checking function that throws `AArch64EncodeError`, and the
 * golden tests in `emit.test.ts` compare every form against objdump.
 *
 * # Invariants
 *
 * * **(Reg31)** A general-purpose register field is produced only by
 *   `zrField` (the slot reads 31 as XZR/WZR: rejects `sp`) or `spField`
 *   (the slot reads 31 as SP/WSP: rejects `xzr`). Each word builder's
 *   doc comment says which slot kind each of its register fields is, and
 *   `emit.ts` passes fields made by the matching function.
 * * **(FieldWidth)** Every immediate reaches a word builder already checked
 *   to fit its field (`uimm`, `simm`, `scaled*`): builders mask nothing, so
 *   an unchecked value would corrupt other fields — hence each builder
 *   still asserts, field by field (`f`), that no value is wider than its
 *   field (an internal error, not an encoding error).
 * * **(ScaledOffsets)** Scaled immediates (imm12 of `ldr`, imm7 of `ldp`,
 *   imm19/imm26/imm14 of branches and literals) are checked for alignment
 *   before division, so `offset / scale` is exact.
 * * **(Size)** `sf` (bit 31 in data processing) is 1 exactly for 8-byte
 *   operations; immediates that depend on the operand width (shift
 *   amounts, bitfield positions, logical-immediate N) are checked against
 *   that width.
 */
import type { MachBuffer } from '@derrick/codegen';
import type { AArch64LabelUse } from './labeluse.js';
import { sp, xzr, type Gpr, type Size, type Vreg } from './regs.js';

/** The buffer AArch64 code is emitted into. */
export type AArch64Sink = MachBuffer<AArch64LabelUse>;

/** An instruction or operand that has no A64 encoding. */
export class AArch64EncodeError extends Error {
  override readonly name = 'AArch64EncodeError';
}

// ---------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------

/** The 5-bit field of a register in a slot where 31 means the zero register (Reg31). */
export function zrField(r: Gpr, what: string): number {
  if (r === sp) throw new AArch64EncodeError(`${what}: sp is not allowed here (encoding 31 means the zero register)`);
  return r;
}

/** The 5-bit field of a register in a slot where 31 means the stack pointer (Reg31). */
export function spField(r: Gpr, what: string): number {
  if (r === xzr) throw new AArch64EncodeError(`${what}: the zero register is not allowed here (encoding 31 means sp)`);
  return r === sp ? 31 : r;
}

export function vField(v: Vreg): number {
  return v;
}

/** `value` as an unsigned field of `bits` bits (FieldWidth). */
export function uimm(value: number, bits: number, what: string): number {
  if (!(Number.isInteger(value) && value >= 0 && value < 2 ** bits)) {
    throw new AArch64EncodeError(`${what}: ${value} does not fit in an unsigned ${bits}-bit field`);
  }
  return value;
}

/** `value` as a two's-complement field of `bits` bits (FieldWidth). */
export function simm(value: number, bits: number, what: string): number {
  const lim = 2 ** (bits - 1);
  if (!(Number.isInteger(value) && value >= -lim && value < lim)) {
    throw new AArch64EncodeError(`${what}: ${value} does not fit in a signed ${bits}-bit field`);
  }
  return value < 0 ? value + 2 * lim : value;
}

/** `value / scale` as a signed `bits`-bit field; `value` must be a multiple of `scale` (ScaledOffsets). */
export function scaledSimm(value: number, scale: number, bits: number, what: string): number {
  if (!Number.isInteger(value) || value % scale !== 0) {
    throw new AArch64EncodeError(`${what}: offset ${value} is not a multiple of ${scale}`);
  }
  return simm(value / scale, bits, what);
}

/** `value / scale` as an unsigned `bits`-bit field; `value` must be a multiple of `scale`. */
export function scaledUimm(value: number, scale: number, bits: number, what: string): number {
  if (!Number.isInteger(value) || value % scale !== 0) {
    throw new AArch64EncodeError(`${what}: offset ${value} is not a multiple of ${scale}`);
  }
  return uimm(value / scale, bits, what);
}

/** The `sf` bit: 1 for 8-byte operations (Size). */
export function sf(size: Size): number {
  return size === 8 ? 1 : 0;
}

/**
 * A field: `value` (checked to fit `bits` bits — FieldWidth) shifted to bit
 * `shift`. Builders OR fields into their opcode and finish with `>>> 0`.
 */
function f(value: number, bits: number, shift: number): number {
  if (!(value >= 0 && value < 1 << bits)) {
    throw new Error(`internal: field value ${value} wider than ${bits} bits`);
  }
  return value << shift;
}

// ---------------------------------------------------------------------------
// Data processing — immediate
// ---------------------------------------------------------------------------

/** Move wide: `sf opc:2 100101 hw:2 imm16 Rd(ZR)`; opc 00 movn, 10 movz, 11 movk. */
export function encMoveWide(sfBit: number, opc: number, hw: number, imm16: number, rd: number): number {
  return (0x1280_0000 | f(sfBit, 1, 31) | f(opc, 2, 29) | f(hw, 2, 21) | f(imm16, 16, 5) | f(rd, 5, 0)) >>> 0;
}

/** Add/subtract immediate: `sf op S 100010 sh imm12 Rn(SP) Rd(SP, or ZR when S)`. */
export function encAddSubImm(sfBit: number, op: number, s: number, sh: number, imm12: number, rn: number, rd: number): number {
  return (0x1100_0000 | f(sfBit, 1, 31) | f(op, 1, 30) | f(s, 1, 29) | f(sh, 1, 22) | f(imm12, 12, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Logical immediate: `sf opc:2 100100 N immr imms Rn(ZR) Rd(SP, or ZR for ands)`; opc 00 and, 01 orr, 10 eor, 11 ands. */
export function encLogicImm(sfBit: number, opc: number, n: number, immr: number, imms: number, rn: number, rd: number): number {
  return (0x1200_0000 | f(sfBit, 1, 31) | f(opc, 2, 29) | f(n, 1, 22) | f(immr, 6, 16) | f(imms, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Bitfield: `sf opc:2 100110 N immr imms Rn(ZR) Rd(ZR)`; opc 00 sbfm, 01 bfm, 10 ubfm; N = sf. */
export function encBitfield(sfBit: number, opc: number, immr: number, imms: number, rn: number, rd: number): number {
  return (0x1300_0000 | f(sfBit, 1, 31) | f(opc, 2, 29) | f(sfBit, 1, 22) | f(immr, 6, 16) | f(imms, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Extract: `sf 00 100111 N 0 Rm imms Rn Rd` (all ZR); N = sf. */
export function encExtr(sfBit: number, rm: number, lsb: number, rn: number, rd: number): number {
  return (0x1380_0000 | f(sfBit, 1, 31) | f(sfBit, 1, 22) | f(rm, 5, 16) | f(lsb, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** PC-relative address: `op immlo:2 10000 immhi:19 Rd(ZR)`; op 0 adr, 1 adrp. `imm21` is the raw 21-bit field. */
export function encPcRel(op: number, imm21: number, rd: number): number {
  return (0x1000_0000 | f(op, 1, 31) | f(imm21 & 3, 2, 29) | f(imm21 >>> 2, 19, 5) | f(rd, 5, 0)) >>> 0;
}

// ---------------------------------------------------------------------------
// Data processing — register
// ---------------------------------------------------------------------------

/** Logical shifted register: `sf opc:2 01010 shift:2 N Rm imm6 Rn Rd` (all ZR). */
export function encLogicShifted(sfBit: number, opc: number, n: number, shift: number, rm: number, imm6: number, rn: number, rd: number): number {
  return (0x0a00_0000 | f(sfBit, 1, 31) | f(opc, 2, 29) | f(shift, 2, 22) | f(n, 1, 21) | f(rm, 5, 16) | f(imm6, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Add/subtract shifted register: `sf op S 01011 shift:2 0 Rm imm6 Rn Rd` (all ZR); shift 11 reserved. */
export function encAddSubShifted(sfBit: number, op: number, s: number, shift: number, rm: number, imm6: number, rn: number, rd: number): number {
  return (0x0b00_0000 | f(sfBit, 1, 31) | f(op, 1, 30) | f(s, 1, 29) | f(shift, 2, 22) | f(rm, 5, 16) | f(imm6, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Add/subtract extended register: `sf op S 01011 00 1 Rm(ZR) option:3 imm3 Rn(SP) Rd(SP, or ZR when S)`. */
export function encAddSubExtended(sfBit: number, op: number, s: number, rm: number, option: number, imm3: number, rn: number, rd: number): number {
  return (0x0b20_0000 | f(sfBit, 1, 31) | f(op, 1, 30) | f(s, 1, 29) | f(rm, 5, 16) | f(option, 3, 13) | f(imm3, 3, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Data processing (3 source): `sf 00 11011 op31:3 Rm o0 Ra Rn Rd` (all ZR). */
export function encDp3(sfBit: number, op31: number, o0: number, rm: number, ra: number, rn: number, rd: number): number {
  return (0x1b00_0000 | f(sfBit, 1, 31) | f(op31, 3, 21) | f(rm, 5, 16) | f(o0, 1, 15) | f(ra, 5, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Data processing (2 source): `sf 0 0 11010110 Rm opcode:6 Rn Rd` (all ZR). */
export function encDp2(sfBit: number, opcode: number, rm: number, rn: number, rd: number): number {
  return (0x1ac0_0000 | f(sfBit, 1, 31) | f(rm, 5, 16) | f(opcode, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Data processing (1 source): `sf 1 0 11010110 00000 opcode:6 Rn Rd` (all ZR). */
export function encDp1(sfBit: number, opcode: number, rn: number, rd: number): number {
  return (0x5ac0_0000 | f(sfBit, 1, 31) | f(opcode, 6, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Conditional select: `sf op 0 11010100 Rm cond op2:2 Rn Rd` (all ZR). */
export function encCondSelect(sfBit: number, op: number, op2: number, rm: number, cond: number, rn: number, rd: number): number {
  return (0x1a80_0000 | f(sfBit, 1, 31) | f(op, 1, 30) | f(rm, 5, 16) | f(cond, 4, 12) | f(op2, 2, 10) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/**
 * Conditional compare: `sf op 1 11010010 Rm|imm5 cond imm 0 Rn(ZR) 0 nzcv`;
 * op 1 ccmp, 0 ccmn; `imm` (bit 11) selects the imm5 form.
 */
export function encCondCompare(sfBit: number, op: number, imm: number, rmOrImm5: number, cond: number, rn: number, nzcv: number): number {
  return (0x3a40_0000 | f(sfBit, 1, 31) | f(op, 1, 30) | f(rmOrImm5, 5, 16) | f(cond, 4, 12) | f(imm, 1, 11) | f(rn, 5, 5) | f(nzcv, 4, 0)) >>> 0;
}

// ---------------------------------------------------------------------------
// Loads and stores
// ---------------------------------------------------------------------------

/**
 * Load/store register, unsigned immediate: `size:2 111 V 01 opc:2 imm12 Rn(SP) Rt`.
 * (Rt is ZR for integer registers.)
 */
export function encLdStUImm(size: number, v: number, opc: number, imm12: number, rn: number, rt: number): number {
  return (0x3900_0000 | f(size, 2, 30) | f(v, 1, 26) | f(opc, 2, 22) | f(imm12, 12, 10) | f(rn, 5, 5) | f(rt, 5, 0)) >>> 0;
}

/** Load/store register, 9-bit signed immediate: `size:2 111 V 00 opc:2 0 imm9 mode:2 Rn(SP) Rt`; mode 00 unscaled, 01 post-index, 11 pre-index. */
export function encLdStSImm9(size: number, v: number, opc: number, imm9: number, mode: number, rn: number, rt: number): number {
  return (0x3800_0000 | f(size, 2, 30) | f(v, 1, 26) | f(opc, 2, 22) | f(imm9, 9, 12) | f(mode, 2, 10) | f(rn, 5, 5) | f(rt, 5, 0)) >>> 0;
}

/** Load/store register, register offset: `size:2 111 V 00 opc:2 1 Rm(ZR) option:3 S 10 Rn(SP) Rt`. */
export function encLdStRegOffset(size: number, v: number, opc: number, rm: number, option: number, s: number, rn: number, rt: number): number {
  return (0x3820_0800 | f(size, 2, 30) | f(v, 1, 26) | f(opc, 2, 22) | f(rm, 5, 16) | f(option, 3, 13) | f(s, 1, 12) | f(rn, 5, 5) | f(rt, 5, 0)) >>> 0;
}

/** Load register (literal): `opc:2 011 V 00 imm19 Rt`. */
export function encLdLiteral(opc: number, v: number, imm19: number, rt: number): number {
  return (0x1800_0000 | f(opc, 2, 30) | f(v, 1, 26) | f(imm19, 19, 5) | f(rt, 5, 0)) >>> 0;
}

/** Load/store pair: `opc:2 101 V 0 mode:3 L imm7 Rt2 Rn(SP) Rt`; mode 001 post-index, 010 offset, 011 pre-index. */
export function encLdStPair(opc: number, v: number, mode: number, l: number, imm7: number, rt2: number, rn: number, rt: number): number {
  return (0x2800_0000 | f(opc, 2, 30) | f(v, 1, 26) | f(mode, 3, 23) | f(l, 1, 22) | f(imm7, 7, 15) | f(rt2, 5, 10) | f(rn, 5, 5) | f(rt, 5, 0)) >>> 0;
}

// ---------------------------------------------------------------------------
// Branches and system
// ---------------------------------------------------------------------------

/** Unconditional branch (immediate): `op 00101 imm26`; op 0 b, 1 bl. */
export function encBranchImm(op: number, imm26: number): number {
  return (0x1400_0000 | f(op, 1, 31) | f(imm26, 26, 0)) >>> 0;
}

/** Conditional branch: `0101010 0 imm19 0 cond`. */
export function encBCond(imm19: number, cond: number): number {
  return (0x5400_0000 | f(imm19, 19, 5) | f(cond, 4, 0)) >>> 0;
}

/** Compare and branch: `sf 011010 op imm19 Rt(ZR)`; op 0 cbz, 1 cbnz. */
export function encCompareBranch(sfBit: number, op: number, imm19: number, rt: number): number {
  return (0x3400_0000 | f(sfBit, 1, 31) | f(op, 1, 24) | f(imm19, 19, 5) | f(rt, 5, 0)) >>> 0;
}

/** Test and branch: `b5 011011 op b40:5 imm14 Rt(ZR)`; op 0 tbz, 1 tbnz. */
export function encTestBranch(bit: number, op: number, imm14: number, rt: number): number {
  return (0x3600_0000 | f(bit >>> 5, 1, 31) | f(op, 1, 24) | f(bit & 31, 5, 19) | f(imm14, 14, 5) | f(rt, 5, 0)) >>> 0;
}

/** Unconditional branch (register): `1101011 opc:4 11111 000000 Rn 00000`; opc 0000 br, 0001 blr, 0010 ret. */
export function encBranchReg(opc: number, rn: number): number {
  return (0xd61f_0000 | f(opc, 4, 21) | f(rn, 5, 5)) >>> 0;
}

/** `brk #imm16`: `11010100 001 imm16 000 00`. */
export function encBrk(imm16: number): number {
  return (0xd420_0000 | f(imm16, 16, 5)) >>> 0;
}

/** `udf #imm16`: `0000000000000000 imm16` (permanently undefined). */
export function encUdf(imm16: number): number {
  return f(imm16, 16, 0) >>> 0;
}

export const NOP_WORD = 0xd503_201f;

// ---------------------------------------------------------------------------
// Floating point and SIMD
// ---------------------------------------------------------------------------

/** The `ftype` field: 00 single, 01 double. */
export function ftype(size: 4 | 8): number {
  return size === 8 ? 1 : 0;
}

/** FP data processing (2 source): `0 0 0 11110 ftype 1 Rm opcode:4 10 Rn Rd`. */
export function encFpDp2(ft: number, opcode: number, rm: number, rn: number, rd: number): number {
  return (0x1e20_0800 | f(ft, 2, 22) | f(rm, 5, 16) | f(opcode, 4, 12) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** FP data processing (1 source): `0 0 0 11110 ftype 1 opcode:6 10000 Rn Rd`. */
export function encFpDp1(ft: number, opcode: number, rn: number, rd: number): number {
  return (0x1e20_4000 | f(ft, 2, 22) | f(opcode, 6, 15) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** FP compare: `0 0 0 11110 ftype 1 Rm 00 1000 Rn opcode2:5`; opcode2 00000 with Rm, 01000 with #0.0. */
export function encFpCompare(ft: number, rm: number, rn: number, opcode2: number): number {
  return (0x1e20_2000 | f(ft, 2, 22) | f(rm, 5, 16) | f(rn, 5, 5) | f(opcode2, 5, 0)) >>> 0;
}

/** FP conditional select: `0 0 0 11110 ftype 1 Rm cond 11 Rn Rd`. */
export function encFpCondSelect(ft: number, rm: number, cond: number, rn: number, rd: number): number {
  return (0x1e20_0c00 | f(ft, 2, 22) | f(rm, 5, 16) | f(cond, 4, 12) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** FP immediate: `0 0 0 11110 ftype 1 imm8 100 00000 Rd`. */
export function encFpImm(ft: number, imm8: number, rd: number): number {
  return (0x1e20_1000 | f(ft, 2, 22) | f(imm8, 8, 13) | f(rd, 5, 0)) >>> 0;
}

/**
 * Conversion between FP and integer: `sf 0 0 11110 ftype 1 rmode:2 opcode:3 000000 Rn Rd`
 * (the integer register is ZR). rmode 11 opcode 000/001: fcvtzs/fcvtzu; rmode 00
 * opcode 010/011: scvtf/ucvtf; 110/111: fmov to/from the general register.
 */
export function encFpInt(sfBit: number, ft: number, rmode: number, opcode: number, rn: number, rd: number): number {
  return (0x1e20_0000 | f(sfBit, 1, 31) | f(ft, 2, 22) | f(rmode, 2, 19) | f(opcode, 3, 16) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Advanced SIMD two-register misc: `0 Q U 01110 size:2 10000 opcode:5 10 Rn Rd`. */
export function encSimdTwoRegMisc(q: number, u: number, size: number, opcode: number, rn: number, rd: number): number {
  return (0x0e20_0800 | f(q, 1, 30) | f(u, 1, 29) | f(size, 2, 22) | f(opcode, 5, 12) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Advanced SIMD across lanes: `0 Q U 01110 size:2 11000 opcode:5 10 Rn Rd`. */
export function encSimdAcrossLanes(q: number, u: number, size: number, opcode: number, rn: number, rd: number): number {
  return (0x0e30_0800 | f(q, 1, 30) | f(u, 1, 29) | f(size, 2, 22) | f(opcode, 5, 12) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Advanced SIMD copy, `umov`: `0 Q 0 01110000 imm5 0 0111 1 Rn Rd(ZR)`. */
export function encUmov(q: number, imm5: number, rn: number, rd: number): number {
  return (0x0e00_3c00 | f(q, 1, 30) | f(imm5, 5, 16) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}

/** Advanced SIMD three same, `orr` (vector): `0 Q 0 01110 10 1 Rm 00011 1 Rn Rd`. */
export function encOrrVec(q: number, rm: number, rn: number, rd: number): number {
  return (0x0ea0_1c00 | f(q, 1, 30) | f(rm, 5, 16) | f(rn, 5, 5) | f(rd, 5, 0)) >>> 0;
}
