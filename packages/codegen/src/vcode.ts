/**
 * VCode: a function's machine instructions over virtual registers, in the
 * order they will be emitted — the lowering's output, the register
 * allocator's input, and the emitter's input.
 *
 * # The problem
 *
 * Between IR and bytes sits a program whose instructions are the target's
 * (x64 `add`, `cmov`, `call`), whose values are still an unbounded supply of
 * virtual registers in SSA form, and whose control flow is the IR's, minus
 * critical edges, plus block parameters. The register allocator wants it as a
 * struct of typed arrays in CSR form (`RegAllocFunction`); the emitter wants
 * each instruction with its operands' allocations; the lowering wants to
 * append instructions cheaply.
 *
 * # The approach
 *
 * `VCode<I>` *is* a `RegAllocFunction`: the builder keeps the CSR arrays
 * (block ranges, successors/predecessors, block parameters, branch
 * arguments, operands, per-instruction flags and clobber sets) while the
 * lowering appends, so handing it to `allocateRegisters` copies nothing.
 * Instructions themselves are the backend's objects (`I`); the backend tells
 * the VCode about them through a `MachInstAdapter`:
 *
 * * `visitOperands(inst, visitor)` names every register field of the
 *   instruction, in a fixed order, with its constraint, and stores the
 *   visitor's return value back into the field. When the instruction is
 *   appended, an `OperandCollector` records the operands (returning each
 *   vreg unchanged); at emission an `AllocationRewriter` returns each
 *   operand's allocated register instead, so the same function both
 *   describes the operands and applies the allocation — the two can never
 *   disagree on order (invariant OneVisitOrder).
 * * `flags(inst)` (return, branch, move) and `clobbers(inst)` (an index into
 *   the adapter's clobber sets, for calls).
 *
 * Invariants (checked by the allocator's `validateFunction` in tests):
 *
 * * (LoweredOrder) blocks are stored in emission order; block 0 is the entry,
 *   which has no parameters and no predecessors.
 * * (NoCriticalEdges) the lowering split every edge from a block with several
 *   successors to a block with several predecessors.
 * * (OneVisitOrder) `visitOperands` visits fields in an order that depends
 *   only on the instruction's kind and shape, never on register values.
 */
import {
  OperandKind,
  OperandPos,
  type PRegSet,
  type RegAllocFunction,
  type RegClass,
  defFixed,
  defReuse,
  operand,
  ConstraintKind,
  useFixed,
  pregHwEnc,
} from './regalloc/index.js';
import { scratchI32, scratchU32, scratchU8 } from './scratch.js';

/** How an instruction names its register operands (see the module comment). */
export interface OperandVisitor {
  /** Early use in any register of the vreg's class. */
  use(v: number): number;
  /** Late use: the register stays reserved until the end of the instruction. */
  useLate(v: number): number;
  /** Use in exactly `preg`. */
  useFixed(v: number, preg: number): number;
  /** Late def in any register. */
  def(v: number): number;
  /** Early def: written before the uses are read; never shares a register with them. */
  defEarly(v: number): number;
  /** Def in exactly `preg`. */
  defFixed(v: number, preg: number): number;
  /** Def in the register of this instruction's operand `useIndex` (two-address forms). */
  defReuse(v: number, useIndex: number): number;
  /** Number of operands visited so far for the current instruction. */
  readonly count: number;
}

/** What the VCode needs to know about a backend's instruction type. */
export interface MachInstAdapter<I> {
  visitOperands(inst: I, v: OperandVisitor): void;
  /** `InstFlags` bits (`Ret`, `Branch`, `Move`). */
  flags(inst: I): number;
  /** Index into `clobberSets`, or -1. */
  clobbers(inst: I): number;
  readonly clobberSets: readonly PRegSet[];
  /** Human-readable text of an instruction (vregs as `v12`), for dumps. */
  print?(inst: I): string;
}

