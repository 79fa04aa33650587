/**
 * Emission of AArch64 VCode: the `EmitBackend` codegen's emission driver
 * calls with each `MInst` after its register fields were rewritten to
 * hardware encodings. An `op` is an `Inst` of `inst.ts` and goes straight
 * to `emit`; pseudo-instructions expand here into sequences with local
 * labels. This file also owns the frame (prologue, epilogue, spill slots)
 * and the trap protocol.
 *
 * # Frame, prologue and epilogue
 *
 * ```text
 *   stp x29, x30, [sp, #-16]!
 *   mov x29, sp
 *   sub sp, sp, #total              ; total = fixed + 8·saves + stackSize (FrameAligned: 16-aligned)
 *   ; only with a RuntimeAbi and a vmctx parameter:
 *   ldr  x16, [vmctx, #vmctxStoreContextOffset]
 *   stur x16, [x29, #-8]            ; fixed slot: the store context, for the trap stubs
 *   ldr  x17, [x16, #storeStackLimit]
 *   cmp  sp, x17, uxtx
 *   b.lo → trap stub (stk_ovf)
 *   stur x19…/d8… , [x29, #-(fixed + 8(k+1))]   ; callee saves the allocator used
 *   (zero the explicit stack slots)
 *   …
 *   ldur saves; mov sp, x29; ldp x29, x30, [sp], #16; ret
 * ```
 *
 * The frame is allocated before the stack check, so the check compares
 * the final sp; the frame is at most a few hundred bytes past the limit
 * when it traps, and the runtime's limit leaves more headroom than that.
 *
 * # Traps
 *
 * A trap site is a `b.cond` (or `b`) to an out-of-line stub placed after
 * the function's last block, and the trap record names the site's offset.
 * Each stub puts the site's address in x17 (`adr`, computed from the
 * recorded offset: sites are never registered as branches, so they never
 * move — StableSites, as on x64) and branches to the shared tail of its
 * trap code:
 *
 * ```text
 *   ldur x16, [x29, #-8]                  ; store context (prologue slot)
 *   mov  w9, #runtimeCode
 *   str  w9,  [x16, #storeTrapCode]
 *   str  x17, [x16, #storeTrapPc]
 *   str  x29, [x16, #storeTrapFp]         ; if the ABI has it
 *   ldr  x9, [x16, #storeEntrySp]
 *   mov  sp, x9
 *   ldr  x9, [sp]                         ; the entry trampoline's trap exit
 *   br   x9
 * ```
 *
 * (x9 is caller-saved and nothing is live: the trap abandons every frame
 * up to the entry trampoline, which restores its callee-saved registers
 * itself.) Without a RuntimeAbi, or in a function without a vmctx
 * parameter, a stub is a `udf`.
 */
import {
  type Allocation,
  type EmitBackend,
  type FrameLayout,
  type MachBuffer,
  type MachLabel,
  RegClass,
  type RuntimeAbi,
  type SigABI,
  blockLabel,
  pregClass,
  pregHwEnc,
  type EmitFrameInfo,
} from '@derrick/codegen';
import { type StackSlotData, TrapCode } from '@derrick/codegen-ir';
import { loadConstant } from './constants.js';
import { emit as emitPhys } from './emit.js';
import { encodeFpImm8 } from './imms.js';
import { type Amode, Cond, type Inst, type LoadOp, type StoreOp, memLiteral, pairPostIndex, pairPreIndex } from './inst.js';
import { Branch19, Branch26, PCRel32, type AArch64LabelUse } from './labeluse.js';
import type { CvtF2I, FrameArea, MInst } from './minst.js';
import { type Gpr, type Vreg, sp, xzr } from './regs.js';

type Buf = MachBuffer<AArch64LabelUse>;

/** codegen's `EmitFrameInfo`; the prologue keeps the store context at [x29-8]. */
export type AArch64FrameInfo = EmitFrameInfo;

interface TrapSite {
  readonly label: MachLabel;
  readonly site: number;
  readonly code: number;
}

const g = (n: number): Gpr => n as Gpr;
const v = (n: number): Vreg => n as Vreg;
const X9 = g(9);
const X16 = g(16);
const X17 = g(17);
const FP = g(29);
const LR = g(30);
const V31 = v(31);

