/**
 * Trampolines between the host's array convention and the wasm calling
 * convention, emitted directly as machine code (not through IR).
 *
 * # Array-to-wasm (host → wasm entry)
 *
 * `int64_t entry(void *vmctx, void *callee, uint64_t *values, size_t count)`,
 * System V. Arguments come from `values` in 16-byte slots (slot j at
 * `values + 16·j`, in parameter order, skipping the callee's `vmctx`
 * parameter, which receives `vmctx`); results go back into the slots from
 * slot 0. Returns 0, or 1 when the callee trapped.
 *
 * ```text
 *   push rbp; mov rbp, rsp
 *   push rbx, r12, r13, r14, r15        ; every callee-saved GPR: a trap skips the callee's epilogues
 *   mov r12, values; mov r13, vmctx; mov r14, callee
 *   mov rbx, [vmctx + vmctxStoreContextOffset]
 *   push [rbx + storeEntrySp]           ; [rbp-48] previous entry_sp (re-entrancy)
 *   push rbx                            ; [rbp-56] store context
 *   lea rax, [rip + trap_exit]; push rax ; [rbp-64] = entry_sp: where a trap's `ret` lands
 *   mov [rbx + storeEntrySp], rsp
 *   sub rsp, args + return area; load the arguments; call r14; store the results
 *   xor eax, eax; lea rsp, [rbp-56]
 * resume:                               ; rsp = rbp-56 (both paths; rbp may be garbage after a trap)
 *   pop rcx; pop rdx; mov [rcx + storeEntrySp], rdx   ; restore the previous entry_sp
 *   pop r15, r14, r13, r12, rbx, rbp; ret
 * trap_exit:                            ; rsp = entry_sp + 8 = rbp-56
 *   mov eax, 1; jmp resume
 * ```
 *
 * rsp ≡ 8 (mod 16) at entry; after `push rbp` and seven more pushes it is
 * ≡ 0, and the argument area is a multiple of 16, so the `call` is aligned.
 *
 * # Wasm-to-array (wasm → host function)
 *
 * A function with the wasm signature whose vmctx parameter is a host
 * function context (`VMHostFuncContext`): it spills its arguments into
 * 16-byte slots on its stack, calls `hostCall(hostCtx, index, values,
 * count)` (System V; `count` = max(#params, #results)), and on status 0
 * loads the results from the slots into the result registers (or the return
 * area). On a non-zero status the host has already stored the trap code: it
 * records the trapping pc and unwinds like a trap: `rsp ← [storeCtx +
 * storeEntrySp]; ret`.
 */
import {
  CodegenError,
  CompiledCodeStencil,
  type MachBuffer,
  type MachLabel,
  type RuntimeAbi,
  type SigABI,
  pregHwEnc,
} from '@derrick/codegen';
import { F32, type Signature, type Type, isFloat } from '@derrick/codegen-ir';
import { computeSigABI } from './abi.js';
import { createX64Buffer, emit } from './emit.js';
import { CC, mem, ripLabel } from './inst.js';
import type { X64LabelUse } from './labeluse.js';
import { type Gpr, type Xmm, r10, r11, r12, r13, r14, r15, rax, rbp, rbx, rcx, rdi, rdx, rsi, rsp } from './regs.js';

type Buf = MachBuffer<X64LabelUse>;
const g = (n: number): Gpr => n as Gpr;
const x = (n: number): Xmm => n as Xmm;

