/**
 * Trampolines between the host's array convention and the wasm calling
 * convention, AAPCS64 version, emitted directly as machine code.
 *
 * # Array-to-wasm (host → wasm entry)
 *
 * `int64_t entry(void *vmctx, void *callee, uint64_t *values, size_t count)`
 * (x0–x3). Arguments come from `values` in 16-byte slots (parameter order,
 * skipping the callee's `vmctx` parameter, which receives `vmctx`); results
 * go back into the slots from slot 0. Returns 0, or 1 when the callee trapped.
 *
 * ```text
 *   stp x29, x30, [sp, #-16]!; mov x29, sp
 *   sub sp, sp, #176                     ; entry frame, sp = x29 − 176 = entry_sp
 *     [sp+0]  trap exit address          ; where a trap's unwind lands (`ldr x9, [sp]; br x9`)
 *     [sp+8]  store context
 *     [sp+16] previous entry_sp          (re-entrancy)
 *     [sp+32..112)  x19–x28              ; every callee-saved register: a trap skips
 *     [sp+112..176) d8–d15               ;   the callee's epilogues
 *   x19 = values, x20 = vmctx, x21 = callee, x22 = store context
 *   [x22 + storeEntrySp] = sp
 *   sub sp, sp, #(stack args + return area); load the arguments; blr x21; store the results
 *   mov x0, #0; sub sp, x29, #176
 * resume:                                ; sp = entry_sp on both paths (x29 may be garbage after a trap)
 *   ldp x9, x10, [sp, #8]; str x10, [x9, #storeEntrySp]
 *   restore x19–x28, d8–d15; add sp, sp, #176; ldp x29, x30, [sp], #16; ret
 * trap_exit:
 *   mov x0, #1; b resume
 * ```
 *
 * # Wasm-to-array (wasm → host function)
 *
 * A function with the wasm signature whose vmctx parameter is a host
 * function context: it spills its arguments into 16-byte slots on its
 * stack, calls `hostCall(hostCtx, index, values, count)` (AAPCS64;
 * `count` = max(#params, #results)), and on status 0 loads the results into
 * the result registers (or the return area, whose pointer arrived in x8).
 * On a non-zero status the host has already stored the trap code: it records
 * the pc and fp and unwinds like a trap (`sp ← [storeCtx + storeEntrySp];
 * ldr x9, [sp]; br x9`).
 */
import { CodegenError, CompiledCodeStencil, type MachBuffer, type RuntimeAbi, type SigABI, pregHwEnc } from '@derrick/codegen';
import { F32, type Signature, type Type, isFloat } from '@derrick/codegen-ir';
import { computeSigABI } from './abi.js';
import { createAArch64Buffer, emit } from './emit.js';
import { Cond, type Inst, pairOffset, pairPostIndex, pairPreIndex } from './inst.js';
import type { AArch64LabelUse } from './labeluse.js';
import { type Gpr, type Vreg, sp, xzr } from './regs.js';
import { adrImm, emitConst, memAt, rawBranch } from './vcode-emit.js';

type Buf = MachBuffer<AArch64LabelUse>;
const g = (n: number): Gpr => n as Gpr;
const v = (n: number): Vreg => n as Vreg;
const FP = g(29);
const LR = g(30);
const X8 = g(8);
const X9 = g(9);
const X10 = g(10);
const X16 = g(16);
const X17 = g(17);
const X19 = g(19);
const X20 = g(20);
const X21 = g(21);
const X22 = g(22);
const ENTRY_FRAME = 176;

function e(i: Inst, buf: Buf): void {
  emit(i, buf);
}

function fsz(t: Type): 4 | 8 {
  return t === F32 ? 4 : 8;
}

function finish(buf: Buf): CompiledCodeStencil {
  const fin = buf.finish();
  return new CompiledCodeStencil({
    code: fin.data,
    relocs: [],
    traps: fin.traps.map((t) => ({ offset: t.offset, code: t.code })),
    callSites: fin.callSites.map((c) => ({ retAddr: c.retAddr })),
    srclocs: [],
    frameSize: 0,
    alignment: 16,
  });
}

