/**
 * Golden encoding tests: every instruction form the emitter can produce,
 * checked against GNU objdump (`aarch64-linux-gnu-objdump`, from
 * binutils-aarch64-linux-gnu) as an independent decoder.
 *
 * Sources of cases:
 *
 * * `GOLDEN` — a hand-written table of (instruction, expected word,
 *   expected disassembly): one or more rows per form and per special case
 *   of the encoding (SP vs ZR slots, every alias objdump prefers, immediate
 *   and offset extremes, each addressing mode). The words were assembled by
 *   hand from the field layouts of the Arm ARM's encoding tables, not taken
 *   from the encoder.
 * * Label cases — branches forwards and backwards, two-target branches as
 *   is and inverted by the buffer (all condition kinds), `trap_if`,
 *   literal loads from the constant pool, `adr`, `adrp`, `bl`.
 * * Range cases — each label-use kind patched at its exact range limits
 *   (and just inside them), at distances far larger than the file: the
 *   patched word sits at its real file offset and objdump computes the
 *   target address.
 * * Sweeps — generated combinations: every register in every operand slot
 *   (full products for the main two-register slots), every condition,
 *   every addressing mode with offsets at their boundaries, every
 *   (immr, imms) of the bitfield moves, every logical immediate, every FP
 *   immediate, every lane. Their expected text is `printInst`, which states
 *   the intent of an `Inst` without looking at its bytes.
 *
 * All encodings go into one file and ONE `objdump -D -b binary -m aarch64`
 * run decodes them. For each case the decoded instructions must cover
 * exactly its words and read exactly as expected (objdump's `//` comments
 * aside).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MachLabel } from '@derrick/codegen';
import { createAArch64Buffer, emit as emitInst } from './emit.js';
import type { AArch64Sink } from './encode.js';
import { encodeLogicalImm, fpImm8Value } from './imms.js';
import {
  ADD_SUB_OPS,
  ALU_OPS,
  CSEL_OPS,
  DP1_OPS,
  DP2_OPS,
  EXTEND_OPS,
  FPU_RRR_OPS,
  FPU_RRRR_OPS,
  FPU_RR_OPS,
  INDEX_EXTENDS,
  LOAD_OPS,
  LOAD_STORE_INFO,
  LOGIC_IMM_OPS,
  MOV_WIDE_OPS,
  STORE_OPS,
  asrImm,
  cmp,
  cmpImm,
  cset,
  csetm,
  lslImm,
  lsrImm,
  memLiteral,
  memOffset,
  memPostIndex,
  memPreIndex,
  memReg,
  memUnscaled,
  mneg,
  mov,
  mul,
  mvn,
  neg,
  pairOffset,
  pairPostIndex,
  pairPreIndex,
  rorImm,
  sbfiz,
  sbfx,
  sxtb,
  sxth,
  sxtw,
  tst,
  tstImm,
  ubfiz,
  ubfx,
  uxtb,
  uxth,
  type Amode,
  type BranchCond,
  type Cond,
  type FpMemSize,
  type Inst,
  type InstKind,
  type PairAmode,
  type ShiftOp,
} from './inst.js';
import { AARCH64_LABEL_USES, Adr21, Branch14, Branch19, Branch26, Ldr19, type AArch64LabelUse } from './labeluse.js';
import { printInst } from './print.js';
import {
  ALL_VREGS,
  SP_SLOT_GPRS,
  ZR_SLOT_GPRS,
  fp,
  lr,
  sp,
  vreg,
  x0,
  x1,
  x10,
  x11,
  x12,
  x15,
  x16,
  x17,
  x18,
  x2,
  x20,
  x21,
  x22,
  x3,
  x4,
  x5,
  x6,
  x7,
  x8,
  x9,
  xzr,
  type Gpr,
  type Size,
} from './regs.js';

// ---------------------------------------------------------------------------
// Case model
// ---------------------------------------------------------------------------

/** Every instruction kind; the `Record` makes the compiler check the list is complete. */
const ALL_KINDS: Record<InstKind, true> = {
  mov_wide: true, mov: true, alu_rrr: true, alu_rr_imm12: true, alu_rr_imm_logic: true, alu_rrr_extend: true,
  alu_rrrr: true, mul_high: true, alu_2src: true, bit_field: true, extr: true, bit_rr: true, csel: true, ccmp: true,
  ccmp_imm: true, load: true, store: true, load_pair: true, store_pair: true, fpu_load: true, fpu_store: true,
  fpu_load_pair: true, fpu_store_pair: true, adr: true, adrp: true, jump: true, cond_jump: true, cond_br: true,
  trap_if: true, jump_ind: true, call: true, call_ind: true, ret: true, udf: true, brk: true, nop: true, fpu_move: true,
  fmov_to_gpr: true, fmov_from_gpr: true, fmov_imm: true, fpu_rrr: true, fpu_rrrr: true, fpu_rr: true, fpu_cvt: true, fpu_cmp: true,
  fpu_csel: true, int_to_fpu: true, fpu_to_int: true, vec_cnt: true, vec_reduce: true, umov: true,
};

/** How many times each kind was emitted by the cases. */
const emitted = new Map<InstKind, number>();

function emit(inst: Inst, buf: AArch64Sink): void {
  emitted.set(inst.kind, (emitted.get(inst.kind) ?? 0) + 1);
  emitInst(inst, buf);
}

/**
 * Expected disassembly, one entry per word, given where the case landed in
 * the file; `null` for a data word whose decoding is not checked.
 */
type Expect = (base: number) => (string | null)[];

interface Case {
  readonly title: string;
  /** Hand-assembled expected words (hex, space-separated), for the golden table. */
  readonly words?: string;
  build(buf: AArch64Sink, base: number): Expect;
}

function instCase(inst: Inst, words?: string, asm?: string): Case {
  return {
    title: asm ?? printInst(inst, { pc: 0 }).replace(/\n/g, '; '),
    ...(words === undefined ? {} : { words }),
    build(buf) {
      emit(inst, buf);
      return (base) => (asm ?? printInst(inst, { pc: base })).split('\n');
    },
  };
}

const hex = (n: number): string => '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);

// ---------------------------------------------------------------------------
// The golden table
// ---------------------------------------------------------------------------

const v0 = vreg(0);
const v1 = vreg(1);
const v2 = vreg(2);
const v3 = vreg(3);
const v4 = vreg(4);
const v5 = vreg(5);
const v8 = vreg(8);
const v9 = vreg(9);
const v30 = vreg(30);
const v31 = vreg(31);
const x30 = lr;

const G = (inst: Inst, words: string, asm: string): Case => instCase(inst, words, asm);

