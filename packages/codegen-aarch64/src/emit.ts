/**
 * Emission: each AArch64 `Inst` form as an encoding recipe, written into a
 * `MachBuffer`.
 *
 * Every case below names its Arm ARM encoding group, validates the
 * operands the group cannot express (register-31 slots, immediate ranges,
 * alignment, the width rules of 32-bit forms, unpredictable register
 * combinations) and hands the fields to a word builder in `encode.ts`.
 * What this file adds on top:
 *
 * * **Operand checks.** Register fields go through `zrField`/`spField`
 *   according to the slot (Reg31); immediates through `uimm`/`simm`/
 *   `scaled*` (FieldWidth, ScaledOffsets); logical and FP immediates are
 *   encoded by `imms.ts` or rejected. Writeback addressing with the base as
 *   a transfer register, and `ldp` of one register twice, are rejected:
 *   the architecture makes them CONSTRAINED UNPREDICTABLE.
 * * **Label fixups.** Branches, `adr` and literal loads write a zero field
 *   and record a use of their label (`Branch26` for `b`/`bl`, `Branch19`
 *   for `b.cond`/`cbz`/`cbnz`, `Branch14` for `tbz`/`tbnz`, `Ldr19`,
 *   `Adr21`). `jump` and `cond_jump` also register themselves with the
 *   buffer (`addUncondBranch`; `addCondBranch` with the word of the
 *   inverted condition) so it can simplify branches.
 * * **Metadata.** `bl` to an external name records an `Arm64Call`
 *   relocation (addend 0); calls record a call site at their return
 *   address; `udf`, `trap_if`'s deferred `udf` and memory operands carrying
 *   a trap code record a trap at the instruction.
 *
 * Invariants:
 *
 * * **(OneInstOneWord)** An `Inst` always encodes the same way given the
 *   same operands — there are no choices left to the emitter (the alias
 *   constructors and `loadConstant` make them beforehand) — so printing and
 *   golden tests can predict the bytes.
 * * **(NoPartialEmission)** An `Inst` that is rejected leaves the buffer
 *   untouched: every operand is validated and every word computed before
 *   the first label use, trap record, deferred trap or byte. (A caller may
 *   catch the error and try another form.)
 */
import { MachBuffer, type MachLabel } from '@derrick/codegen';
import {
  AArch64EncodeError,
  encAddSubExtended,
  encAddSubImm,
  encAddSubShifted,
  encBCond,
  encBitfield,
  encBranchImm,
  encBranchReg,
  encBrk,
  encCompareBranch,
  encCondCompare,
  encCondSelect,
  encDp1,
  encDp2,
  encDp3,
  encExtr,
  encFpCompare,
  encFpCondSelect,
  encFpDp1,
  encFpDp2,
  encFpImm,
  encFpInt,
  encLdLiteral,
  encLdStPair,
  encLdStRegOffset,
  encLdStSImm9,
  encLdStUImm,
  encLogicImm,
  encLogicShifted,
  encMoveWide,
  encOrrVec,
  encPcRel,
  encSimdAcrossLanes,
  encSimdTwoRegMisc,
  encTestBranch,
  encUdf,
  encUmov,
  ftype,
  NOP_WORD,
  scaledSimm,
  scaledUimm,
  sf,
  simm,
  spField,
  uimm,
  vField,
  zrField,
  type AArch64Sink,
} from './encode.js';
import { encodeFpImm8, encodeLogicalImm } from './imms.js';
import {
  LOAD_STORE_INFO,
  type AddSubOp,
  type Amode,
  type BranchCond,
  type Dp1Op,
  type Dp2Op,
  type ExtendOp,
  type FpuRROp,
  type FpuRRROp,
  type IndexExtend,
  type Inst,
  type LoadOp,
  type LogicOp,
  type PairAmode,
  type ShiftOp,
  type StoreOp,
} from './inst.js';
import { Adr21, Branch14, Branch19, Branch26, Ldr19, type AArch64LabelUse } from './labeluse.js';
import { sp, type Gpr, type Size } from './regs.js';

