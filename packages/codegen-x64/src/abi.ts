/**
 * The x86-64 calling conventions and register environment.
 *
 * # Argument and result locations (`computeSigABI`)
 *
 * `system_v` (the C ABI) and the IR's internal conventions (`fast`, `cold`,
 * `tail`, `wasmtime`) use the same System V AMD64 register assignment, so
 * wasm code, trampolines and C builtins all call each other directly:
 *
 * * Parameters, in order: integer types (i8–i64) take the next of
 *   `rdi rsi rdx rcx r8 r9`, floats (f32, f64) the next of `xmm0`–`xmm7`;
 *   when a class runs out, the parameter goes to the stack: 8 bytes per
 *   parameter, the first at `[rsp]` at the `call` (`[rbp+16]` in the callee),
 *   in parameter order. The stack-argument area is rounded up to 16 bytes.
 * * Results: integers in `rax` then `rdx`, floats in `xmm0` then `xmm1`, in
 *   result order. Every further result goes to the **return area**: 8-byte
 *   slots in result order (the k-th overflow result at offset 8k). The
 *   caller provides it and passes its address as a **hidden last parameter**
 *   (after all declared parameters, assigned like an integer parameter).
 *   The callee stores the overflow results there before returning.
 * * Narrow integers (i8, i16, i32) occupy the low bits of their register or
 *   slot; the upper bits are undefined unless the parameter or result
 *   carries `uext`/`sext`, in which case the producer extends to 64 bits.
 * * `rbx rbp r12 r13 r14 r15` are callee-saved; every other GPR and all XMM
 *   registers are clobbered by a call. The stack is 16-byte aligned at every
 *   `call`; `rbp` is always the frame pointer.
 *
 * # Register environment (`X64_MACHINE_ENV`)
 *
 * Allocatable: `rax rcx rdx rsi rdi r8 r9 r10` (caller-saved, preferred),
 * then `rbx r12 r13 r14 r15`; `xmm0`–`xmm14`. Reserved: `rsp`, `rbp` (frame
 * pointer), and the scratch registers `r11` and `xmm15`, which the register
 * allocator uses between instructions (move cycles, stack-to-stack moves) and
 * pseudo-instruction sequences, prologues and trap stubs use inside one
 * instruction.
 */
import { type AbiMachineSpec, type MachineEnv, PRegSet, RegClass, type SigABI, computeSigABIWith, preg } from '@derrick/codegen';
import { CallConv, type Signature } from '@derrick/codegen-ir';
import { r10, r11, r12, r13, r14, r15, r8, r9, rax, rbx, rcx, rdi, rdx, rsi } from './regs.js';

export const gprPReg = (hw: number): number => preg(RegClass.Int, hw);
export const xmmPReg = (hw: number): number => preg(RegClass.Float, hw);

export const INT_ARG_REGS: readonly number[] = [rdi, rsi, rdx, rcx, r8, r9];
export const FLOAT_ARG_REGS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7];
export const INT_RET_REGS: readonly number[] = [rax, rdx];
export const FLOAT_RET_REGS: readonly number[] = [0, 1];
/** Callee-saved GPRs that can hold values (rbp is the frame pointer). */
export const CALLEE_SAVED_GPRS: readonly number[] = [rbx, r12, r13, r14, r15];

/** The scratch registers (never allocated). */
export const SCRATCH_GPR = r11;
export const SCRATCH_XMM = 15;

/** Registers a System V call clobbers (as PRegs). */
export const SYSV_CLOBBERS: PRegSet = (() => {
  const s = new PRegSet();
  for (const r of [rax, rcx, rdx, rsi, rdi, r8, r9, r10, r11]) s.add(gprPReg(r));
  for (let x = 0; x < 16; x++) s.add(xmmPReg(x));
  return s;
})();

/** Index 0: the clobber set of every call (both conventions clobber the same registers). */
export const X64_CLOBBER_SETS: readonly PRegSet[] = [SYSV_CLOBBERS];
export const CALL_CLOBBERS = 0;

export const X64_MACHINE_ENV: MachineEnv = {
  regs: [
    [rax, rcx, rdx, rsi, rdi, r8, r9, r10, rbx, r12, r13, r14, r15].map(gprPReg),
    Array.from({ length: 15 }, (_, i) => xmmPReg(i)),
  ],
  calleeSaved: PRegSet.of(...CALLEE_SAVED_GPRS.map(gprPReg)),
  scratch: [gprPReg(SCRATCH_GPR), xmmPReg(SCRATCH_XMM)],
};

/** The System V AMD64 register assignment, for codegen's `computeSigABIWith`. */
const X64_ABI: AbiMachineSpec = {
  isaName: 'x64',
  callConvs: new Set([CallConv.SystemV, CallConv.Fast, CallConv.Cold, CallConv.Tail, CallConv.Wasmtime]),
  intArgRegs: INT_ARG_REGS.map(gprPReg),
  floatArgRegs: FLOAT_ARG_REGS.map(xmmPReg),
  intRetRegs: INT_RET_REGS.map(gprPReg),
  floatRetRegs: FLOAT_RET_REGS.map(xmmPReg),
  // The hidden return-area pointer is the next integer parameter.
  retAreaPtrReg: -1,
};

/** The locations of `sig`'s parameters and results (see the module comment). */
export function computeSigABI(sig: Signature): SigABI {
  return computeSigABIWith(sig, X64_ABI);
}
