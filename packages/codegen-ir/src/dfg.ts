/**
 * The data-flow graph: values, instructions, blocks (as parameter lists),
 * block calls, and the side tables instructions refer to (signatures,
 * imported functions, jump tables).
 *
 * Problem. Derrick translates every function of a wasm module through this
 * structure; a module can have 100k functions. Allocating a JS object per
 * instruction and per value would make the translator allocation-bound and
 * the GC the bottleneck. Approach: struct-of-arrays storage with integer ids,
 * as Cranelift does with `PrimaryMap`s, and variable-length operand lists in
 * one shared `ListPool`.
 *
 Each entity kind has one `Int32Array` of fixed-size records (struct of
 * arrays would need eight allocations per growth, and a function is built in
 * about a hundred microseconds, so allocation count matters — see README,
 * "Performance-tuning lessons"). An instruction record is eight words:
 *
 * ```
 *   0  opcode | ctrlType << 8      Opcode; controlling type (see opcodes.ts)
 *   1  args                        ListPool handle of value arguments
 *   2  results                     ListPool handle of result values
 *   3  aux      cond code | MemFlags bits | StackSlot | FuncRef | SigRef
 *               | JumpTable | TrapCode | BlockCall (jump, brif-then)
 *   4  aux2     offset (loads/stores/stack ops) | BlockCall (brif-else)
 *   5  immLo    low 32 bits of an Imm64 / Ieee32 / Ieee64
 *   6  immHi    high 32 bits
 *   7  srcloc   RelSourceLoc (owned by the stencil; stored here to save an array)
 * ```
 *
 * A value record is three words (`type | kind << 8`, a, b), a block call two
 * (block, args handle); blocks only have a parameter-list handle.
 *
 * Values are either the `num`-th result of an instruction, the `num`-th
 * parameter of a block, an alias of another value (left behind when SSA
 * construction removes a redundant block parameter), or a placeholder (a
 * number the text parser skipped). Blocks own a parameter list; block params
 * replace phi nodes. A branch names its targets through `BlockCall`s: a
 * target block plus the argument list passed to its parameters.
 *
 * Invariants.
 * * (ValueDefConsistent) for a result value v of inst i at position n,
 *   `results(i)[n] === v`; likewise for block params.
 * * (ImmMasked) integer immediates are stored masked to the width of the
 *   controlling type (see immediates.ts).
 * * (BlockCallOwned) every BlockCall belongs to exactly one branch or jump
 *   table, so argument lists can be edited in place.
 *
 * Mutation helpers keep the first two; the builder, parser and passes keep the
 * third by construction.
 */
import type { FloatCC, IntCC } from './condcodes.js';
import type { Block, BlockCall, Inst, JumpTable, StackSlot, Value } from './entities.js';
import type { ExternalName } from './extname.js';
import { ListPool } from './listpool.js';
import { MemFlags } from './memflags.js';
import { InstructionFormat, type Opcode, OPCODE_INFO, opcodeName } from './opcodes.js';
import type { FuncRef, SigRef, Signature } from './signature.js';
import type { TrapCode } from './trapcode.js';
import { F32, F64, I8, INVALID, type Type } from './types.js';

/** An imported (callable) function: `fn0 = colocated u0:3 sig1`. */
export interface ExtFuncData {
  name: ExternalName;
  signature: SigRef;
  /** The callee is in the same compiled artifact: a direct pc-relative call is possible (mission M2). */
  colocated: boolean;
}

/** A jump table for `br_table`: a default target and the indexed targets. */
export interface JumpTableData {
  default: BlockCall;
  entries: BlockCall[];
}

/** Value definition kinds (value record word 0, bits 8..15). */
const VK_PLACEHOLDER = 0;
const VK_RESULT = 1;
const VK_PARAM = 2;
const VK_ALIAS = 3;

/** How a value is defined. */
export type ValueDef =
  | { kind: 'result'; inst: Inst; num: number }
  | { kind: 'param'; block: Block; num: number }
  | { kind: 'alias'; target: Value }
  | { kind: 'placeholder' };

