/**
 * `FunctionBuilder`: build a function in SSA form from a front end that
 * thinks in mutable variables (wasm locals), like `cranelift-frontend`.
 *
 * The front end declares variables, defines and uses them in whatever block
 * it is filling, creates blocks, branches between them, and *seals* a block
 * once every branch to it has been emitted. The builder turns variables into
 * SSA values with the algorithm of Braun et al., "Simple and Efficient
 * Construction of Static Single Assignment Form" (CC 2013):
 *
 * * `useVar(x)` in block B returns B's local definition if there is one.
 * * Otherwise, if B is not sealed, its predecessors are not all known: B gets
 *   a fresh parameter standing for x (an "incomplete phi"), recorded so that
 *   sealing can fill in the branch arguments.
 * * If B is sealed with one predecessor, the definition comes from it.
 * * If B is sealed with several, B gets a parameter p for x, p becomes B's
 *   definition (this breaks cycles through loops), and every predecessor's
 *   branch to B gets the predecessor's definition of x appended as an
 *   argument.
 * * If B is sealed with no predecessor (the entry block or unreachable
 *   code), x was used before being defined: a zero constant of x's type is
 *   placed at the top of B, as cranelift-frontend does.
 *
 * Block parameters *are* the phis, so "adding an operand to a phi" is
 * appending an argument to each predecessor's block call.
 *
 * Trivial parameters. After a parameter's arguments are complete (when a
 * sealed block creates it, or when its block is sealed), if every incoming
 * argument is either the parameter itself or one same value v, the parameter
 * is removed — from the block and from every predecessor's block calls — and
 * the old value becomes an *alias* of v. Uses already emitted keep working
 * through the alias; `finalize()` rewrites all of them to v. Braun's
 * recursive re-check of the parameter's *users* is not done: a parameter that
 * only becomes trivial after another one is removed stays (correct, and rare
 * in wasm, where the common loop-invariant local is caught by the direct
 * check).
 *
 * The walk over predecessors is iterative (an explicit task stack), so long
 * chains of blocks — thousands of sequential `if`s in a big wasm function —
 * cannot overflow the JS stack.
 *
 * Invariants.
 * * (SealedPredsFinal) no branch to a sealed block may be added; the builder
 *   throws instead.
 * * (UserParamsFirst) user-declared block parameters (`appendBlockParam`)
 *   precede the parameters SSA construction adds, so the arguments a front
 *   end writes in `jump`/`brif` always line up with the first parameters.
 *   The builder throws if a user parameter is appended after the block got
 *   an SSA parameter or a predecessor.
 * * (FilledIsFinal) once a block ends in a terminator, nothing more is
 *   appended to it.
 */
import type { Block, Inst, JumpTable, StackSlot, Value } from './entities.js';
import type { ExtFuncData } from './dfg.js';
import type { UserExternalName, UserExternalNameRef } from './extname.js';
import type { Function, StackSlotData } from './function.js';
import { type BlockArg, type InstInserter, InstBuilder } from './inst-builder.js';
import { InstructionFormat, OPCODE_INFO, OpFlag, Opcode } from './opcodes.js';
import type { FuncRef, SigRef, Signature } from './signature.js';
import { DEFAULT_SRCLOC, type SourceLoc } from './sourceloc.js';
import { F32, F64, INVALID, type Type, isInt, typeBits, typeName } from './types.js';

/** A front-end variable (wasm local, temporary). */
export type Variable = number;

const STATUS_EMPTY = 0;
const STATUS_PARTIAL = 1;
const STATUS_FILLED = 2;

/**
 * Reusable scratch state of a `FunctionBuilder`. Keep one per thread of
 * translation and pass it to each new builder to avoid re-allocating.
 */
