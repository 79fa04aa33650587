/**
 * @derrick/wast — the `.wast` script runner (spec test harness).
 *
 * Public API only; see README.md for the design and `runner.ts` for what is
 * checked where.
 */
export { runWastFile, runWastFiles, runWastText, commandKey, type WastRunOptions } from './runner.js';
export {
  summarize,
  type WastCommandKey,
  type WastCounts,
  type WastFailure,
  type WastFileResult,
  type WastSummary,
} from './summary.js';
export {
  parseWast,
  WastParser,
  COMMAND_KEYWORDS,
  type WastScript,
  type WastCommand,
  type WastCommandKind,
  type WastModule,
  type WastModuleSource,
  type WastAction,
  type WastInvoke,
  type WastGet,
} from './script.js';
export { SExprReader, readSExprs, LineMap, WastSyntaxError, type SExpr, type SAtom, type SString, type SList } from './lexer.js';
export { parseI32, parseI64, parseF32, parseF64, NumberLiteralError } from './numbers.js';
export {
  matchesExpected,
  formatValue,
  formatExpected,
  type WastValue,
  type WastExpected,
  type NanPattern,
  type V128Shape,
  type LaneExpectation,
} from './values.js';
export {
  WastExecutionError,
  isWastExecutionError,
  type WastExecutor,
  type WastExecutorFactory,
  type WastExecutionErrorKind,
  type WastInstantiateRequest,
} from './executor.js';
export {
  environDecoder,
  isWasmError,
  formatWasmError,
  type WasmDecoder,
  type WasmErrorLike,
} from './decoder.js';
export {
  watToBinary,
  watToBinaryWith,
  loadWabt,
  WatError,
  WASM2_FEATURES,
  firstWatDiagnostic,
  ensureDataCount,
  type Wabt,
  type WabtFeatures,
  type WatOptions,
} from './wat.js';
export { runtimeExecutor, defineSpectest, RuntimeWastExecutor, type RuntimeExecutorOptions } from './executor-runtime.js';
