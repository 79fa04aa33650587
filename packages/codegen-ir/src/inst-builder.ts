/**
 * `InstBuilder`: one method per opcode, the ergonomic way to create
 * instructions (`builder.ins().iadd(x, y)`), as in Cranelift's generated
 * `InstBuilder` trait.
 *
 * An `InstBuilder` is bound to an `InstInserter` — something that decides
 * where a new instruction goes (the `FunctionBuilder` appends to its current
 * block and tracks SSA predecessors; `FuncCursor` inserts at an arbitrary
 * point). Each method allocates the instruction in the DFG, fills its slots,
 * creates its results, hands it to the inserter, and returns the single
 * result `Value` (or the `Inst` for instructions with zero or several
 * results: stores, branches, calls, traps).
 *
 * This is the translator's hot path, so methods do no type checking (the
 * verifier does that) and allocate nothing but the instruction's lists. The
 * controlling type is taken from the designated operand (`iadd`), or given
 * explicitly as the first parameter where it is the result type
 * (`iconst(I32, 1)`, `load(I64, flags, p, 8)`, `uextend(I64, x)`).
 */
import type { FloatCC, IntCC } from './condcodes.js';
import type { DataFlowGraph } from './dfg.js';
import type { Block, Inst, JumpTable, StackSlot, Value } from './entities.js';
import type { Function } from './function.js';
import { f32ToBits, f64ToBits } from './immediates.js';
import type { Layout } from './layout.js';
import { MemFlags } from './memflags.js';
import { Opcode } from './opcodes.js';
import type { FuncRef, SigRef } from './signature.js';
import type { TrapCode } from './trapcode.js';
import { F32, F64, I64, I8, INVALID, type Type, typeBits } from './types.js';

/** Where new instructions go. */
export interface InstInserter {
  readonly func: Function;
  /** Place a freshly made instruction (results already created). */
  insertBuiltInst(inst: Inst): void;
}

/** Write an integer immediate into `inst`, masked to `bits` (Invariant ImmMasked). */
export function setMaskedImm(dfg: DataFlowGraph, inst: Inst, imm: number | bigint, bits: number): void {
  if (typeof imm === 'number') {
    if (!Number.isSafeInteger(imm)) throw new RangeError(`immediate is not a safe integer: ${imm}`);
    if (bits >= 64) dfg.setImmParts(inst, imm | 0, Math.floor(imm / 4294967296) | 0);
    else if (bits === 32) dfg.setImmParts(inst, imm | 0, 0);
    else dfg.setImmParts(inst, imm & ((1 << bits) - 1), 0);
    return;
  }
  dfg.setImm(inst, BigInt.asUintN(bits >= 64 ? 64 : bits, imm));
}

function checkOffset(offset: number): number {
  if (!Number.isInteger(offset) || offset < -0x8000_0000 || offset > 0x7fff_ffff) {
    throw new RangeError(`offset is not a signed 32-bit integer: ${offset}`);
  }
  return offset;
}

/** A block-call target: a block, or a block with arguments. */
export type BlockArg = Block | { block: Block; args: readonly Value[] };

export class InstBuilder {
  constructor(private readonly sink: InstInserter) {}

  private get dfg(): DataFlowGraph {
    return this.sink.func.stencil.dfg;
  }

  // --- generic shapes -------------------------------------------------------

  private unary(op: Opcode, x: Value): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(op, ty);
    dfg.setArgList(inst, dfg.pool.of1(x));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  private binary(op: Opcode, x: Value, y: Value): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(op, ty);
    dfg.setArgList(inst, dfg.pool.of2(x, y));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  private binaryImm(op: Opcode, x: Value, imm: number | bigint): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(op, ty);
    dfg.setArgList(inst, dfg.pool.of1(x));
    setMaskedImm(dfg, inst, imm, typeBits(ty));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  private convert(op: Opcode, ty: Type, x: Value): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(op, ty);
    dfg.setArgList(inst, dfg.pool.of1(x));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  private loadOp(op: Opcode, ty: Type, flags: MemFlags, p: Value, offset: number): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(op, ty);
    dfg.setArgList(inst, dfg.pool.of1(p));
    dfg.setAux(inst, flags.bits);
    dfg.setAux2(inst, checkOffset(offset));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  private storeOp(op: Opcode, flags: MemFlags, x: Value, p: Value, offset: number): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(op, dfg.typeOf(x));
    dfg.setArgList(inst, dfg.pool.of2(x, p));
    dfg.setAux(inst, flags.bits);
    dfg.setAux2(inst, checkOffset(offset));
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  // --- constants ------------------------------------------------------------