const GOLDEN: Case[] = [
  // Move wide: sf opc 100101 hw imm16 Rd
  G({ kind: 'mov_wide', op: 'movz', size: 8, rd: x0, imm16: 1, shift: 0 }, 'd2800020', 'mov x0, #0x1'),
  G({ kind: 'mov_wide', op: 'movz', size: 4, rd: x3, imm16: 0xffff, shift: 16 }, '52bfffe3', 'mov w3, #0xffff0000'),
  G({ kind: 'mov_wide', op: 'movz', size: 8, rd: x5, imm16: 0, shift: 48 }, 'd2e00005', 'movz x5, #0x0, lsl #48'),
  G({ kind: 'mov_wide', op: 'movn', size: 8, rd: x0, imm16: 0, shift: 0 }, '92800000', 'mov x0, #0xffffffffffffffff'),
  G({ kind: 'mov_wide', op: 'movn', size: 4, rd: x1, imm16: 0xffff, shift: 0 }, '129fffe1', 'movn w1, #0xffff'),
  G({ kind: 'mov_wide', op: 'movn', size: 8, rd: x2, imm16: 0x1234, shift: 32 }, '92c24682', 'mov x2, #0xffffedcbffffffff'),
  G({ kind: 'mov_wide', op: 'movk', size: 8, rd: x0, imm16: 0xbeef, shift: 16 }, 'f2b7dde0', 'movk x0, #0xbeef, lsl #16'),
  G({ kind: 'mov_wide', op: 'movk', size: 4, rd: x30, imm16: 1, shift: 0 }, '7280003e', 'movk w30, #0x1'),
  // mov: orr rd, zr, rm — or add rd, rn, #0 with sp
  G(mov(8, x0, x1), 'aa0103e0', 'mov x0, x1'),
  G(mov(4, x5, xzr), '2a1f03e5', 'mov w5, wzr'),
  G(mov(8, fp, sp), '910003fd', 'mov x29, sp'),
  G(mov(8, sp, x0), '9100001f', 'mov sp, x0'),
  G(mov(4, sp, x3), '1100007f', 'mov wsp, w3'),
  // Add/sub and logical, shifted register
  G({ kind: 'alu_rrr', op: 'add', size: 8, rd: x0, rn: x1, rm: x2 }, '8b020020', 'add x0, x1, x2'),
  G({ kind: 'alu_rrr', op: 'adds', size: 4, rd: x3, rn: x4, rm: x5, shift: { op: 'lsl', amount: 7 } }, '2b051c83', 'adds w3, w4, w5, lsl #7'),
  G({ kind: 'alu_rrr', op: 'sub', size: 8, rd: x0, rn: x1, rm: x2, shift: { op: 'asr', amount: 63 } }, 'cb82fc20', 'sub x0, x1, x2, asr #63'),
  G(cmp(8, x1, x2), 'eb02003f', 'cmp x1, x2'),
  G({ kind: 'alu_rrr', op: 'adds', size: 4, rd: xzr, rn: x1, rm: x2 }, '2b02003f', 'cmn w1, w2'),
  G(neg(8, x0, x1), 'cb0103e0', 'neg x0, x1'),
  G({ kind: 'alu_rrr', op: 'subs', size: 4, rd: x0, rn: xzr, rm: x1, shift: { op: 'lsr', amount: 2 } }, '6b410be0', 'negs w0, w1, lsr #2'),
  G({ kind: 'alu_rrr', op: 'and', size: 8, rd: x0, rn: x1, rm: x2 }, '8a020020', 'and x0, x1, x2'),
  G({ kind: 'alu_rrr', op: 'ands', size: 8, rd: xzr, rn: x3, rm: x4, shift: { op: 'ror', amount: 5 } }, 'eac4147f', 'tst x3, x4, ror #5'),
  G(tst(4, x1, x2), '6a02003f', 'tst w1, w2'),
  G({ kind: 'alu_rrr', op: 'orr', size: 8, rd: x0, rn: xzr, rm: x2, shift: { op: 'lsl', amount: 1 } }, 'aa0207e0', 'orr x0, xzr, x2, lsl #1'),
  G(mvn(8, x0, x1), 'aa2103e0', 'mvn x0, x1'),
  G({ kind: 'alu_rrr', op: 'eor', size: 4, rd: x7, rn: x8, rm: x9 }, '4a090107', 'eor w7, w8, w9'),
  G({ kind: 'alu_rrr', op: 'bic', size: 8, rd: x0, rn: x1, rm: x2 }, '8a220020', 'bic x0, x1, x2'),
  G({ kind: 'alu_rrr', op: 'bics', size: 4, rd: x0, rn: x1, rm: x2 }, '6a220020', 'bics w0, w1, w2'),
  G({ kind: 'alu_rrr', op: 'eon', size: 8, rd: x10, rn: x11, rm: x12, shift: { op: 'lsl', amount: 3 } }, 'ca2c0d6a', 'eon x10, x11, x12, lsl #3'),
  // Add/sub immediate: sf op S 100010 sh imm12 Rn Rd
  G({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: x0, rn: x1, imm12: 1, lsl12: false }, '91000420', 'add x0, x1, #0x1'),
  G({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: sp, rn: sp, imm12: 16, lsl12: false }, '910043ff', 'add sp, sp, #0x10'),
  G({ kind: 'alu_rr_imm12', op: 'sub', size: 8, rd: sp, rn: sp, imm12: 1, lsl12: true }, 'd14007ff', 'sub sp, sp, #0x1, lsl #12'),
  G(cmpImm(8, x0, 0xfff), 'f13ffc1f', 'cmp x0, #0xfff'),
  G({ kind: 'alu_rr_imm12', op: 'adds', size: 4, rd: xzr, rn: x2, imm12: 4, lsl12: false }, '3100105f', 'cmn w2, #0x4'),
  G({ kind: 'alu_rr_imm12', op: 'adds', size: 8, rd: x0, rn: sp, imm12: 0, lsl12: false }, 'b10003e0', 'adds x0, sp, #0x0'),
  // Logical immediate: sf opc 100100 N immr imms Rn Rd
  G({ kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: x0, rn: x1, imm: 0xffn }, '92401c20', 'and x0, x1, #0xff'),
  G({ kind: 'alu_rr_imm_logic', op: 'orr', size: 4, rd: x0, rn: xzr, imm: 1n }, '320003e0', 'orr w0, wzr, #0x1'),
  G({ kind: 'alu_rr_imm_logic', op: 'orr', size: 8, rd: x0, rn: xzr, imm: 0xffff_ffffn }, 'b2407fe0', 'mov x0, #0xffffffff'),
  G(tstImm(8, x0, 1n), 'f240001f', 'tst x0, #0x1'),
  G({ kind: 'alu_rr_imm_logic', op: 'eor', size: 4, rd: x0, rn: x1, imm: 0x5555_5555n }, '5200f020', 'eor w0, w1, #0x55555555'),
  G({ kind: 'alu_rr_imm_logic', op: 'and', size: 8, rd: sp, rn: x0, imm: -16n }, '927cec1f', 'and sp, x0, #0xfffffffffffffff0'),
  G({ kind: 'alu_rr_imm_logic', op: 'orr', size: 8, rd: x3, rn: x4, imm: 0x8000_0000_0000_0001n }, 'b2410483', 'orr x3, x4, #0x8000000000000001'),
  // Add/sub extended register: sf op S 01011 00 1 Rm option imm3 Rn Rd
  G({ kind: 'alu_rrr_extend', op: 'add', size: 8, rd: x0, rn: x1, rm: x2, extend: 'uxtw', amount: 0 }, '8b224020', 'add x0, x1, w2, uxtw'),
  G({ kind: 'alu_rrr_extend', op: 'add', size: 8, rd: sp, rn: sp, rm: x2, extend: 'uxtx', amount: 0 }, '8b2263ff', 'add sp, sp, x2'),
  G({ kind: 'alu_rrr_extend', op: 'add', size: 8, rd: x0, rn: sp, rm: x2, extend: 'uxtw', amount: 2 }, '8b224be0', 'add x0, sp, w2, uxtw #2'),
  G({ kind: 'alu_rrr_extend', op: 'sub', size: 8, rd: x3, rn: x4, rm: x5, extend: 'sxtb', amount: 0 }, 'cb258083', 'sub x3, x4, w5, sxtb'),
  G({ kind: 'alu_rrr_extend', op: 'subs', size: 8, rd: xzr, rn: sp, rm: x1, extend: 'uxtx', amount: 3 }, 'eb216fff', 'cmp sp, x1, lsl #3'),
  G({ kind: 'alu_rrr_extend', op: 'adds', size: 4, rd: x0, rn: x1, rm: x2, extend: 'sxth', amount: 4 }, '2b22b020', 'adds w0, w1, w2, sxth #4'),
  G({ kind: 'alu_rrr_extend', op: 'add', size: 8, rd: x0, rn: x1, rm: x2, extend: 'sxtx', amount: 0 }, '8b22e020', 'add x0, x1, x2, sxtx'),
  // Multiply and divide
  G({ kind: 'alu_rrrr', op: 'madd', size: 8, rd: x0, rn: x1, rm: x2, ra: x3 }, '9b020c20', 'madd x0, x1, x2, x3'),
  G({ kind: 'alu_rrrr', op: 'msub', size: 4, rd: x4, rn: x5, rm: x6, ra: x7 }, '1b069ca4', 'msub w4, w5, w6, w7'),
  G(mul(8, x0, x1, x2), '9b027c20', 'mul x0, x1, x2'),
  G(mneg(4, x0, x1, x2), '1b02fc20', 'mneg w0, w1, w2'),
  G({ kind: 'mul_high', op: 'smulh', rd: x0, rn: x1, rm: x2 }, '9b427c20', 'smulh x0, x1, x2'),
  G({ kind: 'mul_high', op: 'umulh', rd: x3, rn: x4, rm: x5 }, '9bc57c83', 'umulh x3, x4, x5'),
  G({ kind: 'alu_2src', op: 'udiv', size: 4, rd: x0, rn: x1, rm: x2 }, '1ac20820', 'udiv w0, w1, w2'),
  G({ kind: 'alu_2src', op: 'sdiv', size: 8, rd: x0, rn: x1, rm: x2 }, '9ac20c20', 'sdiv x0, x1, x2'),
  G({ kind: 'alu_2src', op: 'lslv', size: 8, rd: x0, rn: x1, rm: x2 }, '9ac22020', 'lsl x0, x1, x2'),
  G({ kind: 'alu_2src', op: 'lsrv', size: 4, rd: x3, rn: x4, rm: x5 }, '1ac52483', 'lsr w3, w4, w5'),
  G({ kind: 'alu_2src', op: 'asrv', size: 8, rd: x0, rn: x1, rm: x2 }, '9ac22820', 'asr x0, x1, x2'),
  G({ kind: 'alu_2src', op: 'rorv', size: 4, rd: x0, rn: x1, rm: x2 }, '1ac22c20', 'ror w0, w1, w2'),
  // Bitfield moves and their aliases: sf opc 100110 N immr imms Rn Rd
  G(lslImm(8, x0, x1, 3), 'd37df020', 'lsl x0, x1, #3'),
  G(lsrImm(8, x0, x1, 3), 'd343fc20', 'lsr x0, x1, #3'),
  G(asrImm(4, x0, x1, 31), '131f7c20', 'asr w0, w1, #31'),
  G(sxtw(x0, x1), '93407c20', 'sxtw x0, w1'),
  G(sxtb(4, x0, x1), '13001c20', 'sxtb w0, w1'),
  G(sxth(8, x2, x3), '93403c62', 'sxth x2, w3'),
  G(uxtb(x0, x1), '53001c20', 'uxtb w0, w1'),
  G(uxth(x0, x1), '53003c20', 'uxth w0, w1'),
  G(ubfx(8, x0, x1, 0, 8), 'd3401c20', 'ubfx x0, x1, #0, #8'),
  G(ubfx(4, x0, x1, 4, 8), '53042c20', 'ubfx w0, w1, #4, #8'),
  G(sbfx(8, x0, x1, 8, 16), '93485c20', 'sbfx x0, x1, #8, #16'),
  G(ubfiz(8, x0, x1, 8, 4), 'd3780c20', 'ubfiz x0, x1, #8, #4'),
  G(sbfiz(4, x0, x1, 1, 3), '131f0820', 'sbfiz w0, w1, #1, #3'),
  G(lslImm(4, x0, x1, 0), '53007c20', 'lsr w0, w1, #0'),
  G({ kind: 'extr', size: 8, rd: x0, rn: x1, rm: x2, lsb: 3 }, '93c20c20', 'extr x0, x1, x2, #3'),
  G(rorImm(4, x0, x1, 5), '13811420', 'ror w0, w1, #5'),
  // Data processing, one source
  G({ kind: 'bit_rr', op: 'clz', size: 8, rd: x0, rn: x1 }, 'dac01020', 'clz x0, x1'),
  G({ kind: 'bit_rr', op: 'clz', size: 4, rd: x0, rn: x1 }, '5ac01020', 'clz w0, w1'),
  G({ kind: 'bit_rr', op: 'rbit', size: 8, rd: x0, rn: x1 }, 'dac00020', 'rbit x0, x1'),
  G({ kind: 'bit_rr', op: 'rev', size: 8, rd: x0, rn: x1 }, 'dac00c20', 'rev x0, x1'),
  G({ kind: 'bit_rr', op: 'rev', size: 4, rd: x0, rn: x1 }, '5ac00820', 'rev w0, w1'),
  G({ kind: 'bit_rr', op: 'rev16', size: 4, rd: x0, rn: x1 }, '5ac00420', 'rev16 w0, w1'),
  G({ kind: 'bit_rr', op: 'rev32', size: 8, rd: x0, rn: x1 }, 'dac00820', 'rev32 x0, x1'),
  G({ kind: 'bit_rr', op: 'cls', size: 8, rd: x0, rn: x1 }, 'dac01420', 'cls x0, x1'),
  // Conditional select and compare
  G({ kind: 'csel', op: 'csel', size: 8, rd: x0, rn: x1, rm: x2, cond: 0 }, '9a820020', 'csel x0, x1, x2, eq'),
  G({ kind: 'csel', op: 'csinc', size: 8, rd: x0, rn: x1, rm: x2, cond: 1 }, '9a821420', 'csinc x0, x1, x2, ne'),
  G(cset(4, x0, 0), '1a9f17e0', 'cset w0, eq'),
  G(csetm(8, x0, 11), 'da9fa3e0', 'csetm x0, lt'),
  G({ kind: 'csel', op: 'csneg', size: 4, rd: x0, rn: x1, rm: x1, cond: 4 }, '5a814420', 'cneg w0, w1, pl'),
  G({ kind: 'csel', op: 'csinv', size: 8, rd: x3, rn: x4, rm: x5, cond: 8 }, 'da858083', 'csinv x3, x4, x5, hi'),
  G({ kind: 'csel', op: 'csinc', size: 8, rd: x0, rn: x1, rm: x1, cond: 14 }, '9a81e420', 'csinc x0, x1, x1, al'),
  G({ kind: 'ccmp', op: 'ccmp', size: 8, rn: x0, rm: x1, nzcv: 0, cond: 0 }, 'fa410000', 'ccmp x0, x1, #0x0, eq'),
  G({ kind: 'ccmp_imm', op: 'ccmp', size: 8, rn: x0, imm5: 1, nzcv: 0, cond: 0 }, 'fa410800', 'ccmp x0, #0x1, #0x0, eq'),
  G({ kind: 'ccmp', op: 'ccmn', size: 4, rn: x2, rm: x3, nzcv: 15, cond: 12 }, '3a43c04f', 'ccmn w2, w3, #0xf, gt'),
  G({ kind: 'ccmp_imm', op: 'ccmp', size: 4, rn: x1, imm5: 31, nzcv: 4, cond: 6 }, '7a5f6824', 'ccmp w1, #0x1f, #0x4, vs'),
  // Loads and stores, unsigned scaled offset: size 111 V 01 opc imm12 Rn Rt
  G({ kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(x1) }, 'f9400020', 'ldr x0, [x1]'),
  G({ kind: 'load', op: 'ldr_x', rt: x0, addr: memOffset(x1, 32760) }, 'f97ffc20', 'ldr x0, [x1, #32760]'),
  G({ kind: 'load', op: 'ldr_w', rt: x2, addr: memOffset(sp, 4) }, 'b94007e2', 'ldr w2, [sp, #4]'),
  G({ kind: 'load', op: 'ldrb', rt: x0, addr: memOffset(x1, 4095) }, '397ffc20', 'ldrb w0, [x1, #4095]'),
  G({ kind: 'load', op: 'ldrsb_x', rt: x0, addr: memOffset(x1) }, '39800020', 'ldrsb x0, [x1]'),
  G({ kind: 'load', op: 'ldrsb_w', rt: x0, addr: memOffset(x1) }, '39c00020', 'ldrsb w0, [x1]'),
  G({ kind: 'load', op: 'ldrh', rt: x0, addr: memOffset(x1, 2) }, '79400420', 'ldrh w0, [x1, #2]'),
  G({ kind: 'load', op: 'ldrsh_x', rt: x3, addr: memOffset(x4) }, '79800083', 'ldrsh x3, [x4]'),
  G({ kind: 'load', op: 'ldrsh_w', rt: x0, addr: memOffset(x1) }, '79c00020', 'ldrsh w0, [x1]'),
  G({ kind: 'load', op: 'ldrsw', rt: x0, addr: memOffset(x1, 8) }, 'b9800820', 'ldrsw x0, [x1, #8]'),
  G({ kind: 'store', op: 'strb', rt: xzr, addr: memOffset(x0) }, '3900001f', 'strb wzr, [x0]'),
  G({ kind: 'store', op: 'strh', rt: x1, addr: memOffset(x2) }, '79000041', 'strh w1, [x2]'),
  G({ kind: 'store', op: 'str_w', rt: x3, addr: memOffset(x4, 16380) }, 'b93ffc83', 'str w3, [x4, #16380]'),
  G({ kind: 'store', op: 'str_x', rt: x0, addr: memOffset(sp, 8) }, 'f90007e0', 'str x0, [sp, #8]'),
  // 9-bit signed offset: unscaled, post-index, pre-index
  G({ kind: 'load', op: 'ldr_x', rt: x0, addr: memUnscaled(x1, -8) }, 'f85f8020', 'ldur x0, [x1, #-8]'),
  G({ kind: 'load', op: 'ldr_w', rt: x0, addr: memUnscaled(x1, 255) }, 'b84ff020', 'ldur w0, [x1, #255]'),
  G({ kind: 'store', op: 'strb', rt: x0, addr: memUnscaled(x1, -256) }, '38100020', 'sturb w0, [x1, #-256]'),
  G({ kind: 'load', op: 'ldrsw', rt: x0, addr: memUnscaled(x1, 1) }, 'b8801020', 'ldursw x0, [x1, #1]'),
  G({ kind: 'load', op: 'ldr_x', rt: x0, addr: memPreIndex(x1, 8) }, 'f8408c20', 'ldr x0, [x1, #8]!'),
  G({ kind: 'load', op: 'ldr_x', rt: x0, addr: memPostIndex(x1, 8) }, 'f8408420', 'ldr x0, [x1], #8'),
  G({ kind: 'store', op: 'str_x', rt: lr, addr: memPreIndex(sp, -16) }, 'f81f0ffe', 'str x30, [sp, #-16]!'),
  G({ kind: 'load', op: 'ldrh', rt: x0, addr: memPostIndex(x1, -2) }, '785fe420', 'ldrh w0, [x1], #-2'),
  // Register offset: size 111 V 00 opc 1 Rm option S 10 Rn Rt
  G({ kind: 'load', op: 'ldr_x', rt: x0, addr: memReg(x1, x2, 'lsl', true) }, 'f8627820', 'ldr x0, [x1, x2, lsl #3]'),
  G({ kind: 'load', op: 'ldr_w', rt: x0, addr: memReg(x1, x2, 'uxtw', true) }, 'b8625820', 'ldr w0, [x1, w2, uxtw #2]'),
  G({ kind: 'load', op: 'ldrb', rt: x0, addr: memReg(x1, x2) }, '38626820', 'ldrb w0, [x1, x2]'),
  G({ kind: 'load', op: 'ldrb', rt: x0, addr: memReg(x1, x2, 'lsl', true) }, '38627820', 'ldrb w0, [x1, x2, lsl #0]'),
  G({ kind: 'load', op: 'ldrsw', rt: x0, addr: memReg(x1, x2, 'sxtw') }, 'b8a2c820', 'ldrsw x0, [x1, w2, sxtw]'),
  G({ kind: 'store', op: 'str_x', rt: x0, addr: memReg(sp, x1, 'sxtx', true) }, 'f821fbe0', 'str x0, [sp, x1, sxtx #3]'),
  G({ kind: 'store', op: 'strh', rt: x0, addr: memReg(x1, x2, 'uxtw', true) }, '78225820', 'strh w0, [x1, w2, uxtw #1]'),
  // Pairs: opc 101 V 0 mode L imm7 Rt2 Rn Rt
  G({ kind: 'store_pair', size: 8, rt: fp, rt2: lr, addr: pairPreIndex(sp, -16) }, 'a9bf7bfd', 'stp x29, x30, [sp, #-16]!'),
  G({ kind: 'load_pair', size: 8, rt: fp, rt2: lr, addr: pairPostIndex(sp, 16) }, 'a8c17bfd', 'ldp x29, x30, [sp], #16'),
  G({ kind: 'store_pair', size: 4, rt: x0, rt2: x1, addr: pairOffset(x2, 252) }, '291f8440', 'stp w0, w1, [x2, #252]'),
  G({ kind: 'load_pair', size: 8, rt: x0, rt2: x1, addr: pairOffset(x2, -512) }, 'a9600440', 'ldp x0, x1, [x2, #-512]'),
  G({ kind: 'fpu_store_pair', size: 8, rt: v8, rt2: v9, addr: pairOffset(sp) }, '6d0027e8', 'stp d8, d9, [sp]'),
  G({ kind: 'fpu_load_pair', size: 8, rt: v8, rt2: v9, addr: pairOffset(sp, 16) }, '6d4127e8', 'ldp d8, d9, [sp, #16]'),
  G({ kind: 'fpu_store_pair', size: 16, rt: v0, rt2: v1, addr: pairOffset(x1) }, 'ad000420', 'stp q0, q1, [x1]'),
  G({ kind: 'fpu_load_pair', size: 4, rt: v0, rt2: v1, addr: pairPostIndex(x0, 8) }, '2cc10400', 'ldp s0, s1, [x0], #8'),
  // FP loads and stores
  G({ kind: 'fpu_load', size: 8, rt: v0, addr: memOffset(x1) }, 'fd400020', 'ldr d0, [x1]'),
  G({ kind: 'fpu_store', size: 4, rt: v2, addr: memOffset(x3, 4) }, 'bd000462', 'str s2, [x3, #4]'),
  G({ kind: 'fpu_load', size: 16, rt: v0, addr: memOffset(x1) }, '3dc00020', 'ldr q0, [x1]'),
  G({ kind: 'fpu_store', size: 16, rt: v31, addr: memOffset(sp, 65520) }, '3dbfffff', 'str q31, [sp, #65520]'),
  G({ kind: 'fpu_load', size: 8, rt: v1, addr: memUnscaled(x2, -1) }, 'fc5ff041', 'ldur d1, [x2, #-1]'),
  G({ kind: 'fpu_load', size: 16, rt: v1, addr: memReg(x2, x3, 'lsl', true) }, '3ce37841', 'ldr q1, [x2, x3, lsl #4]'),
  // Branches through registers, traps, nop
  G({ kind: 'jump_ind', rn: x16 }, 'd61f0200', 'br x16'),
  G({ kind: 'call_ind', rn: x0 }, 'd63f0000', 'blr x0'),
  G({ kind: 'ret' }, 'd65f03c0', 'ret'),
  G({ kind: 'ret', rn: x1 }, 'd65f0020', 'ret x1'),
  G({ kind: 'udf', trap: 1 }, '0000c11f', 'udf #49439'),
  G({ kind: 'brk', imm16: 0 }, 'd4200000', 'brk #0x0'),
  G({ kind: 'brk', imm16: 0xf000 }, 'd43e0000', 'brk #0xf000'),
  G({ kind: 'nop' }, 'd503201f', 'nop'),
  // Floating point
  G({ kind: 'fpu_move', size: 4, rd: v0, rn: v1 }, '1e204020', 'fmov s0, s1'),
  G({ kind: 'fpu_move', size: 8, rd: v0, rn: v1 }, '1e604020', 'fmov d0, d1'),
  G({ kind: 'fpu_move', size: 16, rd: v0, rn: v1 }, '4ea11c20', 'mov v0.16b, v1.16b'),
  G({ kind: 'fmov_to_gpr', size: 4, rd: x0, rn: v1 }, '1e260020', 'fmov w0, s1'),
  G({ kind: 'fmov_to_gpr', size: 8, rd: x0, rn: v1 }, '9e660020', 'fmov x0, d1'),
  G({ kind: 'fmov_from_gpr', size: 4, rd: v0, rn: x1 }, '1e270020', 'fmov s0, w1'),
  G({ kind: 'fmov_from_gpr', size: 8, rd: v0, rn: xzr }, '9e6703e0', 'fmov d0, xzr'),
  G({ kind: 'fmov_imm', size: 4, rd: v0, value: 1 }, '1e2e1000', 'fmov s0, #1.000000000000000000e+00'),
  G({ kind: 'fmov_imm', size: 8, rd: v0, value: -2 }, '1e701000', 'fmov d0, #-2.000000000000000000e+00'),
  G({ kind: 'fmov_imm', size: 4, rd: v1, value: 0.125 }, '1e281001', 'fmov s1, #1.250000000000000000e-01'),
  G({ kind: 'fmov_imm', size: 8, rd: v2, value: 31 }, '1e67f002', 'fmov d2, #3.100000000000000000e+01'),
  G({ kind: 'fpu_rrr', op: 'fadd', size: 4, rd: v0, rn: v1, rm: v2 }, '1e222820', 'fadd s0, s1, s2'),
  G({ kind: 'fpu_rrr', op: 'fsub', size: 8, rd: v0, rn: v1, rm: v2 }, '1e623820', 'fsub d0, d1, d2'),
  G({ kind: 'fpu_rrr', op: 'fmul', size: 8, rd: v0, rn: v1, rm: v2 }, '1e620820', 'fmul d0, d1, d2'),
  G({ kind: 'fpu_rrr', op: 'fdiv', size: 4, rd: v0, rn: v1, rm: v2 }, '1e221820', 'fdiv s0, s1, s2'),
  G({ kind: 'fpu_rrr', op: 'fmax', size: 8, rd: v0, rn: v1, rm: v2 }, '1e624820', 'fmax d0, d1, d2'),
  G({ kind: 'fpu_rrr', op: 'fmin', size: 8, rd: v0, rn: v1, rm: v2 }, '1e625820', 'fmin d0, d1, d2'),
  G({ kind: 'fpu_rrr', op: 'fmaxnm', size: 4, rd: v0, rn: v1, rm: v2 }, '1e226820', 'fmaxnm s0, s1, s2'),
  G({ kind: 'fpu_rrr', op: 'fminnm', size: 8, rd: v0, rn: v1, rm: v2 }, '1e627820', 'fminnm d0, d1, d2'),
  // FP data processing (3 source): 0 0 0 11111 ftype o1 Rm o0 Ra Rn Rd.
  G({ kind: 'fpu_rrrr', op: 'fmadd', size: 8, rd: v0, rn: v1, rm: v2, ra: v3 }, '1f420c20', 'fmadd d0, d1, d2, d3'),
  G({ kind: 'fpu_rrrr', op: 'fmadd', size: 4, rd: v0, rn: v1, rm: v2, ra: v3 }, '1f020c20', 'fmadd s0, s1, s2, s3'),
  G({ kind: 'fpu_rrrr', op: 'fmsub', size: 8, rd: v0, rn: v1, rm: v2, ra: v3 }, '1f428c20', 'fmsub d0, d1, d2, d3'),
  G({ kind: 'fpu_rrrr', op: 'fnmadd', size: 4, rd: v0, rn: v1, rm: v2, ra: v3 }, '1f220c20', 'fnmadd s0, s1, s2, s3'),
  G({ kind: 'fpu_rrrr', op: 'fnmsub', size: 8, rd: v31, rn: v1, rm: v2, ra: v31 }, '1f62fc3f', 'fnmsub d31, d1, d2, d31'),
  G({ kind: 'fpu_rr', op: 'fabs', size: 8, rd: v0, rn: v1 }, '1e60c020', 'fabs d0, d1'),
  G({ kind: 'fpu_rr', op: 'fneg', size: 4, rd: v0, rn: v1 }, '1e214020', 'fneg s0, s1'),
  G({ kind: 'fpu_rr', op: 'fsqrt', size: 8, rd: v0, rn: v1 }, '1e61c020', 'fsqrt d0, d1'),
  G({ kind: 'fpu_rr', op: 'frintn', size: 8, rd: v0, rn: v1 }, '1e644020', 'frintn d0, d1'),
  G({ kind: 'fpu_rr', op: 'frintp', size: 4, rd: v0, rn: v1 }, '1e24c020', 'frintp s0, s1'),
  G({ kind: 'fpu_rr', op: 'frintm', size: 8, rd: v0, rn: v1 }, '1e654020', 'frintm d0, d1'),
  G({ kind: 'fpu_rr', op: 'frintz', size: 4, rd: v0, rn: v1 }, '1e25c020', 'frintz s0, s1'),
  G({ kind: 'fpu_rr', op: 'frinta', size: 8, rd: v0, rn: v1 }, '1e664020', 'frinta d0, d1'),
  G({ kind: 'fpu_rr', op: 'frintx', size: 8, rd: v0, rn: v1 }, '1e674020', 'frintx d0, d1'),
  G({ kind: 'fpu_rr', op: 'frinti', size: 4, rd: v0, rn: v1 }, '1e27c020', 'frinti s0, s1'),
  G({ kind: 'fpu_cvt', from: 4, to: 8, rd: v0, rn: v1 }, '1e22c020', 'fcvt d0, s1'),
  G({ kind: 'fpu_cvt', from: 8, to: 4, rd: v0, rn: v1 }, '1e624020', 'fcvt s0, d1'),
  G({ kind: 'fpu_cmp', size: 4, rn: v0, rm: v1 }, '1e212000', 'fcmp s0, s1'),
  G({ kind: 'fpu_cmp', size: 8, rn: v1, rm: 'zero' }, '1e602028', 'fcmp d1, #0.0'),
  G({ kind: 'fpu_csel', size: 8, rd: v0, rn: v1, rm: v2, cond: 0 }, '1e620c20', 'fcsel d0, d1, d2, eq'),
  G({ kind: 'fpu_csel', size: 4, rd: v3, rn: v4, rm: v5, cond: 6 }, '1e256c83', 'fcsel s3, s4, s5, vs'),
  G({ kind: 'int_to_fpu', op: 'scvtf', srcSize: 8, dstSize: 8, rd: v0, rn: x0 }, '9e620000', 'scvtf d0, x0'),
  G({ kind: 'int_to_fpu', op: 'ucvtf', srcSize: 4, dstSize: 4, rd: v0, rn: x0 }, '1e230000', 'ucvtf s0, w0'),
  G({ kind: 'int_to_fpu', op: 'scvtf', srcSize: 8, dstSize: 4, rd: v1, rn: x2 }, '9e220041', 'scvtf s1, x2'),
  G({ kind: 'int_to_fpu', op: 'ucvtf', srcSize: 4, dstSize: 8, rd: v3, rn: x4 }, '1e630083', 'ucvtf d3, w4'),
  G({ kind: 'fpu_to_int', op: 'fcvtzs', srcSize: 8, dstSize: 8, rd: x0, rn: v0 }, '9e780000', 'fcvtzs x0, d0'),
  G({ kind: 'fpu_to_int', op: 'fcvtzu', srcSize: 4, dstSize: 4, rd: x0, rn: v0 }, '1e390000', 'fcvtzu w0, s0'),
  G({ kind: 'fpu_to_int', op: 'fcvtzs', srcSize: 8, dstSize: 4, rd: x1, rn: v2 }, '1e780041', 'fcvtzs w1, d2'),
  G({ kind: 'fpu_to_int', op: 'fcvtzu', srcSize: 4, dstSize: 8, rd: x3, rn: v4 }, '9e390083', 'fcvtzu x3, s4'),
  // NEON for popcount
  G({ kind: 'vec_cnt', rd: v0, rn: v0 }, '0e205800', 'cnt v0.8b, v0.8b'),
  G({ kind: 'vec_reduce', op: 'addv', rd: v0, rn: v0 }, '0e31b800', 'addv b0, v0.8b'),
  G({ kind: 'vec_reduce', op: 'uaddlv', rd: v1, rn: v2 }, '2e303841', 'uaddlv h1, v2.8b'),
  G({ kind: 'umov', size: 1, rd: x0, rn: v0, lane: 0 }, '0e013c00', 'umov w0, v0.b[0]'),
  G({ kind: 'umov', size: 2, rd: x1, rn: v2, lane: 7 }, '0e1e3c41', 'umov w1, v2.h[7]'),
  G({ kind: 'umov', size: 4, rd: x0, rn: v1, lane: 3 }, '0e1c3c20', 'mov w0, v1.s[3]'),
  G({ kind: 'umov', size: 8, rd: x0, rn: v0, lane: 1 }, '4e183c00', 'mov x0, v0.d[1]'),
];

