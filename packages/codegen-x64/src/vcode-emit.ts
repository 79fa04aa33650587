/**
 * Emission of x64 VCode: the `EmitBackend` codegen's emission driver calls
 * with each `MInst` after its register fields were rewritten to hardware
 * encodings. One-to-one forms become an `Inst` of `inst.ts` and go through
 * `emit`; pseudo-instructions expand here into sequences with local labels.
 * This file also owns the frame (prologue, epilogue, spill slots) and the
 * trap protocol.
 *
 * # Prologue and epilogue
 *
 * ```text
 *   push rbp; mov rbp, rsp
 *   ; only with a RuntimeAbi and a vmctx parameter:
 *   mov r11, [vmctx + vmctxStoreContextOffset]   ; the store context
 *   push r11                                      ; [rbp-8]: kept for the trap stubs
 *   lea r10, [rsp - (saves + stackSize)]          ; rsp once the frame is allocated
 *   cmp r10, [r11 + storeStackLimit]
 *   jb  → trap stub (stk_ovf)
 *   push rbx/r12–r15 (those the allocator used)
 *   sub rsp, stackSize                            ; spills, stack slots, return area, outgoing args
 *   …
 *   lea rsp, [rbp - 8·(fixed + saves)]; pop saves; mov rsp, rbp; pop rbp; ret
 * ```
 *
 * # Traps
 *
 * A trap site is a `jcc` (or `jmp`) to an out-of-line stub placed after the
 * function's last block, and the trap record names the site's offset. Each
 * site's stub loads the site's address (`lea r10, [rip + site]`) and jumps
 * to the shared tail of its trap code, which does:
 *
 * ```text
 *   mov r11, [rbp-8]                      ; store context (prologue slot)
 *   mov dword [r11 + storeTrapCode], runtimeCode
 *   mov [r11 + storeTrapPc], r10
 *   mov [r11 + storeTrapFp], rbp          ; if the ABI has it
 *   mov rsp, [r11 + storeEntrySp]
 *   ret                                   ; into the entry trampoline's trap exit
 * ```
 *
 * The entry trampoline left the address of its trap exit at `[entry_sp]`
 * (trampolines.ts), so `ret` resumes there with rsp = entry_sp + 8. Without a
 * RuntimeAbi, or in a function without a vmctx parameter, a stub is a `ud2`.
 *
 * Invariant (StableSites): a site's offset never moves after it is emitted:
 * branch simplification only truncates registered branches at the tail, and
 * a site's `jcc` is never registered, so the stub's rip-relative `lea` can
 * be computed from the recorded offset.
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
import { SCRATCH_GPR, SCRATCH_XMM } from './abi.js';
import { emit as emitPhys, encAlu, encExtend, encJcc, encJcond, encJmp, encLea, encLoad, encMovRI, encMovRR, encStore, encTest } from './emit.js';
import { Prefix, VexMap, emitRegMem, emitVexRm, type X64Sink } from './encode.js';
import {
  CC,
  type Amode,
  type GprMem,
  type GprMemImm,
  type Inst,
  type XmmMem,
  mem,
  memIndex,
  ripLabel,
} from './inst.js';
import { JmpRel32, PCRel32, type X64LabelUse } from './labeluse.js';
import type { CvtF2I, MInst, RoundKind, VAmode, VRM, VRMI } from './minst.js';
import { type Gpr, type Xmm, r10, r11, rax, rbp, rdx, rsp } from './regs.js';

type Buf = MachBuffer<X64LabelUse>;

/** Everything emission needs to know about the function being emitted. */
/** codegen's `EmitFrameInfo`; the prologue keeps the store context at [rbp-8]. */
export type X64FrameInfo = EmitFrameInfo;

interface TrapSite {
  readonly label: MachLabel;
  readonly site: number;
  readonly code: number;
}

const x = (n: number): Xmm => n as Xmm;
const g = (n: number): Gpr => n as Gpr;
const XS = x(SCRATCH_XMM);
const GS = g(SCRATCH_GPR);

function f32Bits(v: number): bigint {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v, true);
  return BigInt(dv.getUint32(0, true));
}
function f64Bits(v: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v, true);
  return dv.getBigUint64(0, true);
}
function floatBits(v: number, size: 4 | 8): bigint {
  return size === 4 ? f32Bits(v) : f64Bits(v);
}
function isExact(v: number, size: 4 | 8): boolean {
  return size === 8 ? true : Math.fround(v) === v;
}
function leBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let w = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) {
    out[i] = Number(w & 0xffn);
    w >>= 8n;
  }
  return out;
}

export class X64EmitBackend implements EmitBackend<MInst, X64LabelUse> {
  /** 15 bytes per instruction is the architectural maximum; sequences are bounded by the island rules (x64 never needs islands). */
  readonly worstCaseInstSize = 1024;
  /**
   * Loop headers start on a 64-byte boundary (LoopHeadersAligned). Measured
   * on AMD EPYC (Zen 4), side by side: the interp kernel's dispatch loop ran
   * anywhere from 0.52 to 1.3 s depending only on where its header fell
   * within a 64-byte line — 32-byte alignment still left the bad placement
   * at 32 mod 64 — and sieve gained 13 %; the other kernels were unchanged.
   * QuickJS's text grows 1.8 % (functions with loops also start 64-aligned).
   */
  readonly loopAlignment = 64;
  private readonly sites: TrapSite[] = [];
  private readonly fixedSlots: number;

  constructor(readonly info: X64FrameInfo) {
    this.fixedSlots = info.hasStoreContextSlot ? 1 : 0;
  }

  // ---- Operands ----------------------------------------------------------------