  /** `iconst.ty imm`; the immediate is masked to the type's width. */
  iconst(ty: Type, imm: number | bigint): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Iconst, ty);
    setMaskedImm(dfg, inst, imm, typeBits(ty));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  /** `f32const` of a JS number (rounded to f32). Use `f32constBits` for exact NaN payloads. */
  f32const(x: number): Value {
    return this.f32constBits(f32ToBits(x));
  }

  f32constBits(bits: number): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.F32const, INVALID);
    dfg.setImmParts(inst, bits | 0, 0);
    const r = dfg.makeSingleResult(inst, F32);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  f64const(x: number): Value {
    return this.f64constBits(f64ToBits(x));
  }

  f64constBits(bits: bigint): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.F64const, INVALID);
    dfg.setImm(inst, bits);
    const r = dfg.makeSingleResult(inst, F64);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  nop(): Inst {
    const inst = this.dfg.makeInst(Opcode.Nop, INVALID);
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  // --- integer arithmetic ---------------------------------------------------

  iadd(x: Value, y: Value): Value {
    return this.binary(Opcode.Iadd, x, y);
  }
  isub(x: Value, y: Value): Value {
    return this.binary(Opcode.Isub, x, y);
  }
  imul(x: Value, y: Value): Value {
    return this.binary(Opcode.Imul, x, y);
  }
  umulhi(x: Value, y: Value): Value {
    return this.binary(Opcode.Umulhi, x, y);
  }
  smulhi(x: Value, y: Value): Value {
    return this.binary(Opcode.Smulhi, x, y);
  }
  /** Traps `int_divz` on y = 0 and `int_ovf` on MIN / -1. */
  sdiv(x: Value, y: Value): Value {
    return this.binary(Opcode.Sdiv, x, y);
  }
  /** Traps `int_divz` on y = 0. */
  udiv(x: Value, y: Value): Value {
    return this.binary(Opcode.Udiv, x, y);
  }
  /** Traps `int_divz` on y = 0; MIN srem -1 = 0. */
  srem(x: Value, y: Value): Value {
    return this.binary(Opcode.Srem, x, y);
  }
  urem(x: Value, y: Value): Value {
    return this.binary(Opcode.Urem, x, y);
  }
  ineg(x: Value): Value {
    return this.unary(Opcode.Ineg, x);
  }
  iabs(x: Value): Value {
    return this.unary(Opcode.Iabs, x);
  }
  smin(x: Value, y: Value): Value {
    return this.binary(Opcode.Smin, x, y);
  }
  smax(x: Value, y: Value): Value {
    return this.binary(Opcode.Smax, x, y);
  }
  umin(x: Value, y: Value): Value {
    return this.binary(Opcode.Umin, x, y);
  }
  umax(x: Value, y: Value): Value {
    return this.binary(Opcode.Umax, x, y);
  }

  iaddImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.IaddImm, x, imm);
  }
  imulImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.ImulImm, x, imm);
  }
  /** imm − x. */
  irsubImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.IrsubImm, x, imm);
  }
  bandImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.BandImm, x, imm);
  }
  borImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.BorImm, x, imm);
  }
  bxorImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.BxorImm, x, imm);
  }
  ishlImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.IshlImm, x, imm);
  }
  ushrImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.UshrImm, x, imm);
  }
  sshrImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.SshrImm, x, imm);
  }
  rotlImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.RotlImm, x, imm);
  }
  rotrImm(x: Value, imm: number | bigint): Value {
    return this.binaryImm(Opcode.RotrImm, x, imm);
  }

  // --- bitwise --------------------------------------------------------------

  band(x: Value, y: Value): Value {
    return this.binary(Opcode.Band, x, y);
  }
  bor(x: Value, y: Value): Value {
    return this.binary(Opcode.Bor, x, y);
  }
  bxor(x: Value, y: Value): Value {
    return this.binary(Opcode.Bxor, x, y);
  }
  bnot(x: Value): Value {
    return this.unary(Opcode.Bnot, x);
  }
  /** x & ~y. */
  bandNot(x: Value, y: Value): Value {
    return this.binary(Opcode.BandNot, x, y);
  }
  borNot(x: Value, y: Value): Value {
    return this.binary(Opcode.BorNot, x, y);
  }
  bxorNot(x: Value, y: Value): Value {
    return this.binary(Opcode.BxorNot, x, y);
  }
  /** Shift amounts are taken modulo the bit width of x; y may be any integer type. */
  ishl(x: Value, y: Value): Value {
    return this.binary(Opcode.Ishl, x, y);
  }
  ushr(x: Value, y: Value): Value {
    return this.binary(Opcode.Ushr, x, y);
  }
  sshr(x: Value, y: Value): Value {
    return this.binary(Opcode.Sshr, x, y);
  }
  rotl(x: Value, y: Value): Value {
    return this.binary(Opcode.Rotl, x, y);
  }
  rotr(x: Value, y: Value): Value {
    return this.binary(Opcode.Rotr, x, y);
  }
  clz(x: Value): Value {
    return this.unary(Opcode.Clz, x);
  }
  cls(x: Value): Value {
    return this.unary(Opcode.Cls, x);
  }
  ctz(x: Value): Value {
    return this.unary(Opcode.Ctz, x);
  }
  popcnt(x: Value): Value {
    return this.unary(Opcode.Popcnt, x);
  }
  bswap(x: Value): Value {
    return this.unary(Opcode.Bswap, x);
  }
  bitrev(x: Value): Value {
    return this.unary(Opcode.Bitrev, x);
  }

  // --- comparisons ----------------------------------------------------------

  /** Result is i8 0/1. */
  icmp(cc: IntCC, x: Value, y: Value): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Icmp, dfg.typeOf(x));
    dfg.setArgList(inst, dfg.pool.of2(x, y));
    dfg.setAux(inst, cc);
    const r = dfg.makeSingleResult(inst, I8);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  icmpImm(cc: IntCC, x: Value, imm: number | bigint): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(Opcode.IcmpImm, ty);
    dfg.setArgList(inst, dfg.pool.of1(x));
    dfg.setAux(inst, cc);
    setMaskedImm(dfg, inst, imm, typeBits(ty));
    const r = dfg.makeSingleResult(inst, I8);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  /** Result is i8 0/1. */
  fcmp(cc: FloatCC, x: Value, y: Value): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Fcmp, dfg.typeOf(x));
    dfg.setArgList(inst, dfg.pool.of2(x, y));
    dfg.setAux(inst, cc);
    const r = dfg.makeSingleResult(inst, I8);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  // --- floating point -------------------------------------------------------

  fadd(x: Value, y: Value): Value {
    return this.binary(Opcode.Fadd, x, y);
  }
  fsub(x: Value, y: Value): Value {
    return this.binary(Opcode.Fsub, x, y);
  }
  fmul(x: Value, y: Value): Value {
    return this.binary(Opcode.Fmul, x, y);
  }
  fdiv(x: Value, y: Value): Value {
    return this.binary(Opcode.Fdiv, x, y);
  }
  /** x * y + z, rounded once. */
  fma(x: Value, y: Value, z: Value): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(Opcode.Fma, ty);
    dfg.setArgList(inst, dfg.pool.of3(x, y, z));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }
  sqrt(x: Value): Value {
    return this.unary(Opcode.Sqrt, x);
  }
  fabs(x: Value): Value {
    return this.unary(Opcode.Fabs, x);
  }
  fneg(x: Value): Value {
    return this.unary(Opcode.Fneg, x);
  }
  /** Magnitude of x, sign of y. */
  fcopysign(x: Value, y: Value): Value {
    return this.binary(Opcode.Fcopysign, x, y);
  }
  /** NaN if either is NaN; -0 < +0 (wasm `f*.min`). */
  fmin(x: Value, y: Value): Value {
    return this.binary(Opcode.Fmin, x, y);
  }
  fmax(x: Value, y: Value): Value {
    return this.binary(Opcode.Fmax, x, y);
  }
  ceil(x: Value): Value {
    return this.unary(Opcode.Ceil, x);
  }
  floor(x: Value): Value {
    return this.unary(Opcode.Floor, x);
  }
  trunc(x: Value): Value {
    return this.unary(Opcode.Trunc, x);
  }
  /** Round to nearest, ties to even. */
  nearest(x: Value): Value {
    return this.unary(Opcode.Nearest, x);
  }

  // --- conversions ----------------------------------------------------------

  uextend(ty: Type, x: Value): Value {
    return this.convert(Opcode.Uextend, ty, x);
  }
  sextend(ty: Type, x: Value): Value {
    return this.convert(Opcode.Sextend, ty, x);
  }
  ireduce(ty: Type, x: Value): Value {
    return this.convert(Opcode.Ireduce, ty, x);
  }
  fpromote(ty: Type, x: Value): Value {
    return this.convert(Opcode.Fpromote, ty, x);
  }
  fdemote(ty: Type, x: Value): Value {
    return this.convert(Opcode.Fdemote, ty, x);
  }
  /** Traps `bad_toint` on NaN, `int_ovf` when out of range. */
  fcvtToSint(ty: Type, x: Value): Value {
    return this.convert(Opcode.FcvtToSint, ty, x);
  }
  fcvtToUint(ty: Type, x: Value): Value {
    return this.convert(Opcode.FcvtToUint, ty, x);
  }
  /** NaN → 0, out of range → saturated. */
  fcvtToSintSat(ty: Type, x: Value): Value {
    return this.convert(Opcode.FcvtToSintSat, ty, x);
  }
  fcvtToUintSat(ty: Type, x: Value): Value {
    return this.convert(Opcode.FcvtToUintSat, ty, x);
  }
  fcvtFromSint(ty: Type, x: Value): Value {
    return this.convert(Opcode.FcvtFromSint, ty, x);
  }
  fcvtFromUint(ty: Type, x: Value): Value {
    return this.convert(Opcode.FcvtFromUint, ty, x);
  }
  /** Reinterpret the bits of x as `ty` (same width). */
  bitcast(ty: Type, x: Value): Value {
    return this.convert(Opcode.Bitcast, ty, x);
  }

  // --- selection ------------------------------------------------------------

  /** c != 0 ? x : y. */
  select(c: Value, x: Value, y: Value): Value {
    return this.ternarySelect(Opcode.Select, c, x, y);
  }
  /** Like select, but never speculated past (Spectre mitigation for bounds checks). */
  selectSpectreGuard(c: Value, x: Value, y: Value): Value {
    return this.ternarySelect(Opcode.SelectSpectreGuard, c, x, y);
  }
  private ternarySelect(op: Opcode, c: Value, x: Value, y: Value): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(op, ty);
    dfg.setArgList(inst, dfg.pool.of3(c, x, y));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  // --- memory ---------------------------------------------------------------

  load(ty: Type, flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Load, ty, flags, p, offset);
  }
  uload8(ty: Type, flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Uload8, ty, flags, p, offset);
  }
  sload8(ty: Type, flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Sload8, ty, flags, p, offset);
  }
  uload16(ty: Type, flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Uload16, ty, flags, p, offset);
  }
  sload16(ty: Type, flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Sload16, ty, flags, p, offset);
  }
  uload32(flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Uload32, I64, flags, p, offset);
  }
  sload32(flags: MemFlags, p: Value, offset = 0): Value {
    return this.loadOp(Opcode.Sload32, I64, flags, p, offset);
  }
  store(flags: MemFlags, x: Value, p: Value, offset = 0): Inst {
    return this.storeOp(Opcode.Store, flags, x, p, offset);
  }
  istore8(flags: MemFlags, x: Value, p: Value, offset = 0): Inst {
    return this.storeOp(Opcode.Istore8, flags, x, p, offset);
  }
  istore16(flags: MemFlags, x: Value, p: Value, offset = 0): Inst {
    return this.storeOp(Opcode.Istore16, flags, x, p, offset);
  }
  istore32(flags: MemFlags, x: Value, p: Value, offset = 0): Inst {
    return this.storeOp(Opcode.Istore32, flags, x, p, offset);
  }

  stackLoad(ty: Type, ss: StackSlot, offset = 0): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.StackLoad, ty);
    dfg.setAux(inst, ss);
    dfg.setAux2(inst, checkOffset(offset));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  stackStore(x: Value, ss: StackSlot, offset = 0): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.StackStore, dfg.typeOf(x));
    dfg.setArgList(inst, dfg.pool.of1(x));
    dfg.setAux(inst, ss);
    dfg.setAux2(inst, checkOffset(offset));
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  /** Address of a stack slot plus offset, as a `ty` (i32 or i64) pointer. */
  stackAddr(ty: Type, ss: StackSlot, offset = 0): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.StackAddr, ty);
    dfg.setAux(inst, ss);
    dfg.setAux2(inst, checkOffset(offset));
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  // --- traps ----------------------------------------------------------------

  /** x + y, trapping with `code` on unsigned overflow (wasm bounds checks). */
  uaddOverflowTrap(x: Value, y: Value, code: TrapCode): Value {
    const dfg = this.dfg;
    const ty = dfg.typeOf(x);
    const inst = dfg.makeInst(Opcode.UaddOverflowTrap, ty);
    dfg.setArgList(inst, dfg.pool.of2(x, y));
    dfg.setAux(inst, code);
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  trap(code: TrapCode): Inst {
    const inst = this.dfg.makeInst(Opcode.Trap, INVALID);
    this.dfg.setAux(inst, code);
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  /** Trap if c == 0. */
  trapz(c: Value, code: TrapCode): Inst {
    return this.condTrap(Opcode.Trapz, c, code);
  }
  /** Trap if c != 0. */
  trapnz(c: Value, code: TrapCode): Inst {
    return this.condTrap(Opcode.Trapnz, c, code);
  }
  private condTrap(op: Opcode, c: Value, code: TrapCode): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(op, dfg.typeOf(c));
    dfg.setArgList(inst, dfg.pool.of1(c));
    dfg.setAux(inst, code);
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  // --- control flow ---------------------------------------------------------

  jump(block: Block, args: readonly Value[] = []): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Jump, INVALID);
    dfg.setAux(inst, dfg.makeBlockCall(block, args));
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  /** if c != 0 then `thenBlock(thenArgs)` else `elseBlock(elseArgs)`. */
  brif(c: Value, thenBlock: Block, thenArgs: readonly Value[], elseBlock: Block, elseArgs: readonly Value[]): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Brif, dfg.typeOf(c));
    dfg.setArgList(inst, dfg.pool.of1(c));
    dfg.setAux(inst, dfg.makeBlockCall(thenBlock, thenArgs));
    dfg.setAux2(inst, dfg.makeBlockCall(elseBlock, elseArgs));
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  /** Jump to `jt`'s entry `index` (unsigned), or its default when out of range. */
  brTable(index: Value, jt: JumpTable): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.BrTable, INVALID);
    dfg.setArgList(inst, dfg.pool.of1(index));
    dfg.setAux(inst, jt);
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  return_(values: readonly Value[] = []): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Return, INVALID);
    dfg.setArgList(inst, dfg.pool.from(values));
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  // --- calls ----------------------------------------------------------------

  /** Direct call; results via `dfg.instResults(inst)`. */
  call(fn: FuncRef, args: readonly Value[]): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.Call, INVALID);
    dfg.setArgList(inst, dfg.pool.from(args));
    dfg.setAux(inst, fn);
    dfg.makeInstResults(inst);
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  /** Indirect call through `callee` (a pointer) with signature `sig`. */
  callIndirect(sig: SigRef, callee: Value, args: readonly Value[]): Inst {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.CallIndirect, INVALID);
    let h = dfg.pool.of1(callee);
    for (const a of args) h = dfg.pool.push(h, a);
    dfg.setArgList(inst, h);
    dfg.setAux(inst, sig);
    dfg.makeInstResults(inst);
    this.sink.insertBuiltInst(inst);
    return inst;
  }

  funcAddr(ty: Type, fn: FuncRef): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.FuncAddr, ty);
    dfg.setAux(inst, fn);
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

  getStackPointer(ty: Type): Value {
    const dfg = this.dfg;
    const inst = dfg.makeInst(Opcode.GetStackPointer, ty);
    const r = dfg.makeSingleResult(inst, ty);
    this.sink.insertBuiltInst(inst);
    return r;
  }

}