export class FunctionBuilderContext {
  /** Per block: sealed flag. */
  sealed: number[] = [];
  /** Per block: empty / partial / filled. */
  status: number[] = [];
  /** Per block: predecessor branch instructions (each listed once). */
  preds: Inst[][] = [];
  /** Per block: (variable, parameter) pairs awaiting sealing. */
  incomplete: number[][] = [];
  /** Per block: does it have SSA-added parameters? (UserParamsFirst) */
  hasSsaParams: number[] = [];
  varTypes: Type[] = [];

  /**
   * (block, variable) → the variable's current definition in that block: an
   * open-addressing hash table with linear probing over one typed array (a
   * `Map` per block was the largest allocation of translation). Slot k holds
   * `[stamp, block, variable, value]` at `4k`, so a probe touches one cache
   * line. An entry is live iff its stamp equals `defGen`, so `clear()` is
   * O(1). The table is sized for the function being built: `clear()` drops
   * a table a big function grew (SmallTableForSmallFunction) — probing a
   * table of millions of slots for a ten-instruction function missed the
   * cache on nearly every lookup.
   */
  private defs = new Int32Array(DEF_SLOTS_MIN * 4);
  private defGen = 1;
  private defCount = 0;

  /** Scratch stacks of `useVarIn`'s iterative walk (used with a base index, so re-entry is safe). */
  readonly tasks: number[] = [];
  readonly results: Value[] = [];

  clear(): void {
    this.sealed.length = 0;
    this.status.length = 0;
    this.preds.length = 0;
    this.incomplete.length = 0;
    this.hasSsaParams.length = 0;
    this.varTypes.length = 0;
    this.tasks.length = 0;
    this.results.length = 0;
    this.defCount = 0;
    if (this.defs.length > DEF_SLOTS_KEEP * 4) {
      this.defs = new Int32Array(DEF_SLOTS_MIN * 4);
      this.defGen = 1;
    } else if (++this.defGen === 0x7fff_ffff) {
      this.defs.fill(0);
      this.defGen = 1;
    }
  }

  /** The definition of `variable` in `block`, or -1. */
  getDef(block: Block, variable: Variable): Value {
    const defs = this.defs;
    const mask = (defs.length >> 2) - 1;
    const gen = this.defGen;
    for (let i = defHash(block, variable) & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      if (defs[o] !== gen) return -1;
      if (defs[o + 1] === block && defs[o + 2] === variable) return defs[o + 3]!;
    }
  }

  setDef(block: Block, variable: Variable, value: Value): void {
    if (2 * (this.defCount + 1) > this.defs.length >> 2) this.growDefs();
    const defs = this.defs;
    const mask = (defs.length >> 2) - 1;
    const gen = this.defGen;
    for (let i = defHash(block, variable) & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      if (defs[o] !== gen) {
        defs[o] = gen;
        defs[o + 1] = block;
        defs[o + 2] = variable;
        defs[o + 3] = value;
        this.defCount++;
        return;
      }
      if (defs[o + 1] === block && defs[o + 2] === variable) {
        defs[o + 3] = value;
        return;
      }
    }
  }

  private growDefs(): void {
    const old = this.defs;
    const gen = this.defGen;
    this.defs = new Int32Array(old.length * 2);
    this.defCount = 0;
    for (let o = 0; o < old.length; o += 4) if (old[o] === gen) this.setDef(old[o + 1]!, old[o + 2]!, old[o + 3]!);
  }
}

/** Slots of a fresh def table, and the most `clear()` keeps for the next function. */
const DEF_SLOTS_MIN = 256;
const DEF_SLOTS_KEEP = 4096;

function defHash(block: number, variable: number): number {
  return (Math.imul(block, 0x9e3779b1) ^ Math.imul(variable + 1, 0x85ebca77)) >>> 7;
}

// Task kinds of the iterative use-var walk.
const T_USE = 0; // look up var in block; push result
const T_SET_DEF = 1; // set def(var, block) := top of result stack (keep it)
const T_APPEND_ARG = 2; // pop result; append as arg to pred inst's calls to block
const T_FINISH_PARAM = 3; // all preds done: try to remove the param; push the def