  private amode(a: VAmode, buf: Buf): Amode {
    const f = this.info.frame;
    switch (a.kind) {
      case 'reg_disp':
        return mem(g(a.base), a.disp);
      case 'reg_index':
        return memIndex(g(a.base), g(a.index), a.shift, a.disp);
      case 'slot':
        return mem(rsp, f.stackSlotOffsets[a.slot]! + a.disp);
      case 'incoming_arg':
        return mem(rbp, 16 + a.disp);
      case 'outgoing_arg':
        return mem(rsp, f.outgoingArgsOffset + a.disp);
      case 'ret_area':
        return mem(rsp, f.retAreaOffset + a.disp);
      case 'const':
        return ripLabel(buf.deferConstant(a.bytes, a.align));
    }
  }
  // A register operand is passed on as it is: after operand rewriting its
  // `reg` field holds the hardware encoding, which is all `{ kind: 'reg' }`
  // means to the encoder.
  private rm(r: VRM, buf: Buf): GprMem {
    return r.kind === 'reg' ? (r as unknown as GprMem) : { kind: 'mem', addr: this.amode(r.addr, buf) };
  }
  private xm(r: VRM, buf: Buf): XmmMem {
    return r.kind === 'reg' ? (r as unknown as XmmMem) : { kind: 'mem', addr: this.amode(r.addr, buf) };
  }
  private rmi(r: VRMI, buf: Buf): GprMemImm {
    return r.kind === 'imm' ? r : this.rm(r, buf);
  }
  /** A constant-pool operand holding `bits` (`size` bytes, or 16 for packed masks). */
  private cmem(bits: bigint, size: 4 | 8 | 16, buf: Buf, laneSize: 4 | 8 = 4): XmmMem {
    let bytes: Uint8Array;
    if (size === 16) {
      bytes = new Uint8Array(16);
      const lane = leBytes(bits, laneSize);
      for (let i = 0; i < 16; i += laneSize) bytes.set(lane, i);
    } else bytes = leBytes(bits, size);
    return { kind: 'mem', addr: ripLabel(buf.deferConstant(bytes, size)) };
  }
  private fconst(v: number, size: 4 | 8, buf: Buf): XmmMem {
    return this.cmem(floatBits(v, size), size, buf);
  }

  private e(inst: Inst, buf: Buf): void {
    emitPhys(inst, buf);
  }

  // ---- Traps -------------------------------------------------------------------

  /** A trap site: `jcc` (or `jmp` when `cc` is undefined) to a stub that traps with `code`. */
  private trapSite(cc: CC | undefined, code: number, buf: Buf): void {
    const site = buf.curOffset();
    buf.addTrap(code);
    const label = buf.getLabel();
    if (cc === undefined) {
      buf.put1(0xe9);
      buf.useLabelAtOffset(site + 1, label, JmpRel32);
    } else {
      buf.put1(0x0f);
      buf.put1(0x80 | cc);
      buf.useLabelAtOffset(site + 2, label, JmpRel32);
    }
    buf.put4(0);
    this.sites.push({ label, site, code });
  }

  emitNops(len: number, buf: Buf): void {
    this.e({ kind: 'nop', len }, buf);
  }

  emitEnd(buf: Buf): void {
    const rt = this.info.runtimeAbi;
    if (rt === undefined || !this.info.hasStoreContextSlot) {
      for (const s of this.sites) {
        buf.bindLabel(s.label);
        buf.putBytes([0x0f, 0x0b]); // ud2
      }
      return;
    }
    const tails = new Map<number, MachLabel>();
    for (const s of this.sites) {
      buf.bindLabel(s.label);
      // lea r10, [rip + (site - end)]: 4C 8D 15 disp32 (7 bytes).
      const end = buf.curOffset() + 7;
      buf.putBytes([0x4c, 0x8d, 0x15]);
      buf.put4(s.site - end);
      let tail = tails.get(s.code);
      if (tail === undefined) {
        tail = buf.getLabel();
        tails.set(s.code, tail);
      }
      const at = buf.curOffset();
      buf.put1(0xe9);
      buf.useLabelAtOffset(at + 1, tail, JmpRel32);
      buf.put4(0);
    }
    for (const [code, label] of tails) {
      buf.bindLabel(label);
      emitTrapTail(buf, rt, rt.trapCode(code), mem(rbp, -8));
    }
  }

  // ---- Frame ------------------------------------------------------------------

  emitPrologue(buf: Buf): void {
    const f = this.info.frame;
    this.e({ kind: 'push', src: rbp }, buf);
    this.e({ kind: 'mov_rr', size: 8, src: rsp, dst: rbp }, buf);
    const rt = this.info.runtimeAbi;
    if (this.info.hasStoreContextSlot && rt !== undefined) {
      const loc = this.info.sigAbi.params[this.info.sigAbi.vmctxIndex]!.loc;
      if (loc.kind === 'reg') {
        this.e({ kind: 'load', size: 8, src: mem(g(pregHwEnc(loc.preg)), rt.vmctxStoreContextOffset), dst: r11 }, buf);
      } else {
        this.e({ kind: 'load', size: 8, src: mem(rbp, 16 + loc.offset), dst: r11 }, buf);
        this.e({ kind: 'load', size: 8, src: mem(r11, rt.vmctxStoreContextOffset), dst: r11 }, buf);
      }
      this.e({ kind: 'push', src: r11 }, buf);
      const below = 8 * f.calleeSaves.length + f.stackSize;
      this.e({ kind: 'lea', size: 8, src: mem(rsp, -below), dst: r10 }, buf);
      this.e({ kind: 'alu', op: 'cmp', size: 8, src: { kind: 'mem', addr: mem(r11, rt.storeStackLimit) }, dst: r10 }, buf);
      this.trapSite(CC.B, TrapCode.STACK_OVERFLOW, buf);
    }
    for (const p of f.calleeSaves) this.e({ kind: 'push', src: g(pregHwEnc(p)) }, buf);
    if (f.stackSize > 0) this.e({ kind: 'alu', op: 'sub', size: 8, src: { kind: 'imm', imm: f.stackSize }, dst: rsp }, buf);
    this.zeroStackSlots(buf);
  }