/** `udf #0xc11f`: the instruction traps are made of (deferred and inline). */
export const AARCH64_TRAP_WORD = 0x0000_c11f;
export const AARCH64_TRAP_OPCODE: Uint8Array = Uint8Array.of(0x1f, 0xc1, 0x00, 0x00);

/** A `MachBuffer` configured for AArch64 (trap opcode `udf #0xc11f`, 4-byte aligned code). */
export function createAArch64Buffer(): MachBuffer<AArch64LabelUse> {
  return new MachBuffer<AArch64LabelUse>({ trapOpcode: AARCH64_TRAP_OPCODE, codeAlign: 4 });
}

// ---------------------------------------------------------------------------
// Opcode tables
// ---------------------------------------------------------------------------

/** (op, S) bits of the add/sub groups. */
const ADD_SUB: Record<AddSubOp, { op: number; s: number }> = {
  add: { op: 0, s: 0 },
  adds: { op: 0, s: 1 },
  sub: { op: 1, s: 0 },
  subs: { op: 1, s: 1 },
};

/** (opc, N) of logical shifted register. */
const LOGIC: Record<LogicOp, { opc: number; n: number }> = {
  and: { opc: 0, n: 0 },
  bic: { opc: 0, n: 1 },
  orr: { opc: 1, n: 0 },
  orn: { opc: 1, n: 1 },
  eor: { opc: 2, n: 0 },
  eon: { opc: 2, n: 1 },
  ands: { opc: 3, n: 0 },
  bics: { opc: 3, n: 1 },
};

const LOGIC_IMM_OPC = { and: 0, orr: 1, eor: 2, ands: 3 } as const;

const SHIFT: Record<ShiftOp, number> = { lsl: 0, lsr: 1, asr: 2, ror: 3 };

const EXTEND: Record<ExtendOp, number> = { uxtb: 0, uxth: 1, uxtw: 2, uxtx: 3, sxtb: 4, sxth: 5, sxtw: 6, sxtx: 7 };

const DP2: Record<Dp2Op, number> = { udiv: 0b000010, sdiv: 0b000011, lslv: 0b001000, lsrv: 0b001001, asrv: 0b001010, rorv: 0b001011 };

const DP1: Record<Dp1Op, number> = { rbit: 0, rev16: 1, rev32: 2, rev: 3, clz: 4, cls: 5 };

const CSEL = { csel: { op: 0, op2: 0 }, csinc: { op: 0, op2: 1 }, csinv: { op: 1, op2: 0 }, csneg: { op: 1, op2: 1 } } as const;

const FP_DP2: Record<FpuRRROp, number> = { fmul: 0, fdiv: 1, fadd: 2, fsub: 3, fmax: 4, fmin: 5, fmaxnm: 6, fminnm: 7 };

const FP_DP1: Record<FpuRROp, number> = {
  fabs: 0b000001,
  fneg: 0b000010,
  fsqrt: 0b000011,
  frintn: 0b001000,
  frintp: 0b001001,
  frintm: 0b001010,
  frintz: 0b001011,
  frinta: 0b001100,
  frintx: 0b001110,
  frinti: 0b001111,
};

/** (size, opc) fields of integer loads and stores. */
const LDST: Record<LoadOp | StoreOp, { size: number; opc: number }> = {
  strb: { size: 0, opc: 0 },
  ldrb: { size: 0, opc: 1 },
  ldrsb_x: { size: 0, opc: 2 },
  ldrsb_w: { size: 0, opc: 3 },
  strh: { size: 1, opc: 0 },
  ldrh: { size: 1, opc: 1 },
  ldrsh_x: { size: 1, opc: 2 },
  ldrsh_w: { size: 1, opc: 3 },
  str_w: { size: 2, opc: 0 },
  ldr_w: { size: 2, opc: 1 },
  ldrsw: { size: 2, opc: 2 },
  str_x: { size: 3, opc: 0 },
  ldr_x: { size: 3, opc: 1 },
};