export class FunctionBuilder implements InstInserter {
  readonly func: Function;
  private readonly ctx: FunctionBuilderContext;
  private current: Block = -1;
  private loc: SourceLoc = DEFAULT_SRCLOC;
  private readonly builder: InstBuilder;

  constructor(func: Function, ctx: FunctionBuilderContext = new FunctionBuilderContext()) {
    this.func = func;
    this.ctx = ctx;
    ctx.clear();
    this.builder = new InstBuilder(this);
    // Blocks created before the builder (rare) get state lazily via ensureBlockState.
  }

  private ensureBlockState(b: Block): void {
    const c = this.ctx;
    while (c.sealed.length <= b) {
      c.sealed.push(0);
      c.status.push(STATUS_EMPTY);
      c.preds.push([]);
      c.incomplete.push([]);
      c.hasSsaParams.push(0);
    }
  }

  // -------------------------------------------------------------------------
  // Blocks

  createBlock(): Block {
    const b = this.func.stencil.dfg.makeBlock();
    this.ensureBlockState(b);
    return b;
  }

  /** Make `b` the block new instructions are appended to. It is added to the layout on its first instruction. */
  switchToBlock(b: Block): void {
    this.ensureBlockState(b);
    if (this.ctx.status[b] === STATUS_FILLED) {
      throw new Error(`block${b} is already filled (ends in a terminator)`);
    }
    this.current = b;
  }

  currentBlock(): Block {
    return this.current;
  }

  /** Declare that every predecessor of `b` has been emitted. */
  sealBlock(b: Block): void {
    this.ensureBlockState(b);
    const c = this.ctx;
    if (c.sealed[b]) return;
    const pending = c.incomplete[b]!;
    c.incomplete[b] = [];
    // Fill the arguments of every incomplete parameter, in parameter order
    // (which is the order they were created and so the order in `pending`).
    for (let k = 0; k < pending.length; k += 2) {
      const variable = pending[k]!;
      const param = pending[k + 1]!;
      for (const pred of c.preds[b]!) {
        const v = this.useVarIn(variable, this.func.layout.instBlock(pred));
        this.appendPredArg(pred, b, v);
      }
      this.tryRemoveTrivialParam(b, param);
    }
    c.sealed[b] = 1;
  }

  /** Seal every block created so far. */
  sealAllBlocks(): void {
    for (let b = 0; b < this.ctx.sealed.length; b++) this.sealBlock(b);
  }

  isSealed(b: Block): boolean {
    return this.ctx.sealed[b] === 1;
  }

  /** Has the current block ended in a terminator? */
  isFilled(): boolean {
    return this.current >= 0 && this.ctx.status[this.current] === STATUS_FILLED;
  }

  /**
   * Is the current block unreachable: sealed, not the entry block, and
   * without predecessors? (A wasm translator skips dead code this way.)
   */
  isUnreachable(): boolean {
    const b = this.current;
    if (b < 0) return false;
    const entry = this.func.layout.entryBlock();
    if (b === entry || (entry < 0 && b === 0)) return false;
    return this.ctx.sealed[b] === 1 && this.ctx.preds[b]!.length === 0;
  }

  /** True if no instruction has been appended to `b` yet. */
  isPristine(b: Block): boolean {
    return (this.ctx.status[b] ?? STATUS_EMPTY) === STATUS_EMPTY;
  }

  /** The predecessor branch instructions recorded for `b`. */
  predecessors(b: Block): readonly Inst[] {
    return this.ctx.preds[b] ?? [];
  }

  /** Append a user parameter to `b` (UserParamsFirst). */
  appendBlockParam(b: Block, ty: Type): Value {
    this.ensureBlockState(b);
    if (this.ctx.hasSsaParams[b] || this.ctx.preds[b]!.length > 0) {
      throw new Error(`block${b}: user parameters must be appended before any predecessor or variable use`);
    }
    return this.func.stencil.dfg.appendBlockParam(b, ty);
  }

