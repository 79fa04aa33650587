/**
 * `Engine`: a compiler (or none), the engine-wide function-type registry, and
 * the settings every module compiled or loaded by it must agree with.
 *
 * `new Engine(config)` works on a snapshot of the config (the user's `Config`
 * is never mutated and later changes do not reach the engine), builds the
 * compiler by applying the snapshot's `CompilerConfig` to a fresh
 * `CompilerBuilder` from the configured factory (`applyCompilerConfig`, in
 * canonical order — mission M4), and validates the runtime tunables. When
 * the config names no target, the builder is for the host, and the host's
 * detected CPU features are applied to it first, before the user's settings
 * (`host-flags.ts`, Wasmtime's `infer_native_flags`). An engine without a
 * factory has no compiler: every compile request fails with
 * `CompileError('no-compiler')`, and precompiled modules still load
 * (mission M1).
 *
 * Invariant (engine-immutable): nothing an engine reads from its config
 * changes after construction; two engines built from equal configs compile
 * identical code.
 */
import {
  type CacheStore,
  CompileError,
  type Compiler,
  applyCompilerConfig,
  vmctxLayoutFingerprint,
} from '@derrick/environ';
import { nativeStackSize } from '@derrick/jit';
import type { EngineInfo } from '@derrick/object';
import { Config, type ConfigSnapshot } from './config.js';
import { RuntimeError } from './errors.js';
import { detectedHostIsaFlags, inferHostIsaFlags, NATIVE_PRESET } from './host-flags.js';
import { TypeRegistry } from './type-registry.js';

/** The Derrick release recorded in (and required of) precompiled modules. */
export const DERRICK_VERSION = '0.1.0';

/**
 * What an image records as the Derrick that wrote it, and what the loader
 * demands: the release plus the fingerprint of the runtime ABI (environ's
 * `vmctxLayoutFingerprint`), so code compiled against one vmctx layout can
 * never be loaded by a build with another, even at the same release.
 */
export const DERRICK_BUILD = `${DERRICK_VERSION}+abi.${vmctxLayoutFingerprint()}`;

/** WebAssembly 2.0's feature set, by the names recorded in precompiled modules. */
export const WASM2_FEATURES: readonly string[] = [
  'bulk-memory',
  'multi-value',
  'mutable-global',
  'reference-types',
  'saturating-float-to-int',
  'sign-extension',
  'simd',
];

/** Headroom kept between `max_wasm_stack` and the end of the native stack (host frames, trampolines). */
export const NATIVE_STACK_HEADROOM = 128 * 1024;

/** The ELF machine / triple architecture of this host, if Derrick can run code on it. */
export function hostArchitecture(): 'x86_64' | 'aarch64' | undefined {
  return process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;
}

/** The host's target triple as Derrick spells it. */
export function hostTriple(): string {
  return `${hostArchitecture() ?? process.arch}-unknown-${process.platform}-gnu`;
}

/** A wasm-to-array trampoline some loaded module provides for a canonical type (see `hostFuncRefCode`). */
interface TrampolineProvider {
  readonly code: bigint;
  /** Keeps the code mapped (the module's loaded code). */
  readonly owner: object;
}

export class Engine {
  readonly #config: ConfigSnapshot;
  readonly #compiler: Compiler | undefined;
  readonly #inferredIsaFlags: readonly string[];
  readonly #types = new TypeRegistry();
  readonly #wasmToArray = new Map<number, TrampolineProvider>();
  readonly #waitingForTrampoline = new Map<number, Set<(code: bigint) => void>>();

  constructor(config: Config = new Config()) {
    const snapshot = config.snapshot();
    this.#config = snapshot;
    validateTunables(snapshot);
    let inferred: string[] = [];
    if (snapshot.builderFactory !== undefined) {
      // (engine-immutable): the builder sees a copy; the Config stays untouched.
      const builder = snapshot.builderFactory();
      // (inference-first): no explicit target = the host, with its CPU features, before the user's settings.
      // The `native` preset asks for the same with an explicit target (of the host's architecture).
      const compilerConfig = snapshot.compiler;
      if (compilerConfig.flags.includes(NATIVE_PRESET)) {
        if (compilerConfig.target !== undefined) builder.target(compilerConfig.target);
        inferred = inferHostIsaFlags(builder);
        if (inferred.length === 0 && detectedHostIsaFlags().length > 0) {
          throw new CompileError('setting', `the ${NATIVE_PRESET} preset enables this host's CPU features, but the target ${builder.triple()} is not the host's architecture`);
        }
        this.#compiler = applyCompilerConfig(builder, { ...compilerConfig, target: undefined, flags: compilerConfig.flags.filter((f) => f !== NATIVE_PRESET) });
      } else {
        if (compilerConfig.target === undefined) inferred = inferHostIsaFlags(builder);
        this.#compiler = applyCompilerConfig(builder, compilerConfig);
      }
    }
    this.#inferredIsaFlags = Object.freeze(inferred);
  }

