/**
 * Opcodes and their static properties: one table, read by the builder, the
 * verifier, the printer, the parser and the interpreter.
 *
 * Every opcode has
 *
 * * a Cranelift name (`iadd`, `fcvt_to_sint_sat`, `br_table`, …);
 * * an `InstructionFormat` saying which slots of the instruction table it
 *   uses and how it is spelled in text (see `dfg.ts` for the slots);
 * * a `Constraint` naming its typing rule (checked by the verifier, and used
 *   to compute result types);
 * * a `TypeVar` rule saying where its *controlling type* comes from. The
 *   controlling type is stored with every instruction. For `operand` rules it
 *   equals the type of one argument, so the printer may omit the `.type`
 *   suffix (Cranelift's rule: it is omitted when that argument is defined in
 *   the same block); for `result` rules it is always printed
 *   (`iconst.i32`, `load.i64`, `uextend.i64`); `none` opcodes are monomorphic;
 * * flags: terminator, branch, call, can-trap, side-effects, load, store.
 *
 * Semantics are Cranelift's and are written down next to each opcode in the
 * interpreter (`interpreter.ts`), which is the executable specification.
 */

export enum InstructionFormat {
  NullAry, // nop, get_stack_pointer
  UnaryImm, // iconst: imm
  UnaryIeee32, // f32const: imm (bits)
  UnaryIeee64, // f64const: imm (bits)
  Unary, // one arg
  Binary, // two args
  BinaryImm64, // one arg + imm
  Ternary, // three args
  IntCompare, // cond (aux) + two args
  IntCompareImm, // cond (aux) + arg + imm
  FloatCompare, // cond (aux) + two args
  Load, // flags (aux) + offset (aux2) + addr arg
  Store, // flags (aux) + offset (aux2) + value, addr args
  StackLoad, // slot (aux) + offset (aux2)
  StackStore, // slot (aux) + offset (aux2) + value arg
  Jump, // block call (aux)
  Brif, // cond arg + then block call (aux) + else block call (aux2)
  BranchTable, // index arg + jump table (aux)
  MultiAry, // args (return)
  Call, // func ref (aux) + args
  CallIndirect, // sig ref (aux) + callee, args
  FuncAddr, // func ref (aux)
  Trap, // trap code (aux)
  CondTrap, // arg + trap code (aux)
  IntAddTrap, // two args + trap code (aux)
}

export enum Opcode {
  // Constants and no-op.
  Iconst,
  F32const,
  F64const,
  Nop,
  // Integer arithmetic.
  Iadd,
  Isub,
  Imul,
  Umulhi,
  Smulhi,
  Sdiv,
  Udiv,
  Srem,
  Urem,
  Ineg,
  Iabs,
  Smin,
  Smax,
  Umin,
  Umax,
  // Integer arithmetic with an immediate.
  IaddImm,
  ImulImm,
  IrsubImm,
  BandImm,
  BorImm,
  BxorImm,
  IshlImm,
  UshrImm,
  SshrImm,
  RotlImm,
  RotrImm,
  // Bitwise.
  Band,
  Bor,
  Bxor,
  Bnot,
  BandNot,
  BorNot,
  BxorNot,
  Ishl,
  Ushr,
  Sshr,
  Rotl,
  Rotr,
  Clz,
  Cls,
  Ctz,
  Popcnt,
  Bswap,
  Bitrev,
  // Integer comparison.
  Icmp,
  IcmpImm,
  // Floating point.
  Fadd,
  Fsub,
  Fmul,
  Fdiv,
  Fma,
  Sqrt,
  Fabs,
  Fneg,
  Fcopysign,
  Fmin,
  Fmax,
  Ceil,
  Floor,
  Trunc,
  Nearest,
  Fcmp,
  // Conversions.
  Uextend,
  Sextend,
  Ireduce,
  Fpromote,
  Fdemote,
  FcvtToSint,
  FcvtToUint,
  FcvtToSintSat,
  FcvtToUintSat,
  FcvtFromSint,
  FcvtFromUint,
  Bitcast,
  // Selection.
  Select,
  SelectSpectreGuard,
  // Memory.
  Load,
  Uload8,
  Sload8,
  Uload16,
  Sload16,
  Uload32,
  Sload32,
  Store,
  Istore8,
  Istore16,
  Istore32,
  StackLoad,
  StackStore,
  StackAddr,
  // Traps.
  UaddOverflowTrap,
  Trap,
  Trapz,
  Trapnz,
  // Control flow.
  Jump,
  Brif,
  BrTable,
  Return,
  // Calls.
  Call,
  CallIndirect,
  FuncAddr,
  // Machine state.
  GetStackPointer,
}

