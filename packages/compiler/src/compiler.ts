/**
 * `DerrickCompiler`: environ's `Compiler` on top of the wasm → IR translator
 * and a codegen `TargetIsa`.
 *
 * Per function: translate to IR (`FuncTranslator`, reused across calls),
 * optimize it (the mid-end, unless `opt_level=none`), compile the `FunctionStencil` with the ISA into a `CompiledCodeStencil`,
 * and keep the function's `FunctionParameters` beside it — the stencil is
 * what the incremental cache stores; the parameters (the callee name table,
 * the base source location) are applied at text layout. Trampolines are
 * emitted by the ISA directly. `buildText` lays everything out with
 * `layoutText`, resolving calls between functions as relative calls (or,
 * under the `linkopt_absolute_calls_baseline` benchmark baseline, keeping
 * them as absolute calls with relocations for the loader).
 *
 * The runtime ABI (where the store context, stack limit, entry SP and trap
 * fields are) comes from environ's `VMOffsets`/`VMStoreContextOffsets`, so
 * the code and the runtime read one layout.
 */
import { canonicalizeNans, type CompiledCodeStencil, optimize, type RuntimeAbi, type SharedFlags, type TargetIsa } from '@derrick/codegen';
import { type FunctionParameters, TrapCode as IrTrap } from '@derrick/codegen-ir';
import {
  type CacheStore,
  CompileError,
  type CompiledBody,
  type CompiledText,
  type CompileStatistics,
  type Compiler,
  type FuncKey,
  type FuncType,
  type ModuleTranslation,
  TrapCode,
  VMHostFuncContextOffsets,
  type VMOffsets,
  VMStoreContextOffsets,
} from '@derrick/environ';
import { availableParallelism } from 'node:os';
import { compileFunctionCached } from './cache-plumbing.js';
import { layoutText, type TextBody } from './text-builder.js';
import { FuncTranslator } from './translate/func-translator.js';
import { vmOffsetsForModule, wasmSignature } from './translate/func-environ.js';
import { isTranslateError } from './translate/translate-error.js';
import { CompilePool, type CompilerRecipe, workerScriptAvailable } from './parallel/pool.js';
import { decodeCompiled } from './parallel/wire.js';

/** When `compileFunctions` uses worker threads. */
export interface ParallelOptions {
  /** At least this many functions… */
  minFunctions: number;
  /** …and this many bytes of function bodies (a worker starts cold: ~0.1 s before it compiles anything). */
  minCodeBytes: number;
  /** At most this many threads compile, the calling one included when `callerWorks`. */
  maxThreads: number;
  /** The calling thread compiles batches too, beside `maxThreads − 1` workers. */
  callerWorks: boolean;
}

/**
 * The defaults. Worker threads only from 4 cores up: each thread's JIT warms
 * up on its own, and V8 optimizes on background threads that compete for the
 * same cores. On 2 cores (`node tools/bench/parallel.mjs`), QuickJS compiled
 * cold in 1.96 s on the calling thread alone and in 2.72 s with a worker
 * beside it; warm (the same compiler again) both took 0.84 s.
 */
export const DEFAULT_PARALLEL: Readonly<ParallelOptions> = {
  minFunctions: 64,
  minCodeBytes: 128 * 1024,
  maxThreads: availableParallelism() >= 4 ? Math.min(availableParallelism(), 8) : 1,
  callerWorks: true,
};

/** IR trap code → runtime trap code. */
const TRAP_CODES: ReadonlyMap<number, TrapCode> = new Map([
  [IrTrap.STACK_OVERFLOW, TrapCode.StackOverflow],
  [IrTrap.HEAP_OUT_OF_BOUNDS, TrapCode.MemoryOutOfBounds],
  [IrTrap.INTEGER_OVERFLOW, TrapCode.IntegerOverflow],
  [IrTrap.INTEGER_DIVISION_BY_ZERO, TrapCode.IntegerDivisionByZero],
  [IrTrap.BAD_CONVERSION_TO_INTEGER, TrapCode.BadConversionToInteger],
  [IrTrap.UNREACHABLE, TrapCode.UnreachableCodeReached],
  [IrTrap.TABLE_OUT_OF_BOUNDS, TrapCode.TableOutOfBounds],
  [IrTrap.INDIRECT_CALL_TO_NULL, TrapCode.IndirectCallToNull],
  [IrTrap.BAD_SIGNATURE, TrapCode.BadSignature],
]);

export function runtimeTrapCode(irTrap: number): number {
  return TRAP_CODES.get(irTrap) ?? TrapCode.InternalError;
}