function saveAll(buf: Buf, save: boolean): void {
  for (let k = 0; k < 5; k++) {
    const rt = g(19 + 2 * k);
    const rt2 = g(20 + 2 * k);
    e(save ? { kind: 'store_pair', size: 8, rt, rt2, addr: pairOffset(sp, 32 + 16 * k) } : { kind: 'load_pair', size: 8, rt, rt2, addr: pairOffset(sp, 32 + 16 * k) }, buf);
  }
  for (let k = 0; k < 4; k++) {
    const rt = v(8 + 2 * k);
    const rt2 = v(9 + 2 * k);
    e(
      save
        ? { kind: 'fpu_store_pair', size: 8, rt, rt2, addr: pairOffset(sp, 112 + 16 * k) }
        : { kind: 'fpu_load_pair', size: 8, rt, rt2, addr: pairOffset(sp, 112 + 16 * k) },
      buf,
    );
  }
}

/** The host → wasm entry for callee signature `sig` (see the module comment). */
export function emitArrayToWasmTrampoline(sig: Signature, rt: RuntimeAbi): CompiledCodeStencil {
  const abi = computeSigABI(sig);
  if (abi.vmctxIndex < 0) throw new CodegenError('unsupported', 'an array-to-wasm trampoline needs a callee signature with a vmctx parameter');
  const buf = createAArch64Buffer();
  const trapExit = buf.getLabel();
  const resume = buf.getLabel();
  e({ kind: 'store_pair', size: 8, rt: FP, rt2: LR, addr: pairPreIndex(sp, -16) }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: FP, rn: sp, imm12: 0, lsl12: false }, buf);
  e({ kind: 'alu_rr_imm12', op: 'sub', size: 8, rd: sp, rn: sp, imm12: ENTRY_FRAME, lsl12: false }, buf);
  saveAll(buf, true);
  e({ kind: 'mov', size: 8, rd: X19, rm: g(2) }, buf);
  e({ kind: 'mov', size: 8, rd: X20, rm: g(0) }, buf);
  e({ kind: 'mov', size: 8, rd: X21, rm: g(1) }, buf);
  e({ kind: 'load', op: 'ldr_x', rt: X22, addr: memAt(buf, X20, rt.vmctxStoreContextOffset, 8) }, buf);
  e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, X22, rt.storeEntrySp, 8) }, buf);
  e({ kind: 'store_pair', size: 8, rt: X22, rt2: X9, addr: pairOffset(sp, 8) }, buf);
  e({ kind: 'adr', rd: X9, label: trapExit }, buf);
  e({ kind: 'store', op: 'str_x', rt: X9, addr: { kind: 'offset', rn: sp, offset: 0 } }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: X9, rn: sp, imm12: 0, lsl12: false }, buf);
  e({ kind: 'store', op: 'str_x', rt: X9, addr: memAt(buf, X22, rt.storeEntrySp, 8) }, buf);

  const area = abi.stackArgSize + abi.retAreaSize;
  if (area > 0) {
    emitConst(buf, X9, BigInt(area));
    e({ kind: 'alu_rrr_extend', op: 'sub', size: 8, rd: sp, rn: sp, rm: X9, extend: 'uxtx', amount: 0 }, buf);
  }
  let slot = 0;
  abi.params.forEach((p, k) => {
    let src: Gpr | undefined;
    if (k === abi.vmctxIndex) src = X20;
    else if (k === abi.retAreaPtrIndex) {
      e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: X9, rn: sp, imm12: abi.stackArgSize, lsl12: false }, buf);
      src = X9;
    }
    if (src !== undefined) {
      if (p.loc.kind === 'reg') e({ kind: 'mov', size: 8, rd: g(pregHwEnc(p.loc.preg)), rm: src }, buf);
      else e({ kind: 'store', op: 'str_x', rt: src, addr: memAt(buf, sp, p.loc.offset, 8) }, buf);
      return;
    }
    const from = memAt(buf, X19, 16 * slot++, 8);
    if (p.loc.kind === 'reg') {
      const hw = pregHwEnc(p.loc.preg);
      if (isFloat(p.type)) e({ kind: 'fpu_load', size: fsz(p.type), rt: v(hw), addr: memAt(buf, X19, 16 * (slot - 1), fsz(p.type)) }, buf);
      else e({ kind: 'load', op: 'ldr_x', rt: g(hw), addr: from }, buf);
    } else {
      e({ kind: 'load', op: 'ldr_x', rt: X9, addr: from }, buf);
      e({ kind: 'store', op: 'str_x', rt: X9, addr: memAt(buf, sp, p.loc.offset, 8) }, buf);
    }
  });
  e({ kind: 'call_ind', rn: X21 }, buf);
  abi.rets.forEach((r, k) => {
    if (r.loc.kind === 'reg') {
      const hw = pregHwEnc(r.loc.preg);
      if (isFloat(r.type)) e({ kind: 'fpu_store', size: fsz(r.type), rt: v(hw), addr: memAt(buf, X19, 16 * k, fsz(r.type)) }, buf);
      else e({ kind: 'store', op: 'str_x', rt: g(hw), addr: memAt(buf, X19, 16 * k, 8) }, buf);
    } else {
      e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, sp, abi.stackArgSize + r.loc.offset, 8) }, buf);
      e({ kind: 'store', op: 'str_x', rt: X9, addr: memAt(buf, X19, 16 * k, 8) }, buf);
    }
  });
  emitConst(buf, g(0), 0n);
  e({ kind: 'alu_rr_imm12', op: 'sub', size: 8, rd: sp, rn: FP, imm12: ENTRY_FRAME, lsl12: false }, buf);
  buf.bindLabel(resume);
  e({ kind: 'load_pair', size: 8, rt: X9, rt2: X10, addr: pairOffset(sp, 8) }, buf);
  e({ kind: 'store', op: 'str_x', rt: X10, addr: memAt(buf, X9, rt.storeEntrySp, 8) }, buf);
  saveAll(buf, false);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: sp, rn: sp, imm12: ENTRY_FRAME, lsl12: false }, buf);
  e({ kind: 'load_pair', size: 8, rt: FP, rt2: LR, addr: pairPostIndex(sp, 16) }, buf);
  e({ kind: 'ret' }, buf);
  buf.bindLabel(trapExit);
  emitConst(buf, g(0), 1n);
  rawBranch(buf, undefined, resume);
  return finish(buf);
}