// ---------------------------------------------------------------------------
// Label cases
// ---------------------------------------------------------------------------

const LABEL_CASES: Case[] = [];

/** Label offsets are known after `finish`; the expectations read them lazily. */
function lbl(buf: AArch64Sink, l: MachLabel): (base: number) => string {
  const get = (): number => {
    const o = buf.labelOffset(l);
    if (o === undefined) throw new Error(`label${l} unbound`);
    return o;
  };
  return (base) => hex(base + get());
}

const ALL_CONDS = Array.from({ length: 16 }, (_, i) => i as Cond);
const INVERTIBLE_CONDS = ALL_CONDS.filter((c) => c < 14);

/** One branch condition of every kind and register/bit shape. */
const BRANCH_CONDS: BranchCond[] = [
  ...INVERTIBLE_CONDS.map((cond): BranchCond => ({ kind: 'cond', cond })),
  ...ZR_SLOT_GPRS.flatMap((rt, i): BranchCond[] => [
    { kind: 'zero', size: i % 2 === 0 ? 8 : 4, rt },
    { kind: 'not_zero', size: i % 2 === 0 ? 4 : 8, rt },
  ]),
  ...Array.from({ length: 64 }, (_, bit): BranchCond[] => [
    { kind: 'bit_zero', rt: ZR_SLOT_GPRS[bit % 32]!, bit },
    { kind: 'bit_not_zero', rt: ZR_SLOT_GPRS[(bit * 7) % 32]!, bit },
  ]).flat(),
];