function floatOfBits(bits: bigint, size: 4 | 8): number {
  const dv = new DataView(new ArrayBuffer(8));
  if (size === 4) {
    dv.setUint32(0, Number(bits & 0xffff_ffffn), true);
    return dv.getFloat32(0, true);
  }
  dv.setBigUint64(0, BigInt.asUintN(64, bits), true);
  return dv.getFloat64(0, true);
}
function bitsOfFloat(x: number, size: 4 | 8): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  if (size === 4) {
    dv.setFloat32(0, x, true);
    return BigInt(dv.getUint32(0, true));
  }
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

/** `b.cond label` / `b label` not registered with the buffer (trap sites, local sequences). */
export function rawBranch(buf: Buf, cond: Cond | undefined, label: MachLabel): void {
  const at = buf.curOffset();
  if (cond === undefined) {
    buf.useLabelAtOffset(at, label, Branch26);
    buf.put4(0x1400_0000);
  } else {
    buf.useLabelAtOffset(at, label, Branch19);
    buf.put4(0x5400_0000 | cond);
  }
}

/** `adr rd, #delta` with an immediate byte distance (±1 MiB). */
export function adrImm(buf: Buf, rd: Gpr, delta: number): void {
  if (delta < -(1 << 20) || delta >= 1 << 20) throw new RangeError(`adr: distance ${delta} out of range`);
  const imm = delta & 0x1f_ffff;
  buf.put4((0x1000_0000 | ((imm & 3) << 29) | ((imm >> 2) << 5) | rd) >>> 0);
}

/** Emit `inst` into `buf`. */
function e(inst: Inst, buf: Buf): void {
  emitPhys(inst, buf);
}

/** `rd = value` through `loadConstant`. */
export function emitConst(buf: Buf, rd: Gpr, value: bigint, size: 4 | 8 = 8): void {
  for (const i of loadConstant(rd, value, size)) e(i, buf);
}

/**
 * A memory operand `[base + off]` for an access of `bytes` bytes: the
 * scaled or unscaled immediate form, else `[base, x17]` with x17 = off.
 */
export function memAt(buf: Buf, base: Gpr, off: number, bytes: number): Amode {
  if (off >= 0 && off % bytes === 0 && off / bytes < 4096) return { kind: 'offset', rn: base, offset: off };
  if (off >= -256 && off <= 255) return { kind: 'unscaled', rn: base, offset: off };
  emitConst(buf, X17, BigInt(off));
  return { kind: 'reg', rn: base, rm: X17, extend: 'lsl', shifted: false };
}

/** `rd = base + off` (base may be sp); large offsets go through x17. */
export function addOffset(buf: Buf, rd: Gpr, base: Gpr, off: number): void {
  if (off >= 0 && off < 4096) {
    e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd, rn: base, imm12: off, lsl12: false }, buf);
  } else if (off < 0 && off > -4096) {
    e({ kind: 'alu_rr_imm12', op: 'sub', size: 8, rd, rn: base, imm12: -off, lsl12: false }, buf);
  } else {
    emitConst(buf, X17, BigInt(off));
    e({ kind: 'alu_rrr_extend', op: 'add', size: 8, rd, rn: base, rm: X17, extend: 'uxtx', amount: 0 }, buf);
  }
}

export class AArch64EmitBackend implements EmitBackend<MInst, AArch64LabelUse> {
  /** Jump tables are inline; 16 KiB bounds them (4k targets) far below every ±1 MiB deadline. */
  readonly worstCaseInstSize = 16 * 1024;
  /**
   * No loop-header alignment: this target runs emulated here, where placement
   * cannot be measured (x64 aligns to 64 bytes on measurement).
   */
  readonly loopAlignment = 1;
  private readonly sites: TrapSite[] = [];
  private readonly fixedSlots: number;
  private readonly total: number;

  constructor(readonly info: AArch64FrameInfo) {
    this.fixedSlots = info.hasStoreContextSlot ? 8 : 0;
    const f = info.frame;
    this.total = this.fixedSlots + 8 * f.calleeSaves.length + f.stackSize;
  }

  // ---- Frame addressing ------------------------------------------------------

