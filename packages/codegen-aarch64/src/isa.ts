/**
 * The AArch64 `TargetIsa`: flags, the compile pipeline for one function
 * (lower → register allocation → frame layout → emission), trampolines, and
 * the label-use kinds the text-section builder needs.
 */
import {
  CodegenError,
  MachIsa,
  type MachineBackendParts,
  type IsaBuilder,
  type MachIsaOptions,
  type Reloc,
  machIsaBuilder,
} from '@derrick/codegen';
import type { MInst } from './minst.js';
import { AARCH64_MACHINE_ENV, CALLEE_SAVED_GPRS, CALLEE_SAVED_VECS, gprPReg, vecPReg } from './abi.js';
import { createAArch64Buffer } from './emit.js';
import { AARCH64_LABEL_USES, PCRel32, type AArch64LabelUse, labelUseFromReloc } from './labeluse.js';
import { AArch64Lower } from './lower.js';
import { AARCH64_SETTINGS, type AArch64FlagValues, type AArch64Flags } from './settings.js';
import { emitArrayToWasmTrampoline, emitWasmToArrayTrampoline } from './trampolines.js';
import { AArch64EmitBackend } from './vcode-emit.js';

export const AARCH64_DEFAULT_TRIPLE = 'aarch64-unknown-linux-gnu';

export type AArch64IsaOptions = MachIsaOptions;

export class AArch64Isa extends MachIsa<MInst, AArch64LabelUse, AArch64Flags> {
  override readonly name = 'aarch64';
  override readonly labelUses: readonly AArch64LabelUse[] = AARCH64_LABEL_USES;

  /**
   * `Arm64Call` (addend 0) → `Branch26`; `X86PCRel4` (addend 0) → `PCRel32`:
   * the 32-bit PC-relative data word of a colocated `func_addr` (codegen's
   * `Reloc` has no AArch64 name for it yet).
   */
  override labelUseForReloc(reloc: Reloc, addend: number): AArch64LabelUse | undefined {
    if (reloc === 'X86PCRel4' && addend === 0) return PCRel32;
    return labelUseFromReloc(reloc, addend);
  }

  protected override readonly parts: MachineBackendParts<MInst, AArch64LabelUse> = {
    name: this.name,
    functionAlignment: this.functionAlignment,
    machineEnv: AARCH64_MACHINE_ENV,
    calleeSaved: [...CALLEE_SAVED_GPRS.map(gprPReg), ...CALLEE_SAVED_VECS.map(vecPReg)],
    setupSize: 16,
    stackAlign: 16,
    lower: (stencil) => new AArch64Lower(stencil, this.isaFlags),
    createBuffer: createAArch64Buffer,
    createEmitter: (info) => new AArch64EmitBackend(info),
  };

  protected override readonly trampolines = { emitArrayToWasmTrampoline, emitWasmToArrayTrampoline };
}

/** An `IsaBuilder` for AArch64: set ISA flags on `settings`, then `finish(shared)`. */
export function aarch64IsaBuilder(triple: string = AARCH64_DEFAULT_TRIPLE, options: AArch64IsaOptions = {}): IsaBuilder<AArch64LabelUse> {
  if (!/^(aarch64|arm64)-/.test(triple)) throw new CodegenError('invalid-settings', `not an AArch64 triple: ${triple}`);
  return machIsaBuilder<AArch64FlagValues, AArch64LabelUse>(triple, AARCH64_SETTINGS, (shared, isaFlags) => new AArch64Isa(triple, shared, isaFlags, options));
}
