/**
 * @derrick/runtime — the embedding API (Wasmtime-shaped): `Config`,
 * `Engine`, `Module`, `Store`, `Instance`, `Linker`, `Func`, `Memory`,
 * `Table`, `Global`, `Trap`. It reaches a compiler only through environ's
 * `CompilerBuilder` (mission M1); see README.md.
 */
export { Config, DEFAULT_MAX_WASM_STACK, SETTING_ENABLE_SIMD, SETTING_OPT_LEVEL, type CompilerBuilderFactory, type OptLevel } from './config.js';
export { Engine, DERRICK_BUILD, DERRICK_VERSION, WASM2_FEATURES, NATIVE_STACK_HEADROOM, hostArchitecture, hostTriple } from './engine.js';
export { Module } from './module.js';
export { Store } from './store.js';
export { Instance } from './instance.js';
export { Linker } from './linker.js';
export { Func, type HostCallback } from './func.js';
export { Memory } from './memory.js';
export { Table, MAX_TABLE_ELEMENTS } from './table.js';
export { Global } from './global.js';
export { type Extern, isExtern, externType } from './extern.js';
export { Trap, LinkError, RuntimeError, type RuntimeErrorKind, type LinkErrorReason, type TrapSite } from './errors.js';
export { type Val, type ValTypeName, defaultVal, fromVal, f32FromBits, f32ToBits, f64FromBits, f64ToBits } from './values.js';
export {
  type ExternType,
  type ImportType,
  type ExportType,
  externTypeMatches,
  externTypeToString,
  funcTypesEqual,
  limitsMatch,
} from './types.js';
export { TypeRegistry } from './type-registry.js';
export { DONT_CARE_FLAGS, checkCompatibility, missingHostIsaFlag } from './compatibility.js';
export { detectedHostIsaFlags, inferHostIsaFlags, NATIVE_PRESET } from './host-flags.js';

// Re-exported so embedders need no direct dependency on environ for the basics.
export {
  CompileError,
  TrapCode,
  ValType,
  trapMessage,
  type CompilerBuilder,
  type CompilerConfig,
  type CacheStore,
  type FuncType,
  type GlobalType,
  type MemoryType,
  type TableType,
  type Limits,
} from '@derrick/environ';