/** opc of `ldr` (literal), integer forms. */
const LITERAL_OPC: Partial<Record<LoadOp, number>> = { ldr_w: 0, ldr_x: 1, ldrsw: 2 };

/** option field of register-offset addressing. */
const INDEX_OPTION: Record<IndexExtend, number> = { uxtw: 2, lsl: 3, sxtw: 6, sxtx: 7 };

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function bitsOf(size: Size): number {
  return size * 8;
}

function log2(n: number): number {
  return 31 - Math.clz32(n);
}

/** Put a 32-bit instruction word. */
function put(sink: AArch64Sink, word: number): void {
  sink.put4(word >>> 0);
}

function wordBytes(word: number): number[] {
  return [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, (word >>> 24) & 0xff];
}

/** Record the trap of a memory operand, if it has one, at the instruction about to be emitted. */
function memTrap(sink: AArch64Sink, addr: Amode | PairAmode): void {
  if ('trap' in addr && addr.trap !== undefined) sink.addTrap(addr.trap);
}

/**
 * Encode a load/store of `bytes` bytes with the given (size, V, opc) fields
 * and transfer register field `rt`; `rtGpr` is the transfer register when
 * it is a general-purpose one (for the writeback check).
 */
function emitLoadStore(
  sink: AArch64Sink,
  what: string,
  size: number,
  v: number,
  opc: number,
  bytes: number,
  rt: number,
  rtGpr: Gpr | undefined,
  addr: Amode,
  literalOpc: number | undefined,
): void {
  if (addr.kind === 'literal') {
    if (literalOpc === undefined) throw new AArch64EncodeError(`${what}: no literal (PC-relative) form`);
    const start = sink.curOffset();
    sink.useLabelAtOffset(start, addr.label, Ldr19);
    put(sink, encLdLiteral(literalOpc, v, 0, rt));
    return;
  }
  const rn = spField(addr.rn, `${what} base`);
  let word: number;
  switch (addr.kind) {
    case 'offset':
      word = encLdStUImm(size, v, opc, scaledUimm(addr.offset, bytes, 12, `${what} [rn, #offset]`), rn, rt);
      break;
    case 'unscaled':
      word = encLdStSImm9(size, v, opc, simm(addr.offset, 9, `${what} unscaled offset`), 0, rn, rt);
      break;
    case 'pre_index':
    case 'post_index':
      if (rtGpr !== undefined && rtGpr === addr.rn) {
        throw new AArch64EncodeError(`${what}: writeback to the transfer register is unpredictable`);
      }
      word = encLdStSImm9(size, v, opc, simm(addr.offset, 9, `${what} index offset`), addr.kind === 'pre_index' ? 3 : 1, rn, rt);
      break;
    case 'reg':
      word = encLdStRegOffset(size, v, opc, zrField(addr.rm, `${what} index`), INDEX_OPTION[addr.extend], addr.shifted ? 1 : 0, rn, rt);
      break;
  }
  memTrap(sink, addr);
  put(sink, word);
}

function emitPair(
  sink: AArch64Sink,
  what: string,
  opc: number,
  v: number,
  load: boolean,
  scale: number,
  rt: number,
  rt2: number,
  gprs: [Gpr, Gpr] | undefined,
  addr: PairAmode,
): void {
  if (load && rt === rt2) throw new AArch64EncodeError(`${what}: loading one register twice is unpredictable`);
  if (addr.kind !== 'offset' && gprs !== undefined && (gprs[0] === addr.rn || gprs[1] === addr.rn)) {
    throw new AArch64EncodeError(`${what}: writeback to a transfer register is unpredictable`);
  }
  const mode = addr.kind === 'post_index' ? 1 : addr.kind === 'offset' ? 2 : 3;
  const imm7 = scaledSimm(addr.offset, scale, 7, `${what} offset`);
  const word = encLdStPair(opc, v, mode, load ? 1 : 0, imm7, rt2, spField(addr.rn, `${what} base`), rt);
  memTrap(sink, addr);
  put(sink, word);
}

