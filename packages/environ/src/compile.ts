/**
 * The compiler interface: the only thing the runtime knows about code
 * generation (mission M1).
 *
 * Problem. The runtime must compile modules, load precompiled ones, check
 * that an artifact matches the host, and let embedders swap backends — all
 * without importing a code generator. Approach (Wasmtime's
 * `CompilerBuilder`/`Compiler` split): a `CompilerBuilder` collects string
 * settings and a target and, when the engine is created, builds a `Compiler`;
 * the `Compiler` compiles one function or trampoline at a time into an opaque
 * body, then lays every body out into one text section whose calls between
 * bodies are already resolved. The runtime orchestrates (what to compile, in
 * what order, in parallel or not) and wraps the text in an ELF image.
 *
 * `CompilerConfig` is plain data — the user's recorded intent — so `Config`
 * setters never fail and never depend on order (mission M4); the engine
 * applies it to a fresh builder (see `applyCompilerConfig`).
 *
 * Invariant (opaque-bodies): a body returned by `compileFunction` or
 * `compileTrampoline` is only ever handed back to the `Compiler` that made it
 * (`buildText`); the runtime never looks inside.
 */
import type { ModuleTranslation } from './module-translation.js';
import type { FuncType } from './types.js';

/** How a setting takes its value (what `derrick settings` shows). */
export type SettingKind = 'bool' | 'enum' | 'num' | 'preset';

/** One setting a builder accepts. */
export interface Setting {
  name: string;
  description: string;
  kind: SettingKind;
  /** Allowed values for `enum`; for `preset`, the settings it enables. */
  values?: readonly string[];
  /** Current value as a string (`"true"`, `"speed"`, `"0"`); presets have none. */
  value?: string;
  /** Which group the setting belongs to. */
  group: 'shared' | 'isa' | 'link';
}

/**
 * A key-value store for the incremental compilation cache. May be async.
 * A store error is never a failed compile: the cache treats it as a miss.
 */