  /** Give `b` one parameter per function parameter (for the entry block). */
  appendBlockParamsForFunctionParams(b: Block): Value[] {
    return this.func.signature.params.map((p) => this.appendBlockParam(b, p.type));
  }

  /** Give `b` one parameter per function return value (for a shared exit block). */
  appendBlockParamsForFunctionReturns(b: Block): Value[] {
    return this.func.signature.returns.map((p) => this.appendBlockParam(b, p.type));
  }

  blockParams(b: Block): Value[] {
    return this.func.stencil.dfg.blockParams(b);
  }

  // -------------------------------------------------------------------------
  // Variables

  declareVar(ty: Type): Variable {
    this.ctx.varTypes.push(ty);
    return this.ctx.varTypes.length - 1;
  }

  varType(v: Variable): Type {
    const t = this.ctx.varTypes[v];
    if (t === undefined) throw new Error(`variable ${v} is not declared`);
    return t;
  }

  defVar(variable: Variable, value: Value): void {
    const ty = this.varType(variable);
    const vt = this.func.stencil.dfg.typeOf(value);
    if (vt !== ty) {
      throw new Error(`defVar: variable ${variable} has type ${typeName(ty)}, value v${value} has type ${typeName(vt)}`);
    }
    if (this.current < 0) throw new Error('defVar: no current block');
    this.setDef(variable, this.current, value);
  }

  useVar(variable: Variable): Value {
    if (this.current < 0) throw new Error('useVar: no current block');
    this.varType(variable);
    return this.useVarIn(variable, this.current);
  }

  private getDef(variable: Variable, b: Block): Value {
    return this.ctx.getDef(b, variable);
  }

  private setDef(variable: Variable, b: Block, v: Value): void {
    this.ctx.setDef(b, variable, v);
  }

  /** Braun's readVariable, iterative. */
  private useVarIn(variable: Variable, block: Block): Value {
    const dfg = this.func.stencil.dfg;
    const local = this.getDef(variable, block);
    if (local >= 0) return dfg.resolveAliases(local);

    const c = this.ctx;
    const ty = c.varTypes[variable]!;
    // The context's scratch stacks, above whatever an outer walk left on them.
    const tasks = c.tasks;
    const results = c.results;
    const taskBase = tasks.length;
    const resultBase = results.length;
    tasks.push(T_USE, block, 0);
    while (tasks.length > taskBase) {
      const extra = tasks.pop()!;
      const b = tasks.pop()!;
      const kind = tasks.pop()!;
      switch (kind) {
        case T_USE: {
          const d = this.getDef(variable, b);
          if (d >= 0) {
            results.push(dfg.resolveAliases(d));
            break;
          }
          this.ensureBlockState(b);
          if (!c.sealed[b]) {
            const p = dfg.appendBlockParam(b, ty);
            c.hasSsaParams[b] = 1;
            c.incomplete[b]!.push(variable, p);
            this.setDef(variable, b, p);
            results.push(p);
            break;
          }
          const preds = c.preds[b]!;
          if (preds.length === 0) {
            const z = this.emitZero(b, ty);
            this.setDef(variable, b, z);
            results.push(z);
          } else if (preds.length === 1) {
            tasks.push(T_SET_DEF, b, 0);
            tasks.push(T_USE, this.func.layout.instBlock(preds[0]!), 0);
          } else {
            const p = dfg.appendBlockParam(b, ty);
            c.hasSsaParams[b] = 1;
            this.setDef(variable, b, p);
            tasks.push(T_FINISH_PARAM, b, p);
            for (let i = preds.length - 1; i >= 0; i--) {
              tasks.push(T_APPEND_ARG, b, preds[i]!);
              tasks.push(T_USE, this.func.layout.instBlock(preds[i]!), 0);
            }
          }
          break;
        }
        case T_SET_DEF:
          this.setDef(variable, b, results[results.length - 1]!);
          break;
        case T_APPEND_ARG:
          this.appendPredArg(extra, b, results.pop()!);
          break;
        case T_FINISH_PARAM:
          results.push(this.tryRemoveTrivialParam(b, extra));
          break;
      }
    }
    const r = results.pop()!;
    // (Balanced, so normally already equal: assigning `length = 0` would
    // drop the array's storage, re-grown on the next walk.)
    if (results.length !== resultBase) results.length = resultBase;
    return dfg.resolveAliases(r);
  }