/** The generated code's contract with the runtime, from environ's layout. */
export const RUNTIME_ABI: RuntimeAbi = {
  vmctxStoreContextOffset: 8,
  storeStackLimit: VMStoreContextOffsets.stackLimit,
  storeEntrySp: VMStoreContextOffsets.entrySp,
  storeTrapCode: VMStoreContextOffsets.trapCode,
  storeTrapPc: VMStoreContextOffsets.trapPc,
  storeTrapFp: VMStoreContextOffsets.trapFp,
  hostCtxHostCall: VMHostFuncContextOffsets.hostCall,
  hostCtxIndex: VMHostFuncContextOffsets.index,
  hostCtxStoreContext: VMHostFuncContextOffsets.storeContext,
  trapCode: runtimeTrapCode,
};

/** What `compileFunction`/`compileTrampoline` return; opaque outside this package. */
type DerrickBody = CompiledBody & TextBody;

export class DerrickCompiler implements Compiler {
  readonly #translator: FuncTranslator;
  /** The vmctx layout of each module being compiled: one per module, not one per function. */
  readonly #offsets = new WeakMap<ModuleTranslation, VMOffsets>();
  readonly #stats: CompileStatistics = { functions: 0, cacheHits: 0, cacheMisses: 0 };
  #pool: CompilePool | undefined;

  constructor(
    readonly isa: TargetIsa,
    readonly shared: SharedFlags,
    readonly cacheStore?: CacheStore,
  ) {
    // `linkopt_absolute_calls_baseline` (a benchmark baseline): direct calls are declared
    // non-colocated, so the backends emit absolute calls through a register with an Abs8
    // relocation, which `layoutText` keeps for the loader.
    this.#translator = new FuncTranslator({ colocatedCalls: !shared.get('linkopt_absolute_calls_baseline') });
  }

  triple(): string {
    return this.isa.triple;
  }

  machine(): 'x86_64' | 'aarch64' {
    return this.isa.name === 'aarch64' ? 'aarch64' : 'x86_64';
  }

  flags(): Record<string, string> {
    return Object.fromEntries(this.shared.entries().map(([n, v]) => [n, String(v)]));
  }

  isaFlags(): Record<string, string> {
    return Object.fromEntries(this.isa.isaFlags.entries().map(([n, v]) => [n, String(v)]));
  }

  compileFunction(translation: ModuleTranslation, defIndex: number): CompiledBody {
    const { code, params, cacheHit } = this.compileFunctionParts(translation, defIndex);
    this.#stats.functions++;
    if (cacheHit) this.#stats.cacheHits++;
    else this.#stats.cacheMisses++;
    return body({ kind: 'wasm', defIndex }, code, params, cacheHit);
  }

  /**
   * Compile many functions; on worker threads (`parallel/pool.ts`) when the
   * module is big enough (`parallel`), there is more than one core, no
   * incremental cache is configured (its lookups stay on this thread, one
   * function at a time) and the worker script is built. The bodies are the
   * ones `compileFunction` would give, in the order of `defIndices`.
   */
  async compileFunctions(translation: ModuleTranslation, defIndices: readonly number[]): Promise<CompiledBody[]> {
    const workers = this.#parallelWorkers(translation, defIndices);
    this.#stats.workers = workers;
    if (workers === 0) return defIndices.map((i) => this.compileFunction(translation, i));
    if (this.#pool === undefined || this.#pool.size !== workers) {
      void this.#pool?.close();
      this.#pool = new CompilePool(this.#recipe(), workers);
    }
    const mine = new Map<number, CompiledBody>();
    const local = this.parallel.callerWorks
      ? (batch: readonly number[]): void => {
          for (const i of batch) mine.set(i, this.compileFunction(translation, i));
        }
      : undefined;
    const encoded = await this.#pool.compile(translation, defIndices, local);
    return encoded.map((bytes, k) => {
      const defIndex = defIndices[k]!;
      if (bytes === undefined) return mine.get(defIndex)!;
      const { code, params } = decodeCompiled(bytes);
      this.#stats.functions++;
      this.#stats.cacheMisses++;
      return body({ kind: 'wasm', defIndex }, code, params, false);
    });
  }

  /** When to compile on worker threads; public so tests and embedders can tune it. */
  parallel: ParallelOptions = { ...DEFAULT_PARALLEL };