/** Typing rule of an opcode (see the verifier for each rule's checks). */
export type Constraint =
  | 'iconst'
  | 'f32const'
  | 'f64const'
  | 'none' // no operands, no results (nop)
  | 'intBin' // (T, T) -> T, T int
  | 'intUn' // T -> T, T int
  | 'bitBin' // (T, T) -> T, T int or float
  | 'bitUn' // T -> T, T int or float
  | 'shift' // (T, any int) -> T, T int
  | 'intImm' // (T, imm) -> T, T int
  | 'icmp' // (T, T) -> i8
  | 'icmpImm' // (T, imm) -> i8
  | 'floatBin' // (T, T) -> T, T float
  | 'floatTern' // (T, T, T) -> T, T float
  | 'floatUn' // T -> T, T float
  | 'fcmp' // (T, T) -> i8, T float
  | 'extend' // narrower int -> T
  | 'reduce' // wider int -> T
  | 'fpromote' // f32 -> f64
  | 'fdemote' // f64 -> f32
  | 'fcvtToInt' // float -> T int
  | 'fcvtFromInt' // int -> T float
  | 'bitcast' // same-width -> T
  | 'select' // (int, T, T) -> T
  | 'load' // addr -> T
  | 'store' // (T, addr) -> ()
  | 'stackLoad' // () -> T
  | 'stackStore' // T -> ()
  | 'stackAddr' // () -> T, T i32/i64
  | 'overflowTrap' // (T, T) -> T, T int
  | 'trap'
  | 'condTrap' // int -> ()
  | 'jump'
  | 'brif'
  | 'brTable'
  | 'return'
  | 'call'
  | 'callIndirect'
  | 'funcAddr' // () -> T, T i32/i64
  | 'machineWord'; // () -> T, T i32/i64

/** Where the controlling type variable comes from. */
export type TypeVar = 'none' | 'result' | { readonly operand: number };

export const OpFlag = {
  Terminator: 1,
  Branch: 2,
  Call: 4,
  CanTrap: 8,
  SideEffects: 16,
  CanLoad: 32,
  CanStore: 64,
  Return: 128,
} as const;

export interface OpcodeInfo {
  readonly name: string;
  readonly format: InstructionFormat;
  readonly constraint: Constraint;
  readonly typeVar: TypeVar;
  readonly flags: number;
  /** For loads/stores: bytes accessed when narrower than the controlling type (0 = full width). */
  readonly memBytes: number;
}

const F = InstructionFormat;
const OP0: TypeVar = { operand: 0 };
const OP1: TypeVar = { operand: 1 };
const { Terminator: TERM, Branch: BR, Call: CALL, CanTrap: TRAP, SideEffects: SE, CanLoad: LD, CanStore: ST, Return: RET } = OpFlag;

function op(
  name: string,
  format: InstructionFormat,
  constraint: Constraint,
  typeVar: TypeVar,
  flags = 0,
  memBytes = 0,
): OpcodeInfo {
  return { name, format, constraint, typeVar, flags, memBytes };
}

