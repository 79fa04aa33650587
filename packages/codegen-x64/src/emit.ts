/**
 * Emission: each x64 `Inst` form as an encoding recipe, written into a
 * `MachBuffer`.
 *
 * Every case below says which opcode and operand roles the form uses
 * (SDM notation: `/r` = register in ModRM.reg, `/n` = opcode extension n in
 * ModRM.reg, `ib/iw/id/io` = 8/16/32/64-bit immediate, `+r` = register in the
 * opcode's low bits) and hands the bytes to `encode.ts`, which owns the
 * REX/ModRM/SIB rules. What this file adds on top:
 *
 * * **Immediate selection.** ALU immediates that fit a signed byte use the
 *   sign-extending `83 /n ib` form, others `81 /n id`; `imul` likewise
 *   `6B`/`69`. 64-bit forms take a signed 32-bit immediate (sign-extended by
 *   the CPU); only `movabs` carries 64 bits.
 * * **Label fixups.** `jmp`/`jcc`/`call` to a label write a zero rel32 and
 *   record a `JmpRel32` use of the label; `jmp` and `jcc` also register
 *   themselves with the buffer (`addUncondBranch`, `addCondBranch` with the
 *   inverse-condition bytes) so it can simplify branches. RIP-relative
 *   operands record `PCRel32` uses (encode.ts, RipBias).
 * * **Metadata.** Calls record a call site at their return address; a call to
 *   an external name records an `X86CallPCRel4` relocation with addend −4;
 *   `ud2` and memory operands carrying a trap code record a trap at the
 *   instruction's first byte.
 *
 * Invariant (OneInstOneRecipe): an `Inst` always encodes the same way given
 * the same operands — the only choices are the immediate and displacement
 * widths, made from the values alone — so printing and golden tests can
 * predict the bytes.
 */
import { MachBuffer, type MachLabel } from '@derrick/codegen';
import {
  emitImm,
  emitOpcodePlusReg,
  emitRegMem,
  emitRegReg,
  emitRegRm,
  fitsI32,
  fitsI8,
  Prefix,
  Rex,
  simm32,
  X64EncodeError,
  type X64Sink,
  emitVexRm,
  VexMap,
} from './encode.js';
import {
  type AluOp,
  type Amode,
  type BitCountOp,
  type CC,
  type ExtMode,
  type GprMem,
  type GprMemImm,
  type Inst,
  type MulDivOp,
  type ShiftOp,
  type XmmMovOp,
  type XmmRmROp,
} from './inst.js';
import { JmpRel32, type X64LabelUse } from './labeluse.js';
import type { Gpr } from './regs.js';

/** `ud2`: the instruction deferred traps use. */
export const X64_TRAP_OPCODE: Uint8Array = Uint8Array.of(0x0f, 0x0b);

/** A `MachBuffer` configured for x64 (trap opcode `ud2`, byte-aligned code). */
export function createX64Buffer(): MachBuffer<X64LabelUse> {
  return new MachBuffer<X64LabelUse>({ trapOpcode: X64_TRAP_OPCODE, codeAlign: 1 });
}

const ALU_EXT: Record<AluOp, number> = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7 };
const SHIFT_EXT: Record<ShiftOp, number> = { rol: 0, ror: 1, shl: 4, shr: 5, sar: 7 };
const MUL_DIV_EXT: Record<MulDivOp, number> = { mul: 4, imul: 5, div: 6, idiv: 7 };

const BIT_COUNT: Record<BitCountOp, { prefix: Prefix; opcode: number }> = {
  bsf: { prefix: Prefix.None, opcode: 0x0fbc },
  bsr: { prefix: Prefix.None, opcode: 0x0fbd },
  lzcnt: { prefix: Prefix.PF3, opcode: 0x0fbd },
  tzcnt: { prefix: Prefix.PF3, opcode: 0x0fbc },
  popcnt: { prefix: Prefix.PF3, opcode: 0x0fb8 },
};

