/**
 * The x86-64 encoding layer: prefixes, REX, opcode, ModRM, SIB, displacement
 * and immediate bytes. `emit.ts` describes each instruction form as
 * (prefix, opcode, the ModRM.reg operand, the r/m operand, REX.W); this file
 * turns such a description into bytes.
 *
 * # The problem
 *
 * An x64 instruction is
 *
 *     [legacy prefix] [REX] opcode ModRM [SIB] [disp8|disp32] [imm]
 *
 * and most of the subtle rules live in how the r/m operand is addressed: the
 * 3-bit ModRM/SIB fields reuse some register numbers as escape codes, so
 * particular registers need particular encodings. Getting one wrong produces
 * a *different valid instruction*, not an error, which is why every rule is
 * stated here once, named, and exercised by the golden tests in
 * `emit.test.ts` against objdump.
 *
 * # ModRM and SIB
 *
 * ModRM = mod(2) reg(3) rm(3). `reg` holds a register operand (or an opcode
 * extension `/n`); `mod = 11` makes `rm` a register, otherwise `rm` names a
 * memory form: mod 00 = no displacement, 01 = disp8, 10 = disp32. With
 * `rm = 100` a SIB byte follows: scale(2) index(3) base(3), address =
 * base + index·2^scale + disp. REX.R, REX.X and REX.B supply the fourth bit of
 * `reg`, `index` and `rm`/`base`.
 *
 * # Invariants
 *
 * * **(PrefixOrder)** A mandatory/legacy prefix (66, F2, F3) comes first,
 *   then REX, then the opcode: a REX anywhere but immediately before the
 *   opcode is ignored by the CPU.
 * * **(ByteRegRex)** A byte-register operand with encoding 4–7 forces a REX
 *   prefix (even 0x40): without one, those encodings mean ah/ch/dh/bh.
 * * **(SibForRspR12)** A base whose low three bits are 100 (rsp, r12) needs a
 *   SIB byte, because `rm = 100` is the "SIB follows" escape; the SIB then
 *   says "no index" (index field 100 without REX.X).
 * * **(DispForRbpR13)** A base whose low three bits are 101 (rbp, r13) cannot
 *   use mod 00, which means RIP-relative in ModRM and "no base, disp32" in
 *   SIB; a zero displacement is therefore encoded as disp8 0.
 * * **(NoRspIndex)** An index field of 100 without REX.X means "no index", so
 *   rsp cannot be an index register (r12, with REX.X, can).
 * * **(RipBias)** A RIP-relative displacement counts from the end of the
 *   instruction, so when an immediate follows it the field's stored bias is
 *   −(4 + immediate bytes), which the `PCRel32` label use adds in.
 * * **(ShortestDisp)** A displacement uses disp8 exactly when it fits in a
 *   signed byte, otherwise disp32 (and none when zero and allowed).
 */
import type { MachBuffer } from '@derrick/codegen';
import type { Amode, RegMem } from './inst.js';
import { PCRel32, type X64LabelUse } from './labeluse.js';

/** The buffer x64 code is emitted into. */
export type X64Sink = MachBuffer<X64LabelUse>;

/** Legacy prefixes used as mandatory prefixes or operand-size override. */
export const Prefix = { None: 0, P66: 0x66, PF2: 0xf2, PF3: 0xf3 } as const;
export type Prefix = (typeof Prefix)[keyof typeof Prefix];

/** REX and operand-class flags for one encoding. */
export const Rex = {
  None: 0,
  /** REX.W: 64-bit operand size. */
  W: 1,
  /** The ModRM.reg operand is a byte register (ByteRegRex). */
  ByteRegG: 2,
  /** The r/m operand, if a register, is a byte register (ByteRegRex). */
  ByteRegE: 4,
} as const;

export class X64EncodeError extends Error {
  override readonly name = 'X64EncodeError';
}

export function fitsI8(v: number): boolean {
  return v >= -128 && v <= 127;
}

export function fitsI32(v: number): boolean {
  return Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff;
}

/** Normalize an immediate for a `size`-byte operand to a signed 32-bit value. */
export function simm32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0xffff_ffff) {
    throw new X64EncodeError(`${what}: immediate ${v} does not fit in 32 bits`);
  }
  return v | 0;
}

export function modrm(mod: number, reg: number, rm: number): number {
  return ((mod & 3) << 6) | ((reg & 7) << 3) | (rm & 7);
}