export interface CacheStore {
  get(key: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Returns false when the value could not be stored. */
  insert(key: Uint8Array, value: Uint8Array): boolean | Promise<boolean>;
}

export type CompileErrorKind =
  /** No compiler is configured (the runtime used without `@derrick/compiler`). */
  | 'no-compiler'
  /** Unknown target triple. */
  | 'target'
  /** Unknown setting name or bad value, or incompatible settings. */
  | 'setting'
  /** The module uses something the compiler does not support yet. */
  | 'unsupported'
  /** An internal code generation failure (a bug). */
  | 'codegen';

export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(
    readonly kind: CompileErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** What one compiled body is: a wasm function or a trampoline. */
export type FuncKey =
  /** Defined wasm function `defIndex` (index among the module's defined functions). */
  | { kind: 'wasm'; defIndex: number }
  /**
   * Host → wasm entry for the module's type `typeIndex`, with the C signature
   * `int64_t entry(void *vmctx, void *callee, uint64_t *values, size_t count)`:
   * reads arguments from `values`, calls `callee` (wasm calling convention),
   * writes results back to `values`, returns 0, or non-zero after a trap.
   */
  | { kind: 'array-to-wasm'; typeIndex: number }
  /**
   * Wasm → host exit for type `typeIndex`: a function with the wasm calling
   * convention that spills its arguments into a `values` array and calls the
   * host through the callee vmctx's host-call record (see `VMHostFuncContext`).
   */
  | { kind: 'wasm-to-array'; typeIndex: number };

export function funcKeyName(key: FuncKey): string {
  switch (key.kind) {
    case 'wasm':
      return `wasm[${key.defIndex}]`;
    case 'array-to-wasm':
      return `array_to_wasm[type${key.typeIndex}]`;
    case 'wasm-to-array':
      return `wasm_to_array[type${key.typeIndex}]`;
  }
}

/** A body as returned by the compiler; opaque to everyone else. */
export interface CompiledBody {
  readonly key: FuncKey;
  /** Size of the machine code in bytes (for layout estimates and statistics). */
  readonly codeSize: number;
  /** True when the body was found in the incremental cache. */
  readonly cacheHit: boolean;
}

/** A trap site in the finished text section. */
export interface TextTrap {
  offset: number;
  /** A `TrapCode` value. */
  code: number;
}

/** The finished text section. */
export interface CompiledText {
  text: Uint8Array;
  /**
   * The alignment the text's start needs: the largest any body relies on
   * (e.g. 64 for x86-64 code with aligned loop headers). Absent: the
   * image format's default.
   */
  alignment?: number;
  /** Per body, in the order given to `buildText`: where it landed. */
  locations: { key: FuncKey; offset: number; length: number }[];
  /** Sorted by offset. */
  traps: TextTrap[];
  /** Code offset → wasm module offset, sorted by code offset (`0xffffffff` = none). */
  addressMap: { codeOffset: number; wasmOffset: number }[];
  /**
   * Relocations left for the loader; empty for every image Derrick itself
   * produces (calls between bodies are resolved during layout) — except under
   * the `linkopt_absolute_calls_baseline` benchmark baseline, where each
   * absolute call is an `Abs8` whose `target` is the callee's `funcKeyName`.
   */
  relocations: { offset: number; kind: string; target: string; addend: number }[];
}

export interface CompileStatistics {
  functions: number;
  cacheHits: number;
  cacheMisses: number;
  /** Worker threads the latest module's functions were compiled on (0 or absent: the calling thread). */
  workers?: number;
}

/** A configured, ready compiler. */
export interface Compiler {
  /** Target triple, e.g. `x86_64-unknown-linux-gnu`. */
  triple(): string;
  /** The ELF machine the text is for. */
  machine(): 'x86_64' | 'aarch64';
  /** Shared (ISA-independent) settings that affect the produced code, for compatibility checks. */
  flags(): Record<string, string>;
  /** ISA settings (CPU features) the produced code may use. */
  isaFlags(): Record<string, string>;
  compileFunction(translation: ModuleTranslation, defIndex: number): CompiledBody | Promise<CompiledBody>;
  /**
   * Optional: compile many defined functions at once, in any order or in
   * parallel (e.g. on worker threads), returning the bodies in the order of
   * `defIndices`. The result must be what `compileFunction` would have given
   * for each index, byte for byte. The runtime calls it when the engine's
   * `parallelCompilation` is on; a compiler without it is driven one
   * function at a time.
   */
  compileFunctions?(translation: ModuleTranslation, defIndices: readonly number[]): Promise<CompiledBody[]>;
  compileTrampoline(translation: ModuleTranslation, key: FuncKey, ty: FuncType): CompiledBody;
  /** Lay bodies out in order into one text section, resolving the calls between them. */
  buildText(translation: ModuleTranslation, bodies: readonly CompiledBody[]): CompiledText;
  statistics(): CompileStatistics;
}

/** Builds a `Compiler` from settings. Implementations live outside the runtime. */
export interface CompilerBuilder {
  /** Set the target; throws `CompileError('target')` for an unknown one. */
  target(triple: string): void;
  triple(): string;
  /** Set a setting; throws `CompileError('setting')` naming the setting (and the nearest valid name). */
  set(name: string, value: string): void;
  /** Enable a boolean setting or a preset. */
  enable(name: string): void;
  settings(): Setting[];
  enableIncrementalCompilation(store: CacheStore): void;
  /** Validate everything and build. Throws `CompileError`. */
  build(): Compiler;
}

/** The user's recorded compiler intent; plain data (mission M4). */
export interface CompilerConfig {
  /** Target triple; undefined = the host. */
  target?: string;
  /** `set(name, value)` calls, last one wins. */
  settings: Record<string, string>;
  /** `enable(name)` calls. */
  flags: string[];
  cacheStore?: CacheStore;
}

export function emptyCompilerConfig(): CompilerConfig {
  return { settings: {}, flags: [] };
}

/**
 * Apply a config to a fresh builder in a canonical order — target first, then
 * presets/flags sorted, then settings sorted by name — so the result depends
 * only on the recorded intent, never on the order of the user's calls.
 */
export function applyCompilerConfig(builder: CompilerBuilder, config: CompilerConfig): Compiler {
  if (config.target !== undefined) builder.target(config.target);
  for (const flag of [...new Set(config.flags)].sort()) builder.enable(flag);
  for (const name of Object.keys(config.settings).sort()) builder.set(name, config.settings[name]!);
  if (config.cacheStore !== undefined) builder.enableIncrementalCompilation(config.cacheStore);
  return builder.build();
}