// b, forwards and backwards
LABEL_CASES.push({
  title: 'b back',
  words: '14000000',
  build(buf) {
    const l = buf.getLabel();
    buf.bindLabel(l);
    emit({ kind: 'jump', target: l }, buf);
    return (base) => [`b ${hex(base)}`];
  },
});
LABEL_CASES.push({
  title: 'b forward',
  words: '14000002 d503201f',
  build(buf) {
    const l = buf.getLabel();
    emit({ kind: 'jump', target: l }, buf);
    emit({ kind: 'nop' }, buf);
    buf.bindLabel(l);
    return (base) => [`b ${hex(base + 8)}`, 'nop'];
  },
});
LABEL_CASES.push({
  title: 'b back over nops',
  words: 'd503201f d503201f 17fffffe',
  build(buf) {
    const l = buf.getLabel();
    buf.bindLabel(l);
    emit({ kind: 'nop' }, buf);
    emit({ kind: 'nop' }, buf);
    emit({ kind: 'jump', target: l }, buf);
    return (base) => ['nop', 'nop', `b ${hex(base)}`];
  },
});

for (const c of BRANCH_CONDS) {
  const t = (target: string): string => printInst({ kind: 'trap_if', cond: c, trap: 1 }).replace(/trap1$/, target);
  LABEL_CASES.push({
    title: `${t('back')}`,
    build(buf) {
      const l = buf.getLabel();
      buf.bindLabel(l);
      emit({ kind: 'nop' }, buf);
      emit({ kind: 'cond_jump', cond: c, target: l }, buf);
      return (base) => ['nop', t(hex(base))];
    },
  });
  LABEL_CASES.push({
    title: `${t('forward')}`,
    build(buf) {
      const l = buf.getLabel();
      emit({ kind: 'cond_jump', cond: c, target: l }, buf);
      emit({ kind: 'nop' }, buf);
      buf.bindLabel(l);
      return (base) => [t(hex(base + 8)), 'nop'];
    },
  });
  // Two-target branch kept as is (neither target is the fall-through)…
  LABEL_CASES.push({
    title: `cond_br ${t('L')}`,
    build(buf) {
      const taken = buf.getLabel();
      const notTaken = buf.getLabel();
      emit({ kind: 'cond_br', cond: c, taken, notTaken }, buf);
      emit({ kind: 'nop' }, buf);
      buf.bindLabel(taken);
      emit({ kind: 'nop' }, buf);
      buf.bindLabel(notTaken);
      emit({ kind: 'nop' }, buf);
      return (base) => [t(hex(base + 12)), `b ${hex(base + 16)}`, 'nop', 'nop', 'nop'];
    },
  });
  // …and simplified by the buffer into the inverse condition when the taken
  // target is the fall-through: this checks the inverted word of every kind.
  LABEL_CASES.push({
    title: `cond_br inverted ${t('L')}`,
    build(buf) {
      const taken = buf.getLabel();
      const notTaken = buf.getLabel();
      emit({ kind: 'cond_br', cond: c, taken, notTaken }, buf);
      buf.bindLabel(taken);
      emit({ kind: 'nop' }, buf);
      buf.bindLabel(notTaken);
      emit({ kind: 'nop' }, buf);
      const inv = printInst({ kind: 'trap_if', cond: invertBC(c), trap: 1 });
      return (base) => [inv.replace(/trap1$/, hex(base + 8)), 'nop', 'nop'];
    },
  });
  // Conditional trap: a branch to the deferred udf at the end.
  LABEL_CASES.push({
    title: `trap_if ${t('trap')}`,
    build(buf) {
      emit({ kind: 'trap_if', cond: c, trap: 3 }, buf);
      emit({ kind: 'nop' }, buf);
      return (base) => [t(hex(base + 8)), 'nop', 'udf #49439'];
    },
  });
}