export function sib(scale: number, index: number, base: number): number {
  return ((scale & 3) << 6) | ((index & 7) << 3) | (base & 7);
}

function emitOpcode(sink: X64Sink, opcode: number, len: number): void {
  if (len >= 3) sink.put1((opcode >>> 16) & 0xff);
  if (len >= 2) sink.put1((opcode >>> 8) & 0xff);
  sink.put1(opcode & 0xff);
}

function emitPrefix(sink: X64Sink, prefix: Prefix): void {
  if (prefix !== 0) sink.put1(prefix);
}

/** Emit REX if any bit is set or an operand forces it (ByteRegRex). */
function emitRex(sink: X64Sink, w: boolean, r: number, x: number, b: number, force: boolean): void {
  const rex = 0x40 | (w ? 8 : 0) | ((r >> 3) & 1) << 2 | ((x >> 3) & 1) << 1 | ((b >> 3) & 1);
  if (rex !== 0x40 || force) sink.put1(rex);
}

function forcedByG(flags: number, encG: number): boolean {
  return (flags & Rex.ByteRegG) !== 0 && encG >= 4 && encG <= 7;
}

/**
 * `[prefix] [REX] opcode ModRM(11, g, e)`: both operands registers (or `g`
 * an opcode extension /n).
 */
export function emitRegReg(
  sink: X64Sink,
  prefix: Prefix,
  opcode: number,
  opcodeLen: number,
  encG: number,
  encE: number,
  flags: number,
): void {
  emitPrefix(sink, prefix);
  const force = forcedByG(flags, encG) || ((flags & Rex.ByteRegE) !== 0 && encE >= 4 && encE <= 7);
  emitRex(sink, (flags & Rex.W) !== 0, encG, 0, encE, force);
  emitOpcode(sink, opcode, opcodeLen);
  sink.put1(modrm(3, encG, encE));
}

/**
 * `[prefix] [REX] opcode ModRM [SIB] [disp]` with a memory r/m operand.
 * `bytesAtEnd` is the size of the immediate that will follow (RipBias).
 * Records the operand's trap code, if any, at the instruction's first byte.
 */
export function emitRegMem(
  sink: X64Sink,
  prefix: Prefix,
  opcode: number,
  opcodeLen: number,
  encG: number,
  amode: Amode,
  flags: number,
  bytesAtEnd: number,
): void {
  beginMemOperand(sink, amode);
  emitPrefix(sink, prefix);
  emitRex(sink, (flags & Rex.W) !== 0, encG, amodeIndex(amode), amodeBase(amode), forcedByG(flags, encG));
  emitOpcode(sink, opcode, opcodeLen);
  emitMemOperand(sink, encG, amode, bytesAtEnd);
}

/**
 * Before anything of an instruction with memory operand `amode` is written:
 * throw if it cannot be encoded, then record its trap code, if any, at the
 * instruction's first byte.
 */
function beginMemOperand(sink: X64Sink, amode: Amode): void {
  if (amode.kind === 'rip_label') return;
  checkDisp(amode.disp);
  if (amode.kind === 'base_index' && amode.index === 4) throw new X64EncodeError('rsp cannot be an index register (NoRspIndex)');
  if (amode.trap !== undefined) sink.addTrap(amode.trap);
}

/** The register whose fourth bit REX.X / VEX.X̄ carries (0: none). */
function amodeIndex(amode: Amode): number {
  return amode.kind === 'base_index' ? amode.index : 0;
}

/** The register whose fourth bit REX.B / VEX.B̄ carries (0: none). */
function amodeBase(amode: Amode): number {
  return amode.kind === 'rip_label' ? 0 : amode.base;
}

/** ModRM [SIB] [disp] for `encG` and the memory operand `amode` (after the opcode). */
function emitMemOperand(sink: X64Sink, encG: number, amode: Amode, bytesAtEnd: number): void {
  switch (amode.kind) {
    case 'base_disp': {
      const { base, disp } = amode;
      const mod = dispMod(disp, base);
      if ((base & 7) === 4) {
        // (SibForRspR12): rm = 100 escapes to SIB; SIB says base only.
        sink.put1(modrm(mod, encG, 4));
        sink.put1(sib(0, 4, base));
      } else {
        sink.put1(modrm(mod, encG, base));
      }
      emitDisp(sink, mod, disp);
      return;
    }
    case 'base_index': {
      const { base, index, shift, disp } = amode;
      const mod = dispMod(disp, base);
      sink.put1(modrm(mod, encG, 4));
      sink.put1(sib(shift, index, base));
      emitDisp(sink, mod, disp);
      return;
    }
    case 'rip_label': {
      sink.put1(modrm(0, encG, 5));
      // (RipBias): the field counts from the end of the instruction.
      sink.useLabelAtOffset(sink.curOffset(), amode.label, PCRel32);
      sink.put4(-(4 + bytesAtEnd));
      return;
    }
  }
}