/** Records operands into the VCode's CSR arrays; returns each vreg unchanged. */
class OperandCollector implements OperandVisitor {
  count = 0;
  constructor(private readonly b: VCodeBuilder<unknown>) {}
  private push(op: number): void {
    this.b.pushOperand(op);
    this.count++;
  }
  use(v: number): number {
    this.push(operand(v, OperandKind.Use, OperandPos.Early, ConstraintKind.Reg));
    return v;
  }
  useLate(v: number): number {
    this.push(operand(v, OperandKind.Use, OperandPos.Late, ConstraintKind.Reg));
    return v;
  }
  useFixed(v: number, preg: number): number {
    this.push(useFixed(v, preg));
    return v;
  }
  def(v: number): number {
    this.push(operand(v, OperandKind.Def, OperandPos.Late, ConstraintKind.Reg));
    return v;
  }
  defEarly(v: number): number {
    this.push(operand(v, OperandKind.Def, OperandPos.Early, ConstraintKind.Reg));
    return v;
  }
  defFixed(v: number, preg: number): number {
    this.push(defFixed(v, preg));
    return v;
  }
  defReuse(v: number, useIndex: number): number {
    this.push(defReuse(v, useIndex));
    return v;
  }
}

/**
 * Returns each operand's allocated register (its hardware encoding), in
 * operand order, from the allocator's output. Every operand the lowering
 * creates has a register constraint, so a stack allocation here is a bug.
 */
export class AllocationRewriter implements OperandVisitor {
  count = 0;
  private allocs: Int32Array = new Int32Array(0);
  private k = 0;

  /** Start rewriting an instruction whose operands begin at `allocs[start]`. */
  reset(allocs: Int32Array, start: number): void {
    this.allocs = allocs;
    this.k = start;
    this.count = 0;
  }
  private next(): number {
    const a = this.allocs[this.k++]!;
    this.count++;
    if (a < 0) throw new Error(`operand ${this.count - 1} was allocated a stack slot; the lowering only creates register operands`);
    return pregHwEnc(a);
  }
  use(): number {
    return this.next();
  }
  useLate(): number {
    return this.next();
  }
  useFixed(): number {
    return this.next();
  }
  def(): number {
    return this.next();
  }
  defEarly(): number {
    return this.next();
  }
  defFixed(): number {
    return this.next();
  }
  defReuse(): number {
    return this.next();
  }
}

function growI32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = scratchI32(n);
  b.set(a);
  return b;
}
function growU32(a: Uint32Array<ArrayBuffer>, need: number): Uint32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = scratchU32(n);
  b.set(a);
  return b;
}
function growU8(a: Uint8Array<ArrayBuffer>, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = scratchU8(n);
  b.set(a);
  return b;
}

/** A function in VCode form; also the register allocator's input. */
export class VCode<I> implements RegAllocFunction {
  readonly entryBlock = 0;
  constructor(
    readonly insts: readonly I[],
    /** Relative source location of each instruction (`0xffff_ffff` = none). */
    readonly instSrcLoc: Uint32Array,
    readonly numVRegs: number,
    readonly vregClass: Uint8Array,
    readonly blockStart: Int32Array,
    readonly succStart: Int32Array,
    readonly succs: Int32Array,
    readonly predStart: Int32Array,
    readonly preds: Int32Array,
    readonly paramStart: Int32Array,
    readonly params: Int32Array,
    readonly branchArgStart: Int32Array,
    readonly branchArgs: Int32Array,
    readonly operandStart: Int32Array,
    readonly operands: Uint32Array,
    readonly instFlags: Uint8Array,
    readonly instClobbers: Int32Array,
    readonly clobberSets: readonly PRegSet[],
    readonly adapter: MachInstAdapter<I>,
  ) {}

  get numInsts(): number {
    return this.insts.length;
  }
  get numBlocks(): number {
    return this.blockStart.length - 1;
  }

  /** The successors of block `b` (VCode block indices). */
  blockSuccs(b: number): Int32Array {
    return this.succs.subarray(this.succStart[b]!, this.succStart[b + 1]!);
  }