/** Indexed by `Opcode`; the order must match the enum (checked at load time below). */
export const OPCODE_INFO: readonly OpcodeInfo[] = [
  op('iconst', F.UnaryImm, 'iconst', 'result'),
  op('f32const', F.UnaryIeee32, 'f32const', 'none'),
  op('f64const', F.UnaryIeee64, 'f64const', 'none'),
  op('nop', F.NullAry, 'none', 'none'),

  op('iadd', F.Binary, 'intBin', OP0),
  op('isub', F.Binary, 'intBin', OP0),
  op('imul', F.Binary, 'intBin', OP0),
  op('umulhi', F.Binary, 'intBin', OP0),
  op('smulhi', F.Binary, 'intBin', OP0),
  op('sdiv', F.Binary, 'intBin', OP0, TRAP),
  op('udiv', F.Binary, 'intBin', OP0, TRAP),
  op('srem', F.Binary, 'intBin', OP0, TRAP),
  op('urem', F.Binary, 'intBin', OP0, TRAP),
  op('ineg', F.Unary, 'intUn', OP0),
  op('iabs', F.Unary, 'intUn', OP0),
  op('smin', F.Binary, 'intBin', OP0),
  op('smax', F.Binary, 'intBin', OP0),
  op('umin', F.Binary, 'intBin', OP0),
  op('umax', F.Binary, 'intBin', OP0),

  op('iadd_imm', F.BinaryImm64, 'intImm', OP0),
  op('imul_imm', F.BinaryImm64, 'intImm', OP0),
  op('irsub_imm', F.BinaryImm64, 'intImm', OP0),
  op('band_imm', F.BinaryImm64, 'intImm', OP0),
  op('bor_imm', F.BinaryImm64, 'intImm', OP0),
  op('bxor_imm', F.BinaryImm64, 'intImm', OP0),
  op('ishl_imm', F.BinaryImm64, 'intImm', OP0),
  op('ushr_imm', F.BinaryImm64, 'intImm', OP0),
  op('sshr_imm', F.BinaryImm64, 'intImm', OP0),
  op('rotl_imm', F.BinaryImm64, 'intImm', OP0),
  op('rotr_imm', F.BinaryImm64, 'intImm', OP0),

  op('band', F.Binary, 'bitBin', OP0),
  op('bor', F.Binary, 'bitBin', OP0),
  op('bxor', F.Binary, 'bitBin', OP0),
  op('bnot', F.Unary, 'bitUn', OP0),
  op('band_not', F.Binary, 'bitBin', OP0),
  op('bor_not', F.Binary, 'bitBin', OP0),
  op('bxor_not', F.Binary, 'bitBin', OP0),
  op('ishl', F.Binary, 'shift', OP0),
  op('ushr', F.Binary, 'shift', OP0),
  op('sshr', F.Binary, 'shift', OP0),
  op('rotl', F.Binary, 'shift', OP0),
  op('rotr', F.Binary, 'shift', OP0),
  op('clz', F.Unary, 'intUn', OP0),
  op('cls', F.Unary, 'intUn', OP0),
  op('ctz', F.Unary, 'intUn', OP0),
  op('popcnt', F.Unary, 'intUn', OP0),
  op('bswap', F.Unary, 'intUn', OP0),
  op('bitrev', F.Unary, 'intUn', OP0),

  op('icmp', F.IntCompare, 'icmp', OP0),
  op('icmp_imm', F.IntCompareImm, 'icmpImm', OP0),

  op('fadd', F.Binary, 'floatBin', OP0),
  op('fsub', F.Binary, 'floatBin', OP0),
  op('fmul', F.Binary, 'floatBin', OP0),
  op('fdiv', F.Binary, 'floatBin', OP0),
  op('fma', F.Ternary, 'floatTern', OP0),
  op('sqrt', F.Unary, 'floatUn', OP0),
  op('fabs', F.Unary, 'floatUn', OP0),
  op('fneg', F.Unary, 'floatUn', OP0),
  op('fcopysign', F.Binary, 'floatBin', OP0),
  op('fmin', F.Binary, 'floatBin', OP0),
  op('fmax', F.Binary, 'floatBin', OP0),
  op('ceil', F.Unary, 'floatUn', OP0),
  op('floor', F.Unary, 'floatUn', OP0),
  op('trunc', F.Unary, 'floatUn', OP0),
  op('nearest', F.Unary, 'floatUn', OP0),
  op('fcmp', F.FloatCompare, 'fcmp', OP0),

  op('uextend', F.Unary, 'extend', 'result'),
  op('sextend', F.Unary, 'extend', 'result'),
  op('ireduce', F.Unary, 'reduce', 'result'),
  op('fpromote', F.Unary, 'fpromote', 'result'),
  op('fdemote', F.Unary, 'fdemote', 'result'),
  op('fcvt_to_sint', F.Unary, 'fcvtToInt', 'result', TRAP),
  op('fcvt_to_uint', F.Unary, 'fcvtToInt', 'result', TRAP),
  op('fcvt_to_sint_sat', F.Unary, 'fcvtToInt', 'result'),
  op('fcvt_to_uint_sat', F.Unary, 'fcvtToInt', 'result'),
  op('fcvt_from_sint', F.Unary, 'fcvtFromInt', 'result'),
  op('fcvt_from_uint', F.Unary, 'fcvtFromInt', 'result'),
  op('bitcast', F.Unary, 'bitcast', 'result'),

  op('select', F.Ternary, 'select', OP1),
  op('select_spectre_guard', F.Ternary, 'select', OP1),

  op('load', F.Load, 'load', 'result', TRAP | LD),
  op('uload8', F.Load, 'load', 'result', TRAP | LD, 1),
  op('sload8', F.Load, 'load', 'result', TRAP | LD, 1),
  op('uload16', F.Load, 'load', 'result', TRAP | LD, 2),
  op('sload16', F.Load, 'load', 'result', TRAP | LD, 2),
  op('uload32', F.Load, 'load', 'result', TRAP | LD, 4),
  op('sload32', F.Load, 'load', 'result', TRAP | LD, 4),
  op('store', F.Store, 'store', OP0, TRAP | ST | SE),
  op('istore8', F.Store, 'store', OP0, TRAP | ST | SE, 1),
  op('istore16', F.Store, 'store', OP0, TRAP | ST | SE, 2),
  op('istore32', F.Store, 'store', OP0, TRAP | ST | SE, 4),
  op('stack_load', F.StackLoad, 'stackLoad', 'result', LD),
  op('stack_store', F.StackStore, 'stackStore', OP0, ST | SE),
  op('stack_addr', F.StackLoad, 'stackAddr', 'result'),

  op('uadd_overflow_trap', F.IntAddTrap, 'overflowTrap', OP0, TRAP | SE),
  op('trap', F.Trap, 'trap', 'none', TERM | TRAP | SE),
  op('trapz', F.CondTrap, 'condTrap', OP0, TRAP | SE),
  op('trapnz', F.CondTrap, 'condTrap', OP0, TRAP | SE),

  op('jump', F.Jump, 'jump', 'none', TERM | BR),
  op('brif', F.Brif, 'brif', OP0, TERM | BR),
  op('br_table', F.BranchTable, 'brTable', 'none', TERM | BR),
  op('return', F.MultiAry, 'return', 'none', TERM | RET),

  op('call', F.Call, 'call', 'none', CALL | TRAP | SE | LD | ST),
  op('call_indirect', F.CallIndirect, 'callIndirect', 'none', CALL | TRAP | SE | LD | ST),
  op('func_addr', F.FuncAddr, 'funcAddr', 'result'),

  op('get_stack_pointer', F.NullAry, 'machineWord', 'result'),
];