function loadSlot(buf: Buf, type: Type, base: Gpr, disp: number, loc: SigABI['params'][number]['loc'], scratchBase: number): void {
  if (loc.kind === 'reg') {
    const r = pregHwEnc(loc.preg);
    if (isFloat(type)) emit({ kind: 'xmm_mov', op: type === F32 ? 'movss' : 'movsd', src: { kind: 'mem', addr: mem(base, disp) }, dst: x(r) }, buf);
    else emit({ kind: 'load', size: 8, src: mem(base, disp), dst: g(r) }, buf);
  } else {
    emit({ kind: 'load', size: 8, src: mem(base, disp), dst: rax }, buf);
    emit({ kind: 'store', size: 8, src: rax, dst: mem(rsp, scratchBase + loc.offset) }, buf);
  }
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

/** The host → wasm entry for callee signature `sig` (see the module comment). */
export function emitArrayToWasmTrampoline(sig: Signature, rt: RuntimeAbi): CompiledCodeStencil {
  const abi = computeSigABI(sig);
  if (abi.vmctxIndex < 0) throw new CodegenError('unsupported', 'an array-to-wasm trampoline needs a callee signature with a vmctx parameter');
  const buf = createX64Buffer();
  const trapExit = buf.getLabel();
  const resume = buf.getLabel();
  emit({ kind: 'push', src: rbp }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rsp, dst: rbp }, buf);
  for (const r of [rbx, r12, r13, r14, r15]) emit({ kind: 'push', src: r }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rdx, dst: r12 }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rdi, dst: r13 }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rsi, dst: r14 }, buf);
  emit({ kind: 'load', size: 8, src: mem(rdi, rt.vmctxStoreContextOffset), dst: rbx }, buf);
  pushMem(buf, mem(rbx, rt.storeEntrySp));
  emit({ kind: 'push', src: rbx }, buf);
  emit({ kind: 'lea', size: 8, src: ripLabel(trapExit), dst: rax }, buf);
  emit({ kind: 'push', src: rax }, buf);
  emit({ kind: 'store', size: 8, src: rsp, dst: mem(rbx, rt.storeEntrySp) }, buf);

  const area = abi.stackArgSize + abi.retAreaSize;
  if (area > 0) emit({ kind: 'alu', op: 'sub', size: 8, src: { kind: 'imm', imm: area }, dst: rsp }, buf);
  let slot = 0;
  abi.params.forEach((p, k) => {
    if (k === abi.vmctxIndex) {
      if (p.loc.kind === 'reg') emit({ kind: 'mov_rr', size: 8, src: r13, dst: g(pregHwEnc(p.loc.preg)) }, buf);
      else emit({ kind: 'store', size: 8, src: r13, dst: mem(rsp, p.loc.offset) }, buf);
    } else if (k === abi.retAreaPtrIndex) {
      if (p.loc.kind === 'reg') emit({ kind: 'lea', size: 8, src: mem(rsp, abi.stackArgSize), dst: g(pregHwEnc(p.loc.preg)) }, buf);
      else {
        emit({ kind: 'lea', size: 8, src: mem(rsp, abi.stackArgSize), dst: rax }, buf);
        emit({ kind: 'store', size: 8, src: rax, dst: mem(rsp, p.loc.offset) }, buf);
      }
    } else {
      loadSlot(buf, p.type, r12, 16 * slot++, p.loc, 0);
    }
  });
  emit({ kind: 'call_ind', target: { kind: 'reg', reg: r14 } }, buf);
  abi.rets.forEach((r, k) => {
    const dst = mem(r12, 16 * k);
    if (r.loc.kind === 'reg') {
      const hw = pregHwEnc(r.loc.preg);
      if (isFloat(r.type)) emit({ kind: 'xmm_store', op: r.type === F32 ? 'movss' : 'movsd', src: x(hw), dst }, buf);
      else emit({ kind: 'store', size: 8, src: g(hw), dst }, buf);
    } else {
      emit({ kind: 'load', size: 8, src: mem(rsp, abi.stackArgSize + r.loc.offset), dst: rcx }, buf);
      emit({ kind: 'store', size: 8, src: rcx, dst }, buf);
    }
  });
  emit({ kind: 'alu', op: 'xor', size: 4, src: { kind: 'reg', reg: rax }, dst: rax }, buf);
  emit({ kind: 'lea', size: 8, src: mem(rbp, -56), dst: rsp }, buf);
  buf.bindLabel(resume);
  emit({ kind: 'pop', dst: rcx }, buf);
  emit({ kind: 'pop', dst: rdx }, buf);
  emit({ kind: 'store', size: 8, src: rdx, dst: mem(rcx, rt.storeEntrySp) }, buf);
  for (const r of [r15, r14, r13, r12, rbx, rbp]) emit({ kind: 'pop', dst: r }, buf);
  emit({ kind: 'ret', popBytes: 0 }, buf);
  buf.bindLabel(trapExit);
  emit({ kind: 'mov_ri', size: 4, imm: 1, dst: rax }, buf);
  jumpTo(buf, resume);
  return finish(buf);
}