/** The wasm → host exit for signature `sig` (see the module comment). */
export function emitWasmToArrayTrampoline(sig: Signature, rt: RuntimeAbi): CompiledCodeStencil {
  const abi: SigABI = computeSigABI(sig);
  if (abi.vmctxIndex < 0) throw new CodegenError('unsupported', 'a wasm-to-array trampoline needs a signature with a vmctx parameter');
  const buf = createAArch64Buffer();
  const nParams = sig.params.length - 1;
  const count = Math.max(nParams, sig.returns.length);
  const area = 16 * count + 16;
  const retPtrSlot = 16 * count;
  e({ kind: 'store_pair', size: 8, rt: FP, rt2: LR, addr: pairPreIndex(sp, -16) }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: FP, rn: sp, imm12: 0, lsl12: false }, buf);
  e({ kind: 'store_pair', size: 8, rt: X19, rt2: X20, addr: pairPreIndex(sp, -16) }, buf);
  emitConst(buf, X9, BigInt(area));
  e({ kind: 'alu_rrr_extend', op: 'sub', size: 8, rd: sp, rn: sp, rm: X9, extend: 'uxtx', amount: 0 }, buf);
  let slot = 0;
  abi.params.forEach((p, k) => {
    const fromStack = p.loc.kind === 'stack' ? p.loc.offset + 16 : -1;
    if (k === abi.vmctxIndex || k === abi.retAreaPtrIndex) {
      const dst = k === abi.vmctxIndex ? X19 : X9;
      if (p.loc.kind === 'reg') e({ kind: 'mov', size: 8, rd: dst, rm: g(pregHwEnc(p.loc.preg)) }, buf);
      else e({ kind: 'load', op: 'ldr_x', rt: dst, addr: memAt(buf, FP, fromStack, 8) }, buf);
      if (k === abi.retAreaPtrIndex) e({ kind: 'store', op: 'str_x', rt: X9, addr: memAt(buf, sp, retPtrSlot, 8) }, buf);
      return;
    }
    const off = 16 * slot++;
    if (p.loc.kind === 'reg') {
      const hw = pregHwEnc(p.loc.preg);
      if (isFloat(p.type)) e({ kind: 'fpu_store', size: fsz(p.type), rt: v(hw), addr: memAt(buf, sp, off, fsz(p.type)) }, buf);
      else e({ kind: 'store', op: 'str_x', rt: g(hw), addr: memAt(buf, sp, off, 8) }, buf);
    } else {
      e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, FP, fromStack, 8) }, buf);
      e({ kind: 'store', op: 'str_x', rt: X9, addr: memAt(buf, sp, off, 8) }, buf);
    }
  });
  e({ kind: 'mov', size: 8, rd: g(0), rm: X19 }, buf);
  e({ kind: 'load', op: 'ldr_w', rt: g(1), addr: memAt(buf, X19, rt.hostCtxIndex, 4) }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: g(2), rn: sp, imm12: 0, lsl12: false }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: X20, rn: sp, imm12: 0, lsl12: false }, buf);
  emitConst(buf, g(3), BigInt(count));
  e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, X19, rt.hostCtxHostCall, 8) }, buf);
  e({ kind: 'call_ind', rn: X9 }, buf);
  e({ kind: 'alu_rr_imm12', op: 'subs', size: 8, rd: xzr, rn: g(0), imm12: 0, lsl12: false }, buf);
  const fail = buf.getLabel();
  rawBranch(buf, Cond.Ne, fail);
  abi.rets.forEach((r, k) => {
    if (r.loc.kind === 'reg') {
      const hw = pregHwEnc(r.loc.preg);
      if (isFloat(r.type)) e({ kind: 'fpu_load', size: fsz(r.type), rt: v(hw), addr: memAt(buf, X20, 16 * k, fsz(r.type)) }, buf);
      else e({ kind: 'load', op: 'ldr_x', rt: g(hw), addr: memAt(buf, X20, 16 * k, 8) }, buf);
    } else {
      e({ kind: 'load', op: 'ldr_x', rt: X10, addr: memAt(buf, X20, retPtrSlot, 8) }, buf);
      e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, X20, 16 * k, 8) }, buf);
      e({ kind: 'store', op: 'str_x', rt: X9, addr: memAt(buf, X10, r.loc.offset, 8) }, buf);
    }
  });
  e({ kind: 'alu_rr_imm12', op: 'sub', size: 8, rd: sp, rn: FP, imm12: 16, lsl12: false }, buf);
  e({ kind: 'load_pair', size: 8, rt: X19, rt2: X20, addr: pairPostIndex(sp, 16) }, buf);
  e({ kind: 'load_pair', size: 8, rt: FP, rt2: LR, addr: pairPostIndex(sp, 16) }, buf);
  e({ kind: 'ret' }, buf);
  buf.bindLabel(fail);
  // The host stored the trap code. Record the pc (this adr) and fp, and unwind.
  e({ kind: 'load', op: 'ldr_x', rt: X16, addr: memAt(buf, X19, rt.hostCtxStoreContext, 8) }, buf);
  adrImm(buf, X17, 0);
  e({ kind: 'store', op: 'str_x', rt: X17, addr: memAt(buf, X16, rt.storeTrapPc, 8) }, buf);
  if (rt.storeTrapFp !== undefined) e({ kind: 'store', op: 'str_x', rt: FP, addr: memAt(buf, X16, rt.storeTrapFp, 8) }, buf);
  e({ kind: 'load', op: 'ldr_x', rt: X9, addr: memAt(buf, X16, rt.storeEntrySp, 8) }, buf);
  e({ kind: 'alu_rr_imm12', op: 'add', size: 8, rd: sp, rn: X9, imm12: 0, lsl12: false }, buf);
  e({ kind: 'load', op: 'ldr_x', rt: X9, addr: { kind: 'offset', rn: sp, offset: 0 } }, buf);
  e({ kind: 'jump_ind', rn: X9 }, buf);
  void X8;
  return finish(buf);
}
