/**
 * @derrick/codegen-ir — public API: Derrick's SSA IR in the spirit of
 * Cranelift's CLIF. See README.md for an overview.
 */
export * from './types.js';
export { IntCC, FloatCC, intCCName, parseIntCC, intCCInverse, intCCSwapArgs, floatCCName, parseFloatCC, floatCCInverse } from './condcodes.js';
export { TrapCode, NAMED_TRAP_CODES, USER_MAX as TRAP_CODE_USER_MAX, trapCodeName, parseTrapCode, isValidTrapCode, userTrapNumber } from './trapcode.js';
export { MemFlags, type AliasRegion } from './memflags.js';
export {
  formatImm,
  parseIntLiteral,
  formatIeee32,
  formatIeee64,
  parseIeee32,
  parseIeee64,
  f32ToBits,
  f32FromBits,
  f64ToBits,
  f64FromBits,
} from './immediates.js';
export {
  type SourceLoc,
  type RelSourceLoc,
  DEFAULT_SRCLOC,
  isDefaultSrcLoc,
  relFromBase,
  expandRel,
  formatSrcLoc,
} from './sourceloc.js';
export {
  type UserExternalName,
  type UserExternalNameRef,
  userExternalName,
  formatUserExternalName,
  LibCall,
  libCallName,
  parseLibCall,
  ExternalName,
  UserFuncName,
} from './extname.js';
export {
  CallConv,
  callConvName,
  parseCallConv,
  type AbiParam,
  type ArgumentExtension,
  type ArgumentPurpose,
  abiParam,
  vmctxParam,
  formatAbiParam,
  Signature,
  type SigRef,
  type FuncRef,
} from './signature.js';
export { type Value, type Inst, type Block, type BlockCall, type StackSlot, type JumpTable } from './entities.js';
export {
  Opcode,
  InstructionFormat,
  OpFlag,
  type OpcodeInfo,
  type Constraint,
  type TypeVar,
  OPCODE_INFO,
  OPCODE_COUNT,
  opcodeName,
  parseOpcode,
  opcodeInfo,
  isTerminator,
  isBranch,
  isCall,
  canTrap,
  hasSideEffects,
  canLoad,
  canStore,
} from './opcodes.js';
export { DataFlowGraph, type ExtFuncData, type JumpTableData, type ValueDef } from './dfg.js';
export { Layout } from './layout.js';
export {
  Function,
  Function as IrFunction,
  FunctionStencil,
  FunctionParameters,
  stencilEquals,
  IR_VERSION,
  type StackSlotData,
  type StackSlotKind,
  stackSlotData,
} from './function.js';
export { InstBuilder, FuncCursor, type InstInserter, type BlockArg } from './inst-builder.js';
export { FunctionBuilder, FunctionBuilderContext, type Variable } from './builder.js';
export { verifyFunction, assertVerified, VerifierErrors, type VerifierError } from './verifier.js';
export { printFunction, formatInst } from './write.js';
export { parseFunction, parseFunctions, parseClifFile, ParseError, type ClifFile } from './parser.js';
export {
  Interpreter,
  InterpreterMemory,
  InterpreterError,
  type CallResult,
  type HostFunction,
  type InterpreterOptions,
  toDataValue,
  describeValue,
  floatBitsToNumber,
} from './interpreter.js';
export { runClifTests, checkRoundTrip, type RunTestReport, type RunTestFailure, type RunTestExecutor } from './runtest.js';