  private areaBase(area: FrameArea, slot: number, disp: number): { base: Gpr; off: number } {
    const f = this.info.frame;
    switch (area) {
      case 'slot':
        return { base: sp, off: f.stackSlotOffsets[slot]! + disp };
      case 'incoming_arg':
        return { base: FP, off: 16 + disp };
      case 'outgoing_arg':
        return { base: sp, off: f.outgoingArgsOffset + disp };
      case 'ret_area':
        return { base: sp, off: f.retAreaOffset + disp };
    }
  }

  private spillAddr(slot: number, buf: Buf): Amode {
    return memAt(buf, sp, this.info.frame.spillAreaOffset + slot * 8, 8);
  }

  // ---- Traps -------------------------------------------------------------------

  private trapSite(cond: Cond | undefined, code: number, buf: Buf, cbz?: { nonzero: boolean; size: 4 | 8; rt: Gpr }): void {
    const site = buf.curOffset();
    buf.addTrap(code);
    const label = buf.getLabel();
    if (cbz === undefined) rawBranch(buf, cond, label);
    else {
      // cbz/cbnz: sf 011010 op imm19 Rt.
      buf.useLabelAtOffset(site, label, Branch19);
      buf.put4((0x3400_0000 | (cbz.size === 8 ? 0x8000_0000 : 0) | (cbz.nonzero ? 0x0100_0000 : 0) | cbz.rt) >>> 0);
    }
    this.sites.push({ label, site, code });
  }

  emitNops(len: number, buf: Buf): void {
    if (len % 4 !== 0) throw new Error(`aarch64 emit: ${len} bytes of padding is not a whole number of instructions`);
    for (let i = 0; i < len; i += 4) e({ kind: 'nop' }, buf);
  }

  emitEnd(buf: Buf): void {
    const rt = this.info.runtimeAbi;
    if (rt === undefined || !this.info.hasStoreContextSlot) {
      for (const s of this.sites) {
        buf.bindLabel(s.label);
        buf.put4(0x0000_c11f); // udf #0xc11f
      }
      return;
    }
    const tails = new Map<number, MachLabel>();
    for (const s of this.sites) {
      buf.bindLabel(s.label);
      adrImm(buf, X17, s.site - buf.curOffset());
      let tail = tails.get(s.code);
      if (tail === undefined) {
        tail = buf.getLabel();
        tails.set(s.code, tail);
      }
      rawBranch(buf, undefined, tail);
    }
    for (const [code, label] of tails) {
      buf.bindLabel(label);
      e({ kind: 'load', op: 'ldr_x', rt: X16, addr: { kind: 'unscaled', rn: FP, offset: -8 } }, buf);
      emitTrapTail(buf, rt, rt.trapCode(code));
    }
  }

  // ---- Frame ------------------------------------------------------------------