function invertBC(c: BranchCond): BranchCond {
  switch (c.kind) {
    case 'cond':
      return { kind: 'cond', cond: (c.cond ^ 1) as Cond };
    case 'zero':
      return { ...c, kind: 'not_zero' };
    case 'not_zero':
      return { ...c, kind: 'zero' };
    case 'bit_zero':
      return { ...c, kind: 'bit_not_zero' };
    case 'bit_not_zero':
      return { ...c, kind: 'bit_zero' };
  }
}

// Literal loads from the constant pool (placed, 8- or 16-byte aligned, after the code).
for (const rt of ZR_SLOT_GPRS) {
  for (const op of ['ldr_w', 'ldr_x', 'ldrsw'] as const) {
    LABEL_CASES.push({
      title: `${op} ${rt} literal`,
      build(buf) {
        const c = buf.deferConstant([1, 2, 3, 4, 5, 6, 7, 8], 8);
        emit({ kind: 'load', op, rt, addr: memLiteral(c) }, buf);
        const target = lbl(buf, c);
        const text = (base: number): string => printInst({ kind: 'load', op, rt, addr: memLiteral(c) }).replace(/label\d+$/, target(base));
        return (base) => [text(base), null, null, null].slice(0, buf.curOffset() / 4);
      },
    });
  }
}
for (const size of [4, 8, 16] as const) {
  for (const rt of [v0, v1, v9, v31]) {
    LABEL_CASES.push({
      title: `ldr fp${size} literal`,
      build(buf) {
        const c = buf.deferConstant(new Uint8Array(size).fill(0x11), size);
        emit({ kind: 'fpu_load', size, rt, addr: memLiteral(c) }, buf);
        const target = lbl(buf, c);
        return (base) => {
          const text = printInst({ kind: 'fpu_load', size, rt, addr: memLiteral(c) }).replace(/label\d+$/, target(base));
          return [text, ...new Array<null>(buf.curOffset() / 4 - 1).fill(null)];
        };
      },
    });
  }
}
LABEL_CASES.push({
  title: 'ldr x0 literal (golden)',
  words: '58000040 d503201f 04030201 08070605',
  build(buf) {
    const c = buf.deferConstant([1, 2, 3, 4, 5, 6, 7, 8], 8);
    emit({ kind: 'load', op: 'ldr_x', rt: x0, addr: memLiteral(c) }, buf);
    emit({ kind: 'nop' }, buf);
    return (base) => [`ldr x0, ${hex(base + 8)}`, 'nop', null, null];
  },
});

// adr to labels before and after; adrp with page counts.
for (const rd of ZR_SLOT_GPRS) {
  LABEL_CASES.push({
    title: `adr ${rd}`,
    build(buf) {
      const back = buf.getLabel();
      const fwd = buf.getLabel();
      buf.bindLabel(back);
      emit({ kind: 'adr', rd, label: back }, buf);
      emit({ kind: 'adr', rd, label: fwd }, buf);
      emit({ kind: 'nop' }, buf);
      buf.bindLabel(fwd);
      const name = printInst({ kind: 'adr', rd, label: back }).replace(/label\d+$/, '');
      return (base) => [`${name}${hex(base)}`, `${name}${hex(base + 12)}`, 'nop'];
    },
  });
}
LABEL_CASES.push({
  title: 'adr golden',
  words: '10000040 d503201f',
  build(buf) {
    const l = buf.getLabel();
    emit({ kind: 'adr', rd: x0, label: l }, buf);
    emit({ kind: 'nop' }, buf);
    buf.bindLabel(l);
    return (base) => [`adr x0, ${hex(base + 8)}`, 'nop'];
  },
});
for (const pages of [0, 1, -1, 0xfffff, -0x100000, 0x1234]) {
  for (const rd of [x0, x7, lr, xzr]) {
    LABEL_CASES.push(instCase({ kind: 'adrp', rd, pages }));
  }
}