  /** Stop the worker threads, if any were started (they are `unref`ed anyway). */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }

  /** The number of worker threads for this compile; 0 = compile on this thread only. */
  #parallelWorkers(translation: ModuleTranslation, defIndices: readonly number[]): number {
    const p = this.parallel;
    if (this.cacheStore !== undefined || defIndices.length < p.minFunctions) return 0;
    let bytes = 0;
    for (const i of defIndices) {
      const b = translation.functionBodies[i]!;
      bytes += b.codeEnd - b.entryStart;
    }
    if (bytes < p.minCodeBytes) return 0;
    const threads = Math.min(p.maxThreads, Math.ceil(defIndices.length / 4));
    const n = p.callerWorks ? threads - 1 : threads;
    return n >= 1 && workerScriptAvailable() ? n : 0;
  }

  /** Everything a worker needs to build this very compiler (SameCompiler). */
  #recipe(): CompilerRecipe {
    const settings: [string, string][] = [];
    for (const [n, v] of this.shared.entries()) settings.push([n, String(v)]);
    for (const [n, v] of this.isa.isaFlags.entries()) settings.push([n, String(v)]);
    return { triple: this.isa.triple, settings };
  }

  /** `compileFunction` without the statistics: the stencil and its parameters. */
  compileFunctionParts(translation: ModuleTranslation, defIndex: number): { code: CompiledCodeStencil; params: FunctionParameters; cacheHit: boolean } {
    const key: FuncKey = { kind: 'wasm', defIndex };
    const optLevel = this.shared.get('opt_level');
    const canonicalNans = this.shared.get('enable_nan_canonicalization');
    // --- incremental cache (cache-plumbing.ts): a key over the translator's inputs first (a hit skips
    // translation), then one over the stencil as translated, before optimize ---
    const { code, params, cacheHit } = compileFunctionCached(
      this,
      translation,
      defIndex,
      () => {
        try {
          let offsets = this.#offsets.get(translation);
          if (offsets === undefined) this.#offsets.set(translation, (offsets = vmOffsetsForModule(translation)));
          return this.#translator.translate(translation, defIndex, offsets);
        } catch (e) {
          if (isTranslateError(e)) throw new CompileError(e.kind === 'unsupported' ? 'unsupported' : 'codegen', e.message);
          throw e;
        }
      },
      (func) =>
        this.#compileStencil(key, () => {
          // The mid-end (constant folding, GVN, DCE, LICM) runs on the stencil
          // before lowering; `opt_level=none` skips it.
          if (canonicalNans) canonicalizeNans(func);
          if (optLevel !== 'none') optimize(func, { optLevel });
          return this.isa.compileFunction(func.stencil, { runtimeAbi: RUNTIME_ABI });
        }),
    );
    // --- end incremental cache ---
    return { code, params, cacheHit };
  }

  compileTrampoline(_translation: ModuleTranslation, key: FuncKey, ty: FuncType): CompiledBody {
    const sig = wasmSignature(ty);
    switch (key.kind) {
      case 'array-to-wasm':
        return body(key, this.#compileStencil(key, () => this.isa.emitArrayToWasmTrampoline(sig, RUNTIME_ABI)), undefined, false);
      case 'wasm-to-array':
        return body(key, this.#compileStencil(key, () => this.isa.emitWasmToArrayTrampoline(sig, RUNTIME_ABI)), undefined, false);
      case 'wasm':
        throw new CompileError('codegen', 'compileTrampoline: a wasm function is not a trampoline; use compileFunction');
    }
  }

  buildText(translation: ModuleTranslation, bodies: readonly CompiledBody[]): CompiledText {
    return layoutText(this.isa, bodies as readonly DerrickBody[], {
      paddingBetweenFunctions: this.shared.get('linkopt_padding_between_functions'),
      forceJumpVeneers: this.shared.get('linkopt_force_jump_veneer'),
      keepAbsoluteCalls: this.shared.get('linkopt_absolute_calls_baseline'),
      numImportedFuncs: translation.numImportedFuncs,
      trapCode: runtimeTrapCode,
    });
  }

  statistics(): CompileStatistics {
    return { ...this.#stats };
  }

  #compileStencil(key: FuncKey, f: () => CompiledCodeStencil): CompiledCodeStencil {
    try {
      return f();
    } catch (e) {
      if (e instanceof CompileError) throw e;
      const what = key.kind === 'wasm' ? `function ${key.defIndex}` : `${key.kind} trampoline for type ${key.typeIndex}`;
      throw new CompileError('codegen', `compiling ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function body(key: FuncKey, code: CompiledCodeStencil, params: FunctionParameters | undefined, cacheHit: boolean): DerrickBody {
  return { key, code, ...(params === undefined ? {} : { params }), codeSize: code.code.length, cacheHit };
}