  emitPrologue(buf: Buf): void {
    const f = this.info.frame;
    e({ kind: 'store_pair', size: 8, rt: FP, rt2: LR, addr: pairPreIndex(sp, -16) }, buf);
    e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: FP, rn: sp, imm12: 0, lsl12: false }, buf);
    if (this.total > 0) {
      if (this.total < 4096) e({ kind: 'alu_rr_imm12', op: 'sub', size: 8, rd: sp, rn: sp, imm12: this.total, lsl12: false }, buf);
      else {
        emitConst(buf, X17, BigInt(this.total));
        e({ kind: 'alu_rrr_extend', op: 'sub', size: 8, rd: sp, rn: sp, rm: X17, extend: 'uxtx', amount: 0 }, buf);
      }
    }
    const rt = this.info.runtimeAbi;
    if (this.info.hasStoreContextSlot && rt !== undefined) {
      const loc = this.info.sigAbi.params[this.info.sigAbi.vmctxIndex]!.loc;
      if (loc.kind === 'reg') {
        e({ kind: 'load', op: 'ldr_x', rt: X16, addr: memAt(buf, g(pregHwEnc(loc.preg)), rt.vmctxStoreContextOffset, 8) }, buf);
      } else {
        e({ kind: 'load', op: 'ldr_x', rt: X16, addr: memAt(buf, FP, 16 + loc.offset, 8) }, buf);
        e({ kind: 'load', op: 'ldr_x', rt: X16, addr: memAt(buf, X16, rt.vmctxStoreContextOffset, 8) }, buf);
      }
      e({ kind: 'store', op: 'str_x', rt: X16, addr: { kind: 'unscaled', rn: FP, offset: -8 } }, buf);
      e({ kind: 'load', op: 'ldr_x', rt: X17, addr: memAt(buf, X16, rt.storeStackLimit, 8) }, buf);
      e({ kind: 'alu_rrr_extend', op: 'subs', size: 8, rd: xzr, rn: sp, rm: X17, extend: 'uxtx', amount: 0 }, buf);
      this.trapSite(Cond.Lo, TrapCode.STACK_OVERFLOW, buf);
    }
    this.saveRestore(buf, true);
    this.zeroStackSlots(buf);
  }

  private saveRestore(buf: Buf, save: boolean): void {
    const f = this.info.frame;
    f.calleeSaves.forEach((p, k) => {
      const addr: Amode = { kind: 'unscaled', rn: FP, offset: -(this.fixedSlots + 8 * (k + 1)) };
      const hw = pregHwEnc(p);
      if (pregClass(p) === RegClass.Int) e(save ? { kind: 'store', op: 'str_x', rt: g(hw), addr } : { kind: 'load', op: 'ldr_x', rt: g(hw), addr }, buf);
      else e(save ? { kind: 'fpu_store', size: 8, rt: v(hw), addr } : { kind: 'fpu_load', size: 8, rt: v(hw), addr }, buf);
    });
  }

  /** Explicit stack slots start zeroed (the IR's semantics): `stp xzr, xzr` in a loop for large areas. */
  private zeroStackSlots(buf: Buf): void {
    const f = this.info.frame;
    const slots = this.info.stackSlots;
    if (slots.length === 0) return;
    let start = Infinity;
    let end = 0;
    slots.forEach((s, k) => {
      if (s.size === 0) return;
      start = Math.min(start, f.stackSlotOffsets[k]!);
      end = Math.max(end, f.stackSlotOffsets[k]! + s.size);
    });
    if (end === 0) return;
    end = (end + 7) & ~7;
    const chunks = Math.floor((end - start) / 16);
    addOffset(buf, X16, sp, start);
    if (chunks > 0) {
      emitConst(buf, X17, BigInt(chunks));
      const loop = buf.getLabel();
      buf.bindLabel(loop);
      e({ kind: 'store_pair', size: 8, rt: xzr, rt2: xzr, addr: pairPostIndex(X16, 16) }, buf);
      e({ kind: 'alu_rr_imm12', op: 'subs', size: 8, rd: X17, rn: X17, imm12: 1, lsl12: false }, buf);
      rawBranch(buf, Cond.Ne, loop);
    }
    if (start + chunks * 16 < end) e({ kind: 'store', op: 'str_x', rt: xzr, addr: { kind: 'offset', rn: X16, offset: 0 } }, buf);
  }

  private emitEpilogue(buf: Buf): void {
    this.saveRestore(buf, false);
    if (this.total > 0) e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: sp, rn: FP, imm12: 0, lsl12: false }, buf);
    e({ kind: 'load_pair', size: 8, rt: FP, rt2: LR, addr: pairPostIndex(sp, 16) }, buf);
    e({ kind: 'ret' }, buf);
  }

  emitMove(from: Allocation, to: Allocation, buf: Buf): void {
    if (from >= 0 && to >= 0) {
      if (from === to) return;
      if (pregClass(from) === RegClass.Int) e({ kind: 'mov', size: 8, rd: g(pregHwEnc(to)), rm: g(pregHwEnc(from)) }, buf);
      else e({ kind: 'fpu_move', size: 8, rd: v(pregHwEnc(to)), rn: v(pregHwEnc(from)) }, buf);
    } else if (from >= 0) {
      const a = this.spillAddr(~to, buf);
      if (pregClass(from) === RegClass.Int) e({ kind: 'store', op: 'str_x', rt: g(pregHwEnc(from)), addr: a }, buf);
      else e({ kind: 'fpu_store', size: 8, rt: v(pregHwEnc(from)), addr: a }, buf);
    } else if (to >= 0) {
      const a = this.spillAddr(~from, buf);
      if (pregClass(to) === RegClass.Int) e({ kind: 'load', op: 'ldr_x', rt: g(pregHwEnc(to)), addr: a }, buf);
      else e({ kind: 'fpu_load', size: 8, rt: v(pregHwEnc(to)), addr: a }, buf);
    } else {
      throw new Error('aarch64 emit: a stack-to-stack move from the register allocator');
    }
  }

  emitJump(label: MachLabel, buf: Buf): void {
    e({ kind: 'jump', target: label }, buf);
  }

  // ---- Instructions ---------------------------------------------------------------

  emitInst(m: MInst, buf: Buf): void {
    switch (m.kind) {
      case 'op':
        e(m.inst as unknown as Inst, buf);
        return;
      case 'jmp':
        e({ kind: 'jump', target: blockLabel(m.target) }, buf);
        return;
      case 'br':
        e({ kind: 'cond_br', cond: { kind: 'cond', cond: m.cond }, taken: blockLabel(m.taken), notTaken: blockLabel(m.notTaken) }, buf);
        return;
      case 'trap':
        this.trapSite(undefined, m.code, buf);
        return;
      case 'trap_if':
        this.trapSite(m.cond, m.code, buf);
        return;
      case 'trap_if_zero':
        this.trapSite(undefined, m.code, buf, { nonzero: m.nonzero, size: m.size, rt: g(m.rt) });
        return;
      case 'br_zero':
        e(
          {
            kind: 'cond_br',
            cond: { kind: m.nonzero ? 'not_zero' : 'zero', size: m.size, rt: g(m.rt) },
            taken: blockLabel(m.taken),
            notTaken: blockLabel(m.notTaken),
          },
          buf,
        );
        return;
      case 'args':
      case 'undef':
        return;
      case 'ret':
        this.emitEpilogue(buf);
        return;
      case 'mov':
        if (m.float) {
          if (m.src !== m.dst) e({ kind: 'fpu_move', size: 8, rd: v(m.dst), rn: v(m.src) }, buf);
        } else if (m.size === 4 || m.src !== m.dst) e({ kind: 'mov', size: m.size, rd: g(m.dst), rm: g(m.src) }, buf);
        return;
      case 'iconst':
        emitConst(buf, g(m.dst), m.value, m.size);
        return;
      case 'fconst': {
        const x = floatOfBits(m.bits, m.size);
        if (m.bits === 0n) e({ kind: 'fmov_from_gpr', size: m.size, rd: v(m.dst), rn: xzr }, buf);
        else if (!Number.isNaN(x) && bitsOfFloat(x, m.size) === m.bits && encodeFpImm8(x, m.size) !== undefined) {
          e({ kind: 'fmov_imm', size: m.size, rd: v(m.dst), value: x }, buf);
        } else {
          emitConst(buf, X16, m.bits, m.size);
          e({ kind: 'fmov_from_gpr', size: m.size, rd: v(m.dst), rn: X16 }, buf);
        }
        return;
      }
      case 'frame_mem': {
        const { base, off } = this.areaBase(m.area, m.slot, m.disp);
        if (m.fpSize !== undefined) {
          const addr = memAt(buf, base, off, m.fpSize);
          e(m.store ? { kind: 'fpu_store', size: m.fpSize, rt: v(m.rt), addr } : { kind: 'fpu_load', size: m.fpSize, rt: v(m.rt), addr }, buf);
        } else {
          const o = m.op!;
          const bytes = o === 'ldr_x' || o === 'str_x' ? 8 : o === 'ldr_w' || o === 'str_w' || o === 'ldrsw' ? 4 : o.includes('h') ? 2 : 1;
          const addr = memAt(buf, base, off, bytes);
          e(m.store ? { kind: 'store', op: o as StoreOp, rt: g(m.rt), addr } : { kind: 'load', op: o as LoadOp, rt: g(m.rt), addr }, buf);
        }
        return;
      }
      case 'frame_addr': {
        const { base, off } = this.areaBase(m.area, m.slot, m.disp);
        addOffset(buf, g(m.dst), base, off);
        return;
      }
      case 'get_sp':
        e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: g(m.dst), rn: sp, imm12: 0, lsl12: false }, buf);
        return;
      case 'func_addr':
        this.emitFuncAddr(m.name, m.colocated, g(m.dst), buf);
        return;
      case 'call':
        if (m.target.kind === 'reg') e({ kind: 'call_ind', rn: g(m.target.reg) }, buf);
        else if (m.target.colocated) e({ kind: 'call', target: { kind: 'name', name: m.target.name } }, buf);
        else {
          this.loadAbs8(m.target.name, X16, buf);
          e({ kind: 'call_ind', rn: X16 }, buf);
        }
        return;
      case 'div':
        this.emitDiv(m, buf);
        return;
      case 'cvt_f2i':
        this.emitCvtF2I(m.cvt, v(m.src), g(m.dst), buf);
        return;
      case 'fma':
        this.emitFma(m.size, v(m.a), v(m.b), v(m.c), v(m.dst), buf);
        return;
      case 'popcnt':
        e({ kind: 'fmov_from_gpr', size: m.size, rd: V31, rn: g(m.src) }, buf);
        e({ kind: 'vec_cnt', rd: V31, rn: V31 }, buf);
        e({ kind: 'vec_reduce', op: 'addv', rd: V31, rn: V31 }, buf);
        e({ kind: 'umov', size: 1, rd: g(m.dst), rn: V31, lane: 0 }, buf);
        return;
      case 'jmp_table':
        this.emitJumpTable(m, buf);
        return;
    }
  }

  /** `ldr rd, lit; b over; lit: .8byte name (Abs8)`. */
  private loadAbs8(name: import('@derrick/codegen').RelocExternalName, rd: Gpr, buf: Buf): void {
    const lit = buf.getLabel();
    e({ kind: 'load', op: 'ldr_x', rt: rd, addr: memLiteral(lit) }, buf);
    buf.put4(0x1400_0003); // b .+12
    buf.bindLabel(lit);
    buf.addRelocAtOffset(buf.curOffset(), 'Abs8', { kind: 'name', name }, 0);
    buf.put8(0n);
  }

  /**
   * The address of a function. Colocated: `adr x17, w; ldrsw rd, w; add rd,
   * x17, rd` over a 32-bit PC-relative word `w` (an `X86PCRel4` relocation —
   * codegen's `Reloc` has no AArch64 PC-relative data kind yet; the ISA maps
   * it to a `PCRel32` label use in text layout). Otherwise an Abs8 literal.
   */
  private emitFuncAddr(name: import('@derrick/codegen').RelocExternalName, colocated: boolean, rd: Gpr, buf: Buf): void {
    if (!colocated) {
      this.loadAbs8(name, rd, buf);
      return;
    }
    // adr x17, .+12; ldrsw rd, [x17]; b .+8; .word target − (.)
    adrImm(buf, X17, 12);
    e({ kind: 'load', op: 'ldrsw', rt: rd, addr: { kind: 'offset', rn: X17, offset: 0 } }, buf);
    buf.put4(0x1400_0002); // b .+8
    buf.addRelocAtOffset(buf.curOffset(), 'X86PCRel4', { kind: 'name', name }, 0);
    buf.put4(0);
    e({ kind: 'alu_rrr', op: 'add', size: 8, rd, rn: X17, rm: rd }, buf);
  }

  private emitDiv(m: Extract<MInst, { kind: 'div' }>, buf: Buf): void {
    const size = m.size;
    const x = g(m.x);
    const y = g(m.y);
    const dst = g(m.dst);
    e({ kind: 'alu_rr_imm12', op: 'subs', size, rd: xzr, rn: y, imm12: 0, lsl12: false }, buf);
    this.trapSite(Cond.Eq, TrapCode.INTEGER_DIVISION_BY_ZERO, buf);
    if (m.signed && !m.rem) {
      const ok = buf.getLabel();
      e({ kind: 'alu_rr_imm12', op: 'adds', size, rd: xzr, rn: y, imm12: 1, lsl12: false }, buf);
      rawBranch(buf, Cond.Ne, ok);
      const w = m.narrowBits !== 0 ? m.narrowBits : size * 8;
      emitConst(buf, X16, -(1n << BigInt(w - 1)), size);
      e({ kind: 'alu_rrr', op: 'subs', size, rd: xzr, rn: x, rm: X16 }, buf);
      this.trapSite(Cond.Eq, TrapCode.INTEGER_OVERFLOW, buf);
      buf.bindLabel(ok);
    }
    const op = m.signed ? 'sdiv' : 'udiv';
    if (!m.rem) {
      e({ kind: 'alu_2src', op, size, rd: dst, rn: x, rm: y }, buf);
    } else {
      e({ kind: 'alu_2src', op, size, rd: X16, rn: x, rm: y }, buf);
      e({ kind: 'alu_rrrr', op: 'msub', size, rd: dst, rn: X16, rm: y, ra: x }, buf);
    }
  }

  /** v31 = the float constant `x` (through x16). */
  private fconstV31(x: number, size: 4 | 8, buf: Buf): void {
    emitConst(buf, X16, bitsOfFloat(x, size), size);
    e({ kind: 'fmov_from_gpr', size, rd: V31, rn: X16 }, buf);
  }

  /**
   * `fma` (see its MInst): a NaN operand goes straight to `fadd x, x, x`
   * (which returns x made quiet); with none, `fmadd`, whose only NaN is
   * then the default NaN of ∞·0 or ∞ − ∞ (positive, zero payload: the IR's
   * canonical NaN).
   */
  private emitFma(size: 4 | 8, a: Vreg, b: Vreg, c: Vreg, dst: Vreg, buf: Buf): void {
    const done = buf.getLabel();
    const quiet = [buf.getLabel(), buf.getLabel(), buf.getLabel()];
    const ops = [a, b, c];
    for (let k = 0; k < 3; k++) {
      e({ kind: 'fpu_cmp', size, rn: ops[k]!, rm: ops[k]! }, buf);
      rawBranch(buf, Cond.Vs, quiet[k]!);
    }
    e({ kind: 'fpu_rrrr', op: 'fmadd', size, rd: dst, rn: a, rm: b, ra: c }, buf);
    for (let k = 0; k < 3; k++) {
      rawBranch(buf, undefined, done);
      buf.bindLabel(quiet[k]!);
      e({ kind: 'fpu_rrr', op: 'fadd', size, rd: dst, rn: ops[k]!, rm: ops[k]! }, buf);
    }
    buf.bindLabel(done);
  }

  private emitCvtF2I(c: CvtF2I, src: Vreg, dst: Gpr, buf: Buf): void {
    const s = c.srcSize;
    const n = c.dstBits;
    const dsize: 4 | 8 = n === 64 ? 8 : 4;
    const op = c.signed ? 'fcvtzs' : 'fcvtzu';
    if (!c.sat) {
      e({ kind: 'fpu_cmp', size: s, rn: src, rm: src }, buf);
      this.trapSite(Cond.Vs, TrapCode.BAD_CONVERSION_TO_INTEGER, buf);
      const lo = c.signed ? -(2 ** (n - 1)) - 1 : -1;
      const exact = s === 8 ? n < 53 || !c.signed : n < 24 || !c.signed;
      if (exact) {
        this.fconstV31(lo, s, buf);
        e({ kind: 'fpu_cmp', size: s, rn: src, rm: V31 }, buf);
        this.trapSite(Cond.Ls, TrapCode.INTEGER_OVERFLOW, buf);
      } else {
        this.fconstV31(-(2 ** (n - 1)), s, buf);
        e({ kind: 'fpu_cmp', size: s, rn: src, rm: V31 }, buf);
        this.trapSite(Cond.Mi, TrapCode.INTEGER_OVERFLOW, buf);
      }
      this.fconstV31(2 ** (c.signed ? n - 1 : n), s, buf);
      e({ kind: 'fpu_cmp', size: s, rn: src, rm: V31 }, buf);
      this.trapSite(Cond.Ge, TrapCode.INTEGER_OVERFLOW, buf);
      e({ kind: 'fpu_to_int', op, srcSize: s, dstSize: dsize, rd: dst, rn: src }, buf);
      return;
    }
    // Saturating: fcvtz* saturates to 32/64 bits and maps NaN to 0; narrow results clamp.
    e({ kind: 'fpu_to_int', op, srcSize: s, dstSize: dsize, rd: dst, rn: src }, buf);
    if (n >= 32) return;
    const max = c.signed ? (1n << BigInt(n - 1)) - 1n : (1n << BigInt(n)) - 1n;
    emitConst(buf, X16, max, 4);
    e({ kind: 'alu_rrr', op: 'subs', size: 4, rd: xzr, rn: dst, rm: X16 }, buf);
    e({ kind: 'csel', op: 'csel', size: 4, rd: dst, rn: dst, rm: X16, cond: c.signed ? Cond.Lt : Cond.Lo }, buf);
    if (c.signed) {
      emitConst(buf, X16, -(1n << BigInt(n - 1)), 4);
      e({ kind: 'alu_rrr', op: 'subs', size: 4, rd: xzr, rn: dst, rm: X16 }, buf);
      e({ kind: 'csel', op: 'csel', size: 4, rd: dst, rn: dst, rm: X16, cond: Cond.Gt }, buf);
    }
  }

  /**
   * `br_table`: `cmp idx, #n; b.hs default; adr x17, table; add x17, x17,
   * idx, lsl #2; ldrsw x16, [x17]; add x17, x17, x16; br x17; table: .word
   * target_k − (table + 4k)` (each word a `PCRel32` use of its block label).
   */
  private emitJumpTable(m: Extract<MInst, { kind: 'jmp_table' }>, buf: Buf): void {
    const n = m.targets.length;
    const idx = g(m.idx);
    // The index as 64 bits in x16 (i8–i32 indices: the low 32 bits, zero-extended).
    e({ kind: 'mov', size: m.idx64 ? 8 : 4, rd: X16, rm: idx }, buf);
    if (n < 4096) e({ kind: 'alu_rr_imm12', op: 'subs', size: 8, rd: xzr, rn: X16, imm12: n, lsl12: false }, buf);
    else {
      emitConst(buf, X17, BigInt(n));
      e({ kind: 'alu_rrr', op: 'subs', size: 8, rd: xzr, rn: X16, rm: X17 }, buf);
    }
    e({ kind: 'cond_jump', cond: { kind: 'cond', cond: Cond.Hs }, target: blockLabel(m.defaultTarget) }, buf);
    adrImm(buf, X17, 20);
    e({ kind: 'alu_rrr', op: 'add', size: 8, rd: X17, rn: X17, rm: X16, shift: { op: 'lsl', amount: 2 } }, buf);
    e({ kind: 'load', op: 'ldrsw', rt: X16, addr: { kind: 'offset', rn: X17, offset: 0 } }, buf);
    e({ kind: 'alu_rrr', op: 'add', size: 8, rd: X17, rn: X17, rm: X16 }, buf);
    e({ kind: 'jump_ind', rn: X17 }, buf);
    for (const t of m.targets) {
      buf.useLabelAtOffset(buf.curOffset(), blockLabel(t), PCRel32);
      buf.put4(0);
    }
  }
}

/**
 * The shared trap tail: store context in x16, trapping pc in x17; stores
 * the code, pc and fp, then resumes at the entry trampoline's trap exit.
 */
export function emitTrapTail(buf: Buf, rt: RuntimeAbi, runtimeCode: number): void {
  emitConst(buf, X9, BigInt(runtimeCode), 4);
  e({ kind: 'store', op: 'str_w', rt: X9, addr: memAt(buf, X16, rt.storeTrapCode, 4) }, buf);
  e({ kind: 'store', op: 'str_x', rt: X17, addr: memAt(buf, X16, rt.storeTrapPc, 8) }, buf);
  if (rt.storeTrapFp !== undefined) e({ kind: 'store', op: 'str_x', rt: FP, addr: memAt(buf, X16, rt.storeTrapFp, 8) }, buf);
  e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, X16, rt.storeEntrySp, 8) }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: sp, rn: X9, imm12: 0, lsl12: false }, buf);
  e({ kind: 'load', op: 'ldr_x', rt: X9, addr: { kind: 'offset', rn: sp, offset: 0 } }, buf);
  e({ kind: 'jump_ind', rn: X9 }, buf);
}