// bl to labels and to external names.
LABEL_CASES.push({
  title: 'bl forward and back',
  words: '94000000 94000002 d503201f',
  build(buf) {
    const back = buf.getLabel();
    const fwd = buf.getLabel();
    buf.bindLabel(back);
    emit({ kind: 'call', target: { kind: 'label', label: back } }, buf);
    emit({ kind: 'call', target: { kind: 'label', label: fwd } }, buf);
    emit({ kind: 'nop' }, buf);
    buf.bindLabel(fwd);
    return (base) => [`bl ${hex(base)}`, `bl ${hex(base + 12)}`, 'nop'];
  },
});
LABEL_CASES.push({
  title: 'bl external (relocation, field zero)',
  words: '94000000',
  build(buf) {
    emit({ kind: 'call', target: { kind: 'name', name: { kind: 'user', ref: 3 } } }, buf);
    return (base) => [`bl ${hex(base)}`];
  },
});

// ---------------------------------------------------------------------------
// Range cases: each label-use kind at its limits
// ---------------------------------------------------------------------------

/** Emit `inst` (which uses a fresh label) into a scratch buffer and return its placeholder word's bytes. */
function placeholder(make: (l: MachLabel) => Inst): { bytes: Uint8Array; inst: (l: MachLabel) => Inst } {
  const scratch = createAArch64Buffer();
  const l = scratch.getLabel();
  emit(make(l), scratch);
  return { bytes: scratch.bytes(), inst: make };
}

function rangeCase(kind: AArch64LabelUse, make: (l: MachLabel) => Inst, delta: number): Case {
  return {
    title: `${kind.name} ${printInst(make(0 as MachLabel))} at ${delta}`,
    build(buf, base) {
      const { bytes } = placeholder(make);
      kind.patch(bytes.subarray(0, 4), base, base + delta);
      buf.putBytes(bytes);
      return () => [printInst(make(0 as MachLabel)).replace(/label0$/, hex(base + delta))];
    },
  };
}

const RANGE_CASES: Case[] = [];
{
  const word = [0, 4, -4, 0x40, -0x40];
  const r14 = [...word, (1 << 15) - 4, -(1 << 15), 0x1234 * 4];
  const r19 = [...word, (1 << 20) - 4, -(1 << 20), 0x12345 * 4];
  const r26 = [...word, (1 << 27) - 4, -(1 << 27), 0x123456 * 4];
  const r21 = [0, 1, -1, 2, 3, -3, 0xfffff, -0x100000, 0x12345];
  const add = (kind: AArch64LabelUse, deltas: number[], make: (l: MachLabel) => Inst): void => {
    for (const d of deltas) RANGE_CASES.push(rangeCase(kind, make, d));
  };
  add(Branch14, r14, (l) => ({ kind: 'cond_jump', cond: { kind: 'bit_zero', rt: x3, bit: 5 }, target: l }));
  add(Branch14, r14, (l) => ({ kind: 'cond_jump', cond: { kind: 'bit_not_zero', rt: xzr, bit: 63 }, target: l }));
  add(Branch19, r19, (l) => ({ kind: 'cond_jump', cond: { kind: 'cond', cond: 13 }, target: l }));
  add(Branch19, r19, (l) => ({ kind: 'cond_jump', cond: { kind: 'zero', size: 8, rt: x30 }, target: l }));
  add(Branch19, r19, (l) => ({ kind: 'cond_jump', cond: { kind: 'not_zero', size: 4, rt: x0 }, target: l }));
  add(Branch26, r26, (l) => ({ kind: 'jump', target: l }));
  add(Branch26, r26, (l) => ({ kind: 'call', target: { kind: 'label', label: l } }));
  add(Ldr19, r19, (l) => ({ kind: 'load', op: 'ldr_x', rt: x5, addr: memLiteral(l) }));
  add(Ldr19, r19, (l) => ({ kind: 'load', op: 'ldrsw', rt: x6, addr: memLiteral(l) }));
  add(Ldr19, r19, (l) => ({ kind: 'fpu_load', size: 16, rt: v9, addr: memLiteral(l) }));
  add(Adr21, r21, (l) => ({ kind: 'adr', rd: x17, label: l }));
}

// ---------------------------------------------------------------------------
// Sweeps
// ---------------------------------------------------------------------------

const Z = ZR_SLOT_GPRS;
const S = SP_SLOT_GPRS;
const V = ALL_VREGS;
const SIZES = [4, 8] as const;

/**
 * Register tuples for an instruction with `slots` register operands: for
 * every slot, every register of that slot's set with the other slots
 * derived from it — so each register appears in each slot — plus, if
 * `product`, the full product of the first two slots.
 */
function tuples<const T extends readonly (readonly number[])[]>(
  sets: T,
  product = false,
): { [K in keyof T]: T[K] extends readonly (infer E)[] ? E : never }[] {
  type Row = { [K in keyof T]: T[K] extends readonly (infer E)[] ? E : never };
  const out: number[][] = [];
  const n = sets.length;
  for (let s = 0; s < n; s++) {
    sets[s]!.forEach((_, i) => {
      out.push(sets.map((set, k) => set[(i + 7 * ((k - s + n) % n)) % set.length]!));
    });
  }
  if (product && n >= 2) {
    for (const a of sets[0]!) {
      for (const b of sets[1]!) {
        out.push([a, b, ...sets.slice(2).map((set, k) => set[(a * 3 + b * 5 + k) % set.length]!)]);
      }
    }
  }
  return out as unknown as Row[];
}

/** All logical immediates of a size, from the Arm ARM's decoding (independent of the encoder). */
function allLogicalImms(size: Size): bigint[] {
  const out: bigint[] = [];
  for (let n = 0; n <= (size === 8 ? 1 : 0); n++) {
    for (let immr = 0; immr < size * 8; immr++) {
      for (let imms = 0; imms < 64; imms++) {
        const v = decodeBitMasks(n, imms, immr, size * 8);
        // Only the low log2(esize) bits of immr matter: count each value once.
        if (v !== undefined && immr < elementSize(n, imms)) out.push(v);
      }
    }
  }
  return out;
}

/** The element size a (N, imms) pair selects: 2^HighestSetBit(N:NOT(imms)). */
function elementSize(n: number, imms: number): number {
  return 1 << (31 - Math.clz32((n << 6) | (~imms & 0x3f)));
}

/** DecodeBitMasks (Arm ARM, shared pseudocode), returning wmask or undefined when reserved. */
function decodeBitMasks(n: number, imms: number, immr: number, m: number): bigint | undefined {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  const esize = 1 << len;
  const levels = esize - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (s === levels) return undefined;
  if (esize > m) return undefined;
  const welem = (1n << BigInt(s + 1)) - 1n;
  const emask = (1n << BigInt(esize)) - 1n;
  const rotated = r === 0 ? welem : ((welem >> BigInt(r)) | (welem << BigInt(esize - r))) & emask;
  let out = 0n;
  for (let i = 0; i < m; i += esize) out |= rotated << BigInt(i);
  return out;
}

