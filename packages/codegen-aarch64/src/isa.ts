/**
 * The AArch64 `TargetIsa`: flags, the compile pipeline for one function
 * (lower → register allocation → frame layout → emission), trampolines, and
 * the label-use kinds the text-section builder needs.
 */
import {
  CodegenError,
  compileWithBackend,
  type MachineBackendParts,
  CompiledCodeStencil,
  type CompileOptions,
  type IsaBuilder,
  type MachBuffer,
  type Reloc,
  type RuntimeAbi,
  SettingsBuilder,
  type SharedFlags,
  type TargetIsa,
} from '@derrick/codegen';
import type { FunctionStencil, Signature } from '@derrick/codegen-ir';
import type { MInst } from './minst.js';
import { AARCH64_MACHINE_ENV, CALLEE_SAVED_GPRS, CALLEE_SAVED_VECS, gprPReg, vecPReg } from './abi.js';
import { createAArch64Buffer } from './emit.js';
import { AARCH64_LABEL_USES, PCRel32, type AArch64LabelUse, labelUseFromReloc } from './labeluse.js';
import { AArch64Lower } from './lower.js';
import { AARCH64_SETTINGS, type AArch64FlagValues, type AArch64Flags } from './settings.js';
import { emitArrayToWasmTrampoline, emitWasmToArrayTrampoline } from './trampolines.js';
import { AArch64EmitBackend } from './vcode-emit.js';

export const AARCH64_DEFAULT_TRIPLE = 'aarch64-unknown-linux-gnu';

export interface AArch64IsaOptions {
  /** Run the register allocator's input validation on every function (slow; for tests). */
  readonly validateRegalloc?: boolean;
}

export class AArch64Isa implements TargetIsa<AArch64LabelUse> {
  readonly name = 'aarch64';
  readonly pointerBytes = 8;
  readonly functionAlignment = 16;
  readonly labelUses: readonly AArch64LabelUse[] = AARCH64_LABEL_USES;

  constructor(
    readonly triple: string,
    readonly flags: SharedFlags,
    readonly isaFlags: AArch64Flags,
    readonly options: AArch64IsaOptions = {},
  ) {}

  /**
   * `Arm64Call` (addend 0) → `Branch26`; `X86PCRel4` (addend 0) → `PCRel32`:
   * the 32-bit PC-relative data word of a colocated `func_addr` (codegen's
   * `Reloc` has no AArch64 name for it yet).
   */
  labelUseForReloc(reloc: Reloc, addend: number): AArch64LabelUse | undefined {
    if (reloc === 'X86PCRel4' && addend === 0) return PCRel32;
    return labelUseFromReloc(reloc, addend);
  }

  createBuffer(): MachBuffer<AArch64LabelUse> {
    return createAArch64Buffer();
  }

  hashKey(): string {
    return `${this.name}|${this.triple}|${this.flags.hashKey()}|${this.isaFlags.hashKey()}`;
  }

  compileFunction(stencil: FunctionStencil, options: CompileOptions = {}): CompiledCodeStencil {
    return compileWithBackend(stencil, this.#parts, { ...options, validateRegalloc: this.options.validateRegalloc ?? false });
  }

  /** What differs from the other backends in codegen's shared pipeline (`compileWithBackend`). */
  readonly #parts: MachineBackendParts<MInst, AArch64LabelUse> = {
    name: 'aarch64',
    functionAlignment: this.functionAlignment,
    machineEnv: AARCH64_MACHINE_ENV,
    calleeSaved: [...CALLEE_SAVED_GPRS.map(gprPReg), ...CALLEE_SAVED_VECS.map(vecPReg)],
    setupSize: 16,
    stackAlign: 16,
    lower: (stencil) => new AArch64Lower(stencil, this.isaFlags),
    createBuffer: createAArch64Buffer,
    createEmitter: (info) => new AArch64EmitBackend(info),
  };

  emitArrayToWasmTrampoline(sig: Signature, abi: RuntimeAbi): CompiledCodeStencil {
    return emitArrayToWasmTrampoline(sig, abi);
  }

  emitWasmToArrayTrampoline(sig: Signature, abi: RuntimeAbi): CompiledCodeStencil {
    return emitWasmToArrayTrampoline(sig, abi);
  }
}

/** An `IsaBuilder` for AArch64: set ISA flags on `settings`, then `finish(shared)`. */
export function aarch64IsaBuilder(triple: string = AARCH64_DEFAULT_TRIPLE, options: AArch64IsaOptions = {}): IsaBuilder<AArch64LabelUse> {
  if (!/^(aarch64|arm64)-/.test(triple)) throw new CodegenError('invalid-settings', `not an AArch64 triple: ${triple}`);
  const settings = new SettingsBuilder<AArch64FlagValues>(AARCH64_SETTINGS);
  return {
    triple,
    settingGroup: AARCH64_SETTINGS,
    settings,
    finish(shared: SharedFlags): AArch64Isa {
      return new AArch64Isa(triple, shared, settings.finish(), options);
    },
  };
}