/** The word of a conditional branch with a zero offset field, and its label-use kind. */
function condBranchWord(c: BranchCond): { word: number; kind: AArch64LabelUse } {
  switch (c.kind) {
    case 'cond':
      return { word: encBCond(0, c.cond), kind: Branch19 };
    case 'zero':
    case 'not_zero':
      return { word: encCompareBranch(sf(c.size), c.kind === 'zero' ? 0 : 1, 0, zrField(c.rt, 'cbz/cbnz')), kind: Branch19 };
    case 'bit_zero':
    case 'bit_not_zero':
      return { word: encTestBranch(uimm(c.bit, 6, 'tbz/tbnz bit'), c.kind === 'bit_zero' ? 0 : 1, 0, zrField(c.rt, 'tbz/tbnz')), kind: Branch14 };
  }
}

function invertedCondBranchWord(c: BranchCond): number {
  switch (c.kind) {
    case 'cond':
      if (c.cond >= 14) throw new AArch64EncodeError('b.al/b.nv cannot be a conditional branch (no inverse)');
      return encBCond(0, c.cond ^ 1);
    case 'zero':
    case 'not_zero':
      return encCompareBranch(sf(c.size), c.kind === 'zero' ? 1 : 0, 0, zrField(c.rt, 'cbz/cbnz'));
    case 'bit_zero':
    case 'bit_not_zero':
      return encTestBranch(c.bit, c.kind === 'bit_zero' ? 1 : 0, 0, zrField(c.rt, 'tbz/tbnz'));
  }
}

function emitCondJump(sink: AArch64Sink, cond: BranchCond, target: MachLabel): void {
  const { word, kind } = condBranchWord(cond);
  const inverted = invertedCondBranchWord(cond);
  const start = sink.curOffset();
  sink.useLabelAtOffset(start, target, kind);
  sink.addCondBranch(start, start + 4, target, wordBytes(inverted));
  put(sink, word);
}

function emitJump(sink: AArch64Sink, target: MachLabel): void {
  const start = sink.curOffset();
  sink.useLabelAtOffset(start, target, Branch26);
  sink.addUncondBranch(start, start + 4, target);
  put(sink, encBranchImm(0, 0));
}

function checkBelow(value: number, limit: number, what: string): number {
  if (!(Number.isInteger(value) && value >= 0 && value < limit)) throw new AArch64EncodeError(`${what}: ${value} is not in 0…${limit - 1}`);
  return value;
}

// ---------------------------------------------------------------------------
// Emission
// ---------------------------------------------------------------------------