function sweep(): Inst[] {
  const out: Inst[] = [];
  const push = (i: Inst): void => void out.push(i);

  // mov_wide: every op × size × shift × halfword class × destination.
  for (const op of MOV_WIDE_OPS) {
    for (const size of SIZES) {
      for (let shift = 0; shift < size * 8; shift += 16) {
        for (const imm16 of [0, 1, 0x7fff, 0x8000, 0xffff, 0x1234]) {
          for (const rd of Z) push({ kind: 'mov_wide', op, size, rd, imm16, shift });
        }
      }
    }
  }
  // mov: every pair where at most one side is special.
  for (const size of SIZES) {
    for (const rd of [...Z, sp]) {
      for (const rm of [...Z, sp]) {
        if ((rd === sp && rm === xzr) || (rd === xzr && rm === sp)) continue;
        push({ kind: 'mov', size, rd, rm });
      }
    }
  }
  // Shifted register: every op and size; registers; every shift type × boundary amounts.
  for (const op of ALU_OPS) {
    for (const size of SIZES) {
      for (const [rd, rn, rm] of tuples([Z, Z, Z], op === 'add' || op === 'subs' || op === 'orr' || op === 'and')) {
        push({ kind: 'alu_rrr', op, size, rd: rd!, rn: rn!, rm: rm! });
      }
      const shifts: ShiftOp[] = ADD_SUB_OPS.includes(op as never) ? ['lsl', 'lsr', 'asr'] : ['lsl', 'lsr', 'asr', 'ror'];
      for (const sop of shifts) {
        for (const amount of [0, 1, 17, size * 8 - 1]) {
          for (const [rd, rn, rm] of [[x0, x1, x2], [xzr, x3, x4], [x5, xzr, x6], [x7, x8, xzr]]) {
            push({ kind: 'alu_rrr', op, size, rd: rd!, rn: rn!, rm: rm!, shift: { op: sop, amount } });
          }
        }
      }
    }
  }
  // Add/sub immediate: destination slot SP (add/sub) or ZR (adds/subs), base SP.
  for (const op of ADD_SUB_OPS) {
    const dst = op === 'add' || op === 'sub' ? S : Z;
    for (const size of SIZES) {
      tuples([dst, S], true).forEach(([rd, rn], i) => {
        push({ kind: 'alu_rr_imm12', op, size, rd: rd!, rn: rn!, imm12: [0, 1, 0x7ff, 0xfff, 0x123][i % 5]!, lsl12: i % 3 === 0 });
      });
      for (const imm12 of [0, 1, 0x800, 0xfff]) {
        for (const lsl12 of [false, true]) {
          for (const [rd, rn] of [[dst[0]!, S[1]!], [dst[31]!, S[31]!], [dst[9]!, S[31]!]]) {
            push({ kind: 'alu_rr_imm12', op, size, rd, rn, imm12, lsl12 });
          }
        }
      }
    }
  }
  // Logical immediate: registers with a rotating immediate; then every logical
  // immediate of each size with `and` (plain) and with `orr rd, zr` (the mov alias).
  for (const op of LOGIC_IMM_OPS) {
    const dst = op === 'ands' ? Z : S;
    for (const size of SIZES) {
      const imms = size === 8 ? [1n, 0xffn, -2n, 0x5555_5555_5555_5555n, 0x0f0f_0f0f_0f0f_0f0fn, 0xffff_0000n] : [1n, 0xffn, 0xffff_fffen, 0x5555_5555n, 0x8000_0001n];
      tuples([dst, Z], op === 'and').forEach(([rd, rn], i) => push({ kind: 'alu_rr_imm_logic', op, size, rd: rd!, rn: rn!, imm: imms[i % imms.length]! }));
    }
  }
  for (const size of SIZES) {
    allLogicalImms(size).forEach((imm, i) => {
      push({ kind: 'alu_rr_imm_logic', op: 'and', size, rd: Z[i % 31]!, rn: Z[(i * 7) % 32]!, imm });
      push({ kind: 'alu_rr_imm_logic', op: 'orr', size, rd: S[(i * 3) % 32]!, rn: xzr, imm });
    });
  }
  // Extended register: every op × size × extend × amount; registers incl. sp slots.
  for (const op of ADD_SUB_OPS) {
    const dst = op === 'add' || op === 'sub' ? S : Z;
    for (const size of SIZES) {
      for (const extend of EXTEND_OPS) {
        for (let amount = 0; amount <= 4; amount++) {
          for (const [rd, rn, rm] of [[dst[0]!, S[1]!, Z[2]!], [dst[31]!, S[31]!, Z[31]!], [dst[3]!, S[31]!, Z[4]!], [dst[31]!, S[5]!, Z[6]!]]) {
            push({ kind: 'alu_rrr_extend', op, size, rd, rn, rm, extend, amount });
          }
        }
      }
      tuples([dst, S, Z], true).forEach(([rd, rn, rm], i) => {
        push({ kind: 'alu_rrr_extend', op, size, rd: rd!, rn: rn!, rm: rm!, extend: EXTEND_OPS[i % 8]!, amount: i % 5 });
      });
    }
  }
  // Multiply, divide, variable shifts.
  for (const op of ['madd', 'msub'] as const) {
    for (const size of SIZES) {
      for (const [rd, rn, rm, ra] of tuples([Z, Z, Z, Z], true)) push({ kind: 'alu_rrrr', op, size, rd: rd!, rn: rn!, rm: rm!, ra: ra! });
    }
  }
  for (const op of ['smulh', 'umulh'] as const) {
    for (const [rd, rn, rm] of tuples([Z, Z, Z], true)) push({ kind: 'mul_high', op, rd: rd!, rn: rn!, rm: rm! });
  }
  for (const op of DP2_OPS) {
    for (const size of SIZES) {
      for (const [rd, rn, rm] of tuples([Z, Z, Z], op === 'udiv')) push({ kind: 'alu_2src', op, size, rd: rd!, rn: rn!, rm: rm! });
    }
  }
  // Bitfield moves: every (immr, imms) of both ops and sizes, so every alias
  // choice is exercised; plus every register in each slot.
  for (const op of ['sbfm', 'ubfm'] as const) {
    for (const size of SIZES) {
      let i = 0;
      for (let immr = 0; immr < size * 8; immr++) {
        for (let imms = 0; imms < size * 8; imms++, i++) {
          push({ kind: 'bit_field', op, size, rd: Z[i % 32]!, rn: Z[(i * 5 + 3) % 32]!, immr, imms });
        }
      }
      for (const [rd, rn] of tuples([Z, Z])) push({ kind: 'bit_field', op, size, rd: rd!, rn: rn!, immr: 3, imms: 9 });
    }
  }
  for (const size of SIZES) {
    for (let lsb = 0; lsb < size * 8; lsb++) {
      push({ kind: 'extr', size, rd: Z[lsb % 32]!, rn: Z[(lsb + 1) % 32]!, rm: Z[(lsb * 3) % 32]!, lsb });
      push({ kind: 'extr', size, rd: Z[lsb % 32]!, rn: Z[(lsb + 5) % 32]!, rm: Z[(lsb + 5) % 32]!, lsb });
    }
    for (const [rd, rn, rm] of tuples([Z, Z, Z])) push({ kind: 'extr', size, rd: rd!, rn: rn!, rm: rm!, lsb: 7 });
  }
  for (const op of DP1_OPS) {
    for (const size of SIZES) {
      if (op === 'rev32' && size === 4) continue;
      for (const [rd, rn] of tuples([Z, Z], op === 'clz')) push({ kind: 'bit_rr', op, size, rd: rd!, rn: rn! });
    }
  }
  // Conditional select: every op × size × condition, with rn = rm (aliases), zr, distinct.
  for (const op of CSEL_OPS) {
    for (const size of SIZES) {
      for (const cond of ALL_CONDS) {
        for (const [rd, rn, rm] of [[x0, x1, x2], [x3, x4, x4], [x5, xzr, xzr], [xzr, x6, x7], [x8, xzr, x9], [x10, x11, xzr]]) {
          push({ kind: 'csel', op, size, rd: rd!, rn: rn!, rm: rm!, cond });
        }
      }
      for (const [rd, rn, rm] of tuples([Z, Z, Z])) push({ kind: 'csel', op, size, rd: rd!, rn: rn!, rm: rm!, cond: 1 });
    }
  }
  for (const op of ['ccmp', 'ccmn'] as const) {
    for (const size of SIZES) {
      for (const cond of ALL_CONDS) {
        for (let nzcv = 0; nzcv < 16; nzcv++) {
          push({ kind: 'ccmp', op, size, rn: Z[nzcv * 2]!, rm: Z[31 - nzcv]!, nzcv, cond });
          push({ kind: 'ccmp_imm', op, size, rn: Z[nzcv * 2 + 1]!, imm5: (nzcv * 3 + cond) % 32, nzcv, cond });
        }
      }
      for (const [rn, rm] of tuples([Z, Z])) push({ kind: 'ccmp', op, size, rn: rn!, rm: rm!, nzcv: 5, cond: 3 });
      for (let imm5 = 0; imm5 < 32; imm5++) push({ kind: 'ccmp_imm', op, size, rn: Z[imm5]!, imm5, nzcv: 10, cond: 12 });
    }
  }
  // Loads and stores: every op × every addressing mode at its boundaries;
  // every base (SP slot), transfer register (ZR slot) and index register.
  const amodes = (bytes: number): Amode[] => [
    ...[0, bytes, 4095 * bytes, 2048 * bytes, 7 * bytes].map((o, i) => memOffset(S[(i * 9) % 32]!, o)),
    ...[-256, -1, 0, 1, 255, -17].map((o, i) => memUnscaled(S[(i * 11 + 31) % 32]!, o)),
    ...[-256, -8, 0, 8, 255].map((o, i) => memPreIndex(S[(i * 5 + 20) % 32]!, o)),
    ...[-256, -8, 0, 8, 255].map((o, i) => memPostIndex(S[(i * 5 + 31) % 32]!, o)),
    ...INDEX_EXTENDS.flatMap((e, i) => [false, true].map((sh, j) => memReg(S[(i * 8 + j * 31) % 32]!, Z[(i * 3 + j * 17) % 32]!, e, sh))),
  ];
  const writebackOk = (rt: Gpr, a: Amode): boolean => !((a.kind === 'pre_index' || a.kind === 'post_index') && a.rn === rt);
  for (const op of [...LOAD_OPS, ...STORE_OPS]) {
    const bytes = LOAD_STORE_INFO[op].bytes;
    const kind = (LOAD_OPS as readonly string[]).includes(op) ? 'load' : 'store';
    for (const a of amodes(bytes)) {
      for (const rt of [x0, x9, lr, xzr]) {
        if (writebackOk(rt, a)) push({ kind, op, rt, addr: a } as Inst);
      }
    }
    for (const rt of Z) push({ kind, op, rt, addr: memOffset(x3, bytes * 3) } as Inst);
    for (const rn of S) push({ kind, op, rt: x30, addr: memOffset(rn, bytes) } as Inst);
    for (const rn of S) push({ kind, op, rt: x4, addr: memUnscaled(rn, -3) } as Inst);
    for (const rn of S) if (rn !== x2) push({ kind, op, rt: x2, addr: memPreIndex(rn, 16) } as Inst);
    for (const rn of S) if (rn !== x2) push({ kind, op, rt: x2, addr: memPostIndex(rn, -16) } as Inst);
    for (const rm of Z) push({ kind, op, rt: x1, addr: memReg(sp, rm, INDEX_EXTENDS[rm % 4]!, rm % 2 === 0) } as Inst);
    for (const rn of S) push({ kind, op, rt: x1, addr: memReg(rn, x7, 'lsl', true) } as Inst);
  }
  for (const size of [4, 8, 16] as FpMemSize[]) {
    for (const kind of ['fpu_load', 'fpu_store'] as const) {
      for (const a of amodes(size)) for (const rt of [v0, v8, v31]) push({ kind, size, rt, addr: a });
      for (const rt of V) push({ kind, size, rt, addr: memOffset(x3, size * 3) });
      for (const rn of S) push({ kind, size, rt: v30, addr: memOffset(rn, size) });
      for (const rn of S) push({ kind, size, rt: v30, addr: memPreIndex(rn, -size) });
      for (const rm of Z) push({ kind, size, rt: v1, addr: memReg(x1, rm, INDEX_EXTENDS[rm % 4]!, rm % 2 === 1) });
    }
  }
  // Pairs: every size × direction × mode at the offset limits; every register in each slot.
  const pairModes = (scale: number): PairAmode[] =>
    [-64 * scale, -scale, 0, scale, 63 * scale, 17 * scale].flatMap((o, i) => [
      pairOffset(S[(i * 7) % 32]!, o),
      pairPreIndex(S[(i * 7 + 31) % 32]!, o),
      pairPostIndex(S[(i * 3 + 12) % 32]!, o),
    ]);
  for (const size of SIZES) {
    for (const kind of ['load_pair', 'store_pair'] as const) {
      for (const a of pairModes(size)) if (a.kind === 'offset' || a.rn !== x20) push({ kind, size, rt: x20, rt2: xzr, addr: a });
      for (const [rt, rt2] of tuples([Z, Z])) if (rt !== rt2 || kind === 'store_pair') push({ kind, size, rt: rt!, rt2: rt2!, addr: pairOffset(x18, size) });
      for (const rn of S) if (rn !== x21 && rn !== x22) push({ kind, size, rt: x21, rt2: x22, addr: pairPreIndex(rn, -2 * size) });
    }
  }
  for (const size of [4, 8, 16] as FpMemSize[]) {
    for (const kind of ['fpu_load_pair', 'fpu_store_pair'] as const) {
      for (const a of pairModes(size)) push({ kind, size, rt: v3, rt2: v31, addr: a });
      for (const [rt, rt2] of tuples([V, V])) if (rt !== rt2) push({ kind, size, rt: rt!, rt2: rt2!, addr: pairOffset(x18, size) });
      for (const rn of S) push({ kind, size, rt: v8, rt2: v9, addr: pairPostIndex(rn, 2 * size) });
    }
  }
  // Branches through registers, system.
  for (const r of Z) {
    push({ kind: 'jump_ind', rn: r });
    push({ kind: 'call_ind', rn: r });
    push({ kind: 'ret', rn: r });
  }
  push({ kind: 'ret' });
  for (const imm16 of [0, 1, 0x7fff, 0x8000, 0xffff, 0xf000]) push({ kind: 'brk', imm16 });
  push({ kind: 'udf', trap: 1 });
  push({ kind: 'nop' });
  // Floating point.
  for (const size of [4, 8, 16] as FpMemSize[]) for (const [rd, rn] of tuples([V, V], true)) push({ kind: 'fpu_move', size, rd: rd!, rn: rn! });
  for (const size of SIZES) {
    for (const [rd, rn] of tuples([Z, V], true)) push({ kind: 'fmov_to_gpr', size, rd: rd!, rn: rn! });
    for (const [rd, rn] of tuples([V, Z], true)) push({ kind: 'fmov_from_gpr', size, rd: rd!, rn: rn! });
  }
  for (const size of SIZES) {
    for (let imm8 = 0; imm8 < 256; imm8++) push({ kind: 'fmov_imm', size, rd: V[imm8 % 32]!, value: fpImm8Value(imm8) });
  }
  for (const size of SIZES) {
    for (const op of FPU_RRR_OPS) for (const [rd, rn, rm] of tuples([V, V, V], op === 'fadd')) push({ kind: 'fpu_rrr', op, size, rd: rd!, rn: rn!, rm: rm! });
    for (const op of FPU_RRRR_OPS) for (const [rd, rn, rm] of tuples([V, V, V], false)) push({ kind: 'fpu_rrrr', op, size, rd: rd!, rn: rn!, rm: rm!, ra: V[(rd! + 7) % 32]! });
    for (const op of FPU_RR_OPS) for (const [rd, rn] of tuples([V, V], op === 'fsqrt')) push({ kind: 'fpu_rr', op, size, rd: rd!, rn: rn! });
    for (const [rd, rn] of tuples([V, V], true)) push({ kind: 'fpu_cvt', from: size, to: size === 4 ? 8 : 4, rd: rd!, rn: rn! });
    for (const [rn, rm] of tuples([V, V], true)) push({ kind: 'fpu_cmp', size, rn: rn!, rm: rm! });
    for (const rn of V) push({ kind: 'fpu_cmp', size, rn, rm: 'zero' });
    for (const cond of ALL_CONDS) for (const [rd, rn, rm] of tuples([V, V, V]).slice(cond * 6, cond * 6 + 6)) push({ kind: 'fpu_csel', size, rd: rd!, rn: rn!, rm: rm!, cond });
    for (const [rd, rn, rm] of tuples([V, V, V])) push({ kind: 'fpu_csel', size, rd: rd!, rn: rn!, rm: rm!, cond: 9 });
    for (const other of SIZES) {
      for (const op of ['scvtf', 'ucvtf'] as const) {
        for (const [rd, rn] of tuples([V, Z], op === 'scvtf')) push({ kind: 'int_to_fpu', op, srcSize: other, dstSize: size, rd: rd!, rn: rn! });
      }
      for (const op of ['fcvtzs', 'fcvtzu'] as const) {
        for (const [rd, rn] of tuples([Z, V], op === 'fcvtzs')) push({ kind: 'fpu_to_int', op, srcSize: size, dstSize: other, rd: rd!, rn: rn! });
      }
    }
  }
  // NEON.
  for (const [rd, rn] of tuples([V, V], true)) {
    push({ kind: 'vec_cnt', rd: rd!, rn: rn! });
    push({ kind: 'vec_reduce', op: 'addv', rd: rd!, rn: rn! });
    push({ kind: 'vec_reduce', op: 'uaddlv', rd: rd!, rn: rn! });
  }
  for (const size of [1, 2, 4, 8] as const) {
    for (let lane = 0; lane < 16 / size; lane++) for (const rd of [x0, x15, lr, xzr]) push({ kind: 'umov', size, rd, rn: V[(lane * 5) % 32]!, lane });
    for (const [rd, rn] of tuples([Z, V])) push({ kind: 'umov', size, rd: rd!, rn: rn!, lane: 0 });
  }
  return out;
}