  /**
   * Explicit stack slots start zeroed (the IR's semantics, as the
   * interpreter implements them): 16-byte stores of a zeroed xmm15, in a
   * loop for large areas.
   */
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
    // [start, end) rounded out to 8 stays inside the slot area (slots are 8-aligned, spills 16-aligned above).
    end = (end + 7) & ~7;
    this.zeroXS(buf);
    let o = start;
    if (end - start > 256) {
      const chunks = Math.floor((end - start) / 16);
      const loop = buf.getLabel();
      // r11 = 2·(chunks left): [rsp + r11·8 + start − 16] is the last chunk not yet zeroed.
      this.e({ kind: 'mov_ri', size: 4, imm: 2 * chunks, dst: GS }, buf);
      buf.bindLabel(loop);
      this.e({ kind: 'xmm_store', op: 'movups', src: XS, dst: memIndex(rsp, GS, 3, start - 16) }, buf);
      this.e({ kind: 'alu', op: 'sub', size: 4, src: { kind: 'imm', imm: 2 }, dst: GS }, buf);
      this.e({ kind: 'jcc', cc: CC.NE, target: loop }, buf);
      o = start + chunks * 16;
    }
    for (; o + 16 <= end; o += 16) this.e({ kind: 'xmm_store', op: 'movups', src: XS, dst: mem(rsp, o) }, buf);
    if (o < end) this.e({ kind: 'xmm_store', op: 'movq', src: XS, dst: mem(rsp, o) }, buf);
  }

  private emitEpilogue(buf: Buf): void {
    const f = this.info.frame;
    const saves = f.calleeSaves.length;
    if (saves > 0) {
      this.e({ kind: 'lea', size: 8, src: mem(rbp, -8 * (this.fixedSlots + saves)), dst: rsp }, buf);
      for (let k = saves - 1; k >= 0; k--) this.e({ kind: 'pop', dst: g(pregHwEnc(f.calleeSaves[k]!)) }, buf);
      if (this.fixedSlots > 0) this.e({ kind: 'mov_rr', size: 8, src: rbp, dst: rsp }, buf);
    } else if (this.fixedSlots > 0 || f.stackSize > 0) {
      this.e({ kind: 'mov_rr', size: 8, src: rbp, dst: rsp }, buf);
    }
    this.e({ kind: 'pop', dst: rbp }, buf);
    this.e({ kind: 'ret', popBytes: 0 }, buf);
  }

  private spillAddr(slot: number): Amode {
    return mem(rsp, this.info.frame.spillAreaOffset + slot * 8);
  }

  emitMove(from: Allocation, to: Allocation, buf: Buf): void {
    if (from >= 0 && to >= 0) {
      if (from === to) return;
      if (pregClass(from) === RegClass.Int) encMovRR(buf, 8, g(pregHwEnc(from)), g(pregHwEnc(to)));
      else this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: x(pregHwEnc(from)) }, dst: x(pregHwEnc(to)) }, buf);
    } else if (from >= 0) {
      const a = this.spillAddr(~to);
      if (pregClass(from) === RegClass.Int) encStore(buf, 8, g(pregHwEnc(from)), a);
      else this.e({ kind: 'xmm_store', op: 'movups', src: x(pregHwEnc(from)), dst: a }, buf);
    } else if (to >= 0) {
      const a = this.spillAddr(~from);
      if (pregClass(to) === RegClass.Int) encLoad(buf, 8, a, g(pregHwEnc(to)));
      else this.e({ kind: 'xmm_mov', op: 'movups', src: { kind: 'mem', addr: a }, dst: x(pregHwEnc(to)) }, buf);
    } else {
      throw new Error('x64 emit: a stack-to-stack move from the register allocator');
    }
  }

  emitJump(label: MachLabel, buf: Buf): void {
    encJmp(buf, label);
  }

  // ---- Instructions ---------------------------------------------------------------

  emitInst(m: MInst, buf: Buf): void {
    switch (m.kind) {
      // Control flow first: a string switch is a chain of comparisons, and
      // jumps, traps and calls are about a third of all MInsts.
      case 'jmp':
        encJmp(buf, blockLabel(m.target));
        return;
      case 'jcond':
        if (m.cc2 === undefined) {
          encJcond(buf, m.cc, blockLabel(m.taken), blockLabel(m.notTaken));
        } else if (m.combine === 'and') {
          encJcc(buf, (m.cc2 ^ 1) as CC, blockLabel(m.notTaken));
          encJcond(buf, m.cc, blockLabel(m.taken), blockLabel(m.notTaken));
        } else {
          encJcc(buf, m.cc, blockLabel(m.taken));
          encJcond(buf, m.cc2, blockLabel(m.taken), blockLabel(m.notTaken));
        }
        return;
      case 'jmp_table':
        this.emitJumpTable(m, buf);
        return;
      case 'call':
        if (m.target.kind === 'reg') {
          this.e({ kind: 'call_ind', target: { kind: 'reg', reg: g(m.target.reg) } }, buf);
        } else if (m.target.colocated) {
          this.e({ kind: 'call', target: { kind: 'name', name: m.target.name } }, buf);
        } else {
          const at = buf.curOffset();
          this.e({ kind: 'movabs', imm: 0n, dst: GS }, buf);
          buf.addRelocAtOffset(at + 2, 'Abs8', { kind: 'name', name: m.target.name }, 0);
          this.e({ kind: 'call_ind', target: { kind: 'reg', reg: GS } }, buf);
        }
        return;
      case 'trap':
        this.trapSite(undefined, m.code, buf);
        return;
      case 'trap_if':
        this.trapSite(m.cc, m.code, buf);
        return;
      case 'args':
      case 'undef':
        return;
      case 'ret':
        this.emitEpilogue(buf);
        return;
      case 'mov_rr':
        if (m.size === 8 && m.src === m.dst) return;
        encMovRR(buf, m.size, g(m.src), g(m.dst));
        return;
      case 'mov_ri':
        encMovRI(buf, m.size, m.imm, g(m.dst));
        return;
      case 'movabs':
        this.e({ kind: 'movabs', imm: m.imm, dst: g(m.dst) }, buf);
        return;
      case 'load':
        encLoad(buf, m.size, this.amode(m.src, buf), g(m.dst));
        return;
      case 'movzx':
        encExtend(buf, false, m.ext, this.rm(m.src, buf), g(m.dst));
        return;
      case 'movsx':
        encExtend(buf, true, m.ext, this.rm(m.src, buf), g(m.dst));
        return;
      case 'store':
        encStore(buf, m.size, g(m.src), this.amode(m.dst, buf));
        return;
      case 'store_imm':
        this.e({ kind: 'store_imm', size: m.size, imm: m.imm, dst: this.amode(m.dst, buf) }, buf);
        return;
      case 'lea':
        encLea(buf, m.size, this.amode(m.src, buf), g(m.dst));
        return;
      case 'get_sp':
        this.e({ kind: 'mov_rr', size: 8, src: rsp, dst: g(m.dst) }, buf);
        return;
      case 'func_addr': {
        const dst = m.dst;
        if (m.colocated) {
          // lea dst, [rip + disp32] with an X86PCRel4 relocation: REX.W(+R) 8D /r, mod 00 rm 101.
          buf.put1(0x48 | (dst >= 8 ? 4 : 0));
          buf.put1(0x8d);
          buf.put1(((dst & 7) << 3) | 5);
          buf.addReloc('X86PCRel4', { kind: 'name', name: m.name }, -4);
          buf.put4(0);
        } else {
          const at = buf.curOffset();
          this.e({ kind: 'movabs', imm: 0n, dst: g(dst) }, buf);
          buf.addRelocAtOffset(at + 2, 'Abs8', { kind: 'name', name: m.name }, 0);
        }
        return;
      }
      case 'alu':
        check(m.dst === m.src1, m);
        encAlu(buf, m.op, m.size, this.rmi(m.src2, buf), g(m.dst));
        return;
      case 'cmp':
        encAlu(buf, 'cmp', m.size, this.rmi(m.rhs, buf), g(m.lhs));
        return;
      case 'test':
        encTest(buf, m.size, this.rmi(m.rhs, buf), g(m.lhs));
        return;
      case 'imul':
        check(m.dst === m.src1, m);
        this.e({ kind: 'imul', size: m.size, src: this.rm(m.src2, buf), dst: g(m.dst) }, buf);
        return;
      case 'imul_imm':
        this.e({ kind: 'imul_imm', size: m.size, src: this.rm(m.src, buf), imm: m.imm, dst: g(m.dst) }, buf);
        return;
      case 'mul_wide':
        check(m.src1 === rax && m.lo === rax && m.hi === rdx, m);
        this.e({ kind: 'mul_div', op: m.op, size: m.size, src: { kind: 'reg', reg: g(m.src2) } }, buf);
        return;
      case 'div_seq':
        this.emitDiv(m, buf);
        return;
      case 'unary':
        check(m.dst === m.src, m);
        this.e({ kind: 'unary', op: m.op, size: m.size, reg: g(m.dst) }, buf);
        return;
      case 'shift':
        check(m.dst === m.src, m);
        this.e({ kind: 'shift', op: m.op, size: m.size, amount: m.amount, dst: g(m.dst) }, buf);
        return;
      case 'shift_cl':
        check(m.dst === m.src && m.amount === 1, m);
        this.e({ kind: 'shift', op: m.op, size: m.size, amount: 'cl', dst: g(m.dst) }, buf);
        return;
      case 'bit_count':
        this.e({ kind: 'bit_count', op: m.op, size: m.size, src: this.rm(m.src, buf), dst: g(m.dst) }, buf);
        return;
      case 'bswap':
        check(m.dst === m.src, m);
        this.e({ kind: 'bswap', size: m.size, reg: g(m.dst) }, buf);
        return;
      case 'setcc':
        this.e({ kind: 'setcc', cc: m.cc, dst: g(m.dst) }, buf);
        return;
      case 'setcc2':
        this.e({ kind: 'setcc', cc: m.cc1, dst: g(m.dst) }, buf);
        this.e({ kind: 'setcc', cc: m.cc2, dst: GS }, buf);
        this.e({ kind: 'alu', op: m.combine, size: 4, src: { kind: 'reg', reg: GS }, dst: g(m.dst) }, buf);
        this.e({ kind: 'movzx', ext: 'bl', src: { kind: 'reg', reg: g(m.dst) }, dst: g(m.dst) }, buf);
        return;
      case 'cmov': {
        check(m.dst === m.src1, m);
        const src = this.rm(m.src2, buf);
        this.e({ kind: 'cmov', cc: m.cc, size: m.size, src, dst: g(m.dst) }, buf);
        if (m.cc2 !== undefined) this.e({ kind: 'cmov', cc: m.cc2, size: m.size, src, dst: g(m.dst) }, buf);
        return;
      }
      case 'xmm_mov_rr':
        if (m.src !== m.dst) this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: x(m.src) }, dst: x(m.dst) }, buf);
        return;
      case 'xmm_load':
        this.e({ kind: 'xmm_mov', op: m.op, src: { kind: 'mem', addr: this.amode(m.src, buf) }, dst: x(m.dst) }, buf);
        return;
      case 'xmm_store':
        this.e({ kind: 'xmm_store', op: m.op, src: x(m.src), dst: this.amode(m.dst, buf) }, buf);
        return;
      case 'xmm_const':
        if (m.bits === 0n) this.e({ kind: 'xmm_rm_r', op: 'xorps', src: { kind: 'reg', reg: x(m.dst) }, dst: x(m.dst) }, buf);
        else this.e({ kind: 'xmm_mov', op: m.size === 4 ? 'movss' : 'movsd', src: this.cmem(m.bits, m.size, buf), dst: x(m.dst) }, buf);
        return;
      case 'gpr_to_xmm':
        this.e({ kind: 'gpr_to_xmm', size: m.size, src: this.rm(m.src, buf), dst: x(m.dst) }, buf);
        return;
      case 'xmm_to_gpr':
        this.e({ kind: 'xmm_to_gpr', size: m.size, src: x(m.src), dst: g(m.dst) }, buf);
        return;
      case 'xmm_bin':
        check(m.dst === m.src1, m);
        this.e({ kind: 'xmm_rm_r', op: m.op, src: this.xm(m.src2, buf), dst: x(m.dst) }, buf);
        return;
      case 'xmm_bin_vex':
        this.e({ kind: 'xmm_rm_r_vex', op: m.op, src1: x(m.src1), src2: this.xm(m.src2, buf), dst: x(m.dst) }, buf);
        return;
      case 'xmm_un':
        this.e({ kind: 'xmm_rm_r', op: m.op, src: this.xm(m.src, buf), dst: x(m.dst) }, buf);
        return;
      case 'xmm_cmp':
        this.e({ kind: 'xmm_cmp', op: m.op, src: this.xm(m.rhs, buf), dst: x(m.lhs) }, buf);
        return;
      case 'xmm_round':
        this.e({ kind: 'xmm_round', op: m.op, mode: m.mode, src: this.xm(m.src, buf), dst: x(m.dst) }, buf);
        return;
      case 'cvt_i2f':
        this.e({ kind: 'cvt_int_to_float', op: m.op, srcSize: m.srcSize, src: this.rm(m.src, buf), dst: x(m.dst) }, buf);
        return;
      case 'xmm_minmax_seq':
        this.emitMinMax(m, buf);
        return;
      case 'cvt_f2i_seq':
        this.emitCvtF2I(m.cvt, x(m.src), g(m.dst), buf);
        return;
      case 'cvt_u64_f_seq':
        this.emitCvtU64(m, buf);
        return;
      case 'round_seq':
        this.emitRound(m.size, m.mode, x(m.src), x(m.dst), buf);
        return;
      case 'xmm_cmove': {
        check(m.dst === m.src1, m);
        const skip = buf.getLabel();
        if (m.cc2 === undefined) {
          this.e({ kind: 'jcc', cc: (m.cc ^ 1) as CC, target: skip }, buf);
        } else {
          const doMove = buf.getLabel();
          this.e({ kind: 'jcc', cc: m.cc, target: doMove }, buf);
          this.e({ kind: 'jcc', cc: (m.cc2 ^ 1) as CC, target: skip }, buf);
          buf.bindLabel(doMove);
        }
        this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: x(m.src2) }, dst: x(m.dst) }, buf);
        buf.bindLabel(skip);
        return;
      }
      case 'fma':
        check(m.dst === m.a, m);
        if (m.hw) emitVfmadd132(buf, m.size, m.dst, m.b, m.c);
        else this.emitFmaF32(x(m.dst), x(m.b), x(m.c), buf);
        return;
    }
  }

  // ---- Sequences ----------------------------------------------------------------

  private emitDiv(m: MInst & { kind: 'div_seq' }, buf: Buf): void {
    const size = m.size;
    const d = g(m.divisor);
    check(m.dividend === rax && m.dst === (m.rem ? rdx : rax) && m.other === (m.rem ? rax : rdx), m);
    this.e({ kind: 'test', size, src: { kind: 'reg', reg: d }, dst: d }, buf);
    this.trapSite(CC.E, TrapCode.INTEGER_DIVISION_BY_ZERO, buf);
    if (!m.signed) {
      this.e({ kind: 'alu', op: 'xor', size: 4, src: { kind: 'reg', reg: rdx }, dst: rdx }, buf);
      this.e({ kind: 'mul_div', op: 'div', size, src: { kind: 'reg', reg: d } }, buf);
      return;
    }
    const done = buf.getLabel();
    if (!(m.rem && m.narrowBits !== 0)) {
      const doDiv = buf.getLabel();
      this.e({ kind: 'alu', op: 'cmp', size, src: { kind: 'imm', imm: -1 }, dst: d }, buf);
      this.e({ kind: 'jcc', cc: CC.NE, target: doDiv }, buf);
      if (m.rem) {
        // x % -1 = 0, and idiv would fault on MIN % -1.
        this.e({ kind: 'alu', op: 'xor', size: 4, src: { kind: 'reg', reg: rdx }, dst: rdx }, buf);
        this.e({ kind: 'jmp', target: done }, buf);
      } else if (m.narrowBits !== 0) {
        // Widened i8/i16: the narrow MIN / -1 overflows the narrow type.
        this.e({ kind: 'alu', op: 'cmp', size: 4, src: { kind: 'imm', imm: -(1 << (m.narrowBits - 1)) }, dst: rax }, buf);
        this.trapSite(CC.E, TrapCode.INTEGER_OVERFLOW, buf);
      } else {
        // MIN - 1 is the only subtraction of 1 that overflows: MIN / -1.
        this.e({ kind: 'alu', op: 'cmp', size, src: { kind: 'imm', imm: 1 }, dst: rax }, buf);
        this.trapSite(CC.O, TrapCode.INTEGER_OVERFLOW, buf);
      }
      buf.bindLabel(doDiv);
    }
    this.e({ kind: 'sign_extend_rax', size }, buf);
    this.e({ kind: 'mul_div', op: 'idiv', size, src: { kind: 'reg', reg: d } }, buf);
    buf.bindLabel(done);
  }

  private ucomis(size: 4 | 8, a: Xmm, b: XmmMem, buf: Buf): void {
    this.e({ kind: 'xmm_cmp', op: size === 4 ? 'ucomiss' : 'ucomisd', src: b, dst: a }, buf);
  }
  private cvtt(size: 4 | 8, dstSize: 4 | 8, src: Xmm, dst: Gpr, buf: Buf): void {
    this.e({ kind: 'cvt_float_to_int', op: size === 4 ? 'cvttss2si' : 'cvttsd2si', dstSize, src: { kind: 'reg', reg: src }, dst }, buf);
  }
  private zeroXS(buf: Buf): void {
    this.e({ kind: 'xmm_rm_r', op: 'xorps', src: { kind: 'reg', reg: XS }, dst: XS }, buf);
  }

  private emitMinMax(m: MInst & { kind: 'xmm_minmax_seq' }, buf: Buf): void {
    check(m.dst === m.lhs, m);
    const s = m.size;
    const dst = x(m.dst);
    const rhs: XmmMem = { kind: 'reg', reg: x(m.rhs) };
    const minmax = buf.getLabel();
    const nan = buf.getLabel();
    const done = buf.getLabel();
    this.ucomis(s, dst, rhs, buf);
    this.e({ kind: 'jcc', cc: CC.NE, target: minmax }, buf);
    this.e({ kind: 'jcc', cc: CC.P, target: nan }, buf);
    // Equal: ±0 are equal but differ in sign; or/and picks -0 for min, +0 for max.
    this.e({ kind: 'xmm_rm_r', op: m.isMin ? 'orps' : 'andps', src: rhs, dst }, buf);
    this.e({ kind: 'jmp', target: done }, buf);
    buf.bindLabel(nan);
    // An add of a NaN operand yields the first NaN operand, quieted.
    this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'addss' : 'addsd', src: rhs, dst }, buf);
    this.e({ kind: 'jmp', target: done }, buf);
    buf.bindLabel(minmax);
    this.e({ kind: 'xmm_rm_r', op: m.isMin ? (s === 4 ? 'minss' : 'minsd') : s === 4 ? 'maxss' : 'maxsd', src: rhs, dst }, buf);
    buf.bindLabel(done);
  }

  private emitCvtF2I(c: CvtF2I, src: Xmm, dst: Gpr, buf: Buf): void {
    const s = c.srcSize;
    const n = c.dstBits;
    const wide = n >= 32;
    const dsize: 4 | 8 = n === 64 ? 8 : 4;
    const done = buf.getLabel();
    const two = (k: number): XmmMem => this.fconst(2 ** k, s, buf);
    if (c.signed && !c.sat && wide) {
      // Convert first; only MIN needs a closer look (NaN, overflow, or a genuine MIN).
      this.cvtt(s, dsize, src, dst, buf);
      this.e({ kind: 'alu', op: 'cmp', size: dsize, src: { kind: 'imm', imm: 1 }, dst }, buf);
      this.e({ kind: 'jcc', cc: CC.NO, target: done }, buf);
      this.ucomis(s, src, { kind: 'reg', reg: src }, buf);
      this.trapSite(CC.P, TrapCode.BAD_CONVERSION_TO_INTEGER, buf);
      const lo = -(2 ** (n - 1)) - 1;
      if (isExact(lo, s) && n < 64) {
        this.ucomis(s, src, this.fconst(lo, s, buf), buf);
        this.trapSite(CC.BE, TrapCode.INTEGER_OVERFLOW, buf);
      } else {
        this.ucomis(s, src, this.fconst(-(2 ** (n - 1)), s, buf), buf);
        this.trapSite(CC.B, TrapCode.INTEGER_OVERFLOW, buf);
      }
      this.zeroXS(buf);
      this.ucomis(s, src, { kind: 'reg', reg: XS }, buf);
      this.trapSite(CC.AE, TrapCode.INTEGER_OVERFLOW, buf);
      buf.bindLabel(done);
      return;
    }
    if (!c.sat) {
      // Check first, then convert: NaN, below the range, at or above it.
      this.ucomis(s, src, { kind: 'reg', reg: src }, buf);
      this.trapSite(CC.P, TrapCode.BAD_CONVERSION_TO_INTEGER, buf);
      const lo = c.signed ? -(2 ** (n - 1)) - 1 : -1;
      this.ucomis(s, src, this.fconst(lo, s, buf), buf);
      this.trapSite(CC.BE, TrapCode.INTEGER_OVERFLOW, buf);
      if (c.signed || n < 64) {
        this.ucomis(s, src, two(c.signed ? n - 1 : n), buf);
        this.trapSite(CC.AE, TrapCode.INTEGER_OVERFLOW, buf);
        this.cvtt(s, c.signed ? 4 : 8, src, dst, buf);
      } else {
        this.emitU64Convert(s, src, dst, buf, () => this.trapSite(CC.AE, TrapCode.INTEGER_OVERFLOW, buf), done);
      }
      buf.bindLabel(done);
      return;
    }
    if (c.signed && wide) {
      this.cvtt(s, dsize, src, dst, buf);
      this.e({ kind: 'alu', op: 'cmp', size: dsize, src: { kind: 'imm', imm: 1 }, dst }, buf);
      this.e({ kind: 'jcc', cc: CC.NO, target: done }, buf);
      const notNan = buf.getLabel();
      this.ucomis(s, src, { kind: 'reg', reg: src }, buf);
      this.e({ kind: 'jcc', cc: CC.NP, target: notNan }, buf);
      this.e({ kind: 'alu', op: 'xor', size: 4, src: { kind: 'reg', reg: dst }, dst }, buf);
      this.e({ kind: 'jmp', target: done }, buf);
      buf.bindLabel(notNan);
      this.zeroXS(buf);
      this.ucomis(s, src, { kind: 'reg', reg: XS }, buf);
      this.e({ kind: 'jcc', cc: CC.B, target: done }, buf);
      this.e({ kind: 'unary', op: 'not', size: dsize, reg: dst }, buf); // MIN → MAX
      buf.bindLabel(done);
      return;
    }
    // Saturating, narrow signed or any unsigned: 0, then clamp by range.
    const max = buf.getLabel();
    this.e({ kind: 'alu', op: 'xor', size: 4, src: { kind: 'reg', reg: dst }, dst }, buf);
    this.ucomis(s, src, { kind: 'reg', reg: src }, buf);
    this.e({ kind: 'jcc', cc: CC.P, target: done }, buf);
    let min: MachLabel | undefined;
    if (c.signed) {
      min = buf.getLabel();
      this.ucomis(s, src, this.fconst(-(2 ** (n - 1)), s, buf), buf);
      this.e({ kind: 'jcc', cc: CC.BE, target: min }, buf);
      this.ucomis(s, src, this.fconst(2 ** (n - 1) - 1, s, buf), buf);
      this.e({ kind: 'jcc', cc: CC.AE, target: max }, buf);
      this.cvtt(s, 4, src, dst, buf);
    } else {
      this.zeroXS(buf);
      this.ucomis(s, src, { kind: 'reg', reg: XS }, buf);
      this.e({ kind: 'jcc', cc: CC.BE, target: done }, buf);
      if (n < 64) {
        this.ucomis(s, src, two(n), buf);
        this.e({ kind: 'jcc', cc: CC.AE, target: max }, buf);
        this.cvtt(s, 8, src, dst, buf);
      } else {
        this.emitU64Convert(s, src, dst, buf, () => this.e({ kind: 'jcc', cc: CC.AE, target: max }, buf), done);
      }
    }
    this.e({ kind: 'jmp', target: done }, buf);
    if (min !== undefined) {
      buf.bindLabel(min);
      this.e({ kind: 'mov_ri', size: 4, imm: -(2 ** (n - 1)), dst }, buf);
      this.e({ kind: 'jmp', target: done }, buf);
    }
    buf.bindLabel(max);
    if (n === 64) this.e({ kind: 'mov_ri', size: 8, imm: c.signed ? 0 : -1, dst }, buf);
    else this.e({ kind: 'mov_ri', size: 4, imm: (c.signed ? 2 ** (n - 1) - 1 : 2 ** n - 1) | 0, dst }, buf);
    buf.bindLabel(done);
  }

  /**
   * src ∈ [0, 2^64) (checked by the caller below; `aboveRange` handles ≥ 2^64
   * after the flags of `ucomis src, 2^64`): below 2^63 a signed conversion;
   * above, convert src − 2^63 and set bit 63. Falls through to `done`'s caller.
   */
  private emitU64Convert(s: 4 | 8, src: Xmm, dst: Gpr, buf: Buf, aboveRange: () => void, done: MachLabel): void {
    const big = buf.getLabel();
    const two63 = this.fconst(2 ** 63, s, buf);
    this.ucomis(s, src, two63, buf);
    this.e({ kind: 'jcc', cc: CC.AE, target: big }, buf);
    this.cvtt(s, 8, src, dst, buf);
    this.e({ kind: 'jmp', target: done }, buf);
    buf.bindLabel(big);
    this.ucomis(s, src, this.fconst(2 ** 64, s, buf), buf);
    aboveRange();
    this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: src }, dst: XS }, buf);
    this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'subss' : 'subsd', src: this.fconst(2 ** 63, s, buf), dst: XS }, buf);
    this.cvtt(s, 8, XS, dst, buf);
    this.e({ kind: 'movabs', imm: 0x8000_0000_0000_0000n, dst: GS }, buf);
    this.e({ kind: 'alu', op: 'xor', size: 8, src: { kind: 'reg', reg: GS }, dst }, buf);
  }

  private emitCvtU64(m: MInst & { kind: 'cvt_u64_f_seq' }, buf: Buf): void {
    const src = g(m.src);
    const dst = x(m.dst);
    const tmp = g(m.tmp);
    const op = m.dstSize === 4 ? 'cvtsi2ss' : 'cvtsi2sd';
    const big = buf.getLabel();
    const done = buf.getLabel();
    this.e({ kind: 'test', size: 8, src: { kind: 'reg', reg: src }, dst: src }, buf);
    this.e({ kind: 'jcc', cc: CC.S, target: big }, buf);
    this.e({ kind: 'cvt_int_to_float', op, srcSize: 8, src: { kind: 'reg', reg: src }, dst }, buf);
    this.e({ kind: 'jmp', target: done }, buf);
    buf.bindLabel(big);
    // Halve with the lost low bit kept sticky, convert, double: one rounding.
    this.e({ kind: 'mov_rr', size: 8, src, dst: tmp }, buf);
    this.e({ kind: 'shift', op: 'shr', size: 8, amount: 1, dst: tmp }, buf);
    this.e({ kind: 'mov_rr', size: 4, src, dst: GS }, buf);
    this.e({ kind: 'alu', op: 'and', size: 4, src: { kind: 'imm', imm: 1 }, dst: GS }, buf);
    this.e({ kind: 'alu', op: 'or', size: 8, src: { kind: 'reg', reg: GS }, dst: tmp }, buf);
    this.e({ kind: 'cvt_int_to_float', op, srcSize: 8, src: { kind: 'reg', reg: tmp }, dst }, buf);
    this.e({ kind: 'xmm_rm_r', op: m.dstSize === 4 ? 'addss' : 'addsd', src: { kind: 'reg', reg: dst }, dst }, buf);
    buf.bindLabel(done);
  }

  private emitRound(s: 4 | 8, mode: RoundKind, src: Xmm, dst: Xmm, buf: Buf): void {
    const done = buf.getLabel();
    const nan = buf.getLabel();
    const sign = s === 4 ? 0x8000_0000n : 0x8000_0000_0000_0000n;
    const full = s === 4 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
    const limit = this.fconst(2 ** (s === 4 ? 23 : 52), s, buf);
    this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: src }, dst }, buf);
    this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: src }, dst: XS }, buf);
    this.e({ kind: 'xmm_rm_r', op: 'andps', src: this.cmem(~sign & full, 16, buf, s), dst: XS }, buf);
    this.ucomis(s, XS, limit, buf);
    this.e({ kind: 'jcc', cc: CC.P, target: nan }, buf);
    this.e({ kind: 'jcc', cc: CC.AE, target: done }, buf); // already integral (or infinite)
    if (mode === 'nearest') {
      // |x| + 2^p - 2^p rounds |x| to an integer, ties to even (MXCSR default).
      this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'addss' : 'addsd', src: this.fconst(2 ** (s === 4 ? 23 : 52), s, buf), dst: XS }, buf);
      this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'subss' : 'subsd', src: this.fconst(2 ** (s === 4 ? 23 : 52), s, buf), dst: XS }, buf);
    } else {
      this.e({ kind: 'cvt_float_to_int', op: s === 4 ? 'cvttss2si' : 'cvttsd2si', dstSize: 8, src: { kind: 'reg', reg: src }, dst: GS }, buf);
      this.e({ kind: 'cvt_int_to_float', op: s === 4 ? 'cvtsi2ss' : 'cvtsi2sd', srcSize: 8, src: { kind: 'reg', reg: GS }, dst: XS }, buf);
    }
    // Result = rounded magnitude with x's sign (keeps -0 for -0.4 etc.).
    this.e({ kind: 'xmm_rm_r', op: 'andps', src: this.cmem(sign, 16, buf, s), dst }, buf);
    this.e({ kind: 'xmm_rm_r', op: 'orps', src: { kind: 'reg', reg: XS }, dst }, buf);
    if (mode === 'floor') {
      this.ucomis(s, dst, { kind: 'reg', reg: src }, buf);
      this.e({ kind: 'jcc', cc: CC.BE, target: done }, buf);
      this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'subss' : 'subsd', src: this.fconst(1, s, buf), dst }, buf);
    } else if (mode === 'ceil') {
      this.ucomis(s, src, { kind: 'reg', reg: dst }, buf);
      this.e({ kind: 'jcc', cc: CC.BE, target: done }, buf);
      this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'addss' : 'addsd', src: this.fconst(1, s, buf), dst }, buf);
    }
    this.e({ kind: 'jmp', target: done }, buf);
    buf.bindLabel(nan);
    this.e({ kind: 'xmm_rm_r', op: s === 4 ? 'addss' : 'addsd', src: { kind: 'reg', reg: src }, dst }, buf);
    buf.bindLabel(done);
  }

  /** f32 fma without FMA: exact f64 product, f64 sum rounded to odd, one final rounding to f32. */
  private emitFmaF32(dst: Xmm, b: Xmm, c: Xmm, buf: Buf): void {
    const exact = buf.getLabel();
    const cNaN = buf.getLabel();
    const done = buf.getLabel();
    // A NaN addend: the product's NaN cases must not win over it unless a
    // or b is itself NaN (∞·0 + NaN is that NaN, as with hardware FMA).
    this.ucomis(4, c, { kind: 'reg', reg: c }, buf);
    this.e({ kind: 'jcc', cc: CC.P, target: cNaN }, buf);
    this.e({ kind: 'xmm_rm_r', op: 'cvtss2sd', src: { kind: 'reg', reg: b }, dst: XS }, buf);
    this.e({ kind: 'xmm_rm_r', op: 'cvtss2sd', src: { kind: 'reg', reg: dst }, dst }, buf);
    this.e({ kind: 'xmm_rm_r', op: 'mulsd', src: { kind: 'reg', reg: XS }, dst }, buf);
    this.e({ kind: 'xmm_rm_r', op: 'cvtss2sd', src: { kind: 'reg', reg: c }, dst: XS }, buf);
    // MXCSR: save, set round-toward-zero (bits 13–14) and clear the precision flag (bit 5).
    this.e({ kind: 'alu', op: 'sub', size: 8, src: { kind: 'imm', imm: 8 }, dst: rsp }, buf);
    emitMxcsr(buf, 'st', mem(rsp, 0));
    this.e({ kind: 'load', size: 4, src: mem(rsp, 0), dst: GS }, buf);
    this.e({ kind: 'alu', op: 'or', size: 4, src: { kind: 'imm', imm: 0x6000 }, dst: GS }, buf);
    this.e({ kind: 'alu', op: 'and', size: 4, src: { kind: 'imm', imm: ~0x20 }, dst: GS }, buf);
    this.e({ kind: 'store', size: 4, src: GS, dst: mem(rsp, 4) }, buf);
    emitMxcsr(buf, 'ld', mem(rsp, 4));
    this.e({ kind: 'xmm_rm_r', op: 'addsd', src: { kind: 'reg', reg: XS }, dst }, buf);
    emitMxcsr(buf, 'st', mem(rsp, 4));
    this.e({ kind: 'load', size: 4, src: mem(rsp, 4), dst: GS }, buf);
    emitMxcsr(buf, 'ld', mem(rsp, 0));
    this.e({ kind: 'alu', op: 'add', size: 8, src: { kind: 'imm', imm: 8 }, dst: rsp }, buf);
    this.e({ kind: 'test', size: 4, src: { kind: 'imm', imm: 0x20 }, dst: GS }, buf);
    this.e({ kind: 'jcc', cc: CC.E, target: exact }, buf);
    // Inexact: force the last bit (round to odd).
    this.e({ kind: 'xmm_to_gpr', size: 8, src: dst, dst: GS }, buf);
    this.e({ kind: 'alu', op: 'or', size: 8, src: { kind: 'imm', imm: 1 }, dst: GS }, buf);
    this.e({ kind: 'gpr_to_xmm', size: 8, src: { kind: 'reg', reg: GS }, dst }, buf);
    buf.bindLabel(exact);
    this.e({ kind: 'xmm_rm_r', op: 'cvtsd2ss', src: { kind: 'reg', reg: dst }, dst }, buf);
    this.e({ kind: 'jmp', target: done }, buf);
    // c is NaN: the first NaN of a, b, c, made quiet (NaN + NaN keeps the first).
    const quiet = buf.getLabel();
    buf.bindLabel(cNaN);
    this.ucomis(4, dst, { kind: 'reg', reg: dst }, buf);
    this.e({ kind: 'jcc', cc: CC.P, target: quiet }, buf);
    this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: b }, dst }, buf);
    this.ucomis(4, dst, { kind: 'reg', reg: dst }, buf);
    this.e({ kind: 'jcc', cc: CC.P, target: quiet }, buf);
    this.e({ kind: 'xmm_mov', op: 'movaps', src: { kind: 'reg', reg: c }, dst }, buf);
    buf.bindLabel(quiet);
    this.e({ kind: 'xmm_rm_r', op: 'addss', src: { kind: 'reg', reg: dst }, dst }, buf);
    buf.bindLabel(done);
  }

  private emitJumpTable(m: MInst & { kind: 'jmp_table' }, buf: Buf): void {
    const idx = g(m.idx);
    const t1 = g(m.tmp1);
    const t2 = g(m.tmp2);
    const n = m.targets.length;
    // The index, zero-extended to 64 bits: idx itself, or a copy in t2.
    let ix = idx;
    if (m.idxBits !== 64) {
      ix = t2;
      if (m.idxBits === 8 || m.idxBits === 16) this.e({ kind: 'movzx', ext: m.idxBits === 8 ? 'bl' : 'wl', src: { kind: 'reg', reg: idx }, dst: t2 }, buf);
      else this.e({ kind: 'mov_rr', size: 4, src: idx, dst: t2 }, buf);
    }
    this.e({ kind: 'alu', op: 'cmp', size: m.idxBits === 64 ? 8 : 4, src: { kind: 'imm', imm: n }, dst: ix }, buf);
    this.e({ kind: 'jcc', cc: CC.AE, target: blockLabel(m.defaultTarget) }, buf);
    const table = buf.getLabel();
    this.e({ kind: 'lea', size: 8, src: ripLabel(table), dst: t1 }, buf);
    this.e({ kind: 'movsx', ext: 'lq', src: { kind: 'mem', addr: memIndex(t1, ix, 2, 0) }, dst: t2 }, buf);
    this.e({ kind: 'alu', op: 'add', size: 8, src: { kind: 'reg', reg: t2 }, dst: t1 }, buf);
    this.e({ kind: 'jmp_ind', target: { kind: 'reg', reg: t1 } }, buf);
    buf.bindLabel(table);
    const start = buf.curOffset();
    for (const t of m.targets) {
      const at = buf.curOffset();
      // PCRel32 adds the stored bias: entry = target − use + (use − start) = target − start.
      buf.useLabelAtOffset(at, blockLabel(t), PCRel32);
      buf.put4(at - start);
    }
  }
}