// Guard the table against drifting from the enum.
for (let i = 0; i < OPCODE_INFO.length; i++) {
  const enumName = Opcode[i];
  const camel = OPCODE_INFO[i]!.name.replace(/(^|_)([a-z0-9])/g, (_m, _u: string, c: string) => c.toUpperCase());
  if (enumName !== camel) throw new Error(`opcode table out of order at ${i}: ${enumName} vs ${OPCODE_INFO[i]!.name}`);
}

/** Number of opcodes. */
export const OPCODE_COUNT = OPCODE_INFO.length;

const BY_NAME = new Map<string, Opcode>(OPCODE_INFO.map((info, i) => [info.name, i as Opcode]));

export function opcodeName(op: Opcode): string {
  return OPCODE_INFO[op]?.name ?? `opcode${op as number}`;
}

export function parseOpcode(name: string): Opcode | undefined {
  return BY_NAME.get(name);
}

export function opcodeInfo(op: Opcode): OpcodeInfo {
  return OPCODE_INFO[op]!;
}

export function isTerminator(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.Terminator) !== 0;
}

export function isBranch(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.Branch) !== 0;
}

export function isCall(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.Call) !== 0;
}

export function canTrap(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.CanTrap) !== 0;
}

export function hasSideEffects(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.SideEffects) !== 0;
}

export function canLoad(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.CanLoad) !== 0;
}

export function canStore(op: Opcode): boolean {
  return (OPCODE_INFO[op]!.flags & OpFlag.CanStore) !== 0;
}
