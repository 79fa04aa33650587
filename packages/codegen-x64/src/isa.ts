/**
 * The x86-64 `TargetIsa`: flags, the compile pipeline for one function
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
  type SharedFlags,
  machIsaBuilder,
} from '@derrick/codegen';
import type { MInst } from './minst.js';
import { CALLEE_SAVED_GPRS, X64_MACHINE_ENV, gprPReg } from './abi.js';
import { createX64Buffer } from './emit.js';
import { JmpRel32, PCRel32, type X64LabelUse, labelUseFromReloc } from './labeluse.js';
import { X64Lower } from './lower.js';
import { X64_SETTINGS, type X64FlagValues, type X64Flags } from './settings.js';
import { emitArrayToWasmTrampoline, emitWasmToArrayTrampoline } from './trampolines.js';
import { X64EmitBackend } from './vcode-emit.js';

export const X64_DEFAULT_TRIPLE = 'x86_64-unknown-linux-gnu';

export type X64IsaOptions = MachIsaOptions;

export class X64Isa extends MachIsa<MInst, X64LabelUse, X64Flags> {
  override readonly name = 'x64';
  override readonly labelUses: readonly X64LabelUse[] = [JmpRel32, PCRel32];

  override labelUseForReloc(reloc: Reloc, addend: number): X64LabelUse | undefined {
    return labelUseFromReloc(reloc, addend);
  }

  protected override readonly parts: MachineBackendParts<MInst, X64LabelUse> = {
    name: this.name,
    functionAlignment: this.functionAlignment,
    machineEnv: X64_MACHINE_ENV,
    calleeSaved: CALLEE_SAVED_GPRS.map(gprPReg),
    setupSize: 16,
    stackAlign: 16,
    lower: (stencil) => new X64Lower(stencil, this.isaFlags),
    createBuffer: createX64Buffer,
    createEmitter: (info) => new X64EmitBackend(info),
  };

  protected override readonly trampolines = { emitArrayToWasmTrampoline, emitWasmToArrayTrampoline };
}

/** The ISA flags x86-64 SIMD lowerings rely on, with the features' names. */
const SIMD_ISA_LEVEL = [
  ['has_sse3', 'SSE3'],
  ['has_ssse3', 'SSSE3'],
  ['has_sse41', 'SSE4.1'],
] as const;

/**
 * The SIMD lowerings use SSE4.1 (and what it implies): building an ISA with
 * `enable_simd` and without those flags is an error naming each missing
 * feature and its flag (mission M3).
 */
export function checkSimdIsaLevel(shared: SharedFlags, isa: X64Flags): void {
  if (!shared.get('enable_simd')) return;
  const missing = SIMD_ISA_LEVEL.filter(([f]) => !isa.get(f));
  if (missing.length > 0) {
    throw new CodegenError(
      'invalid-settings',
      `SIMD support requires SSE3, SSSE3 and SSE4.1 on x86_64, but ${missing.map(([f, name]) => `${name} (${f})`).join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} not enabled; enable ${missing.length === 1 ? 'it' : 'them'} (or the preset sse41, x86-64-v2 or x86-64-v3), or disable enable_simd`,
    );
  }
}

/** An `IsaBuilder` for x86-64: set ISA flags on `settings`, then `finish(shared)`. */
export function x64IsaBuilder(triple: string = X64_DEFAULT_TRIPLE, options: X64IsaOptions = {}): IsaBuilder<X64LabelUse> {
  if (!/^x86_64-/.test(triple)) throw new CodegenError('invalid-settings', `not an x86-64 triple: ${triple}`);
  return machIsaBuilder<X64FlagValues, X64LabelUse>(triple, X64_SETTINGS, (shared, isaFlags) => {
    checkSimdIsaLevel(shared, isaFlags);
    return new X64Isa(triple, shared, isaFlags, options);
  });
}