  /**
   * The ISA flags this engine turned on because the host CPU has them (sorted;
   * empty for an explicit target, a compiler-less engine, or a builder that
   * knows none of them). The user's settings were applied after them, so a
   * flag listed here may have been turned off again — `compiler().isaFlags()`
   * has the final values.
   */
  get inferredIsaFlags(): readonly string[] {
    return this.#inferredIsaFlags;
  }

  /** Whether this engine can compile (it was configured with a `CompilerBuilder` factory). */
  get hasCompiler(): boolean {
    return this.#compiler !== undefined;
  }

  /** The compiler; throws `CompileError('no-compiler')` for a compiler-less engine. */
  compiler(): Compiler {
    if (this.#compiler === undefined) {
      throw new CompileError(
        'no-compiler',
        'no compiler configured: this Engine was created from a Config without a compilerBuilder, ' +
          'so it cannot compile WebAssembly; configure one (Config.compilerBuilder) or load a precompiled module (Module.deserialize)',
      );
    }
    return this.#compiler;
  }

  /** The target code is compiled for: the compiler's triple, or the host's for a compiler-less engine. */
  get target(): string {
    return this.#compiler?.triple() ?? hostTriple();
  }

  /** The `max_wasm_stack` tunable in bytes. */
  get maxWasmStack(): number {
    return this.#config.maxWasmStack;
  }

  get parallelCompilation(): boolean {
    return this.#config.parallelCompilation;
  }

  /** The incremental-compilation store the compiler was given, if any. */
  get cacheStore(): CacheStore | undefined {
    return this.#config.compiler.cacheStore;
  }

  /** Enabled WebAssembly features (sorted). */
  get wasmFeatures(): readonly string[] {
    return this.#config.wasmSimd ? WASM2_FEATURES : WASM2_FEATURES.filter((f) => f !== 'simd');
  }

  /** The engine-wide registry of canonical function type ids. */
  get types(): TypeRegistry {
    return this.#types;
  }

  /**
   * What a module compiled by this engine records in `.derrick.engine`, and
   * what a precompiled module must be compatible with. Needs the compiler (its
   * triple and flags); a compiler-less engine checks against the host instead
   * (see `compatibility.ts`).
   */
  engineInfo(): EngineInfo {
    const compiler = this.compiler();
    return {
      derrickVersion: DERRICK_BUILD,
      target: compiler.triple(),
      sharedFlags: { ...compiler.flags() },
      isaFlags: { ...compiler.isaFlags() },
      wasmFeatures: [...this.wasmFeatures],
    };
  }

  /** Whether `a` and `b` are the same engine (Wasmtime's `Engine::same`). */
  static same(a: Engine, b: Engine): boolean {
    return a === b;
  }

  // ---------------------------------------------------------------------------
  // Host functions as funcrefs.
  //
  // A host function's own VMFuncRef (used when the host passes it to wasm as a
  // funcref value rather than as an import) needs a wasm-to-array trampoline
  // for its type, and only compiled modules have those. Every loaded module
  // offers its trampolines here; a funcref created before any module with its
  // type was loaded waits, and is patched when one is. It cannot be called
  // before that: wasm calls a funcref only through `call_indirect`, whose type
  // is in the caller's module — which, once loaded, provides the trampoline
  // (every module compiles a wasm-to-array trampoline for every type it
  // declares).

  /** Called by each loaded module for each of its wasm-to-array trampolines. */
  offerWasmToArrayTrampoline(typeId: number, code: bigint, owner: object): void {
    if (this.#wasmToArray.has(typeId)) return;
    this.#wasmToArray.set(typeId, { code, owner });
    const waiting = this.#waitingForTrampoline.get(typeId);
    if (waiting !== undefined) {
      this.#waitingForTrampoline.delete(typeId);
      for (const patch of waiting) patch(code);
    }
  }

  /**
   * The wasm-to-array trampoline for `typeId` if a loaded module has one;
   * otherwise registers `patch` to be called when one is loaded and returns 0n.
   * The returned function cancels the wait (the funcref's store was disposed).
   */
  wasmToArrayTrampoline(typeId: number, patch: (code: bigint) => void): { code: bigint; cancel: () => void } {
    const provider = this.#wasmToArray.get(typeId);
    if (provider !== undefined) return { code: provider.code, cancel: () => {} };
    let waiting = this.#waitingForTrampoline.get(typeId);
    if (waiting === undefined) {
      waiting = new Set();
      this.#waitingForTrampoline.set(typeId, waiting);
    }
    waiting.add(patch);
    return { code: 0n, cancel: () => waiting.delete(patch) };
  }
}

function validateTunables(config: ConfigSnapshot): void {
  const limit = nativeStackSize() - NATIVE_STACK_HEADROOM;
  const stack = config.maxWasmStack;
  if (!Number.isSafeInteger(stack) || stack <= 0 || stack > limit) {
    throw new RuntimeError(
      'config',
      `invalid max_wasm_stack ${String(stack)}: it must be a positive integer of at most ${limit} bytes ` +
        `(the ${nativeStackSize()}-byte native stack generated code runs on, minus ${NATIVE_STACK_HEADROOM} bytes of headroom; ` +
        'see setNativeStackSize in @derrick/jit)',
    );
  }
}
