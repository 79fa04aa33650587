/**
 * AAPCS64 (the AArch64 procedure-call standard) and the register environment.
 *
 * # Argument and result locations (`computeSigABI`)
 *
 * `aapcs64`, `system_v` (the C ABI on Linux) and the IR's internal conventions (`fast`,
 * `cold`, `tail`, `wasmtime`) use the same assignment, so wasm code,
 * trampolines and C builtins call each other directly:
 *
 * * Parameters, in order: integers (i8–i64) take the next of `x0`–`x7`,
 *   floats (f32, f64) the next of `v0`–`v7`; when a class runs out, the
 *   parameter goes to the stack: 8 bytes per parameter, the first at `[sp]`
 *   at the `bl` (`[fp + 16]` in the callee), in parameter order. The
 *   stack-argument area is rounded up to 16 bytes.
 * * Results: integers in `x0` then `x1`, floats in `v0` then `v1`. Every
 *   further result goes to the **return area**: 8-byte slots in result order.
 *   The caller provides it and passes its address in **`x8`** (AAPCS64's
 *   indirect-result register; it is not one of the argument registers, so it
 *   never shifts the other parameters). In `SigABI` it is the hidden last
 *   parameter with location `x8`.
 * * Narrow integers live in the low bits; with `uext`/`sext` the producer
 *   extends to 64 bits.
 * * Callee-saved: `x19`–`x28`, and the low 64 bits of `v8`–`v15` (we only
 *   keep scalars in vector registers, so saving `d8`–`d15` is enough).
 *   `x29` is the frame pointer, `x30` the link register. The stack pointer is
 *   16-byte aligned at all times (hardware-checked when used as a base).
 *
 * # Register environment (`AARCH64_MACHINE_ENV`)
 *
 * Allocatable: `x0`–`x15` (caller-saved, preferred), then `x19`–`x28`;
 * `v0`–`v7`, `v16`–`v30`, then `v8`–`v15`. Never allocated:
 *
 * * `x16` — the register allocator's scratch (move cycles, stack-to-stack
 *   moves) and a temporary of pseudo-instruction sequences, prologues and
 *   trap stubs; `x17` — a second temporary of those sequences (large
 *   frame offsets); both are also IP0/IP1, the registers linker veneers may
 *   clobber at a call. `v31` — the float scratch.
 * * `x18` — the platform register (reserved on some OSes; never touched).
 * * `x29`/`x30`/`sp` — frame pointer, link register, stack pointer. Register
 *   number 31 is `sp` or `xzr` depending on the operand slot; `regs.ts` keeps
 *   the two apart (`sp` = 32), so the allocator's encodings 0–30 never alias
 *   either.
 */
import { type AbiMachineSpec, type MachineEnv, PRegSet, RegClass, type SigABI, computeSigABIWith, preg } from '@derrick/codegen';
import { CallConv, type Signature } from '@derrick/codegen-ir';

export const gprPReg = (hw: number): number => preg(RegClass.Int, hw);
export const vecPReg = (hw: number): number => preg(RegClass.Float, hw);

export const INT_ARG_REGS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7];
export const FLOAT_ARG_REGS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7];
export const INT_RET_REGS: readonly number[] = [0, 1];
export const FLOAT_RET_REGS: readonly number[] = [0, 1];
/** The indirect-result (return area) register. */
export const RET_AREA_REG = 8;
export const CALLEE_SAVED_GPRS: readonly number[] = [19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
export const CALLEE_SAVED_VECS: readonly number[] = [8, 9, 10, 11, 12, 13, 14, 15];

/** Scratch registers (never allocated). */
export const SCRATCH_GPR = 16;
export const SCRATCH_GPR2 = 17;
export const SCRATCH_VEC = 31;

/** Registers an AAPCS64 call clobbers (as PRegs). */
export const AAPCS64_CLOBBERS: PRegSet = (() => {
  const s = new PRegSet();
  for (let r = 0; r <= 17; r++) s.add(gprPReg(r));
  for (let v = 0; v < 32; v++) if (v < 8 || v > 15) s.add(vecPReg(v));
  return s;
})();

export const AARCH64_CLOBBER_SETS: readonly PRegSet[] = [AAPCS64_CLOBBERS];
export const CALL_CLOBBERS = 0;

export const AARCH64_MACHINE_ENV: MachineEnv = {
  regs: [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ...CALLEE_SAVED_GPRS].map(gprPReg),
    [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, ...CALLEE_SAVED_VECS].map(vecPReg),
  ],
  calleeSaved: PRegSet.of(...CALLEE_SAVED_GPRS.map(gprPReg), ...CALLEE_SAVED_VECS.map(vecPReg)),
  scratch: [gprPReg(SCRATCH_GPR), vecPReg(SCRATCH_VEC)],
};

/** The AAPCS64 register assignment, for codegen's `computeSigABIWith`. */
const AARCH64_ABI: AbiMachineSpec = {
  isaName: 'aarch64',
  callConvs: new Set([CallConv.Aapcs64, CallConv.SystemV, CallConv.Fast, CallConv.Cold, CallConv.Tail, CallConv.Wasmtime]),
  intArgRegs: INT_ARG_REGS.map(gprPReg),
  floatArgRegs: FLOAT_ARG_REGS.map(vecPReg),
  intRetRegs: INT_RET_REGS.map(gprPReg),
  floatRetRegs: FLOAT_RET_REGS.map(vecPReg),
  retAreaPtrReg: gprPReg(RET_AREA_REG),
};

/** The locations of `sig`'s parameters and results (see the module comment). */
export function computeSigABI(sig: Signature): SigABI {
  return computeSigABIWith(sig, AARCH64_ABI);
}