/** The wasm → host exit for signature `sig` (see the module comment). */
export function emitWasmToArrayTrampoline(sig: Signature, rt: RuntimeAbi): CompiledCodeStencil {
  const abi = computeSigABI(sig);
  if (abi.vmctxIndex < 0) throw new CodegenError('unsupported', 'a wasm-to-array trampoline needs a signature with a vmctx parameter');
  const buf = createX64Buffer();
  const nParams = sig.params.length - 1;
  const count = Math.max(nParams, sig.returns.length);
  // Slots, plus one 16-byte slot for the return-area pointer.
  const area = 16 * count + 16;
  const retPtrSlot = 16 * count;
  emit({ kind: 'push', src: rbp }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rsp, dst: rbp }, buf);
  emit({ kind: 'push', src: rbx }, buf);
  emit({ kind: 'push', src: r12 }, buf);
  emit({ kind: 'alu', op: 'sub', size: 8, src: { kind: 'imm', imm: area }, dst: rsp }, buf);
  let slot = 0;
  abi.params.forEach((p, k) => {
    const fromStack = p.loc.kind === 'stack' ? mem(rbp, 16 + p.loc.offset) : undefined;
    if (k === abi.vmctxIndex || k === abi.retAreaPtrIndex) {
      const dst = k === abi.vmctxIndex ? rbx : rax;
      if (p.loc.kind === 'reg') emit({ kind: 'mov_rr', size: 8, src: g(pregHwEnc(p.loc.preg)), dst }, buf);
      else emit({ kind: 'load', size: 8, src: fromStack!, dst }, buf);
      if (k === abi.retAreaPtrIndex) emit({ kind: 'store', size: 8, src: rax, dst: mem(rsp, retPtrSlot) }, buf);
      return;
    }
    const dst = mem(rsp, 16 * slot++);
    if (p.loc.kind === 'reg') {
      const hw = pregHwEnc(p.loc.preg);
      if (isFloat(p.type)) emit({ kind: 'xmm_store', op: p.type === F32 ? 'movss' : 'movsd', src: x(hw), dst }, buf);
      else emit({ kind: 'store', size: 8, src: g(hw), dst }, buf);
    } else {
      emit({ kind: 'load', size: 8, src: fromStack!, dst: r11 }, buf);
      emit({ kind: 'store', size: 8, src: r11, dst }, buf);
    }
  });
  emit({ kind: 'mov_rr', size: 8, src: rbx, dst: rdi }, buf);
  emit({ kind: 'load', size: 4, src: mem(rbx, rt.hostCtxIndex), dst: rsi }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rsp, dst: rdx }, buf);
  emit({ kind: 'mov_rr', size: 8, src: rsp, dst: r12 }, buf);
  emit({ kind: 'mov_ri', size: 4, imm: count, dst: rcx }, buf);
  emit({ kind: 'call_ind', target: { kind: 'mem', addr: mem(rbx, rt.hostCtxHostCall) } }, buf);
  emit({ kind: 'test', size: 8, src: { kind: 'reg', reg: rax }, dst: rax }, buf);
  const fail = buf.getLabel();
  emit({ kind: 'jcc', cc: CC.NE, target: fail }, buf);
  abi.rets.forEach((r, k) => {
    const src = mem(r12, 16 * k);
    if (r.loc.kind === 'reg') {
      const hw = pregHwEnc(r.loc.preg);
      if (isFloat(r.type)) emit({ kind: 'xmm_mov', op: r.type === F32 ? 'movss' : 'movsd', src: { kind: 'mem', addr: src }, dst: x(hw) }, buf);
      else emit({ kind: 'load', size: 8, src, dst: g(hw) }, buf);
    } else {
      emit({ kind: 'load', size: 8, src: mem(r12, retPtrSlot), dst: r10 }, buf);
      emit({ kind: 'load', size: 8, src, dst: r11 }, buf);
      emit({ kind: 'store', size: 8, src: r11, dst: mem(r10, r.loc.offset) }, buf);
    }
  });
  emit({ kind: 'lea', size: 8, src: mem(rbp, -16), dst: rsp }, buf);
  emit({ kind: 'pop', dst: r12 }, buf);
  emit({ kind: 'pop', dst: rbx }, buf);
  emit({ kind: 'pop', dst: rbp }, buf);
  emit({ kind: 'ret', popBytes: 0 }, buf);
  buf.bindLabel(fail);
  // The host stored the trap code. Record the pc (this instruction) and unwind.
  emit({ kind: 'load', size: 8, src: mem(rbx, rt.hostCtxStoreContext), dst: r11 }, buf);
  buf.putBytes([0x4c, 0x8d, 0x15]); // lea r10, [rip - 7]: the address of this lea
  buf.put4(-7);
  emit({ kind: 'store', size: 8, src: r10, dst: mem(r11, rt.storeTrapPc) }, buf);
  if (rt.storeTrapFp !== undefined) emit({ kind: 'store', size: 8, src: rbp, dst: mem(r11, rt.storeTrapFp) }, buf);
  emit({ kind: 'load', size: 8, src: mem(r11, rt.storeEntrySp), dst: rsp }, buf);
  emit({ kind: 'ret', popBytes: 0 }, buf);
  return finish(buf);
}

/** `push qword [addr]` (FF /6). */
function pushMem(buf: Buf, addr: ReturnType<typeof mem>): void {
  // The encoder has no push-from-memory form; go through rax.
  emit({ kind: 'load', size: 8, src: addr, dst: rax }, buf);
  emit({ kind: 'push', src: rax }, buf);
}

function jumpTo(buf: Buf, label: MachLabel): void {
  emit({ kind: 'jmp', target: label }, buf);
}