  /**
   * A readable dump: blocks, parameters, instructions, successors with
   * arguments. Meaningful before emission only: emission rewrites the
   * instructions' register fields in place (OneVisitOrder).
   */
  print(): string {
    const out: string[] = [];
    const pr = this.adapter.print ?? ((i: I): string => JSON.stringify(i));
    for (let b = 0; b < this.numBlocks; b++) {
      const ps = Array.from(this.params.subarray(this.paramStart[b]!, this.paramStart[b + 1]!), (v) => `v${v}`);
      out.push(`block${b}(${ps.join(', ')}):`);
      for (let i = this.blockStart[b]!; i < this.blockStart[b + 1]!; i++) out.push(`  ${pr(this.insts[i]!)}`);
      const ss: string[] = [];
      for (let e = this.succStart[b]!; e < this.succStart[b + 1]!; e++) {
        const args = Array.from(this.branchArgs.subarray(this.branchArgStart[e]!, this.branchArgStart[e + 1]!), (v) => `v${v}`);
        ss.push(`block${this.succs[e]}(${args.join(', ')})`);
      }
      if (ss.length > 0) out.push(`  ; succs: ${ss.join(' ')}`);
    }
    return out.join('\n');
  }
}

/**
 * Builds a `VCode` block by block, in emission order. Per block:
 * `beginBlock()`, `addBlockParam(v)*`, `push(inst, loc)*`, `endBlock(succs, args)`.
 */
export class VCodeBuilder<I> {
  private readonly insts: I[] = [];
  private instLoc = scratchU32(64);
  private instFlags = scratchU8(64);
  private instClobbers = scratchI32(64);
  private operandStart = scratchI32(64);
  private operands = scratchU32(256);
  private numOperands = 0;

  private vregClass = scratchU8(64);
  private numVRegs = 0;

  private blockStart = new Int32Array(16);
  private succStart = new Int32Array(16);
  private succs = new Int32Array(16);
  private numSuccs = 0;
  private paramStart = new Int32Array(16);
  private params = new Int32Array(16);
  private numParams = 0;
  private branchArgStart = new Int32Array(16);
  private branchArgs = new Int32Array(16);
  private numBranchArgs = 0;
  private numBlocks = 0;
  private inBlock = false;

  private readonly collector: OperandCollector;

  constructor(readonly adapter: MachInstAdapter<I>) {
    this.collector = new OperandCollector(this as VCodeBuilder<unknown>);
  }

  newVReg(cls: RegClass): number {
    const v = this.numVRegs++;
    this.vregClass = growU8(this.vregClass, v + 1);
    this.vregClass[v] = cls;
    return v;
  }

  vregClassOf(v: number): RegClass {
    return this.vregClass[v]! as RegClass;
  }

  get vregCount(): number {
    return this.numVRegs;
  }

  /** @internal (OperandCollector) */
  pushOperand(op: number): void {
    this.operands = growU32(this.operands, this.numOperands + 1);
    this.operands[this.numOperands++] = op;
  }

  /** Start the next block; returns its index. */
  beginBlock(): number {
    if (this.inBlock) throw new Error('VCodeBuilder: beginBlock inside a block');
    this.inBlock = true;
    const b = this.numBlocks;
    this.blockStart = growI32(this.blockStart, b + 2);
    this.succStart = growI32(this.succStart, b + 2);
    this.paramStart = growI32(this.paramStart, b + 2);
    this.blockStart[b] = this.insts.length;
    this.succStart[b] = this.numSuccs;
    this.paramStart[b] = this.numParams;
    return b;
  }

  addBlockParam(v: number): void {
    this.params = growI32(this.params, this.numParams + 1);
    this.params[this.numParams++] = v;
  }

