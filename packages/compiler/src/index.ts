/**
 * @derrick/compiler — public API.
 *
 * The wasm → IR translation (`translate/`): `FuncTranslator`,
 * `translateFunction`, `translateModule`, the execution model's signatures
 * and builtins; `DerrickCompilerBuilder`/`DerrickCompiler` (environ's
 * `CompilerBuilder`/`Compiler` over codegen's ISAs); `layoutText` (the
 * module-wide text section with calls resolved as relative calls).
 */
export { compilerBuilder, DerrickCompilerBuilder, HOST_TRIPLE, nearest, normalizeTriple } from './builder.js';
export { DEFAULT_PARALLEL, DerrickCompiler, type ParallelOptions, RUNTIME_ABI, runtimeTrapCode } from './compiler.js';
export { CompilePool, type CompilerRecipe, workerScriptAvailable } from './parallel/pool.js';
export { layoutText, type TextBody, type TextLayoutOptions } from './text-builder.js';
export {
  FuncTranslator,
  translateFunction,
  translateModule,
} from './translate/func-translator.js';
export {
  FuncEnvironment,
  WASM_CALL_CONV,
  BUILTIN_SIGNATURES,
  builtinSignature,
  irType,
  vmOffsetsForModule,
  wasmSignature,
} from './translate/func-environ.js';
export { TranslateError, SIMD_UNSUPPORTED, isTranslateError, type TranslateErrorKind } from './translate/translate-error.js';
export {
  CACHE_CHECKS_FLAG,
  FALLBACK_VERSION,
  codegenCompilerVersion,
  earlyFunctionCacheOf,
  functionCacheOf,
  setCompilerCacheLogger,
} from './cache-plumbing.js';