/** VEX opcode maps (VEX.m-mmmm). */
export const VexMap = { M0F: 1, M0F38: 2, M0F3A: 3 } as const;

/**
 * A VEX-encoded instruction: `VEX opcode ModRM [SIB] [disp]` with ModRM.reg
 * = `encG`, VEX.vvvv = `encV` (the extra source) and the r/m operand `rm`;
 * `map` is the opcode map (`VexMap`), `pp` the implied prefix (0 none, 1 66,
 * 2 F3, 3 F2), L = 0. (VexShortest) The 2-byte form C5 when X̄ = B̄ = 1,
 * W = 0 and the map is 0F, otherwise the 3-byte form C4. Records a memory
 * operand's trap.
 */
export function emitVexRm(
  sink: X64Sink,
  map: number,
  pp: number,
  opcode: number,
  encG: number,
  encV: number,
  rm: RegMem<number>,
  w: boolean,
): void {
  let x = 0;
  let b: number;
  if (rm.kind === 'reg') b = rm.reg;
  else {
    beginMemOperand(sink, rm.addr);
    x = amodeIndex(rm.addr);
    b = amodeBase(rm.addr);
  }
  const rBar = (~encG >> 3) & 1;
  const xBar = (~x >> 3) & 1;
  const bBar = (~b >> 3) & 1;
  const vBar = ~encV & 15;
  if (xBar === 1 && bBar === 1 && !w && map === VexMap.M0F) {
    sink.put1(0xc5);
    sink.put1((rBar << 7) | (vBar << 3) | pp);
  } else {
    sink.put1(0xc4);
    sink.put1((rBar << 7) | (xBar << 6) | (bBar << 5) | map);
    sink.put1((w ? 0x80 : 0) | (vBar << 3) | pp);
  }
  sink.put1(opcode & 0xff);
  if (rm.kind === 'reg') sink.put1(modrm(3, encG, rm.reg));
  else emitMemOperand(sink, encG, rm.addr, 0);
}

/** Register or memory r/m operand: dispatches to `emitRegReg` / `emitRegMem`. */
export function emitRegRm(
  sink: X64Sink,
  prefix: Prefix,
  opcode: number,
  opcodeLen: number,
  encG: number,
  rm: RegMem<number>,
  flags: number,
  bytesAtEnd = 0,
): void {
  if (rm.kind === 'reg') emitRegReg(sink, prefix, opcode, opcodeLen, encG, rm.reg, flags);
  else emitRegMem(sink, prefix, opcode, opcodeLen, encG, rm.addr, flags, bytesAtEnd);
}

/** `[prefix] [REX] (opcode + reg)`: the register in the opcode's low 3 bits (push, pop, B8+r). */
export function emitOpcodePlusReg(sink: X64Sink, prefix: Prefix, opcode: number, enc: number, flags: number): void {
  emitPrefix(sink, prefix);
  emitRex(sink, (flags & Rex.W) !== 0, 0, 0, enc, false);
  sink.put1(opcode + (enc & 7));
}

/** A signed immediate of `size` bytes (value already range-checked). */
export function emitImm(sink: X64Sink, size: 1 | 2 | 4, value: number): void {
  if (size === 1) sink.put1(value & 0xff);
  else if (size === 2) sink.put2(value & 0xffff);
  else sink.put4(value | 0);
}

function checkDisp(disp: number): void {
  if (!fitsI32(disp)) throw new X64EncodeError(`displacement ${disp} does not fit in 32 bits`);
}

/** (ShortestDisp) + (DispForRbpR13): the ModRM.mod for `[base + disp]`. */
function dispMod(disp: number, base: number): number {
  if (disp === 0 && (base & 7) !== 5) return 0;
  return fitsI8(disp) ? 1 : 2;
}

function emitDisp(sink: X64Sink, mod: number, disp: number): void {
  if (mod === 1) sink.put1(disp & 0xff);
  else if (mod === 2) sink.put4(disp);
}