/** (opcode, REX flags) for zero/sign extension by mode. */
const MOVZX: Record<ExtMode, { opcode: number; len: number; flags: number }> = {
  bl: { opcode: 0x0fb6, len: 2, flags: Rex.ByteRegE },
  bq: { opcode: 0x0fb6, len: 2, flags: Rex.ByteRegE | Rex.W },
  wl: { opcode: 0x0fb7, len: 2, flags: 0 },
  wq: { opcode: 0x0fb7, len: 2, flags: Rex.W },
  lq: { opcode: 0x8b, len: 1, flags: 0 }, // mov r32, r/m32 zero-extends
};
const MOVSX: Record<ExtMode, { opcode: number; len: number; flags: number }> = {
  bl: { opcode: 0x0fbe, len: 2, flags: Rex.ByteRegE },
  bq: { opcode: 0x0fbe, len: 2, flags: Rex.ByteRegE | Rex.W },
  wl: { opcode: 0x0fbf, len: 2, flags: 0 },
  wq: { opcode: 0x0fbf, len: 2, flags: Rex.W },
  lq: { opcode: 0x63, len: 1, flags: Rex.W }, // movsxd
};

/** XMM moves: load/reg form `op xmm, xmm/m` and store form `op m, xmm`. */
const XMM_MOV: Record<XmmMovOp, { prefix: Prefix; load: number; store: number }> = {
  movss: { prefix: Prefix.PF3, load: 0x0f10, store: 0x0f11 },
  movsd: { prefix: Prefix.PF2, load: 0x0f10, store: 0x0f11 },
  movaps: { prefix: Prefix.None, load: 0x0f28, store: 0x0f29 },
  movapd: { prefix: Prefix.P66, load: 0x0f28, store: 0x0f29 },
  movups: { prefix: Prefix.None, load: 0x0f10, store: 0x0f11 },
  movupd: { prefix: Prefix.P66, load: 0x0f10, store: 0x0f11 },
  movdqa: { prefix: Prefix.P66, load: 0x0f6f, store: 0x0f7f },
  movdqu: { prefix: Prefix.PF3, load: 0x0f6f, store: 0x0f7f },
  // movq xmm, xmm/m64 is F3 0F 7E; its store is 66 0F D6.
  movq: { prefix: Prefix.PF3, load: 0x0f7e, store: 0x0fd6 },
};
const MOVQ_STORE_PREFIX = Prefix.P66;

const XMM_RM_R: Record<XmmRmROp, { prefix: Prefix; opcode: number }> = {
  addss: { prefix: Prefix.PF3, opcode: 0x0f58 },
  addsd: { prefix: Prefix.PF2, opcode: 0x0f58 },
  subss: { prefix: Prefix.PF3, opcode: 0x0f5c },
  subsd: { prefix: Prefix.PF2, opcode: 0x0f5c },
  mulss: { prefix: Prefix.PF3, opcode: 0x0f59 },
  mulsd: { prefix: Prefix.PF2, opcode: 0x0f59 },
  divss: { prefix: Prefix.PF3, opcode: 0x0f5e },
  divsd: { prefix: Prefix.PF2, opcode: 0x0f5e },
  sqrtss: { prefix: Prefix.PF3, opcode: 0x0f51 },
  sqrtsd: { prefix: Prefix.PF2, opcode: 0x0f51 },
  minss: { prefix: Prefix.PF3, opcode: 0x0f5d },
  minsd: { prefix: Prefix.PF2, opcode: 0x0f5d },
  maxss: { prefix: Prefix.PF3, opcode: 0x0f5f },
  maxsd: { prefix: Prefix.PF2, opcode: 0x0f5f },
  cvtss2sd: { prefix: Prefix.PF3, opcode: 0x0f5a },
  cvtsd2ss: { prefix: Prefix.PF2, opcode: 0x0f5a },
  andps: { prefix: Prefix.None, opcode: 0x0f54 },
  andpd: { prefix: Prefix.P66, opcode: 0x0f54 },
  andnps: { prefix: Prefix.None, opcode: 0x0f55 },
  andnpd: { prefix: Prefix.P66, opcode: 0x0f55 },
  orps: { prefix: Prefix.None, opcode: 0x0f56 },
  orpd: { prefix: Prefix.P66, opcode: 0x0f56 },
  xorps: { prefix: Prefix.None, opcode: 0x0f57 },
  xorpd: { prefix: Prefix.P66, opcode: 0x0f57 },
  pxor: { prefix: Prefix.P66, opcode: 0x0fef },
  pand: { prefix: Prefix.P66, opcode: 0x0fdb },
  por: { prefix: Prefix.P66, opcode: 0x0feb },
};

/** VEX.pp for a legacy mandatory prefix: none 0, 66 1, F3 2, F2 3. */
const VEX_PP: Record<Prefix, number> = { [Prefix.None]: 0, [Prefix.P66]: 1, [Prefix.PF3]: 2, [Prefix.PF2]: 3 };