/**
 * A minimal insertion point over a `Function`: at the bottom of a block or
 * before an instruction (Cranelift's `FuncCursor`). Unlike `FunctionBuilder`
 * it does no SSA bookkeeping; passes use it to insert instructions.
 */
export class FuncCursor implements InstInserter {
  private block = -1;
  private before = -1;
  private readonly builder: InstBuilder;
  /** Source location applied to inserted instructions (absolute). */
  srcLoc = 0xffff_ffff;

  constructor(readonly func: Function) {
    this.builder = new InstBuilder(this);
  }

  /** Insert at the end of `block` (which must be in the layout). */
  atBottom(block: Block): this {
    this.block = block;
    this.before = -1;
    return this;
  }

  /** Insert immediately before `inst`. */
  atInst(inst: Inst): this {
    this.before = inst;
    this.block = this.func.layout.instBlock(inst);
    return this;
  }

  ins(): InstBuilder {
    return this.builder;
  }

  insertBuiltInst(inst: Inst): void {
    const layout: Layout = this.func.layout;
    if (this.before >= 0) layout.insertInstBefore(inst, this.before);
    else if (this.block >= 0) layout.appendInst(inst, this.block);
    else throw new Error('FuncCursor has no position');
    if (this.srcLoc !== 0xffff_ffff) this.func.setSrcLoc(inst, this.srcLoc);
  }
}