/** Emit one instruction into `sink`: its word(s), label uses, branch registration and records. */
export function emit(inst: Inst, sink: AArch64Sink): void {
  switch (inst.kind) {
    // ---- moves and constants ------------------------------------------------
    case 'mov_wide': {
      const opc = inst.op === 'movn' ? 0 : inst.op === 'movz' ? 2 : 3;
      if (!(inst.shift % 16 === 0 && inst.shift >= 0 && inst.shift < bitsOf(inst.size))) {
        throw new AArch64EncodeError(`${inst.op}: shift ${inst.shift} must be 0${inst.size === 8 ? ', 16, 32 or 48' : ' or 16'}`);
      }
      put(sink, encMoveWide(sf(inst.size), opc, inst.shift / 16, uimm(inst.imm16, 16, inst.op), zrField(inst.rd, inst.op)));
      return;
    }
    case 'mov':
      if (inst.rd === sp || inst.rm === sp) {
        // add rd, rn, #0 (both SP slots)
        put(sink, encAddSubImm(sf(inst.size), 0, 0, 0, 0, spField(inst.rm, 'mov (to/from sp)'), spField(inst.rd, 'mov (to/from sp)')));
      } else {
        // orr rd, zr, rm
        put(sink, encLogicShifted(sf(inst.size), 1, 0, 0, zrField(inst.rm, 'mov'), 0, 31, zrField(inst.rd, 'mov')));
      }
      return;

    // ---- integer arithmetic and logic ---------------------------------------
    case 'alu_rrr': {
      const shiftOp = inst.shift?.op ?? 'lsl';
      const amount = checkBelow(inst.shift?.amount ?? 0, bitsOf(inst.size), `${inst.op} shift amount`);
      const rd = zrField(inst.rd, inst.op);
      const rn = zrField(inst.rn, inst.op);
      const rm = zrField(inst.rm, inst.op);
      if (inst.op in ADD_SUB) {
        if (shiftOp === 'ror') throw new AArch64EncodeError(`${inst.op}: ror is not a shift of add/sub`);
        const a = ADD_SUB[inst.op as AddSubOp];
        put(sink, encAddSubShifted(sf(inst.size), a.op, a.s, SHIFT[shiftOp], rm, amount, rn, rd));
      } else {
        const l = LOGIC[inst.op as LogicOp];
        put(sink, encLogicShifted(sf(inst.size), l.opc, l.n, SHIFT[shiftOp], rm, amount, rn, rd));
      }
      return;
    }
    case 'alu_rr_imm12': {
      const a = ADD_SUB[inst.op];
      const rd = a.s === 1 ? zrField(inst.rd, inst.op) : spField(inst.rd, inst.op);
      put(sink, encAddSubImm(sf(inst.size), a.op, a.s, inst.lsl12 ? 1 : 0, uimm(inst.imm12, 12, `${inst.op} imm12`), spField(inst.rn, inst.op), rd));
      return;
    }
    case 'alu_rr_imm_logic': {
      const bits = BigInt(bitsOf(inst.size));
      if (inst.imm < -(1n << (bits - 1n)) || inst.imm >= 1n << bits) {
        throw new AArch64EncodeError(`${inst.op}: immediate ${inst.imm} does not fit in ${bits} bits`);
      }
      const f = encodeLogicalImm(inst.imm, inst.size);
      if (f === undefined) {
        throw new AArch64EncodeError(`${inst.op}: 0x${BigInt.asUintN(Number(bits), inst.imm).toString(16)} is not a logical immediate`);
      }
      const opc = LOGIC_IMM_OPC[inst.op];
      const rd = inst.op === 'ands' ? zrField(inst.rd, inst.op) : spField(inst.rd, inst.op);
      put(sink, encLogicImm(sf(inst.size), opc, f.n, f.immr, f.imms, zrField(inst.rn, inst.op), rd));
      return;
    }
    case 'alu_rrr_extend': {
      const a = ADD_SUB[inst.op];
      const rd = a.s === 1 ? zrField(inst.rd, inst.op) : spField(inst.rd, inst.op);
      const amount = checkBelow(inst.amount, 5, `${inst.op} extend amount`);
      put(
        sink,
        encAddSubExtended(sf(inst.size), a.op, a.s, zrField(inst.rm, inst.op), EXTEND[inst.extend], amount, spField(inst.rn, inst.op), rd),
      );
      return;
    }
    case 'alu_rrrr':
      put(
        sink,
        encDp3(
          sf(inst.size),
          0,
          inst.op === 'msub' ? 1 : 0,
          zrField(inst.rm, inst.op),
          zrField(inst.ra, inst.op),
          zrField(inst.rn, inst.op),
          zrField(inst.rd, inst.op),
        ),
      );
      return;
    case 'mul_high':
      put(sink, encDp3(1, inst.op === 'smulh' ? 0b010 : 0b110, 0, zrField(inst.rm, inst.op), 31, zrField(inst.rn, inst.op), zrField(inst.rd, inst.op)));
      return;
    case 'alu_2src':
      put(sink, encDp2(sf(inst.size), DP2[inst.op], zrField(inst.rm, inst.op), zrField(inst.rn, inst.op), zrField(inst.rd, inst.op)));
      return;
    case 'bit_field': {
      const b = bitsOf(inst.size);
      const immr = checkBelow(inst.immr, b, `${inst.op} immr`);
      const imms = checkBelow(inst.imms, b, `${inst.op} imms`);
      put(sink, encBitfield(sf(inst.size), inst.op === 'sbfm' ? 0 : 2, immr, imms, zrField(inst.rn, inst.op), zrField(inst.rd, inst.op)));
      return;
    }
    case 'extr':
      put(
        sink,
        encExtr(
          sf(inst.size),
          zrField(inst.rm, 'extr'),
          checkBelow(inst.lsb, bitsOf(inst.size), 'extr lsb'),
          zrField(inst.rn, 'extr'),
          zrField(inst.rd, 'extr'),
        ),
      );
      return;
    case 'bit_rr': {
      let opcode = DP1[inst.op];
      if (inst.op === 'rev32' && inst.size !== 8) throw new AArch64EncodeError('rev32 is a 64-bit instruction (rev reverses a W register)');
      // `rev` of a W register is opcode 000010 (the 64-bit opcode of rev32).
      if (inst.op === 'rev' && inst.size === 4) opcode = 2;
      put(sink, encDp1(sf(inst.size), opcode, zrField(inst.rn, inst.op), zrField(inst.rd, inst.op)));
      return;
    }
    case 'csel': {
      const c = CSEL[inst.op];
      put(sink, encCondSelect(sf(inst.size), c.op, c.op2, zrField(inst.rm, inst.op), inst.cond, zrField(inst.rn, inst.op), zrField(inst.rd, inst.op)));
      return;
    }
    case 'ccmp':
      put(
        sink,
        encCondCompare(
          sf(inst.size),
          inst.op === 'ccmp' ? 1 : 0,
          0,
          zrField(inst.rm, inst.op),
          inst.cond,
          zrField(inst.rn, inst.op),
          uimm(inst.nzcv, 4, `${inst.op} nzcv`),
        ),
      );
      return;
    case 'ccmp_imm':
      put(
        sink,
        encCondCompare(
          sf(inst.size),
          inst.op === 'ccmp' ? 1 : 0,
          1,
          uimm(inst.imm5, 5, `${inst.op} imm5`),
          inst.cond,
          zrField(inst.rn, inst.op),
          uimm(inst.nzcv, 4, `${inst.op} nzcv`),
        ),
      );
      return;

    // ---- loads and stores ---------------------------------------------------
    case 'load':
    case 'store': {
      const f = LDST[inst.op];
      const info = LOAD_STORE_INFO[inst.op];
      const rt = zrField(inst.rt, inst.op);
      const literalOpc = inst.kind === 'load' ? LITERAL_OPC[inst.op] : undefined;
      emitLoadStore(sink, inst.op, f.size, 0, f.opc, info.bytes, rt, inst.rt, inst.addr, literalOpc);
      return;
    }
    case 'fpu_load':
    case 'fpu_store': {
      const load = inst.kind === 'fpu_load';
      // S: size 10, D: size 11, Q: size 00 with opc 1x.
      const size = inst.size === 4 ? 2 : inst.size === 8 ? 3 : 0;
      const opc = (inst.size === 16 ? 2 : 0) | (load ? 1 : 0);
      const literalOpc = load ? (inst.size === 4 ? 0 : inst.size === 8 ? 1 : 2) : undefined;
      emitLoadStore(sink, load ? 'ldr' : 'str', size, 1, opc, inst.size, vField(inst.rt), undefined, inst.addr, literalOpc);
      return;
    }
    case 'load_pair':
    case 'store_pair': {
      const load = inst.kind === 'load_pair';
      const what = load ? 'ldp' : 'stp';
      emitPair(
        sink,
        what,
        inst.size === 8 ? 2 : 0,
        0,
        load,
        inst.size,
        zrField(inst.rt, what),
        zrField(inst.rt2, what),
        [inst.rt, inst.rt2],
        inst.addr,
      );
      return;
    }
    case 'fpu_load_pair':
    case 'fpu_store_pair': {
      const load = inst.kind === 'fpu_load_pair';
      emitPair(
        sink,
        load ? 'ldp' : 'stp',
        inst.size === 4 ? 0 : inst.size === 8 ? 1 : 2,
        1,
        load,
        inst.size,
        vField(inst.rt),
        vField(inst.rt2),
        undefined,
        inst.addr,
      );
      return;
    }
    case 'adr': {
      const word = encPcRel(0, 0, zrField(inst.rd, 'adr'));
      sink.useLabelAtOffset(sink.curOffset(), inst.label, Adr21);
      put(sink, word);
      return;
    }
    case 'adrp':
      put(sink, encPcRel(1, simm(inst.pages, 21, 'adrp pages'), zrField(inst.rd, 'adrp')));
      return;

    // ---- control flow -------------------------------------------------------
    case 'jump':
      emitJump(sink, inst.target);
      return;
    case 'cond_jump':
      emitCondJump(sink, inst.cond, inst.target);
      return;
    case 'cond_br':
      emitCondJump(sink, inst.cond, inst.taken);
      emitJump(sink, inst.notTaken);
      return;
    case 'trap_if': {
      // A branch to a deferred `udf`. Not registered as a branch: there is
      // nothing to simplify, and its target is never the fall-through.
      if (inst.cond.kind === 'cond' && inst.cond.cond >= 14) throw new AArch64EncodeError('trap_if: use udf for an unconditional trap');
      const { word, kind } = condBranchWord(inst.cond);
      const label = sink.deferTrap(inst.trap);
      sink.useLabelAtOffset(sink.curOffset(), label, kind);
      put(sink, word);
      return;
    }
    case 'jump_ind':
      put(sink, encBranchReg(0, zrField(inst.rn, 'br')));
      return;
    case 'call': {
      const start = sink.curOffset();
      if (inst.target.kind === 'label') {
        sink.useLabelAtOffset(start, inst.target.label, Branch26);
      } else {
        sink.addRelocAtOffset(start, 'Arm64Call', { kind: 'name', name: inst.target.name }, 0);
      }
      put(sink, encBranchImm(1, 0));
      sink.addCallSite();
      return;
    }
    case 'call_ind':
      put(sink, encBranchReg(1, zrField(inst.rn, 'blr')));
      sink.addCallSite();
      return;
    case 'ret':
      put(sink, encBranchReg(2, zrField(inst.rn ?? (30 as Gpr), 'ret')));
      return;
    case 'udf':
      sink.addTrap(inst.trap);
      put(sink, AARCH64_TRAP_WORD);
      return;
    case 'brk':
      put(sink, encBrk(uimm(inst.imm16, 16, 'brk')));
      return;
    case 'nop':
      put(sink, NOP_WORD);
      return;

    // ---- floating point -----------------------------------------------------
    case 'fpu_move':
      if (inst.size === 16) {
        // mov vd.16b, vn.16b = orr vd.16b, vn.16b, vn.16b
        put(sink, encOrrVec(1, vField(inst.rn), vField(inst.rn), vField(inst.rd)));
      } else {
        // fmov: FP data processing (1 source), opcode 000000
        put(sink, encFpDp1(ftype(inst.size), 0, vField(inst.rn), vField(inst.rd)));
      }
      return;
    case 'fmov_to_gpr':
      put(sink, encFpInt(sf(inst.size), ftype(inst.size), 0, 0b110, vField(inst.rn), zrField(inst.rd, 'fmov')));
      return;
    case 'fmov_from_gpr':
      put(sink, encFpInt(sf(inst.size), ftype(inst.size), 0, 0b111, zrField(inst.rn, 'fmov'), vField(inst.rd)));
      return;
    case 'fmov_imm': {
      const imm8 = encodeFpImm8(inst.value, inst.size);
      if (imm8 === undefined) throw new AArch64EncodeError(`fmov: ${inst.value} is not an encodable FP immediate`);
      put(sink, encFpImm(ftype(inst.size), imm8, vField(inst.rd)));
      return;
    }
    case 'fpu_rrr':
      put(sink, encFpDp2(ftype(inst.size), FP_DP2[inst.op], vField(inst.rm), vField(inst.rn), vField(inst.rd)));
      return;
    case 'fpu_rrrr': {
      // FP data processing (3 source): `0 0 0 11111 ftype o1 Rm o0 Ra Rn Rd`.
      const o1 = inst.op === 'fnmadd' || inst.op === 'fnmsub' ? 1 : 0;
      const o0 = inst.op === 'fmsub' || inst.op === 'fnmsub' ? 1 : 0;
      put(
        sink,
        (0x1f00_0000 | (ftype(inst.size) << 22) | (o1 << 21) | (vField(inst.rm) << 16) | (o0 << 15) | (vField(inst.ra) << 10) | (vField(inst.rn) << 5) | vField(inst.rd)) >>> 0,
      );
      return;
    }
    case 'fpu_rr':
      put(sink, encFpDp1(ftype(inst.size), FP_DP1[inst.op], vField(inst.rn), vField(inst.rd)));
      return;
    case 'fpu_cvt':
      if (inst.from === inst.to) throw new AArch64EncodeError('fcvt: source and destination sizes are the same');
      // opcode 0001 opc: opc 00 to single, 01 to double.
      put(sink, encFpDp1(ftype(inst.from), inst.to === 8 ? 0b000101 : 0b000100, vField(inst.rn), vField(inst.rd)));
      return;
    case 'fpu_cmp':
      put(
        sink,
        inst.rm === 'zero'
          ? encFpCompare(ftype(inst.size), 0, vField(inst.rn), 0b01000)
          : encFpCompare(ftype(inst.size), vField(inst.rm), vField(inst.rn), 0),
      );
      return;
    case 'fpu_csel':
      put(sink, encFpCondSelect(ftype(inst.size), vField(inst.rm), inst.cond, vField(inst.rn), vField(inst.rd)));
      return;
    case 'int_to_fpu':
      put(sink, encFpInt(sf(inst.srcSize), ftype(inst.dstSize), 0, inst.op === 'scvtf' ? 0b010 : 0b011, zrField(inst.rn, inst.op), vField(inst.rd)));
      return;
    case 'fpu_to_int':
      put(sink, encFpInt(sf(inst.dstSize), ftype(inst.srcSize), 3, inst.op === 'fcvtzs' ? 0 : 1, vField(inst.rn), zrField(inst.rd, inst.op)));
      return;

    // ---- NEON -----------------------------------------------------------------
    case 'vec_cnt':
      put(sink, encSimdTwoRegMisc(0, 0, 0, 0b00101, vField(inst.rn), vField(inst.rd)));
      return;
    case 'vec_reduce':
      put(
        sink,
        inst.op === 'addv'
          ? encSimdAcrossLanes(0, 0, 0, 0b11011, vField(inst.rn), vField(inst.rd))
          : encSimdAcrossLanes(0, 1, 0, 0b00011, vField(inst.rn), vField(inst.rd)),
      );
      return;
    case 'umov': {
      const lanes = 16 / inst.size;
      const lane = checkBelow(inst.lane, lanes, `umov lane of ${inst.size}-byte elements`);
      const sz = log2(inst.size);
      const imm5 = ((lane << 1) | 1) << sz;
      put(sink, encUmov(inst.size === 8 ? 1 : 0, imm5, vField(inst.rn), zrField(inst.rd, 'umov')));
      return;
    }
  }
}
