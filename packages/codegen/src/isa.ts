/**
 * `TargetIsa`: one target's code generator behind a machine-independent
 * interface (Cranelift's `isa::TargetIsa`), and `RuntimeAbi`: the generated
 * code's contract with the runtime, supplied by the compiler (codegen never
 * imports environ, where the runtime's layout lives).
 *
 * `MachIsa` and `machIsaBuilder` are what the machine backends' ISAs and
 * builders share: a backend states its name, label uses, pipeline parts
 * (`MachineBackendParts`) and trampolines; compiling, hashing and building
 * from settings are the same for every machine.
 */
import type { FunctionStencil, Signature, TrapCode } from '@derrick/codegen-ir';
import type { CompiledCodeStencil } from './compiled-code.js';
import type { LabelUse, MachBuffer, Reloc } from './machbuffer.js';
import { compileWithBackend, type MachineBackendParts } from './pipeline.js';
import { type Flags, type SettingGroup, SettingsBuilder, type SettingValue, type SharedFlags } from './settings.js';

/**
 * Where generated code finds the runtime's state (all byte offsets), and how
 * IR trap codes map to the runtime's numbers.
 *
 * * A function whose signature has a `vmctx` parameter loads the store
 *   context from `[vmctx + vmctxStoreContextOffset]` in its prologue, checks
 *   its frame against `[storeCtx + storeStackLimit]`, and keeps the store
 *   context in a frame slot for its trap stubs.
 * * A trap stores `trapCode(code)` (u32) at `storeTrapCode`, the trapping
 *   instruction's address at `storeTrapPc` (and the frame pointer at
 *   `storeTrapFp`, if given), then sets SP to `[storeCtx + storeEntrySp]` and
 *   returns into the innermost entry trampoline's trap exit.
 * * A wasm-to-array trampoline's callee vmctx is a host-function context:
 *   `hostCall` (fn pointer), `index` (u32) and `storeContext` at the given
 *   offsets.
 */
export interface RuntimeAbi {
  readonly vmctxStoreContextOffset: number;
  readonly storeStackLimit: number;
  readonly storeEntrySp: number;
  readonly storeTrapCode: number;
  readonly storeTrapPc: number;
  readonly storeTrapFp?: number;
  readonly hostCtxHostCall: number;
  readonly hostCtxIndex: number;
  readonly hostCtxStoreContext: number;
  /** IR trap code → the runtime's numeric trap code (stored as a u32). */
  trapCode(code: TrapCode): number;
}

export interface CompileOptions {
  /**
   * The runtime contract. Without it, traps are `ud2` instructions (the
   * process dies on a trap) and prologues do no stack check.
   */
  readonly runtimeAbi?: RuntimeAbi;
  /** Attach a textual dump of the VCode to the result (`disasm`). */
  readonly wantDisasm?: boolean;
}

/** A trampoline's description: the callee's IR signature (with its `vmctx` parameter). */
export type TrampolineSignature = Signature;

// biome-ignore lint: any K
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLabelUse = LabelUse<any>;

export interface TargetIsa<K extends LabelUse<K> = AnyLabelUse> {
  /** Short ISA name: `x64`, `aarch64`. */
  readonly name: string;
  /** Target triple: `x86_64-unknown-linux-gnu`. */
  readonly triple: string;
  readonly flags: SharedFlags;
  readonly isaFlags: Flags;
  readonly pointerBytes: number;
  /** Preferred alignment of a function's first byte. */
  readonly functionAlignment: number;
  /** The ISA's label-use kinds (for laying out a text section of many functions). */
  readonly labelUses: readonly K[];
  /** The label use a relocation becomes when its target is a function in the same text section. */
  labelUseForReloc(reloc: Reloc, addend: number): K | undefined;
  /** A fresh buffer for this ISA (right trap opcode and code alignment), e.g. for a text section. */
  createBuffer(): MachBuffer<K>;
  /** Compile one function's stencil. */
  compileFunction(func: FunctionStencil, options?: CompileOptions): CompiledCodeStencil;
  /**
   * Host → wasm: `int64_t entry(void *vmctx, void *callee, uint64_t *values, size_t count)`.
   * Calls `callee` (signature `sig`; its vmctx parameter receives `vmctx`, the others
   * come from `values` in 16-byte slots), stores the results in the slots from 0,
   * returns 0 — or 1 from the trap exit.
   */
  emitArrayToWasmTrampoline(sig: TrampolineSignature, abi: RuntimeAbi): CompiledCodeStencil;
  /**
   * Wasm → host: a function with signature `sig` whose vmctx is a host-function
   * context; spills its arguments to 16-byte slots, calls
   * `hostCall(hostCtx, index, values, count)`, unwinds like a trap on a non-zero
   * status, else loads the results and returns.
   */
  emitWasmToArrayTrampoline(sig: TrampolineSignature, abi: RuntimeAbi): CompiledCodeStencil;
  /** Everything about this ISA that changes generated code, as text (for cache keys). */
  hashKey(): string;
}