// ---------------------------------------------------------------------------
// Running objdump
// ---------------------------------------------------------------------------

interface Decoded {
  readonly word: number;
  readonly text: string;
}

function normalize(text: string): string {
  return text.replace(/\/\/.*$/, '').replace(/\s+/g, ' ').trim();
}

/** Decode `bytes` with one objdump run; map each word's offset to its decoding. */
function objdump(bytes: Uint8Array): Map<number, Decoded> {
  const dir = mkdtempSync(path.join(tmpdir(), 'derrick-a64-golden-'));
  try {
    const file = path.join(dir, 'code.bin');
    writeFileSync(file, bytes);
    const out = execFileSync('aarch64-linux-gnu-objdump', ['-D', '-b', 'binary', '-m', 'aarch64', file], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    const map = new Map<number, Decoded>();
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$/.exec(line);
      if (m === null) continue;
      map.set(parseInt(m[1]!, 16), { word: parseInt(m[2]!, 16), text: normalize(m[3]!) });
    }
    return map;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Built {
  readonly c: Case;
  readonly data: Uint8Array;
  readonly base: number;
  readonly expect: (string | null)[];
}

function wordsHex(b: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) {
    out.push(((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0).toString(16).padStart(8, '0'));
  }
  return out.join(' ');
}

/** Check every case against the decoding; return one message per failing case. */
function compare(built: readonly Built[], decoded: Map<number, Decoded>): string[] {
  const failures: string[] = [];
  for (const b of built) {
    const got: string[] = [];
    let ok = b.data.length === b.expect.length * 4;
    b.expect.forEach((want, i) => {
      const d = decoded.get(b.base + 4 * i);
      got.push(d?.text ?? '<nothing>');
      if (want !== null && (d === undefined || d.text !== normalize(want))) ok = false;
    });
    if (!ok) {
      failures.push(`${b.c.title} @${hex(b.base)} [${wordsHex(b.data)}]: expected ${JSON.stringify(b.expect)}, objdump ${JSON.stringify(got)}`);
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

const SWEEP: Case[] = sweep().map((i) => instCase(i));
const ALL: Case[] = [...GOLDEN, ...LABEL_CASES, ...RANGE_CASES, ...SWEEP];

let built: Built[] = [];
let decoded = new Map<number, Decoded>();

beforeAll(() => {
  let base = 0;
  built = ALL.map((c) => {
    const buf = createAArch64Buffer();
    const exp = c.build(buf, base);
    const data = buf.finish().data;
    const b: Built = { c, data, base, expect: exp(base) };
    base += data.length;
    return b;
  });
  const all = new Uint8Array(base);
  for (const b of built) all.set(b.data, b.base);
  decoded = objdump(all);
});

describe('AArch64 encodings against objdump', () => {
  it('the golden table: words are exactly the hand-assembled ones', () => {
    const rows = built.filter((b) => b.c.words !== undefined);
    const mismatches = rows.filter((b) => wordsHex(b.data) !== b.c.words).map((b) => `${b.c.title}: expected ${b.c.words}, encoded ${wordsHex(b.data)}`);
    expect(mismatches).toEqual([]);
    expect(rows.length).toBeGreaterThan(180);
  });

  it('the golden table decodes to its expected disassembly', () => {
    expect(compare(built.slice(0, GOLDEN.length), decoded)).toEqual([]);
  });

  it('label, branch, literal and call forms decode with the right targets', () => {
    const n = GOLDEN.length;
    expect(compare(built.slice(n, n + LABEL_CASES.length), decoded)).toEqual([]);
  });

  it('every label-use kind patched at its range limits decodes to the right target', () => {
    const n = GOLDEN.length + LABEL_CASES.length;
    expect(compare(built.slice(n, n + RANGE_CASES.length), decoded)).toEqual([]);
    expect(new Set(RANGE_CASES.map((c) => c.title.split(' ')[0])).size).toBe(AARCH64_LABEL_USES.length - 1); // all but PCRel32 (data)
  });

  it(`the sweep (${SWEEP.length} instructions) decodes exactly as printed`, () => {
    const failures = compare(built.slice(GOLDEN.length + LABEL_CASES.length + RANGE_CASES.length), decoded);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(failures.length).toBe(0);
  });

  it('covers every instruction kind', () => {
    const missing = Object.keys(ALL_KINDS).filter((k) => !emitted.has(k as InstKind));
    expect(missing).toEqual([]);
    expect(SWEEP.length).toBeGreaterThan(60_000);
  });

  it('sweeps every logical immediate: 5334 of 64 bits and 1302 of 32 bits (Arm ARM decoding)', () => {
    expect(allLogicalImms(8).length).toBe(5334);
    expect(allLogicalImms(4).length).toBe(1302);
    for (const size of SIZES) for (const v of allLogicalImms(size)) expect(encodeLogicalImm(v, size)).toBeDefined();
  });
});