/** `stmxcsr`/`ldmxcsr m32` (0F AE /3, /2). */
function emitMxcsr(buf: X64Sink, op: 'st' | 'ld', addr: Amode): void {
  emitRegMem(buf, Prefix.None, 0x0fae, 2, op === 'st' ? 3 : 2, addr, 0, 0);
}

/**
 * `vfmadd132ss/sd dst, c, b`: dst = dst·b + c (VEX.LIG.66.0F38.W0/W1 99 /r;
 * vvvv = c, r/m = b). The 132 form keeps the IR's operand order in the
 * multiplication, which is the order the hardware uses to pick which NaN
 * operand propagates (the 213 form would prefer `b` over `a`).
 */
function emitVfmadd132(buf: X64Sink, size: 4 | 8, dst: number, b: number, c: number): void {
  emitVexRm(buf, VexMap.M0F38, 1, 0x99, dst, c, { kind: 'reg', reg: b }, size === 8);
}

/**
 * The tail of a trap: record the runtime trap code, the trapping pc (in r10)
 * and the frame pointer in the store context (address at `storeCtxSlot`),
 * then return into the entry trampoline's trap exit.
 */
export function emitTrapTail(buf: X64Sink, rt: RuntimeAbi, runtimeCode: number, storeCtxSlot: Amode): void {
  emitPhys({ kind: 'load', size: 8, src: storeCtxSlot, dst: r11 }, buf);
  emitPhys({ kind: 'store_imm', size: 4, imm: runtimeCode, dst: mem(r11, rt.storeTrapCode) }, buf);
  emitPhys({ kind: 'store', size: 8, src: r10, dst: mem(r11, rt.storeTrapPc) }, buf);
  if (rt.storeTrapFp !== undefined) emitPhys({ kind: 'store', size: 8, src: rbp, dst: mem(r11, rt.storeTrapFp) }, buf);
  emitPhys({ kind: 'load', size: 8, src: mem(r11, rt.storeEntrySp), dst: rsp }, buf);
  emitPhys({ kind: 'ret', popBytes: 0 }, buf);
}

function check(ok: boolean, m: MInst): void {
  if (!ok) throw new Error(`x64 emit: register constraint violated in ${m.kind}`);
}