  /** Append `v` to every block call of branch `pred` that targets `b`. */
  private appendPredArg(pred: Inst, b: Block, v: Value): void {
    const dfg = this.func.stencil.dfg;
    const n = dfg.numBranchDestinations(pred);
    for (let k = 0; k < n; k++) {
      const bc = dfg.branchDestination(pred, k);
      if (dfg.blockCallBlock(bc) === b) dfg.appendBlockCallArg(bc, v);
    }
  }

  /**
   * If every argument for parameter `p` of `b` is `p` or one value `same`,
   * remove `p` and make it an alias of `same`. Returns the value now standing
   * for the parameter.
   */
  private tryRemoveTrivialParam(b: Block, p: Value): Value {
    const dfg = this.func.stencil.dfg;
    const idx = dfg.valueNum(p);
    let same = -1;
    const preds = this.ctx.preds[b]!;
    for (let j = 0; j < preds.length; j++) {
      const pred = preds[j]!;
      const n = dfg.numBranchDestinations(pred);
      for (let k = 0; k < n; k++) {
        const bc = dfg.branchDestination(pred, k);
        if (dfg.blockCallBlock(bc) !== b) continue;
        const a = dfg.resolveAliases(dfg.blockCallArg(bc, idx));
        if (a === p || a === same) continue;
        if (same >= 0) return p; // two different incoming values: a real phi
        same = a;
      }
    }
    if (same < 0) return p; // only self-references: unreachable loop; keep it
    for (let j = 0; j < preds.length; j++) {
      const pred = preds[j]!;
      const n = dfg.numBranchDestinations(pred);
      for (let k = 0; k < n; k++) {
        const bc = dfg.branchDestination(pred, k);
        if (dfg.blockCallBlock(bc) === b) dfg.removeBlockCallArg(bc, idx);
      }
    }
    dfg.removeBlockParam(b, idx);
    dfg.changeToAlias(p, same);
    return same;
  }

  /** A zero of type `ty` at the top of block `b` (use of an undefined variable). */
  private emitZero(b: Block, ty: Type): Value {
    const func = this.func;
    const dfg = func.stencil.dfg;
    let inst: Inst;
    let v: Value;
    if (isInt(ty)) {
      inst = dfg.makeInst(Opcode.Iconst, ty);
      v = dfg.makeSingleResult(inst, ty);
    } else if (ty === F32) {
      inst = dfg.makeInst(Opcode.F32const, INVALID);
      v = dfg.makeSingleResult(inst, F32);
    } else if (ty === F64) {
      inst = dfg.makeInst(Opcode.F64const, INVALID);
      v = dfg.makeSingleResult(inst, F64);
    } else {
      throw new Error(`cannot materialize a zero of type ${typeName(ty)} (bits ${typeBits(ty)})`);
    }
    this.ensureInserted(b);
    func.layout.prependInst(inst, b);
    if (this.ctx.status[b] === STATUS_EMPTY) this.ctx.status[b] = STATUS_PARTIAL;
    return v;
  }

  private ensureInserted(b: Block): void {
    const layout = this.func.layout;
    if (!layout.isBlockInserted(b)) layout.appendBlock(b);
  }

  // -------------------------------------------------------------------------
  // Instructions

  /** The instruction builder appending to the current block. */
  ins(): InstBuilder {
    return this.builder;
  }

  /** Source location given to every instruction appended from now on (absolute). */
  setSrcLoc(loc: SourceLoc): void {
    this.loc = loc >>> 0;
  }

  srcLoc(): SourceLoc {
    return this.loc;
  }

