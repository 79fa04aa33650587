/**
 * `Config`: what the embedder wants from an engine, recorded as plain data
 * (mission M4, Wasmtime #4252 "Config methods should be idempotent").
 *
 * Problem. A builder object that applied each call immediately to a live
 * compiler builder made the result depend on the order of calls: setting a
 * target after a flag rebuilt the builder and lost the flag; validating at
 * set time made a harmless sequence throw. Approach: every setter only
 * records intent — a map entry, last write wins — into a `CompilerConfig`
 * (environ's plain-data record) plus a few runtime tunables. Nothing is
 * validated or applied until `new Engine(config)`, which copies the config
 * and applies the copy to a fresh `CompilerBuilder` in a canonical order
 * (`applyCompilerConfig`: target, then flags sorted, then settings sorted).
 *
 * Invariants (config-idempotent):
 *
 * * setters never throw, whatever the value (bad values are reported by
 *   `new Engine`, naming the setting);
 * * calling a setter twice with the same arguments is the same as calling it
 *   once; calls on different keys commute; on the same key the last wins;
 * * the engine never mutates the `Config` it was built from, and a `Config`
 *   changed after `new Engine` does not change that engine.
 *
 * A `Config` without a `compilerBuilder` factory is compiler-less: its
 * engines load precompiled modules and refuse every compile request with
 * `CompileError('no-compiler')` (mission M1; Wasmtime's
 * `Config::without_compiler`).
 */
import type { CacheStore, CompilerBuilder, CompilerConfig } from '@derrick/environ';

/** Cranelift's optimization levels (`opt_level` setting). */
export type OptLevel = 'none' | 'speed' | 'speed_and_size';

/** Makes a fresh `CompilerBuilder`; called once per `new Engine`. */
export type CompilerBuilderFactory = () => CompilerBuilder;

/** Wasmtime's default for `max_wasm_stack`: 512 KiB. */
export const DEFAULT_MAX_WASM_STACK = 512 * 1024;

/** Names of the settings that typed `Config` methods record (the compiler must accept them). */
export const SETTING_OPT_LEVEL = 'opt_level';
export const SETTING_ENABLE_SIMD = 'enable_simd';

/** Everything `new Engine` reads from a `Config`: a deep copy, never shared with the `Config`. */
export interface ConfigSnapshot {
  readonly compiler: CompilerConfig;
  readonly builderFactory: CompilerBuilderFactory | undefined;
  readonly maxWasmStack: number;
  readonly parallelCompilation: boolean;
  readonly wasmSimd: boolean;
}

export class Config {
  #target: string | undefined;
  readonly #settings = new Map<string, string>();
  readonly #flags = new Set<string>();
  #cacheStore: CacheStore | undefined;
  #builderFactory: CompilerBuilderFactory | undefined;
  #maxWasmStack = DEFAULT_MAX_WASM_STACK;
  #parallelCompilation = true;

  /** Plug in a compiler: `factory` makes a fresh `CompilerBuilder` per engine. `undefined` makes the config compiler-less. */
  compilerBuilder(factory: CompilerBuilderFactory | undefined): this {
    this.#builderFactory = factory;
    return this;
  }

  /**
   * Compile for `triple`. Default: the host, with the host's CPU features
   * inferred (cpuid) before the user's settings; an explicit target — even the
   * host's own triple — gets that target's baseline, nothing inferred (a
   * portable build, as in Wasmtime). Checked by `new Engine`.
   */
  target(triple: string): this {
    this.#target = String(triple);
    return this;
  }

  /** Set a compiler setting (`opt_level`, `has_avx2`, …); last write wins. Checked by `new Engine`. */
  set(name: string, value: string): this {
    this.#settings.set(String(name), String(value));
    return this;
  }

  /** Alias of `set` (Wasmtime's `cranelift_flag_set`). */
  setting(name: string, value: string): this {
    return this.set(name, value);
  }

  /** Enable a boolean compiler setting or a preset (Wasmtime's `cranelift_flag_enable`). */
  enable(name: string): this {
    this.#flags.add(String(name));
    return this;
  }

  /** The compiler's optimization level (records the `opt_level` setting). */
  optLevel(level: OptLevel): this {
    return this.set(SETTING_OPT_LEVEL, level);
  }

  /**
   * Enable or disable the SIMD proposal (part of WebAssembly 2.0, on by
   * default). Records the `enable_simd` compiler setting and the engine's
   * wasm feature set: modules using `v128` are rejected when disabled.
   */
  wasmSimd(enable: boolean): this {
    return this.set(SETTING_ENABLE_SIMD, enable ? 'true' : 'false');
  }

  /**
   * Make every NaN a float operation produces the canonical one, so results
   * are the same bits on every CPU (Wasmtime's `cranelift_nan_canonicalization`;
   * records the `enable_nan_canonicalization` compiler setting).
   */
  nanCanonicalization(enable: boolean): this {
    return this.set('enable_nan_canonicalization', enable ? 'true' : 'false');
  }

  /** Turn on the compiler's incremental cache, backed by `store`. */
  enableIncrementalCompilation(store: CacheStore): this {
    this.#cacheStore = store;
    return this;
  }

  /**
   * The most native stack, in bytes, wasm may use before it traps with "call
   * stack exhausted" (default 512 KiB). Must stay below the native stack
   * generated code runs on (`nativeStackSize()` of `@derrick/jit`, 2 MiB by
   * default) minus headroom; checked by `new Engine`.
   */
  maxWasmStack(bytes: number): this {
    this.#maxWasmStack = bytes;
    return this;
  }

  /** Compile a module's functions concurrently (default true; matters for asynchronous compilers). */
  parallelCompilation(enable: boolean): this {
    this.#parallelCompilation = Boolean(enable);
    return this;
  }

  /** The recorded compiler intent, as environ's plain data (a copy). */
  compilerConfig(): CompilerConfig {
    const settings: Record<string, string> = {};
    for (const name of [...this.#settings.keys()].sort()) settings[name] = this.#settings.get(name)!;
    const config: CompilerConfig = { settings, flags: [...this.#flags].sort() };
    if (this.#target !== undefined) config.target = this.#target;
    if (this.#cacheStore !== undefined) config.cacheStore = this.#cacheStore;
    return config;
  }

  /** Whether a compiler builder is configured. */
  get hasCompiler(): boolean {
    return this.#builderFactory !== undefined;
  }

  /** An independent copy. */
  clone(): Config {
    const copy = new Config();
    copy.#target = this.#target;
    for (const [k, v] of this.#settings) copy.#settings.set(k, v);
    for (const f of this.#flags) copy.#flags.add(f);
    copy.#cacheStore = this.#cacheStore;
    copy.#builderFactory = this.#builderFactory;
    copy.#maxWasmStack = this.#maxWasmStack;
    copy.#parallelCompilation = this.#parallelCompilation;
    return copy;
  }

  /** The deep copy `new Engine` works from. */
  snapshot(): ConfigSnapshot {
    return {
      compiler: this.compilerConfig(),
      builderFactory: this.#builderFactory,
      maxWasmStack: this.#maxWasmStack,
      parallelCompilation: this.#parallelCompilation,
      // One source of truth: the recorded setting (`set('enable_simd', …)` and `wasmSimd` agree).
      wasmSimd: this.#settings.get(SETTING_ENABLE_SIMD) !== 'false',
    };
  }
}