/** The recommended multi-byte NOPs (SDM Vol. 2B, NOP), by length 1–9. */
const NOPS: readonly (readonly number[])[] = [
  [],
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/** The NOP byte sequences `nop` with `len` emits: 9-byte NOPs, then the remainder. */
export function nopSequence(len: number): number[][] {
  const out: number[][] = [];
  for (let left = len; left > 0; left -= Math.min(left, 9)) out.push([...NOPS[Math.min(left, 9)]!]);
  return out;
}

function w(size: number): number {
  return size === 8 ? Rex.W : 0;
}

/** An immediate for a `size`-byte ALU-style operand: a signed 32-bit value. */
function aluImm(v: number, size: 4 | 8, what: string): number {
  if (size === 8) {
    if (!fitsI32(v)) throw new X64EncodeError(`${what}: 64-bit forms take a signed 32-bit immediate, got ${v}`);
    return v;
  }
  return simm32(v, what);
}

function emitJcc(sink: X64Sink, cc: CC, target: MachLabel): void {
  const start = sink.curOffset();
  sink.useLabelAtOffset(start + 2, target, JmpRel32);
  sink.addCondBranch(start, start + 6, target, [0x0f, 0x80 | (cc ^ 1), 0, 0, 0, 0]);
  sink.put1(0x0f);
  sink.put1(0x80 | cc);
  sink.put4(0);
}

function emitJmp(sink: X64Sink, target: MachLabel): void {
  const start = sink.curOffset();
  sink.useLabelAtOffset(start + 1, target, JmpRel32);
  sink.addUncondBranch(start, start + 5, target);
  sink.put1(0xe9);
  sink.put4(0);
}

// ---- The most frequent forms, also called directly by the VCode emitter ------
// (vcode-emit.ts encodes its common instructions through these without
// building an `Inst` first; `emit` below routes the same kinds here, so the
// golden tests of `emit` cover exactly these bytes.)

/** `mov dst, src` (89 /r). */
export function encMovRR(sink: X64Sink, size: 4 | 8, src: Gpr, dst: Gpr): void {
  emitRegReg(sink, Prefix.None, 0x89, 1, src, dst, w(size));
}

/** `mov dst, imm`: B8+rd id (32-bit), or REX.W C7 /0 id (sign-extended). */
export function encMovRI(sink: X64Sink, size: 4 | 8, imm: number, dst: Gpr): void {
  if (size === 4) {
    const v = simm32(imm, 'mov');
    emitOpcodePlusReg(sink, Prefix.None, 0xb8, dst, 0);
    emitImm(sink, 4, v);
  } else {
    const v = aluImm(imm, 8, 'mov');
    emitRegReg(sink, Prefix.None, 0xc7, 1, 0, dst, Rex.W);
    emitImm(sink, 4, v);
  }
}

/** `mov dst, [src]` (8B /r). */
export function encLoad(sink: X64Sink, size: 4 | 8, src: Amode, dst: Gpr): void {
  emitRegMem(sink, Prefix.None, 0x8b, 1, dst, src, w(size), 0);
}

/** `mov [dst], src`: 88 /r, 66 89 /r, [REX.W] 89 /r. */
export function encStore(sink: X64Sink, size: 1 | 2 | 4 | 8, src: Gpr, dst: Amode): void {
  switch (size) {
    case 1:
      emitRegMem(sink, Prefix.None, 0x88, 1, src, dst, Rex.ByteRegG, 0);
      return;
    case 2:
      emitRegMem(sink, Prefix.P66, 0x89, 1, src, dst, 0, 0);
      return;
    default:
      emitRegMem(sink, Prefix.None, 0x89, 1, src, dst, w(size), 0);
  }
}

/** `lea dst, [src]` (8D /r). */
export function encLea(sink: X64Sink, size: 4 | 8, src: Amode, dst: Gpr): void {
  emitRegMem(sink, Prefix.None, 0x8d, 1, dst, src, w(size), 0);
}

/** `movzx`/`movsx` (and `mov r32, r/m32` / `movsxd` for `lq`). */
export function encExtend(sink: X64Sink, signed: boolean, ext: ExtMode, src: GprMem, dst: Gpr): void {
  const e = signed ? MOVSX[ext] : MOVZX[ext];
  emitRegRm(sink, Prefix.None, e.opcode, e.len, dst, src, e.flags);
}

/** The ALU group `op dst, src` (cmp included): r/m,r; r,r/m; 83 /n ib; 81 /n id. */
export function encAlu(sink: X64Sink, op: AluOp, size: 4 | 8, src: GprMemImm, dst: Gpr): void {
  const ext = ALU_EXT[op];
  if (src.kind === 'reg') {
    // op r/m, r: 01 09 11 19 21 29 31 39 /r
    emitRegReg(sink, Prefix.None, (ext << 3) | 1, 1, src.reg, dst, w(size));
  } else if (src.kind === 'mem') {
    // op r, r/m: 03 0B 13 1B 23 2B 33 3B /r
    emitRegMem(sink, Prefix.None, (ext << 3) | 3, 1, dst, src.addr, w(size), 0);
  } else {
    const v = aluImm(src.imm, size, op);
    if (fitsI8(v)) {
      // 83 /n ib (sign-extended)
      emitRegReg(sink, Prefix.None, 0x83, 1, ext, dst, w(size));
      emitImm(sink, 1, v);
    } else {
      // 81 /n id
      emitRegReg(sink, Prefix.None, 0x81, 1, ext, dst, w(size));
      emitImm(sink, 4, v);
    }
  }
}

/** `test dst, src`: 85 /r, or F7 /0 id (test has no sign-extended imm8 form). */
export function encTest(sink: X64Sink, size: 4 | 8, src: GprMemImm, dst: Gpr): void {
  if (src.kind === 'reg') {
    emitRegReg(sink, Prefix.None, 0x85, 1, src.reg, dst, w(size));
  } else if (src.kind === 'mem') {
    emitRegMem(sink, Prefix.None, 0x85, 1, dst, src.addr, w(size), 0);
  } else {
    const v = aluImm(src.imm, size, 'test');
    emitRegReg(sink, Prefix.None, 0xf7, 1, 0, dst, w(size));
    emitImm(sink, 4, v);
  }
}

/** `jcc taken; jmp notTaken` (both registered for branch simplification). */
export function encJcond(sink: X64Sink, cc: CC, taken: MachLabel, notTaken: MachLabel): void {
  emitJcc(sink, cc, taken);
  emitJmp(sink, notTaken);
}

export { emitJcc as encJcc, emitJmp as encJmp };

/** Emit one instruction into `sink`. */
export function emit(inst: Inst, sink: X64Sink): void {
  switch (inst.kind) {
    // ---- moves and constants ------------------------------------------------
    case 'mov_rr':
      encMovRR(sink, inst.size, inst.src, inst.dst);
      return;
    case 'mov_ri':
      encMovRI(sink, inst.size, inst.imm, inst.dst);
      return;
    case 'movabs':
      // REX.W B8+rd io
      emitOpcodePlusReg(sink, Prefix.None, 0xb8, inst.dst, Rex.W);
      sink.put8(inst.imm);
      return;
    case 'load':
      encLoad(sink, inst.size, inst.src, inst.dst);
      return;
    case 'movzx':
      encExtend(sink, false, inst.ext, inst.src, inst.dst);
      return;
    case 'movsx':
      encExtend(sink, true, inst.ext, inst.src, inst.dst);
      return;
    case 'store':
      encStore(sink, inst.size, inst.src, inst.dst);
      return;
    case 'store_imm': {
      const v = inst.imm;
      switch (inst.size) {
        case 1: // C6 /0 ib
          if (!(Number.isInteger(v) && v >= -128 && v <= 255)) throw new X64EncodeError(`mov: ${v} is not a byte`);
          emitRegMem(sink, Prefix.None, 0xc6, 1, 0, inst.dst, 0, 1);
          emitImm(sink, 1, v);
          return;
        case 2: // 66 C7 /0 iw
          if (!(Number.isInteger(v) && v >= -0x8000 && v <= 0xffff)) throw new X64EncodeError(`mov: ${v} is not a word`);
          emitRegMem(sink, Prefix.P66, 0xc7, 1, 0, inst.dst, 0, 2);
          emitImm(sink, 2, v);
          return;
        default: {
          // [REX.W] C7 /0 id
          const iv = aluImm(v, inst.size, 'mov');
          emitRegMem(sink, Prefix.None, 0xc7, 1, 0, inst.dst, w(inst.size), 4);
          emitImm(sink, 4, iv);
          return;
        }
      }
    }
    case 'lea':
      encLea(sink, inst.size, inst.src, inst.dst);
      return;

    // ---- integer arithmetic -------------------------------------------------
    case 'alu':
      encAlu(sink, inst.op, inst.size, inst.src, inst.dst);
      return;
    case 'test':
      encTest(sink, inst.size, inst.src, inst.dst);
      return;
    case 'imul':
      // 0F AF /r: imul r, r/m
      emitRegRm(sink, Prefix.None, 0x0faf, 2, inst.dst, inst.src, w(inst.size));
      return;
    case 'imul_imm': {
      const v = aluImm(inst.imm, inst.size, 'imul');
      if (fitsI8(v)) {
        // 6B /r ib
        emitRegRm(sink, Prefix.None, 0x6b, 1, inst.dst, inst.src, w(inst.size), 1);
        emitImm(sink, 1, v);
      } else {
        // 69 /r id
        emitRegRm(sink, Prefix.None, 0x69, 1, inst.dst, inst.src, w(inst.size), 4);
        emitImm(sink, 4, v);
      }
      return;
    }
    case 'mul_div':
      // F7 /4 mul, /5 imul, /6 div, /7 idiv
      emitRegRm(sink, Prefix.None, 0xf7, 1, MUL_DIV_EXT[inst.op], inst.src, w(inst.size));
      return;
    case 'unary':
      // F7 /2 not, /3 neg
      emitRegReg(sink, Prefix.None, 0xf7, 1, inst.op === 'not' ? 2 : 3, inst.reg, w(inst.size));
      return;
    case 'bswap':
      // [REX.W/B] 0F C8+rd
      if (inst.size === 8 || inst.reg >= 8) sink.put1(0x40 | (inst.size === 8 ? 8 : 0) | (inst.reg >= 8 ? 1 : 0));
      sink.put1(0x0f);
      sink.put1(0xc8 + (inst.reg & 7));
      return;
    case 'sign_extend_rax':
      // 99 cdq; REX.W 99 cqo
      if (inst.size === 8) sink.put1(0x48);
      sink.put1(0x99);
      return;
    case 'shift': {
      const ext = SHIFT_EXT[inst.op];
      if (inst.amount === 'cl') {
        // D3 /n
        emitRegReg(sink, Prefix.None, 0xd3, 1, ext, inst.dst, w(inst.size));
      } else {
        const n = inst.amount;
        if (!(Number.isInteger(n) && n >= 0 && n < inst.size * 8)) {
          throw new X64EncodeError(`${inst.op}: shift amount ${n} out of range for ${inst.size * 8} bits`);
        }
        // C1 /n ib
        emitRegReg(sink, Prefix.None, 0xc1, 1, ext, inst.dst, w(inst.size));
        emitImm(sink, 1, n);
      }
      return;
    }
    case 'bit_count': {
      const e = BIT_COUNT[inst.op];
      emitRegRm(sink, e.prefix, e.opcode, 2, inst.dst, inst.src, w(inst.size));
      return;
    }
    case 'setcc':
      // 0F 90+cc /0, byte register
      emitRegReg(sink, Prefix.None, 0x0f90 | inst.cc, 2, 0, inst.dst, Rex.ByteRegE);
      return;
    case 'cmov':
      // 0F 40+cc /r
      emitRegRm(sink, Prefix.None, 0x0f40 | inst.cc, 2, inst.dst, inst.src, w(inst.size));
      return;

    // ---- control flow -------------------------------------------------------
    case 'jmp':
      emitJmp(sink, inst.target);
      return;
    case 'jcc':
      emitJcc(sink, inst.cc, inst.target);
      return;
    case 'jcond':
      encJcond(sink, inst.cc, inst.taken, inst.notTaken);
      return;
    case 'jmp_ind':
      // FF /4 (64-bit operand by default)
      emitRegRm(sink, Prefix.None, 0xff, 1, 4, inst.target, 0);
      return;
    case 'call': {
      const start = sink.curOffset();
      sink.put1(0xe8);
      if (inst.target.kind === 'label') {
        sink.useLabelAtOffset(start + 1, inst.target.label, JmpRel32);
      } else {
        // The displacement counts from the end of the call: addend −4.
        sink.addRelocAtOffset(start + 1, 'X86CallPCRel4', { kind: 'name', name: inst.target.name }, -4);
      }
      sink.put4(0);
      sink.addCallSite();
      return;
    }
    case 'call_ind':
      // FF /2
      emitRegRm(sink, Prefix.None, 0xff, 1, 2, inst.target, 0);
      sink.addCallSite();
      return;
    case 'ret':
      if (inst.popBytes === 0) {
        sink.put1(0xc3);
      } else {
        if (!(Number.isInteger(inst.popBytes) && inst.popBytes > 0 && inst.popBytes <= 0xffff)) {
          throw new X64EncodeError(`ret: ${inst.popBytes} is not a 16-bit byte count`);
        }
        sink.put1(0xc2);
        sink.put2(inst.popBytes);
      }
      return;
    case 'push':
      emitOpcodePlusReg(sink, Prefix.None, 0x50, inst.src, 0);
      return;
    case 'pop':
      emitOpcodePlusReg(sink, Prefix.None, 0x58, inst.dst, 0);
      return;
    case 'trap_if': {
      // 0F 8x rel32 to a deferred `ud2`. Not registered as a branch: there is
      // nothing to simplify, and its target is never the fall-through.
      const label = sink.deferTrap(inst.trap);
      const start = sink.curOffset();
      sink.useLabelAtOffset(start + 2, label, JmpRel32);
      sink.put1(0x0f);
      sink.put1(0x80 | inst.cc);
      sink.put4(0);
      return;
    }
    case 'ud2':
      sink.addTrap(inst.trap);
      sink.putBytes(X64_TRAP_OPCODE);
      return;
    case 'int3':
      sink.put1(0xcc);
      return;
    case 'nop':
      for (const seq of nopSequence(inst.len)) sink.putBytes(seq);
      return;

    // ---- SSE ------------------------------------------------------------------
    case 'xmm_mov': {
      const e = XMM_MOV[inst.op];
      emitRegRm(sink, e.prefix, e.load, 2, inst.dst, inst.src, 0);
      return;
    }
    case 'xmm_store': {
      const e = XMM_MOV[inst.op];
      emitRegMem(sink, inst.op === 'movq' ? MOVQ_STORE_PREFIX : e.prefix, e.store, 2, inst.src, inst.dst, 0, 0);
      return;
    }
    case 'gpr_to_xmm':
      // 66 [REX.W] 0F 6E /r: movd/movq xmm, r/m
      emitRegRm(sink, Prefix.P66, 0x0f6e, 2, inst.dst, inst.src, w(inst.size));
      return;
    case 'xmm_to_gpr':
      // 66 [REX.W] 0F 7E /r: movd/movq r/m, xmm
      emitRegReg(sink, Prefix.P66, 0x0f7e, 2, inst.src, inst.dst, w(inst.size));
      return;
    case 'xmm_rm_r': {
      const e = XMM_RM_R[inst.op];
      emitRegRm(sink, e.prefix, e.opcode, 2, inst.dst, inst.src, 0);
      return;
    }
    case 'xmm_rm_r_vex': {
      // VEX.128.pp.0F (the legacy mandatory prefix becomes pp).
      const e = XMM_RM_R[inst.op];
      emitVexRm(sink, VexMap.M0F, VEX_PP[e.prefix], e.opcode, inst.dst, inst.src1, inst.src2, false);
      return;
    }
    case 'xmm_cmp':
      // [66] 0F 2E /r
      emitRegRm(sink, inst.op === 'ucomisd' ? Prefix.P66 : Prefix.None, 0x0f2e, 2, inst.dst, inst.src, 0);
      return;
    case 'xmm_round':
      // 66 0F 3A 0A /r ib (roundss), 0B (roundsd)
      if (!(Number.isInteger(inst.mode) && inst.mode >= 0 && inst.mode <= 15)) {
        throw new X64EncodeError(`${inst.op}: rounding mode ${inst.mode} out of range`);
      }
      emitRegRm(sink, Prefix.P66, inst.op === 'roundss' ? 0x0f3a0a : 0x0f3a0b, 3, inst.dst, inst.src, 0, 1);
      emitImm(sink, 1, inst.mode);
      return;
    case 'cvt_int_to_float':
      // F3/F2 [REX.W] 0F 2A /r
      emitRegRm(sink, inst.op === 'cvtsi2ss' ? Prefix.PF3 : Prefix.PF2, 0x0f2a, 2, inst.dst, inst.src, w(inst.srcSize));
      return;
    case 'cvt_float_to_int':
      // F3/F2 [REX.W] 0F 2C /r
      emitRegRm(sink, inst.op === 'cvttss2si' ? Prefix.PF3 : Prefix.PF2, 0x0f2c, 2, inst.dst, inst.src, w(inst.dstSize));
      return;
  }
}
