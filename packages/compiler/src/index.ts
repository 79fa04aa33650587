/**
 * @derrick/compiler — public API.
 *
 * The wasm → IR translation (`translate/`): `FuncTranslator`,
 * `translateFunction`, `translateModule`, the execution model's signatures
 * and builtins. The rest of the compiler (ISA lookup, trampolines, text
 * section, cache plumbing) is not implemented yet.
 */
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