  /** Append an instruction to the current block; its operands are recorded now. */
  push(inst: I, loc: number): void {
    const i = this.insts.length;
    this.insts.push(inst);
    if (i + 2 > this.instLoc.length) {
      const n = this.instLoc.length * 2;
      const grow = <T extends Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer>>(a: T, make: (n: number) => T): T => {
        const b = make(n);
        b.set(a as never);
        return b;
      };
      this.instLoc = grow(this.instLoc, scratchU32);
      this.instFlags = grow(this.instFlags, scratchU8);
      this.instClobbers = grow(this.instClobbers, scratchI32);
      this.operandStart = grow(this.operandStart, scratchI32);
    }
    this.instLoc[i] = loc;
    this.instFlags[i] = this.adapter.flags(inst);
    this.instClobbers[i] = this.adapter.clobbers(inst);
    this.operandStart[i] = this.numOperands;
    this.collector.count = 0;
    this.adapter.visitOperands(inst, this.collector);
  }

  /** End the current block with its successors and, per successor, the branch arguments. */
  endBlock(succs: ArrayLike<number>, args: readonly ArrayLike<number>[]): void {
    if (!this.inBlock) throw new Error('VCodeBuilder: endBlock outside a block');
    this.inBlock = false;
    for (let k = 0; k < succs.length; k++) {
      this.succs = growI32(this.succs, this.numSuccs + 1);
      this.branchArgStart = growI32(this.branchArgStart, this.numSuccs + 2);
      this.branchArgStart[this.numSuccs] = this.numBranchArgs;
      this.succs[this.numSuccs++] = succs[k]!;
      const a = args[k];
      if (a !== undefined) {
        this.branchArgs = growI32(this.branchArgs, this.numBranchArgs + a.length);
        for (let j = 0; j < a.length; j++) this.branchArgs[this.numBranchArgs++] = a[j]!;
      }
    }
    this.numBlocks++;
  }

  finish(): VCode<I> {
    if (this.inBlock) throw new Error('VCodeBuilder: finish inside a block');
    const nb = this.numBlocks;
    const ni = this.insts.length;
    this.blockStart = growI32(this.blockStart, nb + 1);
    this.succStart = growI32(this.succStart, nb + 1);
    this.paramStart = growI32(this.paramStart, nb + 1);
    this.branchArgStart = growI32(this.branchArgStart, this.numSuccs + 1);
    this.blockStart[nb] = ni;
    this.succStart[nb] = this.numSuccs;
    this.paramStart[nb] = this.numParams;
    this.branchArgStart[this.numSuccs] = this.numBranchArgs;
    this.operandStart = growI32(this.operandStart, ni + 1);
    this.operandStart[ni] = this.numOperands;

    const succStart = this.succStart.subarray(0, nb + 1);
    const succs = this.succs.subarray(0, this.numSuccs);
    // Predecessors: counting sort of the edges by target.
    const predStart = scratchI32(nb + 1);
    for (let e = 0; e < succs.length; e++) predStart[succs[e]! + 1]!++;
    for (let b = 0; b < nb; b++) predStart[b + 1]! += predStart[b]!;
    const fill = scratchI32(nb);
    fill.set(predStart.subarray(0, nb));
    const preds = scratchI32(succs.length);
    for (let b = 0; b < nb; b++) {
      for (let e = succStart[b]!; e < succStart[b + 1]!; e++) preds[fill[succs[e]!]!++] = b;
    }

    return new VCode<I>(
      this.insts,
      this.instLoc.subarray(0, ni),
      this.numVRegs,
      this.vregClass.subarray(0, this.numVRegs),
      this.blockStart.subarray(0, nb + 1),
      succStart,
      succs,
      predStart,
      preds,
      this.paramStart.subarray(0, nb + 1),
      this.params.subarray(0, this.numParams),
      this.branchArgStart.subarray(0, this.numSuccs + 1),
      this.branchArgs.subarray(0, this.numBranchArgs),
      this.operandStart.subarray(0, ni + 1),
      this.operands.subarray(0, this.numOperands),
      this.instFlags.subarray(0, ni),
      this.instClobbers.subarray(0, ni),
      this.adapter.clobberSets,
      this.adapter,
    );
  }
}

