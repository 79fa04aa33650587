/**
 * @derrick/codegen-x64 — public API.
 *
 * The x86-64 backend: registers, instruction forms and their encoder, the
 * x64 `LabelUse` kinds, ISA flags, the System V calling conventions, the
 * lowering rules, emission with the trap protocol, trampolines, and the
 * `TargetIsa` (`x64IsaBuilder`).
 */
export {
  ALL_GPRS,
  ALL_XMMS,
  gpr,
  gprName,
  r10,
  r11,
  r12,
  r13,
  r14,
  r15,
  r8,
  r9,
  rax,
  rbp,
  rbx,
  rcx,
  rdi,
  rdx,
  rsi,
  rsp,
  xmm,
  xmmName,
  type Gpr,
  type OperandSize,
  type Xmm,
} from './regs.js';
export { JmpRel32, PCRel32, labelUseFromReloc, type X64LabelUse } from './labeluse.js';
export {
  ALU_OPS,
  BIT_COUNT_OPS,
  CC,
  CC_NAMES,
  EXT_MODES,
  MAX_INST_SIZE,
  MUL_DIV_OPS,
  RoundMode,
  SHIFT_OPS,
  XMM_MOV_OPS,
  XMM_RM_R_OPS,
  addr,
  imm,
  invertCC,
  mem,
  memIndex,
  reg,
  ripLabel,
  type AluOp,
  type Amode,
  type BitCountOp,
  type CallTarget,
  type ExtMode,
  type FloatToIntOp,
  type GprMem,
  type GprMemImm,
  type Inst,
  type InstKind,
  type IntToFloatOp,
  type MulDivOp,
  type RegMem,
  type RegMemImm,
  type Shift,
  type ShiftOp,
  type UnaryOp,
  type XmmCmpOp,
  type XmmMem,
  type XmmMovOp,
  type XmmRmROp,
  type XmmRoundOp,
} from './inst.js';
export { X64EncodeError, type X64Sink } from './encode.js';
export { X64_TRAP_OPCODE, createX64Buffer, emit, nopSequence } from './emit.js';
export { amodeText, printInst } from './print.js';
export { X64_SETTINGS, allX64Flags, x64SettingsBuilder, type X64FlagValues, type X64Flags } from './settings.js';
export {
  CALLEE_SAVED_GPRS,
  FLOAT_ARG_REGS,
  FLOAT_RET_REGS,
  INT_ARG_REGS,
  INT_RET_REGS,
  SCRATCH_GPR,
  SCRATCH_XMM,
  SYSV_CLOBBERS,
  X64_MACHINE_ENV,
  computeSigABI,
  gprPReg,
  xmmPReg,
} from './abi.js';
export { type MInst, type MInstKind, printMInst, visitOperands } from './minst.js';
export { X64Lower } from './lower.js';
export { RULES_BY_OPCODE, X64_LOWER_RULES, dispatchLowering, type LowerRule } from './lower-rules.js';
export { X64EmitBackend, emitTrapTail, type X64FrameInfo } from './vcode-emit.js';
export { emitArrayToWasmTrampoline, emitWasmToArrayTrampoline } from './trampolines.js';
export { X64Isa, X64_DEFAULT_TRIPLE, checkSimdIsaLevel, x64IsaBuilder, type X64IsaOptions } from './isa.js';
