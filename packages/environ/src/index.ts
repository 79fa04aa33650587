/**
 * @derrick/environ — public API.
 *
 * Decoding and validation of WebAssembly 2.0 binaries into a
 * `ModuleTranslation`, the instruction set as data (`Opcode`), the
 * allocation-free `OperatorReader` the compiler uses to replay bodies, and
 * the runtime-facing trap codes and vmctx layout.
 */
export { WasmError, DecodeError, ValidationError } from './errors.js';
export type { WasmErrorKind } from './errors.js';

export {
  ValType,
  ExternalKind,
  BLOCK_TYPE_EMPTY,
  WASM_PAGE_SIZE,
  MAX_WASM_PAGES,
  isValType,
  isRefType,
  isNumType,
  valTypeName,
  valTypeByteSize,
  funcTypeToString,
  externalKindName,
  blockTypeResult,
} from './types.js';
export type { RefType, FuncType, Limits, TableType, MemoryType, GlobalType } from './types.js';

export { Opcode, ImmKind, opcodeName, opcodeImmKind, isOpcode, allOpcodes } from './opcodes.js';

export { BinaryReader } from './binary-reader.js';
export { OperatorReader, f32FromBits, f64FromBits } from './operator-reader.js';

export { ModuleTranslation } from './module-translation.js';
export type {
  ConstExpr,
  ConstInstr,
  ImportDesc,
  Import,
  Export,
  SegmentMode,
  ElementItems,
  ElementSegment,
  DataSegment,
  LocalRun,
  FunctionBody,
  Names,
  CustomSection,
} from './module-translation.js';

export { decodeModule, validate, validationError } from './module-decoder.js';

// Runtime-facing layout and trap codes (see their modules).
export * from './trap.js';
export * from './vmoffsets.js';
export * from './compile.js';