/** Builds a `TargetIsa` from shared flags and ISA flags (Cranelift's `isa::Builder`). */
export interface IsaBuilder<K extends LabelUse<K> = AnyLabelUse> {
  readonly triple: string;
  readonly settingGroup: SettingGroup;
  /** The ISA flags being built (set/enable flags and presets here). */
  readonly settings: SettingsBuilder;
  /** Validate the combination (e.g. SIMD needs SSE4.1) and build. Throws `CodegenError('invalid-settings')`. */
  finish(shared: SharedFlags): TargetIsa<K>;
}

/** Options of a machine backend's ISA. */
export interface MachIsaOptions {
  /** Run the register allocator's input validation on every function (slow; for tests). */
  readonly validateRegalloc?: boolean;
}

/** A backend's trampoline generators (see `TargetIsa`). */
export type TrampolineEmitters = Pick<TargetIsa, 'emitArrayToWasmTrampoline' | 'emitWasmToArrayTrampoline'>;

/**
 * The `TargetIsa` of a machine backend over codegen's shared pipeline
 * (`compileWithBackend`). `I` is the backend's instruction type, `K` its
 * label uses, `F` its ISA flags.
 */
export abstract class MachIsa<I, K extends LabelUse<K>, F extends Flags> implements TargetIsa<K> {
  abstract readonly name: string;
  readonly pointerBytes = 8;
  readonly functionAlignment = 16;
  abstract readonly labelUses: readonly K[];
  /** What differs from the other backends in codegen's shared pipeline (`compileWithBackend`). */
  protected abstract readonly parts: MachineBackendParts<I, K>;
  protected abstract readonly trampolines: TrampolineEmitters;

  constructor(
    readonly triple: string,
    readonly flags: SharedFlags,
    readonly isaFlags: F,
    readonly options: MachIsaOptions = {},
  ) {}

  abstract labelUseForReloc(reloc: Reloc, addend: number): K | undefined;

  createBuffer(): MachBuffer<K> {
    return this.parts.createBuffer();
  }

  hashKey(): string {
    return `${this.name}|${this.triple}|${this.flags.hashKey()}|${this.isaFlags.hashKey()}`;
  }

  compileFunction(stencil: FunctionStencil, options: CompileOptions = {}): CompiledCodeStencil {
    return compileWithBackend(stencil, this.parts, { ...options, validateRegalloc: this.options.validateRegalloc ?? false });
  }

  emitArrayToWasmTrampoline(sig: TrampolineSignature, abi: RuntimeAbi): CompiledCodeStencil {
    return this.trampolines.emitArrayToWasmTrampoline(sig, abi);
  }

  emitWasmToArrayTrampoline(sig: TrampolineSignature, abi: RuntimeAbi): CompiledCodeStencil {
    return this.trampolines.emitWasmToArrayTrampoline(sig, abi);
  }
}

/**
 * An `IsaBuilder` for `triple` over the ISA flags of `settingGroup`:
 * `finish(shared)` finishes the flags and hands them to `build` (which
 * validates the combination and constructs the ISA).
 */
export function machIsaBuilder<T extends Record<string, SettingValue>, K extends LabelUse<K>>(
  triple: string,
  settingGroup: SettingGroup,
  build: (shared: SharedFlags, isaFlags: Flags<T>) => TargetIsa<K>,
): IsaBuilder<K> {
  const settings = new SettingsBuilder<T>(settingGroup);
  return {
    triple,
    settingGroup,
    settings,
    finish(shared: SharedFlags): TargetIsa<K> {
      return build(shared, settings.finish());
    },
  };
}