  /** InstInserter: append to the current block, tag the location, track predecessors. */
  insertBuiltInst(inst: Inst): void {
    const b = this.current;
    if (b < 0) throw new Error('no current block: call switchToBlock first');
    const c = this.ctx;
    if (c.status[b] === STATUS_FILLED) {
      throw new Error(`block${b} is already filled; cannot append ${OPCODE_INFO[this.func.stencil.dfg.opcode(inst)]!.name}`);
    }
    this.ensureInserted(b);
    this.func.layout.appendInst(inst, b);
    if (this.loc !== DEFAULT_SRCLOC) this.func.setSrcLoc(inst, this.loc);
    const info = OPCODE_INFO[this.func.stencil.dfg.opcode(inst)]!;
    if (info.flags & OpFlag.Terminator) c.status[b] = STATUS_FILLED;
    else c.status[b] = STATUS_PARTIAL;
    if (info.flags & OpFlag.Branch) this.declareSuccessors(inst);
  }

  private addPred(t: Block, inst: Inst): void {
    this.ensureBlockState(t);
    if (this.ctx.sealed[t]) throw new Error(`block${t} is sealed; cannot add a branch to it from inst${inst}`);
    this.ctx.preds[t]!.push(inst);
  }

  private declareSuccessors(inst: Inst): void {
    const dfg = this.func.stencil.dfg;
    if (dfg.format(inst) !== InstructionFormat.BranchTable) {
      // jump / brif: no array (this runs for every branch the translator emits).
      const n = dfg.numBranchDestinations(inst);
      for (let k = 0; k < n; k++) {
        const t = dfg.blockCallBlock(dfg.branchDestination(inst, k));
        if (k === 1 && t === dfg.blockCallBlock(dfg.branchDestination(inst, 0))) continue;
        this.addPred(t, inst);
      }
      return;
    }
    const seen: Block[] = [];
    for (const bc of dfg.branchDestinations(inst)) {
      const t = dfg.blockCallBlock(bc);
      if (seen.includes(t)) continue;
      seen.push(t);
      this.addPred(t, inst);
    }
    if (dfg.format(inst) === InstructionFormat.BranchTable && dfg.jumpTables[dfg.aux(inst)] === undefined) {
      throw new Error(`br_table refers to undeclared jump table jt${dfg.aux(inst)}`);
    }
  }

  /** Results of an instruction (for calls). */
  instResults(inst: Inst): Value[] {
    return this.func.stencil.dfg.instResults(inst);
  }

  // -------------------------------------------------------------------------
  // Preamble entities

  /** A jump table whose block calls carry the given arguments. */
  createJumpTable(defaultTarget: BlockArg, entries: readonly BlockArg[]): JumpTable {
    const dfg = this.func.stencil.dfg;
    const mk = (t: BlockArg): number =>
      typeof t === 'number' ? dfg.makeBlockCall(t, []) : dfg.makeBlockCall(t.block, t.args);
    return dfg.createJumpTable({ default: mk(defaultTarget), entries: entries.map(mk) });
  }

  createSizedStackSlot(data: StackSlotData): StackSlot {
    return this.func.createSizedStackSlot(data);
  }

  importSignature(sig: Signature): SigRef {
    return this.func.importSignature(sig);
  }

  importFunction(data: ExtFuncData): FuncRef {
    return this.func.importFunction(data);
  }

  declareImportedUserFunction(name: UserExternalName): UserExternalNameRef {
    return this.func.declareImportedUserFunction(name);
  }

  /**
   * Finish: check every block that was used is sealed and filled, and rewrite
   * alias uses to their targets. Throws on an unsealed or unfilled block.
   */
  finalize(): void {
    const c = this.ctx;
    for (let b = 0; b < c.sealed.length; b++) {
      if (c.status[b] === STATUS_EMPTY) continue;
      if (!c.sealed[b]) throw new Error(`finalize: block${b} is not sealed`);
      if (c.status[b] !== STATUS_FILLED) throw new Error(`finalize: block${b} does not end in a terminator`);
    }
    this.func.stencil.dfg.resolveAllAliases();
  }
}