const IS = 8; // instruction record stride
const VS = 3; // value record stride
const BS = 2; // block-call record stride
const NO_LOC = -1; // DEFAULT_SRCLOC as an int32

function grow(a: Int32Array<ArrayBuffer>, n: number, fill = 0): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  let cap = Math.max(a.length * 2, 16);
  while (cap < n) cap *= 2;
  const b = new Int32Array(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export class DataFlowGraph {
  /** Shared storage of all operand lists. */
  // Initial tables are tiny — at most 64 bytes, which V8 keeps on its heap
  // (a larger typed array costs a calloc, an ArrayBuffer and a finalizer) —
  // so a small function pays almost nothing; a producer that knows the size
  // coming calls `reserve` once instead of growing step by step.
  pool = new ListPool(16);

  numValues = 0;
  private values = new Int32Array(5 * VS);
  numInsts = 0;
  private insts = new Int32Array(2 * IS);
  numBlocks = 0;
  private blockParamLists = new Int32Array(16);
  numBlockCalls = 0;
  private blockCalls = new Int32Array(8 * BS);

  /**
   * Size hint: make room for about `insts` instructions, `values` values,
   * `blocks` blocks and `blockCalls` block calls, and `listWords` words of
   * operand lists (a hint only; the tables still grow as needed).
   */
  reserve(insts: number, values: number, blocks: number, blockCalls: number, listWords: number): void {
    this.insts = grow(this.insts, insts * IS);
    this.values = grow(this.values, values * VS);
    this.blockParamLists = grow(this.blockParamLists, blocks);
    this.blockCalls = grow(this.blockCalls, blockCalls * BS);
    this.pool.reserve(listWords);
  }

  // Side tables.
  signatures: Signature[] = [];
  extFuncs: ExtFuncData[] = [];
  jumpTables: JumpTableData[] = [];

  // -------------------------------------------------------------------------
  // Values

  private newValue(type: Type, kind: number, a: number, b: number): Value {
    const v = this.numValues++;
    const o = v * VS;
    if (o + VS > this.values.length) this.values = grow(this.values, o + VS);
    const d = this.values;
    d[o] = type | (kind << 8);
    d[o + 1] = a;
    d[o + 2] = b;
    return v;
  }

  private setValue(v: Value, type: Type, kind: number, a: number, b: number): void {
    const o = v * VS;
    this.values[o] = type | (kind << 8);
    this.values[o + 1] = a;
    this.values[o + 2] = b;
  }

  private kindOf(v: Value): number {
    return (this.values[v * VS]! >> 8) & 0xff;
  }

  /** Make sure value numbers up to `v` exist, creating placeholders (used by the text parser). */
  ensureValue(v: Value): void {
    while (this.numValues <= v) this.newValue(INVALID, VK_PLACEHOLDER, -1, -1);
  }

  valueExists(v: Value): boolean {
    return v >= 0 && v < this.numValues && this.kindOf(v) !== VK_PLACEHOLDER;
  }

  /** The type of `v`. */
  typeOf(v: Value): Type {
    return this.values[v * VS]! & 0xff;
  }

  valueDef(v: Value): ValueDef {
    const o = v * VS;
    switch (this.kindOf(v)) {
      case VK_RESULT:
        return { kind: 'result', inst: this.values[o + 1]!, num: this.values[o + 2]! };
      case VK_PARAM:
        return { kind: 'param', block: this.values[o + 1]!, num: this.values[o + 2]! };
      case VK_ALIAS:
        return { kind: 'alias', target: this.values[o + 1]! };
      default:
        return { kind: 'placeholder' };
    }
  }

  /** Is `v` the result of `inst`? (`valueInst` after alias resolution is the general form.) */
  isResultOf(v: Value, inst: Inst, num: number): boolean {
    const o = v * VS;
    return this.kindOf(v) === VK_RESULT && this.values[o + 1] === inst && this.values[o + 2] === num;
  }

  /** Is `v` parameter `num` of `block`? */
  isParamOf(v: Value, block: Block, num: number): boolean {
    const o = v * VS;
    return this.kindOf(v) === VK_PARAM && this.values[o + 1] === block && this.values[o + 2] === num;
  }

  /** The instruction defining `v` (after alias resolution), or -1 for a block param. */
  valueInst(v: Value): Inst {
    const r = this.resolveAliases(v);
    return this.kindOf(r) === VK_RESULT ? this.values[r * VS + 1]! : -1;
  }

  /** The block whose parameter `v` is (after alias resolution), or -1. */
  valueParamBlock(v: Value): Block {
    const r = this.resolveAliases(v);
    return this.kindOf(r) === VK_PARAM ? this.values[r * VS + 1]! : -1;
  }

  /** Position of `v` among its instruction's results or its block's params. */
  valueNum(v: Value): number {
    return this.values[v * VS + 2]!;
  }

  isAlias(v: Value): boolean {
    return this.kindOf(v) === VK_ALIAS;
  }

  /** The immediate target of alias `v` (not resolved further). */
  aliasTarget(v: Value): Value {
    return this.values[v * VS + 1]!;
  }

  /** Follow alias links to the value that is really defined. */
  resolveAliases(v: Value): Value {
    let r = v;
    for (let i = 0; this.kindOf(r) === VK_ALIAS; i++) {
      r = this.values[r * VS + 1]!;
      if (i > this.numValues) throw new Error(`value alias cycle at v${v}`);
    }
    return r;
  }

  /**
   * Turn `v` into an alias of `target` (Cranelift's `change_to_alias`): every
   * use of `v` now means `target`. `v` must no longer be attached to an
   * instruction or block. Types must match.
   */
  changeToAlias(v: Value, target: Value): void {
    const t = this.resolveAliases(target);
    if (t === v) throw new Error(`cannot alias v${v} to itself`);
    if (this.typeOf(t) !== this.typeOf(v)) throw new Error(`alias type mismatch: v${v} and v${t}`);
    this.setValue(v, this.typeOf(v), VK_ALIAS, t, 0);
  }

  /** Create an alias value `v` (parser: `v3 -> v1`). */
  makeAliasAt(v: Value, target: Value, type: Type): void {
    this.ensureValue(v);
    this.setValue(v, type, VK_ALIAS, target, 0);
  }

  /**
   * Rewrite every argument (instruction args and block-call args) that is an
   * alias to the value it resolves to. After this, aliases are unused.
   */
  resolveAllAliases(): void {
    const pool = this.pool;
    const fix = (h: number): void => {
      const n = pool.len(h);
      for (let i = 0; i < n; i++) {
        const v = pool.data[h + i]!;
        if (this.kindOf(v) === VK_ALIAS) pool.data[h + i] = this.resolveAliases(v);
      }
    };
    for (let i = 0; i < this.numInsts; i++) fix(this.insts[i * IS + 1]!);
    for (let b = 0; b < this.numBlockCalls; b++) fix(this.blockCalls[b * BS + 1]!);
  }

  // -------------------------------------------------------------------------
  // Instructions

  /** Allocate an instruction with empty slots; not yet in the layout, no results. */
  makeInst(opcode: Opcode, ctrlType: Type): Inst {
    const i = this.numInsts++;
    const o = i * IS;
    if (o + IS > this.insts.length) this.insts = grow(this.insts, o + IS);
    const d = this.insts;
    d[o] = opcode | (ctrlType << 8);
    d[o + 1] = 0;
    d[o + 2] = 0;
    d[o + 3] = 0;
    d[o + 4] = 0;
    d[o + 5] = 0;
    d[o + 6] = 0;
    d[o + 7] = NO_LOC;
    return i;
  }

  opcode(inst: Inst): Opcode {
    return (this.insts[inst * IS]! & 0xff) as Opcode;
  }

  format(inst: Inst): InstructionFormat {
    return OPCODE_INFO[this.insts[inst * IS]! & 0xff]!.format;
  }

  ctrlType(inst: Inst): Type {
    return (this.insts[inst * IS]! >> 8) & 0xff;
  }

  /** Raw first immediate slot (see the record layout above); prefer the typed getters. */
  aux(inst: Inst): number {
    return this.insts[inst * IS + 3]!;
  }

  setAux(inst: Inst, x: number): void {
    this.insts[inst * IS + 3] = x;
  }

  /** Raw second immediate slot. */
  aux2(inst: Inst): number {
    return this.insts[inst * IS + 4]!;
  }

  setAux2(inst: Inst, x: number): void {
    this.insts[inst * IS + 4] = x;
  }

  // Typed views of aux/aux2.
  intCC(inst: Inst): IntCC {
    return this.aux(inst) as IntCC;
  }
  floatCC(inst: Inst): FloatCC {
    return this.aux(inst) as FloatCC;
  }
  memFlags(inst: Inst): MemFlags {
    return MemFlags.fromBits(this.aux(inst));
  }
  /** Signed 32-bit offset of a load, store or stack operation. */
  offset(inst: Inst): number {
    return this.aux2(inst);
  }
  stackSlot(inst: Inst): StackSlot {
    return this.aux(inst);
  }
  funcRef(inst: Inst): FuncRef {
    return this.aux(inst);
  }
  sigRef(inst: Inst): SigRef {
    return this.aux(inst);
  }
  jumpTable(inst: Inst): JumpTable {
    return this.aux(inst);
  }
  trapCode(inst: Inst): TrapCode {
    return this.aux(inst);
  }

  /** Relative source location of `inst` (DEFAULT_SRCLOC when none). */
  relSrcLoc(inst: Inst): number {
    return this.insts[inst * IS + 7]! >>> 0;
  }

  setRelSrcLoc(inst: Inst, loc: number): void {
    this.insts[inst * IS + 7] = loc | 0;
  }

  /** ListPool handle of the argument list (for passes that walk the pool directly). */
  argList(inst: Inst): number {
    return this.insts[inst * IS + 1]!;
  }

  /** Install a ListPool handle as the argument list (the old list is not freed). */
  setArgList(inst: Inst, h: number): void {
    this.insts[inst * IS + 1] = h;
  }

  numArgs(inst: Inst): number {
    return this.pool.len(this.insts[inst * IS + 1]!);
  }

  arg(inst: Inst, i: number): Value {
    return this.pool.data[this.insts[inst * IS + 1]! + i]!;
  }

  setArg(inst: Inst, i: number, v: Value): void {
    this.pool.data[this.insts[inst * IS + 1]! + i] = v;
  }

  /** The value arguments of `inst` (a fresh array). Branch arguments are in block calls. */
  instArgs(inst: Inst): Value[] {
    return this.pool.toArray(this.insts[inst * IS + 1]!);
  }

  setArgs(inst: Inst, args: ArrayLike<Value>): void {
    this.pool.free(this.insts[inst * IS + 1]!);
    const h = this.pool.from(args);
    this.insts[inst * IS + 1] = h;
  }

  numResults(inst: Inst): number {
    return this.pool.len(this.insts[inst * IS + 2]!);
  }

  /** The first result of `inst`; throws if it has none. */
  firstResult(inst: Inst): Value {
    const h = this.insts[inst * IS + 2]!;
    if (h === 0) throw new Error(`inst${inst} (${opcodeName(this.opcode(inst))}) has no results`);
    return this.pool.data[h]!;
  }

  result(inst: Inst, i: number): Value {
    return this.pool.data[this.insts[inst * IS + 2]! + i]!;
  }

  instResults(inst: Inst): Value[] {
    return this.pool.toArray(this.insts[inst * IS + 2]!);
  }

  /** Signed 64-bit view of the immediate (as stored: masked to the controlling type). */
  imm64(inst: Inst): bigint {
    const o = inst * IS;
    const hi = this.insts[o + 6]!;
    const lo = this.insts[o + 5]!;
    // One BigInt instead of four for the common small values (constants are
    // read for every rule that looks at an operand).
    if (hi === 0) return BigInt(lo >>> 0);
    if (hi === -1 && lo < 0) return BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  }

  /** The immediate as an unsigned 64-bit pattern. */
  immBits(inst: Inst): bigint {
    return BigInt.asUintN(64, this.imm64(inst));
  }

  setImm(inst: Inst, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.insts[inst * IS + 5] = Number(u & 0xffff_ffffn) | 0;
    this.insts[inst * IS + 6] = Number(u >> 32n) | 0;
  }

  /** Set the immediate from two 32-bit halves (no BigInt on the hot path). */
  setImmParts(inst: Inst, lo: number, hi: number): void {
    this.insts[inst * IS + 5] = lo | 0;
    this.insts[inst * IS + 6] = hi | 0;
  }

  /** Low 32 bits of the immediate, unsigned. */
  immLo(inst: Inst): number {
    return this.insts[inst * IS + 5]! >>> 0;
  }

  /** High 32 bits of the immediate, unsigned. */
  immHi(inst: Inst): number {
    return this.insts[inst * IS + 6]! >>> 0;
  }

  /** `f32const` bits. */
  ieee32Bits(inst: Inst): number {
    return this.insts[inst * IS + 5]! >>> 0;
  }

  /** `f64const` bits. */
  ieee64Bits(inst: Inst): bigint {
    return this.immBits(inst);
  }

  /**
   * Result types of an instruction with the given opcode and controlling
   * type. Calls need `inst` (their results come from the signature).
   */
  resultTypesFor(opcode: Opcode, ctrlType: Type, inst: Inst = -1): Type[] {
    const info = OPCODE_INFO[opcode]!;
    switch (info.constraint) {
      case 'none':
      case 'store':
      case 'stackStore':
      case 'trap':
      case 'condTrap':
      case 'jump':
      case 'brif':
      case 'brTable':
      case 'return':
        return [];
      case 'f32const':
        return [F32];
      case 'f64const':
        return [F64];
      case 'icmp':
      case 'icmpImm':
      case 'fcmp':
        return [I8];
      case 'call':
      case 'callIndirect': {
        if (inst < 0) throw new Error(`${info.name} result types need the instruction`);
        const sig = this.callSignature(inst);
        return sig === undefined ? [] : sig.returns.map((p) => p.type);
      }
      default:
        return [ctrlType];
    }
  }

  /** Create the result values of `inst` from its opcode, controlling type and (for calls) signature. */
  makeInstResults(inst: Inst): number {
    const tys = this.resultTypesFor(this.opcode(inst), this.ctrlType(inst), inst);
    if (tys.length === 0) return 0;
    const h = this.pool.alloc(tys.length);
    for (let n = 0; n < tys.length; n++) {
      const v = this.newValue(tys[n]!, VK_RESULT, inst, n);
      this.pool.data[h + n] = v;
    }
    this.insts[inst * IS + 2] = h;
    return tys.length;
  }

  /** Fast path for the common single-result case: create and return it. */
  makeSingleResult(inst: Inst, type: Type): Value {
    const v = this.newValue(type, VK_RESULT, inst, 0);
    const h = this.pool.of1(v);
    this.insts[inst * IS + 2] = h;
    return v;
  }

  /**
   * Give `inst` a fresh value as its result `i` and return it. The value it
   * had is left undefined (a placeholder) with its type, for the caller to
   * define again — typically as an alias of a value computed from the fresh
   * one, so every existing use now reads the new computation (Cranelift's
   * `replace_result`).
   */
  replaceResult(inst: Inst, i: number): Value {
    const h = this.insts[inst * IS + 2]!;
    if (h === 0 || i >= this.pool.len(h)) throw new Error(`inst${inst} has no result ${i}`);
    const old = this.pool.data[h + i]!;
    const type = this.typeOf(old);
    const v = this.newValue(type, VK_RESULT, inst, i);
    this.pool.data[h + i] = v;
    this.setValue(old, type, VK_PLACEHOLDER, -1, -1);
    return v;
  }

  /** Attach a specific value number as the next result of `inst` (text parser). */
  attachResultAt(inst: Inst, v: Value, type: Type): void {
    this.ensureValue(v);
    if (this.kindOf(v) !== VK_PLACEHOLDER) throw new Error(`v${v} is defined more than once`);
    const o = inst * IS + 2;
    const n = this.pool.len(this.insts[o]!);
    const h = this.pool.push(this.insts[o]!, v);
    this.insts[o] = h;
    this.setValue(v, type, VK_RESULT, inst, n);
  }

  // -------------------------------------------------------------------------
  // Blocks and block calls

  makeBlock(): Block {
    const b = this.numBlocks++;
    if (b >= this.blockParamLists.length) this.blockParamLists = grow(this.blockParamLists, b + 1);
    this.blockParamLists[b] = 0;
    return b;
  }

  /** Make sure block numbers up to `b` exist (text parser). */
  ensureBlock(b: Block): void {
    while (this.numBlocks <= b) this.makeBlock();
  }

  blockExists(b: Block): boolean {
    return b >= 0 && b < this.numBlocks;
  }

  numBlockParams(b: Block): number {
    return this.pool.len(this.blockParamLists[b]!);
  }

  blockParam(b: Block, i: number): Value {
    return this.pool.data[this.blockParamLists[b]! + i]!;
  }

  blockParams(b: Block): Value[] {
    return this.pool.toArray(this.blockParamLists[b]!);
  }

  appendBlockParam(b: Block, type: Type): Value {
    const n = this.numBlockParams(b);
    const v = this.newValue(type, VK_PARAM, b, n);
    const h = this.pool.push(this.blockParamLists[b]!, v);
    this.blockParamLists[b] = h;
    return v;
  }

  /** Attach a specific value number as the next parameter of `b` (text parser). */
  attachBlockParamAt(b: Block, v: Value, type: Type): void {
    this.ensureValue(v);
    if (this.kindOf(v) !== VK_PLACEHOLDER) throw new Error(`v${v} is defined more than once`);
    const n = this.numBlockParams(b);
    const h = this.pool.push(this.blockParamLists[b]!, v);
    this.blockParamLists[b] = h;
    this.setValue(v, type, VK_PARAM, b, n);
  }

  /**
   * Detach parameter `i` of block `b` (the value keeps its number and type;
   * the caller usually turns it into an alias). Later params move down one
   * position. Branch arguments are not touched.
   */
  removeBlockParam(b: Block, i: number): Value {
    const h = this.blockParamLists[b]!;
    const v = this.pool.data[h + i]!;
    const nh = this.pool.removeAt(h, i);
    this.blockParamLists[b] = nh;
    const n = this.pool.len(nh);
    for (let j = i; j < n; j++) this.values[this.pool.data[nh + j]! * VS + 2] = j;
    this.setValue(v, this.typeOf(v), VK_PLACEHOLDER, -1, -1);
    return v;
  }

  makeBlockCall(block: Block, args: ArrayLike<Value>): BlockCall {
    const c = this.numBlockCalls++;
    const o = c * BS;
    if (o + BS > this.blockCalls.length) this.blockCalls = grow(this.blockCalls, o + BS);
    const h = args.length === 0 ? 0 : this.pool.from(args);
    this.blockCalls[o] = block;
    this.blockCalls[o + 1] = h;
    return c;
  }

  blockCallBlock(bc: BlockCall): Block {
    return this.blockCalls[bc * BS]!;
  }

  setBlockCallBlock(bc: BlockCall, b: Block): void {
    this.blockCalls[bc * BS] = b;
  }

  blockCallNumArgs(bc: BlockCall): number {
    return this.pool.len(this.blockCalls[bc * BS + 1]!);
  }

  blockCallArg(bc: BlockCall, i: number): Value {
    return this.pool.data[this.blockCalls[bc * BS + 1]! + i]!;
  }

  setBlockCallArg(bc: BlockCall, i: number, v: Value): void {
    this.pool.data[this.blockCalls[bc * BS + 1]! + i] = v;
  }

  blockCallArgs(bc: BlockCall): Value[] {
    return this.pool.toArray(this.blockCalls[bc * BS + 1]!);
  }

  /** ListPool handle of a block call's arguments. */
  blockCallArgList(bc: BlockCall): number {
    return this.blockCalls[bc * BS + 1]!;
  }

  appendBlockCallArg(bc: BlockCall, v: Value): void {
    const h = this.pool.push(this.blockCalls[bc * BS + 1]!, v);
    this.blockCalls[bc * BS + 1] = h;
  }

  removeBlockCallArg(bc: BlockCall, i: number): void {
    const h = this.pool.removeAt(this.blockCalls[bc * BS + 1]!, i);
    this.blockCalls[bc * BS + 1] = h;
  }

  /**
   * The block calls of a branch instruction, in order: `jump` → [target],
   * `brif` → [then, else], `br_table` → [default, ...entries]. Empty for
   * anything else.
   */
  branchDestinations(inst: Inst): BlockCall[] {
    switch (this.format(inst)) {
      case InstructionFormat.Jump:
        return [this.aux(inst)];
      case InstructionFormat.Brif:
        return [this.aux(inst), this.aux2(inst)];
      case InstructionFormat.BranchTable: {
        const jt = this.jumpTables[this.aux(inst)];
        return jt === undefined ? [] : [jt.default, ...jt.entries];
      }
      default:
        return [];
    }
  }

  /**
   * How many block calls `branchDestinations(inst)` would list, without
   * building the array (SSA construction asks per use of a variable).
   */
  numBranchDestinations(inst: Inst): number {
    switch (this.format(inst)) {
      case InstructionFormat.Jump:
        return 1;
      case InstructionFormat.Brif:
        return 2;
      case InstructionFormat.BranchTable: {
        const jt = this.jumpTables[this.aux(inst)];
        return jt === undefined ? 0 : 1 + jt.entries.length;
      }
      default:
        return 0;
    }
  }

  /** `branchDestinations(inst)[k]`, for `k < numBranchDestinations(inst)`, without the array. */
  branchDestination(inst: Inst, k: number): BlockCall {
    switch (this.format(inst)) {
      case InstructionFormat.Jump:
        return this.aux(inst);
      case InstructionFormat.Brif:
        return k === 0 ? this.aux(inst) : this.aux2(inst);
      default: {
        const jt = this.jumpTables[this.aux(inst)]!;
        return k === 0 ? jt.default : jt.entries[k - 1]!;
      }
    }
  }

  // -------------------------------------------------------------------------
  // Side tables

  importSignature(sig: Signature): SigRef {
    this.signatures.push(sig);
    return this.signatures.length - 1;
  }

  importFunction(data: ExtFuncData): FuncRef {
    this.extFuncs.push(data);
    return this.extFuncs.length - 1;
  }

  /** Create a jump table from block calls made with `makeBlockCall`. */
  createJumpTable(data: JumpTableData): JumpTable {
    this.jumpTables.push(data);
    return this.jumpTables.length - 1;
  }

  /** Signature of a call/call_indirect instruction, or undefined. */
  callSignature(inst: Inst): Signature | undefined {
    const f = this.format(inst);
    if (f === InstructionFormat.Call) {
      const ext = this.extFuncs[this.aux(inst)];
      return ext === undefined ? undefined : this.signatures[ext.signature];
    }
    if (f === InstructionFormat.CallIndirect) return this.signatures[this.aux(inst)];
    return undefined;
  }

  clone(): DataFlowGraph {
    const d = new DataFlowGraph();
    d.pool = this.pool.clone();
    d.numValues = this.numValues;
    d.values = this.values.slice();
    d.numInsts = this.numInsts;
    d.insts = this.insts.slice();
    d.numBlocks = this.numBlocks;
    d.blockParamLists = this.blockParamLists.slice();
    d.numBlockCalls = this.numBlockCalls;
    d.blockCalls = this.blockCalls.slice();
    d.signatures = this.signatures.map((s) => s.clone());
    d.extFuncs = this.extFuncs.map((e) => ({ ...e }));
    d.jumpTables = this.jumpTables.map((j) => ({ default: j.default, entries: j.entries.slice() }));
    return d;
  }
}
